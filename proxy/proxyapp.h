#pragma once

#include "settings.h"

#include <QStringList>

#include <optional>

// The ws-sse-proxy command line: options, settings, logging, the event loop, signals.
// Process exit statuses: 0 after a clean shutdown (or --help, --version), 2 for bad settings or
// options (SettingsCli::exitBadSettings), exitCannotListen (1) when the port is in use or the
// host cannot be bound.
inline constexpr int exitCannotListen = 1;

// What the command line asks for, read without an application object: the settings choose
// the event dispatcher, which has to be installed before QCoreApplication exists.
struct ProxyCommandLine
{
    enum class Action { Run, ShowHelp, ShowVersion };
    Action action = Action::Run;
    Settings settings; // the file, then the options; validated
    bool verbose = false;
    bool quiet = false;
};

// The command line as a value; nullopt after printing the error (exit with exitBadSettings).
std::optional<ProxyCommandLine> parseProxyCommandLine(const QStringList &arguments);

// main(): parses, installs proxy.eventDispatcher, creates the application and runs the proxy.
int proxyMain(int argc, char *argv[]);
