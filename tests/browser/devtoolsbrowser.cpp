#include "devtoolsbrowser.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTest>

namespace {

constexpr int startMs = 30000; // a cold start on a busy 2-core machine
constexpr int commandMs = 15000; // one DevTools command that is not a long script
constexpr int stopMs = 5000;
constexpr int pageLogLines = 200;

QString describe(const QJsonObject &remoteObject)
{
    if (remoteObject.contains(u"value"))
        return remoteObject.value(u"value").toVariant().toString();
    return remoteObject.value(u"description").toString(remoteObject.value(u"type").toString());
}

} // namespace

DevToolsBrowser::~DevToolsBrowser()
{
    stop();
}

QString DevToolsBrowser::executable()
{
    return QStandardPaths::findExecutable(QStringLiteral("chromium"));
}

bool DevToolsBrowser::start(QSize size, QString *error)
{
    const QString program = executable();
    if (program.isEmpty()) {
        *error = QStringLiteral(
            "chromium is not installed (scripts/setup.sh installs it: apt-get install chromium)");
        return false;
    }
    if (!m_profile.isValid()) {
        *error = QStringLiteral("cannot make a temporary profile directory");
        return false;
    }
    // --no-sandbox: the sandbox needs user namespaces, which containers and CI runners often
    // lack, and the browser only ever loads our own pages. --remote-debugging-port=0: a free
    // port, announced on stderr. The rest keeps a throw-away browser quiet and off the network.
    const QStringList arguments {
        QStringLiteral("--headless=new"),
        QStringLiteral("--no-sandbox"),
        QStringLiteral("--remote-debugging-port=0"),
        QStringLiteral("--user-data-dir=") + m_profile.path(),
        QStringLiteral("--window-size=%1,%2").arg(size.width()).arg(size.height()),
        QStringLiteral("--hide-scrollbars"),
        QStringLiteral("--no-first-run"),
        QStringLiteral("--no-default-browser-check"),
        QStringLiteral("--no-proxy-server"),
        QStringLiteral("--disable-dev-shm-usage"),
        QStringLiteral("--disable-extensions"),
        QStringLiteral("--disable-background-networking"),
        QStringLiteral("--disable-component-update"),
        QStringLiteral("--disable-sync"),
        QStringLiteral("--mute-audio"),
        QStringLiteral("about:blank"),
    };
    m_process.start(program, arguments);
    static const QRegularExpression listening(
        QStringLiteral("DevTools listening on (ws://\\S+)\\s"));
    const QRegularExpressionMatch match
        = m_process.waitForOutput(listening, startMs, TestProcess::Channel::StandardError);
    if (!match.hasMatch()) {
        *error = QStringLiteral(
            "chromium did not announce its DevTools endpoint (%1); its stderr ends:\n%2")
                     .arg(m_process.isRunning()
                             ? QStringLiteral("timeout")
                             : QStringLiteral("it exited: %1").arg(m_process.errorString()),
                         QString::fromUtf8(m_process.standardError().right(2000)));
        return false;
    }
    // Without an Origin header (QWebSocket sends none by default) Chromium needs no
    // --remote-allow-origins.
    connect(&m_socket, &QWebSocket::textMessageReceived, this, &DevToolsBrowser::onMessage);
    m_socket.open(QUrl(match.captured(1)));
    if (!QTest::qWaitFor(
            [this]() { return m_socket.state() == QAbstractSocket::ConnectedState; }, startMs)) {
        *error = QStringLiteral("cannot connect to %1: %2")
                     .arg(match.captured(1), m_socket.errorString());
        return false;
    }
    const auto target = call(QStringLiteral("Target.createTarget"),
        { { QStringLiteral("url"), QStringLiteral("about:blank") } }, commandMs, error, false);
    if (!target)
        return false;
    // flatten: the page's commands and events travel on this socket, tagged with the session.
    const auto session = call(QStringLiteral("Target.attachToTarget"),
        { { QStringLiteral("targetId"), target->value(u"targetId") },
            { QStringLiteral("flatten"), true } },
        commandMs, error, false);
    if (!session)
        return false;
    m_sessionId = session->value(u"sessionId").toString();
    // Log: what the browser itself reports about the page (a refused resource, a Content
    // Security Policy violation), beside the page's own console.
    return call(QStringLiteral("Page.enable"), {}, commandMs, error)
        && call(QStringLiteral("Runtime.enable"), {}, commandMs, error)
        && call(QStringLiteral("Log.enable"), {}, commandMs, error);
}

bool DevToolsBrowser::navigate(const QUrl &url, QString *error)
{
    const int before = m_loadEvents;
    m_pageLog.clear(); // what the previous page said is not this one's
    const auto result = call(QStringLiteral("Page.navigate"),
        { { QStringLiteral("url"), url.toString() } }, commandMs, error);
    if (!result)
        return false;
    if (result->contains(u"errorText")) {
        *error = QStringLiteral("cannot load %1: %2")
                     .arg(url.toString(), result->value(u"errorText").toString());
        return false;
    }
    if (!QTest::qWaitFor([&]() { return m_loadEvents > before; }, commandMs)) {
        *error = QStringLiteral("%1 did not finish loading").arg(url.toString());
        return false;
    }
    return true;
}

