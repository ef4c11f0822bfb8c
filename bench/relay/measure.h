#pragma once

// Measuring helpers shared by the bench-relay stages: CPU and RSS from /proc, running the
// event loop for a while, payloads, and the one failure flag that sets the exit code.

#include <QByteArray>
#include <QString>

#include <functional>

namespace relaybench {

// This thread's CPU time, ns.
qint64 threadCpuNanos();
// utime + stime of a whole process (every thread), in microseconds; -1 when unreadable.
qint64 processCpuMicros(qint64 pid);
// VmRSS of a process, KB; -1 when unreadable.
qint64 processRssKb(qint64 pid);

// Runs the event loop until `done` holds or `timeoutMs` passes; returns `done()`.
bool waitUntil(const std::function<bool()> &done, int timeoutMs);
void runFor(int ms);
// Blocks until events arrive (then handles them) or `maxMs` pass; never spins.
void waitForEvents(int maxMs);

// A JSON-looking payload of exactly `size` characters (quotes to escape, like real data).
QString payloadOf(int size);

// Reports a failure on stderr; the program then exits 1.
void fail(const char *what);
// CLOCK_MONOTONIC (std::chrono::steady_clock) in nanoseconds: the tick upstream stamps events
// with it and the clients compare on arrival (one process, one clock).
qint64 steadyNanos();
bool failed();

QByteArray loadAverage();
// Raises RLIMIT_NOFILE (inherited by the proxy child): the memory stage opens 1,000 sessions.
void raiseFileLimit();

} // namespace relaybench
