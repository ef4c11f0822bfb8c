#pragma once

#include "httprequesthead.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

// One request as the endpoints see it.
struct HttpRequest
{
    HttpRequestHead head;
    QByteArray body;
    QString peer; // client address, for the log
};

// Collects one HTTP/1.1 request (head, then a Content-Length body) from bytes as they arrive.
// Pure: the connection feeds it and maps a failure to the status it names.
class RequestReader
{
public:
    enum class Status { Incomplete, Complete, Failed };

    static constexpr qsizetype maxHeadBytes = 16 * 1024;
    static constexpr qsizetype maxBodyBytes = 1024 * 1024;

    Status feed(QByteArrayView bytes);
    Status status() const { return m_status; }

    // With Complete: the request (body exactly Content-Length bytes; extra bytes are ignored).
    const HttpRequest &request() const { return m_request; }
    HttpRequest takeRequest() { return std::move(m_request); }

    // With Failed: the status to answer (400, 411, 413, 431) and why.
    int errorStatus() const { return m_errorStatus; }
    QString errorMessage() const { return m_errorMessage; }

    // True once, right after a head with `Expect: 100-continue` whose body has yet to come:
    // the connection answers `100 Continue` so clients such as curl send the body at once.
    bool takeContinueRequest();

private:
    Status fail(int status, const QString &message);
    Status onHeadComplete();

    QByteArray m_buffer;
    HttpRequest m_request;
    qsizetype m_bodyLength = 0;
    bool m_haveHead = false;
    bool m_continueRequested = false;
    Status m_status = Status::Incomplete;
    int m_errorStatus = 0;
    QString m_errorMessage;
};
