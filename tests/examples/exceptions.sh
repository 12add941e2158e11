#!/usr/bin/env bash
# ex-exceptions: skipped continuations, then_wrapped, finally (also after
# an immediate failure made a future by reef_futurize), failing continuations.
set -euo pipefail
out=$("$1/ex-exceptions" "${@:2}")
expected="then skipped: failed with my_error (my error)
then_wrapped: failed with my_error (my error)
cleaning up
finally: failed with my_error (my error)
cleaning up
futurize + finally: failed with my_error (my error)
cleaning up
failing continuation: failed with my_error (my error)"
[ "$out" = "$expected" ] || { echo "FAIL: got:"; echo "$out"; exit 1; }
echo ok
