#pragma once

#include "monitormessages.h"

#include <QList>
#include <QObject>
#include <QSignalSpy>
#include <QStringList>
#include <QUrl>
#include <QWebSocket>

#include <algorithm>
#include <optional>

using FeedType = MonitorMessage::Type;

// A raw monitor: a WebSocket on /monitor that decodes and keeps every message.
class FeedRecorder : public QObject
{
public:
    FeedRecorder()
    {
        connect(&m_socket, &QWebSocket::textMessageReceived, this, [this](const QString &text) {
            m_raw.append(text);
            QString error;
            if (const std::optional<MonitorMessage> message = MonitorMessage::parse(text, &error))
                m_messages.append(*message);
            else
                m_decodeErrors.append(error);
        });
    }

    QWebSocket &socket() { return m_socket; }
    bool open(const QUrl &url)
    {
        QSignalSpy connected(&m_socket, &QWebSocket::connected);
        m_socket.open(url);
        return connected.wait(5000);
    }
    void send(const QString &text) { m_socket.sendTextMessage(text); }

    const QList<MonitorMessage> &messages() const { return m_messages; }
    // Every message as received, JSON text: for what must appear in no field at all.
    const QStringList &rawMessages() const { return m_raw; }
    const QStringList &decodeErrors() const { return m_decodeErrors; }
    int count(FeedType type) const
    {
        return int(std::count_if(m_messages.begin(), m_messages.end(),
            [type](const MonitorMessage &m) { return m.type == type; }));
    }
    QList<MonitorMessage> ofType(FeedType type) const
    {
        QList<MonitorMessage> result;
        for (const MonitorMessage &m : m_messages) {
            if (m.type == type)
                result.append(m);
        }
        return result;
    }
    // Index of the first message of `type` at or after `from` (-1: none).
    int indexOf(FeedType type, int from = 0) const
    {
        for (int i = from; i < m_messages.size(); ++i) {
            if (m_messages.at(i).type == type)
                return i;
        }
        return -1;
    }
    // Types in arrival order without the timed ones (totals, session-updated).
    QString lifecycle() const
    {
        QStringList names;
        for (const MonitorMessage &m : m_messages) {
            if (m.type != FeedType::Totals && m.type != FeedType::SessionUpdated)
                names.append(MonitorMessage::typeName(m.type));
        }
        return names.join(u',');
    }
    // The latest state of a session as told by session-updated (nullopt: never updated).
    std::optional<MonitorSession> lastUpdate(qint64 id) const
    {
        for (auto it = m_messages.crbegin(); it != m_messages.crend(); ++it) {
            if (it->type != FeedType::SessionUpdated)
                continue;
            for (const MonitorSession &s : it->sessions) {
                if (s.id == id)
                    return s;
            }
        }
        return std::nullopt;
    }
    // Events of every session-events batch for `id`, in order.
    QList<MonitorEventRecord> events(qint64 id) const
    {
        QList<MonitorEventRecord> result;
        for (const MonitorMessage &m : m_messages) {
            if (m.type == FeedType::SessionEvents && m.sessionEvents.sessionId == id)
                result += m.sessionEvents.events;
        }
        return result;
    }

private:
    QWebSocket m_socket;
    QStringList m_raw;
    QList<MonitorMessage> m_messages;
    QStringList m_decodeErrors;
};