std::optional<QJsonValue> DevToolsBrowser::evaluate(
    const QString &expression, int timeoutMs, QString *error)
{
    const auto result = call(QStringLiteral("Runtime.evaluate"),
        { { QStringLiteral("expression"), expression }, { QStringLiteral("awaitPromise"), true },
            { QStringLiteral("returnByValue"), true } },
        timeoutMs, error);
    if (!result)
        return std::nullopt;
    if (result->contains(u"exceptionDetails")) {
        const QJsonObject details = result->value(u"exceptionDetails").toObject();
        *error = QStringLiteral("the page threw: ")
            + describe(details.value(u"exception").toObject()) + u" ("
            + details.value(u"text").toString() + u')';
        return std::nullopt;
    }
    return result->value(u"result").toObject().value(u"value");
}

QByteArray DevToolsBrowser::screenshot(QString *error)
{
    const auto result = call(QStringLiteral("Page.captureScreenshot"),
        { { QStringLiteral("format"), QStringLiteral("png") } }, commandMs, error);
    if (!result)
        return {};
    return QByteArray::fromBase64(result->value(u"data").toString().toLatin1());
}

void DevToolsBrowser::stop()
{
    if (!m_process.isRunning())
        return;
    if (m_socket.state() == QAbstractSocket::ConnectedState) {
        // No reply to wait for: the browser closes this socket as it goes.
        const QJsonObject message { { QStringLiteral("id"), m_nextId++ },
            { QStringLiteral("method"), QStringLiteral("Browser.close") } };
        m_socket.sendTextMessage(
            QString::fromUtf8(QJsonDocument(message).toJson(QJsonDocument::Compact)));
        m_socket.flush();
    }
    if (!m_process.waitForFinished(stopMs) && !m_process.terminate(stopMs))
        m_process.kill();
    m_socket.abort();
}

std::optional<QJsonObject> DevToolsBrowser::call(
    const QString &method, const QJsonObject &params, int timeoutMs, QString *error, bool toPage)
{
    const int id = m_nextId++;
    QJsonObject message { { QStringLiteral("id"), id }, { QStringLiteral("method"), method },
        { QStringLiteral("params"), params } };
    if (toPage)
        message.insert(QStringLiteral("sessionId"), m_sessionId);
    m_socket.sendTextMessage(
        QString::fromUtf8(QJsonDocument(message).toJson(QJsonDocument::Compact)));
    const bool answered = QTest::qWaitFor(
        [&]() {
            return m_replies.contains(id) || m_socket.state() != QAbstractSocket::ConnectedState;
        },
        timeoutMs);
    if (!m_replies.contains(id)) {
        *error = answered ? QStringLiteral("%1: the DevTools connection closed").arg(method)
                          : QStringLiteral("%1: no answer within %2 ms").arg(method).arg(timeoutMs);
        return std::nullopt;
    }
    const QJsonObject reply = m_replies.take(id);
    if (reply.contains(u"error")) {
        *error = method + u": " + reply.value(u"error").toObject().value(u"message").toString();
        return std::nullopt;
    }
    return reply.value(u"result").toObject();
}

void DevToolsBrowser::onMessage(const QString &text)
{
    const QJsonObject message = QJsonDocument::fromJson(text.toUtf8()).object();
    if (message.contains(u"id"))
        m_replies.insert(message.value(u"id").toInt(), message);
    else if (message.value(u"sessionId").toString() == m_sessionId)
        onEvent(message.value(u"method").toString(), message.value(u"params").toObject());
}

void DevToolsBrowser::onEvent(const QString &method, const QJsonObject &params)
{
    if (method == u"Page.loadEventFired") {
        ++m_loadEvents;
    } else if (method == u"Runtime.consoleAPICalled") {
        QStringList parts;
        const QJsonArray args = params.value(u"args").toArray();
        for (const QJsonValue &arg : args)
            parts.append(describe(arg.toObject()));
        m_pageLog.append(u"console." + params.value(u"type").toString() + u": " + parts.join(u' '));
    } else if (method == u"Log.entryAdded") {
        const QJsonObject entry = params.value(u"entry").toObject();
        const QString level = entry.value(u"level").toString();
        if (level != u"warning" && level != u"error")
            return; // "verbose" and "info" are advice, such as autocomplete hints
        m_pageLog.append(u"browser " + entry.value(u"level").toString() + u": "
            + entry.value(u"text").toString() + u' ' + entry.value(u"url").toString());
    } else if (method == u"Runtime.exceptionThrown") {
        const QJsonObject details = params.value(u"exceptionDetails").toObject();
        m_pageLog.append(u"uncaught: " + describe(details.value(u"exception").toObject()));
    }
    while (m_pageLog.size() > pageLogLines)
        m_pageLog.removeFirst();
}
