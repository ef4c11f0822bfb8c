#pragma once

#include "settings.h"

#include <QList>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QString>

#include <optional>

// The proxy's TLS material, read once from the files its settings name, when the ProxyServer
// is made: the listeners' certificate and key (proxy.tls.certificate, proxy.tls.privateKey) and
// the CAs trusted for https upstreams besides the system's (proxy.upstreamCaFile). A bad file
// becomes a start error naming the setting, not a failure of every handshake later.
struct ProxyTls
{
    std::optional<QSslConfiguration> listener; // set: every listener speaks TLS (wss://, https://)
    QList<QSslCertificate> upstreamCas; // empty: the system's CAs only
    QString error; // set: what ProxyServer::listen() reports

    // A certificate without a key (or the reverse) is left to Settings::validate(), which
    // names the pair; nothing is read for it.
    static ProxyTls load(const ProxySettings &proxy);
};
