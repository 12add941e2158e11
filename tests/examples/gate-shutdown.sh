#!/usr/bin/env bash
# ex-gate-shutdown: operations started inside a gate, the gate closed, a late
# operation refused (reported as ignored), close waiting for the five; with
# --check the operations notice the closed gate and stop early.
set -euo pipefail
bin=$1; shift

# The report of the refused operation, without its time stamp, addresses
# and backtrace lines (which vary from run to run).
normalize() {
  grep -v '^  ' | sed -E 's/^WARN .* - (Exceptional future ignored: REEF_EGATE_CLOSED \(gate closed\)),.*$/WARN \1/'
}
warn='WARN Exceptional future ignored: REEF_EGATE_CLOSED (gate closed)'
starts=$'starting 1\nstarting 2\nstarting 3\nstarting 4\nstarting 5'

# The tutorial's output, exactly: each event is at least one unit (50 ms)
# from the next, so the order does not depend on scheduling.
err=$("$bin/ex-gate-shutdown" --unit-ms 50 "$@" 2>&1)
got=$(normalize <<<"$err")
expected="$starts"$'\n'"$warn"$'\ndone 1\ndone 2\ndone 3\ndone 4\ndone 5'
if [ "$got" != "$expected" ]; then
  echo "FAIL (plain): expected:"; echo "$expected"; echo "got:"; echo "$err"; exit 1
fi

# With --check, the five stop at their next check after the close. Their
# checks fall on the same ticks as the close and the late attempt, so the
# five "done" lines and the report come in any order after the starts.
err=$("$bin/ex-gate-shutdown" --unit-ms 20 --check "$@" 2>&1)
got=$(normalize <<<"$err")
head=$(head -n 5 <<<"$got")
rest=$(tail -n +6 <<<"$got" | sort)
expected_rest=$(printf '%s\n' "$warn" 'done 1 (stopped early)' 'done 2 (stopped early)' \
  'done 3 (stopped early)' 'done 4 (stopped early)' 'done 5 (stopped early)' | sort)
if [ "$head" != "$starts" ] || [ "$rest" != "$expected_rest" ]; then
  echo "FAIL (check): expected the five starts, then:"; echo "$expected_rest"; echo "got:"
  echo "$err"; exit 1
fi
echo ok
