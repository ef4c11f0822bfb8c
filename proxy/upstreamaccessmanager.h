#pragma once

#include "inlinehttpreply.h"

#include <QNetworkAccessManager>

// A QNetworkAccessManager whose http and https requests are InlineHttpReply objects, through
// createRequest(), Qt's documented extension point: callers keep QNAM's API and streaming reads,
// while the HTTP runs on the caller's thread. It keeps no cookies, cache or connection pool:
// every request is one connection of its own. Other schemes go to Qt as usual.
class UpstreamAccessManager : public QNetworkAccessManager
{
    Q_OBJECT

public:
    explicit UpstreamAccessManager(
        const InlineHttpReply::Options &options, QObject *parent = nullptr);

protected:
    QNetworkReply *createRequest(
        Operation operation, const QNetworkRequest &request, QIODevice *outgoingData) override;

private:
    InlineHttpReply::Options m_options;
};
