#include "requesttablemodel.h"

#include <QAbstractItemModelTester>
#include <QColor>
#include <QLocale>
#include <QSignalSpy>
#include <QTest>

// RequestTableModel: one session's running requests, one row each. Live updates change rows in
// place, remove ended ones and append new ones (no reset, so a view keeps its selection);
// another session, or a list that does not follow from the shown one, starts over.
// QAbstractItemModelTester checks every notification on the way.
class TestRequestTableModel : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void showsOneRowPerRequest();
    void updatesInPlace_data();
    void updatesInPlace();
    void anotherSessionStartsOver();
    void unexpectedOrderStartsOver_data();
    void unexpectedOrderStartsOver();
    void selectionSurvivesUpdates();

private:
    // "id state status events attempts" per row, joined by " | ".
    QString describe() const;

    RequestTableModel *m_model = nullptr;
    QAbstractItemModelTester *m_tester = nullptr;
};

namespace {

MonitorRequest request(const QString &id,
    MonitorRequest::State state = MonitorRequest::State::Streaming, qint64 events = 0,
    int attempts = 1)
{
    MonitorRequest r;
    r.id = id;
    r.method = QStringLiteral("GET");
    r.url = QStringLiteral("http://localhost:8081/%1")
                .arg(id.isEmpty() ? QStringLiteral("events") : id);
    r.state = state;
    r.status = state == MonitorRequest::State::Connecting ? 0 : 200;
    r.eventsRelayed = events;
    r.attempts = attempts;
    return r;
}

QList<MonitorRequest> requests(const QStringList &ids)
{
    QList<MonitorRequest> result;
    for (const QString &id : ids)
        result.append(request(id));
    return result;
}

} // namespace

void TestRequestTableModel::init()
{
    m_model = new RequestTableModel(this);
    m_tester = new QAbstractItemModelTester(
        m_model, QAbstractItemModelTester::FailureReportingMode::QtTest, this);
}

void TestRequestTableModel::cleanup()
{
    delete m_tester;
    delete m_model;
    m_tester = nullptr;
    m_model = nullptr;
}

QString TestRequestTableModel::describe() const
{
    QStringList rows;
    for (int r = 0; r < m_model->rowCount(); ++r) {
        auto cell = [&](int c) { return m_model->index(r, c).data().toString(); };
        rows.append(QStringList { cell(RequestTableModel::IdColumn),
            cell(RequestTableModel::StateColumn), cell(RequestTableModel::StatusColumn),
            cell(RequestTableModel::EventsColumn), cell(RequestTableModel::AttemptsColumn) }
                        .join(u' ')
                        .simplified());
    }
    return rows.join(QStringLiteral(" | "));
}

