// SignalWatcher (core): a POSIX signal reaches the event loop as signalled(); handlers are
// restored.
#include "signalwatcher.h"

#include <QSignalSpy>
#include <QTest>

#include <csignal>

class TstSignalWatcher : public QObject
{
    Q_OBJECT

private slots:
    void delivers_data();
    void delivers();
    void restoresPreviousHandler();
    void onlyOneAtATime();
};

void TstSignalWatcher::delivers_data()
{
    QTest::addColumn<int>("signalNumber");
    QTest::addColumn<int>("raises");

    QTest::newRow("SIGINT once") << int(SIGINT) << 1;
    QTest::newRow("SIGTERM once") << int(SIGTERM) << 1;
    QTest::newRow("SIGINT three times") << int(SIGINT) << 3;
}

void TstSignalWatcher::delivers()
{
    QFETCH(int, signalNumber);
    QFETCH(int, raises);

    SignalWatcher watcher({ SIGINT, SIGTERM });
    QVERIFY2(watcher.isValid(), qPrintable(watcher.errorString()));
    QSignalSpy spy(&watcher, &SignalWatcher::signalled);
    QCOMPARE(spy.count(), 0);
    for (int i = 0; i < raises; ++i)
        QCOMPARE(::raise(signalNumber), 0);
    // The handler only wrote a byte: the Qt signal comes from the event loop.
    QCOMPARE(spy.count(), 0);
    QTRY_COMPARE(spy.count(), raises);
    for (const QList<QVariant> &arguments : std::as_const(spy))
        QCOMPARE(arguments.constFirst().toInt(), signalNumber);
}

void TstSignalWatcher::restoresPreviousHandler()
{
    struct sigaction before = {};
    QCOMPARE(::sigaction(SIGINT, nullptr, &before), 0);
    {
        SignalWatcher watcher({ SIGINT });
        QVERIFY(watcher.isValid());
        struct sigaction during = {};
        QCOMPARE(::sigaction(SIGINT, nullptr, &during), 0);
        QVERIFY(during.sa_handler != before.sa_handler);
    }
    struct sigaction after = {};
    QCOMPARE(::sigaction(SIGINT, nullptr, &after), 0);
    QVERIFY(after.sa_handler == before.sa_handler);
}

void TstSignalWatcher::onlyOneAtATime()
{
    SignalWatcher first({ SIGINT });
    QVERIFY(first.isValid());
    SignalWatcher second({ SIGINT });
    QVERIFY(!second.isValid());
    QVERIFY(!second.errorString().isEmpty());

    // The refused one leaves the first working.
    QSignalSpy spy(&first, &SignalWatcher::signalled);
    QCOMPARE(::raise(SIGINT), 0);
    QTRY_COMPARE(spy.count(), 1);
}

QTEST_GUILESS_MAIN(TstSignalWatcher)
#include "tst_signalwatcher.moc"
