#pragma once

#include <QLoggingCategory>

// Requests, events sent and connection ends. `--quiet` turns the info level off.
Q_DECLARE_LOGGING_CATEGORY(lcSseServer)
