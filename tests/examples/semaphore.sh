#!/usr/bin/env bash
# ex-semaphore: parallelism limited three ways, and a loop waiting for its last operations.
set -euo pipefail
out=$("$1/ex-semaphore" "${@:2}")
expected='wait + signal: 10 operations, at most 3 at once
with_semaphore: 10 operations, at most 3 at once
get_units: 10 operations, at most 3 at once
loop: 456 iterations, at most 100 at once, 0 still running'
[ "$out" = "$expected" ] || { echo "FAIL: got:"; echo "$out"; exit 1; }
echo ok
