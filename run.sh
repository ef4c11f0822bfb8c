#!/usr/bin/env bash
# ./run.sh           the demo: installs what is missing, builds, starts sse-test-server and
#                    ws-sse-proxy, runs ws-test-client (3 messages x 3 events), then keeps the
#                    server and proxy running until Ctrl-C.
# ./run.sh proxy     only the proxy, in the foreground (what a deployment runs).
# ./run.sh monitor   the GUI monitor, connected to the proxy named in settings.json.
# Extra arguments go to the program (proxy, monitor). WSSP_SETTINGS picks another settings file.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/setup.sh

mode=${1:-demo}
[ $# -gt 0 ] && shift
case $mode in
    demo|proxy|monitor) ;;
    -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown mode '$mode' (expected: demo, proxy or monitor)" >&2; exit 2 ;;
esac

preset=${WSSP_PRESET:-release}
settings=${WSSP_SETTINGS:-settings.json}
wssp_install_missing
wssp_build "$preset" ws-sse-proxy sse-test-server ws-test-client ws-sse-monitor
bin=build/$preset/bin

if [ "$mode" = proxy ]; then
    exec "$bin/ws-sse-proxy" --settings "$settings" "$@"
fi

if [ "$mode" = monitor ]; then
    if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
        echo "run.sh: no display to open the monitor on. Run it in a desktop session," >&2
        echo "        or headless: xvfb-run -a ./run.sh monitor" >&2
        exit 1
    fi
    exec "$bin/ws-sse-monitor" --settings "$settings" "$@"
fi

# --- The demo -----------------------------------------------------------------------------
# Each run logs to a directory of its own, so a second run never truncates a first one's logs.
logs=$(mktemp -d "${TMPDIR:-/tmp}/ws-sse-proxy-demo.XXXXXX")
pids=()
stop_all() {
    trap - EXIT INT TERM
    if [ ${#pids[@]} -gt 0 ]; then
        echo
        echo "==> Stopping sse-test-server and ws-sse-proxy"
        kill -TERM "${pids[@]}" 2>/dev/null || true
        wait "${pids[@]}" 2>/dev/null || true
    fi
}
trap stop_all EXIT
trap 'exit 130' INT TERM

# start NAME LOG ARGS...: starts a program in the background and waits until it prints its
# "listening" line; if it exits first (a port in use, bad settings), says why and stops.
start() {
    local name=$1 log=$2
    shift 2
    "$bin/$name" "$@" >"$log" 2>&1 &
    local pid=$!
    for _ in $(seq 1 100); do
        if grep -q "listening on" "$log"; then
            pids+=("$pid")
            return 0
        fi
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "run.sh: $name could not start:" >&2
            sed 's/^/    /' "$log" >&2
            if grep -q "already in use" "$log"; then
                echo "    Stop whatever uses that port (ss -ltnp shows it) or change the port in $settings." >&2
            fi
            exit 1
        fi
        sleep 0.1
    done
    echo "run.sh: $name did not report that it was listening within 10 s; see $log" >&2
    kill -TERM "$pid" 2>/dev/null || true
    exit 1
}

echo "==> Starting sse-test-server and ws-sse-proxy (logs in $logs/)"
start sse-test-server "$logs/sse-test-server.log" --settings "$settings"
start ws-sse-proxy "$logs/ws-sse-proxy.log" --settings "$settings"
server_url=$(grep -o 'http://[^ ]*' "$logs/sse-test-server.log" | head -n 1)
proxy_url=$(grep -o 'ws://[^ ]*' "$logs/ws-sse-proxy.log" | head -n 1)
metrics_url=$(grep -o 'metrics: http://[^ ]*' "$logs/ws-sse-proxy.log" | head -n 1)
demo_url=$(grep -o 'browser: https\?://[^ ]*' "$logs/ws-sse-proxy.log" | head -n 1)
demo_url=${demo_url#browser: }
admin_url=${metrics_url#metrics: }
admin_url=${admin_url%/metrics}

echo "==> Running ws-test-client against $proxy_url"
echo
client_status=0
"$bin/ws-test-client" --settings "$settings" --url "$proxy_url" || client_status=$?
echo
if [ "$client_status" -ne 0 ]; then
    echo "run.sh: ws-test-client failed (exit status $client_status); logs are in $logs/" >&2
fi

# Beyond the design: two streams on one socket, one of them broken 9 times by the test server
# and resumed by the proxy from its last event ID (docs/PROTOCOL.md §4).
echo "==> Two streams on one socket; 'ticks' breaks every 100 events and the proxy resumes it"
streams="$logs/streams.jsonl"
"$bin/ws-test-client" --settings "$settings" --url "$proxy_url" --json --reconnect --reconnect-max-delay 100 \
    --target "ticks=$server_url/ticks?interval=0&count=1000&breakAfter=100" \
    --target "slow=$server_url/ticks?interval=300&count=3" >"$streams" 2>"$logs/streams.err" || true
in_order=$(grep -F '"type":"sse-event","id":"ticks"' "$streams" | grep -o '"data":"tick [0-9]*"' |
    grep -o '[0-9]*' | awk '$1 != NR { bad = 1 } END { print (!bad && NR == 1000) ? "all 1000, each once, in order" : NR " (not 1000 in order)" }')
echo "    ticks: events $in_order;" \
    "$(grep -cF '"type":"reconnecting","id":"ticks"' "$streams") reconnects (9 breaks, then the clean end; the server's 204 ends it)"
echo "    slow:  $(grep -cF '"type":"sse-event","id":"slow"' "$streams") events, side by side on the same socket"
echo "    (every message: $streams)"
echo

cat <<EOF_SUMMARY
==> The test server and the proxy keep running:
    sse-test-server   $server_url/events   (log: $logs/sse-test-server.log)
    ws-sse-proxy      $proxy_url   (log: $logs/ws-sse-proxy.log)
    health, metrics   $admin_url/healthz   $admin_url/metrics
    Watch the traffic:    ./run.sh monitor            (in another terminal, on a desktop)
    Streams in a browser: ${demo_url:-(not served: proxy.browserClient is false)}
    Send a request:       $bin/ws-test-client --url $proxy_url --target '$server_url/ticks?count=5'
    Press Ctrl-C to stop both. Their logs follow:

EOF_SUMMARY
tail -n 0 -F "$logs/sse-test-server.log" "$logs/ws-sse-proxy.log" &
pids+=($!)
wait "${pids[0]}"
