// WsTestClient in-process against FakeProxy: sequencing, the request JSON, exit statuses, both
// output modes of the general mode and cancel.
#include "clientcli.h"
#include "clientrun.h"
#include "fakeproxy.h"
#include "wstestclient.h"

#include <QBuffer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

Q_DECLARE_METATYPE(FakeProxy::Script)

namespace {

constexpr int finishMs = 10000; // upper bound for any run here; they take well under a second

ClientConfig echoConfig(const QUrl &proxyUrl, int count, int sendDelay)
{
    ClientConfig config;
    config.proxyUrl = proxyUrl;
    config.count = count;
    config.sendDelay = sendDelay;
    config.timeout = 5000;
    return config;
}

FakeProxy::Script echoScript(int events = 3)
{
    FakeProxy::Script script;
    script.replyFor = FakeProxy::echoReplies(events);
    return script;
}

QJsonObject parseObject(const QString &text)
{
    return QJsonDocument::fromJson(text.toUtf8()).object();
}

// The request as PROTOCOL.md §2 spells it; an empty "headers" object may be left out.
QJsonObject withoutEmptyHeaders(QJsonObject request)
{
    if (request.value(QStringLiteral("headers")).toObject().isEmpty())
        request.remove(QStringLiteral("headers"));
    return request;
}

quint16 unusedPort()
{
    QTcpServer probe;
    probe.listen(QHostAddress::LocalHost, 0);
    return probe.serverPort(); // closed again when `probe` goes away
}

} // namespace

class TstWsTestClient : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();

    // Happy day: the design's test end to end.
    void echoTranscript();
    void requestJson_data();
    void requestJson();
    void waitsForClosedBeforeNextRequest();
    void pausesSendDelay_data();
    void pausesSendDelay();

    // Exit statuses.
    void exitStatus_data();
    void exitStatus();
    void connectionRefused();
    void handshakeTimeout();

    // General mode (--target), both output modes.
    void requestMode_data();
    void requestMode();
    void requestModeError_data();
    void requestModeError();

    // Cancel (the SIGINT entry point).
    void cancelSendsCancel();
    void cancelWithoutClosedGivesUp();
    void cancelDuringPause();
    void secondCancelFinishesAtOnce();

private:
    QTemporaryDir m_dir;
    QString m_settingsPath;
};

void TstWsTestClient::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_settingsPath = m_dir.filePath(QStringLiteral("settings.json"));
    QFile file(m_settingsPath);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("{}\n");
}

void TstWsTestClient::echoTranscript()
{
    FakeProxy proxy;
    QVERIFY(proxy.listen());
    proxy.setScript(echoScript());
    ClientRun run(echoConfig(proxy.url(), 3, 0));
    run.client.start();

    QTRY_COMPARE_WITH_TIMEOUT(run.finished.count(), 1, finishMs);
    QCOMPARE(run.exitCode(), ClientExit::ok);
    QCOMPARE(run.stdoutText(), ::echoTranscript(3, QStringLiteral("Hello Server!")));
    QCOMPARE(run.stderrText(), QString());
    QCOMPARE(proxy.received.size(), 3);
    QCOMPARE(proxy.connections, 1);
    QTRY_COMPARE(proxy.disconnections, 1); // the client closed the WebSocket at the end
    QCOMPARE(run.client.requestsSent(), 3);
}

void TstWsTestClient::requestJson_data()
{
    QTest::addColumn<QString>("message");
    QTest::addColumn<QString>("serverHost");
    QTest::addColumn<int>("serverPort");
    QTest::addColumn<int>("count");

    QTest::newRow("defaults") << QStringLiteral("Hello Server!") << QStringLiteral("localhost")
                              << 8081 << 3;
    QTest::newRow("one message, other server")
        << QStringLiteral("Привет \"q\" \\ 😀") << QStringLiteral("127.0.0.1") << 18081 << 1;
}

