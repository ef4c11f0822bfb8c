#include "targetlist.h"

#include "clientcli.h"

#include <algorithm>

namespace TargetList {

namespace {

    bool isHttpUrl(QStringView text)
    {
        return text.startsWith(u"http://", Qt::CaseInsensitive)
            || text.startsWith(u"https://", Qt::CaseInsensitive);
    }

} // namespace

Target split(const QString &value)
{
    Target target;
    const qsizetype equals = value.indexOf(u'=');
    if (isHttpUrl(value) || equals < 0 || !isHttpUrl(QStringView(value).sliced(equals + 1))) {
        target.url = value; // a URL, or a mistake that applyTarget reports whole
        return target;
    }
    target.id = value.left(equals);
    target.hasId = true;
    target.url = value.mid(equals + 1);
    return target;
}

bool build(const QStringList &values, const ProxyRequest &base, QList<ProxyRequest> *requests,
    QString *error)
{
    QList<Target> targets;
    for (const QString &value : values)
        targets.append(split(value));
    // One target without an id stays the original single request: no id on the wire, and the
    // proxy runs it in its id-less lane exactly as before.
    const bool tagged = targets.size() > 1
        || std::any_of(targets.cbegin(), targets.cend(), [](const Target &t) { return t.hasId; });

    QList<ProxyRequest> built;
    for (qsizetype i = 0; i < targets.size(); ++i) {
        const Target &target = targets.at(i);
        ProxyRequest request = base;
        if (!ClientCli::applyTarget(target.url, &request, error))
            return false;
        if (tagged) {
            request.id = target.hasId ? target.id : QString::number(i + 1);
            if (!ProxyRequest::isValidId(request.id)) {
                *error = QStringLiteral("--target '%1': the id before '=' must be 1 to %2 "
                                        "printable ASCII characters")
                             .arg(values.at(i))
                             .arg(ProxyRequest::maxIdLength);
                return false;
            }
            const bool taken = std::any_of(built.cbegin(), built.cend(),
                [&request](const ProxyRequest &other) { return other.id == request.id; });
            if (taken) {
                // Refused rather than renamed: the proxy would refuse the second anyway, and an
                // id the user did not choose would be a surprise in the output.
                *error = QStringLiteral("--target: the id \"%1\" is used twice (a target "
                                        "without an id gets its position as id)")
                             .arg(request.id);
                return false;
            }
        }
        built.append(request);
    }
    *requests = built;
    return true;
}

} // namespace TargetList
