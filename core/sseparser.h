#pragma once

#include "sseevent.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QObject>
#include <QString>

// An incremental parser for `text/event-stream` bodies that follows the WHATWG HTML
// "event stream" interpretation rules exactly, whatever the chunking of its input.
//
// Feed it raw bytes in chunks of any size; it emits eventDispatched() once per dispatched event.
// Lines are split on bytes and each whole line is decoded from UTF-8 afterwards: CR, LF and ':'
// never occur inside a multi-byte sequence, so a character split across chunks survives.
// Each byte is scanned a fixed number of times (never again because a line continues in a later
// chunk); only the unfinished tail line is carried between chunks.
class SseParser : public QObject
{
    Q_OBJECT

public:
    struct Limits
    {
        qsizetype maxLineBytes = 8 * 1024 * 1024; // one line, without its line ending
        qsizetype maxEventBytes = 16 * 1024 * 1024; // one event's data buffer
    };

    explicit SseParser(QObject *parent = nullptr);
    explicit SseParser(Limits limits, QObject *parent = nullptr);

    // Parses the next chunk of the stream. Does nothing once the parser has failed.
    void feed(QByteArrayView chunk);
    // The stream ended: an unfinished line and an unfinished event are discarded.
    void finish();
    // Forgets everything, including the last event ID, to parse a new stream.
    void reset();

    // The stream's "last event ID string": the ID in force at the latest blank line.
    QString lastEventId() const { return m_lastEventId; }
    bool hasFailed() const { return m_failed; }
    Limits limits() const { return m_limits; }

signals:
    void eventDispatched(const SseEvent &event);
    // A limit was exceeded; the parser ignores further input until reset().
    void errorOccurred(const QString &message);

private:
    void processLine(QByteArrayView line);
    void processField(QByteArrayView name, QByteArrayView value);
    void dispatch();
    void clearBlock();
    void fail(const QString &message);

    Limits m_limits;
    QByteArray m_partialLine; // bytes of a line whose ending has not arrived yet
    QString m_data; // data buffer (each line followed by LF)
    qsizetype m_dataBytes = 0; // raw bytes appended to the data buffer, for the limit
    QString m_eventType; // event type buffer
    QByteArray m_eventTypeBytes; // the last `event` value seen, raw, and decoded:
    QString m_eventTypeDecoded; // a cache, not parser state
    QString m_lastEventIdBuffer; // last event ID buffer
    QString m_lastEventId; // last event ID string (set at each blank line)
    QString m_retry; // this block's valid retry value
    bool m_hasRetry = false;
    bool m_atStreamStart = true; // the next line is the first: it may begin with a BOM
    bool m_skipLeadingLf = false; // the previous chunk ended in CR: an LF now ends no line
    bool m_failed = false;
    quint64 m_generation = 0; // bumped by reset(), so feed() notices a reset from a slot
};
