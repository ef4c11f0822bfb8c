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
        case u'"': out.append(u"\\\""); break;
        case u'\\': out.append(u"\\\\"); break;
        case u'\n': out.append(u"\\n"); break;
        case u'\r': out.append(u"\\r"); break;
        case u'\t': out.append(u"\\t"); break;
        case u'\b': out.append(u"\\b"); break;
        case u'\f': out.append(u"\\f"); break;
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

QString quoted(QStringView text)
{
    QString out;
    appendString(out, text);
    return out;
}

} // namespace JsonWriter
