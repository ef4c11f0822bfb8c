#pragma once

#include "jsonfields.h"

#include <array>
#include <cstddef>
#include <optional>
#include <tuple>

// A struct's JSON form as a table: one row per field naming the key, the member and the rule
// (required or not, the range of a number, the names of an enum). readFields(), writeFields()
// and equalFields() walk the same table, so a field is written once and its decoder, encoder
// and comparison cannot drift apart. A rule no row kind expresses is a custom() row that says it
// in two small functions beside the table.
namespace JsonFields {

enum class Need { Optional, Required };

// One row of a table. Every kind has read(FieldReader &, S &), write(QJsonObject &, const S &)
// and equal(const S &, const S &).
template <typename S, typename M> struct MemberRow
{
    const char16_t *key;
    M S::*member;

    bool equal(const S &a, const S &b) const { return a.*member == b.*member; }
};

template <typename S> struct TextRow : MemberRow<S, QString>
{
    Need need;
    void read(FieldReader &r, S &s) const { s.*this->member = r.string(this->key, required()); }
    void write(QJsonObject &o, const S &s) const { o.insert(this->key, s.*this->member); }
    bool required() const { return need == Need::Required; }
};

// An integral member (int or qint64) within [min, max]; missing and optional reads as
// max(min, 0), FieldReader's rule.
template <typename S, typename M> struct IntegerRow : MemberRow<S, M>
{
    Need need;
    qint64 min;
    qint64 max;
    void read(FieldReader &r, S &s) const
    {
        s.*this->member = M(r.integer(this->key, need == Need::Required, min, max));
    }
    void write(QJsonObject &o, const S &s) const { o.insert(this->key, qint64(s.*this->member)); }
};

// A boolean; a missing field reads as `whenMissing` (fields added later default to what older
// senders meant).
template <typename S> struct FlagRow : MemberRow<S, bool>
{
    bool whenMissing;
    void read(FieldReader &r, S &s) const
    {
        s.*this->member = r.has(this->key) ? r.boolean(this->key) : whenMissing;
    }
    void write(QJsonObject &o, const S &s) const { o.insert(this->key, s.*this->member); }
};

// An optional object of strings (headers).
template <typename S> struct StringMapRow : MemberRow<S, QMap<QString, QString>>
{
    void read(FieldReader &r, S &s) const { s.*this->member = r.stringMap(this->key); }
    void write(QJsonObject &o, const S &s) const
    {
        QJsonObject map;
        const QMap<QString, QString> &values = s.*this->member;
        for (auto it = values.begin(); it != values.end(); ++it)
            map.insert(it.key(), it.value());
        o.insert(this->key, map);
    }
};

template <typename S> struct ObjectRow : MemberRow<S, QJsonObject>
{
    Need need;
    void read(FieldReader &r, S &s) const
    {
        s.*this->member = r.object(this->key, need == Need::Required);
    }
    void write(QJsonObject &o, const S &s) const { o.insert(this->key, s.*this->member); }
};

// An array of structs that have fromJson() and toJson().
template <typename S, typename T> struct ListRow : MemberRow<S, QList<T>>
{
    Need need;
    void read(FieldReader &r, S &s) const
    {
        s.*this->member = r.list<T>(this->key, need == Need::Required);
    }
    void write(QJsonObject &o, const S &s) const
    {
        o.insert(this->key, toJsonArray(s.*this->member));
    }
};

// An enum written as one of `names` (in enum order); required. `what` names the kind in the
// error: `state: unknown state "waiting"`.
template <typename E, size_t N> struct EnumNames
{
    std::array<const char16_t *, N> names;
    const char *what;

    QString name(E value) const { return QString::fromUtf16(names[size_t(value)]); }
    std::optional<E> value(QStringView name) const
    {
        for (size_t i = 0; i < N; ++i) {
            if (name == QStringView(names[i]))
                return E(i);
        }
        return std::nullopt;
    }
};

template <typename S, typename E, size_t N> struct EnumRow : MemberRow<S, E>
{
    const EnumNames<E, N> *names;
    void read(FieldReader &r, S &s) const
    {
        const QString name = r.string(this->key, true);
        if (!r.ok())
            return;
        if (const std::optional<E> value = names->value(name))
            s.*this->member = *value;
        else
            r.fail(this->key,
                QStringLiteral("unknown %1 \"%2\"").arg(QLatin1String(names->what), name));
    }
    void write(QJsonObject &o, const S &s) const
    {
        o.insert(this->key, names->name(s.*this->member));
    }
};

// A rule of its own: read and write are plain functions (they see the whole struct, so a
// field may depend on one read before it); equality compares the member.
template <typename S, typename M> struct CustomRow : MemberRow<S, M>
{
    void (*readFn)(FieldReader &, S &);
    void (*writeFn)(QJsonObject &, const S &);
    void read(FieldReader &r, S &s) const { readFn(r, s); }
    void write(QJsonObject &o, const S &s) const { writeFn(o, s); }
};

// Row makers: the member's type picks the row's.
template <typename S> TextRow<S> text(const char16_t *key, QString S::*member, Need need)
{
    return { { key, member }, need };
}
template <typename S, typename M>
IntegerRow<S, M> integer(
    const char16_t *key, M S::*member, Need need, qint64 min = 0, qint64 max = maxExactInteger)
{
    return { { key, member }, need, min, max };
}
template <typename S>
FlagRow<S> flag(const char16_t *key, bool S::*member, bool whenMissing = false)
{
    return { { key, member }, whenMissing };
}
template <typename S>
StringMapRow<S> stringMap(const char16_t *key, QMap<QString, QString> S::*member)
{
    return { { key, member } };
}
template <typename S> ObjectRow<S> object(const char16_t *key, QJsonObject S::*member, Need need)
{
    return { { key, member }, need };
}
template <typename S, typename T>
ListRow<S, T> list(const char16_t *key, QList<T> S::*member, Need need)
{
    return { { key, member }, need };
}
template <typename S, typename E, size_t N>
EnumRow<S, E, N> enumerated(const char16_t *key, E S::*member, const EnumNames<E, N> &names)
{
    return { { key, member }, &names };
}
template <typename S, typename M>
CustomRow<S, M> custom(const char16_t *key, M S::*member, void (*read)(FieldReader &, S &),
    void (*write)(QJsonObject &, const S &))
{
    return { { key, member }, read, write };
}

// Decodes `object` row by row into a default-constructed S; nullopt and `error` (the first
// fault, with its field) when a row fails.
template <typename S, typename... Rows>
std::optional<S> readFields(
    const QJsonObject &object, QString *error, const std::tuple<Rows...> &rows)
{
    FieldReader r(object, error);
    S s;
    std::apply([&](const auto &...row) { (row.read(r, s), ...); }, rows);
    if (!r.ok())
        return std::nullopt;
    return s;
}

template <typename S, typename... Rows>
QJsonObject writeFields(const S &s, const std::tuple<Rows...> &rows)
{
    QJsonObject o;
    std::apply([&](const auto &...row) { (row.write(o, s), ...); }, rows);
    return o;
}

template <typename S, typename... Rows>
bool equalFields(const S &a, const S &b, const std::tuple<Rows...> &rows)
{
    return std::apply([&](const auto &...row) { return (row.equal(a, b) && ...); }, rows);
}

} // namespace JsonFields
