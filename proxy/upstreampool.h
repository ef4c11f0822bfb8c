#pragma once

#include "inlinehttpreply.h"
#include "proxyrequest.h"

#include <QHash>
#include <QObject>
#include <QSslCertificate>
#include <QSslConfiguration>

#include <memory>
#include <optional>
#include <vector>

class QNetworkAccessManager;
class QNetworkReply;

// The one place where the proxy opens upstream connections, with one of two clients
// (proxy.upstreamClient):
//
// - Inline (the default): one UpstreamAccessManager whose replies (InlineHttpReply) run on this
//   thread, one connection per request, no per-host limit, no HTTP thread.
// - Qt: Qt's own threaded HTTP. A QNetworkAccessManager (QNAM) in Qt 6.4 opens at most six
//   connections per host:port and silently queues every further request to that host forever:
//   fatal for long-lived streams. The pool therefore hands each stream to a QNAM that has fewer
//   than six active streams to the stream's origin, creating QNAMs as needed and dropping
//   surplus idle ones. Each QNAM runs its HTTP on a thread of its own.
// Neither keeps cookies: each client's Cookie header goes out as given, nothing more.
class UpstreamPool : public QObject
{
    Q_OBJECT

public:
    enum class Client { Inline, Qt };

    struct Config
    {
        Client client = Client::Inline;
        InlineHttpReply::Options inlineOptions;
        // Trusted for https upstreams besides the system's CAs (proxy.upstreamCaFile). Set on
        // each request's QSslConfiguration, which both clients verify against (InlineHttpReply
        // takes it from the request as Qt's HTTP does); certificate errors are never ignored.
        QList<QSslCertificate> extraCaCertificates;
    };

    static constexpr int maxStreamsPerOrigin = 6; // QNAM's fixed per-host connection limit
    static constexpr int maxIdleManagers = 2;

    explicit UpstreamPool(const Config &config, QObject *parent = nullptr);
    ~UpstreamPool() override;

    // Starts the request; the caller takes ownership of the reply (reparent it). Redirects are not
    // followed, nothing is cached, HTTP/2 is off (one stream per connection keeps the per-origin
    // count exact), and the reply's read buffer is capped at `readBufferBytes` so an unread reply
    // cannot grow.
    QNetworkReply *start(const ProxyRequest &request, qint64 readBufferBytes);

    Client client() const { return m_config.client; }
    int managerCount() const { return int(m_managers.size()); }
    int activeStreams() const { return m_activeStreams; }

private:
    struct Manager
    {
        QNetworkAccessManager *network = nullptr;
        QHash<QString, int> activeByOrigin;
        int active = 0;
    };

    Manager *managerFor(const QString &origin);
    void release(QNetworkAccessManager *network, const QString &origin);

    Config m_config;
    std::optional<QSslConfiguration> m_upstreamTls; // set: extraCaCertificates to trust
    std::vector<std::unique_ptr<Manager>> m_managers;
    int m_activeStreams = 0;
};
