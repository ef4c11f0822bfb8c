#pragma once

#include <QHash>
#include <QHostAddress>
#include <QMutex>
#include <QObject>

class QTcpSocket;

// proxy.maxSessions and proxy.maxSessionsPerAddress across every worker: the one piece of state
// the workers' gates share, taken once per admitted connection (never per event), so a mutex
// costs nothing that matters. A place is held by a Ticket, a child of the connection's socket:
// it is given back when the socket's session ends, the socket disconnects or it is destroyed,
// whichever comes first, on whatever thread the socket lives.
class SessionQuota
{
public:
    enum class Verdict { Taken, ProxyFull, AddressFull };

    SessionQuota(int maxSessions, int maxSessionsPerAddress)
        : m_maxSessions(maxSessions)
        , m_maxPerAddress(maxSessionsPerAddress)
    {
    }

    // Takes a place for `socket` (from `address`, IPv4-mapped already unmapped) when both limits
    // allow it.
    Verdict take(QTcpSocket *socket, const QHostAddress &address);

    // Gives back the place `socket` holds now (its session has ended), rather than when the
    // socket goes; on the socket's thread.
    static void giveBack(QTcpSocket *socket);

    int sessions() const;
    int maxSessions() const { return m_maxSessions; }
    int maxSessionsPerAddress() const { return m_maxPerAddress; }

private:
    class Ticket;
    void release(const QHostAddress &address);

    const int m_maxSessions;
    const int m_maxPerAddress;
    mutable QMutex m_mutex;
    int m_sessions = 0;
    QHash<QHostAddress, int> m_perAddress;
};
