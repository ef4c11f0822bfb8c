#include "requestreader.h"

RequestReader::Status RequestReader::feed(QByteArrayView bytes)
{
    if (m_status != Status::Incomplete)
        return m_status;
    m_buffer.append(bytes);

    if (!m_haveHead) {
        QString error;
        switch (HttpRequestHead::parse(m_buffer, &m_request.head, &error, maxHeadBytes)) {
        case HttpRequestHead::Status::Incomplete:
            return m_status;
        case HttpRequestHead::Status::TooLarge:
            return fail(431, error);
        case HttpRequestHead::Status::Bad:
            return fail(400, QStringLiteral("malformed request: ") + error);
        case HttpRequestHead::Status::Complete:
            break;
        }
        m_haveHead = true;
        m_buffer.remove(0, m_request.head.size);
        if (onHeadComplete() == Status::Failed)
            return m_status;
    }

    if (m_buffer.size() < m_bodyLength)
        return m_status;
    m_request.body = m_buffer.first(m_bodyLength);
    m_buffer.clear();
    m_status = Status::Complete;
    return m_status;
}

RequestReader::Status RequestReader::onHeadComplete()
{
    const HttpRequestHead &head = m_request.head;
    if (!head.header("Transfer-Encoding").isNull()) {
        return fail(411,
            QStringLiteral("Transfer-Encoding request bodies are not supported; "
                           "send the body with a Content-Length"));
    }
    // Several Content-Length fields must agree (RFC 9112 §6.3); a list like "5, 5" is refused.
    QByteArray length;
    for (const HttpHeader &header : head.headers) {
        if (QByteArrayView(header.first).compare("Content-Length", Qt::CaseInsensitive) != 0)
            continue;
        if (!length.isNull() && length != header.second)
            return fail(400, QStringLiteral("conflicting Content-Length headers"));
        length = header.second;
    }
    if (!length.isNull()) {
        bool ok = !length.isEmpty();
        for (const char c : std::as_const(length))
            ok = ok && c >= '0' && c <= '9';
        const qlonglong value = ok ? length.toLongLong(&ok) : -1;
        if (!ok) {
            return fail(400,
                QStringLiteral("Content-Length: expected a number of bytes, got \"%1\"")
                    .arg(QString::fromLatin1(length)));
        }
        if (value > maxBodyBytes) {
            return fail(413,
                QStringLiteral("request body of %1 bytes is larger than the limit "
                               "of %2 bytes")
                    .arg(value)
                    .arg(maxBodyBytes));
        }
        m_bodyLength = qsizetype(value);
    }
    m_continueRequested = m_bodyLength > m_buffer.size()
        && QByteArrayView(head.header("Expect")).compare("100-continue", Qt::CaseInsensitive) == 0;
    return m_status;
}

bool RequestReader::takeContinueRequest()
{
    return std::exchange(m_continueRequested, false);
}

RequestReader::Status RequestReader::fail(int status, const QString &message)
{
    m_status = Status::Failed;
    m_errorStatus = status;
    m_errorMessage = message;
    m_buffer.clear();
    return m_status;
}
