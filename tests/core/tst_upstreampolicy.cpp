// UpstreamPolicy and IpAddress (docs/SECURITY.md): rule syntax, the default deny list with every
// spelling that reaches a denied address (mapped, translated, compatible, NAT64, 6to4, Teredo),
// deny beating allow, allow beating the default, an allow list limiting everything, ports and
// subdomains, and the refusal's wording.

#include "upstreampolicy.h"

#include <QTest>

namespace {

IpAddress ip(const char *text)
{
    const std::optional<IpAddress> address = IpAddress::parse(QString::fromLatin1(text));
    if (!address)
        qFatal("bad test address %s", text);
    return *address;
}

UpstreamPolicy policy(const QStringList &allow, const QStringList &deny)
{
    QString error;
    const std::optional<UpstreamPolicy> made = UpstreamPolicy::create(allow, deny, &error);
    if (!made)
        qFatal("bad test policy: %s", qPrintable(error));
    return *made;
}

} // namespace

class TestUpstreamPolicy : public QObject
{
    Q_OBJECT

private slots:
    void embeddedIpv4_data();
    void embeddedIpv4();
    void defaultDeny_data();
    void defaultDeny();
    void rules_data();
    void rules();
    void badRules_data();
    void badRules();
    void refusalWording();
};

void TestUpstreamPolicy::embeddedIpv4_data()
{
    QTest::addColumn<QString>("address");
    QTest::addColumn<QString>("embedded"); // empty: none
    QTest::newRow("mapped") << "::ffff:127.0.0.1"
                            << "127.0.0.1";
    QTest::newRow("mapped hex") << "::ffff:7f00:1"
                                << "127.0.0.1";
    QTest::newRow("translated") << "::ffff:0:a9fe:a9fe"
                                << "169.254.169.254";
    QTest::newRow("compatible") << "::10.0.0.1"
                                << "10.0.0.1";
    QTest::newRow("nat64") << "64:ff9b::c0a8:101"
                           << "192.168.1.1";
    QTest::newRow("nat64 local") << "64:ff9b:1::a00:1"
                                 << "10.0.0.1";
    QTest::newRow("6to4") << "2002:7f00:1::1"
                          << "127.0.0.1";
    QTest::newRow("teredo") << "2001:0:4136:e378:8000:63bf:80ff:fffe"
                            << "127.0.0.1";
    QTest::newRow("public v6") << "2606:4700::1111"
                               << "";
    QTest::newRow("ipv4 itself") << "127.0.0.1"
                                 << "";
}

void TestUpstreamPolicy::embeddedIpv4()
{
    QFETCH(QString, address);
    QFETCH(QString, embedded);
    const std::optional<IpAddress> parsed = IpAddress::parse(address);
    QVERIFY(parsed);
    const std::optional<IpAddress> inner = parsed->embeddedIpv4();
    QCOMPARE(inner ? inner->toString() : QString(), embedded);
}

// Every address here is refused by the default policy, whatever its spelling.
void TestUpstreamPolicy::defaultDeny_data()
{
    QTest::addColumn<QString>("address");
    QTest::addColumn<bool>("allowed");
    const char *denied[] = {
        "127.0.0.1",
        "127.0.0.2",
        "127.255.255.254",
        "0.0.0.0",
        "0.1.2.3",
        "10.0.0.1",
        "10.255.255.255",
        "172.16.0.1",
        "172.31.255.255",
        "192.168.1.1",
        "100.64.0.1",
        "100.127.255.255",
        "169.254.169.254",
        "224.0.0.1",
        "239.255.255.250",
        "255.255.255.255",
        "240.0.0.1",
        "::",
        "::1",
        "fc00::1",
        "fd12:3456::1",
        "fe80::1",
        "febf::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "::ffff:169.254.169.254",
        "::127.0.0.1",
        "64:ff9b::7f00:1",
        "64:ff9b::a9fe:a9fe",
        "2002:a00:1::",
        "2002:a9fe:a9fe::1",
        "2001:0:4136:e378:8000:63bf:80ff:fffe",
        "::ffff:0:7f00:1",
    };
    for (const char *address : denied)
        QTest::newRow(address) << QString::fromLatin1(address) << false;
    const char *allowed[] = {
        "93.184.216.34",
        "1.1.1.1",
        "8.8.8.8",
        "172.32.0.1",
        "100.128.0.1",
        "11.0.0.1",
        "2606:4700::1111",
        "2a00:1450:4001::200e",
        "::ffff:93.184.216.34",
        "2002:5db8:d822::1",
        "64:ff9b::808:808",
    };
    for (const char *address : allowed)
        QTest::newRow(address) << QString::fromLatin1(address) << true;
}

