// WsTestClient in request mode with several --targets (PROTOCOL.md §4 streams) and with
// --reconnect, in-process against FakeProxy answering with id-carrying messages: output lines
// tagged by id, the run ending when the last stream is closed, cancel by id, the timeout and
// an announced reconnect wait.
#include "clientcli.h"
#include "clientrun.h"
#include "fakeproxy.h"
#include "proxymessages.h"

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

namespace {

constexpr int finishMs = 10000; // upper bound for any run here; they take well under a second

QJsonObject parseObject(const QString &text)
{
    return QJsonDocument::fromJson(text.toUtf8()).object();
}

// What the proxy sends about a request with an id (PROTOCOL.md §4), by its own encoders; an
// empty id gives the id-less message.
QString connectedFor(const QString &id)
{
    return ProxyMessages::connected(200, { { "Content-Type", "text/event-stream" } }, id);
}

QString eventFor(
    const QString &id, const QString &eventId, const QString &type, const QString &data)
{
    SseEvent event;
    event.lastEventId = eventId;
    event.type = type;
    event.data = data;
    return ProxyMessages::sseEvent(event, id);
}

QString closedFor(const QString &id,
    const QString &reason = QString::fromUtf16(ProxyMessages::reasonUpstreamEnded))
{
    return ProxyMessages::closed(reason, id);
}

QString reconnectingFor(
    const QString &id, int attempt, int delayMs, const QString &lastEventId, const QString &reason)
{
    return ProxyMessages::reconnecting({ attempt, delayMs, lastEventId, reason }, id);
}

} // namespace

class TstWsClientStreams : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();

    void streamsRunAtOnce();
    void streamsJson();
    void streamErrorDoesNotStopTheOthers();
    void messagesForNoOpenStreamAreIgnored();
    void streamsLostOrSilent_data();
    void streamsLostOrSilent();
    void cancelEveryOpenStream();
    void reconnectingKeepsTheRequestOpen();
    void reconnectWaitIsNotSilence_data();
    void reconnectWaitIsNotSilence();

private:
    // A config as the command line makes it: --settings {} --url <proxy> --timeout 5000 <options>.
    ClientConfig parsed(const QUrl &proxyUrl, const QStringList &options) const;

    QTemporaryDir m_dir;
    QString m_settingsPath;
};

void TstWsClientStreams::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_settingsPath = m_dir.filePath(QStringLiteral("settings.json"));
    QFile file(m_settingsPath);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("{}\n");
}

ClientConfig TstWsClientStreams::parsed(const QUrl &proxyUrl, const QStringList &options) const
{
    const QStringList arguments = QStringList { QStringLiteral("ws-test-client"),
        QStringLiteral("--settings"), m_settingsPath, QStringLiteral("--url"), proxyUrl.toString(),
        QStringLiteral("--timeout"), QStringLiteral("5000") }
        + options;
    const ClientCli::CommandLine parsed = ClientCli::parse(arguments);
    if (!parsed.outcome.isRun())
        qWarning("bad options: %s", qPrintable(parsed.outcome.text));
    return parsed.config;
}

