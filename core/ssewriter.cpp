#include "ssewriter.h"

namespace SseWriter {

namespace {

    QByteArray withoutLineBreaks(const QString &text)
    {
        QByteArray bytes = text.toUtf8();
        bytes.removeIf([](char c) { return c == '\r' || c == '\n'; });
        return bytes;
    }

    // A reader ignores an `id` field containing NUL altogether (and keeps the previous ID), so the
    // NUL goes too.
    QByteArray idBytes(const QString &id)
    {
        QByteArray bytes = withoutLineBreaks(id);
        bytes.removeIf([](char c) { return c == '\0'; });
        return bytes;
    }

} // namespace

QByteArrayView lineEndingBytes(LineEnding ending)
{
    switch (ending) {
    case LineEnding::CrLf:
        return "\r\n";
    case LineEnding::Cr:
        return "\r";
    case LineEnding::Lf:
        break;
    }
    return "\n";
}

QByteArray encode(const SseEvent &event, LineEnding ending)
{
    const QByteArrayView eol = lineEndingBytes(ending);
    const QByteArray data = event.data.toUtf8();
    QByteArray out;
    out.reserve(data.size() + event.type.size() + event.lastEventId.size() + 32);

    if (!event.type.isEmpty())
        out.append("event: ").append(withoutLineBreaks(event.type)).append(eol);
    if (!event.lastEventId.isEmpty())
        out.append("id: ").append(idBytes(event.lastEventId)).append(eol);
    if (event.hasRetry)
        out.append("retry: ").append(event.retry.toLatin1()).append(eol);

    // Split on CRLF, CR or LF, exactly as a reader splits lines.
    qsizetype lineStart = 0;
    for (qsizetype i = 0; i <= data.size(); ++i) {
        if (i < data.size() && data[i] != '\n' && data[i] != '\r')
            continue;
        out.append("data: ").append(data.constData() + lineStart, i - lineStart).append(eol);
        if (i + 1 < data.size() && data[i] == '\r' && data[i + 1] == '\n')
            ++i;
        lineStart = i + 1;
    }
    out.append(eol);
    return out;
}

QByteArray comment(QByteArrayView text, LineEnding ending)
{
    QByteArray out(":");
    if (!text.isEmpty())
        out.append(' ').append(text);
    out.append(lineEndingBytes(ending));
    return out;
}

} // namespace SseWriter
