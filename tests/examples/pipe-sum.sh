#!/usr/bin/env bash
# ex-pipe-sum: every item arrives, then end-of-file.
set -euo pipefail
out=$("$1/ex-pipe-sum" "${@:2}")
expected='producer: done, closing
consumer: end of file, sum 55'
[ "$out" = "$expected" ] || { echo "FAIL: got:"; echo "$out"; exit 1; }
echo ok
