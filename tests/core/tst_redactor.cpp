// Redactor (core/redactor.h, docs/MONITOR.md §7): which headers and query parameters count as
// secrets, how URLs and header lists come out, which secrets free text is scrubbed of, and that
// switched off it changes nothing.

#include "redactor.h"

#include <QTest>

class TestRedactor : public QObject
{
    Q_OBJECT

private slots:
    void secretHeaders_data();
    void secretHeaders();
    void headersKeepNamesAndOrder();
    void secretParameters_data();
    void secretParameters();
    void urls_data();
    void urls();
    void secretsInRequestAndResponse();
    void scrub_data();
    void scrub();
    void offChangesNothing();
};

void TestRedactor::secretHeaders_data()
{
    QTest::addColumn<QByteArray>("name");
    QTest::addColumn<bool>("secret");
    QTest::newRow("Authorization") << QByteArray("Authorization") << true;
    QTest::newRow("lower case") << QByteArray("authorization") << true;
    QTest::newRow("Proxy-Authorization") << QByteArray("PROXY-AUTHORIZATION") << true;
    QTest::newRow("Cookie") << QByteArray("Cookie") << true;
    QTest::newRow("Set-Cookie") << QByteArray("Set-Cookie") << true;
    QTest::newRow("configured, other case") << QByteArray("x-API-key") << true;
    QTest::newRow("configured, lower case in settings") << QByteArray("X-Tenant-Secret") << true;
    QTest::newRow("Accept") << QByteArray("Accept") << false;
    QTest::newRow("prefix of a secret name") << QByteArray("Author") << false;
    QTest::newRow("secret name as prefix") << QByteArray("Cookie2") << false;
    QTest::newRow("not configured") << QByteArray("X-Auth-Token") << false;
}

void TestRedactor::secretHeaders()
{
    QFETCH(QByteArray, name);
    QFETCH(bool, secret);
    const Redactor redactor(
        true, { QStringLiteral("X-Api-Key"), QStringLiteral("x-tenant-secret") });
    QCOMPARE(redactor.isSecretHeader(name), secret);
}

void TestRedactor::headersKeepNamesAndOrder()
{
    const Redactor redactor(true, { QStringLiteral("X-Api-Key") });
    const HttpHeaderList in = { { "Accept", "text/event-stream" },
        { "Authorization", "Bearer abc" }, { "cookie", "sid=1" }, { "X-Api-Key", "k" },
        { "X-Trace", "t-1" }, { "Set-Cookie", "s=2; Path=/" } };
    const HttpHeaderList expected = { { "Accept", "text/event-stream" },
        { "Authorization", "[redacted]" }, { "cookie", "[redacted]" },
        { "X-Api-Key", "[redacted]" }, { "X-Trace", "t-1" }, { "Set-Cookie", "[redacted]" } };
    QCOMPARE(redactor.headers(in), expected);
    QCOMPARE(redactor.headers({}), HttpHeaderList());
}

void TestRedactor::secretParameters_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<bool>("secret");
    for (const char *name : { "api_key", "apiKey", "access_token", "TOKEN", "client_secret",
             "password", "passwd", "pwd", "sig", "X-Amz-Signature", "X-Amz-Credential",
             "X-Amz-Security-Token", "auth", "oauth_nonce", "sessionid", "jwt" })
        QTest::newRow(name) << QString::fromLatin1(name) << true;
    for (const char *name : { "x", "q", "id", "page", "lastEventId", "channel", "stream", "" })
        QTest::newRow(*name ? name : "empty") << QString::fromLatin1(name) << false;
}

void TestRedactor::secretParameters()
{
    QFETCH(QString, name);
    QFETCH(bool, secret);
    QCOMPARE(Redactor::isSecretParameter(name), secret);
}

void TestRedactor::urls_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("expected");
    const auto row = [](const char *name, const char *url, const char *expected) {
        QTest::newRow(name) << QString::fromUtf8(url) << QString::fromUtf8(expected);
    };
    row("no query", "http://127.0.0.1:8081/events", "http://127.0.0.1:8081/events");
    row("api_key", "http://h:80/events?api_key=SECRET&x=1",
        "http://h:80/events?api_key=[redacted]&x=1");
    row("only secrets", "http://h/e?token=a&sig=b", "http://h/e?token=[redacted]&sig=[redacted]");
    row("name in another case", "http://h/e?Access_Token=abc",
        "http://h/e?Access_Token=[redacted]");
    row("percent-encoded name", "http://h/e?api%5Fkey=S&x=%41",
        "http://h/e?api%5Fkey=[redacted]&x=%41");
    row("value with '='", "http://h/e?token=a=b==&x=1", "http://h/e?token=[redacted]&x=1");
    row("empty value", "http://h/e?token=&x=", "http://h/e?token=[redacted]&x=");
    row("name without a value", "http://h/e?token&x=1", "http://h/e?token&x=1");
    row("empty parts", "http://h/e?&&token=a&&", "http://h/e?&&token=[redacted]&&");
    row("empty query", "http://h/e?", "http://h/e?");
    row("S3 presigned",
        "https://b.s3.amazonaws.com/"
        "k?X-Amz-Credential=AK%2F1&X-Amz-Date=20250101&X-Amz-Signature=f00d",
        "https://b.s3.amazonaws.com/"
        "k?X-Amz-Credential=[redacted]&X-Amz-Date=20250101&X-Amz-Signature=[redacted]");
    row("fragment parameters", "http://h/p?x=1#access_token=abc&state=s",
        "http://h/p?x=1#access_token=[redacted]&state=s");
    row("fragment without query", "http://h/p#access_token=abc",
        "http://h/p#access_token=[redacted]");
    row("plain fragment", "http://h/p#section-2", "http://h/p#section-2");
    row("'?' inside the fragment", "http://h/p#a?x=1", "http://h/p#a?x=1");
    row("userinfo", "http://user:pass@host/p?x=1", "http://[redacted]@host/p?x=1");
    row("user only", "https://TOKEN@github.com/x", "https://[redacted]@github.com/x");
    row("userinfo and IPv6", "http://u:p@[::1]:80/", "http://[redacted]@[::1]:80/");
    row("userinfo and query", "http://u:p@h/e?key=k", "http://[redacted]@h/e?key=[redacted]");
    row("'@' in the path", "http://h/a@b?x=1", "http://h/a@b?x=1");
    row("'@' in the query", "http://h/a?mail=a@b", "http://h/a?mail=a@b");
    row("relative", "/events?api_key=SECRET&x=1", "/events?api_key=[redacted]&x=1");
    row("'://' after the path starts", "/go?next=http://u:p@h", "/go?next=http://u:p@h");
    row("empty", "", "");
}

