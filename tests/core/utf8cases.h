#pragma once

#include <QByteArray>
#include <QFile>
#include <QList>
#include <QString>

// The reference UTF-8 cases of tests/data/utf8-cases.txt (made by make-utf8-cases.py with
// Python's decoder, which follows the same WHATWG maximal-subpart rule and shares no code with
// ours): each line is "<bytes in hex>\t<expected code points in hex, space-separated>".
struct Utf8Case
{
    QByteArray hex; // as written in the file, for messages
    QByteArray bytes;
    QString expected;
};

// The cases, or an empty list with `error` set when the file is missing or malformed.
inline QList<Utf8Case> loadUtf8Cases(const QString &path, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = path + QStringLiteral(": cannot open");
        return {};
    }
    QList<Utf8Case> cases;
    while (!file.atEnd()) {
        const QByteArray line = file.readLine().trimmed();
        if (line.isEmpty() || line.startsWith('#'))
            continue;
        const QList<QByteArray> parts = line.split('\t');
        if (parts.size() != 2) {
            *error = QStringLiteral("malformed line: ") + QString::fromLatin1(line);
            return {};
        }
        Utf8Case c { parts.at(0), QByteArray::fromHex(parts.at(0)), QString() };
        for (const QByteArray &hex : parts.at(1).split(' ')) {
            bool ok = false;
            const char32_t codePoint = hex.toUInt(&ok, 16);
            if (!ok) {
                *error = QStringLiteral("malformed code point: ") + QString::fromLatin1(hex);
                return {};
            }
            c.expected += QStringView(QChar::fromUcs4(codePoint));
        }
        cases.append(c);
    }
    return cases;
}
