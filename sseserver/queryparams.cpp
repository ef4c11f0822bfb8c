#include "queryparams.h"

#include <QStringDecoder>

namespace {

bool isHexDigit(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// Form decoding: '+' is a space, %XX a byte; the bytes must be UTF-8.
std::optional<QString> decode(QByteArrayView text, QString *error)
{
    QByteArray bytes = text.toByteArray();
    bytes.replace('+', ' ');
    for (qsizetype i = 0; i < bytes.size(); ++i) {
        if (bytes[i] == '%'
            && (i + 2 >= bytes.size() || !isHexDigit(bytes[i + 1]) || !isHexDigit(bytes[i + 2]))) {
            *error = QStringLiteral("bad percent-escape in \"%1\"").arg(QString::fromLatin1(text));
            return std::nullopt;
        }
    }
    const QByteArray raw = QByteArray::fromPercentEncoding(bytes);
    QStringDecoder utf8(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    QString decoded = utf8.decode(raw);
    if (utf8.hasError()) {
        *error = QStringLiteral("\"%1\" is not UTF-8 once decoded").arg(QString::fromLatin1(text));
        return std::nullopt;
    }
    return decoded;
}

} // namespace

std::optional<QueryParams> QueryParams::parse(
    QByteArrayView query, const QStringList &known, QString *error)
{
    QueryParams params;
    const QList<QByteArray> parts = query.toByteArray().split('&');
    for (const QByteArrayView part : parts) {
        if (part.isEmpty())
            continue; // "a=1&&b=2" and a trailing '&' are harmless
        const qsizetype equals = part.indexOf('=');
        QString why;
        const std::optional<QString> name = decode(equals < 0 ? part : part.first(equals), &why);
        const std::optional<QString> value = name
            ? decode(equals < 0 ? QByteArrayView() : part.sliced(equals + 1), &why)
            : std::nullopt;
        if (!name || !value) {
            *error = QStringLiteral("query: ") + why;
            return std::nullopt;
        }
        if (!known.contains(*name)) {
            *error = known.isEmpty()
                ? QStringLiteral("query: unknown parameter \"%1\" (this endpoint takes none)")
                      .arg(*name)
                : QStringLiteral("query: unknown parameter \"%1\" (known: %2)")
                      .arg(*name, known.join(QStringLiteral(", ")));
            return std::nullopt;
        }
        if (params.contains(*name)) {
            *error = QStringLiteral("query: parameter \"%1\" given more than once").arg(*name);
            return std::nullopt;
        }
        params.m_items.append({ *name, *value });
    }
    return params;
}

bool QueryParams::contains(const QString &name) const
{
    for (const auto &item : m_items) {
        if (item.first == name)
            return true;
    }
    return false;
}

QString QueryParams::value(const QString &name) const
{
    for (const auto &item : m_items) {
        if (item.first == name)
            return item.second;
    }
    return {};
}

bool QueryParams::integer(const QString &name, qint64 min, qint64 max, qint64 defaultValue,
    qint64 *out, QString *error) const
{
    if (!contains(name)) {
        *out = defaultValue;
        return true;
    }
    const QString text = value(name);
    bool ok = !text.isEmpty();
    for (const QChar c : text)
        ok = ok && c >= u'0' && c <= u'9'; // no sign, no spaces, no "0x"
    const qint64 number = ok ? text.toLongLong(&ok) : 0;
    if (!ok || number < min || number > max) {
        *error = QStringLiteral("%1: expected an integer from %2 to %3, got \"%4\"")
                     .arg(name)
                     .arg(min)
                     .arg(max)
                     .arg(text);
        return false;
    }
    *out = number;
    return true;
}
