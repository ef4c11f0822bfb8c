#include "proxytls.h"

#include "tlsfiles.h"

ProxyTls ProxyTls::load(const ProxySettings &proxy)
{
    ProxyTls tls;
    if (!proxy.tlsCertificate.isEmpty() && !proxy.tlsPrivateKey.isEmpty()) {
        tls.listener = TlsFiles::serverConfiguration(proxy.tlsCertificate,
            QStringLiteral("proxy.tls.certificate"), proxy.tlsPrivateKey,
            QStringLiteral("proxy.tls.privateKey"), &tls.error);
        if (!tls.listener)
            return tls;
    }
    if (!proxy.upstreamCaFile.isEmpty()) {
        if (std::optional<QList<QSslCertificate>> cas = TlsFiles::certificates(
                proxy.upstreamCaFile, QStringLiteral("proxy.upstreamCaFile"), &tls.error))
            tls.upstreamCas = *cas;
    }
    return tls;
}
