#include "jsonwriter.h"

namespace JsonWriter {

void appendString(QString &out, QStringView text)
{
    static constexpr char hexDigits[] = "0123456789abcdef";
    out.reserve(out.size() + text.size() + 2);
    out.append(u'"');
    const QChar *runStart = text.data();
    const QChar *const end = text.data() + text.size();
    for (const QChar *p = runStart; p != end; ++p) {
        const char16_t c = p->unicode();
        if (c >= 0x20 && c != u'"' && c != u'\\')
            continue;
        out.append(runStart, p - runStart);
        runStart = p + 1;
        switch (c) {
        case u'"':
            out.append(u"\\\"");
            break;
        case u'\\':
            out.append(u"\\\\");
            break;
        case u'\n':
            out.append(u"\\n");
            break;
        case u'\r':
            out.append(u"\\r");
            break;
        case u'\t':
            out.append(u"\\t");
            break;
        case u'\b':
            out.append(u"\\b");
            break;
        case u'\f':
            out.append(u"\\f");
            break;
        default: {
            const char16_t escape[] = { u'\\', u'u', u'0', u'0', char16_t(hexDigits[c >> 4]),
                char16_t(hexDigits[c & 0xF]) };
            out.append(reinterpret_cast<const QChar *>(escape), 6);
        }
        }
    }
    out.append(runStart, end - runStart);
    out.append(u'"');
}

qsizetype quotedUtf8Size(QStringView text)
{
    qsizetype size = 2;
    for (QChar ch : text) {
        const char16_t c = ch.unicode();
        if (c == u'"' || c == u'\\' || c == u'\n' || c == u'\r' || c == u'\t' || c == u'\b'
            || c == u'\f')
            size += 2;
        else if (c < 0x20)
            size += 6;
        else if (c < 0x80)
            size += 1;
        else if (c < 0x800 || ch.isSurrogate())
            size += 2; // a surrogate pair is 4 bytes, 2 per half
        else
            size += 3;
    }
    return size;
}

QString quoted(QStringView text)
{
    QString out;
    appendString(out, text);
    return out;
}

} // namespace JsonWriter
