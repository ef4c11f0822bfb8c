#pragma once

#include "requestreader.h"
#include "responsesource.h"
#include "settings.h"

#include <QString>

#include <memory>

// Maps one complete request to its response: an endpoint's source, or a plain-text error
// (400 bad parameter or body, 404 unknown path, 405 wrong method). Pure: no sockets, no clock
// but the echo's (epochMs comes from the caller).
namespace Router {

struct Routed
{
    std::unique_ptr<ResponseSource> source;
    int status = 200; // what the response starts with, for tests and the log
    QString note; // the request's log line: "📨 POST /events from 127.0.0.1: Hello"
};

Routed route(const HttpRequest &request, const TestServerSettings &settings, qint64 epochMs);

// One line per endpoint, for --help, the 404 body and docs/TEST-SERVER.md.
QString endpointHelp();

// The fixed /endings events, written with `style` line endings ("lf", "crlf" or "cr").
QByteArray endingsBody(const QString &style);

// The /headers event's data: {"method","target","path","query","version","headers",
// "rawHeaders","body","bodyBytes"} as one line of JSON.
QByteArray requestJson(const HttpRequest &request);

} // namespace Router