void TstWsTestClient::requestJson()
{
    QFETCH(QString, message);
    QFETCH(QString, serverHost);
    QFETCH(int, serverPort);
    QFETCH(int, count);

    FakeProxy proxy;
    QVERIFY(proxy.listen());
    proxy.setScript(echoScript(1));
    ClientConfig config = echoConfig(proxy.url(), count, 0);
    config.message = message;
    config.serverHost = serverHost;
    config.serverPort = serverPort;
    ClientRun run(config);
    run.client.start();

    QTRY_COMPARE_WITH_TIMEOUT(run.finished.count(), 1, finishMs);
    QCOMPARE(run.exitCode(), ClientExit::ok);
    QCOMPARE(proxy.received.size(), count);
    for (int i = 1; i <= count; ++i) {
        const QJsonObject expected { { QStringLiteral("protocol"), QStringLiteral("http") },
            { QStringLiteral("address"), serverHost }, { QStringLiteral("port"), serverPort },
            { QStringLiteral("path"), QStringLiteral("/events") },
            { QStringLiteral("method"), QStringLiteral("POST") },
            { QStringLiteral("body"),
                QJsonObject { { QStringLiteral("message"),
                    QStringLiteral("%1 #%2").arg(message).arg(i) } } } };
        QCOMPARE(withoutEmptyHeaders(parseObject(proxy.received.at(i - 1))), expected);
    }
}

void TstWsTestClient::waitsForClosedBeforeNextRequest()
{
    // The fake answers by hand and holds `closed` back: nothing may arrive meanwhile.
    FakeProxy proxy;
    QVERIFY(proxy.listen());
    proxy.setAutoReply(false);
    QSignalSpy arrivals(&proxy, &FakeProxy::messageReceived);
    ClientRun run(echoConfig(proxy.url(), 2, 0));
    run.client.start();

    QTRY_COMPARE_WITH_TIMEOUT(proxy.received.size(), 1, finishMs);
    proxy.send(FakeProxy::connected());
    proxy.send(FakeProxy::echoEvent(1, 1, QStringLiteral("Hello Server! #1")));
    QVERIFY(!arrivals.wait(500)); // asserting an absence: the wait is the point
    QCOMPARE(proxy.received.size(), 1);
    QCOMPARE(run.client.state(), WsTestClient::State::WaitingForClosed);

    proxy.send(FakeProxy::closed());
    QTRY_COMPARE_WITH_TIMEOUT(proxy.received.size(), 2, finishMs);
    QVERIFY(proxy.received.at(1).contains(QStringLiteral("Hello Server! #2")));
    QVERIFY(!arrivals.wait(300));
    QCOMPARE(proxy.received.size(), 2);
    QCOMPARE(run.finished.count(), 0);

    proxy.send(FakeProxy::closed());
    QTRY_COMPARE_WITH_TIMEOUT(run.finished.count(), 1, finishMs);
    QCOMPARE(run.exitCode(), ClientExit::ok);
    QCOMPARE(proxy.received.size(), 2);
}

void TstWsTestClient::pausesSendDelay_data()
{
    QTest::addColumn<int>("sendDelay");
    QTest::addColumn<int>("closedDelay");

    QTest::newRow("no delay") << 0 << 0;
    QTest::newRow("250 ms") << 250 << 0;
    QTest::newRow("250 ms after a slow closed") << 250 << 200;
}

void TstWsTestClient::pausesSendDelay()
{
    QFETCH(int, sendDelay);
    QFETCH(int, closedDelay);

    FakeProxy proxy;
    QVERIFY(proxy.listen());
    FakeProxy::Script script = echoScript(1);
    script.closedDelayMs = closedDelay;
    proxy.setScript(script);
    ClientRun run(echoConfig(proxy.url(), 3, sendDelay));
    run.client.start();

    QTRY_COMPARE_WITH_TIMEOUT(run.finished.count(), 1, finishMs);
    QCOMPARE(run.exitCode(), ClientExit::ok);
    QCOMPARE(proxy.received.size(), 3);
    QCOMPARE(proxy.closedSentAt.size(), 3);
    for (int i = 0; i + 1 < 3; ++i) {
        const qint64 gap = proxy.receivedAt.at(i + 1) - proxy.closedSentAt.at(i);
        QVERIFY2(gap >= sendDelay, qPrintable(QStringLiteral("gap %1 ms").arg(gap)));
        QVERIFY2(gap < sendDelay + 3000, qPrintable(QStringLiteral("gap %1 ms").arg(gap)));
    }
}

