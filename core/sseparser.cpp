#include "sseparser.h"

#include "utf8decoder.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace {

// Finds each next CR or LF of one chunk with memchr (vectorised in libc). Both searches remember
// their hit, so every byte is scanned at most once per byte value whatever the line endings: a
// CR-only stream would otherwise send every LF search to the end of the chunk, again and again.
class LineEndFinder
{
public:
    LineEndFinder(const char *begin, const char *end)
        : m_begin(begin)
        , m_end(end)
    {
    }

    // The first CR or LF in [from, end), or end.
    const char *next(const char *from)
    {
        // A few bytes (a stream trickling in) are quicker to look at than to call memchr twice.
        // Once this holds it holds for the rest of the chunk, so the memchr hits stay valid.
        if (m_end - from <= 16) {
            for (; from != m_end; ++from) {
                if (*from == '\n' || *from == '\r')
                    return from;
            }
            return m_end;
        }
        const qsizetype offset = from - m_begin;
        if (m_nextLf < offset)
            m_nextLf = find(from, '\n');
        if (m_nextCr < offset)
            m_nextCr = find(from, '\r');
        return m_begin + std::min(m_nextLf, m_nextCr);
    }

private:
    qsizetype find(const char *from, char c) const
    {
        const void *hit = std::memchr(from, c, size_t(m_end - from));
        return (hit ? static_cast<const char *>(hit) : m_end) - m_begin;
    }

    const char *m_begin;
    const char *m_end;
    qsizetype m_nextLf = -1; // offset of the next LF (or of the end); -1 before the first search
    qsizetype m_nextCr = -1;
};

bool isAllAsciiDigits(QByteArrayView value)
{
    if (value.isEmpty())
        return false;
    for (char c : value) {
        if (c < '0' || c > '9')
            return false;
    }
    return true;
}

} // namespace

SseParser::SseParser(QObject *parent)
    : SseParser(Limits {}, parent)
{
}

SseParser::SseParser(Limits limits, QObject *parent)
    : QObject(parent)
    , m_limits(limits)
{
}

void SseParser::feed(QByteArrayView chunk)
{
    if (m_failed)
        return;
    const quint64 generation = m_generation;
    const char *p = chunk.data();
    const char *const end = p + chunk.size();

    // "CRLF" split across chunks is one line ending: the CR already ended the line.
    if (m_skipLeadingLf && p != end) {
        m_skipLeadingLf = false;
        if (*p == '\n')
            ++p;
    }

    LineEndFinder finder(p, end);
    while (p != end) {
        const char *lineEnd = finder.next(p);
        const qsizetype partLength = lineEnd - p;
        if (m_partialLine.size() + partLength > m_limits.maxLineBytes) {
            fail(QStringLiteral("event stream line longer than the limit of %1 bytes")
                     .arg(m_limits.maxLineBytes));
            return;
        }
        if (lineEnd == end) {
            m_partialLine.append(p, partLength);
            return;
        }

        // "Lines must be separated by either a CRLF pair, a single LF, or a single CR."
        const char *next = lineEnd + 1;
        if (*lineEnd == '\r') {
            if (next == end)
                m_skipLeadingLf = true;
            else if (*next == '\n')
                ++next;
        }

        if (m_partialLine.isEmpty()) {
            processLine(QByteArrayView(p, partLength));
        } else {
            // Take the finished line out first: a slot may reset() and feed() the parser while
            // this line is processed, and the bytes it feeds must not be cleared afterwards.
            QByteArray line = std::exchange(m_partialLine, QByteArray());
            line.append(p, partLength);
            processLine(line);
            // Keep the capacity for the next long line unless it is unusually large.
            if (m_partialLine.isEmpty() && line.capacity() <= 64 * 1024) {
                line.resize(0);
                m_partialLine = std::move(line);
            }
        }
        if (m_failed || generation != m_generation)
            return; // a limit was hit, or a slot reset the parser while it was dispatching
        p = next;
    }
}

void SseParser::finish()
{
    // "Once the end of the file is reached, any pending data must be discarded. (If the file
    // ends in the middle of an event, before the final empty line, the incomplete event is not
    // dispatched.)"
    m_partialLine = QByteArray();
    m_skipLeadingLf = false;
    clearBlock();
}

void SseParser::reset()
{
    finish();
    m_lastEventIdBuffer.clear();
    m_lastEventId.clear();
    m_eventTypeBytes = QByteArray(); // it may hold one huge `event:` value
    m_eventTypeDecoded = QString();
    m_atStreamStart = true;
    m_failed = false;
    ++m_generation;
}

