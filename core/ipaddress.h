#pragma once

#include <QString>
#include <QStringView>

#include <array>
#include <optional>

// An IPv4 or IPv6 address as plain bytes, for the upstream policy (core stays free of Qt
// Network; the proxy converts QHostAddress with fromBytes()). Parsing is inet_pton's: dotted
// quads in decimal only, RFC 4291 text for IPv6, no zone IDs.
class IpAddress
{
public:
    static std::optional<IpAddress> parse(QStringView text);
    static IpAddress ipv4(quint32 address);
    static IpAddress ipv6(const std::array<quint8, 16> &bytes);

    bool isIpv4() const { return m_isIpv4; }
    // 4 bytes for IPv4, 16 for IPv6, network order.
    const quint8 *bytes() const { return m_bytes.data(); }
    int bitCount() const { return m_isIpv4 ? 32 : 128; }
    QString toString() const;

    // The IPv4 address an IPv6 address carries and reaches, when it is one of the forms that
    // do: IPv4-mapped ::ffff:a.b.c.d, IPv4-translated ::ffff:0:a.b.c.d, IPv4-compatible
    // ::a.b.c.d, NAT64 64:ff9b::/96 and 64:ff9b:1::/48, 6to4 2002:AABB:CCDD::/48 and Teredo
    // 2001:0::/32 (its client address, stored inverted).
    std::optional<IpAddress> embeddedIpv4() const;

    bool operator==(const IpAddress &other) const
    {
        return m_isIpv4 == other.m_isIpv4 && m_bytes == other.m_bytes;
    }

private:
    std::array<quint8, 16> m_bytes {};
    bool m_isIpv4 = false;
};

// A CIDR range, "10.0.0.0/8" or "fe80::/10"; a single address is a range of its full length.
class IpRange
{
public:
    // "10.0.0.0/8", "::1", "fc00::/7". Host bits set below the prefix are an error
    // ("10.0.0.1/8"), since such a rule rarely means what its author thinks.
    static std::optional<IpRange> parse(QStringView text, QString *error);
    static IpRange of(const IpAddress &address, int prefixLength);

    bool contains(const IpAddress &address) const;
    QString toString() const;

private:
    IpAddress m_base;
    int m_prefixLength = 0;
};
