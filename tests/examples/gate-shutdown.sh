#!/usr/bin/env bash
# ex-gate-shutdown: operations started inside a gate, the gate closed, a late
# operation refused (reported as ignored), close waiting for the five; with
# --check the operations notice the closed gate and stop early.
set -euo pipefail
bin=$1; shift
starts=$'starting 1\nstarting 2\nstarting 3\nstarting 4\nstarting 5'
for mode in plain check; do
  args=(--unit-ms 20)
  [ $mode = check ] && args+=(--check)
  err=$("$bin/ex-gate-shutdown" "${args[@]}" "$@" 2>&1)
  # Stopped operations all notice the closed gate at the same tick: any order.
  lines=$(grep -E '^starting ' <<<"$err"; grep -E '^done ' <<<"$err" | sort)
  if [ $mode = plain ]; then dones=$'done 1\ndone 2\ndone 3\ndone 4\ndone 5'
  else dones=$'done 1 (stopped early)\ndone 2 (stopped early)\ndone 3 (stopped early)\ndone 4 (stopped early)\ndone 5 (stopped early)'
  fi
  [ "$lines" = "$starts"$'\n'"$dones" ] || { echo "FAIL ($mode):"; echo "$err"; exit 1; }
  [ "$(grep -c 'Exceptional future ignored: REEF_EGATE_CLOSED (gate closed)' <<<"$err")" = 1 ] ||
    { echo "FAIL ($mode): expected one ignored gate-closed failure"; echo "$err"; exit 1; }
  # The refusal comes after the last start.
  [ "$(grep -n -m1 'Exceptional' <<<"$err" | cut -d: -f1)" -gt "$(grep -n 'starting 5' <<<"$err" | cut -d: -f1)" ] ||
    { echo "FAIL ($mode): refusal before the last start"; exit 1; }
done
echo ok
