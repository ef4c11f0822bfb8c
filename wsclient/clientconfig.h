#pragma once

#include "proxyrequest.h"

#include <QList>
#include <QSslCertificate>
#include <QString>
#include <QUrl>

// Exit statuses of ws-test-client (documented in docs/TEST-CLIENT.md).
namespace ClientExit {
inline constexpr int ok = 0; // every request ended with `closed` and no `error`
inline constexpr int requestFailed = 1; // the proxy answered `error`
inline constexpr int badUsage = 2; // bad option or bad settings.json (SettingsCli)
inline constexpr int connection = 3; // cannot connect, or the proxy went away mid-request
inline constexpr int timeout = 4; // no message from the proxy for `timeout` ms
inline constexpr int interrupted = 130; // SIGINT/SIGTERM: request cancelled (128 + SIGINT)
} // namespace ClientExit

// Everything one run of the client needs, resolved from settings.json and the command line.
struct ClientConfig
{
    enum class Mode {
        EchoTest, // the design's test: `count` POSTs to the test server's /events (PROTOCOL.md §8)
        Request // requests to any SSE URLs (--target), like curl
    };

    Mode mode = Mode::EchoTest;
    QUrl proxyUrl; // ws:// or wss://
    QList<QSslCertificate> caCertificates; // --ca-file: trusted for wss:// besides the system's CAs
    int timeout = 30000; // ms without a message while waiting; 0 = wait forever
    int cancelGrace = 2000; // ms to wait for `closed` after sending cancel
    bool json = false; // stdout: each proxy message exactly as received, one per line
    bool showHeaders = false; // readable Request mode: list the upstream's response headers

    // EchoTest
    QString message = QStringLiteral("Hello Server!");
    int count = 3;
    int sendDelay = 1000; // ms between `closed` and the next request
    QString serverHost = QStringLiteral("localhost");
    int serverPort = 8081;

    // Request: one per --target, in order, all sent at once on one socket. One target without
    // an id is today's single request (no "id", untagged output); several targets, or a target
    // with an id, make every request carry an id (PROTOCOL.md §4) and every output line name it.
    QList<ProxyRequest> requests;

    // The i-th (1-based) request of the echo test: POST http://serverHost:serverPort/events
    // with the JSON body {"message": "<message> #<i>"}.
    ProxyRequest echoRequest(int index) const;
    QString echoMessage(int index) const;
};
