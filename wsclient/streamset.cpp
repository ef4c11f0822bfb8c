#include "streamset.h"

#include <algorithm>

StreamSet::StreamSet(const QList<ProxyRequest> &requests)
{
    for (const ProxyRequest &request : requests) {
        m_streams.append(Stream { request.id });
        m_tagged = m_tagged || !request.id.isEmpty();
    }
}

int StreamSet::openCount() const
{
    return int(std::count_if(
        m_streams.cbegin(), m_streams.cend(), [](const Stream &stream) { return stream.open; }));
}

bool StreamSet::anyError() const
{
    return std::any_of(
        m_streams.cbegin(), m_streams.cend(), [](const Stream &stream) { return stream.error; });
}

QStringList StreamSet::openIds() const
{
    QStringList ids;
    for (const Stream &stream : m_streams) {
        if (stream.open)
            ids.append(stream.id);
    }
    return ids;
}

StreamSet::Outcome StreamSet::record(const ProxyMessages::Message &message)
{
    using Type = ProxyMessages::Message::Type;
    // Ids are unique within a set (ClientCli refuses a repeated one), so the first open match
    // is the only one.
    const auto stream
        = std::find_if(m_streams.begin(), m_streams.end(), [&message](const Stream &candidate) {
              return candidate.open && candidate.id == message.id;
          });
    if (stream == m_streams.end())
        return Outcome::Unknown;
    if (message.type == Type::Error)
        stream->error = true;
    if (message.type != Type::Closed)
        return Outcome::Recorded;
    stream->open = false;
    return Outcome::Closed;
}

QString StreamSet::describeOpen() const
{
    QStringList quoted;
    for (const QString &id : openIds())
        quoted.append(u'"' + id + u'"');
    if (quoted.size() == 1)
        return QStringLiteral("stream ") + quoted.constFirst();
    return QStringLiteral("%1 streams (%2)")
        .arg(quoted.size())
        .arg(quoted.join(QStringLiteral(", ")));
}
