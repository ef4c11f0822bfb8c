// StreamSet without sockets: which request a proxy message is about, when the run is over, and
// whether it failed.
#include "streamset.h"

#include <QTest>

using Message = ProxyMessages::Message;
using Outcome = StreamSet::Outcome;

namespace {

ProxyRequest request(const QString &id)
{
    ProxyRequest r;
    r.address = QStringLiteral("h");
    r.id = id;
    return r;
}

Message message(Message::Type type, const QString &id)
{
    Message m;
    m.type = type;
    m.id = id;
    return m;
}

} // namespace

class TstStreamSet : public QObject
{
    Q_OBJECT

private slots:
    void oneRequestWithoutId();
    void streamsById();
    void errorInOneStream();
    void describeOpen();
};

// The echo test and a single --target: matched by having no id, exactly as before.
void TstStreamSet::oneRequestWithoutId()
{
    StreamSet set({ request(QString()) });
    QVERIFY(!set.tagged());
    QCOMPARE(set.openCount(), 1);
    QCOMPARE(set.record(message(Message::Type::Connected, QString())), Outcome::Recorded);
    QCOMPARE(set.record(message(Message::Type::Reconnecting, QString())), Outcome::Recorded);
    QCOMPARE(set.record(message(Message::Type::SseEvent, QStringLiteral("x"))), Outcome::Unknown);
    QVERIFY(!set.anyError());
    QCOMPARE(set.record(message(Message::Type::Closed, QString())), Outcome::Closed);
    QVERIFY(set.allClosed());
    QCOMPARE(set.record(message(Message::Type::Closed, QString())), Outcome::Unknown);
}

void TstStreamSet::streamsById()
{
    StreamSet set({ request(QStringLiteral("1")), request(QStringLiteral("news")) });
    QVERIFY(set.tagged());
    QCOMPARE(set.size(), 2);
    QCOMPARE(set.openIds(), QStringList({ QStringLiteral("1"), QStringLiteral("news") }));
    QCOMPARE(
        set.record(message(Message::Type::SseEvent, QStringLiteral("news"))), Outcome::Recorded);
    QCOMPARE(set.record(message(Message::Type::SseEvent, QString())), Outcome::Unknown);
    QCOMPARE(set.record(message(Message::Type::SseEvent, QStringLiteral("2"))), Outcome::Unknown);
    QCOMPARE(set.record(message(Message::Type::Closed, QStringLiteral("1"))), Outcome::Closed);
    QVERIFY(!set.allClosed());
    QCOMPARE(set.openIds(), QStringList({ QStringLiteral("news") }));
    // After its `closed` a stream is gone: a late message about it belongs to nothing.
    QCOMPARE(set.record(message(Message::Type::SseEvent, QStringLiteral("1"))), Outcome::Unknown);
    QCOMPARE(set.record(message(Message::Type::Closed, QStringLiteral("news"))), Outcome::Closed);
    QVERIFY(set.allClosed());
    QVERIFY(!set.anyError());
}

void TstStreamSet::errorInOneStream()
{
    StreamSet set({ request(QStringLiteral("a")), request(QStringLiteral("b")) });
    QCOMPARE(set.record(message(Message::Type::Error, QStringLiteral("a"))), Outcome::Recorded);
    QVERIFY(set.anyError());
    QCOMPARE(set.openCount(), 2); // an error is not the end: `closed` follows
    QCOMPARE(set.record(message(Message::Type::Closed, QStringLiteral("a"))), Outcome::Closed);
    QCOMPARE(set.record(message(Message::Type::Closed, QStringLiteral("b"))), Outcome::Closed);
    QVERIFY(set.allClosed());
    QVERIFY(set.anyError());
    // An error about no open stream changes nothing.
    StreamSet other({ request(QStringLiteral("a")) });
    QCOMPARE(other.record(message(Message::Type::Error, QStringLiteral("z"))), Outcome::Unknown);
    QVERIFY(!other.anyError());
}

void TstStreamSet::describeOpen()
{
    StreamSet set({ request(QStringLiteral("1")), request(QStringLiteral("my feed")),
        request(QStringLiteral("3")) });
    QCOMPARE(set.describeOpen(), QStringLiteral("3 streams (\"1\", \"my feed\", \"3\")"));
    set.record(message(Message::Type::Closed, QStringLiteral("my feed")));
    QCOMPARE(set.describeOpen(), QStringLiteral("2 streams (\"1\", \"3\")"));
    set.record(message(Message::Type::Closed, QStringLiteral("1")));
    QCOMPARE(set.describeOpen(), QStringLiteral("stream \"3\""));
}

QTEST_GUILESS_MAIN(TstStreamSet)
#include "tst_streamset.moc"