void TestUpstreamPolicy::defaultDeny()
{
    QFETCH(QString, address);
    QFETCH(bool, allowed);
    const UpstreamPolicy::Verdict verdict
        = UpstreamPolicy().check(address, *IpAddress::parse(address), 80);
    QCOMPARE(verdict.allowed, allowed);
    if (!allowed)
        QVERIFY2(verdict.reason.startsWith(u"denied by default: "), qPrintable(verdict.reason));
}

void TestUpstreamPolicy::rules_data()
{
    QTest::addColumn<QStringList>("allow");
    QTest::addColumn<QStringList>("deny");
    QTest::addColumn<QString>("host");
    QTest::addColumn<QString>("address");
    QTest::addColumn<int>("port");
    QTest::addColumn<QString>("reason"); // empty: allowed

    const QStringList none;
    QTest::newRow("allow beats default") << QStringList { "127.0.0.1:8081" } << none << "127.0.0.1"
                                         << "127.0.0.1" << 8081 << "";
    QTest::newRow("allow limits the port")
        << QStringList { "127.0.0.1:8081" } << none << "127.0.0.1"
        << "127.0.0.1" << 22 << "not in proxy.upstream.allow";
    QTest::newRow("allow limits everything")
        << QStringList { "127.0.0.1:8081" } << none << "example.com"
        << "93.184.216.34" << 443 << "not in proxy.upstream.allow";
    QTest::newRow("deny beats allow")
        << QStringList { "127.0.0.0/8" } << QStringList { "127.0.0.1:22" } << "127.0.0.1"
        << "127.0.0.1" << 22 << "proxy.upstream.deny 127.0.0.1:22";
    QTest::newRow("deny a public range")
        << none << QStringList { "93.184.0.0/16" } << "example.com"
        << "93.184.216.34" << 443 << "proxy.upstream.deny 93.184.0.0/16";
    QTest::newRow("deny reaches mapped form")
        << none << QStringList { "93.184.216.34" } << "x"
        << "::ffff:93.184.216.34" << 80 << "proxy.upstream.deny 93.184.216.34";
    QTest::newRow("port range in") << QStringList { "[::1]:8000-8099" } << none << "::1"
                                   << "::1" << 8050 << "";
    QTest::newRow("port range out") << QStringList { "[::1]:8000-8099" } << none << "::1"
                                    << "::1" << 8100 << "not in proxy.upstream.allow";
    QTest::newRow("bracketed v6 without port") << QStringList { "[::1]" } << none << "::1"
                                               << "::1" << 1 << "";
    QTest::newRow("name allows what it resolves to")
        << QStringList { "localhost:8081" } << none << "localhost"
        << "127.0.0.1" << 8081 << "";
    QTest::newRow("name rule ignores other names")
        << QStringList { "localhost:8081" } << none << "evil.example"
        << "127.0.0.1" << 8081 << "not in proxy.upstream.allow";
    QTest::newRow("name case and trailing dot")
        << QStringList { "LocalHost" } << none << "localhost."
        << "127.0.0.1" << 1 << "";
    QTest::newRow("subdomain") << QStringList { "*.example.com:443" } << none
                               << "api.eu.example.com"
                               << "93.184.216.34" << 443 << "";
    QTest::newRow("subdomain is not the domain")
        << QStringList { "*.example.com" } << none << "example.com"
        << "93.184.216.34" << 443 << "not in proxy.upstream.allow";
    QTest::newRow("subdomain suffix trick")
        << QStringList { "*.example.com" } << none << "evilexample.com"
        << "93.184.216.34" << 443 << "not in proxy.upstream.allow";
    QTest::newRow("deny a name") << none << QStringList { "*.internal" } << "db.internal"
                                 << "93.184.216.34" << 5432 << "proxy.upstream.deny *.internal";
    QTest::newRow("v6 range") << QStringList { "fd00::/8" } << none << "fd00::5"
                              << "fd00::5" << 80 << "";
}

