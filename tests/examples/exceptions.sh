#!/usr/bin/env bash
# ex-exceptions: a failure skips continuations; then_wrapped and
# handle_error see it; finally runs on both paths, also after an immediate
# error turned into a failed future by hand or by reef_futurize; a
# continuation's failure after a sleep. With --unhandled the program's own
# result is a failure: "program failed: ..." on stderr and exit status 1.
set -euo pipefail
bin=$1; shift
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

expected="1. a failure skips the rest of the chain
line1
line2 fails
-> failed: my_error (my error)
2. then_wrapped sees the failure
then_wrapped saw my_error, answers -1
-> succeeded with -1
3. handle_error replaces the failure
handle_error saw my_error, answers 42
-> succeeded with 42
4. finally runs after a failure
cleaning up
-> failed: my_error (my error)
5. finally runs after a success
cleaning up
-> succeeded with 7
6. an immediate error turned into a failed future
cleaning up
-> failed: my_error (my error): inner() failed
7. futurize turns a synchronous error into a failed future
cleaning up
-> failed: EINVAL (Invalid argument)
8. a continuation fails after a sleep
cleaning up
-> failed: my_error (my error): failed after the sleep"

st=0
"$bin/ex-exceptions" "$@" >"$tmp/out" 2>"$tmp/err" || st=$?
[ "$st" -eq 0 ] || { echo "FAIL: exited $st"; cat "$tmp/err"; exit 1; }
[ "$(cat "$tmp/out")" = "$expected" ] ||
  { echo "FAIL: stdout differs:"; diff <(echo "$expected") "$tmp/out" || true; exit 1; }
[ ! -s "$tmp/err" ] || { echo "FAIL: unexpected stderr:"; cat "$tmp/err"; exit 1; }

st=0
"$bin/ex-exceptions" --unhandled "$@" >"$tmp/out" 2>"$tmp/err" || st=$?
[ "$st" -eq 1 ] || { echo "FAIL: --unhandled exited $st, want 1"; exit 1; }
[ "$(cat "$tmp/out")" = "$expected"$'\nline2 fails' ] ||
  { echo "FAIL: --unhandled stdout:"; cat "$tmp/out"; exit 1; }
[ "$(cat "$tmp/err")" = "program failed: my_error (my error)" ] ||
  { echo "FAIL: --unhandled stderr:"; cat "$tmp/err"; exit 1; }
echo ok
