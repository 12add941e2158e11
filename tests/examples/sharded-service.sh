#!/usr/bin/env bash
# ex-sharded-service on two shards: "running on N" once per shard (in any
# order), then "invoked on 0", and a clean exit.
set -euo pipefail
bin=$1
shift
err=$("$bin/ex-sharded-service" -c 2 --overprovisioned "$@" 2>&1 >/dev/null)
echo "$err"
running=$(grep '^running on ' <<<"$err" | sort)
expected=$'running on 0, str = hello\nrunning on 1, str = hello'
[ "$running" = "$expected" ] || { echo "FAIL: running lines: $running"; exit 1; }
[ "$(tail -n 1 <<<"$err")" = "invoked on 0, str = hello" ] || { echo "FAIL: last line"; exit 1; }
[ "$(wc -l <<<"$err")" -eq 3 ] || { echo "FAIL: expected exactly three lines"; exit 1; }
echo ok
