// Admission's pure rules, row by row: which browser origins an upgrade is admitted from.
// (tst_proxysecurity checks the same rules through a running proxy.)
#include "admission.h"
#include "eventdispatchermain.h"

#include <QTest>

class TestAdmission : public QObject
{
    Q_OBJECT

private slots:
    void originAllowed_data();
    void originAllowed();
};

void TestAdmission::originAllowed_data()
{
    QTest::addColumn<QByteArray>("origin");
    QTest::addColumn<QByteArray>("host");
    QTest::addColumn<QList<QByteArray>>("allowed");
    QTest::addColumn<bool>("admitted");
    const QList<QByteArray> none;
    QTest::newRow("no Origin: not a browser")
        << QByteArray() << QByteArray("a.example") << none << true;
    QTest::newRow("same origin, IPv4")
        << QByteArray("http://127.0.0.1:3001") << QByteArray("127.0.0.1:3001") << none << true;
    QTest::newRow("same origin, IPv6")
        << QByteArray("http://[::1]:3001") << QByteArray("[::1]:3001") << none << true;
    QTest::newRow("same origin, localhost")
        << QByteArray("http://localhost:3001") << QByteArray("localhost:3001") << none << true;
    QTest::newRow("same origin, a .localhost name")
        << QByteArray("http://app.localhost:3001") << QByteArray("app.localhost:3001") << none
        << true;
    QTest::newRow("same origin, default port")
        << QByteArray("https://10.0.0.5") << QByteArray("10.0.0.5") << none << true;
    // DNS rebinding: the attacker's name now resolves to the proxy, so the page's origin matches
    // Host. Only an operator who lists the origin trusts the name.
    QTest::newRow("rebinding: a DNS name as Host")
        << QByteArray("http://rebind.attacker.example:3001")
        << QByteArray("rebind.attacker.example:3001") << none << false;
    QTest::newRow("a DNS name, listed")
        << QByteArray("https://proxy.example") << QByteArray("proxy.example")
        << QList<QByteArray> { "https://proxy.example" } << true;
    QTest::newRow("a name ending in localhost is not .localhost")
        << QByteArray("http://evillocalhost:3001") << QByteArray("evillocalhost:3001") << none
        << false;
    QTest::newRow("other port") << QByteArray("http://127.0.0.1:1") << QByteArray("127.0.0.1:3001")
                                << none << false;
    QTest::newRow("other scheme's default port")
        << QByteArray("https://127.0.0.1") << QByteArray("127.0.0.1:80") << none << false;
    QTest::newRow("foreign page") << QByteArray("https://evil.example")
                                  << QByteArray("127.0.0.1:3001") << none << false;
    QTest::newRow("no Host") << QByteArray("http://127.0.0.1:3001") << QByteArray() << none
                             << false;
    QTest::newRow("any") << QByteArray("https://evil.example") << QByteArray("127.0.0.1:3001")
                         << QList<QByteArray> { "*" } << true;
    QTest::newRow("null origin") << QByteArray("null") << QByteArray("127.0.0.1:3001") << none
                                 << false;
}

void TestAdmission::originAllowed()
{
    QFETCH(QByteArray, origin);
    QFETCH(QByteArray, host);
    QFETCH(QList<QByteArray>, allowed);
    QFETCH(bool, admitted);
    QByteArray text = "GET /proxy HTTP/1.1\r\n";
    if (!host.isEmpty())
        text += "Host: " + host + "\r\n";
    if (!origin.isEmpty())
        text += "Origin: " + origin + "\r\n";
    text += "\r\n";
    HttpRequestHead head;
    QString error;
    QCOMPARE(HttpRequestHead::parse(text, &head, &error), HttpRequestHead::Status::Complete);
    QCOMPARE(Admission::originAllowed(head, allowed), admitted);
}

WSSP_TEST_MAIN(TestAdmission)
#include "tst_admission.moc"
