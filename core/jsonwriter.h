#pragma once

#include <QString>
#include <QStringView>

// Direct JSON text encoding, for messages on the hot path where building a QJsonObject and
// serialising it would cost more than the relay itself (see docs/ARCHITECTURE.md).
namespace JsonWriter {

// Appends `text` as a quoted JSON string: quotes, backslashes and control characters escaped.
void appendString(QString &out, QStringView text);

QString quoted(QStringView text);

// The UTF-8 size of what appendString() writes for `text`, without writing it: a limit on a
// message can be checked before the message (up to six times its data) is built.
qsizetype quotedUtf8Size(QStringView text);

} // namespace JsonWriter