void TstWsTestClient::exitStatus_data()
{
    QTest::addColumn<FakeProxy::Script>("script");
    QTest::addColumn<int>("timeout");
    QTest::addColumn<int>("expectedExit");
    QTest::addColumn<int>("expectedRequests");
    QTest::addColumn<QString>("expectedStderr"); // a line stderr must contain ("" = empty)

    QTest::newRow("normal") << echoScript() << 5000 << ClientExit::ok << 2 << QString();

    FakeProxy::Script error;
    error.replies = { FakeProxy::error(QStringLiteral("connection refused: localhost:8081")) };
    error.closedReason = QStringLiteral("upstream error");
    QTest::newRow("error stops the run")
        << error << 5000 << ClientExit::requestFailed << 1
        << QStringLiteral("❌ Error: connection refused: localhost:8081\n"
                          "stopped after request #1 of 2 because of the error above\n");

    FakeProxy::Script dropped;
    dropped.replies = { FakeProxy::connected() };
    dropped.dropInsteadOfClosed = true;
    QTest::newRow("socket closed before closed")
        << dropped << 5000 << ClientExit::connection << 1
        << QStringLiteral("lost while waiting for `closed` of request #1");

    FakeProxy::Script silent;
    silent.replies = { FakeProxy::connected() };
    silent.sendClosed = false;
    QTest::newRow("timeout")
        << silent << 300 << ClientExit::timeout << 1
        << QStringLiteral("timed out: no message from the proxy for 300 ms while waiting for "
                          "`closed` of request #1\n");

    FakeProxy::Script unreadable = echoScript(1);
    unreadable.replyFor = nullptr;
    unreadable.replies = { QStringLiteral("not json"), FakeProxy::connected() };
    QTest::newRow("unreadable message is only a warning")
        << unreadable << 5000 << ClientExit::ok << 2
        << QStringLiteral("warning: ignoring a message from the proxy that is not valid");
}

void TstWsTestClient::exitStatus()
{
    QFETCH(FakeProxy::Script, script);
    QFETCH(int, timeout);
    QFETCH(int, expectedExit);
    QFETCH(int, expectedRequests);
    QFETCH(QString, expectedStderr);

    FakeProxy proxy;
    QVERIFY(proxy.listen());
    proxy.setScript(script);
    ClientConfig config = echoConfig(proxy.url(), 2, 0);
    config.timeout = timeout;
    ClientRun run(config);
    run.client.start();

    QTRY_COMPARE_WITH_TIMEOUT(run.finished.count(), 1, finishMs);
    QCOMPARE(run.exitCode(), expectedExit);
    QCOMPARE(run.client.exitCode(), expectedExit);
    QCOMPARE(proxy.received.size(), expectedRequests);
    if (expectedStderr.isEmpty())
        QCOMPARE(run.stderrText(), QString());
    else
        QVERIFY2(run.stderrText().contains(expectedStderr), qPrintable(run.stderrText()));
    const bool completed = run.stdoutText().endsWith(QStringLiteral("Test complete.\n"));
    QCOMPARE(completed, expectedExit == ClientExit::ok);
    QCOMPARE(run.finished.count(), 1); // exactly once
}

void TstWsTestClient::connectionRefused()
{
    const quint16 port = unusedPort();
    QVERIFY(port != 0);
    const QUrl url(QStringLiteral("ws://127.0.0.1:%1/proxy").arg(port));
    ClientRun run(echoConfig(url, 3, 0));
    run.client.start();

    QTRY_COMPARE_WITH_TIMEOUT(run.finished.count(), 1, finishMs);
    QCOMPARE(run.exitCode(), ClientExit::connection);
    // One line with the socket's reason, not one per signal (disconnected and error both fire).
    QCOMPARE(run.stderrText(),
        QStringLiteral("cannot connect to proxy at %1: Connection refused\n").arg(url.toString()));
    QCOMPARE(run.stdoutText(), QString());
    QCOMPARE(run.client.requestsSent(), 0);
}

