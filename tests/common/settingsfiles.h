#pragma once

#include <QByteArray>
#include <QDir>
#include <QFile>
#include <QString>
#include <QTemporaryDir>

// Settings files for command-line tests, in a temporary directory that is also made the
// current one (programs read ./settings.json when it exists: here it never does).
class SettingsFiles
{
public:
    bool enter() { return m_dir.isValid() && QDir::setCurrent(m_dir.path()); }

    // A new file holding `json`; empty when it cannot be written.
    QString write(const QByteArray &json)
    {
        const QString path = m_dir.filePath(QStringLiteral("s%1.json").arg(++m_files));
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly) || file.write(json) != json.size())
            return {};
        return path;
    }

private:
    QTemporaryDir m_dir;
    int m_files = 0;
};
