#pragma once

#include "monitorwindow.h"

#include <QString>
#include <QStringList>

// ws-sse-monitor's command line: --url, --token, --settings (docs/MONITOR.md §6).
namespace MonitorCli {

enum class Outcome {
    Run, // `options` is ready
    Exit, // --help or --version: print `message` to stdout, exit 0
    BadUsage // print `message` (when not empty) to stderr, exit 2
};

// Fills url, token and childArguments of `options` (the other fields are left alone). The URL
// comes from --url, else from the settings (Settings::monitorUrl()); the token from --token,
// else monitor.token.
Outcome parse(const QStringList &arguments, MonitorWindowOptions *options, QString *message);

} // namespace MonitorCli
