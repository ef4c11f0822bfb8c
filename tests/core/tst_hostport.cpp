// One way to write hosts and ports (HostPort, for URLs and messages) and one meaning of a
// listen host (ListenAddresses) for every program of the suite; PeerAddress shows a client.

#include "hostport.h"
#include "listenaddresses.h"
#include "peeraddress.h"

#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include <memory>

class TestHostPort : public QObject
{
    Q_OBJECT

private slots:
    void urlHostAndJoin_data();
    void urlHostAndJoin();
    void reachableHost_data();
    void reachableHost();
    void peerAddress();
    void resolve_data();
    void resolve();
    void unresolvableName();
    void listensOnEveryAddressOnOnePort();
    void wildcardIsDualStack();
    void portInUseNamesHostAndPort();
};

void TestHostPort::urlHostAndJoin_data()
{
    QTest::addColumn<QString>("host");
    QTest::addColumn<QString>("urlHost");
    QTest::addColumn<QString>("joined");
    QTest::newRow("name") << "example.com"
                          << "example.com"
                          << "example.com:80";
    QTest::newRow("IPv4") << "127.0.0.1"
                          << "127.0.0.1"
                          << "127.0.0.1:80";
    QTest::newRow("IPv6") << "::1"
                          << "[::1]"
                          << "[::1]:80";
    QTest::newRow("IPv6 bracketed already") << "[fe80::1]"
                                            << "[fe80::1]"
                                            << "[fe80::1]:80";
    QTest::newRow("mapped IPv6") << "::ffff:10.0.0.1"
                                 << "[::ffff:10.0.0.1]"
                                 << "[::ffff:10.0.0.1]:80";
}

void TestHostPort::urlHostAndJoin()
{
    QFETCH(QString, host);
    QFETCH(QString, urlHost);
    QFETCH(QString, joined);
    QCOMPARE(HostPort::urlHost(host), urlHost);
    QCOMPARE(HostPort::join(host, 80), joined);
}

void TestHostPort::reachableHost_data()
{
    QTest::addColumn<QString>("listen");
    QTest::addColumn<QString>("reach");
    for (const char *wildcard : { "", "*", "0.0.0.0", "::", " * " })
        QTest::newRow(qPrintable(QStringLiteral("wildcard '%1'").arg(QLatin1String(wildcard))))
            << QString::fromLatin1(wildcard) << "localhost";
    QTest::newRow("loopback") << "127.0.0.1"
                              << "127.0.0.1";
    QTest::newRow("IPv6") << "::1"
                          << "::1";
    QTest::newRow("name") << "proxy.internal"
                          << "proxy.internal";
}

void TestHostPort::reachableHost()
{
    QFETCH(QString, listen);
    QFETCH(QString, reach);
    QCOMPARE(HostPort::reachableHost(listen), reach);
}

void TestHostPort::peerAddress()
{
    const QHostAddress mapped(QStringLiteral("::ffff:127.0.0.1"));
    QCOMPARE(PeerAddress::plain(mapped), QHostAddress(QStringLiteral("127.0.0.1")));
    QCOMPARE(PeerAddress::text(mapped, 5000), QStringLiteral("127.0.0.1:5000"));
    QCOMPARE(
        PeerAddress::text(QHostAddress(QStringLiteral("::1")), 5000), QStringLiteral("[::1]:5000"));
    QCOMPARE(
        PeerAddress::text(QHostAddress(QStringLiteral("10.1.2.3"))), QStringLiteral("10.1.2.3"));
    // "::" and "::1" are not IPv4-mapped, whatever toIPv4Address() makes of them.
    QCOMPARE(PeerAddress::text(QHostAddress(QStringLiteral("::"))), QStringLiteral("::"));
}

