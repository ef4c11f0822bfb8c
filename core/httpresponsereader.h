#pragma once

#include "proxyrequest.h" // HttpHeaderList

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

#include <functional>
#include <memory>

struct http_parser;

// Reads one HTTP/1.1 response from the bytes of a connection, incrementally: pure, no sockets.
// The upstream side of the proxy (InlineHttpReply) feeds it what the socket reads.
//
// Built on Debian's libhttp-parser (the parser Node.js shipped for a decade) for the grammar:
// status line, headers, `chunked` (sizes split across reads, extensions, trailers),
// `Content-Length` and close-delimited bodies. This class adds what the proxy needs on top:
// limits on the head, interim 1xx responses skipped, and an exact account of how the body
// ended (complete, or cut short and how).
class HttpResponseReader
{
public:
    struct Limits
    {
        qsizetype maxHeadBytes = 64 * 1024; // status line + headers (+ each skipped 1xx head)
        int maxHeaderCount = 100;
    };

    struct Head
    {
        int status = 0;
        QByteArray reason;
        int httpMajor = 1;
        int httpMinor = 1;
        HttpHeaderList headers; // names and values as received (values trimmed), in order
    };

    enum class Framing { Chunked, ContentLength, CloseDelimited, NoBody };
    enum class State { ReadingHead, ReadingBody, Complete, Failed };

    // Callbacks run synchronously inside feed()/finishAtClose(). `onBody` gets views into the
    // fed bytes (no copy): valid only during the call. Neither may destroy the reader.
    struct Callbacks
    {
        std::function<void(const Head &head)> onHead; // the final (non-1xx) head, once
        std::function<void(QByteArrayView bytes)> onBody;
    };

    HttpResponseReader(Callbacks callbacks, Limits limits);
    ~HttpResponseReader();
    HttpResponseReader(const HttpResponseReader &) = delete;
    HttpResponseReader &operator=(const HttpResponseReader &) = delete;

    // Feeds the next bytes of the connection. Returns how many were consumed: all of them,
    // unless the response completed or failed within them (bytes after a complete response
    // are not part of it and are left unconsumed).
    qsizetype feed(QByteArrayView bytes);
    // The connection has closed (as far as a socket can tell, a close and a reset look alike).
    // A close-delimited body completes here; a head, a chunked or a Content-Length body that
    // is not complete fails, with an error saying what was cut short.
    void finishAtClose();

    State state() const { return m_state; }
    bool isComplete() const { return m_state == State::Complete; }
    bool hasFailed() const { return m_state == State::Failed; }
    // Why it failed, naming what and where, e.g. "invalid chunk size in the response body",
    // "response head larger than 65536 bytes", "connection closed after 10 of 25 body bytes
    // (Content-Length)", "connection closed inside a chunked body (before its last chunk)".
    QString error() const { return m_error; }
    Framing framing() const { return m_framing; }
    // Which limit made it fail, if one did (so a caller can name its own setting for it).
    enum class ExceededLimit { None, HeadBytes, HeaderCount };
    ExceededLimit exceededLimit() const { return m_exceededLimit; }
    qint64 bodyBytes() const { return m_bodyBytes; } // body bytes delivered so far (decoded)

private:
    // libhttp-parser's callbacks (static trampolines) and the state they build.
    friend struct HttpResponseReaderCallbacks;

    // Why the parser paused: the callbacks pause it so that the work that may call the user's
    // callbacks, or start over, happens outside http_parser_execute.
    enum class Pause { None, HeadComplete, MessageComplete };
    // Where in a chunked body the parser is, for the error messages.
    enum class ChunkPhase { Size, Data, Trailer };

    size_t execute(QByteArrayView bytes);
    qsizetype checkStatusLinePrefix(QByteArrayView chunk);
    static QString statusLineError();
    void finishHead();
    void startNextResponse();
    void commitHeader();
    QString parseError(QByteArrayView chunk, size_t parsed) const;
    void fail(const QString &message);

    Callbacks m_callbacks;
    Limits m_limits;
    std::unique_ptr<http_parser> m_parser;
    State m_state = State::ReadingHead;
    Framing m_framing = Framing::CloseDelimited;
    Head m_head;
    QByteArray m_headerName; // the header being read (callbacks may split names and values)
    QByteArray m_headerValue;
    bool m_inValue = false;
    bool m_statusLineDone = false; // the status line's CR or LF has been read
    int m_statusPrefixMatched = 0; // bytes of "HTTP/" seen at the start of the current head
    bool m_busy = false; // inside feed() or finishAtClose(): re-entrant calls do nothing
    Pause m_pause = Pause::None;
    ChunkPhase m_chunkPhase = ChunkPhase::Size;
    const char *m_executeEnd = nullptr; // end of the bytes given to http_parser_execute
    qsizetype m_headBytes = 0;
    qint64 m_contentLength = -1;
    qint64 m_bodyBytes = 0;
    QString m_callbackError; // set by a callback that stopped the parser (a limit)
    QString m_error;
    ExceededLimit m_exceededLimit = ExceededLimit::None;
};
