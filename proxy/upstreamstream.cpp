#include "upstreamstream.h"

#include "hostport.h"

#include "inlinehttpreply.h"
#include "utf8decoder.h"

#include <QSslError>

namespace {

constexpr qsizetype readChunkBytes = 64 * 1024;
constexpr qsizetype maxQuotedChars = 128; // of a reason phrase or content type in an error

QString capped(const QString &text)
{
    return text.size() <= maxQuotedChars ? text : text.first(maxQuotedChars) + u'…';
}

// The buffer one drain() reads into. Every stream on a thread shares one, instead of each of
// thousands of mostly idle streams holding 64 KiB; a drain nested inside another's (a stream
// resumed from inside an event of another) gets one of its own.
class ReadBuffer
{
public:
    ReadBuffer()
    {
        if (s_inUse) {
            m_own.resize(readChunkBytes);
            m_data = m_own.data();
        } else {
            s_inUse = true;
            m_data = s_shared.data();
        }
    }
    ~ReadBuffer()
    {
        if (m_own.isNull())
            s_inUse = false;
    }
    ReadBuffer(const ReadBuffer &) = delete;
    ReadBuffer &operator=(const ReadBuffer &) = delete;
    char *data() const { return m_data; }

private:
    static thread_local QByteArray s_shared;
    static thread_local bool s_inUse;
    QByteArray m_own;
    char *m_data = nullptr;
};

thread_local QByteArray ReadBuffer::s_shared(readChunkBytes, Qt::Uninitialized);
thread_local bool ReadBuffer::s_inUse = false;

bool isEventStream(const QByteArray &contentType)
{
    const qsizetype semicolon = contentType.indexOf(';');
    const QByteArray mediaType
        = (semicolon < 0 ? contentType : contentType.first(semicolon)).trimmed();
    return mediaType.compare("text/event-stream", Qt::CaseInsensitive) == 0;
}

QString hostAndPort(const QUrl &url)
{
    return HostPort::join(url.host(), url.port());
}

} // namespace

UpstreamStream::UpstreamStream(QNetworkReply *reply, const Options &options, QObject *parent)
    : QObject(parent)
    , m_reply(reply)
    , m_parser(options.limits)
    , m_options(options)
{
    m_reply->setParent(this);

    connect(m_reply, &QNetworkReply::metaDataChanged, this, &UpstreamStream::onMetaDataChanged);
    connect(m_reply, &QNetworkReply::readyRead, this, &UpstreamStream::onReadyRead);
    connect(m_reply, &QNetworkReply::finished, this, &UpstreamStream::onReplyFinished);
    connect(&m_parser, &SseParser::eventDispatched, this, &UpstreamStream::eventReceived);
    connect(&m_parser, &SseParser::errorOccurred, this, &UpstreamStream::onParserError);

    m_silenceTimer.setSingleShot(true);
    connect(&m_silenceTimer, &QTimer::timeout, this, &UpstreamStream::onSilenceTimerTimeout);
    m_sinceLastByte.start();
    if (m_options.silenceTimeoutMs > 0)
        m_silenceTimer.start(m_options.silenceTimeoutMs);
}

UpstreamStream::~UpstreamStream()
{
    if (!m_reply->isFinished()) {
        m_reply->disconnect(this);
        m_reply->abort();
    }
}

void UpstreamStream::pause()
{
    m_paused = true;
    m_silenceTimer.stop(); // our own backpressure is not upstream silence
}

void UpstreamStream::resume()
{
    if (!m_paused || m_finished)
        return;
    m_paused = false;
    m_sinceLastByte.restart();
    if (m_options.silenceTimeoutMs > 0)
        m_silenceTimer.start(m_options.silenceTimeoutMs);
    drain();
}

void UpstreamStream::abort()
{
    finish(Outcome::Aborted, QString());
}

void UpstreamStream::onMetaDataChanged()
{
    const QVariant statusAttribute = m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
    if (m_headersSeen || !statusAttribute.isValid())
        return;
    m_headersSeen = true;
    const int status = statusAttribute.toInt();
    const QByteArray contentType = m_reply->rawHeader("Content-Type");
    if (status < 200 || status > 299) {
        // An upstream chooses its reason phrase: a few words are useful, a megabyte is not.
        const QString reason = capped(
            m_reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toString().simplified());
        m_rejection = QStringLiteral("upstream answered HTTP %1%2")
                          .arg(status)
                          .arg(reason.isEmpty() ? QString() : u' ' + reason);
    } else if (!isEventStream(contentType)) {
        m_rejection = contentType.isEmpty()
            ? QStringLiteral("upstream answered without a Content-Type, not text/event-stream")
            : QStringLiteral("upstream answered with Content-Type \"%1\", not text/event-stream")
                  .arg(capped(QString::fromLatin1(contentType)));
    }
    emit connected(status, m_reply->rawHeaderPairs());
}

