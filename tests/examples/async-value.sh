#!/usr/bin/env bash
# ex-async-value: a fiber's value, and a fiber's error, through reef_async.
set -euo pipefail
out=$("$1/ex-async-value" "${@:2}")
[ "$out" = $'add_two: 42\nrefuse failed: not allowed to add' ] || { echo "FAIL: got:"; echo "$out"; exit 1; }
echo ok
