#include "httpresponsereader.h"

#include <http_parser.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <utility>

// How this drives libhttp-parser 2.9:
// - Every callback that ends something pauses the parser (http_parser_pause) instead of acting:
//   the end of a head, so that the user's onHead runs outside http_parser_execute and a 1xx can
//   be skipped; the end of the message, so that bytes after the response are left unconsumed.
//   feed() then looks at why it paused, acts, and resumes with the bytes not yet consumed.
// - While the head is read, the parser is only ever given the bytes the head limit still
//   allows, so it never looks past the limit, however the bytes are split.
// - After a skipped 1xx the parser is initialised again: left to itself it would go on with the
//   next message only if the 1xx was "keep-alive" (an HTTP/1.0 100 Continue would leave it dead).
// - Debian builds the library as upstream's Makefile does, with HTTP_PARSER_STRICT=0. That build
//   checks only the H of "HTTP/", takes any byte after a CR for its LF (at the end of the status
//   line, of the head, of a chunk size line and after chunk data) and takes spaces in header
//   names. The first and the last are checked here; the CRs are left as the library has them.

namespace {

// libhttp-parser keeps its own cap on a head (80 KiB compiled in, one value for the whole
// process). Ours is per reader and must be the one that applies, so move the library's out of
// the way, once. (The library counts in 32 bits; the largest value disables the check.)
void liftLibraryHeadCap()
{
    static const bool lifted = [] {
        http_parser_set_max_header_size(std::numeric_limits<uint32_t>::max());
        return true;
    }();
    Q_UNUSED(lifted);
}

// A byte for an error message: 'x' when printable, 0x0A otherwise.
QString describeByte(char c)
{
    const auto byte = static_cast<uchar>(c);
    if (byte > 0x20 && byte < 0x7F)
        return u'\'' + QString(QLatin1Char(c)) + u'\'';
    return QStringLiteral("0x") + QString::number(byte, 16).rightJustified(2, u'0').toUpper();
}

// The first byte that is not HTAB, SP, VCHAR or obs-text, or -1: what RFC 9110 allows in a
// reason phrase (§15) and in a field value (§5.5).
int invalidFieldByte(QByteArrayView text)
{
    for (char c : text) {
        const auto byte = static_cast<uchar>(c);
        if ((byte < 0x20 && byte != '\t') || byte == 0x7F)
            return byte;
    }
    return -1;
}

struct ScopedFlag
{
    explicit ScopedFlag(bool &flag)
        : m_flag(flag)
    {
        m_flag = true;
    }
    ~ScopedFlag() { m_flag = false; }
    ScopedFlag(const ScopedFlag &) = delete;
    ScopedFlag &operator=(const ScopedFlag &) = delete;
    bool &m_flag;
};

} // namespace

// The trampolines libhttp-parser calls. They run inside http_parser_execute, so they only record
// what they see; anything that may call back into user code happens in feed() after a pause.
struct HttpResponseReaderCallbacks
{
    static HttpResponseReader &reader(http_parser *parser)
    {
        return *static_cast<HttpResponseReader *>(parser->data);
    }

    static int onStatus(http_parser *parser, const char *at, size_t length)
    {
        HttpResponseReader &r = reader(parser);
        r.m_head.reason.append(at, qsizetype(length));
        // The parser reports the reason phrase when it reads the CR or LF after it, or when the
        // bytes it was given run out: only the first leaves the end short of m_executeEnd.
        if (at + length != r.m_executeEnd)
            r.m_statusLineDone = true;
        return 0;
    }

    static int onHeaderField(http_parser *parser, const char *at, size_t length)
    {
        HttpResponseReader &r = reader(parser);
        if (r.m_state != HttpResponseReader::State::ReadingHead)
            return 0; // a trailer of a chunked body: accepted, not kept
        // Names never start empty, so an empty name (or a value before) means a new header.
        if (r.m_inValue || r.m_headerName.isEmpty()) {
            r.commitHeader();
            if (r.m_head.headers.size() >= r.m_limits.maxHeaderCount) {
                r.m_exceededLimit = HttpResponseReader::ExceededLimit::HeaderCount;
                r.m_callbackError = QStringLiteral("more than %1 response headers")
                                        .arg(r.m_limits.maxHeaderCount);
                return 1;
            }
        }
        r.m_headerName.append(at, qsizetype(length));
        return 0;
    }

