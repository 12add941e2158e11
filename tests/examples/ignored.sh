#!/usr/bin/env bash
# ex-ignored: the discarded failure is logged with its error, where it was
# discarded and a backtrace, which scripts/reef-addr2line decodes.
set -euo pipefail
bin=$1; shift
here=$(cd "$(dirname "$0")/../.." && pwd)
err=$("$bin/ex-ignored" "$@" 2>&1 >/dev/null)
echo "$err"
line=$(head -n 1 <<<"$err")
[[ $line =~ ^WARN\ \ [0-9]{4}-[0-9]{2}-[0-9]{2}\ [0-9:]{8},[0-9]{3}\ \[shard\ 0\]\ reef\ -\ Exceptional\ future\ ignored:\ myexception\ \(my\ exception\),\ discarded\ at\ 0x[0-9a-f]+,\ backtrace:$ ]] ||
  { echo "FAIL: first line: $line"; exit 1; }
if command -v addr2line >/dev/null; then
  decoded=$(python3 "$here/scripts/reef-addr2line" -e "$bin/ex-ignored" <<<"$err")
  grep -q "app_main at .*examples/ignored.c" <<<"$decoded" ||
    { echo "FAIL: backtrace does not decode to app_main:"; echo "$decoded"; exit 1; }
fi
echo ok
