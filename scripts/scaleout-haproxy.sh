#!/usr/bin/env bash
# scripts/scaleout-haproxy.sh [BUILD_DIR]   (default build/release; needs haproxy)
#
# Two proxies behind HAProxy, on loopback: 200 clients stream finite /ticks streams through the
# balancer; each proxy must carry 35-65 % of them. Then one proxy gets SIGTERM (with
# proxy.drainSeconds 3: its /healthz answers 503 at once, HAProxy takes it out, and after the
# drain its clients get `closed` "proxy shutting down"); they reconnect through HAProxy to the
# other proxy, resume with Last-Event-ID, and every client must end with every tick exactly once,
# in order. About 15 s; every wait has a limit, 2 min 30 s in all at worst. docs/SCALING.md
# explains the configuration.
set -euo pipefail
cd "$(dirname "$0")/.."

build=${1:-build/release}
bin=$build/bin
for program in ws-sse-proxy sse-test-server scale-clients; do
    [[ -x $bin/$program ]] || { echo "scaleout: $bin/$program is missing (build first)" >&2; exit 2; }
done
command -v haproxy >/dev/null || { echo "scaleout: haproxy is not installed" >&2; exit 2; }

clients=200
events=50
intervalMs=200
work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
# A command that fails outside a check of its own (set -e) says where, instead of a silent exit.
trap 'echo "scaleout: FAILED: line $LINENO exited with status $?" >&2' ERR

