#include "jsonfields.h"

#include <QJsonDocument>
#include <QJsonParseError>

#include <cmath>

namespace JsonFields {

QString typeName(const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::Null:
        return QStringLiteral("null");
    case QJsonValue::Bool:
        return QStringLiteral("a boolean");
    case QJsonValue::Double:
        return QStringLiteral("a number");
    case QJsonValue::String:
        return QStringLiteral("a string");
    case QJsonValue::Array:
        return QStringLiteral("an array");
    case QJsonValue::Object:
        return QStringLiteral("an object");
    case QJsonValue::Undefined:
        break;
    }
    return QStringLiteral("undefined");
}

std::optional<QJsonObject> parseObject(QStringView text, QString *error)
{
    const auto failWith = [error](const QString &message) {
        if (error)
            *error = message;
        return std::nullopt;
    };
    const QByteArray utf8 = text.toUtf8();
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(utf8, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        // Qt 6.4 parses only objects and arrays at the top level: a bare string or number is
        // valid JSON, just not an object, and deserves that message rather than "not JSON".
        // Wrapped in [], a lone scalar becomes a one-element array; "1,2" would become two
        // elements and is not JSON text, so it keeps the parser's message.
        QJsonParseError wrappedError;
        const QJsonDocument wrapped
            = QJsonDocument::fromJson(QByteArray("[").append(utf8).append(']'), &wrappedError);
        if (wrappedError.error == QJsonParseError::NoError && wrapped.array().size() == 1)
            return failWith(QStringLiteral("message must be a JSON object, got a scalar"));
        return failWith(QStringLiteral("message is not JSON: %1 at offset %2")
                            .arg(parseError.errorString())
                            .arg(parseError.offset));
    }
    if (!doc.isObject()) {
        return failWith(QStringLiteral("message must be a JSON object, got ")
            + (doc.isArray() ? QStringLiteral("an array") : QStringLiteral("a scalar")));
    }
    return doc.object();
}

FieldReader::FieldReader(const QJsonObject &object, QString *error)
    : m_object(object)
    , m_error(error)
{
}

void FieldReader::fail(QStringView field, const QString &reason)
{
    if (!m_ok)
        return;
    m_ok = false;
    if (m_error)
        *m_error = field.toString() + QStringLiteral(": ") + reason;
}

void FieldReader::failNested(QStringView field, const QString &nestedError)
{
    if (!m_ok)
        return;
    m_ok = false;
    if (m_error)
        *m_error = field.toString() + QLatin1Char('.') + nestedError;
}

bool FieldReader::has(QStringView field) const
{
    const QJsonValue v = m_object.value(field);
    return !v.isUndefined() && !v.isNull();
}

std::optional<QJsonValue> FieldReader::present(QStringView field, bool required)
{
    const QJsonValue v = m_object.value(field);
    if (v.isUndefined() || v.isNull()) {
        if (required)
            fail(field, QStringLiteral("missing"));
        return std::nullopt;
    }
    return v;
}

QString FieldReader::string(QStringView field, bool required)
{
    const std::optional<QJsonValue> v = present(field, required);
    if (v && !v->isString())
        fail(field, QStringLiteral("must be a string"));
    return v ? v->toString() : QString();
}

namespace {

    QString rangeText(qint64 min, qint64 max)
    {
        if (min == 0 && max == maxExactInteger)
            return QStringLiteral("must be a non-negative integer");
        if (max == maxExactInteger)
            return QStringLiteral("must be an integer of at least %1").arg(min);
        return QStringLiteral("must be an integer from %1 to %2").arg(min).arg(max);
    }

} // namespace

qint64 FieldReader::integer(QStringView field, bool required, qint64 min, qint64 max)
{
    const qint64 fallback = min > 0 ? min : 0;
    const std::optional<QJsonValue> v = present(field, required);
    if (!v)
        return fallback;
    const double d = v->toDouble();
    if (!v->isDouble() || std::trunc(d) != d || d < double(min) || d > double(max)) {
        fail(field, rangeText(min, max));
        return fallback;
    }
    return qint64(d);
}

bool FieldReader::boolean(QStringView field)
{
    const std::optional<QJsonValue> v = present(field, false);
    if (v && !v->isBool())
        fail(field, QStringLiteral("must be true or false"));
    return v && v->toBool();
}

QJsonObject FieldReader::object(QStringView field, bool required)
{
    const std::optional<QJsonValue> v = present(field, required);
    if (v && !v->isObject())
        fail(field, QStringLiteral("must be an object"));
    return v ? v->toObject() : QJsonObject();
}

QJsonArray FieldReader::array(QStringView field, bool required)
{
    const std::optional<QJsonValue> v = present(field, required);
    if (v && !v->isArray())
        fail(field, QStringLiteral("must be an array"));
    return v ? v->toArray() : QJsonArray();
}

QMap<QString, QString> FieldReader::stringMap(QStringView field)
{
    QMap<QString, QString> result;
    const QJsonObject o = object(field, false);
    for (auto it = o.begin(); it != o.end(); ++it) {
        if (!it.value().isString()) {
            fail(QString(field + QLatin1Char('.') + it.key()), QStringLiteral("must be a string"));
            return {};
        }
        result.insert(it.key(), it.value().toString());
    }
    return result;
}

} // namespace JsonFields
