#pragma once

#include <QByteArray>
#include <QTcpSocket>

#include <memory>

// A WebSocket client written by hand on a raw socket, for the tests that need to misbehave:
// stop reading, send unfinished messages, flood pings, or read the HTTP answer to a refused
// upgrade. The frames to send after the upgrade come from wsframes.h.
namespace RawWsClient {

// Sends an upgrade request for `path` with `extraHeaders` (each ending in "\r\n") and waits for
// the answer's head, which `*head` receives. Returns the socket after a 101, else null.
std::unique_ptr<QTcpSocket> upgrade(quint16 port, const QByteArray &path = "/proxy",
    const QByteArray &extraHeaders = QByteArray(), QByteArray *head = nullptr);

// The status code the proxy answers an upgrade of `path` with (101 when it upgrades).
int upgradeStatus(quint16 port, const QByteArray &path, const QByteArray &extraHeaders,
    QByteArray *head = nullptr);

} // namespace RawWsClient
