#!/usr/bin/env bash
# ex-loops-all: every loop helper, with its result.
set -euo pipefail
out=$("$1/ex-loops-all" "${@:2}")
expected='repeat: 100 items, last 100
do_until: 100 items, last 100
do_for_each: 1 2 3 4 5
parallel_for_each: 10 done, at most 10 at once
max_concurrent_for_each: 10 done, at most 3 at once
map_reduce: the squares of 1..10 add up to 385'
[ "$out" = "$expected" ] || { echo "FAIL: got:"; echo "$out"; exit 1; }
echo ok
