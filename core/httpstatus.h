#pragma once

#include <QByteArray>

// HTTP status codes the suite's servers answer with (the proxy's gate and the test server), one
// table of reason phrases for both (RFC 9110 §15).
namespace HttpStatus {

// "Not Found" for 404; "Status 599" for a code the table does not know.
QByteArray reasonPhrase(int status);
// "HTTP/1.1 404 Not Found\r\n": a response's status line.
QByteArray statusLine(int status);

} // namespace HttpStatus
