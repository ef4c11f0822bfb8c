#!/usr/bin/env bash
# scripts/package-check.sh [--keep] [--no-build] [--no-boot]
#
# Tries the Debian packages as an administrator would: builds them (scripts/package.sh), then in
# a fresh Debian 12 root (debootstrap, variant minbase: the same kind of root as
# scripts/fresh-debian-check.sh, shared through scripts/debian-root.sh):
#   1. `apt-get install --no-install-recommends ./ws-sse-proxy_….deb ./ws-sse-monitor_….deb`
#      (Debian's packages come from the mirror, as they would on a real machine);
#   2. every program runs: `--version` of all four (the monitor headless, QT_QPA_PLATFORM=offscreen)
#      and no library is missing (ldd);
#   3. in a network namespace of its own (so the host's ports do not matter), the proxy starts from
#      the installed /etc/ws-sse-proxy/settings.json, answers GET /healthz (bash's /dev/tcp), relays
#      the test client's 3 requests to the test server (9 events, 3 `closed`), serves the monitor
#      (ws-sse-monitor runs headless for 3 s), and exits 0 on SIGTERM;
#   4. with systemd installed in the root: `systemd-analyze verify` passes on the installed unit and
#      `systemd-analyze security --offline=true` rates it at most 2.0 (its score is printed);
#   5. when the host has systemd-nspawn (package systemd-container): the root boots with systemd
#      in a container with a private network, and the service runs under its sandbox:
#      `systemctl enable --now ws-sse-proxy` starts it as a dynamic user, /healthz answers, the
#      test client's exchange goes through it, and `systemctl stop` ends an open stream with
#      `closed` and the service with exit status 0;
#   6. `apt-get purge` removes both packages and the settings file.
# Takes a few minutes (longer when the build is not there yet); not part of CI. Needs root (or
# sudo) and Debian's package mirror. --keep leaves the root in place (its path is printed);
# --no-build uses the packages already in build/package/packages; --no-boot skips step 5.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
source scripts/debian-root.sh

keep=0
build=1
boot=1
for arg in "$@"; do
    case $arg in
        --keep) keep=1 ;;
        --no-build) build=0 ;;
        --no-boot) boot=0 ;;
        *) echo "usage: $0 [--keep] [--no-build] [--no-boot]" >&2; exit 2 ;;
    esac
done

if [ $build -eq 1 ]; then
    log "scripts/package.sh"
    scripts/package.sh
fi
proxy_deb=$(ls build/package/packages/ws-sse-proxy_*.deb)
monitor_deb=$(ls build/package/packages/ws-sse-monitor_*.deb)
version=$(dpkg-deb -f "$proxy_deb" Version)

wssp_root_create wssp-package-check
# Whatever is still running in the root (the proxy, or the booted container, on failure) goes
# before the root does. Killing a container's PID 1 ends every process in it.
leader=""
stop_root_processes() {
    local pid
    for pid in $(root_pids) $leader; do wssp_as_root kill -KILL "$pid" 2>/dev/null || true; done
}
trap 'stop_root_processes; wssp_root_cleanup' EXIT

log "Copying the packages to /debs"
wssp_as_root mkdir "$root/debs"
wssp_as_root cp "$proxy_deb" "$monitor_deb" "$root/debs/"

log "apt-get install ./$(basename "$proxy_deb") ./$(basename "$monitor_deb")"
in_root "cd /debs && apt-get update -q >/dev/null &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        ./$(basename "$proxy_deb") ./$(basename "$monitor_deb")"