fail() {
    echo "scaleout: FAILED: $*" >&2
    for log in "$work"/*.log; do
        echo "--- $(basename "$log") (last lines)" >&2
        tail -n 5 "$log" >&2
    done
    exit 1
}

# waitFor FILE REGEX: the first match of REGEX's group 1 in FILE, within 10 s.
waitFor() {
    local deadline=$((SECONDS + 10))
    while ((SECONDS < deadline)); do
        if [[ -f $1 ]] && [[ $(cat "$1") =~ $2 ]]; then
            echo "${BASH_REMATCH[1]}"
            return 0
        fi
        sleep 0.1
    done
    return 1
}

# httpGet PORT PATH: the response (head and body), with bash's /dev/tcp (no curl needed). A
# server that stops answering costs 5 s, not a hung check.
httpGet() {
    local line
    exec 3<>"/dev/tcp/127.0.0.1/$1"
    printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' "$2" >&3
    while IFS= read -r -t 5 line <&3 || [[ -n $line ]]; do echo "$line"; done
    exec 3<&-
}

# running PID: whether PID (a child of this shell) has not exited yet. bash reaps its children
# as they exit and keeps their status for `wait`, so `kill -0` fails once one has gone.
running() { kill -0 "$1" 2>/dev/null; }

metric() { httpGet "$1" /metrics | awk -v name="$2" '$1 == name { print $2 }'; }

# Milliseconds since the check's clients started (bash 5's EPOCHREALTIME: seconds.microseconds).
nowMs() { echo $((${EPOCHREALTIME/./} / 1000)); }
elapsed() { local ms=$(($(nowMs) - startMs)); printf '%d.%d s' $((ms / 1000)) $((ms % 1000 / 100)); }

freePort() {
    local port
    for _ in $(seq 50); do
        port=$((10000 + RANDOM % 22000)) # below Linux's ephemeral range (32768-)
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return 0; fi
    done
    return 1
}

"$bin/sse-test-server" --host 127.0.0.1 --port 0 --quiet >"$work/upstream.log" 2>&1 &
pids+=($!)
upstreamPort=$(waitFor "$work/upstream.log" 'listening on http://[^:]+:([0-9]+)') || fail "no test server"

declare -A proxyPort adminPort proxyPid
for name in p1 p2; do
    cat >"$work/$name.json" <<JSON
{
    "proxy": { "host": "127.0.0.1", "port": 0, "drainSeconds": 3,
               "upstream": { "allow": ["127.0.0.1:$upstreamPort"] } },
    "admin": { "host": "127.0.0.1", "port": 0 }
}
JSON
    "$bin/ws-sse-proxy" --settings "$work/$name.json" --quiet >"$work/$name.log" 2>&1 &
    proxyPid[$name]=$!
    pids+=($!)
    proxyPort[$name]=$(waitFor "$work/$name.log" 'listening on ws://127\.0\.0\.1:([0-9]+)/proxy') \
        || fail "$name did not start: $(cat "$work/$name.log")"
    adminPort[$name]=$(waitFor "$work/$name.log" 'health: http://127\.0\.0\.1:([0-9]+)/healthz') \
        || fail "$name printed no admin port"
done

# The same directives as docs/scaling/haproxy.cfg, with this run's ports. A port that looked free
# may still be taken when HAProxy binds it: then another one, up to five times.
writeHaproxyConfig() {
    cat >"$work/haproxy.cfg" <<CFG
global
    maxconn 4096
defaults
    mode http
    timeout connect 5s
    timeout client 60s
    timeout server 60s
    timeout tunnel 1h
    timeout http-request 10s
frontend ws_sse_proxy
    bind 127.0.0.1:$front
    default_backend proxies
backend proxies
    balance leastconn
    option httpchk GET /healthz
    http-check expect status 200
    default-server inter 500ms fall 2 rise 2
    server p1 127.0.0.1:${proxyPort[p1]} check port ${adminPort[p1]}
    server p2 127.0.0.1:${proxyPort[p2]} check port ${adminPort[p2]}
CFG
}
haproxyUp=
for _ in 1 2 3 4 5; do
    front=$(freePort) || fail "no free port for HAProxy"
    writeHaproxyConfig
    haproxy -c -q -f "$work/haproxy.cfg" || fail "haproxy rejects its configuration"
    haproxy -db -f "$work/haproxy.cfg" >"$work/haproxy.log" 2>&1 &
    haproxyPid=$!
    for _ in $(seq 100); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$front") 2>/dev/null; then haproxyUp=1; break; fi
        kill -0 "$haproxyPid" 2>/dev/null || break # it could not bind: try another port
        sleep 0.1
    done
    [[ -n $haproxyUp ]] && break
    kill "$haproxyPid" 2>/dev/null || true
    wait "$haproxyPid" 2>/dev/null || true
done
pids+=($haproxyPid)
[[ -n $haproxyUp ]] || fail "HAProxy is not listening on :$front"

echo "==> $clients clients, $events ticks each every $intervalMs ms, through HAProxy on :$front"
startMs=$(nowMs)
"$bin/scale-clients" --url "ws://127.0.0.1:$front/proxy" --clients $clients \
    --upstream-port "$upstreamPort" --events $events --interval $intervalMs --timeout 60 \
    >"$work/clients.log" 2>"$work/clients.err" &
clientsPid=$!
pids+=("$clientsPid")
waitFor "$work/clients.log" '(all streaming)' >/dev/null || fail "not every client is streaming: $(sort "$work/clients.err" | uniq -c | head -5)"
echo "==> all $clients streaming after $(elapsed)"

open1=$(metric "${adminPort[p1]}" wssp_sessions_open)
open2=$(metric "${adminPort[p2]}" wssp_sessions_open)
echo "==> sessions: p1 $open1, p2 $open2"
((open1 + open2 == clients)) || fail "the proxies hold $((open1 + open2)) sessions, not $clients"
for open in "$open1" "$open2"; do
    ((open * 100 >= clients * 35 && open * 100 <= clients * 65)) || fail "a proxy carries $open of $clients (35-65 % wanted)"
done

echo "==> SIGTERM to p1 (drainSeconds 3)"
kill -TERM "${proxyPid[p1]}"
health=$(httpGet "${adminPort[p1]}" /healthz) # its status line (no `| head`: SIGPIPE)
health=${health%%$'\r'*}
[[ $health == *" 503 "* ]] || fail "p1's /healthz answered \"$health\" while draining, not 503"
echo "    p1 /healthz while draining: $health"

rc=0
wait "$clientsPid" || rc=$?
grep -v '^all streaming$' "$work/clients.log" || true # that line was reported above
[[ $rc -eq 0 ]] || fail "the clients did not all finish cleanly (exit $rc): $(tail -5 "$work/clients.err")"
# p1 stops on its own after the drain; a proxy that never does fails the check, not hangs it.
for _ in $(seq 100); do running "${proxyPid[p1]}" || break; sleep 0.1; done
running "${proxyPid[p1]}" && fail "p1 is still running after SIGTERM, its drain and 10 s more"
rc=0
wait "${proxyPid[p1]}" || rc=$?
[[ $rc -eq 0 ]] || fail "p1 exited with status $rc after SIGTERM"
shutdownReconnects=$(sed -n 's/.*(\([0-9]*\) after "proxy shutting down").*/\1/p' "$work/clients.log")
((shutdownReconnects >= open1)) || fail "$shutdownReconnects clients reconnected after the drain, p1 had $open1"
opened2=$(metric "${adminPort[p2]}" wssp_sessions_opened_total)
((opened2 >= clients)) || fail "p2 opened $opened2 sessions; it should have taken all $clients"
echo "==> ok in $(elapsed): p1 exited 0; its $open1 clients resumed on p2 (p2 opened $opened2 sessions in all)"
