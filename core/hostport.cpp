#include "hostport.h"

namespace HostPort {

QString urlHost(QStringView host)
{
    if (host.contains(u':') && !host.startsWith(u'['))
        return u'[' + host.toString() + u']';
    return host.toString();
}

QString join(QStringView host, int port)
{
    return urlHost(host) + u':' + QString::number(port);
}

QString reachableHost(const QString &listenHost)
{
    const QString host = listenHost.trimmed();
    if (host.isEmpty() || host == u"*" || host == u"0.0.0.0" || host == u"::")
        return QStringLiteral("localhost");
    return host;
}

} // namespace HostPort