    static int onHeaderValue(http_parser *parser, const char *at, size_t length)
    {
        HttpResponseReader &r = reader(parser);
        const bool trailer = r.m_state != HttpResponseReader::State::ReadingHead;
        // The library checks every byte of a value but its first (RFC 9110 §5.5: VCHAR, obs-text,
        // SP and HTAB; no other control characters).
        if (const int byte = invalidFieldByte(QByteArrayView(at, qsizetype(length))); byte >= 0) {
            r.m_callbackError
                = (trailer ? QStringLiteral("invalid character %1 in a trailer of the "
                                            "chunked response body")
                           : QStringLiteral("invalid character %1 in a response header"))
                      .arg(describeByte(char(byte)));
            return 1;
        }
        if (trailer)
            return 0;
        if (!r.m_inValue) {
            // The name is complete (its colon has been read). RFC 9112 §5.1: no whitespace
            // between a field name and its colon, and "a proxy MUST remove any such whitespace
            // from a response message before forwarding"; any other space is not a token char.
            while (r.m_headerName.endsWith(' '))
                r.m_headerName.chop(1);
            if (r.m_headerName.contains(' ')) {
                r.m_callbackError = QStringLiteral("invalid character 0x20 in a response header");
                return 1;
            }
            r.m_inValue = true;
        }
        r.m_headerValue.append(at, qsizetype(length));
        return 0;
    }

    static int onHeadersComplete(http_parser *parser)
    {
        HttpResponseReader &r = reader(parser);
        r.commitHeader();
        r.m_pause = HttpResponseReader::Pause::HeadComplete;
        http_parser_pause(parser, 1);
        // 1 tells the parser "no body", whatever the headers say: RFC 9110 §6.4.1, a 1xx, 204
        // or 304 ends with its head (left to itself the parser would read a Content-Length).
        const unsigned status = parser->status_code;
        return (status / 100 == 1 || status == 204 || status == 304) ? 1 : 0;
    }

    static int onBody(http_parser *parser, const char *at, size_t length)
    {
        HttpResponseReader &r = reader(parser);
        if (r.m_state != HttpResponseReader::State::ReadingBody || length == 0)
            return 0;
        r.m_bodyBytes += qint64(length);
        if (r.m_callbacks.onBody)
            r.m_callbacks.onBody(QByteArrayView(at, qsizetype(length)));
        return 0;
    }

    static int onMessageComplete(http_parser *parser)
    {
        reader(parser).m_pause = HttpResponseReader::Pause::MessageComplete;
        http_parser_pause(parser, 1);
        return 0;
    }

    static int onChunkHeader(http_parser *parser)
    {
        // The parser sets content_length to the size of the chunk; 0 is the last chunk.
        reader(parser).m_chunkPhase = parser->content_length == 0
            ? HttpResponseReader::ChunkPhase::Trailer
            : HttpResponseReader::ChunkPhase::Data;
        return 0;
    }

    static int onChunkComplete(http_parser *parser)
    {
        reader(parser).m_chunkPhase = HttpResponseReader::ChunkPhase::Size;
        return 0;
    }

    static const http_parser_settings settings;
};

const http_parser_settings HttpResponseReaderCallbacks::settings = {
    nullptr, // on_message_begin
    nullptr, // on_url (requests only)
    &HttpResponseReaderCallbacks::onStatus, // on_status
    &HttpResponseReaderCallbacks::onHeaderField,
    &HttpResponseReaderCallbacks::onHeaderValue,
    &HttpResponseReaderCallbacks::onHeadersComplete,
    &HttpResponseReaderCallbacks::onBody,
    &HttpResponseReaderCallbacks::onMessageComplete,
    &HttpResponseReaderCallbacks::onChunkHeader,
    &HttpResponseReaderCallbacks::onChunkComplete,
};

