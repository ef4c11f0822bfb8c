#!/usr/bin/env bash
# Regenerates the TLS test material (kept in the repository so tests need no openssl at run time):
# test-ca.crt (a CA trusted only by the tests) and test-server.crt/.key, signed by it, for
# DNS:localhost and IP:127.0.0.1, valid for 100 years. A test asking for another name (say
# "127.0.0.2") then gets a host-name mismatch from a certificate that is otherwise trusted.
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
openssl req -x509 -newkey rsa:2048 -nodes -days 36500 -subj "/CN=ws-sse-proxy test CA" \
    -keyout "$tmp/ca.key" -out test-ca.crt -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout test-server.key \
    -out "$tmp/server.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$tmp/ext"
openssl x509 -req -in "$tmp/server.csr" -CA test-ca.crt -CAkey "$tmp/ca.key" -CAcreateserial -CAserial "$tmp/ca.srl" \
    -days 36500 -extfile "$tmp/ext" -out test-server.crt 2>/dev/null
