#include "logging.h"

Q_LOGGING_CATEGORY(lcSseServer, "wssp.sseserver")
