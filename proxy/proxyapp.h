#pragma once

#include <QStringList>

// The ws-sse-proxy command line: options, settings, logging, signals, the event loop.
// Returns the process exit status: 0 after a clean shutdown, 2 for bad settings or options,
// exitCannotListen (1) when the port is in use or the host cannot be bound.
inline constexpr int exitCannotListen = 1;
int runProxyApp(const QStringList &arguments);
