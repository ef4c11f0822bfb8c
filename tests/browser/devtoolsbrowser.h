#pragma once

#include "testprocess.h"

#include <QHash>
#include <QJsonObject>
#include <QJsonValue>
#include <QObject>
#include <QSize>
#include <QStringList>
#include <QTemporaryDir>
#include <QUrl>
#include <QWebSocket>

#include <optional>

// A headless Chromium with one page, driven over the Chrome DevTools Protocol
// (https://chromedevtools.github.io/devtools-protocol/) on a QWebSocket: enough to load a page,
// run a script in it (awaiting its promise) and take a screenshot. The browser runs with a
// throw-away profile, picks its own DevTools port (printed on stderr), and is closed with the
// object. Every wait is bounded and spins the event loop, so servers in the same process keep
// serving while the test waits for the page.
class DevToolsBrowser : public QObject
{
    Q_OBJECT

public:
    ~DevToolsBrowser() override;

    // Debian's chromium on PATH, or empty.
    static QString executable();

    // Starts the browser with a window of `size`, connects and opens a page. False with `error`
    // saying what failed (including the browser's last words on stderr).
    bool start(QSize size, QString *error);
    // Loads `url` in the page and waits for its load event.
    bool navigate(const QUrl &url, QString *error);
    // Evaluates `expression` in the page; a promise is awaited. The result's JSON value, or
    // nullopt with `error` (the exception's text, or a timeout).
    std::optional<QJsonValue> evaluate(const QString &expression, int timeoutMs, QString *error);
    // The page's viewport as PNG bytes, or empty with `error`.
    QByteArray screenshot(QString *error);
    // What the page printed to its console, its uncaught exceptions and the browser's warnings
    // and errors about it (a refused resource, a Content Security Policy violation), one per
    // line, since the last navigate().
    QString pageLog() const { return m_pageLog.join(u'\n'); }
    // Closes the browser (politely, then not); also done by the destructor.
    void stop();

private:
    // One command; `toPage` sends it to the page's session, else to the browser.
    std::optional<QJsonObject> call(const QString &method, const QJsonObject &params, int timeoutMs,
        QString *error, bool toPage = true);
    void onMessage(const QString &text);
    void onEvent(const QString &method, const QJsonObject &params);

    TestProcess m_process;
    QTemporaryDir m_profile;
    QWebSocket m_socket;
    QString m_sessionId;
    int m_nextId = 1;
    QHash<int, QJsonObject> m_replies;
    int m_loadEvents = 0;
    QStringList m_pageLog;
};
