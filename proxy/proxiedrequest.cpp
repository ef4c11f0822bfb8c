#include "proxiedrequest.h"

#include "proxymessages.h"

#include <QNetworkReply>

ProxiedRequest::ProxiedRequest(const ProxyRequest &request, QNetworkReply *reply,
    const UpstreamStream::Options &options, QObject *parent)
    : QObject(parent)
    , m_request(request)
    , m_stream(new UpstreamStream(reply, options, this))
{
    m_clock.start();
    connect(m_stream, &UpstreamStream::connected, this,
        [this](int status, const HttpHeaderList &headers) {
            m_status = status;
            emit connected(status, headers, double(m_clock.nsecsElapsed()) / 1e9);
        });
    connect(m_stream, &UpstreamStream::eventReceived, this, [this](const SseEvent &event) {
        ++m_eventsRelayed;
        emit eventReceived(event);
    });
    connect(m_stream, &UpstreamStream::bodyBytesRead, this, &ProxiedRequest::bodyBytesRead);
    connect(m_stream, &UpstreamStream::finished, this, &ProxiedRequest::onStreamFinished);
}

ProxiedRequest::~ProxiedRequest() = default;

void ProxiedRequest::end(RequestOutcome outcome, const QString &error, const QString &reason)
{
    if (m_finished)
        return;
    m_finished = true;
    m_stream->disconnect(this); // its own finished(Aborted) is not an outcome
    m_stream->abort();
    emit finished(outcome, error, reason);
}

void ProxiedRequest::onStreamFinished(UpstreamStream::Outcome outcome, const QString &message)
{
    switch (outcome) {
    case UpstreamStream::Outcome::Completed:
        end(RequestOutcome::Completed, QString(),
            QString::fromUtf16(ProxyMessages::reasonUpstreamEnded));
        break;
    case UpstreamStream::Outcome::UpstreamError:
        end(RequestOutcome::UpstreamError, message,
            QString::fromUtf16(ProxyMessages::reasonUpstreamError));
        break;
    case UpstreamStream::Outcome::Timeout:
        end(RequestOutcome::Timeout, message, QString::fromUtf16(ProxyMessages::reasonTimeout));
        break;
    case UpstreamStream::Outcome::Aborted:
        break; // only end() aborts, and it has reported already
    }
}
