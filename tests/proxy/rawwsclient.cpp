#include "rawwsclient.h"

#include <QHostAddress>
#include <QRandomGenerator>
#include <QTest>

namespace RawWsClient {

QByteArray maskedFrame(quint8 opcode, const QByteArray &payload, bool fin)
{
    QByteArray frame;
    frame.append(char((fin ? 0x80 : 0x00) | opcode));
    if (payload.size() < 126) {
        frame.append(char(0x80 | payload.size()));
    } else if (payload.size() < 65536) {
        frame.append(char(0x80 | 126));
        frame.append(char((payload.size() >> 8) & 0xFF));
        frame.append(char(payload.size() & 0xFF));
    } else {
        frame.append(char(0x80 | 127));
        for (int shift = 56; shift >= 0; shift -= 8)
            frame.append(char((quint64(payload.size()) >> shift) & 0xFF));
    }
    const quint32 mask = QRandomGenerator::global()->generate();
    const char key[4] = { char(mask >> 24), char(mask >> 16), char(mask >> 8), char(mask) };
    frame.append(key, 4);
    for (qsizetype i = 0; i < payload.size(); ++i)
        frame.append(char(payload[i] ^ key[i % 4]));
    return frame;
}

std::unique_ptr<QTcpSocket> upgrade(
    quint16 port, const QByteArray &path, const QByteArray &extraHeaders, QByteArray *head)
{
    auto socket = std::make_unique<QTcpSocket>();
    socket->connectToHost(QHostAddress::LocalHost, port);
    if (!socket->waitForConnected(5000))
        return nullptr;
    socket->write("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + QByteArray::number(port)
        + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        + extraHeaders + "\r\n");
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
