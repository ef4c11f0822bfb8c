#include "clients.h"

#include "measure.h"

#include <QCoreApplication>
#include <QElapsedTimer>

#include <algorithm>

namespace relaybench {

std::vector<RelayClient *> openClients(QObject *owner, const QUrl &url, int count,
                                       const QByteArray &request, int inFlight)
{
    std::vector<RelayClient *> clients;
    QElapsedTimer clock;
    clock.start();
    while (int(clients.size()) < count && clock.elapsed() < 60000) {
        const auto done = std::count_if(clients.begin(), clients.end(),
                                        [](RelayClient *c) { return c->connected; });
        if (qint64(clients.size()) - done < inFlight)
            clients.push_back(new RelayClient(url, request, owner));
        else
            QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 20);
    }
    waitUntil([&] {
        return std::all_of(clients.begin(), clients.end(), [](RelayClient *c) { return c->connected; });
    }, 20000);
    return clients;
}

void closeClients(std::vector<RelayClient *> &clients)
{
    for (RelayClient *client : clients) {
        client->abort();
        client->deleteLater();
    }
    clients.clear();
    QCoreApplication::processEvents();
}

} // namespace relaybench
