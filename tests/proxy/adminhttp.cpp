#include "adminhttp.h"

#include <QHostAddress>
#include <QTcpSocket>
#include <QTest>

AdminResponse adminGet(quint16 port, const QByteArray &path)
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    if (!socket.waitForConnected(5000))
        return {};
    socket.write("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    QByteArray all;
    const bool closed = QTest::qWaitFor(
        [&] {
            all += socket.readAll();
            return socket.state() == QAbstractSocket::UnconnectedState;
        },
        5000);
    all += socket.readAll();
    AdminResponse response;
    if (!closed)
        qWarning("the proxy did not close the admin connection");
    const qsizetype split = all.indexOf("\r\n\r\n");
    if (split < 0)
        return response;
    response.headers = all.first(split);
    response.body = all.sliced(split + 4);
    response.status = response.headers.mid(9, 3).toInt();
    return response;
}

QHash<QByteArray, double> prometheusSamples(const QByteArray &text)
{
    QHash<QByteArray, double> samples;
    for (const QByteArray &line : text.split('\n')) {
        if (line.isEmpty() || line.startsWith('#'))
            continue;
        const qsizetype space = line.lastIndexOf(' ');
        samples.insert(line.first(space), line.sliced(space + 1).toDouble());
    }
    return samples;
}
