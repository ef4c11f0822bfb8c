#include "fakereply.h"

#include <QMetaObject>

#include <cstring>

FakeReply::FakeReply()
{
    setUrl(QUrl(QStringLiteral("http://upstream.test:8080/events")));
    open(QIODevice::ReadOnly | QIODevice::Unbuffered);
}

void FakeReply::respond(int status, const QByteArray &reason, const HttpHeaderList &headers)
{
    setAttribute(QNetworkRequest::HttpStatusCodeAttribute, status);
    setAttribute(QNetworkRequest::HttpReasonPhraseAttribute, QString::fromLatin1(reason));
    for (const HttpHeader &header : headers)
        setRawHeader(header.first, header.second);
    emit metaDataChanged();
}

void FakeReply::deliver(const QByteArray &bytes)
{
    m_waiting += bytes;
    pump();
}

void FakeReply::end(NetworkError error, const QString &message)
{
    m_ended = true;
    m_endError = error;
    m_endMessage = message;
    pump();
}

void FakeReply::abort()
{
    ++m_aborts;
    if (isFinished())
        return;
    // As QNetworkReply's own: what was not read yet is gone, and the end is reported at once.
    m_waiting.clear();
    m_readable.clear();
    m_readPos = 0;
    finish(OperationCanceledError, QStringLiteral("Operation canceled"));
}

void FakeReply::setReadBufferSize(qint64 size)
{
    QNetworkReply::setReadBufferSize(size);
    pumpLater(); // more room, perhaps
}

qint64 FakeReply::bytesAvailable() const
{
    return readable() + QNetworkReply::bytesAvailable();
}

qint64 FakeReply::readData(char *data, qint64 maxSize)
{
    const qint64 n = qMin(maxSize, readable());
    if (n <= 0)
        return isFinished() ? -1 : 0;
    std::memcpy(data, m_readable.constData() + m_readPos, size_t(n));
    m_readPos += n;
    // Like a real reply, the room made here is refilled from the socket on a later turn of the
    // event loop, never from inside read().
    if (!m_waiting.isEmpty() || m_ended)
        pumpLater();
    return n;
}

void FakeReply::pump()
{
    m_pumpQueued = false;
    if (isFinished())
        return;
    const qint64 cap = readBufferSize();
    const qint64 room = cap > 0 ? qMax<qint64>(cap - readable(), 0) : m_waiting.size();
    const qsizetype n = qsizetype(qMin<qint64>(room, m_waiting.size()));
    if (n > 0) {
        m_readable.remove(0, m_readPos);
        m_readPos = 0;
        m_readable += m_waiting.first(n);
        m_waiting.remove(0, n);
        emit readyRead(); // the reader may abort us from here
    }
    if (m_ended && m_waiting.isEmpty() && !isFinished())
        finish(m_endError, m_endMessage);
}

void FakeReply::pumpLater()
{
    if (m_pumpQueued)
        return;
    m_pumpQueued = true;
    QMetaObject::invokeMethod(this, &FakeReply::pump, Qt::QueuedConnection);
}

void FakeReply::finish(NetworkError error, const QString &message)
{
    if (error != NoError) {
        setError(error, message);
        emit errorOccurred(error);
    }
    setFinished(true);
    emit finished();
}