void TestUpstreamPolicy::rules()
{
    QFETCH(QStringList, allow);
    QFETCH(QStringList, deny);
    QFETCH(QString, host);
    QFETCH(QString, address);
    QFETCH(int, port);
    QFETCH(QString, reason);
    const UpstreamPolicy::Verdict verdict
        = policy(allow, deny).check(host, *IpAddress::parse(address), quint16(port));
    QCOMPARE(verdict.allowed, reason.isEmpty());
    QCOMPARE(verdict.reason, reason);
}

void TestUpstreamPolicy::badRules_data()
{
    QTest::addColumn<QString>("rule");
    QTest::addColumn<QString>("error");
    QTest::newRow("empty") << ""
                           << "no host, address or range";
    QTest::newRow("prefix too long") << "10.0.0.0/33"
                                     << "\"/33\" is not a prefix length from 0 to 32";
    QTest::newRow("v6 prefix too long") << "[fc00::/129]"
                                        << "\"/129\" is not a prefix length from 0 to 128";
    QTest::newRow("host bits")
        << "192.168.1.1/16"
        << "\"192.168.1.1/16\" has bits set after the prefix (did you mean 192.168.0.0/16?)";
    QTest::newRow("bad address") << "300.1.1.1"
                                 << "\"300.1.1.1\" is not an IP address";
    QTest::newRow("port zero") << "a.example:0"
                               << "\"0\" is not a port (1-65535) or a range LOW-HIGH";
    QTest::newRow("port range backwards") << "a.example:9-1"
                                          << "\"9-1\" is not a port (1-65535) or a range LOW-HIGH";
    QTest::newRow("empty port") << "a.example:"
                                << "\":\" without a port";
    QTest::newRow("unclosed bracket") << "[::1"
                                      << "\"[\" without \"]\"";
    QTest::newRow("junk after bracket") << "[::1]x"
                                        << "only \":PORT\" may follow \"]\"";
    QTest::newRow("bracketed v4") << "[127.0.0.1]"
                                  << "brackets are for IPv6 addresses only";
    QTest::newRow("bad name")
        << "exa mple.com"
        << "\"exa mple.com\" is not a host name, an IP address or a CIDR range";
    QTest::newRow("wildcard inside")
        << "a.*.com"
        << "\"a.*.com\" is not a host name, an IP address or a CIDR range";
}

void TestUpstreamPolicy::badRules()
{
    QFETCH(QString, rule);
    QFETCH(QString, error);
    QString actual;
    QVERIFY(!UpstreamRule::parse(rule, &actual));
    QCOMPARE(actual, error);
    QString listError;
    QVERIFY(!UpstreamPolicy::create({ QStringLiteral("ok.example"), rule }, {}, &listError));
    QCOMPARE(listError, QStringLiteral("proxy.upstream.allow[1]: \"%1\": %2").arg(rule, error));
}

void TestUpstreamPolicy::refusalWording()
{
    const UpstreamPolicy deny = policy({}, { QStringLiteral("127.0.0.0/8") });
    QCOMPARE(UpstreamPolicy::refusal(QStringLiteral("127.0.0.1"), ip("127.0.0.1"), 22,
                 deny.check(QStringLiteral("127.0.0.1"), ip("127.0.0.1"), 22)),
        QStringLiteral("upstream 127.0.0.1:22 is not allowed (proxy.upstream.deny 127.0.0.0/8)"));
    QCOMPARE(UpstreamPolicy::refusal(QStringLiteral("localhost"), ip("127.0.0.1"), 22,
                 deny.check(QStringLiteral("localhost"), ip("127.0.0.1"), 22)),
        QStringLiteral(
            "upstream localhost:22 (127.0.0.1) is not allowed (proxy.upstream.deny 127.0.0.0/8)"));
    QCOMPARE(UpstreamPolicy::refusal(QStringLiteral("::1"), ip("::1"), 80,
                 UpstreamPolicy().check(QStringLiteral("::1"), ip("::1"), 80)),
        QStringLiteral("upstream [::1]:80 is not allowed (denied by default: ::1/128, loopback; "
                       "see proxy.upstream.allow)"));
}

QTEST_GUILESS_MAIN(TestUpstreamPolicy)
#include "tst_upstreampolicy.moc"
