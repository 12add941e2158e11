#!/usr/bin/env bash
# ex-do-with-state: state released after the work, on success and on
# failure; a shared object outlives its creator; an owned capture is freed
# by the continuation or, when it is skipped, by the drop function.
set -euo pipefail
out=$("$1/ex-do-with-state" "${@:2}")
expected=$(cat <<'TXT'
first: state released after 5 steps
work succeeded
second: state released after 2 steps
work failed: second failed at step 2
counter shared by 4 owners
counter destroyed with 3 hits
buffer 'b' freed by the drop function
buffer 'a' used and freed by the continuation
TXT
)
[ "$out" = "$expected" ] || { echo "FAIL: got:"; echo "$out"; exit 1; }
echo ok
