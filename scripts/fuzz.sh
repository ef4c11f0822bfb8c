#!/usr/bin/env bash
# scripts/fuzz.sh [SECONDS]
#
# Builds the libFuzzer targets in build/fuzz (a clang configuration of its own, -DWSSP_FUZZ=ON:
# the main build uses g++) and runs fuzz_httpresponsereader for SECONDS (default 60) on a
# scratch copy of its seed corpus, so the checked-in corpus never grows. Exit status: non-zero
# when the fuzzer finds a crash, a sanitizer report, a leak or a broken invariant; the input
# that did it is kept in build/fuzz/artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
case $seconds in '' | *[!0-9]*) echo "usage: $0 [SECONDS]" >&2; exit 2 ;; esac

build=build/fuzz
echo "==> Configuring and building the fuzz targets ($build, clang)"
CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DWSSP_FUZZ=ON \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" --target fuzz_httpresponsereader

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r fuzz/corpus/httpresponsereader "$work/corpus"
mkdir -p "$build/artifacts"

echo "==> Fuzzing HttpResponseReader for ${seconds}s"
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
"$build/bin/fuzz_httpresponsereader" -max_total_time="$seconds" -max_len=4096 \
    -dict=fuzz/httpresponsereader.dict -print_final_stats=1 \
    -artifact_prefix="$build/artifacts/" "$work/corpus"
