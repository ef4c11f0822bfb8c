#pragma once

#include "eventdispatchers.h"

#include <QAbstractEventDispatcher>
#include <QCoreApplication>
#include <QTest>

// The event dispatcher an in-process test runs on: WSSP_TEST_EVENT_DISPATCHER=epoll (the
// default, what the proxy runs on) or qt (Qt's own; CTest's *-qtloop variants).
inline void wsspInstallTestEventDispatcher()
{
    const QString name
        = qEnvironmentVariable("WSSP_TEST_EVENT_DISPATCHER", QStringLiteral("epoll"));
    const std::optional<EventDispatcherKind> kind = parseEventDispatcherKind(name);
    if (!kind)
        qFatal("WSSP_TEST_EVENT_DISPATCHER must be epoll or qt, not %s", qPrintable(name));
    if (QAbstractEventDispatcher *dispatcher = createEventDispatcher(*kind))
        QCoreApplication::setEventDispatcher(dispatcher);
}

// QTEST_GUILESS_MAIN on the chosen dispatcher (it must be installed before the application
// object exists).
#define WSSP_TEST_MAIN(TestObject)                                                                 \
    int main(int argc, char *argv[])                                                               \
    {                                                                                              \
        wsspInstallTestEventDispatcher();                                                          \
        QCoreApplication app(argc, argv);                                                          \
        TestObject testObject;                                                                     \
        QTEST_SET_MAIN_SOURCE_PATH                                                                 \
        return QTest::qExec(&testObject, argc, argv);                                              \
    }
