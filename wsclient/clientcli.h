#pragma once

#include "clientconfig.h"
#include "programcli.h"

#include <QString>
#include <QStringList>

// ws-test-client's command line: settings.json (--settings) first, then the options over it.
namespace ClientCli {

// What the command line asks for, as a value (tested without a process).
struct CommandLine
{
    ProgramCli::Outcome outcome; // Run: `config` is ready
    ClientConfig config;
};

// Parses `arguments` (program name first). A BadUsage message names the option or the
// settings key at fault; SettingsCli prints the settings file's own errors (the message is then
// empty).
CommandLine parse(const QStringList &arguments);

// Splits an http(s) URL into the request's protocol, address, port and path+query.
// False with `error` (naming --target) when it is not an absolute http/https URL with a host.
bool applyTarget(const QString &target, ProxyRequest *request, QString *error);

// "Name: value" -> header; false with `error` when the name is not an HTTP token or the value
// holds CR, LF or NUL.
bool parseHeader(const QString &text, HttpHeader *header, QString *error);

// A valid JSON object or array is sent as JSON, anything else as a string.
void applyBody(const QString &text, ProxyRequest *request);

} // namespace ClientCli
