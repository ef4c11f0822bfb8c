#include "eventdispatchers.h"

#include "epolleventdispatcher.h"

std::optional<EventDispatcherKind> parseEventDispatcherKind(QStringView name)
{
    if (name == u"epoll")
        return EventDispatcherKind::Epoll;
    if (name == u"qt")
        return EventDispatcherKind::Qt;
    return std::nullopt;
}

QAbstractEventDispatcher *createEventDispatcher(EventDispatcherKind kind)
{
    return kind == EventDispatcherKind::Epoll ? new EpollEventDispatcher : nullptr;
}
