#!/usr/bin/env bash
# ex-hello prints its greeting and exits 0. Start-up errors (more shards
# than CPUs, more memory than the machine has) are one line on stderr and
# exit status 1, before anything of the application runs.
set -euo pipefail
bin=$1; shift
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

out=$("$bin/ex-hello" "$@")
[ "$out" = "Hello world" ] || { echo "FAIL: ex-hello printed '$out'"; exit 1; }

expect_start_error() { # message, args...
  local msg=$1 st=0
  shift
  "$bin/ex-hello" "$@" >"$tmp/out" 2>"$tmp/err" || st=$?
  [ "$st" -eq 1 ] || { echo "FAIL: ex-hello $* exited $st, want 1"; exit 1; }
  [ ! -s "$tmp/out" ] || { echo "FAIL: ex-hello $* printed on stdout:"; cat "$tmp/out"; exit 1; }
  [ "$(cat "$tmp/err")" = "Couldn't start application: $msg" ] ||
    { echo "FAIL: ex-hello $*: stderr:"; cat "$tmp/err"; exit 1; }
}
expect_start_error "insufficient processing units" -c 99999 "$@"
expect_start_error "insufficient physical memory" -m 1000T "$@"
echo ok
