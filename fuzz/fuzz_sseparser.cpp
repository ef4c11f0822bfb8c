// libFuzzer target for SseParser (scripts/fuzz.sh builds and runs it).
//
// Input: byte 0 picks how the rest is split into feeds (Fuzz::split, empty feeds included),
// byte 1 the small limits of the last two runs; the rest is the event stream. It is parsed
//   1. whole, default limits;          2. split, default limits;
//   3. split, small limits;            4. whole, small limits, by the parser of 3 after reset();
// each followed by finish(), and checked for what the parser promises:
// - "whatever the chunking" the same events, errors and last event ID: 1 = 2 and 3 = 4; and
//   reset() forgets everything (4 starts where 3 ended: often failed, or with a last event ID);
// - the WHATWG rules: each run equals model() below, a line-at-a-time reading of the spec with
//   none of the parser's incremental machinery (memchr search, carried partial line, CR at a
//   chunk's end), so a slip in that machinery shows even when it is chunking-independent;
// - limits: at most one error, nothing dispatched after it; no event holds more than
//   maxEventBytes of data or a field longer than maxLineBytes;
// - each event is well formed (no line break inside a field, retry digits iff hasRetry), and
//   finish() dispatches nothing.
// Every feed is copied to an allocation of exactly its size, so ASan sees any read beyond it.

#include "fuzzcheck.h"
#include "sseparser.h"
#include "utf8decoder.h"

#include <cstring>
#include <memory>

namespace {

using Limits = SseParser::Limits;

struct Outcome
{
    QList<SseEvent> events;
    int errors = 0;
    bool failed = false;
    QString lastEventId;

