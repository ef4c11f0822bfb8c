#include "upstreamaccessmanager.h"

UpstreamAccessManager::UpstreamAccessManager(
    const InlineHttpReply::Options &options, QObject *parent)
    : QNetworkAccessManager(parent)
    , m_options(options)
{
}

QNetworkReply *UpstreamAccessManager::createRequest(
    Operation operation, const QNetworkRequest &request, QIODevice *outgoingData)
{
    const QString scheme = request.url().scheme();
    if (scheme != u"http" && scheme != u"https")
        return QNetworkAccessManager::createRequest(operation, request, outgoingData);

    QByteArray verb;
    switch (operation) {
    case HeadOperation:
        verb = "HEAD";
        break;
    case GetOperation:
        verb = "GET";
        break;
    case PutOperation:
        verb = "PUT";
        break;
    case PostOperation:
        verb = "POST";
        break;
    case DeleteOperation:
        verb = "DELETE";
        break;
    case CustomOperation:
        verb = request.attribute(QNetworkRequest::CustomVerbAttribute).toByteArray();
        break;
    case UnknownOperation:
        break;
    }
    // QNAM hands the body over as a device it deletes with the reply: take the bytes now.
    const QByteArray body = outgoingData ? outgoingData->readAll() : QByteArray();
    return new InlineHttpReply(request, verb, body, outgoingData != nullptr, m_options, this);
}
