#include "admission.h"

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

// An IPv4-mapped peer (a dual-stack listener) counts as its IPv4 address.
QHostAddress plainAddress(const QHostAddress &address)
{
    bool isMapped = false;
    const quint32 ipv4 = address.toIPv4Address(&isMapped);
    return isMapped ? QHostAddress(ipv4) : address;
}

} // namespace

Admission::Admission(const Rules &rules, QObject *parent) : QObject(parent), m_rules(rules) { }

Admission::Refusal Admission::admitClient(QTcpSocket *socket, const HttpRequestHead &head)
{
    if (!m_rules.clientTokens.isEmpty() && !carriesToken(head, m_rules.clientTokens))
        return { 401, "this proxy needs a token: Authorization: Bearer ... or ?token=...",
                 "WWW-Authenticate: Bearer\r\n" };
    if (!originAllowed(head, m_rules.origins))
        return { 403, "origin " + head.header("Origin") + " is not allowed (proxy.allowedOrigins)", {} };
    const QHostAddress address = plainAddress(socket->peerAddress());
    if (m_sessions >= m_rules.maxSessions || m_perAddress.value(address) >= m_rules.maxSessionsPerAddress)
        sweep();
    if (m_sessions >= m_rules.maxSessions)
        return { 503, "the proxy is full: " + QByteArray::number(m_rules.maxSessions)
                         + " sessions (proxy.maxSessions)",
                 "Retry-After: 5\r\n" };
    if (m_perAddress.value(address) >= m_rules.maxSessionsPerAddress)
        return { 429, "too many sessions from " + address.toString().toLatin1() + ": "
                         + QByteArray::number(m_rules.maxSessionsPerAddress)
                         + " (proxy.maxSessionsPerAddress)",
                 "Retry-After: 5\r\n" };
    ++m_perAddress[address];
    ++m_sessions;
    m_held.insert(socket, { socket, address });
    connect(socket, &QAbstractSocket::disconnected, this, [this, socket]() { release(socket); });
    return {};
}

Admission::Refusal Admission::admitAdmin(const HttpRequestHead &head, bool isUpgrade) const
{
    const QList<QByteArray> tokens = m_rules.adminToken.isEmpty() ? QList<QByteArray>()
                                                                  : QList<QByteArray> { m_rules.adminToken };
    if (!tokens.isEmpty() && !carriesToken(head, tokens))
        return { 401, "this endpoint needs the admin token: ?token=... or Authorization: Bearer ...",
                 "WWW-Authenticate: Bearer\r\n" };
    if (isUpgrade && !originAllowed(head, m_rules.origins))
        return { 403, "origin " + head.header("Origin") + " is not allowed (proxy.allowedOrigins)", {} };
    return {};
}

void Admission::release(QTcpSocket *socket)
{
    const auto held = m_held.constFind(socket);
    if (held == m_held.cend())
        return;
    --m_sessions;
    const auto count = m_perAddress.find(held->address);
    if (count != m_perAddress.end() && --count.value() <= 0)
        m_perAddress.erase(count);
    m_held.erase(held);
}

void Admission::sweep()
{
    QList<QTcpSocket *> gone;
    for (auto it = m_held.cbegin(); it != m_held.cend(); ++it) {
        if (!it->socket || it->socket->state() == QAbstractSocket::UnconnectedState)
            gone.append(it.key());
    }
    for (QTcpSocket *socket : std::as_const(gone))
        release(socket);
}

bool Admission::carriesToken(const HttpRequestHead &head, const QList<QByteArray> &accepted)
{
    const QByteArray authorization = head.header("Authorization").trimmed();
    if (authorization.size() > 7 && authorization.first(7).toLower() == "bearer ")
        return anyEquals(authorization.sliced(7).trimmed(), accepted);
    const QUrlQuery query(QString::fromLatin1(head.query()));
    if (!query.hasQueryItem(QStringLiteral("token")))
        return false;
    return anyEquals(query.queryItemValue(QStringLiteral("token"), QUrl::FullyDecoded).toUtf8(), accepted);
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
    QString authority = url.host();
    if (authority.contains(u':'))
        authority = u'[' + authority + u']';
    const QString withPort = authority + u':' + QString::number(url.port(defaultPort));
    const QString hostText = QString::fromLatin1(host);
    return hostText == withPort || (url.port(defaultPort) == defaultPort && hostText == authority);
}
