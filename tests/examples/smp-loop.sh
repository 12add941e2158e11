#!/usr/bin/env bash
# ex-smp-loop: every shard counts and reports back to shard 0.
set -euo pipefail
bin=$1
shift
out=$("$bin/ex-smp-loop" -c 2 --overprovisioned --count 5000 "$@")
expected=$'shard 0 counted to 5000\nshard 1 counted to 5000\ntotal 10000 on 2 shards'
[ "$out" = "$expected" ] || { echo "FAIL: got:"; echo "$out"; exit 1; }
out=$("$bin/ex-smp-loop" -c 1 --count 7 "$@")
[ "$out" = $'shard 0 counted to 7\ntotal 7 on 1 shards' ] || { echo "FAIL -c 1: $out"; exit 1; }
echo ok