HttpResponseReader::HttpResponseReader(Callbacks callbacks, Limits limits)
    : m_callbacks(std::move(callbacks))
    , m_limits(limits)
    , m_parser(std::make_unique<http_parser>())
{
    liftLibraryHeadCap();
    http_parser_init(m_parser.get(), HTTP_RESPONSE);
    m_parser->data = this;
}

HttpResponseReader::~HttpResponseReader() = default;

qsizetype HttpResponseReader::feed(QByteArrayView bytes)
{
    // No bytes is not the end of the stream: http_parser_execute would take 0 bytes for EOF.
    if (m_busy || m_state == State::Complete || m_state == State::Failed || bytes.isEmpty())
        return 0;
    const ScopedFlag busy(m_busy);

    qsizetype consumed = 0;
    while (consumed < bytes.size()
        && (m_state == State::ReadingHead || m_state == State::ReadingBody)) {
        QByteArrayView chunk = bytes.sliced(consumed);
        const bool inHead = m_state == State::ReadingHead;
        if (inHead) {
            const qsizetype room = m_limits.maxHeadBytes - m_headBytes;
            if (room <= 0) {
                m_exceededLimit = ExceededLimit::HeadBytes;
                fail(QStringLiteral("response head larger than %1 bytes")
                         .arg(m_limits.maxHeadBytes));
                break;
            }
            chunk = chunk.first(std::min(chunk.size(), room));
            const qsizetype badPrefix = checkStatusLinePrefix(chunk);
            if (badPrefix >= 0) {
                consumed += badPrefix;
                m_headBytes += badPrefix;
                fail(statusLineError());
                break;
            }
        }

        const size_t parsed = execute(chunk);
        consumed += qsizetype(parsed);
        if (inHead)
            m_headBytes += qsizetype(parsed);

        const auto error = HTTP_PARSER_ERRNO(m_parser.get());
        if (error == HPE_PAUSED) {
            http_parser_pause(m_parser.get(), 0);
            switch (std::exchange(m_pause, Pause::None)) {
            case Pause::HeadComplete:
                // The head's last LF is left for the next round (the parser stops before it):
                // it fits within the limit, since the parser stopped short of what it was given.
                finishHead();
                break;
            case Pause::MessageComplete:
                if (m_state == State::ReadingHead)
                    startNextResponse(); // the end of a 1xx: its head was not reported
                else
                    m_state = State::Complete;
                break;
            case Pause::None:
                fail(QStringLiteral("invalid response (the parser paused unexpectedly)"));
                break;
            }
        } else if (error != HPE_OK) {
            fail(parseError(chunk, parsed));
        } else if (parsed != size_t(chunk.size())) {
            // libhttp-parser stops early without an error only after an upgrade, and a 101
            // fails before that. Never loop on a parser that does not advance.
            fail(QStringLiteral("invalid response (the parser stopped unexpectedly)"));
        }
    }
    return consumed;
}

void HttpResponseReader::finishAtClose()
{
    if (m_busy || m_state == State::Complete || m_state == State::Failed)
        return;
    const ScopedFlag busy(m_busy);

    if (m_state == State::ReadingHead) {
        // Also after a 1xx: the parser, started again, is happy to see no next response at all.
        fail(QStringLiteral("connection closed before the response head was complete"));
        return;
    }

    // 0 bytes is the end of the stream to libhttp-parser: it completes a close-delimited body
    // (calling on_message_complete) and flags any other state as ended too early.
    execute(QByteArrayView());
    if (HTTP_PARSER_ERRNO(m_parser.get()) == HPE_PAUSED && m_pause == Pause::MessageComplete) {
        m_pause = Pause::None;
        m_state = State::Complete;
        return;
    }
    switch (m_framing) {
    case Framing::ContentLength:
        fail(QStringLiteral("connection closed after %1 of %2 body bytes (Content-Length)")
                 .arg(m_bodyBytes)
                 .arg(m_contentLength));
        break;
    case Framing::Chunked:
        fail(m_chunkPhase == ChunkPhase::Trailer
                ? QStringLiteral("connection closed inside a chunked body (after its last "
                                 "chunk, before the end of its trailer section)")
                : QStringLiteral("connection closed inside a chunked body (before its last "
                                 "chunk)"));
        break;
    case Framing::CloseDelimited:
    case Framing::NoBody:
        fail(QStringLiteral("connection closed, and the response could not be completed (%1)")
                 .arg(QLatin1String(http_errno_name(HTTP_PARSER_ERRNO(m_parser.get())))));
        break;
    }
}

