#include "testcertificates.h"

#include <QFile>
#include <QProcess>

namespace {

// Our own openssl configuration: the system's openssl.cnf differs between machines, and
// duplicate extensions from it would make `req -addext` fail.
constexpr char opensslConfig[] = R"([req]
distinguished_name = subject
prompt = no

[subject]
CN = wssp test CA

[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[server]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, IP:::1, DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
)";

constexpr int opensslTimeoutMs = 30000;

} // namespace

bool TestCertificates::create(QString *error)
{
    if (!m_dir.isValid()) {
        *error = QStringLiteral("no temporary directory: ") + m_dir.errorString();
        return false;
    }
    QFile config(path(QStringLiteral("openssl.cnf")));
    if (!config.open(QIODevice::WriteOnly) || config.write(opensslConfig) < 0) {
        *error = config.fileName() + QStringLiteral(": ") + config.errorString();
        return false;
    }
    config.close();
    const QString days = QStringLiteral("2");
    // An EC CA (quick to make) and an RSA server key (what most servers use).
    return runOpenssl(
               { QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-config"),
                   config.fileName(), QStringLiteral("-extensions"), QStringLiteral("ca"),
                   QStringLiteral("-newkey"), QStringLiteral("ec"), QStringLiteral("-pkeyopt"),
                   QStringLiteral("ec_paramgen_curve:prime256v1"), QStringLiteral("-nodes"),
                   QStringLiteral("-keyout"), path(QStringLiteral("ca.key")),
                   QStringLiteral("-out"), caFile(), QStringLiteral("-days"), days },
               error)
        && runOpenssl(
            { QStringLiteral("req"), QStringLiteral("-new"), QStringLiteral("-config"),
                config.fileName(), QStringLiteral("-subj"), QStringLiteral("/CN=localhost"),
                QStringLiteral("-newkey"), QStringLiteral("rsa:2048"), QStringLiteral("-nodes"),
                QStringLiteral("-keyout"), keyFile(), QStringLiteral("-out"),
                path(QStringLiteral("server.csr")) },
            error)
        && runOpenssl(
            { QStringLiteral("x509"), QStringLiteral("-req"), QStringLiteral("-in"),
                path(QStringLiteral("server.csr")), QStringLiteral("-CA"), caFile(),
                QStringLiteral("-CAkey"), path(QStringLiteral("ca.key")),
                QStringLiteral("-set_serial"), QStringLiteral("2"), QStringLiteral("-extfile"),
                config.fileName(), QStringLiteral("-extensions"), QStringLiteral("server"),
                QStringLiteral("-out"), certificateFile(), QStringLiteral("-days"), days },
            error);
}

QList<QSslCertificate> TestCertificates::caCertificates() const
{
    return QSslCertificate::fromPath(caFile(), QSsl::Pem);
}

bool TestCertificates::runOpenssl(const QStringList &arguments, QString *error)
{
    QProcess openssl;
    openssl.setProcessChannelMode(QProcess::MergedChannels);
    openssl.start(QStringLiteral("openssl"), arguments);
    // Another program doing a bounded job: blocking for it is fine.
    if (!openssl.waitForFinished(opensslTimeoutMs) || openssl.exitStatus() != QProcess::NormalExit
        || openssl.exitCode() != 0) {
        *error = QStringLiteral("openssl %1 failed (%2): %3")
                     .arg(arguments.constFirst(), openssl.errorString(),
                         QString::fromLocal8Bit(openssl.readAll()));
        return false;
    }
    return true;
}
