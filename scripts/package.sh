#!/usr/bin/env bash
# scripts/package.sh [--clean]
#
# The Debian packages, in one command, from a clean tree: installs what is missing
# (scripts/setup.sh), configures a Release build in build/package (prefix /usr, Debian's hardening
# build flags), builds the four programs, runs `cpack -G DEB` and prints the paths of the two
# packages, ws-sse-proxy_VERSION_ARCH.deb and ws-sse-monitor_VERSION_ARCH.deb
# (build/package/packages/). What is in them: cmake/Packaging.cmake and docs/PACKAGING.md.
# --clean removes build/package first (otherwise the build there is reused, incrementally).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

build=build/package
case "${1:-}" in
    "") ;;
    --clean) rm -rf "$build" ;;
    *) echo "usage: $0 [--clean]" >&2; exit 2 ;;
esac

wssp_install_missing

# The flags a Debian package build uses (dpkg-buildflags, as debhelper would pass them), with every
# hardening feature: _FORTIFY_SOURCE, stack protector, PIE, RELRO and BINDNOW. Without -g: the
# packages ship stripped binaries.
export DEB_BUILD_MAINT_OPTIONS=hardening=+all
cxxflags="$(dpkg-buildflags --get CPPFLAGS) $(dpkg-buildflags --get CXXFLAGS)"
cxxflags=$(sed -E 's/(^| )-g( |$)/ /g' <<<"$cxxflags")
ldflags=$(dpkg-buildflags --get LDFLAGS)

echo "==> Configuring $build (Release, prefix /usr)"
# CMAKE_SKIP_INSTALL_ALL_DEPENDENCY: cpack installs after building only what it packages (the four
# programs, built below), not every test and benchmark.
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
    -DCMAKE_SKIP_INSTALL_ALL_DEPENDENCY=ON \
    -DCMAKE_CXX_FLAGS="$cxxflags" -DCMAKE_EXE_LINKER_FLAGS="$ldflags" >/dev/null

echo "==> Building ws-sse-proxy, sse-test-server, ws-test-client, ws-sse-monitor"
cmake --build "$build" --target ws-sse-proxy sse-test-server ws-test-client ws-sse-monitor

echo "==> cpack -G DEB"
rm -rf "$build/packages"
(cd "$build" && cpack -G DEB)

debs=("$PWD/$build"/packages/*.deb)
[ ${#debs[@]} -eq 2 ] && [ -f "${debs[0]}" ] || { echo "$0: expected two packages in $build/packages" >&2; exit 1; }
for deb in "${debs[@]}"; do
    dpkg-deb -f "$deb" Package Version Architecture Depends Recommends | sed 's/^/    /'
done
echo "==> Packages:"
printf '%s\n' "${debs[@]}"
