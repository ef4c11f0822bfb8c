#include "browserclientfiles.h"

#include "connectiongate.h"

#include <QFile>
#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcBrowserClient, "wssp.proxy.browserclient", QtInfoMsg)

namespace {

// The module may be imported by pages of other origins (an app that lists its origin in
// proxy.allowedOrigins): module scripts are fetched with CORS, so without this header a
// browser refuses to run it. It is public code, fetched without credentials.
constexpr char moduleHeaders[] = "Access-Control-Allow-Origin: *\r\n"
                                 "X-Content-Type-Options: nosniff\r\n";

// The demo shows what upstreams send, and upstreams are strangers (docs/SECURITY.md): it writes
// event data as text only, and this policy is the second wall. Scripts and styles come from this
// origin only (no inline script, so injected markup cannot run), WebSockets go only to this
// origin (the proxy that served it), and no other site may frame the page (no clickjacking of
// its buttons).
constexpr char pageHeaders[]
    = "Content-Security-Policy: default-src 'none'; script-src 'self'; style-src 'self'; "
      "connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; "
      "frame-ancestors 'none'\r\n"
      "X-Content-Type-Options: nosniff\r\n"
      "Referrer-Policy: no-referrer\r\n";

constexpr char assetHeaders[] = "X-Content-Type-Options: nosniff\r\n";

QByteArray htmlAttributeEscaped(const QByteArray &text)
{
    QByteArray out;
    for (const char c : text) {
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        case '\'':
            out += "&#39;";
            break;
        default:
            out += c;
        }
    }
    return out;
}

} // namespace

BrowserClientFiles::BrowserClientFiles(const QByteArray &proxyPath)
{
    add("/client.js", QStringLiteral(":/browser/client.js"), "text/javascript; charset=utf-8",
        moduleHeaders);
    add("/demo", QStringLiteral(":/browser/demo.html"), "text/html; charset=utf-8", pageHeaders);
    add("/demo.js", QStringLiteral(":/browser/demo.js"), "text/javascript; charset=utf-8",
        assetHeaders);
    add("/demo.css", QStringLiteral(":/browser/demo.css"), "text/css; charset=utf-8", assetHeaders);
    // The page learns where the proxy listens from the page itself (proxy.path is a setting).
    auto demo = m_files.find("/demo");
    if (demo != m_files.end())
        demo->body.replace("@PROXY_PATH@", htmlAttributeEscaped(proxyPath));
}

void BrowserClientFiles::add(const QByteArray &path, const QString &resource,
    const QByteArray &contentType, const QByteArray &headers)
{
    QFile file(resource);
    if (!file.open(QIODevice::ReadOnly)) {
        // Only a broken build gets here (the files are compiled in): say so, serve the rest.
        qCWarning(lcBrowserClient).noquote()
            << "missing resource" << resource << "- not serving" << path;
        return;
    }
    m_files.insert(path, File { contentType, headers, file.readAll() });
}

void BrowserClientFiles::answer(QTcpSocket *socket, QByteArrayView path) const
{
    const auto file = m_files.constFind(path.toByteArray());
    if (file == m_files.constEnd()) {
        ConnectionGate::respond(socket, 404, "text/plain; charset=utf-8", "no such file\n");
        return;
    }
    ConnectionGate::respond(socket, 200, file->contentType, file->body, file->headers);
}
