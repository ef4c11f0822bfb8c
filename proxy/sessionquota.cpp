#include "sessionquota.h"

#include <QTcpSocket>

namespace {
const QString ticketName = QStringLiteral("sessionQuotaTicket");
}

class SessionQuota::Ticket : public QObject
{
public:
    Ticket(SessionQuota *quota, const QHostAddress &address, QTcpSocket *socket)
        : QObject(socket)
        , m_quota(quota)
        , m_address(address)
    {
        setObjectName(ticketName);
        connect(socket, &QAbstractSocket::disconnected, this, &Ticket::giveBack);
    }
    ~Ticket() override { giveBack(); }

private:
    void giveBack()
    {
        if (m_quota)
            m_quota->release(m_address);
        m_quota = nullptr;
    }

    SessionQuota *m_quota;
    QHostAddress m_address;
};

SessionQuota::Verdict SessionQuota::take(QTcpSocket *socket, const QHostAddress &address)
{
    {
        const QMutexLocker lock(&m_mutex);
        if (m_sessions >= m_maxSessions)
            return Verdict::ProxyFull;
        if (m_perAddress.value(address) >= m_maxPerAddress)
            return Verdict::AddressFull;
        ++m_perAddress[address];
        ++m_sessions;
    }
    new Ticket(this, address, socket);
    return Verdict::Taken;
}

void SessionQuota::giveBack(QTcpSocket *socket)
{
    if (socket)
        delete socket->findChild<QObject *>(ticketName, Qt::FindDirectChildrenOnly);
}

int SessionQuota::sessions() const
{
    const QMutexLocker lock(&m_mutex);
    return m_sessions;
}

void SessionQuota::release(const QHostAddress &address)
{
    const QMutexLocker lock(&m_mutex);
    --m_sessions;
    const auto count = m_perAddress.find(address);
    if (count != m_perAddress.end() && --count.value() <= 0)
        m_perAddress.erase(count);
}