log "The installed files"
in_root 'set -e
    dpkg-query -W -f="\${Package} \${Version} \${Status}\n" ws-sse-proxy ws-sse-monitor
    dpkg-query -W -f="\${Conffiles}\n" ws-sse-proxy | grep -q "^ /etc/ws-sse-proxy/settings.json " ||
        { echo "package-check: /etc/ws-sse-proxy/settings.json is not a conffile" >&2; exit 1; }
    ls -l /usr/bin/ws-sse-proxy /usr/bin/sse-test-server /usr/bin/ws-test-client /usr/bin/ws-sse-monitor \
        /etc/ws-sse-proxy/settings.json /lib/systemd/system/ws-sse-proxy.service
    if ldd /usr/bin/ws-sse-proxy /usr/bin/sse-test-server /usr/bin/ws-test-client /usr/bin/ws-sse-monitor |
            grep "not found"; then
        echo "package-check: a library the programs need is not installed" >&2; exit 1
    fi'

log "The programs run: --version"
in_root "bash -s -- $version" <<'EOF'
set -euo pipefail
version=$1
check() { # EXPECTED COMMAND...: COMMAND exits 0 and prints EXPECTED on stdout
    local out
    out=$("${@:2}") || { echo "package-check: ${*:2} failed: $out" >&2; exit 1; }
    echo "  \$ ${*:2}  ->  $out"
    [ "$out" = "$1" ] || { echo "package-check: expected \"$1\"" >&2; exit 1; }
}
check "ws-sse-proxy $version" ws-sse-proxy --version
check "ws-test-client $version" ws-test-client --version
check "ws-sse-monitor $version" env QT_QPA_PLATFORM=offscreen ws-sse-monitor --version
check "sse-test-server $version" sse-test-server --version
EOF

log "Installing systemd and iproute2 in the root (systemd-analyze; a loopback in a network namespace)"
in_root 'DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends systemd iproute2 >/dev/null'

log "The proxy from /etc/ws-sse-proxy/settings.json: /healthz, a relayed exchange, the monitor, SIGTERM"
in_root 'unshare --net /bin/bash -s' <<'EOF'
set -euo pipefail
ip link set lo up
cd "$(mktemp -d)" # the ./settings.json written below has no keys for the test server and client
fail() { echo "package-check: $*" >&2; for f in proxy server client monitor; do [ -f $f.log ] && sed "s/^/  $f: /" $f.log >&2; done; exit 1; }

# The installed file denies every internal upstream (docs/SECURITY.md): this check opens the
# local test server in a copy of it, as an operator would.
sed 's|"allow": \[\]|"allow": ["localhost:8081", "127.0.0.1:8081", "[::1]:8081"]|' \
    /etc/ws-sse-proxy/settings.json >settings.json
grep -q '"localhost:8081"' settings.json || fail "could not open the test server in a copy of the settings"
ws-sse-proxy --settings settings.json >proxy.log 2>&1 &
proxy=$!
trap 'kill -KILL $(jobs -p) 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
    grep -q 'listening on' proxy.log && break
    kill -0 $proxy 2>/dev/null || fail "the proxy exited at start"
    sleep 0.1
done
grep -q 'listening on ws://localhost:3001/proxy' proxy.log || fail "the proxy is not listening on localhost:3001"
sed 's/^/  proxy: /' proxy.log

exec 3<>/dev/tcp/127.0.0.1/3001
printf 'GET /healthz HTTP/1.1\r\nHost: localhost:3001\r\nConnection: close\r\n\r\n' >&3
health=$(timeout 5 cat <&3 | tr -d '\r') || true
exec 3<&-
echo "  GET /healthz -> $(head -n 1 <<<"$health") / body: $(tail -n 1 <<<"$health")"
[ "$(head -n 1 <<<"$health")" = "HTTP/1.1 200 OK" ] && [ "$(tail -n 1 <<<"$health")" = ok ] ||
    fail "/healthz did not answer 200 ok: $health"

sse-test-server >server.log 2>&1 &
for _ in $(seq 1 100); do
    (exec 4<>/dev/tcp/127.0.0.1/8081) 2>/dev/null && break
    sleep 0.1
