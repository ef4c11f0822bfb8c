#pragma once

#include <QJsonArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QMap>
#include <QString>
#include <QStringView>

#include <optional>
#include <utility>

// Helpers shared by the JSON codecs (ClientMessage, ProxyMessages::Message, MonitorMessage):
// one wording for "this text is not a JSON object", and a reader for typed fields. Every
// decoder's error goes back to a person verbatim, so the same fault reads the same everywhere.
namespace JsonFields {

// Largest integer a JSON number (an IEEE double) holds exactly: 2^53.
inline constexpr qint64 maxExactInteger = qint64(1) << 53;

// The JSON type of `value` for an error message: "null", "a boolean", "a number", "a string",
// "an array", "an object" (and "undefined" for a missing value).
QString typeName(const QJsonValue &value);

// Parses a text message that must hold one JSON object. On failure returns nullopt and sets
// `error` to "message is not JSON: <reason> at offset N" (N counts UTF-8 bytes), or "message
// must be a JSON object, got an array" / "..., got a scalar". Empty or blank text is "not JSON".
std::optional<QJsonObject> parseObject(QStringView text, QString *error);

// Converts each value with its toJson().
template <typename T> QJsonArray toJsonArray(const QList<T> &values)
{
    QJsonArray a;
    for (const T &v : values)
        a.append(v.toJson());
    return a;
}

// Reads the fields of one JSON object, remembering the first error with the field's full path
// (`payload.sessions[2].bytesIn: must be a non-negative integer`). Only the first error is kept,
// so a fromJson() reads every field and checks ok() once. A field that is absent or null counts
// as missing.
class FieldReader
{
public:
    // `error` may be null (the caller only wants ok()).
    FieldReader(const QJsonObject &object, QString *error);

    bool ok() const { return m_ok; }

    // Fails with "<field>: <reason>".
    void fail(QStringView field, const QString &reason);
    // Forwards an error from a nested fromJson(), whose message is relative to `field`.
    void failNested(QStringView field, const QString &nestedError);

    // Present and not null.
    bool has(QStringView field) const;

    QString string(QStringView field, bool required);
    // An integral number within [min, max]; a missing optional field reads as max(min, 0).
    qint64 integer(QStringView field, bool required, qint64 min = 0, qint64 max = maxExactInteger);
    // Missing reads as false.
    bool boolean(QStringView field);
    QJsonObject object(QStringView field, bool required);
    QJsonArray array(QStringView field, bool required);
    // An optional object whose values are all strings ("<field>.<key>: must be a string").
    QMap<QString, QString> stringMap(QStringView field);

    // Decodes an array of objects with T::fromJson(const QJsonObject &, QString *), naming the
    // element that failed (`sessions[2].state: ...`).
    template <typename T> QList<T> list(QStringView field, bool required)
    {
        QList<T> result;
        const QJsonArray a = array(field, required);
        result.reserve(a.size());
        for (qsizetype i = 0; i < a.size() && m_ok; ++i) {
            const QString path = field + QLatin1Char('[') + QString::number(i) + QLatin1Char(']');
            if (!a.at(i).isObject()) {
                fail(path, QStringLiteral("must be an object"));
                break;
            }
            std::optional<T> value = decodeNested<T>(a.at(i).toObject(), path);
            if (!value)
                break;
            result.append(std::move(*value));
        }
        return result;
    }

    // Decodes a required object with T::fromJson, naming the field in its error
    // (`totals.bytesIn: ...`); a default T when it fails.
    template <typename T> T record(QStringView field)
    {
        const QJsonObject o = object(field, true);
        if (!m_ok)
            return T {};
        return decodeNested<T>(o, field).value_or(T {});
    }

private:
    // T::fromJson of an object found at `path`; its error is reported relative to `path`.
    template <typename T> std::optional<T> decodeNested(const QJsonObject &o, QStringView path)
    {
        QString nested;
        std::optional<T> value = T::fromJson(o, &nested);
        if (!value)
            failNested(path, nested);
        return value;
    }

    // The field's value when present and not null; a missing required field fails.
    std::optional<QJsonValue> present(QStringView field, bool required);

    QJsonObject m_object;
    QString *m_error;
    bool m_ok = true;
};

} // namespace JsonFields