// Two targets: both requests go out at once, each with its id; the replies interleave; every
// line names its stream; the run ends when the last stream is closed, not the first.
void TstWsClientStreams::streamsRunAtOnce()
{
    FakeProxy proxy;
    QVERIFY(proxy.listen());
    proxy.setAutoReply(false);
    ClientRun run(parsed(proxy.url(),
        { QStringLiteral("--target"), QStringLiteral("http://127.0.0.1:9/a"),
            QStringLiteral("--target"), QStringLiteral("news=http://127.0.0.1:9/b") }));
    run.client.start();

    QTRY_COMPARE_WITH_TIMEOUT(proxy.received.size(), 2, finishMs); // before any answer
    QCOMPARE(parseObject(proxy.received.at(0)).value(QStringLiteral("id")).toString(),
        QStringLiteral("1"));
    QCOMPARE(parseObject(proxy.received.at(0)).value(QStringLiteral("path")).toString(),
        QStringLiteral("/a"));
    QCOMPARE(parseObject(proxy.received.at(1)).value(QStringLiteral("id")).toString(),
        QStringLiteral("news"));
    QCOMPARE(run.client.requestsSent(), 2);

    proxy.send(connectedFor(QStringLiteral("news")));
    proxy.send(connectedFor(QStringLiteral("1")));
    proxy.send(eventFor(QStringLiteral("1"), QStringLiteral("tick-1"), QStringLiteral("tick"),
        QStringLiteral("tick 1")));
    proxy.send(eventFor(
        QStringLiteral("news"), QString(), QStringLiteral("message"), QStringLiteral("a\nb")));
    proxy.send(closedFor(QStringLiteral("1")));
    QTRY_VERIFY_WITH_TIMEOUT(run.stdoutText().contains(QStringLiteral("[1] 🔚")), finishMs);
    QCOMPARE(run.finished.count(), 0); // "news" is still open
    QCOMPARE(run.client.state(), WsTestClient::State::WaitingForClosed);

    proxy.send(closedFor(QStringLiteral("news")));
    QTRY_COMPARE_WITH_TIMEOUT(run.finished.count(), 1, finishMs);
    QCOMPARE(run.exitCode(), ClientExit::ok);
    QCOMPARE(run.stderrText(), QString());
    const QStringList lines { QStringLiteral("✅ Connected to Proxy WebSocket"),
        QStringLiteral("[1] 📤 GET http://127.0.0.1:9/a"),
        QStringLiteral("[news] 📤 GET http://127.0.0.1:9/b"),
        QStringLiteral("[news] ✅ Connected to server (200)"),
        QStringLiteral("[1] ✅ Connected to server (200)"),
        QStringLiteral("[1] 📥 SSE Event [tick]:"), QStringLiteral("[1]    🆔 ID: tick-1"),
        QStringLiteral("[1]    📝 Data: tick 1"), QStringLiteral("[news] 📥 SSE Event [message]:"),
        QStringLiteral("[news]    📝 Data: a"), QStringLiteral("[news]            b"),
        QStringLiteral("[1] 🔚 Server closed: Server closed connection normally."),
        QStringLiteral("[news] 🔚 Server closed: Server closed connection normally.") };
    QCOMPARE(run.stdoutText(), lines.join(u'\n') + u'\n');
    QCOMPARE(proxy.received.size(), 2);
}

// --json: the messages exactly as received, ids and all, and nothing else.
void TstWsClientStreams::streamsJson()
{
    const QStringList replies { connectedFor(QStringLiteral("2")),
        connectedFor(QStringLiteral("1")),
        eventFor(QStringLiteral("2"), QStringLiteral("7"), QStringLiteral("message"),
            QStringLiteral("x")),
        closedFor(QStringLiteral("1")), closedFor(QStringLiteral("2")) };
    FakeProxy proxy;
    QVERIFY(proxy.listen());
    proxy.setAutoReply(false);
    ClientRun run(parsed(proxy.url(),
        { QStringLiteral("--json"), QStringLiteral("--target"), QStringLiteral("http://h/1"),
            QStringLiteral("--target"), QStringLiteral("http://h/2") }));
    run.client.start();
    QTRY_COMPARE_WITH_TIMEOUT(proxy.received.size(), 2, finishMs);
    for (const QString &reply : replies)
        proxy.send(reply);

    QTRY_COMPARE_WITH_TIMEOUT(run.finished.count(), 1, finishMs);
    QCOMPARE(run.exitCode(), ClientExit::ok);
    QCOMPARE(run.stdoutText(), replies.join(u'\n') + u'\n');
    QCOMPARE(run.stderrText(), QString());
}

