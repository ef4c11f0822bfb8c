// The real ws-sse-proxy executable (from WSSP_BIN_DIR): exit statuses and messages for bad
// settings and options, a port in use, a clean shutdown on SIGINT and SIGTERM with a client
// mid-stream, and the HTTP routes of its listener (/healthz, /metrics, 404s).
#include "rawhttpclient.h"
#include "rawupstream.h"
#include "testprocess.h"
#include "wsframes.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocket>

#include <csignal>
#include <memory>
#include <optional>
#include <vector>

namespace {

constexpr int startMs = 10000; // one process start, generous for sanitizer builds
constexpr int shutdownMs = 2000; // the proxy's promise: gone within 2 s of a signal

// Answers the first request with a stream head and one event, then keeps the connection open,
// so the proxy is mid-stream when it is signalled.
RawUpstream::Step oneEventThenSilence()
{
    return RawUpstream::write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                              "Cache-Control: no-cache\r\nConnection: close\r\n\r\n"
                              "id: 1\ndata: first\n\n");
}

} // namespace

class TstProxyProcess : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanup();
    void badStart_data();
    void badStart();
    void helpAndVersion();
    void unknownKeyWarnsAndStarts();
    void signalRightAfterStartupLine_data();
    void signalRightAfterStartupLine();
    void portInUse();
    void signalWithClientMidStream_data();
    void signalWithClientMidStream();
    void signalWithUnresponsiveClient();
    void signalWithDrainKeepsServing();
    void httpRoutes_data();
    void httpRoutes();
    void outOfDescriptorsPausesAndRecovers();

private:
    QString writeSettings(const QByteArray &json);
    // Starts the proxy on 127.0.0.1 with --port 0 plus `arguments`; returns the port from the
    // startup line on stdout, 0 when there was none.
    quint16 start(const QStringList &arguments, const QStringList &wrapper = {});

    QString m_program;
    QTemporaryDir m_dir;
    int m_files = 0;
    TestProcess m_proxy;
    quint16 m_adminPort = 0; // from start()
};

void TstProxyProcess::initTestCase()
{
    QVERIFY2(!TestProcess::binDir().isEmpty(), "WSSP_BIN_DIR is not set (run through ctest)");
    m_program = TestProcess::program(QStringLiteral("ws-sse-proxy"));
    QVERIFY2(QFileInfo(m_program).isExecutable(), qPrintable(m_program));
    QVERIFY(m_dir.isValid());
    m_proxy.setWorkingDirectory(m_dir.path()); // no stray ./settings.json from the source tree
}

void TstProxyProcess::cleanup()
{
    m_proxy.kill(); // the next start() drops this run's output
}

QString TstProxyProcess::writeSettings(const QByteArray &json)
{
    const QString path = m_dir.filePath(QStringLiteral("settings-%1.json").arg(++m_files));
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(json) != json.size())
        qFatal("cannot write %s", qPrintable(path));
    return path;
}

quint16 TstProxyProcess::start(const QStringList &arguments, const QStringList &wrapper)
{
    // The admin listener on a free port too, so that parallel tests never meet on 3002.
    const QStringList proxyArguments = QStringList { QStringLiteral("--host"),
        QStringLiteral("127.0.0.1"), QStringLiteral("--port"), QStringLiteral("0"),
        QStringLiteral("--admin-port"), QStringLiteral("0") }
        + arguments;
    if (wrapper.isEmpty())
        m_proxy.start(m_program, proxyArguments);
    else
        m_proxy.start(
            wrapper.constFirst(), wrapper.mid(1) + QStringList { m_program } + proxyArguments);
    const QRegularExpression listening(
        QStringLiteral("^ws-sse-proxy \\S+ listening on ws://127\\.0\\.0\\.1:(\\d+)/proxy\n"
                       "  health: \\S+  metrics: http://\\S+:(\\d+)/metrics"));
    const QRegularExpressionMatch match = m_proxy.waitForOutput(listening, startMs);
    if (!match.hasMatch())
        return 0;
    m_adminPort = quint16(match.captured(2).toUInt());
    return quint16(match.captured(1).toUInt());
}