void TestRequestTableModel::showsOneRowPerRequest()
{
    QCOMPARE(m_model->rowCount(), 0);
    QCOMPARE(m_model->columnCount(), int(RequestTableModel::ColumnCount));
    QCOMPARE(m_model->headerData(RequestTableModel::IdColumn, Qt::Horizontal).toString(),
        QStringLiteral("Request id"));
    QCOMPARE(m_model->headerData(RequestTableModel::AttemptsColumn, Qt::Horizontal).toString(),
        QStringLiteral("Attempts"));

    MonitorRequest idless = request(QString(), MonitorRequest::State::Streaming, 12345);
    idless.method = QStringLiteral("POST");
    MonitorRequest prices
        = request(QStringLiteral("prices"), MonitorRequest::State::Reconnecting, 7, 3);
    prices.url = QStringLiteral("http://localhost:8081/prices?api_key=[redacted]");
    MonitorRequest news = request(QStringLiteral("news"), MonitorRequest::State::Connecting);
    MonitorRequest denied = request(QStringLiteral("denied"));
    denied.status = 403;
    m_model->setRequests(7, { idless, prices, news, denied });

    QCOMPARE(m_model->sessionId(), 7);
    QCOMPARE(describe(),
        QStringLiteral("(none) streaming 200 %1 1 | prices reconnecting 200 7 3 | "
                       "news connecting 0 1 | denied streaming 403 0 1")
            .arg(QLocale().toString(12345)));
    QCOMPARE(m_model->index(0, RequestTableModel::MethodColumn).data().toString(),
        QStringLiteral("POST"));
    QCOMPARE(m_model->index(1, RequestTableModel::UrlColumn).data().toString(),
        QStringLiteral("http://localhost:8081/prices?api_key=[redacted]"));
    QCOMPARE(m_model->index(1, RequestTableModel::UrlColumn).data(Qt::ToolTipRole).toString(),
        QStringLiteral("http://localhost:8081/prices?api_key=[redacted]"));
    QCOMPARE(m_model->rowOf(QStringLiteral("news")), 2);
    QCOMPARE(m_model->rowOf(QString()), 0);
    QCOMPARE(m_model->rowOf(QStringLiteral("gone")), -1);
    QCOMPARE(m_model->index(1, RequestTableModel::StateColumn)
                 .data(RequestTableModel::RequestIdRole)
                 .toString(),
        QStringLiteral("prices"));

    // The request without an id is told apart; a wait to reconnect and an error status stand out.
    QCOMPARE(
        m_model->index(0, RequestTableModel::IdColumn).data(Qt::ForegroundRole).value<QColor>(),
        QColor(Qt::gray));
    QVERIFY(
        !m_model->index(0, RequestTableModel::IdColumn).data(Qt::ToolTipRole).toString().isEmpty());
    QVERIFY(!m_model->index(1, RequestTableModel::IdColumn).data(Qt::ForegroundRole).isValid());
    QCOMPARE(
        m_model->index(1, RequestTableModel::StateColumn).data(Qt::DecorationRole).value<QColor>(),
        QColor(0x8e, 0x5c, 0xc2));
    QCOMPARE(
        m_model->index(0, RequestTableModel::StateColumn).data(Qt::DecorationRole).value<QColor>(),
        QColor(0x2e, 0xa0, 0x43));
    QCOMPARE(
        m_model->index(3, RequestTableModel::StatusColumn).data(Qt::ForegroundRole).value<QColor>(),
        QColor(0xc6, 0x28, 0x28));
    QVERIFY(!m_model->index(0, RequestTableModel::StatusColumn).data(Qt::ForegroundRole).isValid());

    m_model->clear();
    QCOMPARE(m_model->rowCount(), 0);
    QCOMPARE(m_model->sessionId(), 0);
}

// From `before` to `after` of one session: which notifications, and no reset.
void TestRequestTableModel::updatesInPlace_data()
{
    QTest::addColumn<QStringList>("before");
    QTest::addColumn<QStringList>("after");
    QTest::addColumn<int>("removed");
    QTest::addColumn<int>("inserted");

    QTest::newRow("one more") << QStringList { "a" } << QStringList { "a", "b" } << 0 << 1;
    QTest::newRow("first of two ends") << QStringList { "a", "b" } << QStringList { "b" } << 1 << 0;
    QTest::newRow("middle ends, two start")
        << QStringList { "a", "b", "c" } << QStringList { "a", "c", "d", "e" } << 1 << 2;
    QTest::newRow("runs end") << QStringList { "a", "b", "c", "d", "e" } << QStringList { "c" } << 2
                              << 0;
    QTest::newRow("all end") << QStringList { "", "a" } << QStringList {} << 1 << 0;
    QTest::newRow("from none") << QStringList {} << QStringList { "", "x", "y" } << 0 << 3;
    QTest::newRow("same") << QStringList { "", "x" } << QStringList { "", "x" } << 0 << 0;
}

