// End to end: the three real executables (from WSSP_BIN_DIR) as separate processes, wired by
// one settings file. sse-test-server and ws-sse-proxy start on port 0 and print the ports they
// got; the file is then rewritten with those ports, so ws-test-client finds both through it,
// exactly as a user's settings.json would lead it. Checked: the echo transcript of PROTOCOL.md
// §8 line by line, the server's log, request mode with --json, streams with reconnect over the
// server's breaks, and a clean exit on SIGTERM.
#include "testprocess.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

namespace {

constexpr int startMs = 10000; // one process start, generous for sanitizer builds
constexpr int runMs = 20000; // a whole client run: 3 requests of 3 events, 50 ms apart
constexpr int shutdownMs = 2000; // both servers promise to be gone within 2 s of SIGTERM
constexpr int responseDelayMs = 50;
constexpr int sendDelayMs = 50;
// Far above every gap in a healthy stream here, even on a loaded machine (500 ms was seen
// to expire once before a 503 head arrived, with load 8 on 2 cores).
constexpr int sseTimeoutMs = 2000;

QByteArray settingsJson(int proxyPort, int serverPort)
{
    return QStringLiteral(R"({
  "proxy":      { "host": "127.0.0.1", "port": %1, "path": "/proxy", "sseTimeout": %5,
                  "upstream": { "allow": ["127.0.0.1"] } },
  "admin":      { "port": 0 },
  "testServer": { "host": "127.0.0.1", "port": %2, "responseCount": 3, "responseDelay": %3 },
  "testClient": { "message": "Hello Server!", "maxMessages": 3, "sendDelay": %4, "timeout": 10000 }
}
)")
        .arg(proxyPort)
        .arg(serverPort)
        .arg(responseDelayMs)
        .arg(sendDelayMs)
        .arg(sseTimeoutMs)
        .toUtf8();
}

QString exactly(const QString &text)
{
    return QRegularExpression::escape(text);
}

} // namespace

class TstEndToEnd : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();
    void echoTranscript();
    void requestModeJson();
    void requestModeFailure_data();
    void requestModeFailure();
    void streamsResumeOverBreaks();

private:
    bool writeSettings(int proxyPort, int serverPort);
    // Starts `process` and returns the port captured by `listening` from its stdout (0: none).
    quint16 startServer(
        TestProcess &process, const QString &name, const QRegularExpression &listening);
    // Runs ws-test-client to the end with the shared settings file plus `arguments`; true when
    // it exited by itself (any status).
    bool runClient(const QStringList &arguments);
    // SIGTERM; true when the process exits 0 within shutdownMs.
    bool terminatesCleanly(TestProcess &process, const char *name);

    QTemporaryDir m_dir;
    QString m_settingsPath;
    TestProcess m_server;
    TestProcess m_proxy;
    TestProcess m_client;
    quint16 m_serverPort = 0;
    quint16 m_proxyPort = 0;
    qint64 m_startedAtMs = 0;
};

void TstEndToEnd::initTestCase()
{
    QVERIFY2(!TestProcess::binDir().isEmpty(), "WSSP_BIN_DIR is not set (run through ctest)");
    for (const char *name : { "sse-test-server", "ws-sse-proxy", "ws-test-client" })
        QVERIFY2(QFileInfo(TestProcess::program(QLatin1String(name))).isExecutable(), name);
    QVERIFY(m_dir.isValid());
    m_settingsPath = m_dir.filePath(QStringLiteral("settings.json"));
    // No stray ./settings.json from the source tree: every program reads only our file.
    for (TestProcess *process : { &m_server, &m_proxy, &m_client })
        process->setWorkingDirectory(m_dir.path());
}

bool TstEndToEnd::writeSettings(int proxyPort, int serverPort)
{
    QFile file(m_settingsPath);
    const QByteArray json = settingsJson(proxyPort, serverPort);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) && file.write(json) == json.size();
}

