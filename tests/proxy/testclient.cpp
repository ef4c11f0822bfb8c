#include "testclient.h"

TestClient::TestClient(QObject *parent)
    : QObject(parent)
{
    connect(&m_socket, &QWebSocket::textMessageReceived, this, [this](const QString &text) {
        m_raw.append(text);
        QString error;
        if (auto message = ProxyMessages::Message::parse(text, &error))
            m_messages.append(*message);
        else
            ++m_decodeErrors;
        emit messageReceived();
    });
}

void TestClient::send(const QJsonObject &object)
{
    m_socket.sendTextMessage(
        QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact)));
}

int TestClient::count(ProxyMessages::Message::Type type) const
{
    return int(std::count_if(
        m_messages.begin(), m_messages.end(), [type](const auto &m) { return m.type == type; }));
}

QList<ProxyMessages::Message> TestClient::ofType(ProxyMessages::Message::Type type) const
{
    QList<ProxyMessages::Message> result;
    for (const auto &m : m_messages) {
        if (m.type == type)
            result.append(m);
    }
    return result;
}

QList<SseEvent> TestClient::events() const
{
    QList<SseEvent> result;
    for (const auto &m : m_messages) {
        if (m.type == ProxyMessages::Message::Type::SseEvent)
            result.append(m.event);
    }
    return result;
}

QList<SseEvent> TestClient::eventsOf(const QString &id) const
{
    QList<SseEvent> result;
    for (const auto &m : m_messages) {
        if (m.type == ProxyMessages::Message::Type::SseEvent && m.id == id)
            result.append(m.event);
    }
    return result;
}

QString TestClient::sequence() const
{
    return sequenceOf(std::nullopt);
}

QString TestClient::sequenceOf(const std::optional<QString> &id) const
{
    QStringList names;
    for (const auto &m : m_messages) {
        if (id && m.id != *id)
            continue;
        switch (m.type) {
        case ProxyMessages::Message::Type::Connected:
            names << QStringLiteral("connected");
            break;
        case ProxyMessages::Message::Type::SseEvent:
            names << QStringLiteral("sse-event");
            break;
        case ProxyMessages::Message::Type::Data:
            names << QStringLiteral("data");
            break;
        case ProxyMessages::Message::Type::Error:
            names << QStringLiteral("error");
            break;
        case ProxyMessages::Message::Type::Closed:
            names << QStringLiteral("closed");
            break;
        case ProxyMessages::Message::Type::Reconnecting:
            names << QStringLiteral("reconnecting");
            break;
        }
    }
    return names.join(u',');
}

void TestClient::clear()
{
    m_messages.clear();
    m_raw.clear();
    m_decodeErrors = 0;
}

QJsonObject upstreamRequest(quint16 port, const QString &path, const QString &method)
{
    return QJsonObject { { QStringLiteral("protocol"), QStringLiteral("http") },
        { QStringLiteral("address"), QStringLiteral("127.0.0.1") },
        { QStringLiteral("port"), int(port) }, { QStringLiteral("path"), path },
        { QStringLiteral("method"), method } };
}
