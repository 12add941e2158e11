#!/usr/bin/env bash
# ex-do-with: state released after the work, on success and on failure; a shared object outlives its creator.
set -euo pipefail
out=$("$1/ex-do-with" "${@:2}")
expected='first: state released after 5 steps
work succeeded
second: state released after 2 steps
work failed: second failed at step 2
counter shared by 4 owners
counter destroyed with 3 hits'
[ "$out" = "$expected" ] || { echo "FAIL: got:"; echo "$out"; exit 1; }
echo ok
