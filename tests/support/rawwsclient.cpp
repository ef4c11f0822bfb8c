#include "rawwsclient.h"

#include "wsframes.h"

#include <QHostAddress>
#include <QTest>

namespace RawWsClient {

std::unique_ptr<QTcpSocket> upgrade(
    quint16 port, const QByteArray &path, const QByteArray &extraHeaders, QByteArray *head)
{
    auto socket = std::make_unique<QTcpSocket>();
    socket->connectToHost(QHostAddress::LocalHost, port);
    if (!socket->waitForConnected(5000))
        return nullptr;
    socket->write(
        WsFrames::upgradeRequest(path, "127.0.0.1:" + QByteArray::number(port), extraHeaders));
    // The proxy runs in this process: wait by spinning its event loop, not by blocking.
    if (!QTest::qWaitFor(
            [&] {
                return socket->peek(65536).contains("\r\n\r\n")
                    || socket->state() != QAbstractSocket::ConnectedState;
            },
            5000))
        return nullptr;
    const qsizetype end = socket->peek(65536).indexOf("\r\n\r\n");
    const QByteArray answer = end < 0 ? socket->readAll() : socket->read(end + 4);
    if (head)
        *head = answer;
    return answer.startsWith("HTTP/1.1 101") ? std::move(socket) : nullptr;
}

int upgradeStatus(
    quint16 port, const QByteArray &path, const QByteArray &extraHeaders, QByteArray *head)
{
    QByteArray answer;
    upgrade(port, path, extraHeaders, &answer);
    if (head)
        *head = answer;
    return answer.size() >= 12 ? answer.mid(9, 3).toInt() : 0;
}

} // namespace RawWsClient
