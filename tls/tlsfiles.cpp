#include "tlsfiles.h"

#include <QFile>
#include <QSslKey>
#include <QSslSocket>

namespace {

std::optional<QByteArray> readFile(const QString &path, const QString &source, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("%1: cannot read %2: %3").arg(source, path, file.errorString());
        return std::nullopt;
    }
    return file.readAll();
}

std::optional<QSslKey> privateKey(const QString &path, const QString &source, QString *error)
{
    const std::optional<QByteArray> pem = readFile(path, source, error);
    if (!pem)
        return std::nullopt;
    // Refused before QSslKey sees it: a server cannot ask anyone for the passphrase.
    if (pem->contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")
        || pem->contains("Proc-Type: 4,ENCRYPTED")) {
        *error = QStringLiteral("%1: %2 is protected by a passphrase; give the key without one "
                                "(openssl pkey -in KEY -out PLAIN)")
                     .arg(source, path);
        return std::nullopt;
    }
    // A PEM file does not always say its algorithm ("BEGIN PRIVATE KEY" is any): try each.
    for (const QSsl::KeyAlgorithm algorithm : { QSsl::Rsa, QSsl::Ec, QSsl::Dsa }) {
        const QSslKey key(*pem, algorithm, QSsl::Pem, QSsl::PrivateKey);
        if (!key.isNull())
            return key;
    }
    *error = QStringLiteral("%1: %2 is not a PEM private key").arg(source, path);
    return std::nullopt;
}

} // namespace

namespace TlsFiles {

std::optional<QSslConfiguration> serverConfiguration(const QString &certificatePath,
    const QString &certificateSource, const QString &keyPath, const QString &keySource,
    QString *error)
{
    const std::optional<QList<QSslCertificate>> chain
        = certificates(certificatePath, certificateSource, error);
    if (!chain)
        return std::nullopt;
    const std::optional<QSslKey> key = privateKey(keyPath, keySource, error);
    if (!key)
        return std::nullopt;
    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    configuration.setLocalCertificateChain(*chain);
    configuration.setPrivateKey(*key);
    // The default for a server would request a client certificate, and browsers then ask
    // their user to pick one.
    configuration.setPeerVerifyMode(QSslSocket::VerifyNone);
    return configuration;
}

std::optional<QList<QSslCertificate>> certificates(
    const QString &path, const QString &source, QString *error)
{
    const std::optional<QByteArray> pem = readFile(path, source, error);
    if (!pem)
        return std::nullopt;
    QList<QSslCertificate> result = QSslCertificate::fromData(*pem, QSsl::Pem);
    result.removeIf([](const QSslCertificate &certificate) { return certificate.isNull(); });
    if (result.isEmpty()) {
        *error = QStringLiteral("%1: %2 is not a PEM certificate").arg(source, path);
        return std::nullopt;
    }
    return result;
}

QSslConfiguration clientTrusting(const QList<QSslCertificate> &extraCas)
{
    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    if (!extraCas.isEmpty())
        configuration.setCaCertificates(QSslConfiguration::systemCaCertificates() + extraCas);
    return configuration;
}

} // namespace TlsFiles
