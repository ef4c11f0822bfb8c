#pragma once

#include <atomic>

// A number with one writing thread (the worker whose sessions it counts) and any number of
// readers (a /metrics scrape, the monitor's totals, on the main thread). Writes are a relaxed
// load and store, not a read-modify-write: on x86 they compile to the plain add a single-threaded
// integer would, with no lock prefix, so the relay path pays nothing for being readable from
// another thread. Readers see each value whole, and each counter never goes backwards.
// Copying takes a snapshot, which is what summing the workers' metrics needs.
template <typename T> class MetricCounter
{
public:
    MetricCounter(T value = T())
        : m_value(value)
    {
    }
    MetricCounter(const MetricCounter &other)
        : m_value(other.load())
    {
    }
    MetricCounter &operator=(const MetricCounter &other)
    {
        store(other.load());
        return *this;
    }

    T load() const { return m_value.load(std::memory_order_relaxed); }
    operator T() const { return load(); }

    // Only the owning thread may call these.
    MetricCounter &operator+=(T delta)
    {
        store(load() + delta);
        return *this;
    }
    MetricCounter &operator-=(T delta)
    {
        store(load() - delta);
        return *this;
    }
    MetricCounter &operator++() { return *this += T(1); }
    MetricCounter &operator--() { return *this -= T(1); }

private:
    void store(T value) { m_value.store(value, std::memory_order_relaxed); }

    std::atomic<T> m_value;
};
