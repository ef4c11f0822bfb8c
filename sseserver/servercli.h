#pragma once

#include "programcli.h"
#include "settings.h"

#include <QString>
#include <QStringList>

class QCoreApplication;

// sse-test-server's command line and life cycle, kept out of main.cpp so main stays thin.
namespace ServerCli {

inline constexpr int exitBadUsage = ProgramCli::exitBadUsage; // bad option or settings, port in use

// What the command line asks for, as a value (tested without a process).
struct CommandLine
{
    ProgramCli::Outcome outcome; // Run: the fields below are ready
    TestServerSettings config; // settings.json (or --settings), then the options over it
    bool quiet = false; // --quiet: no log of requests and events
    QString tlsCertificate; // --tls CERT KEY: both set, or neither
    QString tlsKey;
};

// Parses the arguments (settings.json, then --settings/--host/--port/--count/--delay/--quiet,
// --tls CERT KEY). Prints nothing but the settings file's own warnings and errors (SettingsCli).
CommandLine parse(const QStringList &arguments);

// Serves what `commandLine` (Run) describes: listens, prints where, and runs the event loop
// until SIGINT or SIGTERM. Returns the exit status: 0 after a signal, exitBadUsage with a
// message on stderr when the TLS files are bad or it cannot listen.
int serve(QCoreApplication &app, const CommandLine &commandLine);

// main(): parses, then prints help, version or the error, or serves.
int run(QCoreApplication &app);

} // namespace ServerCli
