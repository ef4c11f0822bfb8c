#pragma once

#include <QByteArrayView>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>
#include <utility>

// The query of a request target, decoded the way HTML forms encode it: `&`-separated
// `name=value` pairs, `+` is a space, percent-escapes are UTF-8. Endpoints name the parameters
// they know; anything else is refused, so a typo gets a 400 instead of a silent default.
class QueryParams
{
public:
    // nullopt with `error` set for bad percent-encoding or UTF-8, a repeated name, or a name
    // not in `known`.
    static std::optional<QueryParams> parse(
        QByteArrayView query, const QStringList &known, QString *error);

    bool contains(const QString &name) const;
    QString value(const QString &name) const; // empty when absent

    // The integer parameter `name` within [min, max], or `defaultValue` when absent. False with
    // `error` (`interval: expected an integer from 0 to 3600000, got "abc"`) otherwise.
    bool integer(const QString &name, qint64 min, qint64 max, qint64 defaultValue, qint64 *out,
        QString *error) const;

private:
    QList<std::pair<QString, QString>> m_items;
};
