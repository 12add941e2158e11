#!/usr/bin/env bash
# ex-ignored: each discarded failure — one failed at once, one failing 10 ms
# later — is logged with its error, where it was discarded and a backtrace;
# scripts/reef-addr2line decodes "discarded at" to the reef_discard() call.
# The application itself still succeeds.
set -euo pipefail
bin=$1; shift
here=$(cd "$(dirname "$0")/../.." && pwd)
src=$here/examples/ignored.c
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

st=0
"$bin/ex-ignored" "$@" >"$tmp/out" 2>"$tmp/err" || st=$?
[ "$st" -eq 0 ] || { echo "FAIL: exited $st"; cat "$tmp/err"; exit 1; }
[ ! -s "$tmp/out" ] || { echo "FAIL: unexpected stdout:"; cat "$tmp/out"; exit 1; }

head_re='^WARN  [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8},[0-9]{3} \[shard 0\] reef - Exceptional future ignored: '
frame_re='^  (0x[0-9a-f]+|/.+\+0x[0-9a-f]+)$'
whats=("myexception (my exception)" "myexception (my exception): after 10 ms")
sites=()
n=0 frames=0
while IFS= read -r line; do
  if [[ $line =~ $frame_re ]]; then
    [ "$n" -gt 0 ] || { echo "FAIL: frame before any report"; cat "$tmp/err"; exit 1; }
    frames=$((frames + 1))
    continue
  fi
  [ "$n" -eq 0 ] || [ "$frames" -gt 0 ] || { echo "FAIL: report $n has no backtrace"; exit 1; }
  [ "$n" -lt 2 ] || { echo "FAIL: more than two reports:"; cat "$tmp/err"; exit 1; }
  [[ $line =~ ${head_re}(.*)", discarded at "(0x[0-9a-f]+)", backtrace:"$ ]] ||
    { echo "FAIL: not a report: '$line'"; cat "$tmp/err"; exit 1; }
  [ "${BASH_REMATCH[1]}" = "${whats[$n]}" ] ||
    { echo "FAIL: report $((n + 1)) is about '${BASH_REMATCH[1]}'"; exit 1; }
  sites+=("${BASH_REMATCH[2]}")
  n=$((n + 1)) frames=0
done <"$tmp/err"
[ "$n" -eq 2 ] && [ "$frames" -gt 0 ] || { echo "FAIL: want two reports with backtraces:"; cat "$tmp/err"; exit 1; }

# Decode where each was discarded, if the tools and debug information exist.
if command -v addr2line >/dev/null && command -v python3 >/dev/null &&
   readelf -S "$bin/ex-ignored" 2>/dev/null | grep -q '\.debug_line'; then
  calls=("reef_discard(g())" "reef_discard(h())")
  for i in 0 1; do
    line=$(grep -nF "${calls[$i]}" "$src" | cut -d: -f1)
    decoded=$(python3 "$here/scripts/reef-addr2line" -e "$bin/ex-ignored" "${sites[$i]}")
    [[ $decoded =~ :\ app_main\ at\ .*examples/ignored\.c:${line}(\ |$) ]] ||
      { echo "FAIL: ${sites[$i]} decodes to '$decoded', want ignored.c:$line"; exit 1; }
  done
fi
echo ok
