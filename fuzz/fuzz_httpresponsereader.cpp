// libFuzzer target for HttpResponseReader (scripts/fuzz.sh builds and runs it).
//
// Input: byte 0 picks how the rest is split into feeds, byte 1 the limits (bit 7 set: a small
// head limit and header count, so that the limits trip often), the rest is the connection's
// bytes. Each input is read twice, whole and split, each followed by finishAtClose(), and checked
// for the invariants callers rely on:
// - feed() consumes at most what it is given, all of it unless the reader ends in it, and
//   nothing once complete or failed; no callback after the end; onHead at most once, before
//   any body; body views point into the bytes being fed; bodyBytes() is the sum of the views;
// - complete means no error, failed means an error; after finishAtClose() the reader has ended;
// - the split read ends like the whole one: same state, and unless failed the same head, body,
//   framing and bytes consumed. (Failed reads compare less: with several faults in one response
//   which one is noticed first may depend on the split, and a failed chunked body may have been
//   handed less of its data.)
// Every feed is copied to an allocation of exactly its size, so ASan sees any read beyond it.

#include "httpresponsereader.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

namespace {

#define FUZZ_CHECK(condition)                                                                      \
    do {                                                                                           \
        if (!(condition)) {                                                                        \
            std::fprintf(stderr, "invariant broken at line %d: %s\n", __LINE__, #condition);       \
            std::abort();                                                                          \
        }                                                                                          \
    } while (false)

using Reader = HttpResponseReader;

struct Outcome
{
    Reader::State state = Reader::State::ReadingHead;
    QString error;
    bool hadHead = false;
    Reader::Head head;
    Reader::Framing framing = Reader::Framing::CloseDelimited;
    QByteArray body;
    qsizetype consumed = 0;
};

bool hasEnded(const Reader &reader)
{
    return reader.isComplete() || reader.hasFailed();
}

bool sameHead(const Reader::Head &a, const Reader::Head &b)
{
    return a.status == b.status && a.reason == b.reason && a.httpMajor == b.httpMajor
        && a.httpMinor == b.httpMinor && a.headers == b.headers;
}

Outcome read(QByteArrayView input, const std::vector<qsizetype> &pieces, Reader::Limits limits)
{
    Outcome out;
    const char *fedBegin = nullptr;
    const char *fedEnd = nullptr;
    bool ended = false;
    std::unique_ptr<Reader> reader;

    Reader::Callbacks callbacks;
    callbacks.onHead = [&](const Reader::Head &head) {
        FUZZ_CHECK(!ended);
        FUZZ_CHECK(!out.hadHead);
        FUZZ_CHECK(reader->state() == Reader::State::ReadingBody);
        out.hadHead = true;
        out.head = head;
        out.framing = reader->framing();
    };
    callbacks.onBody = [&](QByteArrayView bytes) {
        FUZZ_CHECK(!ended);
        FUZZ_CHECK(out.hadHead);
        FUZZ_CHECK(!bytes.isEmpty());
        FUZZ_CHECK(bytes.data() >= fedBegin && bytes.data() + bytes.size() <= fedEnd);
        out.body.append(bytes.data(), bytes.size());
    };
    reader = std::make_unique<Reader>(callbacks, limits);

    qsizetype offset = 0;
    for (qsizetype size : pieces) {
        std::unique_ptr<char[]> piece(new char[size_t(size)]);
        std::memcpy(piece.get(), input.data() + offset, size_t(size));
        offset += size;
        fedBegin = piece.get();
        fedEnd = piece.get() + size;

        const bool endedBefore = hasEnded(*reader);
        const qsizetype consumed = reader->feed(QByteArrayView(piece.get(), size));
        FUZZ_CHECK(consumed >= 0 && consumed <= size);
        FUZZ_CHECK(!endedBefore || consumed == 0);
        FUZZ_CHECK(consumed == size || hasEnded(*reader));
        FUZZ_CHECK(reader->bodyBytes() == out.body.size());
        FUZZ_CHECK(!(reader->isComplete() && !reader->error().isEmpty()));
        FUZZ_CHECK(!(reader->hasFailed() && reader->error().isEmpty()));
        out.consumed += consumed;
        ended = hasEnded(*reader);
    }
    FUZZ_CHECK(offset == input.size());
    fedBegin = fedEnd = nullptr;

    const Reader::State stateBefore = reader->state();
    const QString errorBefore = reader->error();
    reader->finishAtClose();
    FUZZ_CHECK(hasEnded(*reader));
    if (ended)
        FUZZ_CHECK(reader->state() == stateBefore && reader->error() == errorBefore);
    ended = true;
    FUZZ_CHECK(reader->isComplete() != reader->hasFailed());
    FUZZ_CHECK(reader->isComplete() == reader->error().isEmpty());
    FUZZ_CHECK(reader->bodyBytes() == out.body.size());
    FUZZ_CHECK(reader->feed(QByteArrayView("HTTP/1.1 200 OK\r\n\r\n")) == 0);
    if (out.hadHead) {
        FUZZ_CHECK(reader->framing() == out.framing);
        if (out.framing == Reader::Framing::NoBody)
            FUZZ_CHECK(out.body.isEmpty());
        FUZZ_CHECK(out.head.status >= 200 && out.head.status <= 599);
    } else {
        FUZZ_CHECK(out.body.isEmpty());
    }

    out.state = reader->state();
    out.error = reader->error();
    return out;
}

// Piece sizes from a seed: one byte at a time, or random sizes up to 8, 64 or 512 bytes.
std::vector<qsizetype> split(qsizetype size, uint8_t seed)
{
    std::vector<qsizetype> pieces;
    const qsizetype maxPiece = qsizetype(1) << (3 * (seed & 3)); // 1, 8, 64, 512
    uint32_t state = 0x9E3779B9u ^ (uint32_t(seed) * 0x01000193u);
    for (qsizetype left = size; left > 0;) {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        const qsizetype piece = std::min(left, 1 + qsizetype(state % uint32_t(maxPiece)));
        pieces.push_back(piece);
        left -= piece;
    }
    return pieces;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    Reader::Limits limits;
    if (data[1] & 0x80) {
        limits.maxHeadBytes = 1 + (data[1] & 0x7F) * 4;
        limits.maxHeaderCount = data[1] & 0x07;
    }
    const QByteArrayView input(reinterpret_cast<const char *>(data) + 2, qsizetype(size - 2));

    std::vector<qsizetype> whole;
    if (!input.isEmpty())
        whole.push_back(input.size());
    const Outcome a = read(input, whole, limits);
    const Outcome b = read(input, split(input.size(), data[0]), limits);

    FUZZ_CHECK(a.state == b.state);
    FUZZ_CHECK(a.hadHead == b.hadHead);
    if (a.hadHead) {
        FUZZ_CHECK(sameHead(a.head, b.head));
        FUZZ_CHECK(a.framing == b.framing);
    }
    if (a.state == Reader::State::Failed) {
        FUZZ_CHECK(a.body.startsWith(b.body) || b.body.startsWith(a.body));
    } else {
        FUZZ_CHECK(a.error == b.error);
        FUZZ_CHECK(a.body == b.body);
        FUZZ_CHECK(a.consumed == b.consumed);
    }
    return 0;
}
