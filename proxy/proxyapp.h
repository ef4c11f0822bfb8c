#pragma once

#include "programcli.h"
#include "settings.h"

#include <QStringList>

// The ws-sse-proxy command line: options, settings, logging, the event loop, signals.
// Process exit statuses: 0 after a clean shutdown (or --help, --version), 2 for bad settings or
// options (ProgramCli::exitBadUsage), exitCannotListen (1) when the port is in use or the host
// cannot be bound.
inline constexpr int exitCannotListen = 1;

// What the command line asks for, read without an application object: the settings choose
// the event dispatcher, which has to be installed before QCoreApplication exists.
struct ProxyCommandLine
{
    ProgramCli::Outcome outcome; // Run: the fields below are ready
    Settings settings; // the file, then the options; validated
    bool verbose = false;
    bool quiet = false;
};

// The command line as a value; nothing printed but the settings file's own warnings and errors
// (SettingsCli). Without an application the help text names the program <executable_name>:
// proxyMain() asks again once there is one.
ProxyCommandLine parseProxyCommandLine(const QStringList &arguments);

// main(): parses, prints help, version or the error, or installs proxy.eventDispatcher, creates
// the application and runs the proxy.
int proxyMain(int argc, char *argv[]);
