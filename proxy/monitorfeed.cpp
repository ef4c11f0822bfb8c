#include "monitorfeed.h"

#include "clientstream.h"
#include "monitorhub.h"
#include "proxyworker.h"

#include <QDateTime>
#include <QVarLengthArray>

#include <ctime>

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

MonitorSession::State toMonitorState(ClientSession::State state)
{
    switch (state) {
    case ClientSession::State::Idle:
        return MonitorSession::State::Idle;
    case ClientSession::State::Connecting:
        return MonitorSession::State::Connecting;
    case ClientSession::State::Streaming:
        return MonitorSession::State::Streaming;
    case ClientSession::State::Closed:
        return MonitorSession::State::Closed;
    }
    return MonitorSession::State::Idle;
}

MonitorRequest::State toMonitorState(RequestInfo::State state)
{
    switch (state) {
    case RequestInfo::State::Connecting:
        return MonitorRequest::State::Connecting;
    case RequestInfo::State::Streaming:
        return MonitorRequest::State::Streaming;
    case RequestInfo::State::Reconnecting:
        return MonitorRequest::State::Reconnecting;
    }
    return MonitorRequest::State::Connecting;
}

// The counters a session-updated message would change, packed for a cheap comparison.
QByteArray countersOf(const ClientSession &session)
{
    const ClientSession::Info &info = session.info();
    QVarLengthArray<qint64, 16> values { qint64(info.state), info.status,
        qint64(info.eventsRelayed), qint64(info.bytesIn), qint64(info.bytesOut),
        qint64(info.requestsHandled), session.queuedRequests() };
    // Each running request's own numbers too: a reconnect changes nothing above. Their events
    // need no place, each one counts in the session's eventsRelayed as well; nor do their
    // identities, since none ends without requestsHandled moving.
    for (const RequestInfo &request : info.requests) {
        values.append(qint64(request.state));
        values.append(request.status);
        values.append(request.attempts);
    }
    return QByteArray(reinterpret_cast<const char *>(values.constData()),
        values.size() * qsizetype(sizeof(qint64)));
}

} // namespace

MonitorFeed::MonitorFeed(ProxyWorker *worker, MonitorHub *hub)
    : QObject(worker)
    , m_worker(worker)
    , m_hub(hub)
    , m_redactor(worker->settings().admin.redact, worker->settings().admin.redactHeaders)
    , m_updateTimer(this) // a child: it moves to the worker's thread with the feed
{
    connect(m_worker, &ProxyWorker::sessionStarted, this, &MonitorFeed::onSessionOpened);
    connect(&m_updateTimer, &QTimer::timeout, this, &MonitorFeed::onUpdateTimerTimeout);
}

MonitorFeed::~MonitorFeed() = default;

void MonitorFeed::addWatcher(int id)
{
    m_watchers.push_back({ id, 0, 0 });
    // The first watcher starts change tracking from what its snapshot shows; otherwise the
    // next update would repeat every session the snapshot just described.
    const bool first = m_watchers.size() == 1;
    if (first)
        m_lastSent.clear();
    QList<MonitorSession> sessions;
    for (const ClientSession *session : m_worker->sessions()) {
        sessions.append(describe(*session));
        if (first)
            m_lastSent.insert(session->id(), countersOf(*session));
    }
    MonitorHub *hub = m_hub;
    QMetaObject::invokeMethod(
        hub, [hub, id, sessions]() { hub->takeSnapshotPart(id, sessions); }, Qt::QueuedConnection);
    if (!m_updateTimer.isActive())
        m_updateTimer.start(updateIntervalMs);
}

void MonitorFeed::removeWatcher(int id)
{
    const Watcher *found = watcher(id);
    if (!found)
        return;
    const qint64 following = found->following;
    m_watchers.erase(m_watchers.begin() + (found - m_watchers.data()));
    unfollowIfUnwatched(following);
    if (m_watchers.empty()) {
        m_updateTimer.stop();
        m_lastSent.clear();
        m_shown.clear(); // nobody to show requests to: rebuilt on the next description
    }
}

MonitorFeed::Watcher *MonitorFeed::watcher(int id)
{
    const auto it = std::find_if(
        m_watchers.begin(), m_watchers.end(), [id](const Watcher &w) { return w.id == id; });
    return it == m_watchers.end() ? nullptr : &*it;
}

void MonitorFeed::onSessionOpened(ClientSession *session)
{
    connect(session, &ClientSession::closed, this,
        [this, session](quint64 id) { onSessionClosed(session, id); });
    connect(session, &ClientSession::requestStarted, this, &MonitorFeed::onRequestStarted);
    connect(session, &ClientSession::requestConnected, this, &MonitorFeed::onRequestConnected);
    connect(session, &ClientSession::requestFinished, this, &MonitorFeed::onRequestFinished);
    if (m_watchers.empty())
        return;
    m_lastSent.insert(session->id(), countersOf(*session));
    broadcast(MonitorMessages::sessionOpened(describe(*session)));
}

