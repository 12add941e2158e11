#!/usr/bin/env bash
# ex-when-all-tutorial: every result from when_all, values or one error from when_all_succeed.
set -euo pipefail
out=$("$1/ex-when-all-tutorial" "${@:2}")
expected='1
2
3.5
1
1
error: oops
2 3.5'
[ "$out" = "$expected" ] || { echo "FAIL: got:"; echo "$out"; exit 1; }
echo ok