    bool operator==(const Outcome &o) const
    {
        return events == o.events && errors == o.errors && failed == o.failed
            && lastEventId == o.lastEventId;
    }
};

bool isDigits(QByteArrayView v)
{
    return !v.isEmpty()
        && std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The interpretation rules of WHATWG HTML §9.2.6 applied to the whole stream at once, with the
// parser's limits and its documented reading of `retry` (the block's digits, see sseevent.h).
Outcome model(QByteArrayView in, Limits limits)
{
    Outcome out;
    QString data, type, idBuffer, retry;
    bool hasRetry = false;
    qsizetype dataBytes = 0;
    const auto fail = [&out] {
        out.failed = true;
        out.errors = 1;
    };
    for (qsizetype start = 0, n = 0; start < in.size(); ++n) {
        qsizetype end = start;
        while (end < in.size() && in[end] != '\r' && in[end] != '\n')
            ++end;
        if (end - start > limits.maxLineBytes) {
            fail();
            break;
        }
        if (end == in.size())
            break; // an unfinished line: discarded at the end of the stream
        QByteArrayView line = in.sliced(start, end - start);
        start = end + 1;
        if (in[end] == '\r' && start < in.size() && in[start] == '\n')
            ++start;
        if (n == 0 && line.startsWith("\xEF\xBB\xBF"))
            line = line.sliced(3);

        if (line.isEmpty()) {
            out.lastEventId = idBuffer;
            if (!data.isEmpty()) {
                SseEvent event;
                data.chop(1);
                event.data = data;
                if (!type.isEmpty())
                    event.type = type;
                event.lastEventId = idBuffer;
                event.retry = retry;
                event.hasRetry = hasRetry;
                out.events.append(event);
            }
            data.clear();
            type.clear();
            retry.clear();
            hasRetry = false;
            dataBytes = 0;
            continue;
        }
        const qsizetype colon = line.indexOf(':');
        if (colon == 0)
            continue;
        const QByteArrayView name = colon < 0 ? line : line.first(colon);
        QByteArrayView value = colon < 0 ? QByteArrayView() : line.sliced(colon + 1);
        if (value.startsWith(' '))
            value = value.sliced(1);
        if (name == "data") {
            dataBytes += value.size() + 1;
            if (dataBytes > limits.maxEventBytes) {
                fail();
                break;
            }
            data += Utf8::decode(value) + u'\n';
        } else if (name == "event") {
            type = Utf8::decode(value);
        } else if (name == "id") {
            if (!value.contains('\0'))
                idBuffer = Utf8::decode(value);
        } else if (name == "retry" && isDigits(value)) {
            retry = QString::fromLatin1(value);
            hasRetry = true;
        }
    }
    return out;
}

void checkEvent(const SseEvent &e, Limits limits)
{
    // Each raw byte decodes to at most one UTF-16 unit, and the data buffer's last LF is cut.
    FUZZ_CHECK(e.data.size() < limits.maxEventBytes);
    // (An empty type buffer gives "message", which need not fit in a line.)
    FUZZ_CHECK(e.type == u"message" || e.type.size() <= limits.maxLineBytes);
    FUZZ_CHECK(e.lastEventId.size() <= limits.maxLineBytes);
    FUZZ_CHECK(!e.type.isEmpty() && !e.type.contains(u'\r') && !e.type.contains(u'\n'));
    FUZZ_CHECK(!e.data.contains(u'\r'));
    FUZZ_CHECK(!e.lastEventId.contains(u'\r') && !e.lastEventId.contains(u'\n')
        && !e.lastEventId.contains(QChar(0)));
    FUZZ_CHECK(e.hasRetry == !e.retry.isEmpty());
    FUZZ_CHECK(e.retry.size() <= limits.maxLineBytes && isDigits(e.retry.toLatin1()) == e.hasRetry);
}

// Feeds `input` in `pieces` (empty ones too) to `parser`, then finish().
Outcome run(SseParser &parser, QByteArrayView input, const std::vector<qsizetype> &pieces)
{
    Outcome out;
    bool finishing = false;
    const QMetaObject::Connection onEvent
        = QObject::connect(&parser, &SseParser::eventDispatched, [&](const SseEvent &e) {
              FUZZ_CHECK(!finishing && !parser.hasFailed());
              checkEvent(e, parser.limits());
              out.events.append(e);
          });
    const QMetaObject::Connection onError
        = QObject::connect(&parser, &SseParser::errorOccurred, [&](const QString &message) {
              FUZZ_CHECK(!message.isEmpty() && parser.hasFailed());
              ++out.errors;
          });

    qsizetype offset = 0;
    for (qsizetype size : pieces) {
        std::unique_ptr<char[]> piece(new char[size_t(std::max<qsizetype>(size, 1))]);
        std::memcpy(piece.get(), input.data() + offset, size_t(size));
        parser.feed(QByteArrayView(piece.get(), size));
        offset += size;
    }
    FUZZ_CHECK(offset == input.size());
    out.failed = parser.hasFailed();
    out.lastEventId = parser.lastEventId();
    finishing = true;
    parser.finish();
    FUZZ_CHECK(parser.lastEventId() == out.lastEventId && parser.hasFailed() == out.failed);
    FUZZ_CHECK(out.errors == (out.failed ? 1 : 0));

    QObject::disconnect(onEvent);
    QObject::disconnect(onError);
    return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    const QByteArrayView input(reinterpret_cast<const char *>(data) + 2, qsizetype(size - 2));
    std::vector<qsizetype> whole;
    if (!input.isEmpty())
        whole.push_back(input.size());
    const std::vector<qsizetype> pieces = Fuzz::split(input.size(), data[0], true);

    // Limits small enough to trip on short inputs: lines of 1..125 bytes, events of 1..169.
    Limits small;
    small.maxLineBytes = 1 + (data[1] & 0x1F) * 4;
    small.maxEventBytes = 1 + (data[1] >> 5) * 24;

    SseParser byDefault;
    const Outcome expected = model(input, byDefault.limits());
    FUZZ_CHECK(run(byDefault, input, whole) == expected);
    SseParser splitByDefault;
    FUZZ_CHECK(run(splitByDefault, input, pieces) == expected);

    const Outcome expectedSmall = model(input, small);
    SseParser limited(small);
    FUZZ_CHECK(run(limited, input, pieces) == expectedSmall);
    limited.reset();
    FUZZ_CHECK(!limited.hasFailed() && limited.lastEventId().isEmpty());
    FUZZ_CHECK(run(limited, input, whole) == expectedSmall);
    return 0;
}
