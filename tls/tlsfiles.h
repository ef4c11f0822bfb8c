#pragma once

#include <QList>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QString>

#include <optional>

// Reads TLS material from PEM files. Every error starts with `source`, the setting or option
// the path came from, and names the file, so that a failed start says what to fix:
// "proxy.tls.certificate: cannot read /etc/x.pem: No such file or directory".
namespace TlsFiles {

// A server's TLS: `certificatePath` holds its certificate, optionally followed by the
// intermediates of its chain; `keyPath` its private key (RSA or EC, without a passphrase).
// Clients are not asked for certificates.
std::optional<QSslConfiguration> serverConfiguration(const QString &certificatePath,
    const QString &certificateSource, const QString &keyPath, const QString &keySource,
    QString *error);

// Every certificate in a PEM file (CA certificates to trust); at least one.
std::optional<QList<QSslCertificate>> certificates(
    const QString &path, const QString &source, QString *error);

// A client's TLS that trusts `extraCas` as well as the system's CAs. Not simply the default
// configuration plus addCaCertificates(): that stops Qt from loading the system's CAs on demand,
// so it would trust the added ones only.
QSslConfiguration clientTrusting(const QList<QSslCertificate> &extraCas);

} // namespace TlsFiles
