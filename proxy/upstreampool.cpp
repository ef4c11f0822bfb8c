#include "upstreampool.h"

#include "tlsfiles.h"
#include "upstreamaccessmanager.h"

#include <QNetworkAccessManager>
#include <QNetworkCookie>
#include <QNetworkCookieJar>
#include <QNetworkReply>
#include <QNetworkRequest>

#include <algorithm>

namespace {

// The proxy keeps no cookie state: a pooled manager serves many clients, and a jar would hand
// one client's cookies to another (and let an upstream fix a cookie on every client). Requests
// already ask Qt not to load or save cookies; this jar makes sure nothing could be kept anyway.
class NoCookieJar : public QNetworkCookieJar
{
public:
    using QNetworkCookieJar::QNetworkCookieJar;
    QList<QNetworkCookie> cookiesForUrl(const QUrl &) const override { return {}; }
    bool setCookiesFromUrl(const QList<QNetworkCookie> &, const QUrl &) override { return false; }
};

} // namespace

UpstreamPool::UpstreamPool(const Config &config, QObject *parent)
    : QObject(parent)
    , m_config(config)
{
    // Built once: it holds a copy of every system CA.
    if (!config.extraCaCertificates.isEmpty())
        m_upstreamTls = TlsFiles::clientTrusting(config.extraCaCertificates);
}

UpstreamPool::~UpstreamPool() = default;

QNetworkReply *UpstreamPool::start(const ProxyRequest &request, qint64 readBufferBytes)
{
    const QUrl url = request.url();
    const QString origin = url.scheme() + u'|' + url.host() + u'|' + QString::number(url.port());

    QNetworkRequest networkRequest(url);
    networkRequest.setAttribute(
        QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    networkRequest.setAttribute(
        QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);
    networkRequest.setAttribute(QNetworkRequest::CacheSaveControlAttribute, false);
    networkRequest.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    // The client's own Cookie header goes out as given; Set-Cookie goes back to that client only.
    networkRequest.setAttribute(
        QNetworkRequest::CookieLoadControlAttribute, QNetworkRequest::Manual);
    networkRequest.setAttribute(
        QNetworkRequest::CookieSaveControlAttribute, QNetworkRequest::Manual);
    networkRequest.setTransferTimeout(0); // silence is governed by proxy.sseTimeout instead
    if (m_upstreamTls && url.scheme() == u"https")
        networkRequest.setSslConfiguration(*m_upstreamTls);
    if (!request.hasHeader("User-Agent"))
        networkRequest.setRawHeader("User-Agent", "ws-sse-proxy/" WSSP_VERSION);
    for (const HttpHeader &header : request.upstreamHeaders())
        networkRequest.setRawHeader(header.first, header.second);

    Manager *manager = managerFor(origin);
    QNetworkReply *reply = request.bodyKind == ProxyRequest::BodyKind::None
        ? manager->network->sendCustomRequest(networkRequest, request.method)
        : manager->network->sendCustomRequest(networkRequest, request.method, request.body);
    reply->setReadBufferSize(readBufferBytes);

    ++manager->activeByOrigin[origin];
    ++manager->active;
    ++m_activeStreams;
    // Counted until the reply is destroyed, not just finished: a manager is only deleted when
    // none of its replies is alive, so no caller is left holding a reply of a deleted manager.
    QNetworkAccessManager *network = manager->network;
    connect(
        reply, &QObject::destroyed, this, [this, network, origin]() { release(network, origin); });
    return reply;
}

UpstreamPool::Manager *UpstreamPool::managerFor(const QString &origin)
{
    if (m_config.client == Client::Inline) {
        // One manager serves every stream: its replies have no per-host limit.
        if (m_managers.empty()) {
            m_managers.push_back(std::make_unique<Manager>());
            m_managers.back()->network = new UpstreamAccessManager(m_config.inlineOptions, this);
            m_managers.back()->network->setAutoDeleteReplies(false);
        }
        return m_managers.front().get();
    }
    for (const auto &manager : m_managers) {
        if (manager->activeByOrigin.value(origin) < maxStreamsPerOrigin)
            return manager.get();
    }
    auto manager = std::make_unique<Manager>();
    manager->network = new QNetworkAccessManager(this);
    manager->network->setAutoDeleteReplies(false);
    manager->network->setCookieJar(new NoCookieJar(manager->network));
    m_managers.push_back(std::move(manager));
    return m_managers.back().get();
}

void UpstreamPool::release(QNetworkAccessManager *network, const QString &origin)
{
    const auto it = std::find_if(m_managers.begin(), m_managers.end(),
        [network](const auto &m) { return m->network == network; });
    if (it == m_managers.end())
        return;
    Manager &manager = **it;
    if (--manager.activeByOrigin[origin] <= 0)
        manager.activeByOrigin.remove(origin);
    --manager.active;
    --m_activeStreams;

    // Keep a couple of idle managers warm; drop the rest (each holds a thread).
    const auto idle = std::count_if(
        m_managers.begin(), m_managers.end(), [](const auto &m) { return m->active == 0; });
    if (manager.active == 0 && idle > maxIdleManagers) {
        manager.network->deleteLater();
        m_managers.erase(it);
    }
}
