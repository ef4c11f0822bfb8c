# Shared by run.sh and test.sh: install what is missing from Debian's packages, then build.
# Sourced, not run.

# Everything the build, the tests and the demo need on a bare Debian 12 (debootstrap minbase).
# Keep it complete: CI's scripts/check-packages.sh fails when the build uses a package that is
# neither here nor pulled in by these; scripts/fresh-debian-check.sh tries the real thing.
# libqt6opengl6-dev: Qt6Charts' CMake config needs Qt6OpenGL's, and qt6-charts-dev does not
# depend on it.
# libhttp-parser-dev: the upstream response parser. clang + libclang-rt-14-dev: libFuzzer for the
# fuzz targets (clang only recommends its runtime, and we install without recommends).
# haproxy: scripts/scaleout-haproxy.sh (run by test.sh) puts two proxies behind it.
# openssl: the TLS tests make their CA and certificates with the openssl program (libssl3, which
# Qt pulls in, does not bring it).
# clang-format-14: scripts/check-format.sh (CI) checks every C++ file against .clang-format with
# this exact version.
# chromium: tests/browser runs the browser client (/client.js, /demo) in it, headless, driven
# over the DevTools protocol (docs/BROWSER-CLIENT.md); nothing is built against it.
WSSP_PACKAGES=(cmake ninja-build g++ pkg-config
    qt6-base-dev qt6-websockets-dev qt6-charts-dev libqt6opengl6-dev qt6-qpa-plugins libgl-dev
    libhttp-parser-dev clang libclang-rt-14-dev dpkg-dev file openssl haproxy chromium clang-format-14)

wssp_as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

wssp_install_missing() {
    local missing=()
    for pkg in "${WSSP_PACKAGES[@]}"; do
        if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
            missing+=("$pkg")
        fi
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "==> Installing missing packages: ${missing[*]}"
        wssp_as_root apt-get update
        wssp_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
    fi
}

# wssp_build PRESET [TARGET...]: configure and build into build/PRESET (everything, or the
# targets named).
wssp_build() {
    local preset=$1
    shift
    echo "==> Configuring and building (preset: $preset)"
    cmake --preset "$preset" >/dev/null
    if [ $# -gt 0 ]; then
        cmake --build --preset "$preset" --target "$@"
    else
        cmake --build --preset "$preset"
    fi
}
