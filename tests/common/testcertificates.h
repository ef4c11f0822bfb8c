#pragma once

#include <QList>
#include <QSslCertificate>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

// A test CA and a server certificate it signed for 127.0.0.1, ::1 and localhost, made by the
// openssl program (Debian's openssl package) in a temporary directory that lives as long as
// this object. Made in the test, not checked in: nothing to expire in the repository, and no
// private key that anyone could mistake for a real one.
class TestCertificates
{
public:
    // False with `error` (what openssl said) when a step fails.
    bool create(QString *error);

    QString caFile() const { return path(QStringLiteral("ca.pem")); }
    QString certificateFile() const { return path(QStringLiteral("server.pem")); }
    QString keyFile() const { return path(QStringLiteral("server.key")); } // RSA, no passphrase
    // A file in the same directory, for a test's own variants.
    QString path(const QString &name) const { return m_dir.filePath(name); }
    QList<QSslCertificate> caCertificates() const;

private:
    bool runOpenssl(const QStringList &arguments, QString *error);

    QTemporaryDir m_dir;
};
