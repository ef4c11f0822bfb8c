#include "monitorclient.h"

#include <cstdio>

namespace relaybench {

MonitorClient::Counts MonitorClient::Counts::operator-(const Counts &before) const
{
    Counts d;
    d.messages = messages - before.messages;
    d.characters = characters - before.characters;
    d.sessionUpdated = sessionUpdated - before.sessionUpdated;
    d.totals = totals - before.totals;
    d.sessionEventBatches = sessionEventBatches - before.sessionEventBatches;
    d.eventRecords = eventRecords - before.eventRecords;
    d.skipped = skipped - before.skipped;
    d.other = other - before.other;
    return d;
}

MonitorClient::MonitorClient(const QUrl &monitorUrl, QObject *parent)
    : QObject(parent)
{
    connect(&m_socket, &QWebSocket::textMessageReceived, this,
        &MonitorClient::onSocketTextMessageReceived);
    m_socket.open(monitorUrl);
}

qint64 MonitorClient::streamingSession() const
{
    qint64 found = 0;
    for (auto it = m_states.cbegin(); it != m_states.cend(); ++it) {
        if (it.value() == MonitorSession::State::Streaming && (found == 0 || it.key() < found))
            found = it.key();
    }
    return found;
}

void MonitorClient::subscribe(qint64 sessionId)
{
    m_liveEventRecords = 0;
    m_socket.sendTextMessage(MonitorMessages::subscribe(sessionId));
}

void MonitorClient::onSocketTextMessageReceived(const QString &text)
{
    ++m_counts.messages;
    m_counts.characters += text.size();
    QString error;
    const std::optional<MonitorMessage> message = MonitorMessage::parse(text, &error);
    if (!message) {
        std::fprintf(stderr, "bench-relay: monitor feed: %s\n", qPrintable(error));
        ++m_problems;
        return;
    }
    switch (message->type) {
    case MonitorMessage::Type::Snapshot:
        m_snapshotReceived = true;
        m_states.clear();
        for (const MonitorSession &session : message->sessions)
            noteSession(session);
        ++m_counts.other;
        break;
    case MonitorMessage::Type::SessionUpdated:
        for (const MonitorSession &session : message->sessions)
            noteSession(session);
        ++m_counts.sessionUpdated;
        break;
    case MonitorMessage::Type::SessionOpened:
    case MonitorMessage::Type::SessionClosed:
        noteSession(message->session);
        ++m_counts.other;
        break;
    case MonitorMessage::Type::Totals:
        ++m_counts.totals;
        break;
    case MonitorMessage::Type::SessionEvents:
        ++m_counts.sessionEventBatches;
        m_counts.eventRecords += message->sessionEvents.events.size();
        m_counts.skipped += message->sessionEvents.skipped;
        if (!message->sessionEvents.history)
            m_liveEventRecords += message->sessionEvents.events.size();
        break;
    case MonitorMessage::Type::Error:
        std::fprintf(stderr, "bench-relay: monitor feed error: %s\n", qPrintable(message->message));
        ++m_problems;
        ++m_counts.other;
        break;
    default:
        ++m_counts.other;
    }
}

void MonitorClient::noteSession(const MonitorSession &session)
{
    if (session.state == MonitorSession::State::Closed)
        m_states.remove(session.id);
    else
        m_states.insert(session.id, session.state);
}

} // namespace relaybench
