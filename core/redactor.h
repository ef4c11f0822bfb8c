#pragma once

#include "proxyrequest.h"

#include <QByteArrayView>
#include <QList>
#include <QString>
#include <QStringList>
#include <QStringView>

// Hides credentials from what the monitor feed shows of other clients' requests
// (docs/MONITOR.md §7; settings admin.redact and admin.redactHeaders). Pure: no I/O, no state
// beyond the rules. A secret's place stays visible (the header name, the query parameter's
// name) and only its value becomes `[redacted]`, so the operator still sees what was sent.
//
// Switched off, every function returns its input unchanged.
class Redactor
{
public:
    static constexpr QStringView placeholder = u"[redacted]";
    // Free text (error messages) is scrubbed only of secrets at least this long: a shorter one
    // would match everywhere and mangle the text, and is no secret worth the name.
    static constexpr qsizetype minScrubbedLength = 4;

    // `extraHeaderNames` (admin.redactHeaders) add to the built-in Authorization,
    // Proxy-Authorization, Cookie and Set-Cookie; any case.
    explicit Redactor(bool enabled = true, const QStringList &extraHeaderNames = {});

    bool enabled() const { return m_enabled; }

    // Whether this header's value is hidden (name compared case-insensitively).
    bool isSecretHeader(QByteArrayView name) const;
    // Whether a query parameter with this (percent-decoded) name is hidden: its name contains,
    // in any case, one of token, key, secret, pass, pwd, sig, auth, credential, session, jwt.
    // Over-matching ("monkey", "author") only hides a harmless value; missing one leaks.
    static bool isSecretParameter(QStringView name);

    // The same headers in the same order, secret values replaced.
    HttpHeaderList headers(const HttpHeaderList &headers) const;
    // The URL with its userinfo (`user:pass@`) replaced whole, and the value of every secret
    // parameter in its query and fragment replaced: `/e?api_key=[redacted]&x=1`.
    QString url(const QString &url) const;

    // Every secret these carry (what url() and headers() hide, plus the credentials inside a
    // value: the token after "Bearer ", a cookie's value), to scrub from free text that may
    // quote them: an upstream's error body echoing the token, an error naming the URL.
    QStringList secretsIn(const QString &url, const HttpHeaderList &requestHeaders,
        const HttpHeaderList &responseHeaders) const;
    // `text` with each of `secrets` (minScrubbedLength or longer) replaced wherever it occurs.
    QString scrub(const QString &text, const QStringList &secrets) const;

private:
    bool m_enabled;
    QList<QByteArray> m_headerNames; // lower-case
};
