#include "listenaddresses.h"

#include <QHostInfo>
#include <QLoggingCategory>
#include <QTcpServer>

Q_LOGGING_CATEGORY(lcListen, "wssp.listen", QtInfoMsg)

namespace ListenAddresses {

std::optional<Plan> resolve(const QString &host, QString *error)
{
    Plan plan;
    plan.host = host.trimmed();
    const QString &name = plan.host;
    QHostAddress literal;
    if (name.isEmpty() || name.compare(u"localhost", Qt::CaseInsensitive) == 0) {
        plan.addresses
            = { QHostAddress(QHostAddress::LocalHost), QHostAddress(QHostAddress::LocalHostIPv6) };
        plan.extrasOptional = true;
    } else if (name == u"*" || name == u"::") {
        plan.addresses = { QHostAddress(QHostAddress::Any) };
    } else if (name == u"0.0.0.0") {
        plan.addresses = { QHostAddress(QHostAddress::AnyIPv4) };
    } else if (literal.setAddress(name)) {
        plan.addresses = { literal };
    } else {
        const QHostInfo info = QHostInfo::fromName(name);
        if (info.error() != QHostInfo::NoError || info.addresses().isEmpty()) {
            *error = QStringLiteral("cannot resolve host \"%1\": %2").arg(name, info.errorString());
            return std::nullopt;
        }
        for (const QHostAddress &address : info.addresses()) {
            if (!plan.addresses.contains(address))
                plan.addresses.append(address);
        }
        plan.extrasOptional = true;
    }
    return plan;
}

namespace {

    enum class Result { Listening, PortTakenOnExtra, Failed };

    Result listenOnce(const Plan &plan, quint16 port, const MakeListener &make,
        QList<QTcpServer *> *listeners, QString *error)
    {
        quint16 chosen = port;
        for (const QHostAddress &address : plan.addresses) {
            QTcpServer *listener = make();
            if (listener->listen(address, chosen)) {
                chosen = listener->serverPort();
                listeners->append(listener);
                continue;
            }
            const bool inUse = listener->serverError() == QAbstractSocket::AddressInUseError;
            const bool isExtra = !listeners->isEmpty();
            const QString reason = listener->errorString();
            delete listener;
            if (isExtra && plan.extrasOptional && !inUse) { // say, no IPv6 on this machine
                qCInfo(lcListen).noquote()
                    << QStringLiteral("not listening on %1: %2").arg(address.toString(), reason);
                continue;
            }
            *error = inUse
                ? QStringLiteral("port %1 on %2 is already in use").arg(chosen).arg(plan.host)
                : QStringLiteral("cannot listen on %1 port %2 (%3): %4")
                      .arg(plan.host)
                      .arg(chosen)
                      .arg(address.toString(), reason);
            return inUse && isExtra && port == 0 ? Result::PortTakenOnExtra : Result::Failed;
        }
        return Result::Listening;
    }

} // namespace

QList<QTcpServer *> listen(const Plan &plan, quint16 port, const MakeListener &make, QString *error)
{
    // With port 0, a port free on the first address may be taken on another: pick again.
    constexpr int portZeroAttempts = 8;
    for (int attempt = 0; attempt < portZeroAttempts; ++attempt) {
        QList<QTcpServer *> listeners;
        const Result result = listenOnce(plan, port, make, &listeners, error);
        if (result == Result::Listening)
            return listeners;
        qDeleteAll(listeners);
        if (result == Result::Failed)
            break;
    }
    return {};
}

} // namespace ListenAddresses
