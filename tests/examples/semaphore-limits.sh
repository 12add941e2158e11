#!/usr/bin/env bash
# ex-semaphore-limits: parallelism limited three ways, the 456-iteration
# loops (with a semaphore, with a gate) never above 100 at once and all
# finished when the loop's future resolved, and memory use never above
# the byte budget.
set -euo pipefail
out=$("$1/ex-semaphore-limits" "${@:2}")
echo "$out"
head=$(head -n 5 <<<"$out")
expected='wait + signal: 10 operations, at most 3 at once
with_semaphore: 10 operations, at most 3 at once
get_units: 10 operations, at most 3 at once
loop with a semaphore: 456 iterations, at most 100 at once, 0 still running
loop with a gate: 456 iterations, at most 100 at once, 0 still running'
[ "$head" = "$expected" ] || { echo "FAIL: unexpected lines"; exit 1; }
last=$(tail -n 1 <<<"$out")
[[ $last =~ ^memory:\ 30\ calls,\ at\ most\ ([0-9]+)\ bytes\ in\ use\ at\ once\ \(limit\ 1000000\)$ ]] ||
  { echo "FAIL: memory line: $last"; exit 1; }
used=${BASH_REMATCH[1]}
[ "$used" -le 1000000 ] && [ "$used" -ge 1000 ] || { echo "FAIL: $used bytes in use at once"; exit 1; }
echo ok
