#pragma once

#include "sseevent.h"

#include <QByteArray>
#include <QByteArrayView>

// Turns events into `text/event-stream` bytes that SseParser (or any conforming client)
// parses back into the same event.
namespace SseWriter {

enum class LineEnding { Lf, CrLf, Cr };

// One event block followed by a blank line:
// - `event:` when `type` is not empty (also for "message", which a reader would assume anyway);
// - `id:` when `lastEventId` is not empty;
// - `retry:` when `hasRetry`;
// - one `data:` line per line of `data` (LF, CRLF and CR in `data` all start a new line, as a
//   reader would split them), always at least one, so an empty `data` is still dispatched.
// CR and LF cannot be represented inside `type` or `lastEventId`, nor NUL inside `lastEventId`
// (a reader would ignore the whole `id` line); they are dropped there.
QByteArray encode(const SseEvent &event, LineEnding ending = LineEnding::Lf);

// A comment line (`: text`), which readers ignore: heartbeats keep idle connections alive.
QByteArray comment(QByteArrayView text = {}, LineEnding ending = LineEnding::Lf);

QByteArrayView lineEndingBytes(LineEnding ending);

} // namespace SseWriter
