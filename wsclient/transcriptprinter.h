#pragma once

#include "proxymessages.h"

#include <QString>
#include <QStringList>

// Turns what the test client sees into the transcript lines of PROTOCOL.md §8. Pure: no I/O,
// so the exact shape of every line is tested without sockets.
class TranscriptPrinter
{
public:
    enum class DataStyle {
        EchoResponse, // an echo event's data JSON shows only its "response" (the §8 transcript)
        Raw // the data exactly as the stream sent it (general mode)
    };

    explicit TranscriptPrinter(DataStyle dataStyle = DataStyle::EchoResponse);

    static QString connectedToProxy(); // ✅ Connected to Proxy WebSocket
    static QString sending(int count); // 📋 Sending 3 messages
    static QString sent(int index, const QString &message); // 📤 #1: Hello Server! #1
    static QString requestLine(const QString &method, const QString &url); // 📤 POST http://...
    static QString complete(int count); // ✅ Sent 3 messages. Test complete.
    static QString errorLine(const QString &message); // ❌ Error: ...

    // The lines for one proxy message. An `error` yields its line too; the caller decides the
    // stream (stderr) by the message type. A line may hold line breaks (a multi-line data).
    QStringList format(const ProxyMessages::Message &message) const;

    // `lines` with "[id] " in front of each, continuation lines included, so that with several
    // streams on one socket every output line says which request it is about (and grep
    // '^\[id\] ' picks one stream out).
    static QStringList tagged(const QStringList &lines, const QString &id);

    // What "📝 Data:" shows for an event's data: in EchoResponse style the "response" string of
    // an echo object ({"type":"echo",...,"response":"..."}), otherwise the data itself.
    QString displayData(const QString &data) const;

    // When set, a `connected` message also lists the upstream's response headers.
    void setShowHeaders(bool show) { m_showHeaders = show; }

private:
    DataStyle m_dataStyle;
    bool m_showHeaders = false;
};