done
timeout 60 ws-test-client >client.log 2>&1 || fail "ws-test-client failed (exit $?)"
requests=$(grep -c '^📤 #' client.log || true)
events=$(grep -c '^📥 SSE Event' client.log || true)
closed=$(grep -c '^🔚 Server closed' client.log || true)
echo "  ws-test-client through the proxy: $requests requests, $events events, $closed closed"
[ "$requests" -eq 3 ] && [ "$events" -eq 9 ] && [ "$closed" -eq 3 ] || fail "expected 3 requests, 9 events, 3 closed"

# The monitor, headless, against the proxy's feed: still running after 3 s (timeout's 124).
status=0
QT_QPA_PLATFORM=offscreen timeout 3 ws-sse-monitor >monitor.log 2>&1 || status=$?
echo "  ws-sse-monitor (offscreen) ran 3 s: exit $status (124: stopped by timeout)"
[ $status -eq 124 ] || fail "ws-sse-monitor exited with $status before 3 s"

kill -TERM $proxy
status=0
wait $proxy || status=$?
echo "  SIGTERM: the proxy exited $status"
[ $status -eq 0 ] || fail "the proxy exited $status on SIGTERM"
EOF

log "systemd-analyze verify and security on the installed unit"
in_root 'set -eo pipefail
    unit=/lib/systemd/system/ws-sse-proxy.service
    systemd-analyze verify "$unit"
    echo "  systemd-analyze verify $unit: OK"
    systemd-analyze security --offline=true --threshold=20 "$unit" | grep -v "^✓"'

if [ $boot -eq 1 ] && ! command -v systemd-nspawn >/dev/null; then
    log "Skipping the boot with systemd: no systemd-nspawn here (apt-get install systemd-container)"