void TstWsTestClient::handshakeTimeout()
{
    // A listener that accepts TCP but never answers the WebSocket handshake.
    QTcpServer mute;
    QVERIFY(mute.listen(QHostAddress::LocalHost, 0));
    const QUrl url(QStringLiteral("ws://127.0.0.1:%1/proxy").arg(mute.serverPort()));
    ClientConfig config = echoConfig(url, 1, 0);
    config.timeout = 300;
    ClientRun run(config);
    run.client.start();

    QTRY_COMPARE_WITH_TIMEOUT(run.finished.count(), 1, finishMs);
    QCOMPARE(run.exitCode(), ClientExit::timeout);
    QCOMPARE(run.stderrText(),
        QStringLiteral("cannot connect to proxy at %1: no answer within "
                       "300 ms\n")
            .arg(url.toString()));
    QCOMPARE(run.stdoutText(), QString());
}

void TstWsTestClient::requestMode_data()
{
    QTest::addColumn<QStringList>("options");
    QTest::addColumn<QJsonObject>("expectedRequest");
    QTest::addColumn<bool>("json");

    const QStringList full { QStringLiteral("--target"),
        QStringLiteral("http://127.0.0.1:9/stream?x=1&y=%20#frag"), QStringLiteral("--method"),
        QStringLiteral("put"), QStringLiteral("--header"),
        QStringLiteral("Authorization: Bearer abc"), QStringLiteral("--header"),
        QStringLiteral("X-Trace:1"), QStringLiteral("--body"), QStringLiteral(R"({"q": [1, 2]})"),
        QStringLiteral("--last-event-id"), QStringLiteral("41") };
    const QJsonObject fullRequest { { QStringLiteral("protocol"), QStringLiteral("http") },
        { QStringLiteral("address"), QStringLiteral("127.0.0.1") }, { QStringLiteral("port"), 9 },
        { QStringLiteral("path"), QStringLiteral("/stream?x=1&y=%20") },
        { QStringLiteral("method"), QStringLiteral("PUT") },
        { QStringLiteral("headers"),
            QJsonObject { { QStringLiteral("Authorization"), QStringLiteral("Bearer abc") },
                { QStringLiteral("X-Trace"), QStringLiteral("1") },
                { QStringLiteral("Last-Event-ID"), QStringLiteral("41") } } },
        { QStringLiteral("body"), QJsonObject { { QStringLiteral("q"), QJsonArray { 1, 2 } } } } };
    QTest::newRow("readable, all options") << full << fullRequest << false;
    QTest::newRow("json, all options")
        << (full + QStringList { QStringLiteral("--json") }) << fullRequest << true;

    const QJsonObject textRequest { { QStringLiteral("protocol"), QStringLiteral("https") },
        { QStringLiteral("address"), QStringLiteral("::1") }, { QStringLiteral("port"), 443 },
        { QStringLiteral("path"), QStringLiteral("/") },
        { QStringLiteral("method"), QStringLiteral("POST") },
        { QStringLiteral("body"), QStringLiteral("hello") } };
    QTest::newRow("text body defaults to POST") << QStringList { QStringLiteral("--target"),
        QStringLiteral("https://[::1]"), QStringLiteral("--body"), QStringLiteral("hello") }
                                                << textRequest << false;
}

