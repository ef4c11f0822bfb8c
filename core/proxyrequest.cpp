#include "proxyrequest.h"

std::optional<ProxyRequest> ProxyRequest::fromJson(const QJsonObject &, QString *error)
{
    if (error)
        *error = QStringLiteral("not implemented yet");
    return std::nullopt;
}

QJsonObject ProxyRequest::toJson() const { return {}; }
QUrl ProxyRequest::url() const { return {}; }
bool ProxyRequest::hasHeader(QByteArrayView) const { return false; }
HttpHeaderList ProxyRequest::upstreamHeaders() const { return headers; }
bool ProxyRequest::isDroppedHeader(QByteArrayView) { return false; }

std::optional<ClientMessage> ClientMessage::parse(QStringView, QString *error)
{
    if (error)
        *error = QStringLiteral("not implemented yet");
    return std::nullopt;
}
