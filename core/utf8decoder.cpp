#include "utf8decoder.h"

#include <QStringDecoder>

#include <cstring>

namespace Utf8 {

namespace {

    constexpr char16_t replacementCharacter = 0xFFFD;
    // Below this, the loop below is as fast as setting up Qt's decoder.
    constexpr qsizetype minBytesForQtDecoder = 32;

    // The WHATWG algorithm itself, one byte at a time (with a shortcut for runs of ASCII).
    void appendDecodedWhatwg(QString &out, QByteArrayView bytes)
    {
        const qsizetype start = out.size();
        // Each input byte yields at most one UTF-16 unit (a 4-byte sequence yields two units).
        out.resize(start + bytes.size());
        char16_t *dst = reinterpret_cast<char16_t *>(out.data()) + start;
        char16_t *const begin = dst;

        const auto *p = reinterpret_cast<const unsigned char *>(bytes.data());
        const auto *const end = p + bytes.size();

        char32_t codePoint = 0;
        int needed = 0;
        int seen = 0;
        unsigned char lower = 0x80;
        unsigned char upper = 0xBF;

        while (p != end) {
            if (needed == 0) {
                // Runs of ASCII, the common case, are copied eight bytes at a time.
                while (end - p >= 8) {
                    quint64 word;
                    std::memcpy(&word, p, sizeof word);
                    if (word & 0x8080808080808080ULL)
                        break;
                    for (int i = 0; i < 8; ++i)
                        dst[i] = p[i];
                    p += 8;
                    dst += 8;
                }
                if (p == end)
                    break;
                const unsigned char byte = *p++;
                if (byte < 0x80) {
                    *dst++ = byte;
                } else if (byte >= 0xC2 && byte <= 0xDF) {
                    needed = 1;
                    codePoint = byte & 0x1F;
                } else if (byte >= 0xE0 && byte <= 0xEF) {
                    if (byte == 0xE0)
                        lower = 0xA0;
                    if (byte == 0xED)
                        upper = 0x9F;
                    needed = 2;
                    codePoint = byte & 0x0F;
                } else if (byte >= 0xF0 && byte <= 0xF4) {
                    if (byte == 0xF0)
                        lower = 0x90;
                    if (byte == 0xF4)
                        upper = 0x8F;
                    needed = 3;
                    codePoint = byte & 0x07;
                } else {
                    *dst++ = replacementCharacter;
                }
                continue;
            }
            const unsigned char byte = *p;
            if (byte < lower || byte > upper) {
                // The byte is not consumed: it starts over as the first byte of the next sequence.
                codePoint = 0;
                needed = seen = 0;
                lower = 0x80;
                upper = 0xBF;
                *dst++ = replacementCharacter;
                continue;
            }
            ++p;
            lower = 0x80;
            upper = 0xBF;
            codePoint = (codePoint << 6) | (byte & 0x3F);
            if (++seen != needed)
                continue;
            if (codePoint > 0xFFFF) {
                *dst++ = char16_t(0xD800 + ((codePoint - 0x10000) >> 10));
                *dst++ = char16_t(0xDC00 + ((codePoint - 0x10000) & 0x3FF));
            } else {
                *dst++ = char16_t(codePoint);
            }
            codePoint = 0;
            needed = seen = 0;
        }
        if (needed != 0)
            *dst++ = replacementCharacter;

        out.resize(start + (dst - begin));
    }

} // namespace

void appendDecoded(QString &out, QByteArrayView bytes)
{
    // Valid input, the common case, goes through Qt's vectorised decoder, which is several times
    // faster. For valid UTF-8 every decoder gives the same text; they differ only in how many
    // U+FFFD they emit for invalid input, so when Qt reports an error the bytes are decoded
    // again by the WHATWG rules. (Stateless: a sequence cut off at the end is an error too.
    // ConvertInitialBom: a U+FEFF at the start is text here, not a byte order mark.)
    if (bytes.size() >= minBytesForQtDecoder) {
        const qsizetype start = out.size();
        QStringDecoder decoder(QStringConverter::Utf8,
            QStringConverter::Flag::Stateless | QStringConverter::Flag::ConvertInitialBom);
        out.resize(start + decoder.requiredSpace(bytes.size()));
        const QChar *end = decoder.appendToBuffer(out.data() + start, bytes);
        if (!decoder.hasError()) {
            out.resize(end - out.constData());
            return;
        }
        out.resize(start);
    }
    appendDecodedWhatwg(out, bytes);
}

QString decode(QByteArrayView bytes)
{
    QString out;
    appendDecoded(out, bytes);
    return out;
}

} // namespace Utf8