// The library (as Debian builds it) checks only the H of "HTTP/": this checks the rest, on the
// bytes the parser is about to read. Returns the index of the first wrong byte, or -1.
qsizetype HttpResponseReader::checkStatusLinePrefix(QByteArrayView chunk)
{
    static constexpr char prefix[] = "HTTP/";
    for (qsizetype i = 0; i < chunk.size() && m_statusPrefixMatched < 5; ++i) {
        const char c = chunk.at(i);
        // The parser skips empty lines before a status line.
        if (m_statusPrefixMatched == 0 && (c == '\r' || c == '\n'))
            continue;
        if (c != prefix[m_statusPrefixMatched])
            return i;
        ++m_statusPrefixMatched;
    }
    return -1;
}

QString HttpResponseReader::statusLineError()
{
    return QStringLiteral("invalid status line in the response (expected \"HTTP/1.x\" and a "
                          "status code)");
}

size_t HttpResponseReader::execute(QByteArrayView bytes)
{
    m_executeEnd = bytes.data() + bytes.size();
    return http_parser_execute(
        m_parser.get(), &HttpResponseReaderCallbacks::settings, bytes.data(), size_t(bytes.size()));
}

// The parser paused at the end of a head (before its last LF).
void HttpResponseReader::finishHead()
{
    const http_parser &parser = *m_parser;
    m_head.status = int(parser.status_code);
    m_head.httpMajor = parser.http_major;
    m_head.httpMinor = parser.http_minor;

    // The parser takes any single digits for the version and any number up to 999.
    if (m_head.httpMajor != 1) {
        fail(QStringLiteral("unsupported HTTP version %1.%2 in the response's status line")
                 .arg(m_head.httpMajor)
                 .arg(m_head.httpMinor));
        return;
    }
    if (m_head.status < 100 || m_head.status > 599) {
        fail(QStringLiteral("invalid status code %1 in the response's status line")
                 .arg(m_head.status));
        return;
    }
    // libhttp-parser takes any byte but CR and LF in a reason phrase, NUL included.
    if (const int byte = invalidFieldByte(m_head.reason); byte >= 0) {
        fail(QStringLiteral("invalid character %1 in the response's status line")
                 .arg(describeByte(char(byte))));
        return;
    }
    if (m_head.status == 101) {
        fail(QStringLiteral("upstream switched protocols (101)"));
        return;
    }
    if (m_head.status < 200) {
        // An interim response (100 Continue, 102 Processing, 103 Early Hints...): skipped.
        // The parser goes on to its end (on_message_complete), then startNextResponse().
        return;
    }

    // RFC 9112 §6.3, in the order it gives; the parser has already refused a Content-Length
    // next to a Transfer-Encoding, and reads "Transfer-Encoding: gzip" until the close.
    if (m_head.status == 204 || m_head.status == 304) {
        m_framing = Framing::NoBody;
    } else if (parser.flags & F_CHUNKED) {
        m_framing = Framing::Chunked;
    } else if (parser.uses_transfer_encoding) {
        m_framing = Framing::CloseDelimited;
    } else if (parser.flags & F_CONTENTLENGTH) {
        if (parser.content_length > uint64_t(std::numeric_limits<qint64>::max())) {
            fail(QStringLiteral("invalid Content-Length header in the response"));
            return;
        }
        m_contentLength = qint64(parser.content_length);
        m_framing = m_contentLength == 0 ? Framing::NoBody : Framing::ContentLength;
    } else {
        m_framing = Framing::CloseDelimited;
    }

    m_state = State::ReadingBody;
    if (m_callbacks.onHead)
        m_callbacks.onHead(m_head);
}

