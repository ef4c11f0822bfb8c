#include "monitorlogging.h"

Q_LOGGING_CATEGORY(lcMonitor, "wssp.monitor", QtInfoMsg)
Q_LOGGING_CATEGORY(lcMonitorFeed, "wssp.monitor.feed", QtInfoMsg)
