// libFuzzer target for ClientMessage::parse (and through it ProxyRequest::fromJson, the host
// and header validation); scripts/fuzz.sh builds and runs it.
//
// Input: a WebSocket text message, decoded as UTF-8 the way QtWebSockets hands it over
// (invalid bytes become U+FFFD). Checks:
// - failure comes with a non-empty error (it goes back to the client verbatim);
// - a request survives the round trip a client makes with toJson() (ws-test-client does):
//   fromJson(request.toJson()) succeeds, gives the same toJson(), and the same request field by
//   field, including the exact body bytes and header order that go upstream;
// - parsing is deterministic (the error for the same text is the same).

#include "fuzzcheck.h"
#include "proxyrequest.h"

namespace {

bool sameRequest(const ProxyRequest &a, const ProxyRequest &b)
{
    return a.protocol == b.protocol && a.address == b.address && a.port == b.port
        && a.path == b.path && a.method == b.method && a.headers == b.headers
        && a.bodyKind == b.bodyKind && a.body == b.body;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QString text = QString::fromUtf8(reinterpret_cast<const char *>(data), qsizetype(size));

    QString error;
    const std::optional<ClientMessage> message = ClientMessage::parse(text, &error);
    if (!message) {
        FUZZ_CHECK(!error.isEmpty());
        QString again;
        FUZZ_CHECK(!ClientMessage::parse(text, &again) && again == error);
        return 0;
    }
    // A null error pointer is allowed and changes nothing.
    FUZZ_CHECK(ClientMessage::parse(text, nullptr).has_value());
    if (message->kind != ClientMessage::Kind::Request)
        return 0;

    const ProxyRequest &request = message->request;
    FUZZ_CHECK(request.port >= 1 && request.port <= 65535);
    FUZZ_CHECK(request.path.startsWith(u'/') && !request.address.isEmpty());
    FUZZ_CHECK((request.bodyKind == ProxyRequest::BodyKind::None) == request.body.isEmpty()
        || request.bodyKind == ProxyRequest::BodyKind::Text);

    const QJsonObject json = request.toJson();
    QString roundTripError;
    const std::optional<ProxyRequest> again = ProxyRequest::fromJson(json, &roundTripError);
    if (!again) {
        std::fprintf(stderr, "round trip failed: %s\n", qPrintable(roundTripError));
        FUZZ_CHECK(again);
    }
    FUZZ_CHECK(again->toJson() == json);
    FUZZ_CHECK(sameRequest(*again, request));
    return 0;
}
