#pragma once

#include "proxyrequest.h"

#include <QList>
#include <QString>
#include <QStringList>

// The --target values of request mode -> the requests sent (docs/TEST-CLIENT.md §2).
namespace TargetList {

struct Target
{
    QString id; // empty when none was given
    bool hasId = false; // "ID=URL" (an empty id is an error, not "no id")
    QString url;
};

// "URL" or "ID=URL": ID=URL when the text after the first '=' starts with http:// or https://
// (any case) and the value itself does not (a URL's query may hold "=http://"). Anything else is
// taken as a URL, so that a mistake is reported whole.
Target split(const QString &value);

// One request per value: `base` (method, headers, body, reconnect) with the value's URL
// (ClientCli::applyTarget). With several values, or any value with an id, every request gets
// an id: its own, else its position (1, 2, ...). False with `error` naming --target for a bad
// URL, an id that is not 1-64 printable ASCII characters, or an id used twice.
bool build(const QStringList &values, const ProxyRequest &base, QList<ProxyRequest> *requests,
    QString *error);

} // namespace TargetList
