#!/usr/bin/env bash
# ex-backtrace: the same failure printed without and with the backtrace
# recorded where it was made; the backtrace decodes (scripts/reef-addr2line)
# to the function that made it.
set -euo pipefail
bin=$1; shift
here=$(cd "$(dirname "$0")/../.." && pwd)
out=$("$bin/ex-backtrace" "$@") || { echo "FAIL: ex-backtrace exited $?"; exit 1; }
mapfile -t lines <<<"$out"
want1="Failure: REEF_EFAILED (operation failed): hello"
[ "${lines[0]:-}" = "$want1" ] || { echo "FAIL: line 1: ${lines[0]:-}"; exit 1; }
[ "${lines[1]:-}" = "$want1 Backtrace:" ] || { echo "FAIL: line 2: ${lines[1]:-}"; exit 1; }
[ "${#lines[@]}" -ge 4 ] || { echo "FAIL: backtrace too short:"; echo "$out"; exit 1; }
for frame in "${lines[@]:2}"; do
  [[ $frame =~ ^\ \ (0x[0-9a-f]+|/.+\+0x[0-9a-f]+)$ ]] ||
    { echo "FAIL: not a frame: '$frame'"; echo "$out"; exit 1; }
done
sections=$(readelf -S "$bin/ex-backtrace" 2>/dev/null || true)
if command -v addr2line >/dev/null && command -v python3 >/dev/null &&
   [[ $sections == *.debug_line* ]]; then
  decoded=$(python3 "$here/scripts/reef-addr2line" -e "$bin/ex-backtrace" <<<"$out")
  grep -q ": g at .*examples/backtrace\.c" <<<"$decoded" ||
    { echo "FAIL: the backtrace does not decode to g():"; echo "$decoded"; exit 1; }
  # The backtrace starts at the application's call: g() is the first
  # frame (sanitizer builds may show the library's entry point above it).
  top=$(grep -v "^Failure" <<<"$decoded" | grep -v "(inlined by)" | head -n 2 || true)
  [[ $top == *": g at "* ]] ||
    { echo "FAIL: the backtrace does not start in g():"; echo "$decoded"; exit 1; }
fi
echo ok