quint16 TstEndToEnd::startServer(
    TestProcess &process, const QString &name, const QRegularExpression &listening)
{
    process.start(TestProcess::program(name), { QStringLiteral("--settings"), m_settingsPath });
    return process.waitForPort(listening, startMs);
}

// Every test gets a fresh server and proxy started from one settings file with port 0; the
// file then gets the real ports for the client.
void TstEndToEnd::init()
{
    QVERIFY(writeSettings(0, 0));
    m_startedAtMs = QDateTime::currentMSecsSinceEpoch();
    m_serverPort = startServer(m_server, QStringLiteral("sse-test-server"),
        QRegularExpression(
            QStringLiteral("^🚀 Test SSE Server listening on http://127\\.0\\.0\\.1:(\\d+) ")));
    QVERIFY(m_serverPort != 0);
    m_proxyPort = startServer(m_proxy, QStringLiteral("ws-sse-proxy"),
        QRegularExpression(
            QStringLiteral("^ws-sse-proxy \\S+ listening on ws://127\\.0\\.0\\.1:(\\d+)/proxy\n")));
    QVERIFY(m_proxyPort != 0);
    QVERIFY(writeSettings(m_proxyPort, m_serverPort));
}

void TstEndToEnd::cleanup()
{
    for (TestProcess *process : { &m_client, &m_proxy, &m_server })
        process->kill(); // the next start() drops this run's output
}

bool TstEndToEnd::runClient(const QStringList &arguments)
{
    m_client.start(TestProcess::program(QStringLiteral("ws-test-client")),
        QStringList { QStringLiteral("--settings"), m_settingsPath } + arguments);
    // The wait runs the event loop, so the server's and proxy's pipes are drained meanwhile.
    if (!m_client.waitForFinished(runMs)) {
        qWarning("ws-test-client still running after %d ms; %s", runMs,
            m_client.describeOutput().constData());
        return false;
    }
    return m_client.exitStatus() == QProcess::NormalExit;
}

bool TstEndToEnd::terminatesCleanly(TestProcess &process, const char *name)
{
    QElapsedTimer clock;
    clock.start();
    if (!process.terminate(shutdownMs)) { // SIGTERM
        qWarning("%s still running %d ms after SIGTERM", name, shutdownMs);
        return false;
    }
    qInfo("%s exited %d %lld ms after SIGTERM", name, process.exitCode(), clock.elapsed());
    return process.exitedCleanly();
}

