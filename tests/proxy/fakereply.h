#pragma once

#include "proxyrequest.h"

#include <QNetworkReply>

#include <cstring>

// A QNetworkReply driven by the test, without sockets: the test sets the response head, hands
// over body bytes and ends it, each emitting what a real reply emits. Records abort() calls.
class FakeReply : public QNetworkReply
{
public:
    FakeReply()
    {
        setUrl(QUrl(QStringLiteral("http://upstream.test:8080/events")));
        open(QIODevice::ReadOnly | QIODevice::Unbuffered);
    }

    int aborts = 0;

    void respond(int status, const QByteArray &reason, const HttpHeaderList &headers)
    {
        setAttribute(QNetworkRequest::HttpStatusCodeAttribute, status);
        setAttribute(QNetworkRequest::HttpReasonPhraseAttribute, QString::fromLatin1(reason));
        for (const HttpHeader &header : headers)
            setRawHeader(header.first, header.second);
        emit metaDataChanged();
    }
    void deliver(const QByteArray &bytes)
    {
        m_data += bytes;
        emit readyRead();
    }
    void end(NetworkError error = NoError, const QString &message = QString())
    {
        if (error != NoError) {
            setError(error, message);
            emit errorOccurred(error);
        }
        setFinished(true);
        emit finished();
    }

    void abort() override
    {
        ++aborts;
        if (!isFinished())
            end(OperationCanceledError, QStringLiteral("cancelled"));
    }
    qint64 bytesAvailable() const override { return m_data.size() - m_read + QNetworkReply::bytesAvailable(); }
    bool isSequential() const override { return true; }

protected:
    qint64 readData(char *data, qint64 maxSize) override
    {
        const qint64 n = qMin(maxSize, qint64(m_data.size() - m_read));
        if (n <= 0)
            return isFinished() ? -1 : 0;
        std::memcpy(data, m_data.constData() + m_read, size_t(n));
        m_read += n;
        return n;
    }
    qint64 writeData(const char *, qint64) override { return -1; }

private:
    QByteArray m_data;
    qsizetype m_read = 0;
};
