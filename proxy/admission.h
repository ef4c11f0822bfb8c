#pragma once

#include "httprequesthead.h"

#include <QByteArray>
#include <QHash>
#include <QHostAddress>
#include <QList>
#include <QObject>
#include <QPointer>

class QTcpSocket;

// Who may open a session or watch the admin endpoints, decided from the upgrade's head before
// anything is upgraded (docs/SECURITY.md): tokens (proxy.authTokens, admin.token), browsers'
// Origin (proxy.allowedOrigins), and how many sessions there are in all and per client address
// (proxy.maxSessions, proxy.maxSessionsPerAddress). A session's place is taken when its
// connection is admitted and given back when that socket disconnects, so upgrades in flight
// count too.
class Admission : public QObject
{
    Q_OBJECT

public:
    struct Rules
    {
        QList<QByteArray> clientTokens; // empty: no token needed on the proxy endpoint
        QByteArray adminToken;          // empty: none needed on /metrics and /monitor
        QList<QByteArray> origins;      // "*" or "scheme://host[:port]", lower-case
        int maxSessions = 10000;
        int maxSessionsPerAddress = 1000;
    };

    struct Refusal
    {
        int status = 0; // 0: admitted
        QByteArray message;
        QByteArray extraHeaders; // e.g. "WWW-Authenticate: Bearer\r\n"
    };

    explicit Admission(const Rules &rules, QObject *parent = nullptr);

    // For an upgrade to the proxy endpoint: on success the socket holds a place until it is
    // destroyed.
    Refusal admitClient(QTcpSocket *socket, const HttpRequestHead &head);
    // For /monitor (an upgrade, so Origin is checked) and /metrics.
    Refusal admitAdmin(const HttpRequestHead &head, bool isUpgrade) const;

    int sessions() const { return m_sessions; }

    // "Bearer <token>" (scheme in any case) or ?token=<token>, against any of `accepted`, in
    // time that does not depend on where a guess differs.
    static bool carriesToken(const HttpRequestHead &head, const QList<QByteArray> &accepted);
    // No Origin (not a browser), the same origin as Host, or one of `allowed`.
    static bool originAllowed(const HttpRequestHead &head, const QList<QByteArray> &allowed);

private:
    struct Held
    {
        QPointer<QTcpSocket> socket;
        QHostAddress address;
    };

    void release(QTcpSocket *socket);
    // Gives back the places of sockets that are gone without a word (QWebSocket cuts every
    // connection to its socket before deleting it): only needed when a limit is reached.
    void sweep();

    Rules m_rules;
    int m_sessions = 0;
    QHash<QHostAddress, int> m_perAddress;
    QHash<QTcpSocket *, Held> m_held;
};
