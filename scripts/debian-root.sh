# Shared by scripts/fresh-debian-check.sh and scripts/package-check.sh: a fresh Debian 12 root
# (debootstrap, variant minbase: the base system only) to try things in as a newcomer would.
# Sourced, not run, after scripts/setup.sh (for wssp_as_root). Needs root (or sudo) and Debian's
# package mirror (WSSP_DEBIAN_MIRROR, WSSP_DEBIAN_SECURITY_MIRROR override the defaults).
#
#   wssp_root_create NAME  debootstraps bookworm into a new /var/tmp/NAME.XXXXXX (path in $root),
#                          with Debian 12's sources (main, updates, security), the host's
#                          resolv.conf and hosts, /proc /sys /dev /dev/pts bound in; sets an EXIT
#                          trap (wssp_root_cleanup) that unmounts and removes it, or keeps it
#                          when the caller set keep=1
#   wssp_root_unmount      unmounts those (to boot the root with systemd-nspawn, say);
#   wssp_root_mount        and binds them again
#   in_root 'COMMANDS'     runs COMMANDS with bash as root inside, in a clean environment
#   root_pids              the ids of the processes whose root directory is $root
#   log MESSAGE            "==> [HH:MM:SS] MESSAGE"

keep=${keep:-0}
mirror=${WSSP_DEBIAN_MIRROR:-http://deb.debian.org/debian}
root=""
mounted=()

log() { echo "==> [$(date +%H:%M:%S)] $*"; }

wssp_root_cleanup() {
    local i
    for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do wssp_as_root umount -l "${mounted[i]}" || true; done
    if [ $keep -eq 0 ]; then wssp_as_root rm -rf --one-file-system "$root"; else echo "==> Kept: $root"; fi
}

wssp_root_create() {
    local name=$1
    if ! command -v debootstrap >/dev/null; then
        wssp_as_root apt-get update
        wssp_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends debootstrap
    fi

    root=$(mktemp -d "/var/tmp/$name.XXXXXX")
    mounted=()
    trap wssp_root_cleanup EXIT

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

    wssp_root_mount
}

wssp_root_mount() {
    local fs
    for fs in proc sys dev dev/pts; do
        wssp_as_root mount --bind "/$fs" "$root/$fs"
        mounted+=("$root/$fs")
    done
}

wssp_root_unmount() {
    local i
    for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do wssp_as_root umount -l "${mounted[i]}"; done
    mounted=()
}

in_root() {
    wssp_as_root chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin /bin/bash -c "$1"
}

root_pids() {
    local p
    for p in /proc/[0-9]*; do
        [ "$(wssp_as_root readlink "$p/root" 2>/dev/null)" = "$root" ] && echo "${p#/proc/}"
    done
    return 0
}
