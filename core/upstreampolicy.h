#pragma once

#include "ipaddress.h"

#include <QList>
#include <QString>
#include <QStringList>

#include <optional>
#include <variant>

// One entry of proxy.upstream.allow or .deny: a host name ("example.com", "*.example.com" for
// its subdomains), an IP address or a CIDR range, optionally followed by ":PORT" or
// ":LOW-HIGH" (an IPv6 address or range in brackets when a port follows: "[::1]:8081").
class UpstreamRule
{
public:
    // Errors say what is wrong with the entry: `"10.0.0.1/8" has bits set after the prefix`.
    static std::optional<UpstreamRule> parse(const QString &text, QString *error);

    // Whether a connection to `address`:`port`, asked for as `host`, falls under this rule.
    // A name rule matches the host name asked for; an address rule matches the address itself
    // or the IPv4 address it carries (IpAddress::embeddedIpv4).
    bool matches(const QString &host, const IpAddress &address, quint16 port) const;
    const QString &text() const { return m_text; }

private:
    bool matchesHost(const QString &host) const;

    QString m_text;
    std::variant<QString, IpRange> m_target; // a lower-case name, or a range
    bool m_subdomains = false; // "*.example.com"
    quint16 m_lowPort = 0; // 0..65535: every port
    quint16 m_highPort = 65535;
};

// Which upstream addresses clients may reach (docs/SECURITY.md): an explicit deny beats allow;
// allow beats the built-in default deny list; an allow list, once given, limits everything to
// it. The proxy checks every address a name resolves to, and connects only to checked ones.
class UpstreamPolicy
{
public:
    struct Verdict
    {
        bool allowed = true;
        QString reason; // why not: "proxy.upstream.deny 127.0.0.0/8", "not in proxy.upstream.allow"
    };

    // The default policy: default deny only.
    UpstreamPolicy() = default;
    // Errors name the list and the entry: `proxy.upstream.deny[2]: "10.0.0.0/33": ...`.
    static std::optional<UpstreamPolicy> create(
        const QStringList &allow, const QStringList &deny, QString *error);

    Verdict check(const QString &host, const IpAddress &address, quint16 port) const;

    // `upstream 127.0.0.1:22 is not allowed (proxy.upstream.deny 127.0.0.0/8)`; a name that
    // resolved to the address is named too: `upstream localhost:22 (127.0.0.1) is not ...`.
    static QString refusal(
        const QString &host, const IpAddress &address, quint16 port, const Verdict &verdict);

    // The ranges denied by default, each with what it is ("127.0.0.0/8 loopback").
    static const QList<std::pair<IpRange, QString>> &defaultDeny();

private:
    QList<UpstreamRule> m_allow;
    QList<UpstreamRule> m_deny;
};
