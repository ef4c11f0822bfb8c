#pragma once

class QCoreApplication;

// sse-test-server's command line and life cycle, kept out of main.cpp so main stays thin.
namespace ServerCli {

inline constexpr int exitBadUsage = 2; // bad option, bad settings, port in use

// Parses the arguments (settings.json, then --settings/--host/--port/--count/--delay/--quiet,
// --tls CERT KEY), listens, prints where, and runs the event loop until SIGINT or SIGTERM.
// Returns the exit status: 0 after a signal or --help, exitBadUsage with a message on stderr.
int run(QCoreApplication &app);

} // namespace ServerCli