// One stream's error ends that stream only; the run waits for the others and exits 1.
void TstWsClientStreams::streamErrorDoesNotStopTheOthers()
{
    FakeProxy proxy;
    QVERIFY(proxy.listen());
    proxy.setAutoReply(false);
    ClientRun run(parsed(proxy.url(),
        { QStringLiteral("--target"), QStringLiteral("http://h/missing"),
            QStringLiteral("--target"), QStringLiteral("http://h/ticks") }));
    run.client.start();
    QTRY_COMPARE_WITH_TIMEOUT(proxy.received.size(), 2, finishMs);
    proxy.send(ProxyMessages::error(
        QStringLiteral("upstream answered HTTP 404 Not Found: nope"), QStringLiteral("1")));
    proxy.send(
        closedFor(QStringLiteral("1"), QString::fromUtf16(ProxyMessages::reasonUpstreamError)));
    proxy.send(connectedFor(QStringLiteral("2")));
    proxy.send(eventFor(QStringLiteral("2"), QStringLiteral("tick-1"), QStringLiteral("tick"),
        QStringLiteral("tick 1")));
    QTRY_VERIFY_WITH_TIMEOUT(
        run.stdoutText().contains(QStringLiteral("[2]    📝 Data: tick 1")), finishMs);
    QCOMPARE(run.finished.count(), 0);
    proxy.send(closedFor(QStringLiteral("2")));

    QTRY_COMPARE_WITH_TIMEOUT(run.finished.count(), 1, finishMs);
    QCOMPARE(run.exitCode(), ClientExit::requestFailed);
    QCOMPARE(run.stderrText(),
        QStringLiteral("[1] ❌ Error: upstream answered HTTP 404 Not Found: nope\n"));
    QVERIFY(run.stdoutText().endsWith(
        QStringLiteral("[2] 🔚 Server closed: Server closed connection normally.\n")));
}

// Messages about no open request (an id never sent, no id at all, a stream already closed)
// are warned about and change nothing: the run still ends when its own streams are closed.
void TstWsClientStreams::messagesForNoOpenStreamAreIgnored()
{
    FakeProxy proxy;
    QVERIFY(proxy.listen());
    proxy.setAutoReply(false);
    ClientRun run(parsed(proxy.url(),
        { QStringLiteral("--target"), QStringLiteral("a=http://h/a"), QStringLiteral("--target"),
            QStringLiteral("b=http://h/b") }));
    run.client.start();
    QTRY_COMPARE_WITH_TIMEOUT(proxy.received.size(), 2, finishMs);
    proxy.send(closedFor(QStringLiteral("zzz")));
    proxy.send(closedFor(QString()));
    proxy.send(closedFor(QStringLiteral("a")));
    proxy.send(
        eventFor(QStringLiteral("a"), QString(), QStringLiteral("late"), QStringLiteral("x")));
    QTRY_COMPARE_WITH_TIMEOUT(run.stderrText().count(QStringLiteral("warning:")), 3, finishMs);
    QCOMPARE(run.finished.count(), 0);
    proxy.send(closedFor(QStringLiteral("b")));

    QTRY_COMPARE_WITH_TIMEOUT(run.finished.count(), 1, finishMs);
    QCOMPARE(run.exitCode(), ClientExit::ok);
    const QString prefix = QStringLiteral("warning: ignoring a message about no open request of "
                                          "this client ");
    QCOMPARE(run.stderrText(),
        prefix + QStringLiteral("(id \"zzz\"): ") + closedFor(QStringLiteral("zzz")) + u'\n'
            + prefix + QStringLiteral("(no id): ") + closedFor(QString()) + u'\n' + prefix
            + QStringLiteral("(id \"a\"): ")
            + eventFor(QStringLiteral("a"), QString(), QStringLiteral("late"), QStringLiteral("x"))
            + u'\n');
    QVERIFY(!run.stdoutText().contains(QStringLiteral("late")));
    QVERIFY(!run.stdoutText().contains(QStringLiteral("zzz")));
}

void TstWsClientStreams::streamsLostOrSilent_data()
{
    QTest::addColumn<bool>("drop");
    QTest::addColumn<int>("expectedExit");
    QTest::addColumn<QString>("expectedStderr");
    QTest::newRow("connection lost") << true << ClientExit::connection
                                     << QStringLiteral("lost while waiting for `closed` of "
                                                       "stream \"2\" (");
    QTest::newRow("timeout") << false << ClientExit::timeout
                             << QStringLiteral("timed out: no message from the proxy for 300 ms "
                                               "while waiting for `closed` of stream \"2\"\n");
}

