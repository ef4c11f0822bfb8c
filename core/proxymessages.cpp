#include "proxymessages.h"

namespace ProxyMessages {

QString connected(int, const HttpHeaderList &) { return {}; }
QString sseEvent(const SseEvent &) { return {}; }
void appendSseEvent(QString &, const SseEvent &) { }
QString legacyData(const QString &) { return {}; }
QString error(const QString &) { return {}; }
QString closed(const QString &) { return {}; }

std::optional<Message> Message::parse(QStringView, QString *error)
{
    if (error)
        *error = QStringLiteral("not implemented yet");
    return std::nullopt;
}

} // namespace ProxyMessages