void SseParser::processLine(QByteArrayView line)
{
    // "The UTF-8 decode algorithm strips one leading UTF-8 Byte Order Mark (BOM), if any."
    if (m_atStreamStart) {
        m_atStreamStart = false;
        if (line.startsWith("\xEF\xBB\xBF"))
            line = line.sliced(3);
    }

    // "If the line is empty (a blank line): Dispatch the event."
    if (line.isEmpty()) {
        dispatch();
        return;
    }
    // "If the line starts with a U+003A COLON character (:): Ignore the line."
    if (line.front() == ':')
        return;

    const auto *colon = static_cast<const char *>(std::memchr(line.data(), ':', line.size()));
    if (!colon) {
        // "Otherwise, the string is not empty but does not contain a U+003A COLON character
        // (:): Process the field using the whole line as the field name, and the empty string
        // as the field value."
        processField(line, QByteArrayView());
        return;
    }
    // "Collect the characters on the line before the first U+003A COLON character (:), and let
    // field be that string. Collect the characters on the line after the first U+003A COLON
    // character (:), and let value be that string. If value starts with a U+0020 SPACE
    // character, remove it from value."
    const qsizetype colonIndex = colon - line.data();
    QByteArrayView value = line.sliced(colonIndex + 1);
    if (value.startsWith(' '))
        value = value.sliced(1);
    processField(line.first(colonIndex), value);
}

void SseParser::processField(QByteArrayView name, QByteArrayView value)
{
    // Field names are compared byte for byte: they are case-sensitive, and a name holding
    // invalid UTF-8 decodes to U+FFFD, so it could never equal one of these ASCII names anyway.
    if (name == "data") {
        // "Append the field value to the data buffer, then append a single U+000A LINE FEED
        // (LF) character to the data buffer."
        m_dataBytes += value.size() + 1;
        if (m_dataBytes > m_limits.maxEventBytes) {
            fail(QStringLiteral("event stream event data larger than the limit of %1 bytes")
                     .arg(m_limits.maxEventBytes));
            return;
        }
        Utf8::appendDecoded(m_data, value);
        m_data.append(u'\n');
    } else if (name == "event") {
        // "Set the event type buffer to the field value."
        // Streams repeat a few event types: reusing the string decoded last time (implicitly
        // shared) saves an allocation per event.
        if (value != m_eventTypeBytes) {
            m_eventTypeBytes = value.toByteArray();
            m_eventTypeDecoded = Utf8::decode(value);
        }
        m_eventType = m_eventTypeDecoded;
    } else if (name == "id") {
        // "If the field value does not contain U+0000 NULL, then set the last event ID buffer
        // to the field value. Otherwise, ignore the field."
        if (!value.contains('\0'))
            m_lastEventIdBuffer = Utf8::decode(value);
    } else if (name == "retry") {
        // "If the field value consists of only ASCII digits, then interpret the field value as
        // an integer in base ten, and set the event stream's reconnection time to that
        // integer. Otherwise, ignore the field."
        if (isAllAsciiDigits(value)) {
            m_retry = QString::fromLatin1(value);
            m_hasRetry = true;
        }
    }
    // "Otherwise: The field is ignored."
}

void SseParser::dispatch()
{
    // "Set the last event ID string of the event source to the value of the last event ID
    // buffer. The buffer does not get reset, so the last event ID string of the event source
    // remains set to this value until the next time it is set by the server."
    m_lastEventId = m_lastEventIdBuffer;

    // "If the data buffer is an empty string, set the data buffer and the event type buffer to
    // the empty string and return."
    if (m_data.isEmpty()) {
        clearBlock();
        return;
    }

    SseEvent event;
    // "If the data buffer's last character is a U+000A LINE FEED (LF) character, then remove
    // the last character from the data buffer." (It always is: each data line appends one.)
    m_data.chop(1);
    event.data = std::move(m_data);
    // "If the event type buffer has a value other than the empty string, change the type of
    // the newly created event to equal the value of the event type buffer."
    if (!m_eventType.isEmpty())
        event.type = m_eventType;
    event.lastEventId = m_lastEventId;
    event.retry = m_retry;
    event.hasRetry = m_hasRetry;

    // "Set the data buffer and the event type buffer to the empty string."
    clearBlock();
    emit eventDispatched(event);
}

void SseParser::clearBlock()
{
    m_data = QString();
    m_dataBytes = 0;
    m_eventType = QString();
    m_retry = QString();
    m_hasRetry = false;
}

void SseParser::fail(const QString &message)
{
    m_failed = true;
    m_partialLine = QByteArray();
    clearBlock();
    emit errorOccurred(message);
}