void HttpResponseReader::startNextResponse()
{
    http_parser_init(m_parser.get(), HTTP_RESPONSE); // keeps m_parser->data
    m_head = Head();
    m_headerName.clear();
    m_headerValue.clear();
    m_inValue = false;
    m_statusLineDone = false;
    m_statusPrefixMatched = 0;
}

void HttpResponseReader::commitHeader()
{
    if (!m_inValue)
        return;
    m_head.headers.append({ std::exchange(m_headerName, QByteArray()), m_headerValue.trimmed() });
    m_headerValue.clear();
    m_inValue = false;
}

// What the parser's error means, in words. `parsed` is where the parser stopped in `chunk`: at
// the offending byte for the grammar errors.
QString HttpResponseReader::parseError(QByteArrayView chunk, size_t parsed) const
{
    const auto error = HTTP_PARSER_ERRNO(m_parser.get());
    if (!m_callbackError.isEmpty())
        return m_callbackError;
    const QString byte = parsed < size_t(chunk.size()) ? describeByte(chunk.at(qsizetype(parsed)))
                                                       : QStringLiteral("(none)");

    if (m_state == State::ReadingHead) {
        switch (error) {
        case HPE_INVALID_CONSTANT:
            return statusLineError();
        case HPE_INVALID_VERSION:
            return QStringLiteral("invalid HTTP version in the response's status line");
        case HPE_INVALID_STATUS:
            return QStringLiteral("invalid status code in the response's status line");
        case HPE_STRICT:
        case HPE_LF_EXPECTED:
            // Strict checks: the letters of "HTTP/", and an LF after each CR.
            if (!m_statusLineDone)
                return statusLineError();
            return QStringLiteral("invalid line ending in the response head (CR not followed by "
                                  "LF)");
        case HPE_INVALID_HEADER_TOKEN:
            return QStringLiteral("invalid character %1 in a response header").arg(byte);
        case HPE_INVALID_CONTENT_LENGTH:
            return QStringLiteral("invalid Content-Length header in the response");
        case HPE_UNEXPECTED_CONTENT_LENGTH:
            // Either a second Content-Length (found when its value starts, right after its
            // name), or one next to a Transfer-Encoding (found at the end of the head).
            if (!m_inValue
                && m_headerName.trimmed().compare("content-length", Qt::CaseInsensitive) == 0)
                return QStringLiteral("response has more than one Content-Length header");
            return QStringLiteral("response has both Content-Length and Transfer-Encoding");
        case HPE_HEADER_OVERFLOW:
            return QStringLiteral("response head larger than libhttp-parser's limit");
        default:
            break;
        }
    } else if (m_framing == Framing::Chunked) {
        switch (error) {
        case HPE_INVALID_CHUNK_SIZE:
            return QStringLiteral("invalid chunk size in the response body");
        case HPE_INVALID_CONTENT_LENGTH: // the parser's overflow check on a chunk size
            return QStringLiteral("invalid chunk size in the response body (too large)");
        case HPE_INVALID_HEADER_TOKEN:
            return QStringLiteral("invalid character %1 in a trailer of the chunked response body")
                .arg(byte);
        case HPE_STRICT:
        case HPE_LF_EXPECTED:
            switch (m_chunkPhase) {
            case ChunkPhase::Size:
                return QStringLiteral("invalid chunk size line in the response body (CR not "
                                      "followed by LF)");
            case ChunkPhase::Data:
                return QStringLiteral("chunk data in the response body not followed by CRLF "
                                      "(longer than its size)");
            case ChunkPhase::Trailer:
                return QStringLiteral("invalid line ending in the trailer of the chunked response "
                                      "body (CR not followed by LF)");
            }
            break;
        default:
            break;
        }
    }
    return QStringLiteral("invalid response (%1: %2)")
        .arg(QLatin1String(http_errno_name(error)), QLatin1String(http_errno_description(error)));
}

void HttpResponseReader::fail(const QString &message)
{
    m_state = State::Failed;
    m_error = message;
    m_pause = Pause::None;
    m_headerName = QByteArray();
    m_headerValue = QByteArray();
}
