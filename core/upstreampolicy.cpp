#include "upstreampolicy.h"

namespace {

bool isNameCharacter(QChar c)
{
    return (c >= u'a' && c <= u'z') || (c >= u'0' && c <= u'9') || c == u'-' || c == u'.'
        || c == u'_';
}

// "8081" or "8000-8099" into [low, high]; false when it is neither.
bool parsePorts(QStringView text, quint16 *low, quint16 *high)
{
    const qsizetype dash = text.indexOf(u'-');
    const auto number = [](QStringView digits, quint16 *out) {
        bool ok = !digits.isEmpty() && digits.size() <= 5;
        for (QChar c : digits)
            ok = ok && c >= u'0' && c <= u'9';
        const int value = ok ? digits.toInt() : -1;
        if (value < 1 || value > 65535)
            return false;
        *out = quint16(value);
        return true;
    };
    if (dash < 0)
        return number(text, low) && number(text, high);
    return number(text.first(dash), low) && number(text.sliced(dash + 1), high) && *low <= *high;
}

// The candidates a connection to `address` reaches: the address, and the IPv4 address it
// carries when it is a mapped, translated, NAT64, 6to4 or Teredo form.
QList<IpAddress> reachedAddresses(const IpAddress &address)
{
    QList<IpAddress> candidates { address };
    if (const std::optional<IpAddress> ipv4 = address.embeddedIpv4())
        candidates.append(*ipv4);
    return candidates;
}

QString normalizedHost(const QString &host)
{
    QString lower = host.toLower();
    if (lower.endsWith(u'.'))
        lower.chop(1);
    return lower;
}

} // namespace

std::optional<UpstreamRule> UpstreamRule::parse(const QString &text, QString *error)
{
    UpstreamRule rule;
    rule.m_text = text;
    QStringView target = text;
    QStringView ports;
    if (target.startsWith(u'[')) {
        const qsizetype close = target.indexOf(u']');
        if (close < 0) {
            *error = QStringLiteral("\"[\" without \"]\"");
            return std::nullopt;
        }
        const QStringView after = target.sliced(close + 1);
        if (!after.isEmpty() && !after.startsWith(u':')) {
            *error = QStringLiteral("only \":PORT\" may follow \"]\"");
            return std::nullopt;
        }
        ports = after.isEmpty() ? QStringView() : after.sliced(1);
        target = target.sliced(1, close - 1);
        if (!target.contains(u':')) {
            *error = QStringLiteral("brackets are for IPv6 addresses only");
            return std::nullopt;
        }
    } else if (target.count(u':') == 1) {
        const qsizetype colon = target.indexOf(u':');
        ports = target.sliced(colon + 1);
        target = target.first(colon);
        if (ports.isEmpty()) {
            *error = QStringLiteral("\":\" without a port");
            return std::nullopt;
        }
    }
    if (!ports.isNull() && !parsePorts(ports, &rule.m_lowPort, &rule.m_highPort)) {
        *error = QStringLiteral("\"%1\" is not a port (1-65535) or a range LOW-HIGH").arg(ports);
        return std::nullopt;
    }
    if (target.isEmpty()) {
        *error = QStringLiteral("no host, address or range");
        return std::nullopt;
    }

    const bool looksNumeric = target.contains(u':') || target.contains(u'/')
        || std::all_of(target.cbegin(), target.cend(),
            [](QChar c) { return (c >= u'0' && c <= u'9') || c == u'.'; });
    if (looksNumeric) {
        std::optional<IpRange> range = IpRange::parse(target, error);
        if (!range)
            return std::nullopt;
        rule.m_target = *range;
        return rule;
    }
    QString name = normalizedHost(target.toString());
    if (name.startsWith(QStringLiteral("*."))) {
        rule.m_subdomains = true;
        name.remove(0, 2);
    }
    if (name.isEmpty() || name.startsWith(u'.') || name.contains(QStringLiteral(".."))
        || !std::all_of(name.cbegin(), name.cend(), isNameCharacter)) {
        *error = QStringLiteral("\"%1\" is not a host name, an IP address or a CIDR range")
                     .arg(target);
        return std::nullopt;
    }
    rule.m_target = name;
    return rule;
}

bool UpstreamRule::matches(const QString &host, const IpAddress &address, quint16 port) const
{
    if (port < m_lowPort || port > m_highPort)
        return false;
    if (const IpRange *range = std::get_if<IpRange>(&m_target)) {
        const QList<IpAddress> candidates = reachedAddresses(address);
        return std::any_of(candidates.cbegin(), candidates.cend(),
            [range](const IpAddress &a) { return range->contains(a); });
    }
    return matchesHost(host);
}

