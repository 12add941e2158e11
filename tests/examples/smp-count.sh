#!/usr/bin/env bash
# ex-smp-count: one shard per CPU by default, -c picks the count, and asking
# for more CPUs or memory than the machine has is a one-line error.
set -euo pipefail
bin=$1; shift
[ "$("$bin/ex-smp-count" -c1 "$@")" = 1 ] || { echo "FAIL: -c1"; exit 1; }
[ "$("$bin/ex-smp-count" -c2 --overprovisioned "$@")" = 2 ] || { echo "FAIL: -c2"; exit 1; }
[ "$("$bin/ex-smp-count" "$@")" = "$(nproc)" ] || { echo "FAIL: default"; exit 1; }
expect_error() { # message, args...
  local msg=$1; shift
  set +e; err=$("$bin/ex-smp-count" "$@" 2>&1 >/dev/null); st=$?; set -e
  [ $st -eq 1 ] || { echo "FAIL: $* exited $st"; exit 1; }
  [ "$err" = "$msg" ] || { echo "FAIL: $*: '$err'"; exit 1; }
}
expect_error "Couldn't start application: insufficient processing units" -c 9999 "$@"
expect_error "Couldn't start application: insufficient processing units" -c 0 "$@"
expect_error "Couldn't start application: insufficient physical memory" -m 1000T "$@"
echo ok