void TestRedactor::urls()
{
    QFETCH(QString, url);
    QFETCH(QString, expected);
    QCOMPARE(Redactor().url(url), expected);
}

void TestRedactor::secretsInRequestAndResponse()
{
    const Redactor redactor(true, { QStringLiteral("X-Api-Key") });
    const QStringList secrets = redactor.secretsIn(
        QStringLiteral("http://u:pw12@h/e?api_key=SEC%2DRET&x=visible1#jwt=fragment1"),
        { { "Authorization", "Bearer abcdef" }, { "Cookie", "sid=cookie1; theme=dark" },
            { "X-Api-Key", "key-3" }, { "Accept", "visible2" } },
        { { "Set-Cookie", "s=setcookie2; Path=/; Max-Age=3600" }, { "X-Server", "visible3" } });
    for (const char *secret : { "u:pw12", "pw12", "SEC%2DRET", "SEC-RET", "fragment1",
             "Bearer abcdef", "abcdef", "sid=cookie1; theme=dark", "cookie1", "dark", "key-3",
             "s=setcookie2; Path=/; Max-Age=3600", "setcookie2" })
        QVERIFY2(secrets.contains(QString::fromUtf8(secret)), secret);
    // Neither other values nor Set-Cookie's attributes.
    for (const char *plain :
        { "visible1", "visible2", "visible3", "/", "3600", "Path=/; Max-Age=3600" })
        QVERIFY2(!secrets.contains(QString::fromUtf8(plain)), plain);
    QStringList unique = secrets;
    QVERIFY(unique.removeDuplicates() == 0);
    QCOMPARE(redactor.secretsIn(QStringLiteral("http://h/e?x=1"), { { "Accept", "a" } }, {}),
        QStringList());
}

void TestRedactor::scrub_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QStringList>("secrets");
    QTest::addColumn<QString>("expected");
    const QStringList bearer = { QStringLiteral("abcdef"), QStringLiteral("Bearer abcdef") };
    QTest::newRow("upstream echoes the token")
        << QStringLiteral("upstream answered HTTP 401: invalid token abcdef (abcdef)") << bearer
        << QStringLiteral("upstream answered HTTP 401: invalid token [redacted] ([redacted])");
    QTest::newRow("longest first")
        << QStringLiteral("got Bearer abcdef") << bearer << QStringLiteral("got [redacted]");
    QTest::newRow("URL in an error")
        << QStringLiteral("Error transferring http://h/e?api_key=SEC%2DRET - server replied")
        << QStringList { QStringLiteral("SEC%2DRET"), QStringLiteral("SEC-RET") }
        << QStringLiteral("Error transferring http://h/e?api_key=[redacted] - server replied");
    QTest::newRow("too short to scrub")
        << QStringLiteral("k is not known") << QStringList { QStringLiteral("k") }
        << QStringLiteral("k is not known");
    QTest::newRow("no secrets") << QStringLiteral("timeout") << QStringList()
                                << QStringLiteral("timeout");
    QTest::newRow("empty text") << QString() << bearer << QString();
}

void TestRedactor::scrub()
{
    QFETCH(QString, text);
    QFETCH(QStringList, secrets);
    QFETCH(QString, expected);
    QCOMPARE(Redactor().scrub(text, secrets), expected);
}

void TestRedactor::offChangesNothing()
{
    const Redactor off(false, { QStringLiteral("X-Api-Key") });
    QVERIFY(!off.enabled());
    const HttpHeaderList headers = { { "Authorization", "Bearer abc" }, { "X-Api-Key", "k" } };
    QCOMPARE(off.headers(headers), headers);
    const QString url = QStringLiteral("http://u:p@h/e?api_key=SECRET&x=1#token=t");
    QCOMPARE(off.url(url), url);
    QCOMPARE(off.secretsIn(url, headers, { { "Set-Cookie", "s=2" } }), QStringList());
    QCOMPARE(off.scrub(QStringLiteral("token abcdef"), { QStringLiteral("abcdef") }),
        QStringLiteral("token abcdef"));
    // What counts as secret does not depend on the switch.
    QVERIFY(off.isSecretHeader("authorization"));
}

QTEST_GUILESS_MAIN(TestRedactor)
#include "tst_redactor.moc"