void MonitorFeed::onSessionClosed(const ClientSession *session, quint64 id)
{
    // The session is still alive (the server deletes it later): flush its last events, then
    // report its final state.
    for (Watcher &watcher : m_watchers) {
        if (watcher.following == qint64(id))
            flushEvents(&watcher);
    }
    m_followed.remove(id);
    m_lastSent.remove(id);
    if (!m_watchers.empty())
        broadcast(MonitorMessages::sessionClosed(describe(*session)));
    m_shown.remove(id);
    m_shownLastErrors.remove(id);
}

void MonitorFeed::onRequestStarted(quint64 id, const ClientStream *stream)
{
    m_shown.remove(id); // a new request: its URL and headers replace the last one's
    const ClientSession *session = m_worker->sessions().value(id);
    if (!session || m_watchers.empty())
        return;
    // The session's current request is the one that just started.
    const ShownRequest &shown = shownRequest(*session);
    MonitorRequestStarted started { qint64(id), now(), QString::fromLatin1(session->info().method),
        shown.url, shown.requestHeaders, stream->id() };
    broadcast(MonitorMessages::requestStarted(started));
}

void MonitorFeed::onRequestConnected(quint64 id, const ClientStream *stream)
{
    m_shown.remove(id); // the current request's response headers may have come
    const ClientSession *session = m_worker->sessions().value(id);
    if (!session || m_watchers.empty())
        return;
    // Not necessarily the current request: with ids, any running one may answer.
    int status = 0;
    for (const RequestInfo &request : session->info().requests) {
        if (request.stream == stream)
            status = request.status;
    }
    MonitorRequestConnected connected { qint64(id), now(), status,
        monitorHeaders(m_redactor.headers(stream->responseHeaders())), stream->id() };
    broadcast(MonitorMessages::requestConnected(connected));
}

void MonitorFeed::onRequestFinished(quint64 id, const QString &requestId,
    const ClientStream *stream, RequestOutcome outcome, const QString &error, const QString &reason)
{
    const ClientSession *session = m_worker->sessions().value(id);
    // Redacted now, watched or not: the error stays the session's lastError, and its next
    // request will carry other secrets. Reasons are the proxy's own fixed texts.
    QString errorShown = error;
    if (!error.isEmpty() && m_redactor.enabled()) {
        if (stream) { // the secrets of the request that ended, whichever of several it was
            const ProxyRequest &request = stream->request();
            errorShown = shownError(error, request.url().toString(), request.upstreamHeaders(),
                stream->responseHeaders());
        } else if (session) { // a rejection quotes no upstream; the current request's, to be safe
            const SessionInfo &info = session->info();
            errorShown = shownError(error, info.url, info.requestHeaders, info.responseHeaders);
        } else { // without its session there is no telling what the error might quote
            errorShown.clear();
        }
        m_shownLastErrors.insert(id, errorShown);
    }
    if (m_watchers.empty())
        return;
    MonitorRequestFinished finished { qint64(id), now(), monitorOutcomeOf(outcome), errorShown,
        reason, stream ? qint64(stream->eventsRelayed()) : 0, requestId, stream != nullptr };
    broadcast(MonitorMessages::requestFinished(finished));
}

void MonitorFeed::onEventTapped(quint64 id, const QString &requestId, const SseEvent &event)
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
    slot.requestId = requestId;
    slot.event = event;
    slot.dataLength = event.data.size();
    if (slot.dataLength > dataExcerptChars)
        slot.event.data = event.data.left(dataExcerptChars);
    ++followed->count;
}

QList<MonitorEventRecord> MonitorFeed::recordsSince(
    const Followed &followed, quint64 from, int max, qint64 *skipped) const
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
        record.requestId = tapped.requestId;
        record.type = tapped.event.type;
        record.id = tapped.event.lastEventId;
        record.dataLength = tapped.dataLength;
        record.truncated = tapped.dataLength > tapped.event.data.size();
        record.data = tapped.event.data;
        records.append(record);
    }
    return records;
}

void MonitorFeed::flushEvents(Watcher *watcher)
{
    const auto followed = m_followed.constFind(quint64(watcher->following));
    if (followed == m_followed.cend() || followed->count == watcher->sentUpTo)
        return;
    MonitorSessionEvents batch { watcher->following, false, 0, {} };
    batch.events = recordsSince(*followed, watcher->sentUpTo, eventsPerBatch, &batch.skipped);
    watcher->sentUpTo = followed->count;
    send(*watcher, MonitorMessages::sessionEvents(batch));
}

void MonitorFeed::onUpdateTimerTimeout()
{
    QList<MonitorSession> changed;
    for (const ClientSession *session : m_worker->sessions()) {
        QByteArray counters = countersOf(*session);
        QByteArray &last = m_lastSent[session->id()];
        if (counters == last)
            continue;
        last = std::move(counters);
        changed.append(describe(*session));
    }
    if (!changed.isEmpty())
        broadcast(MonitorMessages::sessionUpdated(changed));

    for (Watcher &watcher : m_watchers) {
        if (watcher.following != 0)
            flushEvents(&watcher);
    }
}

