#!/usr/bin/env bash
# ex-hello prints its greeting and exits 0.
set -euo pipefail
out=$("$1/ex-hello" "${@:2}")
[ "$out" = "Hello world" ] || { echo "FAIL: got '$out'"; exit 1; }
echo ok
