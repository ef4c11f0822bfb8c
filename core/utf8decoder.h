#pragma once

#include <QByteArrayView>
#include <QString>

namespace Utf8 {

// Decodes UTF-8 exactly as the WHATWG Encoding Standard's "UTF-8 decode" does: every maximal
// invalid subpart becomes one U+FFFD, and a truncated sequence at the end becomes one U+FFFD.
// (QString::fromUtf8 differs in how many U+FFFD it emits for some invalid input.)
QString decode(QByteArrayView bytes);

// Appends the decoded text to `out`; the same rules as decode().
void appendDecoded(QString &out, QByteArrayView bytes);

} // namespace Utf8
