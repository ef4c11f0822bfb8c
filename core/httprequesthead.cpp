#include "httprequesthead.h"

namespace {

QByteArrayView trimmed(QByteArrayView v)
{
    while (!v.isEmpty() && (v.front() == ' ' || v.front() == '\t'))
        v = v.sliced(1);
    while (!v.isEmpty() && (v.back() == ' ' || v.back() == '\t'))
        v.chop(1);
    return v;
}

// RFC 9110 §5.6.2 tchar.
bool isToken(QByteArrayView v)
{
    if (v.isEmpty())
        return false;
    for (char c : v) {
        const bool alnum
            = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && !QByteArrayView("!#$%&'*+-.^_`|~").contains(c))
            return false;
    }
    return true;
}

// RFC 9110 §5.5: field values are visible characters, SP, HTAB and obs-text; a bare CR, LF,
// NUL or other control character is rejected (RFC 9112 §2.2) rather than passed on.
bool isFieldValue(QByteArrayView v)
{
    for (char c : v) {
        const auto u = static_cast<unsigned char>(c);
        if ((u < 0x20 && u != '\t') || u == 0x7F)
            return false;
    }
    return true;
}

// The request target has no whitespace or control characters (RFC 9112 §3.2).
bool isTarget(QByteArrayView v)
{
    for (char c : v) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u == 0x7F)
            return false;
    }
    return true;
}

} // namespace

QByteArray HttpRequestHead::path() const
{
    const qsizetype q = target.indexOf('?');
    return q < 0 ? target : target.first(q);
}

QByteArray HttpRequestHead::query() const
{
    const qsizetype q = target.indexOf('?');
    return q < 0 ? QByteArray() : target.sliced(q + 1);
}

QByteArray HttpRequestHead::header(QByteArrayView name) const
{
    for (const HttpHeader &h : headers) {
        if (QByteArrayView(h.first).compare(name, Qt::CaseInsensitive) == 0)
            return h.second;
    }
    return QByteArray();
}

HttpRequestHead::Status HttpRequestHead::parse(
    QByteArrayView bytes, HttpRequestHead *head, QString *error, qsizetype maxBytes)
{
    const auto bad = [error](const QString &message, Status status = Status::Bad) {
        if (error)
            *error = message;
        return status;
    };
    const auto tooLarge = [&bad, maxBytes] {
        return bad(
            QStringLiteral("request head larger than %1 bytes").arg(maxBytes), Status::TooLarge);
    };

    const qsizetype endOfHead = bytes.indexOf("\r\n\r\n");
    if (endOfHead < 0)
        return bytes.size() > maxBytes ? tooLarge() : Status::Incomplete;
    if (endOfHead + 4 > maxBytes)
        return tooLarge();

    HttpRequestHead result;
    result.size = endOfHead + 4;
    QByteArrayView rest = bytes.first(endOfHead);

    const qsizetype lineEnd = rest.indexOf("\r\n");
    const QByteArrayView requestLine = lineEnd < 0 ? rest : rest.first(lineEnd);
    rest = lineEnd < 0 ? QByteArrayView() : rest.sliced(lineEnd + 2);

    const qsizetype firstSpace = requestLine.indexOf(' ');
    const qsizetype lastSpace = requestLine.lastIndexOf(' ');
    if (firstSpace <= 0 || lastSpace <= firstSpace + 1)
        return bad(QStringLiteral("malformed request line"));
    result.method = requestLine.first(firstSpace).toByteArray();
    result.target = requestLine.sliced(firstSpace + 1, lastSpace - firstSpace - 1).toByteArray();
    result.version = requestLine.sliced(lastSpace + 1).toByteArray();
    if (!isToken(result.method))
        return bad(QStringLiteral("invalid method"));
    if (result.version != "HTTP/1.1" && result.version != "HTTP/1.0")
        return bad(QStringLiteral("unsupported HTTP version"));
    if (!isTarget(result.target))
        return bad(QStringLiteral("malformed request target"));

    while (!rest.isEmpty()) {
        const qsizetype end = rest.indexOf("\r\n");
        const QByteArrayView line = end < 0 ? rest : rest.first(end);
        rest = end < 0 ? QByteArrayView() : rest.sliced(end + 2);
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0)
            return bad(QStringLiteral("malformed header line"));
        // Whitespace before the colon and obsolete line folding (a line starting with SP or
        // HTAB) MUST be rejected (RFC 9112 §5.1, §5.2): both are request-smuggling vectors.
        const QByteArrayView name = line.first(colon);
        if (!isToken(name))
            return bad(QStringLiteral("invalid header name"));
        const QByteArrayView value = trimmed(line.sliced(colon + 1));
        if (!isFieldValue(value))
            return bad(QStringLiteral("invalid character in header value"));
        result.headers.append({ name.toByteArray(), value.toByteArray() });
    }
    *head = std::move(result);
    return Status::Complete;
}
