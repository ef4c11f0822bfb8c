#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test through CTest, then the scale-out check
# WSSP_PRESET picks the CMake preset (release, debug, asan, ci); default release.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/setup.sh

preset=${WSSP_PRESET:-release}
# Under the sanitizers (preset asan), what tests/lsan.supp says and why; no effect otherwise.
export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
wssp_install_missing
wssp_build "$preset"
echo "==> Running the test suite (preset: $preset)"
ctest --preset "$preset" --parallel 2 "$@"
# The scale-out check (two proxies behind HAProxy, docs/SCALING.md), unless ctest was given a
# selection of tests to run.
if [ $# -eq 0 ]; then
    echo "==> Scale-out behind HAProxy (scripts/scaleout-haproxy.sh)"
    scripts/scaleout-haproxy.sh "build/$preset"
fi
