// The browser client's files on the clients' listener (docs/BROWSER-CLIENT.md): what each
// answers (type, headers that keep the demo safe and the module importable), the demo page
// learning proxy.path, proxy.browserClient off, and that only GET is served. The browser itself
// is tests/browser/tst_browserclient.cpp.
#include "adminhttp.h"
#include "browserclientfiles.h"
#include "eventdispatchermain.h"
#include "proxytestbase.h"

#include <QFile>

class TestBrowserClientFiles : public ProxyTestBase
{
    Q_OBJECT

private slots:
    void compiledIn();
    void served_data();
    void served();
    void demoLearnsTheProxyPath();
    void onlyGet();
    void switchedOff();
};

void TestBrowserClientFiles::compiledIn()
{
    // qt_add_resources in a static library: the resources must reach the programs linking it.
    for (const char *name :
        { ":/browser/client.js", ":/browser/demo.html", ":/browser/demo.js", ":/browser/demo.css" })
        QVERIFY2(QFile::exists(QString::fromLatin1(name)), name);
    const BrowserClientFiles files("/proxy");
    QCOMPARE(files.paths().size(), 4);
}

void TestBrowserClientFiles::served_data()
{
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<QByteArray>("header");
    QTest::addColumn<QByteArray>("bodyPart");
    // Module scripts are fetched with CORS: without the header another origin cannot import it.
    QTest::newRow("module") << QByteArray("/client.js")
                            << QByteArray("text/javascript; charset=utf-8")
                            << QByteArray("Access-Control-Allow-Origin: *")
                            << QByteArray("export class SseProxy");
    // The page shows upstream data: scripts from this origin only, no framing by other sites.
    QTest::newRow("page") << QByteArray("/demo") << QByteArray("text/html; charset=utf-8")
                          << QByteArray(
                                 "Content-Security-Policy: default-src 'none'; script-src 'self';")
                          << QByteArray("<script type=\"module\" src=\"demo.js\">");
    QTest::newRow("page script") << QByteArray("/demo.js")
                                 << QByteArray("text/javascript; charset=utf-8")
                                 << QByteArray("X-Content-Type-Options: nosniff")
                                 << QByteArray("import { SseProxy } from \"./client.js\"");
    QTest::newRow("page style") << QByteArray("/demo.css") << QByteArray("text/css; charset=utf-8")
                                << QByteArray("X-Content-Type-Options: nosniff")
                                << QByteArray(":root");
}

void TestBrowserClientFiles::served()
{
    QFETCH(QByteArray, path);
    QFETCH(QByteArray, contentType);
    QFETCH(QByteArray, header);
    QFETCH(QByteArray, bodyPart);
    Settings settings;
    settings.proxy.authTokens = QStringList { QStringLiteral("secret") }; // files need none
    ProxyServer *proxy = startProxy(settings);
    const AdminResponse response = adminGet(proxy->port(), path);
    QCOMPARE(response.status, 200);
    const QByteArray headers = response.headers + "\r\n";
    QVERIFY2(headers.contains(QByteArray("\r\nContent-Type: " + contentType + "\r\n")), headers);
    QVERIFY2(headers.contains(QByteArray("\r\n" + header)), headers);
    QVERIFY(response.body.contains(bodyPart));
}

void TestBrowserClientFiles::demoLearnsTheProxyPath()
{
    Settings settings;
    settings.proxy.path = QStringLiteral("/streams\"<x>");
    ProxyServer *proxy = startProxy(settings);
    const AdminResponse response = adminGet(proxy->port(), "/demo");
    QCOMPARE(response.status, 200);
    QVERIFY2(response.body.contains(
                 "<meta name=\"ws-sse-proxy-path\" content=\"/streams&quot;&lt;x&gt;\">"),
        response.body);
    QVERIFY(!response.body.contains("@PROXY_PATH@"));
}

void TestBrowserClientFiles::onlyGet()
{
    ProxyServer *proxy = startProxy();
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, proxy->port());
    QVERIFY(socket.waitForConnected(5000));
    socket.write("POST /client.js HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n");
    QByteArray answer;
    QTRY_VERIFY_WITH_TIMEOUT((answer += socket.readAll()).contains("\r\n\r\n"), 5000);
    QVERIFY2(answer.startsWith("HTTP/1.1 404 "), answer);
}

void TestBrowserClientFiles::switchedOff()
{
    Settings settings;
    settings.proxy.browserClient = false;
    ProxyServer *proxy = startProxy(settings);
    for (const QByteArray path : { "/client.js", "/demo", "/demo.js", "/demo.css" }) {
        const AdminResponse response = adminGet(proxy->port(), path);
        QCOMPARE(response.status, 404);
        QCOMPARE(response.body, "no such endpoint: " + path + '\n');
    }
    QCOMPARE(adminGet(proxy->port(), "/healthz").status, 200); // the rest is untouched
}

WSSP_TEST_MAIN(TestBrowserClientFiles)
#include "tst_browserclientfiles.moc"
