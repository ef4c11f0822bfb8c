#pragma once

#include "clientconfig.h"

#include <QString>
#include <QStringList>

// ws-test-client's command line: settings.json (--settings) first, then the options over it.
namespace ClientCli {

enum class Outcome {
    Run, // `config` is ready
    Exit, // --help or --version: print `message` to stdout, exit 0
    BadUsage // print `message` (when not empty) to stderr, exit ClientExit::badUsage
};

// Parses `arguments` (program name first). On BadUsage `message` names the option or the
// settings key at fault; SettingsCli has already printed settings errors itself.
Outcome parse(const QStringList &arguments, ClientConfig *config, QString *message);

// Splits an http(s) URL into the request's protocol, address, port and path+query.
// False with `error` (naming --target) when it is not an absolute http/https URL with a host.
bool applyTarget(const QString &target, ProxyRequest *request, QString *error);

// "Name: value" -> header; false with `error` when the name is not an HTTP token or the value
// holds CR, LF or NUL.
bool parseHeader(const QString &text, HttpHeader *header, QString *error);

// A valid JSON object or array is sent as JSON, anything else as a string.
void applyBody(const QString &text, ProxyRequest *request);

} // namespace ClientCli