void MonitorFeed::follow(int id, qint64 sessionId)
{
    Watcher *watcher = this->watcher(id);
    if (!watcher)
        return;
    ClientSession *session = m_worker->sessions().value(quint64(sessionId));
    if (!session) {
        send(*watcher,
            MonitorMessages::error(QStringLiteral("subscribe: no session %1").arg(sessionId)));
        return;
    }
    const qint64 previous = watcher->following;
    watcher->following = sessionId;
    if (previous != sessionId)
        unfollowIfUnwatched(previous);

    // History starts when the first monitor follows a session: unfollowed sessions cost nothing.
    Followed &followed = m_followed[quint64(sessionId)];
    connect(session, &ClientSession::eventRelayed, this, &MonitorFeed::onEventTapped,
        Qt::UniqueConnection);
    watcher->sentUpTo = followed.count;
    send(*watcher,
        MonitorMessages::sessionEvents(
            { sessionId, true, 0, recordsSince(followed, 0, historyLength, nullptr) }));
}

void MonitorFeed::unfollow(int id)
{
    Watcher *watcher = this->watcher(id);
    if (!watcher)
        return;
    const qint64 previous = watcher->following;
    watcher->following = 0;
    unfollowIfUnwatched(previous);
}

void MonitorFeed::unfollowIfUnwatched(qint64 sessionId)
{
    if (sessionId == 0)
        return;
    for (const Watcher &watcher : m_watchers) {
        if (watcher.following == sessionId)
            return;
    }
    m_followed.remove(quint64(sessionId));
    if (ClientSession *session = m_worker->sessions().value(quint64(sessionId)))
        disconnect(session, &ClientSession::eventRelayed, this, &MonitorFeed::onEventTapped);
}

void MonitorFeed::broadcast(const QString &message)
{
    QList<int> ids;
    for (const Watcher &watcher : m_watchers)
        ids.append(watcher.id);
    post(ids, message);
}

void MonitorFeed::send(const Watcher &watcher, const QString &message)
{
    post({ watcher.id }, message);
}

void MonitorFeed::post(const QList<int> &ids, const QString &message)
{
    MonitorHub *hub = m_hub;
    QMetaObject::invokeMethod(
        hub, [hub, ids, message]() { hub->takeMessage(ids, message); }, Qt::QueuedConnection);
}

MonitorSession MonitorFeed::describe(const ClientSession &session)
{
    const ClientSession::Info &info = session.info();
    ShownRequest &shown = shownRequest(session);
    MonitorSession s;
    s.id = qint64(info.id);
    s.worker = m_worker->index();
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
    else if (const auto scrubbed = m_shownLastErrors.constFind(info.id);
             scrubbed != m_shownLastErrors.cend())
        s.lastError = *scrubbed;
    else
        s.lastError
            = shownError(info.lastError, info.url, info.requestHeaders, info.responseHeaders);
    s.requests = describeRequests(info, &shown);
    return s;
}

QList<MonitorRequest> MonitorFeed::describeRequests(
    const SessionInfo &info, ShownRequest *shown) const
{
    QList<MonitorRequest> requests;
    requests.reserve(info.requests.size());
    for (const RequestInfo &r : info.requests) {
        MonitorRequest q;
        q.id = r.id;
        q.method = QString::fromLatin1(r.method);
        // Most sessions run one request, the current one, whose URL is redacted already; the
        // others' are redacted once each, not at every update.
        if (r.url == info.url) {
            q.url = shown->url;
        } else {
            auto url = shown->otherUrls.find(r.url);
            if (url == shown->otherUrls.end())
                url = shown->otherUrls.insert(r.url, m_redactor.url(r.url));
            q.url = *url;
        }
        q.state = toMonitorState(r.state);
        q.status = r.status;
        q.eventsRelayed = qint64(r.eventsRelayed);
        q.attempts = r.attempts;
        requests.append(q);
    }
    return requests;
}

MonitorFeed::ShownRequest &MonitorFeed::shownRequest(const ClientSession &session)
{
    auto it = m_shown.find(session.id());
    if (it == m_shown.end()) {
        const ClientSession::Info &info = session.info();
        it = m_shown.insert(session.id(),
            { m_redactor.url(info.url), monitorHeaders(m_redactor.headers(info.requestHeaders)),
                monitorHeaders(m_redactor.headers(info.responseHeaders)), {} });
    }
    return *it;
}

// An error text may quote what the redaction hides elsewhere: an upstream's error body echoing
// the token it refused, a network error naming the URL.
QString MonitorFeed::shownError(const QString &error, const QString &url,
    const HttpHeaderList &requestHeaders, const HttpHeaderList &responseHeaders) const
{
    return m_redactor.scrub(error, m_redactor.secretsIn(url, requestHeaders, responseHeaders));
}
