#include "wsframes.h"

#include <QRandomGenerator>
#include <QStringBuilder> // operator+ under QT_USE_QSTRINGBUILDER

namespace WsFrames {

QByteArray masked(quint8 opcode, const QByteArray &payload, bool fin)
{
    QByteArray frame;
    frame.append(char((fin ? 0x80 : 0x00) | opcode));
    if (payload.size() < 126) {
        frame.append(char(0x80 | payload.size()));
    } else if (payload.size() < 65536) {
        frame.append(char(0x80 | 126));
        frame.append(char((payload.size() >> 8) & 0xFF));
        frame.append(char(payload.size() & 0xFF));
    } else {
        frame.append(char(0x80 | 127));
        for (int shift = 56; shift >= 0; shift -= 8)
            frame.append(char((quint64(payload.size()) >> shift) & 0xFF));
    }
    // Random as RFC 6455 §5.3 asks: a fixed key would hide a server that ignores the mask.
    const quint32 mask = QRandomGenerator::global()->generate();
    const char key[4] = { char(mask >> 24), char(mask >> 16), char(mask >> 8), char(mask) };
    frame.append(key, 4);
    for (qsizetype i = 0; i < payload.size(); ++i)
        frame.append(char(payload[i] ^ key[i % 4]));
    return frame;
}

std::optional<Frame> parse(const QByteArray &bytes, qsizetype from)
{
    const auto byte = [&bytes](qsizetype i) { return quint8(bytes.at(i)); };
    qsizetype at = from + 2;
    if (bytes.size() < at)
        return std::nullopt;
    Frame frame;
    frame.fin = (byte(from) & 0x80) != 0;
    frame.opcode = byte(from) & 0x0F;
    frame.masked = (byte(from + 1) & 0x80) != 0;
    quint64 length = byte(from + 1) & 0x7F;
    const int extra = length == 126 ? 2 : length == 127 ? 8 : 0;
    if (bytes.size() < at + extra)
        return std::nullopt;
    if (extra != 0) {
        length = 0;
        for (int i = 0; i < extra; ++i)
            length = (length << 8) | byte(at + i);
        at += extra;
    }
    char key[4] = {};
    if (frame.masked) {
        if (bytes.size() < at + 4)
            return std::nullopt;
        for (int i = 0; i < 4; ++i)
            key[i] = bytes.at(at + i);
        at += 4;
    }
    if (quint64(bytes.size() - at) < length)
        return std::nullopt;
    frame.payload = bytes.sliced(at, qsizetype(length));
    if (frame.masked) {
        for (qsizetype i = 0; i < frame.payload.size(); ++i)
            frame.payload[i] = char(frame.payload.at(i) ^ key[i % 4]);
    }
    frame.size = at + qsizetype(length) - from;
    return frame;
}

QByteArray upgradeRequest(
    const QByteArray &path, const QByteArray &host, const QByteArray &extraHeaders)
{
    return "GET " + path + " HTTP/1.1\r\nHost: " + host
        + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        + extraHeaders + "\r\n";
}

} // namespace WsFrames
