#pragma once

#include "proxyrequest.h"

#include <QNetworkReply>

// A QNetworkReply driven by the test, without sockets: the test sets the response head, hands
// over body bytes and ends the body, and the reply emits what a real one emits
// (metaDataChanged, readyRead, errorOccurred, finished). It keeps QNAM's flow-control contract:
// with a read buffer size set, only that many bytes are readable at once and the rest wait, as
// if still in the socket, until the reader makes room; finished comes only once every byte is
// readable. abort() calls are counted.
class FakeReply : public QNetworkReply
{
public:
    FakeReply();

    void respond(int status, const QByteArray &reason, const HttpHeaderList &headers);
    // Without a read buffer size, or with room for them, the bytes are readable at once and
    // readyRead is emitted before this returns.
    void deliver(const QByteArray &bytes);
    // The upstream ends the body: cleanly, or with `error` (say, a reset).
    void end(NetworkError error = NoError, const QString &message = QString());

    int aborts() const { return m_aborts; }
    qint64 bytesWaiting() const { return m_waiting.size(); } // held back by the read buffer

    void abort() override;
    void setReadBufferSize(qint64 size) override;
    qint64 bytesAvailable() const override;
    bool isSequential() const override { return true; }

protected:
    qint64 readData(char *data, qint64 maxSize) override;
    qint64 writeData(const char *, qint64) override { return -1; }

private:
    // Moves waiting bytes into the readable buffer as far as the cap allows, and finishes once
    // the body has ended and nothing waits.
    void pump();
    void pumpLater();
    void finish(NetworkError error, const QString &message);
    qint64 readable() const { return m_readable.size() - m_readPos; }

    QByteArray m_readable;
    qsizetype m_readPos = 0;
    QByteArray m_waiting;
    bool m_ended = false;
    NetworkError m_endError = NoError;
    QString m_endMessage;
    bool m_pumpQueued = false;
    int m_aborts = 0;
};
