#pragma once

#include <QtGlobal>

// proxy.maxIncomingBytes: what all clients' unfinished incoming messages may hold together
// (Qt keeps each message until its last frame, and each frame until its last byte). Each
// session reports what it holds now; the one whose report takes the total past the limit is the
// one to drop. One per server; single-threaded.
class IncomingBudget
{
public:
    explicit IncomingBudget(qint64 limit) : m_limit(limit) { }

    // Moves `*held` (the caller's share) to `now`; false when the total is then over the limit.
    bool update(qint64 *held, qint64 now)
    {
        m_total += now - *held;
        *held = now;
        return now == 0 || m_total <= m_limit;
    }
    qint64 limit() const { return m_limit; }
    qint64 total() const { return m_total; }

private:
    qint64 m_limit;
    qint64 m_total = 0;
};