// Each row: the program must refuse to start with status 2, name the culprit on stderr, and
// never print the listening line.
void TstProxyProcess::badStart_data()
{
    QTest::addColumn<QByteArray>("settings"); // empty: no --settings from the row
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QStringList>("named"); // each must appear on stderr

    QTest::newRow("not JSON") << QByteArray("{\"proxy\": {nope") << QStringList()
                              << QStringList { QStringLiteral("not valid JSON"),
                                     QStringLiteral("settings-") };
    QTest::newRow("port not a number") << QByteArray(R"({"proxy": {"port": "x"}})") << QStringList()
                                       << QStringList { QStringLiteral("proxy.port") };
    QTest::newRow("port out of range")
        << QByteArray(R"({"proxy": {"port": 70000}})") << QStringList()
        << QStringList { QStringLiteral("proxy.port"), QStringLiteral("0 to 65535") };
    QTest::newRow("section not an object")
        << QByteArray(R"({"proxy": 3001})") << QStringList()
        << QStringList { QStringLiteral("proxy: must be an object") };
    QTest::newRow("watermarks crossed")
        << QByteArray(R"({"proxy": {"highWatermarkBytes": 100, "lowWatermarkBytes": 200}})")
        << QStringList() << QStringList { QStringLiteral("proxy.lowWatermarkBytes") };
    QTest::newRow("settings file missing")
        << QByteArray() << QStringList { QStringLiteral("--settings"), QStringLiteral("nope.json") }
        << QStringList { QStringLiteral("nope.json"), QStringLiteral("file not found") };
    QTest::newRow("--port abc") << QByteArray()
                                << QStringList { QStringLiteral("--port"), QStringLiteral("abc") }
                                << QStringList { QStringLiteral("--port"),
                                       QStringLiteral("\"abc\"") };
    QTest::newRow("--port 70000") << QByteArray()
                                  << QStringList { QStringLiteral("--port"),
                                         QStringLiteral("70000") }
                                  << QStringList { QStringLiteral("--port") };
    // Bad usage is status 2 in all three programs (sse-test-server and ws-test-client agree).
    QTest::newRow("unknown option") << QByteArray() << QStringList { QStringLiteral("--bogus") }
                                    << QStringList { QStringLiteral("bogus") };
    QTest::newRow("missing value")
        << QByteArray() << QStringList { QStringLiteral("--sse-timeout") }
        << QStringList { QStringLiteral("sse-timeout") };
    QTest::newRow("stray argument") << QByteArray() << QStringList { QStringLiteral("extra") }
                                    << QStringList { QStringLiteral("\"extra\"") };
    QTest::newRow("--sse-timeout -1")
        << QByteArray() << QStringList { QStringLiteral("--sse-timeout"), QStringLiteral("-1") }
        << QStringList { QStringLiteral("--sse-timeout") };
}

void TstProxyProcess::badStart()
{
    QFETCH(QByteArray, settings);
    QFETCH(QStringList, arguments);
    QFETCH(QStringList, named);
    if (!settings.isEmpty())
        arguments
            = QStringList { QStringLiteral("--settings"), writeSettings(settings) } + arguments;
    // The row's options come last so that they win over start()'s --port 0.
    m_proxy.start(m_program,
        QStringList { QStringLiteral("--host"), QStringLiteral("127.0.0.1"),
            QStringLiteral("--port"), QStringLiteral("0") }
            + arguments);
    QVERIFY(m_proxy.waitForFinished(startMs));
    QCOMPARE(m_proxy.exitStatus(), QProcess::NormalExit);
    const QString err = QString::fromUtf8(m_proxy.standardError());
    QCOMPARE(m_proxy.exitCode(), 2);
    QVERIFY2(err.startsWith(QStringLiteral("ws-sse-proxy: ")), qPrintable(err));
    for (const QString &text : std::as_const(named))
        QVERIFY2(err.contains(text), qPrintable(QStringLiteral("%1 not in: %2").arg(text, err)));
    QCOMPARE(m_proxy.standardOutput(), QByteArray()); // never claimed to listen
}

// Help and version print to stdout and exit 0 before any settings are read; the help names the
// program as it was started (Qt takes the name from the application, created for it).
void TstProxyProcess::helpAndVersion()
{
    m_proxy.start(m_program, { QStringLiteral("--help") });
    QVERIFY(m_proxy.waitForFinished(startMs));
    QCOMPARE(m_proxy.exitStatus(), QProcess::NormalExit);
    QCOMPARE(m_proxy.exitCode(), 0);
    const QByteArray help = m_proxy.standardOutput();
    const QByteArray usage = "Usage: " + m_program.toLocal8Bit() + " [options]\n";
    QVERIFY2(help.startsWith(usage), help.constData());
    QVERIFY2(help.contains("--sse-timeout"), help.constData());
    QCOMPARE(m_proxy.standardError(), QByteArray());

    m_proxy.start(m_program, { QStringLiteral("--version") });
    QVERIFY(m_proxy.waitForFinished(startMs));
    QCOMPARE(m_proxy.exitCode(), 0);
    QCOMPARE(m_proxy.standardOutput(), QByteArray("ws-sse-proxy " WSSP_VERSION "\n"));
}