// The failure messages name the streams still open.
void TstWsClientStreams::streamsLostOrSilent()
{
    QFETCH(bool, drop);
    QFETCH(int, expectedExit);
    QFETCH(QString, expectedStderr);

    FakeProxy proxy;
    QVERIFY(proxy.listen());
    proxy.setAutoReply(false);
    ClientConfig config = parsed(proxy.url(),
        { QStringLiteral("--target"), QStringLiteral("http://h/a"), QStringLiteral("--target"),
            QStringLiteral("http://h/b"), QStringLiteral("--target"),
            QStringLiteral("http://h/c") });
    config.timeout = 300;
    ClientRun run(config);
    run.client.start();
    QTRY_COMPARE_WITH_TIMEOUT(proxy.received.size(), 3, finishMs);
    proxy.send(closedFor(QStringLiteral("1")));
    proxy.send(closedFor(QStringLiteral("3")));
    QTRY_VERIFY_WITH_TIMEOUT(run.stdoutText().contains(QStringLiteral("[3] 🔚")), finishMs);
    if (drop)
        proxy.dropClient();

    QTRY_COMPARE_WITH_TIMEOUT(run.finished.count(), 1, finishMs);
    QCOMPARE(run.exitCode(), expectedExit);
    QVERIFY2(run.stderrText().contains(expectedStderr), qPrintable(run.stderrText()));
}

// Ctrl-C with streams: one cancel per stream still open, each with its id; the run ends (130)
// when they are all closed.
void TstWsClientStreams::cancelEveryOpenStream()
{
    FakeProxy proxy;
    QVERIFY(proxy.listen());
    FakeProxy::Script script;
    script.replyFor = [](const QJsonObject &request) {
        return QStringList { connectedFor(request.value(QStringLiteral("id")).toString()) };
    };
    script.sendClosed = false;
    proxy.setScript(script);
    ClientRun run(parsed(proxy.url(),
        { QStringLiteral("--target"), QStringLiteral("http://h/a"), QStringLiteral("--target"),
            QStringLiteral("http://h/b"), QStringLiteral("--target"),
            QStringLiteral("http://h/c") }));
    run.client.start();
    QTRY_COMPARE_WITH_TIMEOUT(
        run.stdoutText().count(QStringLiteral("Connected to server")), 3, finishMs);
    proxy.send(closedFor(QStringLiteral("2")));
    QTRY_VERIFY_WITH_TIMEOUT(run.stdoutText().contains(QStringLiteral("[2] 🔚")), finishMs);

    run.client.cancel();
    QTRY_COMPARE_WITH_TIMEOUT(run.finished.count(), 1, finishMs);
    QCOMPARE(run.exitCode(), ClientExit::interrupted);
    QCOMPARE(proxy.received.size(), 5);
    for (const int i : { 3, 4 }) {
        const QJsonObject cancel = parseObject(proxy.received.at(i));
        QCOMPARE(cancel.value(QStringLiteral("type")).toString(), QStringLiteral("cancel"));
        QCOMPARE(cancel.value(QStringLiteral("id")).toString(),
            i == 3 ? QStringLiteral("1") : QStringLiteral("3"));
        QCOMPARE(cancel.size(), 2);
    }
    QCOMPARE(run.stderrText(),
        QStringLiteral("🛑 Interrupted: cancelling 2 streams (\"1\", \"3\")\n"));
    QVERIFY(
        run.stdoutText().endsWith(QStringLiteral("[1] 🔚 Server closed: cancelled by client\n"
                                                 "[3] 🔚 Server closed: cancelled by client\n")));
}

