#include "redactor.h"

#include <QUrl>

#include <algorithm>
#include <utility>

namespace {

const char *const builtInHeaderNames[]
    = { "authorization", "proxy-authorization", "cookie", "set-cookie" };

// Name parts that mark a query parameter as a credential: api_key, access_token, client_secret,
// password, pwd, X-Amz-Signature, sig, auth, X-Amz-Credential, sessionid, jwt.
const char *const secretParameterParts[]
    = { "token", "key", "secret", "pass", "pwd", "sig", "auth", "credential", "session", "jwt" };

// Where a URL's secrets are. The feed's URLs come from QUrl::toString() (query still
// percent-encoded), but anything is accepted: a part that is not there is simply empty.
struct UrlParts
{
    qsizetype userinfoStart = -1; // [userinfoStart, userinfoEnd): "user:pass" before '@'
    qsizetype userinfoEnd = -1;
    qsizetype queryStart = -1; // after '?'
    qsizetype queryEnd = -1;
    qsizetype fragmentStart = -1; // after '#'
};

UrlParts splitUrl(QStringView url)
{
    UrlParts parts;
    qsizetype pathStart = 0;
    const qsizetype separator = url.indexOf(u"://");
    const auto endsAuthority = [](QChar c) { return c == u'/' || c == u'?' || c == u'#'; };
    // "://" inside a path or query ("/go?next=http://u:p@h") starts no authority.
    if (separator > 0 && std::none_of(url.begin(), url.begin() + separator, endsAuthority)) {
        const qsizetype authorityStart = separator + 3;
        const auto authorityEnd
            = std::find_if(url.begin() + authorityStart, url.end(), endsAuthority);
        pathStart = authorityEnd - url.begin();
        const qsizetype at = url.first(pathStart).lastIndexOf(u'@');
        if (at >= authorityStart) {
            parts.userinfoStart = authorityStart;
            parts.userinfoEnd = at;
        }
    }
    const qsizetype hash = url.indexOf(u'#', pathStart);
    const qsizetype beforeFragment = hash < 0 ? url.size() : hash;
    const qsizetype question = url.first(beforeFragment).indexOf(u'?', pathStart);
    if (question >= 0) {
        parts.queryStart = question + 1;
        parts.queryEnd = beforeFragment;
    }
    if (hash >= 0)
        parts.fragmentStart = hash + 1;
    return parts;
}

QString decodedName(QStringView name)
{
    if (!name.contains(u'%'))
        return name.toString();
    return QUrl::fromPercentEncoding(name.toUtf8());
}

// Calls visit(part, value) for each '&'-separated part of `parameters`; `value` is the part's
// value when its name is a secret one, else a null view.
template <typename Visit> void forEachParameter(QStringView parameters, Visit visit)
{
    for (const QStringView part : parameters.tokenize(u'&')) {
        const qsizetype equals = part.indexOf(u'=');
        const bool secret
            = equals >= 0 && Redactor::isSecretParameter(decodedName(part.first(equals)));
        visit(part, secret ? part.sliced(equals + 1) : QStringView());
    }
}

QString redactParameters(QStringView parameters)
{
    QString result;
    result.reserve(parameters.size());
    bool first = true;
    forEachParameter(parameters, [&](QStringView part, QStringView secretValue) {
        if (!first)
            result += u'&';
        first = false;
        if (secretValue.isNull()) {
            result += part;
        } else {
            result += part.first(part.size() - secretValue.size());
            result += Redactor::placeholder;
        }
    });
    return result;
}

bool isCookieHeader(QByteArrayView name, bool *setCookie)
{
    *setCookie = name.compare("set-cookie", Qt::CaseInsensitive) == 0;
    return *setCookie || name.compare("cookie", Qt::CaseInsensitive) == 0;
}

} // namespace

Redactor::Redactor(bool enabled, const QStringList &extraHeaderNames)
    : m_enabled(enabled)
{
    for (const char *name : builtInHeaderNames)
        m_headerNames.append(QByteArray(name));
    for (const QString &name : extraHeaderNames)
        m_headerNames.append(name.toLatin1().toLower());
}

bool Redactor::isSecretHeader(QByteArrayView name) const
{
    return std::any_of(
        m_headerNames.cbegin(), m_headerNames.cend(), [name](const QByteArray &secret) {
            return name.compare(secret, Qt::CaseInsensitive) == 0;
        });
}

bool Redactor::isSecretParameter(QStringView name)
{
    return std::any_of(
        std::begin(secretParameterParts), std::end(secretParameterParts), [name](const char *part) {
            return name.contains(QLatin1StringView(part), Qt::CaseInsensitive);
        });
}