bool UpstreamRule::matchesHost(const QString &host) const
{
    const QString &name = std::get<QString>(m_target);
    const QString asked = normalizedHost(host);
    if (m_subdomains)
        return asked.size() > name.size() + 1 && asked.endsWith(name)
            && asked.at(asked.size() - name.size() - 1) == u'.';
    return asked == name;
}

std::optional<UpstreamPolicy> UpstreamPolicy::create(
    const QStringList &allow, const QStringList &deny, QString *error)
{
    UpstreamPolicy policy;
    const auto parseList
        = [error](const QStringList &texts, const char *name, QList<UpstreamRule> *rules) {
              for (qsizetype i = 0; i < texts.size(); ++i) {
                  QString reason;
                  std::optional<UpstreamRule> rule = UpstreamRule::parse(texts.at(i), &reason);
                  if (!rule) {
                      *error = QStringLiteral("%1[%2]: \"%3\": %4")
                                   .arg(QLatin1String(name))
                                   .arg(i)
                                   .arg(texts.at(i), reason);
                      return false;
                  }
                  rules->append(*rule);
              }
              return true;
          };
    if (!parseList(allow, "proxy.upstream.allow", &policy.m_allow)
        || !parseList(deny, "proxy.upstream.deny", &policy.m_deny))
        return std::nullopt;
    return policy;
}

UpstreamPolicy::Verdict UpstreamPolicy::check(
    const QString &host, const IpAddress &address, quint16 port) const
{
    for (const UpstreamRule &rule : m_deny) {
        if (rule.matches(host, address, port))
            return { false, QStringLiteral("proxy.upstream.deny ") + rule.text() };
    }
    for (const UpstreamRule &rule : m_allow) {
        if (rule.matches(host, address, port))
            return { true, QString() };
    }
    if (!m_allow.isEmpty())
        return { false, QStringLiteral("not in proxy.upstream.allow") };
    const QList<IpAddress> candidates = reachedAddresses(address);
    // The address itself first, so that ::1 is named as loopback, not as the 0.0.0.1 it carries.
    for (const IpAddress &candidate : candidates) {
        for (const auto &[range, what] : defaultDeny()) {
            if (range.contains(candidate))
                return { false,
                    QStringLiteral("denied by default: %1, %2; see proxy.upstream.allow")
                        .arg(range.toString(), what) };
        }
    }
    return { true, QString() };
}

QString UpstreamPolicy::refusal(
    const QString &host, const IpAddress &address, quint16 port, const Verdict &verdict)
{
    const QString withPort = u':' + QString::number(port);
    QString what;
    if (!IpAddress::parse(host))
        what = host + withPort + QStringLiteral(" (") + address.toString() + u')';
    else if (address.isIpv4())
        what = address.toString() + withPort;
    else
        what = u'[' + address.toString() + u']' + withPort;
    return QStringLiteral("upstream %1 is not allowed (%2)").arg(what, verdict.reason);
}

const QList<std::pair<IpRange, QString>> &UpstreamPolicy::defaultDeny()
{
    static const QList<std::pair<IpRange, QString>> ranges = [] {
        const std::pair<const char *, const char *> table[] = {
            { "0.0.0.0/8", "\"this network\"" },
            { "10.0.0.0/8", "private (RFC 1918)" },
            { "100.64.0.0/10", "carrier-grade NAT" },
            { "127.0.0.0/8", "loopback" },
            { "169.254.0.0/16", "link-local (cloud metadata)" },
            { "172.16.0.0/12", "private (RFC 1918)" },
            { "192.0.0.0/24", "IETF protocol assignments" },
            { "192.168.0.0/16", "private (RFC 1918)" },
            { "198.18.0.0/15", "benchmarking" },
            { "224.0.0.0/4", "multicast" },
            { "240.0.0.0/4", "reserved and broadcast" },
            { "::/128", "unspecified" },
            { "::1/128", "loopback" },
            { "100::/64", "discard" },
            { "fc00::/7", "unique local" },
            { "fe80::/10", "link-local" },
            { "fec0::/10", "site-local" },
            { "ff00::/8", "multicast" },
        };
        QList<std::pair<IpRange, QString>> list;
        for (const auto &[text, what] : table) {
            QString unused;
            list.append(
                { *IpRange::parse(QString::fromLatin1(text), &unused), QString::fromLatin1(what) });
        }
        return list;
    }();
    return ranges;
}
