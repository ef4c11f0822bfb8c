#!/usr/bin/env bash
# scripts/fresh-debian-check.sh [--keep]
#
# Tries the README's two commands as a newcomer would: a fresh Debian 12 root (debootstrap,
# variant minbase: nothing but the base system, no sudo), this tree copied in (tracked and
# untracked files, not build/), then `./test.sh` and `./run.sh` inside it as root. Passes when
# every test passes and the demo shows its exchange: 3 requests, 9 events, 3 `closed`.
# Takes ~25 minutes on a 2-core machine; not part of CI (CI runs scripts/check-packages.sh, which
# catches a missing package in seconds). Needs root (or sudo) and Debian's package mirror.
# --keep leaves the root in place (its path is printed) to look around in.
# The demo uses the ports in settings.json on the host's network: keep them free.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
source scripts/debian-root.sh

keep=0
[ "${1:-}" = --keep ] && keep=1

wssp_root_create wssp-fresh-debian

log "Copying the tree to /wssp"
wssp_as_root mkdir "$root/wssp"
git ls-files -z --cached --others --exclude-standard | grep -zv '^build/' |
    tar --null -T - -cf - | wssp_as_root tar -xf - -C "$root/wssp"

log "./test.sh (installs, builds, runs every test)"
in_root 'cd /wssp && ./test.sh'

log "./run.sh (the demo; stopped with SIGTERM once it says it keeps running)"
demo_log=$(mktemp)
in_root 'cd /wssp && exec ./run.sh' >"$demo_log" 2>&1 &
demo=$!
for _ in $(seq 1 600); do
    grep -q 'keep running' "$demo_log" && break
    kill -0 $demo 2>/dev/null || break
    sleep 1
done
# Stop run.sh inside the root (found by its root directory, so nothing on the host is hit); it
# stops the test server and the proxy itself. SIGTERM, which run.sh handles as it does Ctrl-C:
# a SIGINT would be ignored when this script itself was started in the background by a
# non-interactive shell (the demo then inherits SIGINT ignored and never stops).
for pid in $(root_pids); do
    grep -qa 'run.sh' "/proc/$pid/cmdline" 2>/dev/null && wssp_as_root kill -TERM "$pid" || true
done
wait $demo || true
for pid in $(root_pids); do wssp_as_root kill -KILL "$pid" || true; done
cat "$demo_log"

# The client's transcript (before the summary): one line per request sent, event and `closed`.
transcript=$(sed '/keep running/q' "$demo_log")
requests=$(grep -c '^📤 #' <<<"$transcript" || true)
events=$(grep -c '^📥 SSE Event' <<<"$transcript" || true)
closed=$(grep -c '^🔚 Server closed' <<<"$transcript" || true)
log "demo: $requests requests, $events events, $closed closed"
rm -f "$demo_log"
if [ "$requests" -ne 3 ] || [ "$events" -ne 9 ] || [ "$closed" -ne 3 ]; then
    echo "fresh-debian-check: the demo did not show 3 requests, 9 events, 3 closed" >&2
    exit 1
fi
log "A fresh Debian 12 root passes ./test.sh and ./run.sh"