void UpstreamStream::onReadyRead()
{
    m_sinceLastByte.restart();
    if (!m_paused)
        drain();
}

void UpstreamStream::onReplyFinished()
{
    m_replyFinished = true;
    if (!m_paused)
        drain();
}

void UpstreamStream::onParserError(const QString &message)
{
    m_refusal = true;
    finish(Outcome::UpstreamError, QStringLiteral("upstream event stream rejected: ") + message);
}

void UpstreamStream::onSilenceTimerTimeout()
{
    const qint64 silentFor = m_sinceLastByte.elapsed();
    if (silentFor < m_options.silenceTimeoutMs) {
        m_silenceTimer.start(int(m_options.silenceTimeoutMs - silentFor));
        return;
    }
    finish(Outcome::Timeout,
        QStringLiteral("no data from upstream for %1 ms (proxy.sseTimeout)")
            .arg(m_options.silenceTimeoutMs));
}

void UpstreamStream::drain()
{
    const ReadBuffer buffer;
    while (!m_paused && !m_finished) {
        const qint64 n = m_reply->read(buffer.data(), readChunkBytes);
        if (n <= 0)
            break;
        m_bytesReceived += n;
        emit bodyBytesRead(n);
        const QByteArrayView chunk(buffer.data(), n);
        if (m_rejection.isEmpty()) {
            m_parser.feed(chunk); // may pause us (backpressure) or fail (limits)
            continue;
        }
        // Not an event stream: keep a short excerpt of the body for the error message.
        m_errorExcerpt.append(
            chunk.first(qMin(n, m_options.errorExcerptBytes - m_errorExcerpt.size())));
        if (m_errorExcerpt.size() >= m_options.errorExcerptBytes)
            m_replyFinished = true; // enough: do not read an endless error body
    }
    completeIfDone();
}

void UpstreamStream::completeIfDone()
{
    if (m_finished || m_paused || !m_replyFinished)
        return;

    if (!m_rejection.isEmpty()) {
        m_refusal = true;
        QString excerpt = Utf8::decode(m_errorExcerpt).simplified();
        if (!excerpt.isEmpty() && m_errorExcerpt.size() >= m_options.errorExcerptBytes)
            excerpt += u'…';
        finish(Outcome::UpstreamError,
            excerpt.isEmpty() ? m_rejection : m_rejection + u": " + excerpt);
        return;
    }
    // "If the file ends in the middle of an event, before the final empty line, the incomplete
    // event is not dispatched." A body that ends, ends: also in the middle of a line (a close
    // and a reset look alike on a socket; docs/PROTOCOL.md, "How a stream ends").
    m_parser.finish();
    const QNetworkReply::NetworkError error = m_reply->error();
    m_refusal = error == QNetworkReply::ContentAccessDenied
        || error == QNetworkReply::SslHandshakeFailedError;
    if (error != QNetworkReply::NoError)
        finish(Outcome::UpstreamError, describeNetworkError());
    else
        finish(Outcome::Completed, QString());
}

void UpstreamStream::finish(Outcome outcome, const QString &message)
{
    if (m_finished)
        return;
    m_finished = true;
    m_silenceTimer.stop();
    if (!m_reply->isFinished()) {
        m_reply->disconnect(this);
        m_reply->abort();
    }
    emit finished(outcome, message);
}

QString UpstreamStream::describeNetworkError() const
{
    // The inline client's messages are complete already (what, where, and the setting).
    if (m_reply->attribute(InlineHttpReply::DescribedErrorAttribute).toBool())
        return m_reply->errorString();
    const QString where = hostAndPort(m_reply->url());
    switch (m_reply->error()) {
    case QNetworkReply::ConnectionRefusedError:
        return QStringLiteral("connection refused by %1").arg(where);
    case QNetworkReply::HostNotFoundError:
        return QStringLiteral("host not found: %1").arg(m_reply->url().host());
    case QNetworkReply::TimeoutError:
        return QStringLiteral("connection to %1 timed out").arg(where);
    case QNetworkReply::SslHandshakeFailedError:
        return QStringLiteral("TLS handshake with %1 failed: %2")
            .arg(where, m_reply->errorString());
    case QNetworkReply::RemoteHostClosedError:
    case QNetworkReply::UnknownNetworkError:
    case QNetworkReply::ProtocolFailure:
        return m_headersSeen
            ? QStringLiteral("upstream connection to %1 broke off mid-stream (%2)")
                  .arg(where, m_reply->errorString())
            : QStringLiteral("upstream %1 closed the connection before answering (%2)")
                  .arg(where, m_reply->errorString());
    default:
        return QStringLiteral("upstream request to %1 failed: %2")
            .arg(where, m_reply->errorString());
    }
}