// The default mode of ws-test-client: three echo requests through the proxy. Its transcript
// must be PROTOCOL.md §8 line for line, ids being the only variable part.
void TstEndToEnd::echoTranscript()
{
    QVERIFY(runClient({}));
    QCOMPARE(m_client.exitCode(), 0);
    QCOMPARE(QString::fromUtf8(m_client.standardError()), QString());
    const qint64 finishedAtMs = QDateTime::currentMSecsSinceEpoch();

    const QString idPattern = QStringLiteral("echo-(\\d{13})-");
    QStringList expected { exactly(QStringLiteral("✅ Connected to Proxy WebSocket")),
        exactly(QStringLiteral("📋 Sending 3 messages")) };
    const char *const names[] = { "message", "user-message", "final-message" };
    for (int i = 1; i <= 3; ++i) {
        const QString text = QStringLiteral("Hello Server! #%1").arg(i);
        expected << exactly(QStringLiteral("📤 #%1: %2").arg(i).arg(text))
                 << exactly(QStringLiteral("✅ Connected to server (200)"));
        for (int n = 1; n <= 3; ++n) {
            expected << exactly(
                QStringLiteral("📥 SSE Event [%1]:").arg(QLatin1String(names[n - 1])))
                     << QString(
                            exactly(QStringLiteral("   🆔 ID: ")) + idPattern + QString::number(n));
            if (n == 3)
                expected << exactly(QStringLiteral("   🔄 Retry: 5000ms"));
            expected << exactly(QStringLiteral("   📝 Data: Echo %1/3: %2").arg(n).arg(text));
        }
        expected << exactly(QStringLiteral("🔚 Server closed: Server closed connection normally."));
    }
    expected << exactly(QStringLiteral("✅ Sent 3 messages. Test complete."));

    const QString transcript = QString::fromUtf8(m_client.standardOutput());
    QVERIFY2(transcript.endsWith(u'\n'), qPrintable(transcript));
    const QStringList lines = transcript.chopped(1).split(u'\n');
    QVERIFY2(lines.size() == expected.size(), qPrintable(transcript));
    QStringList ids; // in order: request 1 events 1..3, request 2 ...
    for (qsizetype i = 0; i < lines.size(); ++i) {
        const QRegularExpression line(QRegularExpression::anchoredPattern(expected.at(i)));
        const QRegularExpressionMatch match = line.match(lines.at(i));
        QVERIFY2(match.hasMatch(),
            qPrintable(QStringLiteral("line %1: \"%2\" does not match /%3/")
                           .arg(i + 1)
                           .arg(lines.at(i), expected.at(i))));
        if (match.lastCapturedIndex() == 1)
            ids << lines.at(i).mid(lines.at(i).indexOf(u"echo-"));
    }
    QCOMPARE(ids.size(), 9);

    // The ids' epoch-ms is when the server received each request: the same for the three
    // events of one request, within this run, and requests at least 2 x responseDelay +
    // sendDelay apart (the client never sends before `closed` and then pauses).
    qint64 previousEpoch = 0;
    for (int i = 0; i < 3; ++i) {
        const qint64 epoch = ids.at(i * 3).section(u'-', 1, 1).toLongLong();
        for (int n = 0; n < 3; ++n)
            QCOMPARE(ids.at(i * 3 + n), QStringLiteral("echo-%1-%2").arg(epoch).arg(n + 1));
        QVERIFY2(epoch >= m_startedAtMs && epoch <= finishedAtMs, qPrintable(ids.at(i * 3)));
        if (previousEpoch != 0)
            QVERIFY2(epoch - previousEpoch >= 2 * responseDelayMs + sendDelayMs,
                qPrintable(QStringLiteral("%1 ms between requests").arg(epoch - previousEpoch)));
        previousEpoch = epoch;
    }

    // The server logged each request and each event it sent, with the ids the client saw.
    QTRY_VERIFY(m_server.standardError().contains(ids.last().toUtf8()));
    const QString serverLog = QString::fromUtf8(m_server.standardError());
    for (int i = 1; i <= 3; ++i) {
        const QRegularExpression request(
            QStringLiteral("(?m)^.*#\\d+ 📨 POST /events from 127\\.0\\.0\\.1: Hello Server! #%1$")
                .arg(i));
        QCOMPARE(serverLog.count(request), 1);
        for (int n = 1; n <= 3; ++n) {
            const QString event
                = QStringLiteral("📤 [%1/3] %2 %3\n")
                      .arg(n)
                      .arg(QLatin1String(names[n - 1]), ids.at((i - 1) * 3 + n - 1));
            QVERIFY2(serverLog.count(event) == 1, qPrintable(event + u'\n' + serverLog));
        }
    }
    QCOMPARE(serverLog.count(QStringLiteral("📨")), 3);
    QCOMPARE(serverLog.count(QStringLiteral("📤 [")), 9);

    QVERIFY(terminatesCleanly(m_proxy, "ws-sse-proxy"));
    QVERIFY(terminatesCleanly(m_server, "sse-test-server"));
}

