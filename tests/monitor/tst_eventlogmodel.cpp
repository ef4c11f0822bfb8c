#include "eventlogmodel.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QElapsedTimer>
#include <QHeaderView>
#include <QSignalSpy>
#include <QTableView>
#include <QTest>

// EventLogModel keeps at most capacity() events in arrival order, costs one removal and one
// insertion per batch, and keeps a visible view responsive at thousands of events a second.
class TestEventLogModel : public QObject
{
    Q_OBJECT

private slots:
    void bounded_data();
    void bounded();
    void batchCostsOneInsertAndOneRemove();
    void clearResets();
    void truncatedDataShown();
    void viewKeepsUpWithHighRate();
};

namespace {

QList<MonitorEventRecord> makeEvents(int first, int count)
{
    QList<MonitorEventRecord> events;
    for (int i = first; i < first + count; ++i) {
        MonitorEventRecord e;
        e.time = 1763705040000 + i;
        e.type = QStringLiteral("message");
        e.id = QString::number(i);
        e.data = QStringLiteral("event %1").arg(i);
        e.dataLength = e.data.size();
        events.append(e);
    }
    return events;
}

} // namespace

// Rows: capacity, batch sizes; after all batches the log holds the newest events in order.
void TestEventLogModel::bounded_data()
{
    QTest::addColumn<int>("capacity");
    QTest::addColumn<QList<int>>("batches");

    QTest::newRow("under capacity") << 10 << QList<int> { 3, 4 };
    QTest::newRow("exactly full") << 10 << QList<int> { 5, 5 };
    QTest::newRow("wraps once") << 10 << QList<int> { 7, 6 };
    QTest::newRow("wraps many times") << 10 << QList<int> { 3, 3, 3, 3, 3, 3, 3, 3, 3 };
    QTest::newRow("batch equals capacity") << 10 << QList<int> { 4, 10 };
    QTest::newRow("batch beyond capacity") << 10 << QList<int> { 2, 25, 1 };
    QTest::newRow("capacity one") << 1 << QList<int> { 1, 2, 1 };
    QTest::newRow("empty batches") << 5 << QList<int> { 0, 0 };
}

void TestEventLogModel::bounded()
{
    QFETCH(int, capacity);
    QFETCH(QList<int>, batches);

    EventLogModel model(capacity);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    int total = 0;
    for (int size : batches) {
        model.appendEvents(makeEvents(total, size));
        total += size;
        QVERIFY(model.rowCount() <= capacity);
    }
    const int kept = qMin(total, capacity);
    QCOMPARE(model.rowCount(), kept);
    QCOMPARE(model.appendedCount(), total);
    QCOMPARE(model.evictedCount(), total - kept);
    for (int row = 0; row < kept; ++row) {
        const int expected = total - kept + row;
        QCOMPARE(model.eventAt(row).id, QString::number(expected));
        QCOMPARE(model.index(row, EventLogModel::DataColumn).data().toString(),
            QStringLiteral("event %1").arg(expected));
    }
}

void TestEventLogModel::batchCostsOneInsertAndOneRemove()
{
    EventLogModel model(100);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);

    model.appendEvents(makeEvents(0, 60));
    QCOMPARE(inserted.count(), 1);
    QCOMPARE(removed.count(), 0);

    model.appendEvents(makeEvents(60, 60)); // 20 too many: one removal of rows 0..19
    QCOMPARE(inserted.count(), 2);
    QCOMPARE(removed.count(), 1);
    QCOMPARE(removed.at(0).at(1).toInt(), 0);
    QCOMPARE(removed.at(0).at(2).toInt(), 19);
    QCOMPARE(inserted.at(1).at(1).toInt(), 40);
    QCOMPARE(inserted.at(1).at(2).toInt(), 99);
    QCOMPARE(reset.count(), 0);

    model.appendEvents({});
    QCOMPARE(inserted.count(), 2);
    QCOMPARE(removed.count(), 1);
    QCOMPARE(reset.count(), 0);
}

void TestEventLogModel::clearResets()
{
    EventLogModel model(10);
    model.appendEvents(makeEvents(0, 15));
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    model.clear();
    QCOMPARE(reset.count(), 1);
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.appendedCount(), 0);
    QCOMPARE(model.evictedCount(), 0);
    model.appendEvents(makeEvents(100, 3));
    QCOMPARE(model.eventAt(0).id, QStringLiteral("100"));
}

void TestEventLogModel::truncatedDataShown()
{
    EventLogModel model(10);
    MonitorEventRecord e;
    e.type = QStringLiteral("big");
    e.data = QStringLiteral("line one\nline two");
    e.truncated = true;
    e.dataLength = 50000;
    model.appendEvents({ e });
    const QString cell = model.index(0, EventLogModel::DataColumn).data().toString();
    QVERIFY2(cell.startsWith(QStringLiteral("line one\u23CEline two")), qPrintable(cell));
    QVERIFY2(cell.contains(QStringLiteral("50000")), qPrintable(cell));
    QCOMPARE(model.index(0, EventLogModel::DataColumn).data(Qt::ToolTipRole).toString(), e.data);
}

// 20,000 events in batches of 100 (the proxy sends one batch per 100 ms, so this is 20 s of a
// 1,000 event/s stream) through a shown view that follows the tail.
void TestEventLogModel::viewKeepsUpWithHighRate()
{
    EventLogModel model(1000);
    QTableView view;
    view.setModel(&model);
    view.verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    view.horizontalHeader()->setStretchLastSection(true);
    view.resize(800, 400);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));

    QElapsedTimer timer;
    timer.start();
    for (int batch = 0; batch < 200; ++batch) {
        model.appendEvents(makeEvents(batch * 100, 100));
        view.scrollToBottom();
        QCoreApplication::processEvents();
    }
    const qint64 elapsed = timer.elapsed();
    qInfo("200 batches of 100 events through a shown view: %lld ms", elapsed);
    QCOMPARE(model.rowCount(), 1000);
    QCOMPARE(model.eventAt(999).id, QStringLiteral("19999"));
    // 20 s of stream in well under 10 s of CPU, even under sanitizers on a shared machine.
    QVERIFY2(elapsed < 10000, qPrintable(QString::number(elapsed)));
}

QTEST_MAIN(TestEventLogModel)
#include "tst_eventlogmodel.moc"
