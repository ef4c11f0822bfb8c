#pragma once

#include "settings.h"

#include <QString>
#include <QStringList>

#include <optional>

class QCoreApplication;

// sse-test-server's command line and life cycle, kept out of main.cpp so main stays thin.
namespace ServerCli {

inline constexpr int exitBadUsage = 2; // bad option, bad settings, port in use

// What the command line asks for, as a value (tested without a process).
struct CommandLine
{
    enum class Action { Run, ShowHelp, ShowVersion };
    Action action = Action::Run;
    QString helpText; // with ShowHelp
    TestServerSettings config; // settings.json (or --settings), then the options over it
    bool quiet = false; // --quiet: no log of requests and events
    QString tlsCertificate; // --tls CERT KEY: both set, or neither
    QString tlsKey;
};

// Parses the arguments (settings.json, then --settings/--host/--port/--count/--delay/--quiet,
// --tls CERT KEY). nullopt after printing the error on stderr (exit with exitBadUsage).
std::optional<CommandLine> parse(const QStringList &arguments);

// Parses, then prints help or version, or listens, prints where, and runs the event loop until
// SIGINT or SIGTERM. Returns the exit status: 0 after a signal, --help or --version,
// exitBadUsage with a message on stderr.
int run(QCoreApplication &app);

} // namespace ServerCli
