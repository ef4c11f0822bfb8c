#pragma once

#include <QStringList>

// The ws-sse-proxy command line: options, settings, logging, signals, the event loop.
// Returns the process exit status (0 after a clean shutdown, 2 for bad settings or options,
// 1 when it cannot listen).
int runProxyApp(const QStringList &arguments);