void TestHostPort::resolve_data()
{
    QTest::addColumn<QString>("host");
    QTest::addColumn<QList<QHostAddress>>("addresses");
    QTest::addColumn<bool>("extrasOptional");
    const QList<QHostAddress> loopbacks
        = { QHostAddress(QHostAddress::LocalHost), QHostAddress(QHostAddress::LocalHostIPv6) };
    QTest::newRow("empty") << "" << loopbacks << true;
    QTest::newRow("localhost") << "localhost" << loopbacks << true;
    QTest::newRow("LocalHost") << "LocalHost" << loopbacks << true;
    QTest::newRow("*") << "*" << QList<QHostAddress> { QHostAddress(QHostAddress::Any) } << false;
    QTest::newRow("::") << "::" << QList<QHostAddress> { QHostAddress(QHostAddress::Any) } << false;
    QTest::newRow("0.0.0.0") << "0.0.0.0"
                             << QList<QHostAddress> { QHostAddress(QHostAddress::AnyIPv4) }
                             << false;
    QTest::newRow("IPv4") << "127.0.0.2"
                          << QList<QHostAddress> { QHostAddress(QStringLiteral("127.0.0.2")) }
                          << false;
    QTest::newRow("IPv6") << "::1" << QList<QHostAddress> { QHostAddress(QStringLiteral("::1")) }
                          << false;
}

void TestHostPort::resolve()
{
    QFETCH(QString, host);
    QFETCH(QList<QHostAddress>, addresses);
    QFETCH(bool, extrasOptional);
    QString error;
    const std::optional<ListenAddresses::Plan> plan = ListenAddresses::resolve(host, &error);
    QVERIFY2(plan, qPrintable(error));
    QCOMPARE(plan->addresses, addresses);
    QCOMPARE(plan->extrasOptional, extrasOptional);
}

void TestHostPort::unresolvableName()
{
    QString error;
    QVERIFY(!ListenAddresses::resolve(QStringLiteral("nosuch.invalid"), &error));
    QVERIFY2(error.startsWith(QStringLiteral("cannot resolve host \"nosuch.invalid\": ")),
        qPrintable(error));
}

// "localhost" is both loopbacks on one port (port 0: the first picks it, the other follows),
// so a client that resolves localhost to either reaches the same listener.
void TestHostPort::listensOnEveryAddressOnOnePort()
{
    QString error;
    const auto plan = ListenAddresses::resolve(QStringLiteral("localhost"), &error);
    QVERIFY(plan);
    const QList<QTcpServer *> listeners = ListenAddresses::listen(
        *plan, 0, [] { return new QTcpServer; }, &error);
    const std::unique_ptr<QTcpServer> first(listeners.value(0));
    const std::unique_ptr<QTcpServer> second(listeners.value(1));
    QVERIFY2(!listeners.isEmpty(), qPrintable(error));
    QVERIFY(first->serverPort() != 0);
    if (second) // a machine without IPv6 listens on 127.0.0.1 only
        QCOMPARE(second->serverPort(), first->serverPort());
}

void TestHostPort::wildcardIsDualStack()
{
    QString error;
    const auto plan = ListenAddresses::resolve(QStringLiteral("*"), &error);
    QVERIFY(plan);
    const QList<QTcpServer *> listeners = ListenAddresses::listen(
        *plan, 0, [] { return new QTcpServer; }, &error);
    QCOMPARE(listeners.size(), 1);
    const std::unique_ptr<QTcpServer> listener(listeners.first());
    QTcpSocket v4;
    v4.connectToHost(QHostAddress(QHostAddress::LocalHost), listener->serverPort());
    QVERIFY(v4.waitForConnected(5000));
    QTcpSocket v6;
    v6.connectToHost(QHostAddress(QHostAddress::LocalHostIPv6), listener->serverPort());
    if (!v6.waitForConnected(5000))
        QCOMPARE(v6.error(), QAbstractSocket::NetworkError); // no IPv6 here: nothing else may fail
}

void TestHostPort::portInUseNamesHostAndPort()
{
    QTcpServer holder;
    QVERIFY(holder.listen(QHostAddress::LocalHost, 0));
    QString error;
    const auto plan = ListenAddresses::resolve(QStringLiteral("127.0.0.1"), &error);
    QVERIFY(plan);
    int made = 0;
    const QList<QTcpServer *> listeners = ListenAddresses::listen(
        *plan, holder.serverPort(),
        [&made] {
            ++made;
            return new QTcpServer;
        },
        &error);
    QVERIFY(listeners.isEmpty());
    QCOMPARE(made, 1); // a fixed port is not retried
    QCOMPARE(
        error, QStringLiteral("port %1 on 127.0.0.1 is already in use").arg(holder.serverPort()));
}

QTEST_GUILESS_MAIN(TestHostPort)
#include "tst_hostport.moc"
