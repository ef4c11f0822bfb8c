#pragma once

#include "proxyrequest.h"
#include "sseevent.h"
#include "sseparser.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QNetworkReply>
#include <QObject>
#include <QTimer>

// One request's upstream: reads the reply as it streams, parses it, and reports what happened.
//
// Emits connected() once when the response headers arrive, eventReceived() for each event of
// a 2xx `text/event-stream` response, and finished() exactly once, last. While paused it reads
// nothing (the reply's capped read buffer then stops the upstream through TCP flow control);
// resume() drains what is already buffered, since readyRead will not fire again for it.
class UpstreamStream : public QObject
{
    Q_OBJECT

public:
    enum class Outcome { Completed, UpstreamError, Timeout, Aborted };
    Q_ENUM(Outcome)

    struct Options
    {
        SseParser::Limits limits;
        int silenceTimeoutMs = 0; // proxy.sseTimeout; 0 = off
        qsizetype errorExcerptBytes = 256;
    };

    // Takes ownership of `reply`.
    UpstreamStream(QNetworkReply *reply, const Options &options, QObject *parent = nullptr);
    ~UpstreamStream() override;

    void pause();
    void resume();
    // Aborts the upstream request; finished(Aborted) follows at once.
    void abort();

    bool isPaused() const { return m_paused; }
    bool isFinished() const { return m_finished; }
    // Whether it ended as asking again would end it too: the upstream answered, but not with an
    // event stream (a status outside 2xx, another Content-Type), the parser rejected the stream,
    // the upstream policy refused the address, or TLS failed. A reconnecting client stops there.
    bool isRefusal() const { return m_refusal; }
    qint64 bytesReceived() const { return m_bytesReceived; }
    QString lastEventId() const { return m_parser.lastEventId(); }

signals:
    void connected(int status, const HttpHeaderList &headers);
    // Body bytes read from the upstream (once per read, not per event).
    void bodyBytesRead(qint64 count);
    void eventReceived(const SseEvent &event);
    // `message` says what went wrong (empty for Completed and Aborted).
    void finished(UpstreamStream::Outcome outcome, const QString &message);

private:
    void onMetaDataChanged();
    void onReadyRead();
    void onReplyFinished();
    void onParserError(const QString &message);
    void onSilenceTimerTimeout();

    void drain();
    void completeIfDone();
    void finish(Outcome outcome, const QString &message);
    QString describeNetworkError() const;

    QNetworkReply *m_reply;
    SseParser m_parser;
    Options m_options;
    QTimer m_silenceTimer;
    QElapsedTimer m_sinceLastByte;
    QByteArray m_errorExcerpt; // body of a response that is not an event stream
    QString m_rejection; // why the response is not relayed (status or content type)
    qint64 m_bytesReceived = 0;
    bool m_headersSeen = false;
    bool m_paused = false;
    bool m_replyFinished = false; // the reply ended; buffered bytes may remain while paused
    bool m_finished = false;
    bool m_refusal = false;
};
