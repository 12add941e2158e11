#!/usr/bin/env bash
# ex-thread-getchar: await, then check failed() before taking.
set -euo pipefail
out=$("$1/ex-thread-getchar" "${@:2}")
[ "$out" = $'got \'o\'\ngot \'k\'\nno more input' ] || { echo "FAIL: got:"; echo "$out"; exit 1; }
echo ok