HttpHeaderList Redactor::headers(const HttpHeaderList &headers) const
{
    if (!m_enabled)
        return headers;
    static const QByteArray placeholderBytes = placeholder.toUtf8();
    HttpHeaderList result = headers;
    for (HttpHeader &header : result) {
        if (isSecretHeader(header.first))
            header.second = placeholderBytes;
    }
    return result;
}

QString Redactor::url(const QString &url) const
{
    if (!m_enabled)
        return url;
    const UrlParts parts = splitUrl(url);
    const QStringView view(url);
    // Everything before the parameters of the query, or else of the fragment: "http://h/p?".
    const qsizetype headEnd = parts.queryStart >= 0 ? parts.queryStart
        : parts.fragmentStart >= 0                  ? parts.fragmentStart
                                                    : url.size();
    const QStringView head = view.first(headEnd);
    QString result;
    result.reserve(url.size());
    if (parts.userinfoStart >= 0) {
        result += head.first(parts.userinfoStart);
        result += placeholder;
        result += head.sliced(parts.userinfoEnd);
    } else {
        result += head;
    }
    if (parts.queryStart >= 0) {
        result
            += redactParameters(view.sliced(parts.queryStart, parts.queryEnd - parts.queryStart));
        if (parts.fragmentStart >= 0)
            result += u'#';
    }
    if (parts.fragmentStart >= 0)
        result += redactParameters(view.sliced(parts.fragmentStart));
    return result;
}

QStringList Redactor::secretsIn(const QString &url, const HttpHeaderList &requestHeaders,
    const HttpHeaderList &responseHeaders) const
{
    QStringList secrets;
    if (!m_enabled)
        return secrets;
    const auto add = [&secrets](QStringView secret) {
        secret = secret.trimmed();
        if (!secret.isEmpty() && !secrets.contains(secret))
            secrets.append(secret.toString());
    };

    const UrlParts parts = splitUrl(url);
    const QStringView view(url);
    if (parts.userinfoStart >= 0) {
        const QStringView userinfo
            = view.sliced(parts.userinfoStart, parts.userinfoEnd - parts.userinfoStart);
        add(userinfo);
        if (const qsizetype colon = userinfo.indexOf(u':'); colon >= 0)
            add(userinfo.sliced(colon + 1));
    }
    const auto addValue = [&add](QStringView, QStringView value) {
        if (value.isNull())
            return;
        add(value);
        add(QUrl::fromPercentEncoding(value.toUtf8())); // an error may quote it decoded
    };
    if (parts.queryStart >= 0)
        forEachParameter(
            view.sliced(parts.queryStart, parts.queryEnd - parts.queryStart), addValue);
    if (parts.fragmentStart >= 0)
        forEachParameter(view.sliced(parts.fragmentStart), addValue);

    for (const HttpHeaderList *list : { &requestHeaders, &responseHeaders }) {
        for (const HttpHeader &header : *list) {
            if (!isSecretHeader(header.first))
                continue;
            const QString value = QString::fromUtf8(header.second);
            add(value);
            bool setCookie = false;
            if (!isCookieHeader(header.first, &setCookie)) {
                // "Bearer abc": an upstream that rejects it is likely to quote just "abc".
                if (const qsizetype space = value.indexOf(u' '); space >= 0)
                    add(QStringView(value).sliced(space + 1));
                continue;
            }
            // Each cookie's value; of Set-Cookie only the cookie, not its attributes (Path=/).
            for (const QStringView cookie : QStringView(value).tokenize(u';')) {
                if (const qsizetype equals = cookie.indexOf(u'='); equals >= 0)
                    add(cookie.sliced(equals + 1));
                if (setCookie)
                    break;
            }
        }
    }
    return secrets;
}

QString Redactor::scrub(const QString &text, const QStringList &secrets) const
{
    if (!m_enabled || text.isEmpty() || secrets.isEmpty())
        return text;
    // Longest first: "Bearer abcd" goes whole before "abcd" could leave "Bearer " behind.
    QStringList longestFirst = secrets;
    std::stable_sort(longestFirst.begin(), longestFirst.end(),
        [](const QString &a, const QString &b) { return a.size() > b.size(); });
    const QString replacement = placeholder.toString();
    QString result = text;
    for (const QString &secret : std::as_const(longestFirst)) {
        if (secret.size() >= minScrubbedLength)
            result.replace(secret, replacement);
    }
    return result;
}
