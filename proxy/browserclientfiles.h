#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QHash>
#include <QList>

class QTcpSocket;

// The browser client's files (docs/BROWSER-CLIENT.md): GET /client.js, the ES module that speaks
// the proxy's protocol, and GET /demo with its script and style. They are compiled into the
// binary as Qt resources (resources/browser/), so a deployed proxy needs nothing beside itself.
// Everything is read and prepared once, at construction; afterwards the object is read-only, so
// every worker's gate answers from the same one, on its own thread.
class BrowserClientFiles
{
public:
    // `proxyPath` (proxy.path) is written into the demo page, which connects to it.
    explicit BrowserClientFiles(const QByteArray &proxyPath);

    bool serves(QByteArrayView path) const { return m_files.contains(path.toByteArray()); }
    // Answers a GET for a path serves() accepts, and closes the connection once it is sent.
    void answer(QTcpSocket *socket, QByteArrayView path) const;

    // The request paths served, for logs and tests.
    QList<QByteArray> paths() const { return m_files.keys(); }

private:
    struct File
    {
        QByteArray contentType;
        QByteArray headers; // extra response headers, each ending with CRLF
        QByteArray body;
    };

    void add(const QByteArray &path, const QString &resource, const QByteArray &contentType,
        const QByteArray &headers);

    QHash<QByteArray, File> m_files;
};
