#pragma once

#include <QtGlobal>

#include <atomic>

// proxy.maxIncomingBytes: what all clients' unfinished incoming messages may hold together
// (Qt keeps each message until its last frame, and each frame until its last byte). Each
// session reports what it holds now; the one whose report takes the total past the limit is the
// one to drop. One per proxy, shared by every worker: an atomic total, changed only when a
// client's message grows or completes, never per relayed event.
class IncomingBudget
{
public:
    explicit IncomingBudget(qint64 limit)
        : m_limit(limit)
    {
    }

    // Moves `*held` (the caller's share) to `now`; false when the total is then over the limit.
    bool update(qint64 *held, qint64 now)
    {
        const qint64 total
            = m_total.fetch_add(now - *held, std::memory_order_relaxed) + (now - *held);
        *held = now;
        return now == 0 || total <= m_limit;
    }
    qint64 limit() const { return m_limit; }
    qint64 total() const { return m_total.load(std::memory_order_relaxed); }

private:
    qint64 m_limit;
    std::atomic<qint64> m_total = 0;
};
