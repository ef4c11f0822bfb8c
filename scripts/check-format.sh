#!/usr/bin/env bash
# scripts/check-format.sh [--fix]
#
# Every C++ file git tracks must match .clang-format, as clang-format 14 (Debian 12's) formats
# it: another version lays some constructs out differently, so the check names the version.
# Without arguments it lists the files that differ and exits 1; --fix rewrites them in place.
set -euo pipefail
cd "$(dirname "$0")/.."

tool=clang-format-14
command -v "$tool" >/dev/null || { echo "$0: $tool is missing (scripts/setup.sh installs it)" >&2; exit 2; }

mapfile -t files < <(git ls-files '*.cpp' '*.h')
if [[ ${1:-} == --fix ]]; then
    "$tool" -i "${files[@]}"
    exit 0
fi
[[ $# -eq 0 ]] || { echo "usage: $0 [--fix]" >&2; exit 2; }

differ=()
for file in "${files[@]}"; do
    "$tool" --dry-run --Werror "$file" >/dev/null 2>&1 || differ+=("$file")
done
if [[ ${#differ[@]} -gt 0 ]]; then
    echo "check-format: ${#differ[@]} of ${#files[@]} files do not match .clang-format:" >&2
    printf '  %s\n' "${differ[@]}" >&2
    echo "run scripts/check-format.sh --fix (and see git diff)" >&2
    exit 1
fi
echo "check-format: all ${#files[@]} C++ files match .clang-format"
