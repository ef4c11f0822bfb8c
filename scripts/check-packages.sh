#!/usr/bin/env bash
# scripts/check-packages.sh BUILD_DIR [--without PKG]...
#
# Checks that scripts/setup.sh installs everything the build in BUILD_DIR used, even on a machine
# where a missing package happens to be installed already (that is how a missing
# libqt6opengl6-dev once hid behind a green CI). It maps to Debian packages, with `dpkg -S`:
#   - every CMake package config file the configure step loaded (the *_DIR entries of
#     CMakeCache.txt), and
#   - every shared library the built programs load (ldd on BUILD_DIR/bin/*),
# and requires each package to be in WSSP_PACKAGES or in what apt pulls in with them
# (`apt-cache depends --recurse`, without recommends: setup.sh installs without them).
# --without PKG checks as if PKG were not in the list; CI uses it to prove the check can fail.
# Exit status: 0 all covered, 1 something is missing (named on stderr), 2 usage.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

usage() { echo "usage: $0 BUILD_DIR [--without PKG]..." >&2; exit 2; }
[ $# -ge 1 ] || usage
build=$1
shift
without=()
while [ $# -gt 0 ]; do
    [ "$1" = --without ] && [ $# -ge 2 ] || usage
    without+=("$2")
    shift 2
done
[ -f "$build/CMakeCache.txt" ] || { echo "$0: no $build/CMakeCache.txt; configure first" >&2; exit 2; }

listed=()
for pkg in "${WSSP_PACKAGES[@]}"; do
    skip=0
    for w in "${without[@]}"; do [ "$pkg" = "$w" ] && skip=1; done
    [ $skip -eq 1 ] || listed+=("$pkg")
done

# apt-cache needs the package lists; a machine that never ran `apt-get update` has none.
for pkg in "${listed[@]}"; do
    if ! apt-cache show "$pkg" >/dev/null 2>&1; then
        wssp_as_root apt-get update >/dev/null
        break
    fi
done

# Everything installing the list brings, one name per line (":amd64" suffixes dropped).
closure=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
        --no-replaces --no-enhances "${listed[@]}" | grep -v '^ ' | sed 's/:.*$//' | sort -u)

# owner FILE: the package that installed FILE (trying both sides of the merged /usr).
owner() {
    local file
    file=$(readlink -f "$1")
    for candidate in "$file" "${file#/usr}" "/usr$file" "$1"; do
        if out=$(dpkg -S "$candidate" 2>/dev/null); then
            echo "${out%%:*}" | sed 's/,.*$//' | head -n 1
            return 0
        fi
    done
    return 1
}

declare -A needed=()   # package -> why it is needed
unowned=()

# CMake package configs: Foo_DIR=/path/to/dir holding FooConfig.cmake or foo-config.cmake.
while IFS= read -r line; do
    name=${line%%_DIR:*}
    dir=${line#*=}
    case $dir in *NOTFOUND* | "") continue ;; esac
    lower=$(echo "$name" | tr '[:upper:]' '[:lower:]')
    file=""
    for f in "$dir/${name}Config.cmake" "$dir/${lower}-config.cmake"; do
        [ -f "$f" ] && { file=$f; break; }
    done
    if [ -z "$file" ]; then
        file=$(find "$dir" -maxdepth 1 -name '*.cmake' | head -n 1)
    fi
    [ -n "$file" ] || continue
    if pkg=$(owner "$file"); then
        needed[$pkg]="CMake package $name ($file)"
    else
        unowned+=("$file")
    fi
done < <(grep -E '^[A-Za-z0-9_]+_DIR:(PATH|INTERNAL|STRING)=' "$build/CMakeCache.txt")

# Shared libraries the programs load.
for exe in "$build"/bin/*; do
    [ -x "$exe" ] && [ -f "$exe" ] || continue
    while IFS= read -r lib; do
        if pkg=$(owner "$lib"); then
            [ -n "${needed[$pkg]+x}" ] || needed[$pkg]="library $lib (used by $(basename "$exe"))"
        else
            unowned+=("$lib")
        fi
    done < <(ldd "$exe" | awk '$2 == "=>" && $3 ~ /^\// {print $3}')
done

missing=0
for pkg in "${!needed[@]}"; do
    if ! grep -qxF "$pkg" <<<"$closure"; then
        echo "check-packages: $pkg is not installed by scripts/setup.sh (WSSP_PACKAGES) nor pulled in by it;" >&2
        echo "    the build needs it for ${needed[$pkg]}" >&2
        missing=1
    fi
done
for file in "${unowned[@]}"; do
    # Files no package owns (built by us, or installed by hand) are reported, not fatal.
    case $file in "$PWD"/* | "$build"/*) ;; *) echo "check-packages: note: no package owns $file" >&2 ;; esac
done
if [ $missing -ne 0 ]; then
    exit 1
fi
echo "check-packages: all ${#needed[@]} packages the build in $build used are installed by scripts/setup.sh"