// Request mode with --json through the real proxy: each proxy message as one JSON line.
void TstEndToEnd::requestModeJson()
{
    QVERIFY(runClient({ QStringLiteral("--target"),
        QStringLiteral("http://127.0.0.1:%1/ticks?count=5&interval=20").arg(m_serverPort),
        QStringLiteral("--json") }));
    QCOMPARE(m_client.exitCode(), 0);
    QCOMPARE(QString::fromUtf8(m_client.standardError()), QString());
    const QList<QByteArray> lines = m_client.standardOutput().split('\n');
    QCOMPARE(lines.size(), 1 + 5 + 1 + 1); // connected, 5 events, closed, and the final '\n'
    QCOMPARE(lines.last(), QByteArray());

    const QJsonObject connected = QJsonDocument::fromJson(lines.at(0)).object();
    QCOMPARE(connected[u"type"].toString(), QStringLiteral("connected"));
    QCOMPARE(connected[u"payload"][u"status"].toInt(), 200);
    QCOMPARE(connected[u"payload"][u"headers"][u"content-type"].toString(),
        QStringLiteral("text/event-stream"));
    QCOMPARE(connected[u"payload"][u"headers"][u"x-server-name"].toString(),
        QStringLiteral("Test SSE Server"));
    for (int n = 1; n <= 5; ++n) {
        const QJsonObject event = QJsonDocument::fromJson(lines.at(n)).object();
        QCOMPARE(event[u"type"].toString(), QStringLiteral("sse-event"));
        const QJsonObject expected { { QStringLiteral("id"), QStringLiteral("tick-%1").arg(n) },
            { QStringLiteral("event"), QStringLiteral("tick") },
            { QStringLiteral("data"), QStringLiteral("tick %1").arg(n) } };
        QCOMPARE(event[u"payload"].toObject(), expected); // and no retry
    }
    QCOMPARE(lines.at(6),
        QByteArray(
            R"({"type":"closed","payload":{"reason":"Server closed connection normally."}})"));

    QVERIFY(terminatesCleanly(m_proxy, "ws-sse-proxy"));
    QVERIFY(terminatesCleanly(m_server, "sse-test-server"));
}

// Upstream failures through the real proxy: the proxy's messages in order, the error named on
// stderr as well, and a non-zero exit. The rows are the test server's workbench endpoints.
void TstEndToEnd::requestModeFailure_data()
{
    QTest::addColumn<QString>("target"); // path and query on the test server
    QTest::addColumn<QString>("sequence"); // message types, comma-separated
    QTest::addColumn<QString>("errorText"); // part of the error message
    QTest::addColumn<QString>("reason"); // of `closed`

    QTest::newRow("status 503") << QStringLiteral("/status?code=503")
                                << QStringLiteral("connected,error,closed")
                                << QStringLiteral("HTTP 503") << QStringLiteral("upstream error");
    QTest::newRow("not an event stream")
        << QStringLiteral("/plain") << QStringLiteral("connected,error,closed")
        << QStringLiteral("not text/event-stream") << QStringLiteral("upstream error");
    QTest::newRow("silence past proxy.sseTimeout")
        << QStringLiteral("/idle?interval=10000") << QStringLiteral("connected,error,closed")
        << QStringLiteral("proxy.sseTimeout") << QStringLiteral("timeout");
    // PROTOCOL.md §3: "reset mid-stream: error with a message that says which". The server
    // sends two events, half a third, then RST on a close-delimited body.
    QTest::newRow("reset mid-event") << QStringLiteral("/broken?after=2")
                                     << QStringLiteral("connected,sse-event,sse-event,error,closed")
                                     << QStringLiteral("mid-") << QStringLiteral("upstream error");
}

void TstEndToEnd::requestModeFailure()
{
    QFETCH(QString, target);
    QFETCH(QString, sequence);
    QFETCH(QString, errorText);
    QFETCH(QString, reason);
    QVERIFY(runClient({ QStringLiteral("--target"),
        QStringLiteral("http://127.0.0.1:%1%2").arg(m_serverPort).arg(target),
        QStringLiteral("--json") }));
    const QString out = QString::fromUtf8(m_client.standardOutput());
    const QString err = QString::fromUtf8(m_client.standardError());
    QVERIFY2(out.endsWith(u'\n'), qPrintable(out));
    QStringList types;
    QString message;
    QString closedReason;
    const QStringList lines = out.chopped(1).split(u'\n');
    for (const QString &line : lines) {
        const QJsonObject object = QJsonDocument::fromJson(line.toUtf8()).object();
        types << object[u"type"].toString();
        if (types.last() == u"error")
            message = object[u"payload"][u"message"].toString();
        if (types.last() == u"closed")
            closedReason = object[u"payload"][u"reason"].toString();
    }
    QVERIFY2(types.join(u',') == sequence, qPrintable(out + err));
    QVERIFY2(message.contains(errorText), qPrintable(message));
    QCOMPARE(closedReason, reason);
    QCOMPARE(m_client.exitCode(), 1);
    QCOMPARE(err, QStringLiteral("❌ Error: %1\n").arg(message)); // the proxy's words, once

    QVERIFY(terminatesCleanly(m_proxy, "ws-sse-proxy"));
    QVERIFY(terminatesCleanly(m_server, "sse-test-server"));
}