void TstProxyProcess::unknownKeyWarnsAndStarts()
{
    const QString path = writeSettings(R"({"proxy": {"prot": 1}, "extra": {}})");
    const quint16 port = start({ QStringLiteral("--settings"), path });
    QVERIFY(port != 0);
    RawHttpClient health; // it really serves
    health.send(port, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    QTRY_VERIFY_WITH_TIMEOUT(health.isFinished(), startMs);
    QVERIFY2(health.bytes().startsWith("HTTP/1.1 200 OK\r\n"), health.bytes().constData());
    const QByteArray err = m_proxy.standardError();
    QVERIFY2(err.contains("ws-sse-proxy: warning: ") && err.contains("unknown key \"proxy.prot\""),
        err.constData());
    QVERIFY2(err.contains("unknown section \"extra\""), err.constData());
    QVERIFY2(!err.contains("error"), err.constData());

    QVERIFY(m_proxy.terminate(shutdownMs));
    QCOMPARE(m_proxy.exitStatus(), QProcess::NormalExit);
    QCOMPARE(m_proxy.exitCode(), 0);
}

void TstProxyProcess::signalRightAfterStartupLine_data()
{
    QTest::addColumn<int>("signalNumber");
    QTest::newRow("SIGTERM") << int(SIGTERM);
    QTest::newRow("SIGINT") << int(SIGINT);
}

// A supervisor may stop the proxy the moment it has printed where it listens: from that line
// on, a signal must mean a clean exit 0, never death by the default action. Five rounds,
// because a late signal handler loses this race only some of the time.
void TstProxyProcess::signalRightAfterStartupLine()
{
    QFETCH(int, signalNumber);
    for (int round = 1; round <= 5; ++round) {
        QVERIFY(start({}) != 0);
        QVERIFY(m_proxy.sendSignal(signalNumber));
        QVERIFY(m_proxy.waitForFinished(shutdownMs));
        QVERIFY2(m_proxy.exitStatus() == QProcess::NormalExit,
            qPrintable(QStringLiteral("round %1: killed by signal %2 instead of handling it")
                           .arg(round)
                           .arg(m_proxy.exitCode())));
        QCOMPARE(m_proxy.exitCode(), 0);
    }
}

void TstProxyProcess::portInUse()
{
    QTcpServer holder;
    QVERIFY(holder.listen(QHostAddress::LocalHost, 0));
    m_proxy.start(m_program,
        { QStringLiteral("--host"), QStringLiteral("127.0.0.1"), QStringLiteral("--port"),
            QString::number(holder.serverPort()) });
    QElapsedTimer clock;
    clock.start();
    QVERIFY2(m_proxy.waitForFinished(startMs), "the proxy hangs when its port is taken");
    QCOMPARE(m_proxy.exitStatus(), QProcess::NormalExit);
    QVERIFY(m_proxy.exitCode() != 0);
    const QByteArray err = m_proxy.standardError();
    QVERIFY2(err.contains(QStringLiteral("port %1 on 127.0.0.1 is already in use")
                              .arg(holder.serverPort())
                              .toUtf8()),
        err.constData());
    QCOMPARE(m_proxy.standardOutput(), QByteArray());
    qInfo("exited %d after %lld ms", m_proxy.exitCode(), clock.elapsed());
}

void TstProxyProcess::signalWithClientMidStream_data()
{
    QTest::addColumn<int>("signalNumber");
    QTest::addColumn<QString>("dispatcher"); // proxy.eventDispatcher
    QTest::addColumn<QByteArray>("className"); // what the proxy says it runs on
    QTest::addColumn<int>("workers"); // proxy.workers
    QTest::addColumn<QByteArray>("workersLine"); // what the proxy says of them
    QTest::newRow("SIGTERM") << int(SIGTERM) << QStringLiteral("epoll")
                             << QByteArray("EpollEventDispatcher") << 0
                             << QByteArray("(proxy.workers 0: one per core)");
    QTest::newRow("SIGINT") << int(SIGINT) << QStringLiteral("epoll")
                            << QByteArray("EpollEventDispatcher") << 1
                            << QByteArray("workers: 1 on the main thread (proxy.workers 1)");
    QTest::newRow("SIGTERM on Qt's dispatcher")
        << int(SIGTERM) << QStringLiteral("qt") << QByteArray("QEventDispatcher") << 3
        << QByteArray("workers: 3 threads, the main thread accepts (proxy.workers 3)");
}

// A client is receiving a stream when the signal comes: it hears why (closed "proxy shutting
// down"), the WebSocket closes with 1001 Going Away, and the process exits 0 within 2 s.
void TstProxyProcess::signalWithClientMidStream()
{
    QFETCH(int, signalNumber);
    QFETCH(QString, dispatcher);
    QFETCH(QByteArray, className);
    QFETCH(int, workers);
    QFETCH(QByteArray, workersLine);
    RawUpstream upstream({ oneEventThenSilence(), RawUpstream::hold() });
    QVERIFY(upstream.port() != 0);
    const quint16 port = start({ QStringLiteral("--settings"),
        writeSettings(QStringLiteral(R"({"proxy": {"upstream": {"allow": ["127.0.0.1"]},
                                                                 "eventDispatcher": "%1", "workers": %2}})")
                          .arg(dispatcher)
                          .arg(workers)
                          .toUtf8()) });
    QVERIFY(port != 0);

    QWebSocket client;
    QStringList messages;
    connect(&client, &QWebSocket::textMessageReceived, this,
        [&messages](const QString &message) { messages << message; });
    QSignalSpy disconnected(&client, &QWebSocket::disconnected);
    client.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/proxy").arg(port)));
    QTRY_COMPARE_WITH_TIMEOUT(client.state(), QAbstractSocket::ConnectedState, startMs);
    client.sendTextMessage(
        QStringLiteral(R"({"address": "127.0.0.1", "port": %1, "path": "/stream"})")
            .arg(upstream.port()));
    QTRY_COMPARE_WITH_TIMEOUT(messages.size(), 2, startMs); // connected, sse-event
    QCOMPARE(QJsonDocument::fromJson(messages.at(0).toUtf8())[u"type"].toString(),
        QStringLiteral("connected"));
    QCOMPARE(QJsonDocument::fromJson(messages.at(1).toUtf8())[u"type"].toString(),
        QStringLiteral("sse-event"));
    QCOMPARE(upstream.requestCount(), 1);
    QCOMPARE(disconnected.count(), 0);

    QSignalSpy finished(&m_proxy, &TestProcess::finished);
    QElapsedTimer clock;
    clock.start();
    QVERIFY(m_proxy.sendSignal(signalNumber));
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, shutdownMs);
    const qint64 exitMs = clock.elapsed();
    QCOMPARE(m_proxy.exitStatus(), QProcess::NormalExit); // handled, not killed by the signal
    QCOMPARE(m_proxy.exitCode(), 0);

    QTRY_COMPARE(disconnected.count(), 1);
    QCOMPARE(messages.size(), 3);
    QCOMPARE(messages.at(2),
        QStringLiteral(R"({"type":"closed","payload":{"reason":"proxy shutting down"}})"));
    QCOMPARE(client.closeCode(), QWebSocketProtocol::CloseCodeGoingAway);
    const QByteArray log = m_proxy.standardError();
    QVERIFY2(
        log.contains(QByteArray("event dispatcher: " + dispatcher.toUtf8() + " (" + className)),
        log.constData());
    QVERIFY2(log.contains(workersLine), log.constData());
    qInfo("exited after %lld ms", exitMs);
}

