#include "settingsrules.h"

#include "ipaddress.h"
#include "upstreampolicy.h"

#include <QUrl>

#include <algorithm>
#include <functional>

namespace {

bool fail(QString *error, const QString &message)
{
    if (error)
        *error = message;
    return false;
}

bool isLoopbackHost(const QString &host)
{
    if (host == u"localhost")
        return true;
    const std::optional<IpAddress> address = IpAddress::parse(host);
    return address
        && (address->isIpv4() ? address->bytes()[0] == 127 : address->toString() == u"::1");
}

bool isHeaderName(const QString &name)
{
    static const QString extra = QStringLiteral("!#$%&'*+-.^_`|~");
    return !name.isEmpty() && std::all_of(name.cbegin(), name.cend(), [](QChar c) {
        return (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') || (c >= u'0' && c <= u'9')
            || extra.contains(c);
    });
}

bool isOrigin(const QString &text)
{
    if (text == u"*")
        return true;
    const QUrl url(text, QUrl::StrictMode);
    return url.isValid() && (url.scheme() == u"http" || url.scheme() == u"https")
        && !url.host().isEmpty() && url.path().isEmpty() && !url.hasQuery() && !url.hasFragment()
        && url.userInfo().isEmpty();
}

// The first item of `items` that `accept` refuses, as an error naming the key and the item.
bool checkItems(const QStringList &items, const char *key,
    const std::function<bool(const QString &)> &accept, const char *rule, QString *error)
{
    for (qsizetype i = 0; i < items.size(); ++i) {
        if (!accept(items.at(i)))
            return fail(error,
                QStringLiteral("%1[%2]: \"%3\": %4")
                    .arg(QLatin1String(key))
                    .arg(i)
                    .arg(items.at(i), QLatin1String(rule)));
    }
    return true;
}

} // namespace

bool SettingsRules::check(const Settings &s, QString *error)
{
    const ProxySettings &p = s.proxy;
    // Resuming below the pause threshold is what makes the watermark pair meaningful.
    if (p.lowWatermarkBytes > p.highWatermarkBytes)
        return fail(error,
            QStringLiteral("proxy.lowWatermarkBytes: must not exceed "
                           "proxy.highWatermarkBytes (%1)")
                .arg(p.highWatermarkBytes));
    if (p.maxSendQueueBytes < p.highWatermarkBytes)
        return fail(error,
            QStringLiteral("proxy.maxSendQueueBytes: must not be below "
                           "proxy.highWatermarkBytes (%1)")
                .arg(p.highWatermarkBytes));
    if (!UpstreamPolicy::create(p.upstreamAllow, p.upstreamDeny, error))
        return false;
    if (p.upstreamClient == u"qt" && p.upstreamPolicy != u"off")
        return fail(error,
            QStringLiteral("proxy.upstreamClient: \"qt\" resolves and connects by "
                           "itself, so proxy.upstream cannot be enforced on it: use "
                           "\"inline\", or set proxy.upstream.policy to \"off\""));
    const auto isToken = [](const QString &t) {
        return !t.isEmpty() && std::all_of(t.cbegin(), t.cend(), [](QChar c) {
            return c > u' ' && c < QChar(0x7f);
        });
    };
    if (!checkItems(p.authTokens, "proxy.authTokens", isToken,
            "must be printable ASCII without spaces", error)
        || !checkItems(p.allowedOrigins, "proxy.allowedOrigins", isOrigin,
            "must be \"*\" or an origin such as \"https://example.com\"", error)
        || !checkItems(s.admin.redactHeaders, "admin.redactHeaders", isHeaderName,
            "must be a header name", error))
        return false;
    if (p.tlsCertificate.isEmpty() != p.tlsPrivateKey.isEmpty())
        return fail(error,
            QStringLiteral("proxy.tls: certificate and privateKey go together: set "
                           "both or neither"));
    // The feed shows every client's traffic and /metrics the proxy's: never to the network
    // without a token (docs/SECURITY.md).
    const AdminSettings &a = s.admin;
    const QString adminHost = a.host.isEmpty() ? p.host : a.host;
    if ((a.metrics || a.monitor) && a.token.isEmpty() && !isLoopbackHost(adminHost))
        return fail(error,
            QStringLiteral("admin.token: must be set when /metrics or /monitor "
                           "answer on a non-loopback address (\"%1\"); or set "
                           "admin.host to a loopback address, or turn admin.metrics "
                           "and admin.monitor off")
                .arg(adminHost));
    return true;
}
