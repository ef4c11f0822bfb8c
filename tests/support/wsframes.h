#pragma once

#include <QByteArray>
#include <QtGlobal>

#include <optional>

// WebSocket frames (RFC 6455 §5) and the upgrade request, built and read by hand for the tests
// (and the bench) that must put exact bytes on the wire: unfinished messages, ping floods, a
// client that stops reading, a server's close frame checked byte for byte. QWebSocket hides
// all of this, which is why it is not used for those rows.
namespace WsFrames {

enum Opcode : quint8 {
    Continuation = 0x0,
    Text = 0x1,
    Binary = 0x2,
    Close = 0x8,
    Ping = 0x9,
    Pong = 0xA,
};

// One frame as a client must send it: masked, with a random key. `fin` false: more frames of
// the message follow.
QByteArray masked(quint8 opcode, const QByteArray &payload, bool fin = true);
inline QByteArray maskedText(const QByteArray &payload)
{
    return masked(Text, payload);
}

// One frame read from the start of `bytes`.
struct Frame
{
    bool fin = false;
    bool masked = false; // a server must never mask
    quint8 opcode = 0;
    QByteArray payload; // unmasked
    qsizetype size = 0; // bytes of the whole frame in the input
};
// The frame at `from`, or nullopt while `bytes` does not hold all of it yet.
std::optional<Frame> parse(const QByteArray &bytes, qsizetype from = 0);

// "GET `path`" with the upgrade headers of RFC 6455 §4.1 (the RFC's sample key), Host
// `host`, then `extraHeaders` (each line ending in "\r\n") and the blank line.
QByteArray upgradeRequest(const QByteArray &path = "/proxy", const QByteArray &host = "127.0.0.1",
    const QByteArray &extraHeaders = QByteArray());

} // namespace WsFrames