elif [ $boot -eq 1 ]; then
    log "Booting the root with systemd (systemd-nspawn, private network)"
    # The container needs / readable by the service's dynamic user (mktemp made it 0700), and
    # its own /proc, /sys and /dev rather than the host's.
    wssp_as_root chmod 755 "$root"
    wssp_root_unmount
    boot_log=$(mktemp)
    wssp_as_root systemd-nspawn --quiet --directory="$root" --boot --private-network \
        --register=no --keep-unit --machine=wssp-package-check </dev/null >"$boot_log" 2>&1 &
    # The container's PID 1: the systemd that is a child of the systemd-nspawn running this root.
    for _ in $(seq 1 100); do
        for p in /proc/[0-9]*; do
            [ "$(cat "$p/comm" 2>/dev/null)" = systemd-nspawn ] &&
                tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -qF -- "--directory=$root " || continue
            for c in /proc/[0-9]*; do
                [ "$(sed 's/^.*) //' "$c/stat" 2>/dev/null | cut -d' ' -f2)" = "${p#/proc/}" ] &&
                    [ "$(cat "$c/comm" 2>/dev/null)" = systemd ] && leader=${c#/proc/}
            done
        done
        [ -n "$leader" ] && break
        sleep 0.1
    done
    [ -n "$leader" ] || { cat "$boot_log"; echo "package-check: the container did not start" >&2; exit 1; }
    in_container() {
        wssp_as_root nsenter --target "$leader" --all --root --wd /usr/bin/env -i HOME=/root \
            TERM=dumb LANG=C.UTF-8 PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
            /bin/bash -s
    }
    in_container <<'EOF' || { sed 's/^/  boot: /' "$boot_log"; exit 1; }
set -euo pipefail
fail() { echo "package-check: $*" >&2; journalctl -u ws-sse-proxy --no-pager -o cat | sed 's/^/  journal: /' >&2; exit 1; }
state=$(timeout 120 systemctl is-system-running --wait || true)
echo "  systemctl is-system-running: $state"
[ "$state" = running ] || [ "$state" = degraded ] || fail "the container did not boot"

systemctl enable --now ws-sse-proxy.service 2>&1 | sed 's/^/  /'
connected=0
for _ in $(seq 1 50); do
    { exec 3<>/dev/tcp/127.0.0.1/3001; } 2>/dev/null && { connected=1; break; }
    sleep 0.1
done
[ $connected -eq 1 ] || fail "nothing listens on localhost:3001"
printf 'GET /healthz HTTP/1.1\r\nHost: localhost:3001\r\nConnection: close\r\n\r\n' >&3
health=$(timeout 5 cat <&3 | tr -d '\r') || true
exec 3<&-
echo "  service active: $(systemctl is-active ws-sse-proxy); GET /healthz -> $(head -n 1 <<<"$health") / $(tail -n 1 <<<"$health")"
[ "$(tail -n 1 <<<"$health")" = ok ] || fail "the service does not answer /healthz"
pid=$(systemctl show -P MainPID ws-sse-proxy)
[ "$pid" -gt 0 ] || fail "the service has no main process"
uid=$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")
echo "  the service runs as uid $uid, with capabilities $(awk '/^CapEff:/ {print $2}' "/proc/$pid/status")," \
    "seccomp mode $(awk '/^Seccomp:/ {print $2}' "/proc/$pid/status")"
[ "$uid" -ne 0 ] || fail "the service runs as root"

systemd-run --quiet --unit=wssp-test-server /usr/bin/sse-test-server
cd "$(mktemp -d)"
for _ in $(seq 1 50); do
    (exec 4<>/dev/tcp/127.0.0.1/8081) 2>/dev/null && break
    sleep 0.1
done
timeout 60 ws-test-client >client.log 2>&1 || { cat client.log >&2; fail "ws-test-client failed"; }
echo "  ws-test-client through the service: $(grep -c '^📤 #' client.log) requests," \
    "$(grep -c '^📥 SSE Event' client.log) events, $(grep -c '^🔚 Server closed' client.log) closed"
[ "$(grep -c '^📥 SSE Event' client.log)" -eq 9 ] || { cat client.log >&2; fail "expected 9 events"; }

timeout 60 ws-test-client --target 'http://localhost:8081/ticks?interval=100' >ticks.log 2>&1 &
for _ in $(seq 1 50); do
    grep -q '^📥 SSE Event' ticks.log && break
    sleep 0.1
done
systemctl stop ws-sse-proxy.service
wait $! || true
result=$(systemctl show -P Result ws-sse-proxy)
status=$(systemctl show -P ExecMainStatus ws-sse-proxy)
echo "  systemctl stop: an open stream got \"$(grep '^🔚' ticks.log || true)\"; Result=$result, exit status $status"
grep -q '^🔚 Server closed: proxy shutting down' ticks.log || { cat ticks.log >&2; fail "the open stream did not get closed"; }
[ "$result" = success ] && [ "$status" = 0 ] || fail "the service did not stop cleanly"
journalctl -u ws-sse-proxy --no-pager -o cat | grep -E 'listening|health:|shutting down' | sed 's/^/  journal: /'
systemctl stop wssp-test-server.service
EOF
    in_container <<<'systemctl --no-block start poweroff.target' || true
    for _ in $(seq 1 300); do
        wssp_as_root kill -0 "$leader" 2>/dev/null || break
        sleep 0.1
    done
    wssp_as_root kill -KILL "$leader" 2>/dev/null || true
    leader=""
    wait || true
    rm -f "$boot_log"
    wssp_root_mount
fi

log "apt-get purge ws-sse-proxy ws-sse-monitor"
in_root 'set -e
    DEBIAN_FRONTEND=noninteractive apt-get purge -y -q ws-sse-proxy ws-sse-monitor >/dev/null
    for f in /usr/bin/ws-sse-proxy /usr/bin/ws-sse-monitor /etc/ws-sse-proxy /lib/systemd/system/ws-sse-proxy.service; do
        [ ! -e "$f" ] || { echo "package-check: $f is still there after the purge" >&2; exit 1; }
    done'

log "The packages ($version) install, run and verify on a fresh Debian 12 root"