void TstWsTestClient::requestMode()
{
    QFETCH(QStringList, options);
    QFETCH(QJsonObject, expectedRequest);
    QFETCH(bool, json);

    const QStringList replies { FakeProxy::connected(),
        FakeProxy::sseEvent(QStringLiteral("42"), QStringLiteral("update"),
            QStringLiteral(R"({"type":"echo","response":"r"})")),
        FakeProxy::sseEvent(
            QString(), QStringLiteral("message"), QStringLiteral("a\nb"), QStringLiteral("3000")),
        FakeProxy::closed() };
    FakeProxy proxy;
    QVERIFY(proxy.listen());
    FakeProxy::Script script;
    script.replies = replies.mid(0, 3);
    proxy.setScript(script);

    const QStringList arguments
        = QStringList { QStringLiteral("ws-test-client"), QStringLiteral("--settings"),
              m_settingsPath, QStringLiteral("--url"), proxy.url().toString() }
        + options;
    const ClientCli::CommandLine parsed = ClientCli::parse(arguments);
    QCOMPARE(parsed.outcome.text, QString());
    QVERIFY(parsed.outcome.isRun());
    const ClientConfig &config = parsed.config;
    QCOMPARE(config.mode, ClientConfig::Mode::Request);
    QCOMPARE(config.json, json);
    ClientRun run(config);
    run.client.start();

    QTRY_COMPARE_WITH_TIMEOUT(run.finished.count(), 1, finishMs);
    QCOMPARE(run.exitCode(), ClientExit::ok);
    QCOMPARE(run.stderrText(), QString());
    QCOMPARE(proxy.received.size(), 1);
    QCOMPARE(withoutEmptyHeaders(parseObject(proxy.received.constFirst())), expectedRequest);

    if (json) {
        // Exactly as received, one per line: a pipe can feed each line to a JSON parser.
        QCOMPARE(run.stdoutText(), replies.join(u'\n') + u'\n');
        return;
    }
    const QString url = expectedRequest.value(QStringLiteral("protocol")).toString() == u"https"
        ? QStringLiteral("https://[::1]:443/")
        : QStringLiteral("http://127.0.0.1:9/stream?x=1&y=%20");
    const QStringList lines { QStringLiteral("✅ Connected to Proxy WebSocket"),
        QStringLiteral("📤 %1 %2").arg(
            expectedRequest.value(QStringLiteral("method")).toString(), url),
        QStringLiteral("✅ Connected to server (200)"), QStringLiteral("📥 SSE Event [update]:"),
        QStringLiteral("   🆔 ID: 42"),
        QStringLiteral(R"(   📝 Data: {"type":"echo","response":"r"})"),
        QStringLiteral("📥 SSE Event [message]:"), QStringLiteral("   🔄 Retry: 3000ms"),
        QStringLiteral("   📝 Data: a"), QStringLiteral("           b"),
        QStringLiteral("🔚 Server closed: Server closed connection normally.") };
    QCOMPARE(run.stdoutText(), lines.join(u'\n') + u'\n');
}

void TstWsTestClient::requestModeError_data()
{
    QTest::addColumn<bool>("json");
    QTest::newRow("readable") << false;
    QTest::newRow("json") << true;
}

void TstWsTestClient::requestModeError()
{
    QFETCH(bool, json);

    FakeProxy proxy;
    QVERIFY(proxy.listen());
    FakeProxy::Script script;
    const QString error = FakeProxy::error(QStringLiteral("upstream answered 404"));
    script.replies = { FakeProxy::connected(404), error };
    script.closedReason = QStringLiteral("upstream error");
    proxy.setScript(script);

    ClientConfig config;
    config.mode = ClientConfig::Mode::Request;
    config.proxyUrl = proxy.url();
    config.json = json;
    QString message;
    QVERIFY(ClientCli::applyTarget(QStringLiteral("http://localhost:8081/missing"),
        &config.requests.emplace_back(), &message));
    ClientRun run(config);
    run.client.start();

    QTRY_COMPARE_WITH_TIMEOUT(run.finished.count(), 1, finishMs);
    QCOMPARE(run.exitCode(), ClientExit::requestFailed);
    QCOMPARE(run.stderrText(), QStringLiteral("❌ Error: upstream answered 404\n"));
    if (json) {
        QCOMPARE(run.stdoutText(),
            QStringList({ FakeProxy::connected(404), error,
                            FakeProxy::closed(QStringLiteral("upstream error")) })
                    .join(u'\n')
                + u'\n');
    } else {
        QVERIFY(run.stdoutText().endsWith(QStringLiteral("✅ Connected to server (404)\n"
                                                         "🔚 Server closed: upstream error\n")));
    }
}

