#include "transcriptprinter.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>

namespace {

// Continuation lines of a multi-line value line up under the text after "   📝 Data: ".
constexpr QLatin1StringView continuationIndent("           ");

QString indentContinuation(const QString &text)
{
    if (!text.contains(u'\n'))
        return text;
    QString out = text;
    out.replace(u'\n', QString(u'\n' + QString(continuationIndent)));
    return out;
}

} // namespace

TranscriptPrinter::TranscriptPrinter(DataStyle dataStyle)
    : m_dataStyle(dataStyle)
{
}

QString TranscriptPrinter::connectedToProxy()
{
    return QStringLiteral("✅ Connected to Proxy WebSocket");
}

QString TranscriptPrinter::sending(int count)
{
    return QStringLiteral("📋 Sending %1 %2")
        .arg(count)
        .arg(count == 1 ? QStringLiteral("message") : QStringLiteral("messages"));
}

QString TranscriptPrinter::sent(int index, const QString &message)
{
    return QStringLiteral("📤 #%1: %2").arg(index).arg(message);
}

QString TranscriptPrinter::requestLine(const QString &method, const QString &url)
{
    return QStringLiteral("📤 %1 %2").arg(method, url);
}

QString TranscriptPrinter::complete(int count)
{
    return QStringLiteral("✅ Sent %1 %2. Test complete.")
        .arg(count)
        .arg(count == 1 ? QStringLiteral("message") : QStringLiteral("messages"));
}

QString TranscriptPrinter::errorLine(const QString &message)
{
    return QStringLiteral("❌ Error: ") + message;
}

QString TranscriptPrinter::displayData(const QString &data) const
{
    if (m_dataStyle == DataStyle::Raw)
        return data;
    // Only an object the test server would send counts as echo JSON; anything else (another
    // server, a plain string, a number) is shown as it came.
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(data.toUtf8(), &parseError);
    if (parseError.error != QJsonParseError::NoError || !doc.isObject())
        return data;
    const QJsonObject object = doc.object();
    const QJsonValue response = object.value(QLatin1StringView("response"));
    if (object.value(QLatin1StringView("type")).toString() != QLatin1StringView("echo")
        || !response.isString()) {
        return data;
    }
    return response.toString();
}

QStringList TranscriptPrinter::format(const ProxyMessages::Message &message) const
{
    using Type = ProxyMessages::Message::Type;
    QStringList lines;
    switch (message.type) {
    case Type::Connected:
        lines << QStringLiteral("✅ Connected to server (%1)").arg(message.status);
        if (m_showHeaders) {
            for (auto it = message.headers.cbegin(); it != message.headers.cend(); ++it)
                lines << QStringLiteral("   %1: %2").arg(it.key(), it.value());
        }
        break;
    case Type::SseEvent:
        lines << QStringLiteral("📥 SSE Event [%1]:").arg(message.event.type);
        if (!message.event.lastEventId.isEmpty())
            lines << QStringLiteral("   🆔 ID: ") + message.event.lastEventId;
        // The original client printed Retry before Data; §8's transcript keeps that order.
        if (message.event.hasRetry)
            lines << QStringLiteral("   🔄 Retry: %1ms").arg(message.event.retry);
        lines << QStringLiteral("   📝 Data: ")
                + indentContinuation(displayData(message.event.data));
        break;
    case Type::Data:
        lines << QStringLiteral("📨 Legacy data: ") + indentContinuation(displayData(message.text));
        break;
    case Type::Error:
        lines << errorLine(message.text);
        break;
    case Type::Closed:
        lines << QStringLiteral("🔚 Server closed: ") + message.text;
        break;
    case Type::Reconnecting: {
        // The last event ID only when there is one (none is sent then), the reason only when
        // the proxy gave one.
        const ProxyMessages::Reconnecting &what = message.reconnecting;
        QString line = QStringLiteral("🔁 Reconnecting in %1 ms (attempt %2")
                           .arg(what.delayMs)
                           .arg(what.attempt);
        if (!what.lastEventId.isEmpty())
            line += QStringLiteral(", last event ID \"%1\"").arg(what.lastEventId);
        line += u')';
        if (!what.reason.isEmpty())
            line += QStringLiteral(": ") + what.reason;
        lines << line;
        break;
    }
    }
    return lines;
}

QStringList TranscriptPrinter::tagged(const QStringList &lines, const QString &id)
{
    const QString prefix = u'[' + id + QStringLiteral("] ");
    QStringList out;
    out.reserve(lines.size());
    for (const QString &line : lines) {
        QString text = prefix + line;
        text.replace(u'\n', u'\n' + prefix);
        out.append(text);
    }
    return out;
}
