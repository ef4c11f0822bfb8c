// libFuzzer target for HttpRequestHead::parse (the gate's request head parser); scripts/fuzz.sh
// builds and runs it.
//
// Input: byte 0 picks the size limit (bit 7 set: 0..508 bytes, so that it trips; else the
// default 16 KiB), byte 1 where to cut a prefix; the rest is what the client sent. Checks, from
// the header's contract (and tst_httprequesthead.cpp, which pins the same down by example):
// - Incomplete exactly when no blank line has arrived and the bytes are within the limit;
//   Bad comes with a non-empty error; only Complete writes the head, only Bad the error;
// - a Complete head: `size` ends at the first blank line and is within the limit; a non-empty
//   method and target, an HTTP/1.0 or 1.1 version, header names without ':', values without
//   line breaks, NUL or surrounding blanks; path() and query() split the target at its first '?';
// - the proxy peeks at a growing buffer, so the verdict may not change as bytes arrive: a prefix
//   that is Complete or Bad stays so (with the same head); every prefix shorter than a Complete
//   head is Incomplete, and one that holds the head is Complete with the same head;
// - written back in canonical form (one SP, ": ", CRLF) a head parses to itself.

#include "fuzzcheck.h"
#include "httprequesthead.h"

namespace {

using Status = HttpRequestHead::Status;

const QString untouchedError = QStringLiteral("untouched");
const QByteArray untouchedMethod = "\x01untouched";

struct Result
{
    Status status;
    HttpRequestHead head;
    QString error;
};

Result parse(QByteArrayView bytes, qsizetype maxBytes)
{
    Result r { Status::Incomplete, {}, untouchedError };
    r.head.method = untouchedMethod;
    r.status = HttpRequestHead::parse(bytes, &r.head, &r.error, maxBytes);
    return r;
}

bool sameHead(const HttpRequestHead &a, const HttpRequestHead &b)
{
    return a.method == b.method && a.target == b.target && a.version == b.version
        && a.headers == b.headers;
}

bool hasCtlOrSpace(QByteArrayView v)
{
    return std::any_of(v.begin(), v.end(), [](char c) { return uchar(c) <= 0x20 || c == 0x7F; });
}

bool isBlank(char c)
{
    return c == ' ' || c == '\t';
}

void checkComplete(QByteArrayView bytes, qsizetype maxBytes, const HttpRequestHead &h)
{
    FUZZ_CHECK(h.size == bytes.indexOf("\r\n\r\n") + 4 && h.size <= maxBytes);
    FUZZ_CHECK(!h.method.isEmpty() && !hasCtlOrSpace(h.method));
    FUZZ_CHECK(!h.target.isEmpty() && !hasCtlOrSpace(h.target));
    FUZZ_CHECK(h.version == "HTTP/1.1" || h.version == "HTTP/1.0");
    for (const HttpHeader &header : h.headers) {
        FUZZ_CHECK(!header.first.isEmpty() && !hasCtlOrSpace(header.first));
        FUZZ_CHECK(!header.first.contains(':'));
        const QByteArray &v = header.second;
        FUZZ_CHECK(!v.contains('\r') && !v.contains('\n') && !v.contains('\0'));
        FUZZ_CHECK(v.isEmpty() || (!isBlank(v.front()) && !isBlank(v.back())));
    }
    if (!h.headers.isEmpty())
        FUZZ_CHECK(h.header(h.headers.front().first) == h.headers.front().second);
    const qsizetype q = h.target.indexOf('?');
    FUZZ_CHECK(h.path() == (q < 0 ? h.target : h.target.first(q)));
    FUZZ_CHECK(q < 0 ? h.query().isEmpty() : h.path() + '?' + h.query() == h.target);
}

QByteArray canonical(const HttpRequestHead &h)
{
    QByteArray out = h.method + ' ' + h.target + ' ' + h.version + "\r\n";
    for (const HttpHeader &header : h.headers)
        out += header.first + ": " + header.second + "\r\n";
    return out + "\r\n";
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    const qsizetype maxBytes = (data[0] & 0x80) ? (data[0] & 0x7F) * 4 : 16 * 1024;
    const QByteArrayView bytes(reinterpret_cast<const char *>(data) + 2, qsizetype(size - 2));

    const Result whole = parse(bytes, maxBytes);
    const bool blankLine = bytes.contains("\r\n\r\n");
    FUZZ_CHECK((whole.status == Status::Incomplete) == (!blankLine && bytes.size() <= maxBytes));
    FUZZ_CHECK((whole.status == Status::TooLarge)
        == (bytes.size() > maxBytes && (!blankLine || bytes.indexOf("\r\n\r\n") + 4 > maxBytes)));
    if (whole.status == Status::Bad || whole.status == Status::TooLarge)
        FUZZ_CHECK(!whole.error.isEmpty() && whole.error != untouchedError);
    else
        FUZZ_CHECK(whole.error == untouchedError);
    if (whole.status == Status::Complete)
        checkComplete(bytes, maxBytes, whole.head);
    else
        FUZZ_CHECK(whole.head.method == untouchedMethod && whole.head.headers.isEmpty());

    // A prefix cut where byte 1 says: its verdict, once reached, is final.
    const qsizetype cut = qsizetype(data[1]) * (bytes.size() + 1) / 256;
    const Result prefix = parse(bytes.first(cut), maxBytes);
    if (prefix.status != Status::Incomplete)
        FUZZ_CHECK(whole.status == prefix.status);
    if (prefix.status == Status::Complete)
        FUZZ_CHECK(sameHead(prefix.head, whole.head) && prefix.head.size == whole.head.size);

    if (whole.status != Status::Complete)
        return 0;
    const HttpRequestHead &head = whole.head;
    FUZZ_CHECK(parse(bytes.first(head.size - 1), maxBytes).status == Status::Incomplete);
    const Result exact = parse(bytes.first(head.size), maxBytes);
    FUZZ_CHECK(exact.status == Status::Complete && sameHead(exact.head, head));
    // The limit counts the head, not what follows it.
    FUZZ_CHECK(parse(bytes, head.size).status == Status::Complete);
    FUZZ_CHECK(parse(bytes, head.size - 1).status == Status::TooLarge);

    const QByteArray written = canonical(head);
    const Result reread = parse(written, written.size());
    FUZZ_CHECK(reread.status == Status::Complete && sameHead(reread.head, head));
    return 0;
}
