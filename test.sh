#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test through CTest.
# WSSP_PRESET picks the CMake preset (release, debug, asan, ci); default release.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/setup.sh

preset=${WSSP_PRESET:-release}
wssp_install_missing
wssp_build "$preset"
echo "==> Running the test suite (preset: $preset)"
ctest --preset "$preset" --parallel 2 "$@"