void TstWsTestClient::cancelSendsCancel()
{
    FakeProxy proxy;
    QVERIFY(proxy.listen());
    FakeProxy::Script script;
    script.replies = { FakeProxy::connected() };
    script.sendClosed = false;
    proxy.setScript(script);
    ClientConfig config;
    config.mode = ClientConfig::Mode::Request;
    config.proxyUrl = proxy.url();
    QString message;
    QVERIFY(ClientCli::applyTarget(
        QStringLiteral("http://localhost:8081/events"), &config.requests.emplace_back(), &message));
    ClientRun run(config);
    run.client.start();

    QTRY_COMPARE_WITH_TIMEOUT(proxy.received.size(), 1, finishMs);
    QTRY_VERIFY(run.stdoutText().contains(QStringLiteral("Connected to server")));
    QCOMPARE(run.finished.count(), 0);
    run.client.cancel();

    QTRY_COMPARE_WITH_TIMEOUT(run.finished.count(), 1, finishMs);
    QCOMPARE(run.exitCode(), ClientExit::interrupted);
    QCOMPARE(proxy.received.size(), 2);
    QCOMPARE(proxy.received.at(1), QStringLiteral(R"({"type":"cancel"})"));
    QVERIFY(run.stdoutText().endsWith(QStringLiteral("🔚 Server closed: cancelled by client\n")));
    QCOMPARE(run.stderrText(), QStringLiteral("🛑 Interrupted: cancelling request #1\n"));
}

void TstWsTestClient::cancelWithoutClosedGivesUp()
{
    FakeProxy proxy;
    QVERIFY(proxy.listen());
    FakeProxy::Script script;
    script.sendClosed = false;
    script.answerCancel = false;
    proxy.setScript(script);
    ClientConfig config = echoConfig(proxy.url(), 2, 0);
    config.cancelGrace = 200;
    ClientRun run(config);
    run.client.start();

    QTRY_COMPARE_WITH_TIMEOUT(proxy.received.size(), 1, finishMs);
    run.client.cancel();
    QTRY_COMPARE_WITH_TIMEOUT(run.finished.count(), 1, finishMs);
    QCOMPARE(run.exitCode(), ClientExit::interrupted);
    QCOMPARE(proxy.received.size(), 2);
    QCOMPARE(proxy.received.at(1), QStringLiteral(R"({"type":"cancel"})"));
    QVERIFY2(run.stderrText().endsWith(
                 QStringLiteral("no `closed` within 200 ms after cancel; giving up\n")),
        qPrintable(run.stderrText()));
}

void TstWsTestClient::cancelDuringPause()
{
    FakeProxy proxy;
    QVERIFY(proxy.listen());
    proxy.setScript(echoScript(1));
    ClientRun run(echoConfig(proxy.url(), 2, 60000));
    run.client.start();

    QTRY_COMPARE_WITH_TIMEOUT(run.client.state(), WsTestClient::State::Pausing, finishMs);
    run.client.cancel();
    QTRY_COMPARE_WITH_TIMEOUT(run.finished.count(), 1, finishMs);
    QCOMPARE(run.exitCode(), ClientExit::interrupted);
    QCOMPARE(proxy.received.size(), 1); // nothing in flight: no cancel message, no request #2
    QCOMPARE(run.stderrText(), QStringLiteral("🛑 Interrupted\n"));
}

void TstWsTestClient::secondCancelFinishesAtOnce()
{
    FakeProxy proxy;
    QVERIFY(proxy.listen());
    FakeProxy::Script script;
    script.sendClosed = false;
    script.answerCancel = false;
    proxy.setScript(script);
    ClientConfig config = echoConfig(proxy.url(), 1, 0);
    config.cancelGrace = 60000;
    ClientRun run(config);
    run.client.start();

    QTRY_COMPARE_WITH_TIMEOUT(proxy.received.size(), 1, finishMs);
    run.client.cancel();
    QCOMPARE(run.client.state(), WsTestClient::State::Cancelling);
    run.client.cancel();
    QTRY_COMPARE_WITH_TIMEOUT(run.finished.count(), 1, finishMs);
    QCOMPARE(run.exitCode(), ClientExit::interrupted);
    QTRY_COMPARE(proxy.received.size(), 2); // one cancel message, not two
    QCOMPARE(run.finished.count(), 1);
}

QTEST_GUILESS_MAIN(TstWsTestClient)
#include "tst_wstestclient.moc"