void TestRequestTableModel::updatesInPlace()
{
    QFETCH(QStringList, before);
    QFETCH(QStringList, after);
    QFETCH(int, removed);
    QFETCH(int, inserted);

    m_model->setRequests(3, requests(before));
    QSignalSpy resets(m_model, &QAbstractItemModel::modelReset);
    QSignalSpy removes(m_model, &QAbstractItemModel::rowsRemoved);
    QSignalSpy inserts(m_model, &QAbstractItemModel::rowsInserted);
    m_model->setRequests(3, requests(after));

    QCOMPARE(resets.count(), 0);
    QCOMPARE(removes.count(), removed); // contiguous runs at once
    QCOMPARE(inserts.count(), inserted > 0 ? 1 : 0); // appended at once
    QStringList shown;
    for (const MonitorRequest &r : m_model->requests())
        shown.append(r.id);
    QCOMPARE(shown, after);
    QCOMPARE(m_model->requests(), requests(after));
}

void TestRequestTableModel::anotherSessionStartsOver()
{
    m_model->setRequests(3, requests({ "a", "b" }));
    QSignalSpy resets(m_model, &QAbstractItemModel::modelReset);
    QSignalSpy changes(m_model, &QAbstractItemModel::dataChanged);

    // The same ids in another session are other requests.
    m_model->setRequests(4, requests({ "a", "b" }));
    QCOMPARE(resets.count(), 1);
    QCOMPARE(m_model->sessionId(), 4);

    // Counters of the same session change the rows that changed, nothing else.
    QList<MonitorRequest> next = requests({ "a", "b" });
    next[1].eventsRelayed = 9;
    next[1].state = MonitorRequest::State::Reconnecting;
    next[1].attempts = 2;
    m_model->setRequests(4, next);
    QCOMPARE(resets.count(), 1);
    QCOMPARE(changes.count(), 1);
    QCOMPARE(changes.first().at(0).toModelIndex().row(), 1);
    QCOMPARE(changes.first().at(1).toModelIndex().row(), 1);
    QCOMPARE(describe(), QStringLiteral("a streaming 200 0 1 | b reconnecting 200 9 2"));
    m_model->setRequests(4, next);
    QCOMPARE(changes.count(), 1); // nothing changed, nothing said
}

// Lists that cannot follow from the shown one by ends and starts: shown afresh.
void TestRequestTableModel::unexpectedOrderStartsOver_data()
{
    QTest::addColumn<QStringList>("after");
    QTest::newRow("reordered") << QStringList { "b", "a" };
    QTest::newRow("new before old") << QStringList { "c", "a", "b" };
    QTest::newRow("repeated id") << QStringList { "a", "b", "b" };
}

void TestRequestTableModel::unexpectedOrderStartsOver()
{
    QFETCH(QStringList, after);
    m_model->setRequests(3, requests({ "a", "b" }));
    QSignalSpy resets(m_model, &QAbstractItemModel::modelReset);
    m_model->setRequests(3, requests(after));
    QCOMPARE(resets.count(), 1);
    QCOMPARE(m_model->requests(), requests(after));
}

void TestRequestTableModel::selectionSurvivesUpdates()
{
    m_model->setRequests(3, requests({ "a", "b", "c" }));
    const QPersistentModelIndex b(m_model->index(1, RequestTableModel::UrlColumn));
    QList<MonitorRequest> next = requests({ "b", "c", "d" });
    next[0].eventsRelayed = 5;
    m_model->setRequests(3, next);
    QVERIFY(b.isValid());
    QCOMPARE(b.row(), 0);
    QCOMPARE(b.data(RequestTableModel::RequestIdRole).toString(), QStringLiteral("b"));
    QCOMPARE(m_model->index(b.row(), RequestTableModel::EventsColumn).data().toString(),
        QStringLiteral("5"));

    m_model->setRequests(3, requests({ "c", "d" }));
    QVERIFY(!b.isValid()); // its request ended
}

QTEST_MAIN(TestRequestTableModel)
#include "tst_requesttablemodel.moc"
