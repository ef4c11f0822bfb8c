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

keep=0
[ "${1:-}" = --keep ] && keep=1
mirror=${WSSP_DEBIAN_MIRROR:-http://deb.debian.org/debian}

if ! command -v debootstrap >/dev/null; then
    wssp_as_root apt-get update
    wssp_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends debootstrap
fi

root=$(mktemp -d /var/tmp/wssp-fresh-debian.XXXXXX)
mounted=()
cleanup() {
    local i
    for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do wssp_as_root umount -l "${mounted[i]}" || true; done
    if [ $keep -eq 0 ]; then wssp_as_root rm -rf --one-file-system "$root"; else echo "==> Kept: $root"; fi
}
trap cleanup EXIT
log() { echo "==> [$(date +%H:%M:%S)] $*"; }

log "debootstrap --variant=minbase bookworm into $root"
wssp_as_root debootstrap --variant=minbase bookworm "$root" "$mirror" >"$root.debootstrap.log" 2>&1 ||
    { tail -n 20 "$root.debootstrap.log" >&2; exit 1; }
rm -f "$root.debootstrap.log"
# What a Debian 12 install has in its sources (updates and security), and names to resolve.
wssp_as_root tee "$root/etc/apt/sources.list" >/dev/null <<EOF
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb ${WSSP_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security} bookworm-security main
EOF
wssp_as_root cp /etc/resolv.conf "$root/etc/resolv.conf"
wssp_as_root cp /etc/hosts "$root/etc/hosts"

for fs in proc sys dev dev/pts; do
    wssp_as_root mount --bind "/$fs" "$root/$fs"
    mounted+=("$root/$fs")
done

log "Copying the tree to /wssp"
wssp_as_root mkdir "$root/wssp"
git ls-files -z --cached --others --exclude-standard | grep -zv '^build/' |
    tar --null -T - -cf - | wssp_as_root tar -xf - -C "$root/wssp"

in_root() {
    wssp_as_root chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin /bin/bash -c "$1"
}

log "./test.sh (installs, builds, runs every test)"
in_root 'cd /wssp && ./test.sh'

log "./run.sh (the demo; stopped with Ctrl-C once it says it keeps running)"
demo_log=$(mktemp)
in_root 'cd /wssp && exec ./run.sh' >"$demo_log" 2>&1 &
demo=$!
for _ in $(seq 1 600); do
    grep -q 'keep running' "$demo_log" && break
    kill -0 $demo 2>/dev/null || break
    sleep 1
done
# Ctrl-C for run.sh inside the root (found by its root directory, so nothing on the host is hit);
# it stops the test server and the proxy itself.
root_pids() {
    local p
    for p in /proc/[0-9]*; do
        [ "$(wssp_as_root readlink "$p/root" 2>/dev/null)" = "$root" ] && echo "${p#/proc/}"
    done
    return 0
}
for pid in $(root_pids); do
    grep -qa 'run.sh' "/proc/$pid/cmdline" 2>/dev/null && wssp_as_root kill -INT "$pid" || true
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
