// scale-clients: many WebSocket clients, each reading one finite /ticks stream of the test server
// through a proxy URL (a load balancer in front of several proxies), checking that every tick
// arrives exactly once and in order. When a client's socket drops or the proxy ends its request
// early ("proxy shutting down"), it reconnects and asks again with Last-Event-ID set to the last
// tick it saw, so the stream resumes where it broke. Used by scripts/scaleout-haproxy.sh.
//
// Prints "all streaming" once every client has had its first event (the script then looks at
// the balance and stops a proxy), and a summary at the end. Exit 0 only when every client got
// every tick once, in order, within --timeout.

#include "scaleclient.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QTimer>

#include <cstdio>
#include <memory>
#include <vector>

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Streaming clients that resume with Last-Event-ID."));
    parser.addHelpOption();
    const QCommandLineOption urlOption(
        QStringLiteral("url"), QStringLiteral("Proxy WebSocket URL."), QStringLiteral("url"));
    const QCommandLineOption clientsOption(QStringLiteral("clients"),
        QStringLiteral("Clients (200)."), QStringLiteral("n"), QStringLiteral("200"));
    const QCommandLineOption upstreamOption(QStringLiteral("upstream-port"),
        QStringLiteral("Test server port on 127.0.0.1."), QStringLiteral("port"));
    const QCommandLineOption eventsOption(QStringLiteral("events"),
        QStringLiteral("Ticks per stream (50)."), QStringLiteral("n"), QStringLiteral("50"));
    const QCommandLineOption intervalOption(QStringLiteral("interval"),
        QStringLiteral("Ms between ticks (200)."), QStringLiteral("ms"), QStringLiteral("200"));
    const QCommandLineOption timeoutOption(QStringLiteral("timeout"),
        QStringLiteral("Give up after this many s (120)."), QStringLiteral("s"),
        QStringLiteral("120"));
    parser.addOptions(
        { urlOption, clientsOption, upstreamOption, eventsOption, intervalOption, timeoutOption });
    parser.process(app);
    if (!parser.isSet(urlOption) || !parser.isSet(upstreamOption)) {
        std::fprintf(stderr, "scale-clients: --url and --upstream-port are required\n");
        return 2;
    }

    ScaleClient::Stream stream;
    stream.upstreamPort = parser.value(upstreamOption).toInt();
    stream.events = parser.value(eventsOption).toInt();
    stream.intervalMs = parser.value(intervalOption).toInt();
    const QUrl url(parser.value(urlOption));
    const int count = parser.value(clientsOption).toInt();

    std::vector<std::unique_ptr<ScaleClient>> clients;
    int streaming = 0;
    int finished = 0;
    const auto summary = [&clients]() {
        ScaleClient::Figures total;
        for (const auto &client : clients)
            total += client->figures();
        return total;
    };
    const auto report = [&](const char *verdict) {
        const ScaleClient::Figures total = summary();
        std::printf("%s: %d clients, %d complete, %lld events, %d reconnects (%d after \"proxy "
                    "shutting down\"), %d errors, %d out of order or duplicated\n",
            verdict, count, finished, static_cast<long long>(total.events), total.reconnects,
            total.shutdownReconnects, total.errors, total.outOfOrder);
        std::fflush(stdout);
    };
    for (int i = 0; i < count; ++i) {
        auto client = std::make_unique<ScaleClient>(url, stream);
        QObject::connect(client.get(), &ScaleClient::firstEvent, &app, [&] {
            if (++streaming == count) {
                std::printf("all streaming\n");
                std::fflush(stdout);
            }
        });
        QObject::connect(client.get(), &ScaleClient::complete, &app, [&] {
            if (++finished < count)
                return;
            const ScaleClient::Figures total = summary();
            const bool clean
                = total.outOfOrder == 0 && total.events == qint64(count) * stream.events;
            report(clean ? "ok" : "FAILED");
            QCoreApplication::exit(clean ? 0 : 1);
        });
        client->start();
        clients.push_back(std::move(client));
    }
    QTimer::singleShot(parser.value(timeoutOption).toInt() * 1000, &app, [&] {
        report("FAILED (timeout)");
        QCoreApplication::exit(1);
    });
    return QCoreApplication::exec();
}
