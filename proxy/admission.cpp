#include "admission.h"

#include "hostport.h"
#include "peeraddress.h"

#include <QHostAddress>
#include <QTcpSocket>
#include <QUrl>
#include <QUrlQuery>

namespace {

bool constantTimeEquals(QByteArrayView a, QByteArrayView b)
{
    // The length is not secret (tokens have the lengths their operator chose); the bytes are.
    if (a.size() != b.size())
        return false;
    unsigned char diff = 0;
    for (qsizetype i = 0; i < a.size(); ++i)
        diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}

bool anyEquals(QByteArrayView candidate, const QList<QByteArray> &accepted)
{
    bool found = false;
    for (const QByteArray &token : accepted)
        found |= constantTimeEquals(candidate, token); // no early exit
    return found;
}

// A host no DNS answer can point elsewhere: an IP literal, or localhost and its subdomains,
// which browsers resolve to loopback themselves (RFC 6761). Any other name in Host may be an
// attacker's, rebound to this proxy's address after their page loaded (DNS rebinding): the page
// is then "same origin" with the name, not with us.
bool cannotBeRebound(const QString &host)
{
    return !QHostAddress(host).isNull() || host == u"localhost"
        || host.endsWith(QLatin1String(".localhost"));
}

} // namespace

Admission::Admission(const Rules &rules)
    : m_rules(rules)
    , m_quota(rules.maxSessions, rules.maxSessionsPerAddress)
{
}

Admission::Refusal Admission::admitClient(QTcpSocket *socket, const HttpRequestHead &head)
{
    if (!m_rules.clientTokens.isEmpty() && !carriesToken(head, m_rules.clientTokens))
        return { 401, "this proxy needs a token: Authorization: Bearer ... or ?token=...",
            "WWW-Authenticate: Bearer\r\n" };
    if (!originAllowed(head, m_rules.origins))
        return { 403, "origin " + head.header("Origin") + " is not allowed (proxy.allowedOrigins)",
            {} };
    // An IPv4-mapped peer (a dual-stack listener) counts as its IPv4 address.
    const QHostAddress address = PeerAddress::plain(socket->peerAddress());
    switch (m_quota.take(socket, address)) {
    case SessionQuota::Verdict::Taken:
        return {};
    case SessionQuota::Verdict::ProxyFull:
        return { 503,
            "the proxy is full: " + QByteArray::number(m_rules.maxSessions)
                + " sessions (proxy.maxSessions)",
            "Retry-After: 5\r\n" };
    case SessionQuota::Verdict::AddressFull:
        break;
    }
    return { 429,
        "too many sessions from " + address.toString().toLatin1() + ": "
            + QByteArray::number(m_rules.maxSessionsPerAddress) + " (proxy.maxSessionsPerAddress)",
        "Retry-After: 5\r\n" };
}

Admission::Refusal Admission::admitAdmin(const HttpRequestHead &head, bool isUpgrade) const
{
    const QList<QByteArray> tokens = m_rules.adminToken.isEmpty()
        ? QList<QByteArray>()
        : QList<QByteArray> { m_rules.adminToken };
    if (!tokens.isEmpty() && !carriesToken(head, tokens))
        return { 401,
            "this endpoint needs the admin token: ?token=... or Authorization: Bearer ...",
            "WWW-Authenticate: Bearer\r\n" };
    if (isUpgrade && !originAllowed(head, m_rules.origins))
        return { 403, "origin " + head.header("Origin") + " is not allowed (proxy.allowedOrigins)",
            {} };
    return {};
}

bool Admission::carriesToken(const HttpRequestHead &head, const QList<QByteArray> &accepted)
{
    const QByteArray authorization = head.header("Authorization").trimmed();
    if (authorization.size() > 7 && authorization.first(7).toLower() == "bearer ")
        return anyEquals(authorization.sliced(7).trimmed(), accepted);
    const QUrlQuery query(QString::fromLatin1(head.query()));
    if (!query.hasQueryItem(QStringLiteral("token")))
        return false;
    return anyEquals(
        query.queryItemValue(QStringLiteral("token"), QUrl::FullyDecoded).toUtf8(), accepted);
}

bool Admission::originAllowed(const HttpRequestHead &head, const QList<QByteArray> &allowed)
{
    const QByteArray origin = head.header("Origin").trimmed().toLower();
    if (origin.isNull())
        return true; // not a browser: Origin protects browsers' users, anyone else can forge it
    for (const QByteArray &entry : allowed) {
        if (entry == "*" || entry == origin)
            return true;
    }
    // Same origin: a page served from this very host and port (issue: the /demo page).
    const QUrl url(QString::fromLatin1(origin));
    const QByteArray host = head.header("Host").trimmed().toLower();
    if (!url.isValid() || url.host().isEmpty() || host.isEmpty())
        return false;
    const int defaultPort = url.scheme() == u"https" ? 443 : 80;
    const QString authority = HostPort::urlHost(url.host());
    const QString withPort = HostPort::join(url.host(), url.port(defaultPort));
    const QString hostText = QString::fromLatin1(host);
    const bool sameOrigin
        = hostText == withPort || (url.port(defaultPort) == defaultPort && hostText == authority);
    return sameOrigin && cannotBeRebound(url.host());
}
