#!/usr/bin/env bash
# scripts/fuzz.sh [SECONDS] [TARGET...]      each target for SECONDS (default 60)
# scripts/fuzz.sh --runs N [TARGET...]       each target for N executions (the long run)
#
# Builds the libFuzzer targets in build/fuzz (a clang configuration of its own, -DWSSP_FUZZ=ON:
# the main build uses g++) and runs each TARGET in turn, or all of them: httpresponsereader,
# sseparser, clientmessage, settings, httprequesthead (the fuzz_ prefix may be given too). Each
# runs on a scratch copy of its seed corpus fuzz/corpus/<name>/, so the checked-in corpus never
# grows, with fuzz/<name>.dict. docs/FUZZING.md says what each target checks.
#
# Exit status: non-zero when a fuzzer finds a crash, a sanitizer report, a leak or a broken
# invariant (the remaining targets still run); the input that did it is kept in
# build/fuzz/artifacts/ as <name>-crash-<sha1> (or leak-, timeout-, oom-). 2: bad usage.
set -euo pipefail
cd "$(dirname "$0")/.."

all=(httpresponsereader sseparser clientmessage settings httprequesthead)
usage() {
    echo "usage: $0 [SECONDS] [TARGET...] | $0 --runs N [TARGET...]" >&2
    echo "targets: ${all[*]}" >&2
    exit 2
}
isCount() { case $1 in '' | *[!0-9]*) return 1 ;; esac; }

seconds=60
runs=
if [[ ${1:-} == --runs ]]; then
    isCount "${2:-}" || usage
    runs=$2
    shift 2
elif [[ $# -gt 0 ]] && isCount "$1"; then
    seconds=$1
    shift
fi
[[ $# -gt 0 ]] || set -- "${all[@]}"
names=()
for arg in "$@"; do
    name=${arg#fuzz_}
    [[ " ${all[*]} " == *" $name "* ]] || { echo "$0: unknown target '$arg'" >&2; usage; }
    names+=("$name")
done

build=build/fuzz
echo "==> Configuring and building the fuzz targets ($build, clang)"
CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DWSSP_FUZZ=ON \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" --target "${names[@]/#/fuzz_}"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$build/artifacts"

status=0
failed=()
for name in "${names[@]}"; do
    cp -r "fuzz/corpus/$name" "$work/$name"
    args=(-max_len=4096 -print_final_stats=1 -artifact_prefix="$build/artifacts/$name-")
    [[ -f fuzz/$name.dict ]] && args+=(-dict="fuzz/$name.dict")
    if [[ -n $runs ]]; then
        echo "==> Fuzzing $name for $runs runs"
        args+=(-runs="$runs")
    else
        echo "==> Fuzzing $name for ${seconds}s"
        args+=(-max_total_time="$seconds")
    fi
    rc=0
    # A 16 MB quarantine (ASan's default is 256 MB): long runs otherwise slowed from ~3,500 to
    # under 200 executions/s as the process grew past 1 GB and spent 40 % of its time in the
    # kernel faulting pages in and madvise()-ing them out (perf, docs/FUZZING.md). Memory freed
    # within the last 16 MB of frees is still caught when used after it is freed.
    ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:quarantine_size_mb=16:allocator_release_to_os_interval_ms=-1} \
    UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
    "$build/bin/fuzz_$name" "${args[@]}" "$work/$name" || rc=$?
    if [[ $rc -eq 0 ]]; then
        echo "==> $name: no failure; corpus at the end: $(find "$work/$name" -type f | wc -l) inputs"
    else
        echo "==> $name: FAILED (exit status $rc); the input is in $build/artifacts/" >&2
        failed+=("$name")
        [[ $status -ne 0 ]] || status=$rc
    fi
    rm -rf "${work:?}/$name"
done

if [[ ${#failed[@]} -gt 0 ]]; then
    echo "==> fuzz.sh: failed: ${failed[*]}" >&2
fi
exit "$status"