// --reconnect with one target: no id, "reconnect": true, and `reconnecting` is printed between
// the two upstream responses of the one request.
void TstWsClientStreams::reconnectingKeepsTheRequestOpen()
{
    FakeProxy proxy;
    QVERIFY(proxy.listen());
    proxy.setAutoReply(false);
    ClientRun run(parsed(proxy.url(),
        { QStringLiteral("--target"), QStringLiteral("http://h:8081/ticks?breakAfter=1"),
            QStringLiteral("--reconnect") }));
    run.client.start();
    QTRY_COMPARE_WITH_TIMEOUT(proxy.received.size(), 1, finishMs);
    const QJsonObject request = parseObject(proxy.received.constFirst());
    QCOMPARE(request.value(QStringLiteral("reconnect")), QJsonValue(true));
    QVERIFY(!request.contains(QStringLiteral("id")));

    const QString reason = QStringLiteral("upstream connection to h:8081 broke off mid-stream");
    for (const QString &message : { connectedFor(QString()),
             eventFor(QString(), QStringLiteral("tick-1"), QStringLiteral("tick"),
                 QStringLiteral("tick 1")),
             reconnectingFor(QString(), 1, 0, QStringLiteral("tick-1"), reason),
             connectedFor(QString()),
             eventFor(QString(), QStringLiteral("tick-2"), QStringLiteral("tick"),
                 QStringLiteral("tick 2")),
             closedFor(QString()) })
        proxy.send(message);

    QTRY_COMPARE_WITH_TIMEOUT(run.finished.count(), 1, finishMs);
    QCOMPARE(run.exitCode(), ClientExit::ok);
    QCOMPARE(run.stderrText(), QString());
    const QStringList lines { QStringLiteral("✅ Connected to Proxy WebSocket"),
        QStringLiteral("📤 GET http://h:8081/ticks?breakAfter=1"),
        QStringLiteral("✅ Connected to server (200)"), QStringLiteral("📥 SSE Event [tick]:"),
        QStringLiteral("   🆔 ID: tick-1"), QStringLiteral("   📝 Data: tick 1"),
        QStringLiteral("🔁 Reconnecting in 0 ms (attempt 1, last event ID \"tick-1\"): ") + reason,
        QStringLiteral("✅ Connected to server (200)"), QStringLiteral("📥 SSE Event [tick]:"),
        QStringLiteral("   🆔 ID: tick-2"), QStringLiteral("   📝 Data: tick 2"),
        QStringLiteral("🔚 Server closed: Server closed connection normally.") };
    QCOMPARE(run.stdoutText(), lines.join(u'\n') + u'\n');
}

void TstWsClientStreams::reconnectWaitIsNotSilence_data()
{
    QTest::addColumn<int>("delayMs"); // announced in `reconnecting`
    QTest::addColumn<bool>("proxyComesBack"); // sends `connected` + `closed` after the wait
    QTest::newRow("a wait longer than the timeout") << 700 << true;
    QTest::newRow("silence past the wait still times out") << 200 << false;
}

// The timeout (300 ms here) counts from the end of an announced reconnect wait: a wait longer
// than the timeout is no failure, but silence after it still is.
void TstWsClientStreams::reconnectWaitIsNotSilence()
{
    QFETCH(int, delayMs);
    QFETCH(bool, proxyComesBack);

    FakeProxy proxy;
    QVERIFY(proxy.listen());
    proxy.setAutoReply(false);
    ClientConfig config = parsed(proxy.url(),
        { QStringLiteral("--target"), QStringLiteral("s=http://h/"),
            QStringLiteral("--reconnect") });
    config.timeout = 300;
    ClientRun run(config);
    run.client.start();
    QTRY_COMPARE_WITH_TIMEOUT(proxy.received.size(), 1, finishMs);
    proxy.send(reconnectingFor(QStringLiteral("s"), 1, delayMs, QString(),
        QStringLiteral("connection refused by 127.0.0.1:9")));
    QElapsedTimer clock;
    clock.start();
    if (proxyComesBack) {
        // The fake proxy's side of the script: back after the wait it announced.
        QTimer::singleShot(delayMs + 100, &proxy, [&proxy] {
            proxy.send(connectedFor(QStringLiteral("s")));
            proxy.send(closedFor(QStringLiteral("s")));
        });
    }

    QTRY_COMPARE_WITH_TIMEOUT(run.finished.count(), 1, finishMs);
    if (proxyComesBack) {
        QCOMPARE(run.exitCode(), ClientExit::ok);
        QCOMPARE(run.stderrText(), QString());
        return;
    }
    QCOMPARE(run.exitCode(), ClientExit::timeout);
    QVERIFY(clock.elapsed() >= 300 + delayMs - 20); // the timer's own granularity
    const QRegularExpressionMatch match
        = QRegularExpression(QStringLiteral("no message from the proxy for (\\d+) ms while "
                                            "waiting for `closed` of stream \"s\"\n$"))
              .match(run.stderrText());
    QVERIFY2(match.hasMatch(), qPrintable(run.stderrText()));
    const int silence = match.captured(1).toInt();
    QVERIFY2(silence > 300 && silence <= 300 + delayMs, qPrintable(match.captured(1)));
}

QTEST_GUILESS_MAIN(TstWsClientStreams)
#include "tst_wsclientstreams.moc"