// A client that completed the upgrade but never answers the close handshake must not keep
// the proxy alive: it still gets `closed` and a 1001 close frame, and the process exits 0
// within 2 s (the grace period is ProxyServer::shutdownGraceMs, 1.5 s).
void TstProxyProcess::signalWithUnresponsiveClient()
{
    const quint16 port = start({});
    QVERIFY(port != 0);
    QTcpSocket raw;
    QByteArray received;
    connect(&raw, &QTcpSocket::readyRead, this, [&raw, &received]() { received += raw.readAll(); });
    raw.connectToHost(QHostAddress::LocalHost, port);
    QTRY_COMPARE_WITH_TIMEOUT(raw.state(), QAbstractSocket::ConnectedState, startMs);
    raw.write(WsFrames::upgradeRequest());
    QTRY_VERIFY_WITH_TIMEOUT(received.contains("\r\n\r\n"), startMs);
    QVERIFY2(received.startsWith("HTTP/1.1 101 "), received.constData());
    received.clear();

    QSignalSpy finished(&m_proxy, &TestProcess::finished);
    QElapsedTimer clock;
    clock.start();
    QVERIFY(m_proxy.sendSignal(SIGTERM));
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, shutdownMs);
    const qint64 exitMs = clock.elapsed();
    QCOMPARE(m_proxy.exitStatus(), QProcess::NormalExit);
    QCOMPARE(m_proxy.exitCode(), 0);

    // Server frames are unmasked: a text frame with `closed`, then a close frame with 1001.
    const QByteArray closed = R"({"type":"closed","payload":{"reason":"proxy shutting down"}})";
    std::optional<WsFrames::Frame> text;
    std::optional<WsFrames::Frame> closeFrame;
    QTRY_VERIFY(
        (text = WsFrames::parse(received)) && (closeFrame = WsFrames::parse(received, text->size)));
    QVERIFY2(
        text->fin && !text->masked && text->opcode == WsFrames::Text && text->payload == closed,
        received.toHex().constData());
    QVERIFY2(closeFrame->fin && !closeFrame->masked && closeFrame->opcode == WsFrames::Close
            && closeFrame->payload.startsWith("\x03\xe9"),
        received.toHex().constData());
    qInfo("exited after %lld ms", exitMs);
}

