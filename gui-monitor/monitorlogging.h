#pragma once

#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcMonitor) // wssp.monitor: the window and its panels
Q_DECLARE_LOGGING_CATEGORY(lcMonitorFeed) // wssp.monitor.feed: the feed connection