// Two streams on one socket with --reconnect: /ticks breaks every 100 ticks, the proxy resumes
// it with Last-Event-ID, and the client gets ticks 1..300 exactly once, in order, beside a
// second stream. A finite stream with reconnect ends with an error once the upstream stops
// sending (PROTOCOL.md §4: a clean end reconnects too; --reconnect-max-attempts 1 keeps that
// short), so the run exits 1 after both streams are closed.
void TstEndToEnd::streamsResumeOverBreaks()
{
    const QString base = QStringLiteral("http://127.0.0.1:%1").arg(m_serverPort);
    QVERIFY(runClient({ QStringLiteral("--target"),
        QStringLiteral("long=%1/ticks?interval=0&count=300&breakAfter=100").arg(base),
        QStringLiteral("--target"), QStringLiteral("%1/ticks?interval=0&count=5").arg(base),
        QStringLiteral("--reconnect-max-attempts"), QStringLiteral("1"),
        QStringLiteral("--reconnect-max-delay"), QStringLiteral("10"), QStringLiteral("--json") }));
    const QString out = QString::fromUtf8(m_client.standardOutput());
    const QString err = QString::fromUtf8(m_client.standardError());
    QCOMPARE(m_client.exitCode(), 1);

    QMap<QString, QList<int>> ticks;
    QMap<QString, QStringList> resumedFrom; // lastEventId of each `reconnecting`
    QMap<QString, int> closed;
    const QStringList lines = out.chopped(1).split(u'\n');
    for (const QString &line : lines) {
        const QJsonObject object = QJsonDocument::fromJson(line.toUtf8()).object();
        const QString id = object[u"id"].toString();
        const QString type = object[u"type"].toString();
        QVERIFY2(closed.value(id) == 0, qPrintable(line)); // nothing after `closed`
        if (type == u"sse-event")
            ticks[id].append(object[u"payload"][u"data"].toString().sliced(5).toInt());
        else if (type == u"reconnecting")
            resumedFrom[id].append(object[u"payload"][u"lastEventId"].toString());
        else if (type == u"closed")
            ++closed[id];
    }
    QList<int> all;
    for (int n = 1; n <= 300; ++n)
        all.append(n);
    QCOMPARE(ticks.value(QStringLiteral("long")), all);
    QCOMPARE(ticks.value(QStringLiteral("2")), all.first(5));
    // Two breaks, then the clean end at 300, and the attempt after it is answered 204: done.
    QCOMPARE(resumedFrom.value(QStringLiteral("long")),
        QStringList({ QStringLiteral("tick-100"), QStringLiteral("tick-200"),
            QStringLiteral("tick-300") }));
    QCOMPARE(closed.value(QStringLiteral("long")), 1);
    QCOMPARE(closed.value(QStringLiteral("2")), 1);
    QCOMPARE(err.count(QStringLiteral(
                 "upstream answered HTTP 204 No Content: the stream asks not to be reconnected")),
        2);
    QVERIFY2(err.startsWith(QStringLiteral("[")), qPrintable(err)); // each error names its stream

    QVERIFY(terminatesCleanly(m_proxy, "ws-sse-proxy"));
    QVERIFY(terminatesCleanly(m_server, "sse-test-server"));
}

QTEST_GUILESS_MAIN(TstEndToEnd)
#include "tst_endtoend.moc"