// proxy.drainSeconds 1: after SIGTERM /healthz answers 503 at once, the proxy still upgrades a
// new client, and exits 0 about a second later, having told its client "proxy shutting down".
void TstProxyProcess::signalWithDrainKeepsServing()
{
    const quint16 port = start(
        { QStringLiteral("--settings"), writeSettings(R"({"proxy": {"drainSeconds": 1}})") });
    QVERIFY(port != 0);
    QSignalSpy finished(&m_proxy, &TestProcess::finished);
    QElapsedTimer clock;
    clock.start();
    QVERIFY(m_proxy.sendSignal(SIGTERM));
    // The signal arrives through the event loop: ask until the answer changes.
    QByteArray health;
    QTRY_VERIFY_WITH_TIMEOUT(([&] {
        RawHttpClient exchange;
        exchange.send(port, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        if (!QTest::qWaitFor([&] { return exchange.isFinished(); }, startMs))
            return false;
        health = exchange.bytes();
        return health.startsWith("HTTP/1.1 503 ");
    }()),
        900);
    QVERIFY2(health.endsWith("draining\n"), health.constData());

    QWebSocket client;
    QStringList messages;
    connect(&client, &QWebSocket::textMessageReceived, this,
        [&messages](const QString &message) { messages << message; });
    client.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/proxy").arg(port)));
    QTRY_COMPARE_WITH_TIMEOUT(client.state(), QAbstractSocket::ConnectedState, startMs);
    QCOMPARE(finished.count(), 0);

    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 1000 + shutdownMs);
    // A coarse timer may fire up to 5 % early.
    QVERIFY2(clock.elapsed() >= 900, qPrintable(QString::number(clock.elapsed())));
    QCOMPARE(m_proxy.exitStatus(), QProcess::NormalExit);
    QCOMPARE(m_proxy.exitCode(), 0);
    QTRY_COMPARE(messages.size(), 1);
    QCOMPARE(messages.constFirst(),
        QStringLiteral(R"({"type":"closed","payload":{"reason":"proxy shutting down"}})"));
    QVERIFY(m_proxy.standardError().contains("draining: /healthz answers 503"));
}

