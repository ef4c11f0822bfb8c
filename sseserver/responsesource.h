#pragma once

#include <QByteArray>
#include <QString>

// What one HTTP response sends over time. A source never touches a socket: HttpConnection asks
// it for the next step, writes the bytes, then waits, finishes or drops the connection as the
// step says. That keeps every endpoint testable byte for byte without a network.
class ResponseSource
{
public:
    enum class Then {
        Wait, // call next() again after `delayMs`
        Finish, // the response is complete: close the connection gracefully (FIN)
        Abort // drop the connection abruptly (RST) once the bytes are out
    };

    struct Step
    {
        QByteArray bytes;
        Then then = Then::Finish;
        int delayMs = 0;
        QString note; // a log line for this step, or empty
    };

    ResponseSource() = default;
    virtual ~ResponseSource() = default;
    ResponseSource(const ResponseSource &) = delete;
    ResponseSource &operator=(const ResponseSource &) = delete;

    // The first call returns the response head (and usually the first event).
    virtual Step next() = 0;
    // A summary for the log when the client leaves before the response is complete.
    virtual QString progress() const { return {}; }
};

// A response known in full up front: errors, /status, /plain, /endings, /headers.
class FixedResponse : public ResponseSource
{
public:
    explicit FixedResponse(QByteArray bytes, QString note = {})
        : m_bytes(std::move(bytes))
        , m_note(std::move(note))
    {
    }
    Step next() override { return { std::move(m_bytes), Then::Finish, 0, std::move(m_note) }; }

private:
    QByteArray m_bytes;
    QString m_note;
};
