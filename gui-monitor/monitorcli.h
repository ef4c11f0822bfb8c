#pragma once

#include "programcli.h"

#include <QString>
#include <QStringList>
#include <QUrl>

// ws-sse-monitor's command line: --url, --token, --settings (docs/MONITOR.md §6).
namespace MonitorCli {

// What the command line asks for, as a value (tested without a process).
struct CommandLine
{
    ProgramCli::Outcome outcome; // Run: the fields below are ready
    QUrl url; // --url, else the settings' (Settings::monitorUrl())
    QString token; // --token, else monitor.token
    QStringList childArguments; // for the test server and client the monitor starts
};

CommandLine parse(const QStringList &arguments);

} // namespace MonitorCli
