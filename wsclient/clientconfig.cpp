#include "clientconfig.h"

#include <QJsonDocument>
#include <QJsonObject>

QString ClientConfig::echoMessage(int index) const
{
    return message + QStringLiteral(" #") + QString::number(index);
}

ProxyRequest ClientConfig::echoRequest(int index) const
{
    ProxyRequest request;
    request.protocol = QStringLiteral("http");
    request.address = serverHost;
    request.port = serverPort;
    request.path = QStringLiteral("/events");
    request.method = "POST";
    request.bodyKind = ProxyRequest::BodyKind::Json;
    const QJsonObject body { { QStringLiteral("message"), echoMessage(index) } };
    request.body = QJsonDocument(body).toJson(QJsonDocument::Compact);
    return request;
}
