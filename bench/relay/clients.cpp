#include "clients.h"

#include "measure.h"

#include <QCoreApplication>
#include <QElapsedTimer>

#include <algorithm>

namespace relaybench {

std::vector<RelayClient *> openClients(
    QObject *owner, const QUrl &url, int count, const QByteArray &request, int inFlight, bool hold)
{
    std::vector<RelayClient *> clients;
    QElapsedTimer clock;
    clock.start();
    while (int(clients.size()) < count && clock.elapsed() < 60000) {
        const auto done = std::count_if(
            clients.begin(), clients.end(), [](RelayClient *c) { return c->connected; });
        if (qint64(clients.size()) - done < inFlight)
            clients.push_back(new RelayClient(url, request, owner, hold));
        else
            waitForEvents(20);
    }
    waitUntil(
        [&] {
            return std::all_of(
                clients.begin(), clients.end(), [](RelayClient *c) { return c->connected; });
        },
        20000);
    return clients;
}

void startRequests(const std::vector<RelayClient *> &clients, int batch)
{
    int sent = 0;
    for (RelayClient *client : clients) {
        client->sendRequest();
        if (++sent % batch == 0)
            runFor(20);
    }
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
