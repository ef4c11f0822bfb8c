#pragma once

#include "httprequesthead.h"
#include "sessionquota.h"

#include <QByteArray>
#include <QList>

class QTcpSocket;

// Who may open a session or watch the admin endpoints, decided from the upgrade's head before
// anything is upgraded (docs/SECURITY.md): tokens (proxy.authTokens, admin.token), browsers'
// Origin (proxy.allowedOrigins), and how many sessions there are in all and per client address
// (proxy.maxSessions, proxy.maxSessionsPerAddress). A session's place is taken when its
// connection is admitted and given back when that socket disconnects, so upgrades in flight
// count too. One for the whole proxy, used by every worker's gate at once: the rules never
// change, and the counts are a SessionQuota's.
class Admission
{
public:
    struct Rules
    {
        QList<QByteArray> clientTokens; // empty: no token needed on the proxy endpoint
        QByteArray adminToken; // empty: none needed on /metrics and /monitor
        QList<QByteArray> origins; // "*" or "scheme://host[:port]", lower-case
        int maxSessions = 10000;
        int maxSessionsPerAddress = 1000;
    };

    struct Refusal
    {
        int status = 0; // 0: admitted
        QByteArray message;
        QByteArray extraHeaders; // e.g. "WWW-Authenticate: Bearer\r\n"
    };

    explicit Admission(const Rules &rules);

    // For an upgrade to the proxy endpoint: on success the socket holds a place until it is
    // destroyed.
    Refusal admitClient(QTcpSocket *socket, const HttpRequestHead &head);
    // For /monitor (an upgrade, so Origin is checked) and /metrics.
    Refusal admitAdmin(const HttpRequestHead &head, bool isUpgrade) const;

    int sessions() const { return m_quota.sessions(); }

    // "Bearer <token>" (scheme in any case) or ?token=<token>, against any of `accepted`, in
    // time that does not depend on where a guess differs.
    static bool carriesToken(const HttpRequestHead &head, const QList<QByteArray> &accepted);
    // No Origin (not a browser), one of `allowed`, or the same origin as Host when Host is an IP
    // address or localhost (a DNS name there could be rebound: docs/SECURITY.md).
    static bool originAllowed(const HttpRequestHead &head, const QList<QByteArray> &allowed);

private:
    const Rules m_rules;
    SessionQuota m_quota;
};