void TstProxyProcess::httpRoutes_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<QByteArray>("statusLine");
    QTest::addColumn<QByteArray>("bodyContains");
    QTest::addColumn<bool>("onAdminListener");

    QTest::newRow("healthz") << QByteArray("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                             << QByteArray("HTTP/1.1 200 OK") << QByteArray("\r\n\r\nok\n")
                             << false;
    QTest::newRow("healthz on admin")
        << QByteArray("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n") << QByteArray("HTTP/1.1 200 OK")
        << QByteArray("\r\n\r\nok\n") << true;
    QTest::newRow("metrics") << QByteArray("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
                             << QByteArray("HTTP/1.1 200 OK")
                             << QByteArray("# TYPE wssp_events_relayed_total counter\n") << true;
    // The admin endpoints are not on the clients' listener by default (docs/SECURITY.md).
    QTest::newRow("metrics not on the proxy listener")
        << QByteArray("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        << QByteArray("HTTP/1.1 404 Not Found") << QByteArray("/metrics") << false;
    QTest::newRow("unknown path") << QByteArray("GET /nope HTTP/1.1\r\nHost: x\r\n\r\n")
                                  << QByteArray("HTTP/1.1 404 Not Found") << QByteArray("/nope")
                                  << false;
    // A real upgrade request on the wrong path: refused with 404 before any 101.
    QTest::newRow("upgrade on /wrong")
        << WsFrames::upgradeRequest("/wrong") << QByteArray("HTTP/1.1 404 Not Found")
        << QByteArray("/wrong") << false;
}

void TstProxyProcess::httpRoutes()
{
    QFETCH(QByteArray, request);
    QFETCH(QByteArray, statusLine);
    QFETCH(QByteArray, bodyContains);
    QFETCH(bool, onAdminListener);
    const quint16 port = start({});
    QVERIFY(port != 0);

    RawHttpClient exchange;
    exchange.send(onAdminListener ? m_adminPort : port, request);
    QTRY_VERIFY_WITH_TIMEOUT(exchange.isFinished(), startMs);
    const QByteArray &response = exchange.bytes();
    QVERIFY2(response.startsWith(QByteArray(statusLine + "\r\n")), response.constData());
    QVERIFY2(response.contains(bodyContains), response.constData());
    QVERIFY2(!response.contains("101 Switching Protocols"), response.constData());
    QCOMPARE(response.count("HTTP/1.1 "), 1); // exactly one response, then the close
}

// Out of file descriptors, accept() fails with the connection left in the backlog: the proxy
// must not spin on it, must say so (once, not per attempt), and must serve again once
// descriptors are free.
void TstProxyProcess::outOfDescriptorsPausesAndRecovers()
{
#if defined(__SANITIZE_ADDRESS__)
    // Out of descriptors, UBSan's own vptr check cannot read the memory map it needs and
    // aborts the sanitized proxy on a Qt object it then takes for bad: a limit of the sanitizer
    // runtime, not of the proxy. The release and ci builds run this row.
    QSKIP("the sanitizer runtime needs file descriptors of its own");
#endif
    // prlimit (util-linux) sets soft and hard limits, so the proxy cannot raise them.
    const quint16 port = start({}, { QStringLiteral("prlimit"), QStringLiteral("--nofile=40:40") });
    QVERIFY(port != 0);
    std::vector<std::unique_ptr<QTcpSocket>> hogs;
    for (int i = 0; i < 60; ++i) {
        hogs.push_back(std::make_unique<QTcpSocket>());
        hogs.back()->connectToHost(QHostAddress::LocalHost, port);
    }
    QByteArray err;
    const auto diagnosis = [&]() {
        const int descriptors
            = int(QDir(QStringLiteral("/proc/%1/fd").arg(m_proxy.processId())).count()) - 2;
        int connected = 0;
        for (const auto &hog : hogs)
            connected += hog->state() == QAbstractSocket::ConnectedState;
        return QStringLiteral(
            "%1 descriptors open in the proxy, %2 of %3 connected (first: %5, port %6); stderr: %4")
            .arg(descriptors)
            .arg(connected)
            .arg(hogs.size())
            .arg(QString::fromUtf8(err))
            .arg(hogs.front()->errorString())
            .arg(port)
            .toUtf8();
    };
    QTRY_VERIFY2_WITH_TIMEOUT((err = m_proxy.standardError()).contains("cannot accept connections"),
        diagnosis().constData(), startMs);
    QVERIFY2(err.contains("40 file descriptors allowed"), err.constData()); // it warned at start
    hogs.clear();
    RawHttpClient health;
    health.send(port, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    QTRY_VERIFY_WITH_TIMEOUT(health.isFinished(), startMs);
    QVERIFY2(health.bytes().startsWith("HTTP/1.1 200 OK\r\n"), health.bytes().constData());
    err = m_proxy.standardError();
    QCOMPARE(err.count("cannot accept connections"), 1);
    // It did not spin meanwhile: far less CPU than the seconds this test took.
    QFile stat(QStringLiteral("/proc/%1/stat").arg(m_proxy.processId()));
    QVERIFY(stat.open(QIODevice::ReadOnly));
    const QList<QByteArray> fields = stat.readAll().split(')').last().split(' ');
    const qint64 cpuTicks
        = fields.value(12).toLongLong() + fields.value(13).toLongLong(); // utime+stime
    QVERIFY2(cpuTicks < 100, QByteArray::number(cpuTicks).constData()); // < 1 s of CPU
}

QTEST_GUILESS_MAIN(TstProxyProcess)
#include "tst_proxyprocess.moc"
