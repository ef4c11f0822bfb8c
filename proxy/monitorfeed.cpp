#include "monitorfeed.h"

#include "proxyserver.h"

#include <QDateTime>
#include <QLoggingCategory>
#include <QWebSocket>

#include <ctime>

Q_LOGGING_CATEGORY(lcProxyMonitor, "wssp.proxy.monitor", QtInfoMsg)

struct MonitorFeed::Monitor
{
    QWebSocket *socket = nullptr;
    qint64 following = 0;                   // session id, 0 = none
    quint64 sentUpTo = 0; // Followed::count already sent (or skipped)
};

namespace {

qint64 now()
{
    return QDateTime::currentMSecsSinceEpoch();
}

// Per-event time stamp: the kernel's coarse clock (a few ms resolution) costs a memory read,
// where gettimeofday() showed as 2-3 % of the proxy's CPU under a flood.
qint64 coarseNow()
{
#ifdef Q_OS_LINUX
    timespec ts {};
    clock_gettime(CLOCK_REALTIME_COARSE, &ts);
    return qint64(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
#else
    return now();
#endif
}

MonitorOutcome toMonitorOutcome(RequestOutcome outcome)
{
    switch (outcome) {
    case RequestOutcome::Completed: return MonitorOutcome::Completed;
    case RequestOutcome::Rejected: return MonitorOutcome::Rejected;
    case RequestOutcome::UpstreamError: return MonitorOutcome::UpstreamError;
    case RequestOutcome::Timeout: return MonitorOutcome::Timeout;
    case RequestOutcome::Cancelled:
    case RequestOutcome::ClientGone: return MonitorOutcome::Cancelled;
    case RequestOutcome::ClientStalled: return MonitorOutcome::Stalled;
    case RequestOutcome::ShuttingDown: return MonitorOutcome::Shutdown;
    }
    return MonitorOutcome::Completed;
}

MonitorSession::State toMonitorState(ClientSession::State state)
{
    switch (state) {
    case ClientSession::State::Idle: return MonitorSession::State::Idle;
    case ClientSession::State::Connecting: return MonitorSession::State::Connecting;
    case ClientSession::State::Streaming: return MonitorSession::State::Streaming;
    case ClientSession::State::Closed: return MonitorSession::State::Closed;
    }
    return MonitorSession::State::Idle;
}

// The counters a session-updated message would change, packed for a cheap comparison.
QByteArray countersOf(const ClientSession &session)
{
    const ClientSession::Info &info = session.info();
    const qint64 values[] = { qint64(info.state), info.status, qint64(info.eventsRelayed),
                              qint64(info.bytesIn), qint64(info.bytesOut),
                              qint64(info.requestsHandled), session.queuedRequests() };
    return QByteArray(reinterpret_cast<const char *>(values), sizeof(values));
}

} // namespace

MonitorFeed::MonitorFeed(ProxyServer *server)
    : QObject(server),
      m_server(server),
      m_redactor(server->settings().admin.redact, server->settings().admin.redactHeaders),
      m_startedAt(now())
{
    connect(m_server, &ProxyServer::sessionOpened, this, &MonitorFeed::onSessionOpened);
    connect(&m_updateTimer, &QTimer::timeout, this, &MonitorFeed::onUpdateTimerTimeout);
    connect(&m_totalsTimer, &QTimer::timeout, this, &MonitorFeed::onTotalsTimerTimeout);
}

MonitorFeed::~MonitorFeed() = default;

void MonitorFeed::addMonitor(QWebSocket *socket)
{
    auto monitor = std::make_unique<Monitor>();
    monitor->socket = socket;
    socket->setParent(this);
    socket->setMaxAllowedIncomingMessageSize(64 * 1024);
    Monitor *raw = monitor.get();
    m_monitors.push_back(std::move(monitor));
    connect(socket, &QWebSocket::textMessageReceived, this,
            [this, raw](const QString &text) { onMonitorMessage(raw, text); });
    // Queued: a socket may report disconnected() from inside close() or abort(), while one of
    // the loops over m_monitors below is sending; the monitor must not vanish under it.
    connect(socket, &QWebSocket::disconnected, this, [this, raw]() { removeMonitor(raw); },
            Qt::QueuedConnection);
    qCInfo(lcProxyMonitor) << "monitor connected from" << socket->peerAddress().toString();

    MonitorHello hello;
    hello.proxyVersion = QStringLiteral(WSSP_VERSION);
    hello.startedAt = m_startedAt;
    hello.serverTime = now();
    hello.settings = monitorSettingsSummary(m_server->settings());
    send(raw, MonitorMessages::hello(hello));

    // The first monitor starts change tracking from what its snapshot shows; otherwise the
    // next update would repeat every session the snapshot just described.
    const bool first = m_monitors.size() == 1;
    if (first)
        m_lastSent.clear();
    QList<MonitorSession> sessions;
    for (const ClientSession *session : m_server->sessions()) {
        sessions.append(describe(*session));
        if (first)
            m_lastSent.insert(session->id(), countersOf(*session));
    }
    send(raw, MonitorMessages::snapshot(sessions, totals()));

    if (!m_updateTimer.isActive()) {
        m_updateTimer.start(updateIntervalMs);
        m_totalsTimer.start(totalsIntervalMs);
    }
}

void MonitorFeed::closeAll()
{
    for (const auto &monitor : m_monitors) {
        if (monitor->socket->state() == QAbstractSocket::ConnectedState)
            monitor->socket->close(QWebSocketProtocol::CloseCodeGoingAway, QStringLiteral("proxy shutting down"));
    }
}

void MonitorFeed::onSessionOpened(ClientSession *session)
{
    connect(session, &ClientSession::closed, this,
            [this, session](quint64 id) { onSessionClosed(session, id); });
    connect(session, &ClientSession::requestStarted, this, &MonitorFeed::onRequestStarted);
    connect(session, &ClientSession::requestConnected, this, &MonitorFeed::onRequestConnected);
    connect(session, &ClientSession::requestFinished, this, &MonitorFeed::onRequestFinished);
    if (m_monitors.empty())
        return;
    m_lastSent.insert(session->id(), countersOf(*session));
    broadcast(MonitorMessages::sessionOpened(describe(*session)));
}

void MonitorFeed::onSessionClosed(const ClientSession *session, quint64 id)
{
    // The session is still alive (the server deletes it later): flush its last events, then
    // report its final state.
    for (const auto &monitor : m_monitors) {
        if (monitor->following == qint64(id))
            flushEvents(monitor.get());
    }
    m_followed.remove(id);
    m_lastSent.remove(id);
    if (!m_monitors.empty())
        broadcast(MonitorMessages::sessionClosed(describe(*session)));
    m_shown.remove(id);
    m_shownLastErrors.remove(id);
}

void MonitorFeed::onRequestStarted(quint64 id)
{
    m_shown.remove(id); // a new request: its URL and headers replace the last one's
    const ClientSession *session = m_server->sessions().value(id);
    if (!session || m_monitors.empty())
        return;
    const ShownRequest &shown = shownRequest(*session);
    MonitorRequestStarted started { qint64(id), now(), QString::fromLatin1(session->info().method),
                                    shown.url, shown.requestHeaders };
    broadcast(MonitorMessages::requestStarted(started));
}

void MonitorFeed::onRequestConnected(quint64 id)
{
    m_shown.remove(id); // now with response headers
    const ClientSession *session = m_server->sessions().value(id);
    if (!session || m_monitors.empty())
        return;
    MonitorRequestConnected connected { qint64(id), now(), session->info().status,
                                        shownRequest(*session).responseHeaders };
    broadcast(MonitorMessages::requestConnected(connected));
}

void MonitorFeed::onRequestFinished(quint64 id, RequestOutcome outcome, const QString &error,
                                    const QString &reason)
{
    const ClientSession *session = m_server->sessions().value(id);
    // Redacted now, watched or not: the error stays the session's lastError, and its next
    // request will carry other secrets. Reasons are the proxy's own fixed texts.
    QString errorShown = error;
    if (!error.isEmpty() && m_redactor.enabled()) {
        // Without its session there is no telling what the error might quote.
        errorShown = session ? shownError(*session, error) : QString();
        m_shownLastErrors.insert(id, errorShown);
    }
    if (m_monitors.empty())
        return;
    MonitorRequestFinished finished { qint64(id), now(), toMonitorOutcome(outcome), errorShown, reason,
                                      session ? qint64(session->info().requestEventsRelayed) : 0 };
    broadcast(MonitorMessages::requestFinished(finished));
}

void MonitorFeed::onEventTapped(quint64 id, const SseEvent &event)
{
    // Per event only a slot of the ring is overwritten (three shared strings, no allocation);
    // records are built for what a batch sends, at most eventsPerBatch per 100 ms.
    const auto followed = m_followed.find(id);
    if (followed == m_followed.end())
        return;
    std::vector<Tapped> &ring = followed->ring;
    Tapped &slot = ring.size() < size_t(historyLength) ? ring.emplace_back()
                                                       : ring[followed->count % historyLength];
    slot.time = coarseNow();
    slot.event = event;
    slot.dataLength = event.data.size();
    if (slot.dataLength > dataExcerptChars)
        slot.event.data = event.data.left(dataExcerptChars);
    ++followed->count;
}

QList<MonitorEventRecord> MonitorFeed::recordsSince(const Followed &followed, quint64 from,
                                                    int max, qint64 *skipped) const
{
    const quint64 oldest = followed.count - followed.ring.size();
    quint64 first = qMax(from, oldest);
    if (followed.count - first > quint64(max))
        first = followed.count - quint64(max); // over the feed's budget: the newest are sent
    if (skipped)
        *skipped = qint64(first - qMin(from, first));
    QList<MonitorEventRecord> records;
    records.reserve(qsizetype(followed.count - first));
    for (quint64 n = first; n < followed.count; ++n) {
        const Tapped &tapped = followed.ring[n % historyLength];
        MonitorEventRecord record;
        record.time = tapped.time;
        record.type = tapped.event.type;
        record.id = tapped.event.lastEventId;
        record.dataLength = tapped.dataLength;
        record.truncated = tapped.dataLength > tapped.event.data.size();
        record.data = tapped.event.data;
        records.append(record);
    }
    return records;
}

void MonitorFeed::flushEvents(Monitor *monitor)
{
    const auto followed = m_followed.constFind(quint64(monitor->following));
    if (followed == m_followed.cend() || followed->count == monitor->sentUpTo)
        return;
    MonitorSessionEvents batch { monitor->following, false, 0, {} };
    batch.events = recordsSince(*followed, monitor->sentUpTo, eventsPerBatch, &batch.skipped);
    monitor->sentUpTo = followed->count;
    send(monitor, MonitorMessages::sessionEvents(batch));
}

void MonitorFeed::onUpdateTimerTimeout()
{
    QList<MonitorSession> changed;
    for (const ClientSession *session : m_server->sessions()) {
        QByteArray counters = countersOf(*session);
        QByteArray &last = m_lastSent[session->id()];
        if (counters == last)
            continue;
        last = std::move(counters);
        changed.append(describe(*session));
    }
    if (!changed.isEmpty())
        broadcast(MonitorMessages::sessionUpdated(changed));

    std::vector<Monitor *> following;
    for (const auto &monitor : m_monitors) {
        if (monitor->following != 0)
            following.push_back(monitor.get());
    }
    for (Monitor *monitor : following)
        flushEvents(monitor);
}

void MonitorFeed::onTotalsTimerTimeout()
{
    broadcast(MonitorMessages::totals(totals()));
}

void MonitorFeed::onMonitorMessage(Monitor *monitor, const QString &text)
{
    QString error;
    const std::optional<MonitorMessage> message = MonitorMessage::parse(text, &error);
    if (!message) {
        send(monitor, MonitorMessages::error(error));
        return;
    }
    switch (message->type) {
    case MonitorMessage::Type::Subscribe:
        subscribe(monitor, message->sessionId);
        break;
    case MonitorMessage::Type::Unsubscribe: {
        const qint64 previous = monitor->following;
        monitor->following = 0;
        unfollowIfUnwatched(previous);
        break;
    }
    case MonitorMessage::Type::Ping:
        send(monitor, MonitorMessages::pong());
        break;
    default:
        send(monitor, MonitorMessages::error(QStringLiteral("type: \"%1\" is not a message a monitor sends")
                                                     .arg(MonitorMessage::typeName(message->type))));
    }
}

void MonitorFeed::subscribe(Monitor *monitor, qint64 sessionId)
{
    ClientSession *session = m_server->sessions().value(quint64(sessionId));
    if (!session) {
        send(monitor, MonitorMessages::error(QStringLiteral("subscribe: no session %1").arg(sessionId)));
        return;
    }
    const qint64 previous = monitor->following;
    monitor->following = sessionId;
    if (previous != sessionId)
        unfollowIfUnwatched(previous);

    // History starts when the first monitor follows a session: unfollowed sessions cost nothing.
    Followed &followed = m_followed[quint64(sessionId)];
    connect(session, &ClientSession::eventRelayed, this, &MonitorFeed::onEventTapped, Qt::UniqueConnection);
    monitor->sentUpTo = followed.count;
    send(monitor, MonitorMessages::sessionEvents(
                          { sessionId, true, 0, recordsSince(followed, 0, historyLength, nullptr) }));
}

void MonitorFeed::unfollowIfUnwatched(qint64 sessionId)
{
    if (sessionId == 0)
        return;
    for (const auto &monitor : m_monitors) {
        if (monitor->following == sessionId)
            return;
    }
    m_followed.remove(quint64(sessionId));
    if (ClientSession *session = m_server->sessions().value(quint64(sessionId)))
        disconnect(session, &ClientSession::eventRelayed, this, &MonitorFeed::onEventTapped);
}

void MonitorFeed::removeMonitor(Monitor *monitor)
{
    const auto it = std::find_if(m_monitors.begin(), m_monitors.end(),
                                 [monitor](const auto &m) { return m.get() == monitor; });
    if (it == m_monitors.end())
        return;
    const qint64 following = monitor->following;
    monitor->socket->deleteLater();
    m_monitors.erase(it);
    unfollowIfUnwatched(following);
    qCInfo(lcProxyMonitor) << "monitor disconnected;" << m_monitors.size() << "remain";
    if (m_monitors.empty()) {
        m_updateTimer.stop();
        m_totalsTimer.stop();
        m_lastSent.clear();
        m_shown.clear(); // nobody to show requests to: rebuilt on the next description
    }
}

void MonitorFeed::broadcast(const QString &message)
{
    // Copy: send() may drop a monitor that stopped reading.
    std::vector<Monitor *> monitors;
    for (const auto &monitor : m_monitors)
        monitors.push_back(monitor.get());
    for (Monitor *monitor : monitors)
        send(monitor, message);
}

void MonitorFeed::send(Monitor *monitor, const QString &message)
{
    if (monitor->socket->state() != QAbstractSocket::ConnectedState)
        return;
    monitor->socket->sendTextMessage(message);
    if (monitor->socket->bytesToWrite() <= maxQueuedBytes)
        return;
    // A monitor that does not read must not make the proxy queue without limit.
    qCWarning(lcProxyMonitor) << "monitor not reading;" << monitor->socket->bytesToWrite()
                         << "bytes queued; dropping it";
    monitor->socket->close(QWebSocketProtocol::CloseCodePolicyViolated, QStringLiteral("monitor not reading"));
    QTimer::singleShot(2000, monitor->socket, &QWebSocket::abort);
}

MonitorSession MonitorFeed::describe(const ClientSession &session)
{
    const ClientSession::Info &info = session.info();
    const ShownRequest &shown = shownRequest(session);
    MonitorSession s;
    s.id = qint64(info.id);
    s.clientAddress = info.clientAddress;
    s.state = toMonitorState(info.state);
    s.method = QString::fromLatin1(info.method);
    s.url = shown.url;
    s.requestHeaders = shown.requestHeaders;
    s.status = info.status;
    s.responseHeaders = shown.responseHeaders;
    s.eventsRelayed = qint64(info.eventsRelayed);
    s.bytesIn = qint64(info.bytesIn);
    s.bytesOut = qint64(info.bytesOut);
    s.requestsHandled = qint64(info.requestsHandled);
    s.queued = session.queuedRequests();
    s.startedAt = info.startedAtMs;
    s.finishedAt = info.finishedAtMs;
    // Every error passes onRequestFinished() first; the fallback only keeps a gap from leaking.
    if (info.lastError.isEmpty() || !m_redactor.enabled())
        s.lastError = info.lastError;
    else if (const auto shown = m_shownLastErrors.constFind(info.id); shown != m_shownLastErrors.cend())
        s.lastError = *shown;
    else
        s.lastError = shownError(session, info.lastError);
    return s;
}

const MonitorFeed::ShownRequest &MonitorFeed::shownRequest(const ClientSession &session)
{
    auto it = m_shown.find(session.id());
    if (it == m_shown.end()) {
        const ClientSession::Info &info = session.info();
        it = m_shown.insert(session.id(),
                            { m_redactor.url(info.url),
                              monitorHeaders(m_redactor.headers(info.requestHeaders)),
                              monitorHeaders(m_redactor.headers(info.responseHeaders)) });
    }
    return *it;
}

// An error text may quote what the redaction hides elsewhere: an upstream's error body echoing
// the token it refused, a network error naming the URL.
QString MonitorFeed::shownError(const ClientSession &session, const QString &error) const
{
    const ClientSession::Info &info = session.info();
    return m_redactor.scrub(error, m_redactor.secretsIn(info.url, info.requestHeaders,
                                                        info.responseHeaders));
}

MonitorTotals MonitorFeed::totals() const
{
    const ProxyMetrics &metrics = m_server->metrics();
    MonitorTotals t;
    t.time = now();
    t.sessionsOpen = metrics.sessionsOpen;
    t.sessionsOpened = qint64(metrics.sessionsOpened);
    for (const ClientSession *session : m_server->sessions()) {
        const ClientSession::State state = session->info().state;
        if (state == ClientSession::State::Connecting || state == ClientSession::State::Streaming)
            ++t.requestsActive;
    }
    t.eventsRelayed = qint64(metrics.eventsRelayed);
    t.bytesIn = qint64(metrics.upstreamBytesReceived);
    t.bytesOut = qint64(metrics.clientBytesSent);
    for (int i = 0; i < requestOutcomeCount; ++i)
        t.requestsWith(toMonitorOutcome(RequestOutcome(i))) += qint64(metrics.requests[size_t(i)]);
    return t;
}
