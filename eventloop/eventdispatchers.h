#pragma once

#include <QStringView>

#include <optional>

class QAbstractEventDispatcher;

// The event dispatchers a proxy thread can run on (setting proxy.eventDispatcher).
enum class EventDispatcherKind {
    Epoll, // EpollEventDispatcher: cost per wake-up independent of the number of sockets
    Qt, // whatever Qt would pick (glib's, or its own with QT_NO_GLIB=1)
};

// "epoll" or "qt"; nullopt for anything else.
std::optional<EventDispatcherKind> parseEventDispatcherKind(QStringView name);

// A new dispatcher of that kind for QCoreApplication::setEventDispatcher() or
// QThread::setEventDispatcher(), or null for Qt's default (let Qt create its own).
QAbstractEventDispatcher *createEventDispatcher(EventDispatcherKind kind);
