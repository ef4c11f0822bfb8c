#pragma once

#include "metriccounter.h"

#include <QQueue>

#include <utility>

// A FIFO whose length is mirrored into a gauge shared by every queue of its kind
// (ProxyMetrics::queuedRequests): every change goes through here, the queue's end included, so
// the gauge is right by construction rather than adjusted by hand wherever the queue changes.
template <typename T> class GaugedQueue
{
public:
    explicit GaugedQueue(MetricCounter<qint64> *gauge)
        : m_gauge(gauge)
    {
    }
    ~GaugedQueue() { *m_gauge -= m_items.size(); }
    GaugedQueue(const GaugedQueue &) = delete;
    GaugedQueue &operator=(const GaugedQueue &) = delete;

    qsizetype size() const { return m_items.size(); }
    bool isEmpty() const { return m_items.isEmpty(); }

    void enqueue(T item)
    {
        m_items.enqueue(std::move(item));
        ++*m_gauge;
    }
    T dequeue()
    {
        --*m_gauge;
        return m_items.dequeue();
    }
    void clear()
    {
        *m_gauge -= m_items.size();
        m_items.clear();
    }

private:
    QQueue<T> m_items;
    MetricCounter<qint64> *m_gauge;
};
