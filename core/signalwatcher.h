#pragma once

#include <QList>
#include <QObject>

class QSocketNotifier;

// Delivers POSIX signals (SIGINT, SIGTERM) into the event loop as a Qt signal.
//
// A signal handler may only do async-signal-safe work, so it writes the signal number into one
// end of a socketpair; a QSocketNotifier on the other end wakes the event loop, which reads it
// and emits signalled(). Only one watcher may exist at a time (the handler needs a global fd);
// the destructor restores the previous handlers.
class SignalWatcher : public QObject
{
    Q_OBJECT

public:
    explicit SignalWatcher(const QList<int> &signalNumbers, QObject *parent = nullptr);
    ~SignalWatcher() override;

    SignalWatcher(const SignalWatcher &) = delete;
    SignalWatcher &operator=(const SignalWatcher &) = delete;

    // False when the socketpair or a handler could not be installed (errorString() says why).
    bool isValid() const { return m_valid; }
    QString errorString() const { return m_errorString; }

signals:
    void signalled(int signalNumber);

private:
    void onReadActivated();

    struct Installed;
    QList<Installed *> m_installed;
    QSocketNotifier *m_notifier = nullptr;
    bool m_ownsFds = false; // this watcher created the global socketpair
    bool m_valid = false;
    QString m_errorString;
};
