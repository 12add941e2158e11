#!/usr/bin/env bash
# ex-file-slow-size: a file's size through a shared handle, after the
# caller has already closed its own.
set -euo pipefail
bin=$1; shift
fail() { echo "FAIL: $*"; exit 1; }

out=$("$bin/ex-file-slow-size" "$@") || fail "ex-file-slow-size exited $?"
[ "$out" = "slow_size: 12345 bytes" ] || fail "got '$out'"

dir=$(mktemp -d /tmp/reef-ex-slow-size-XXXXXX)
trap 'rm -rf "$dir"' EXIT
head -c 70000 /dev/zero > "$dir/f"
out=$("$bin/ex-file-slow-size" "$@" "$dir/f") || fail "measuring a given file exited $?"
[ "$out" = "$dir/f: 70000 bytes" ] || fail "got '$out'"

if err=$("$bin/ex-file-slow-size" "$@" "$dir/missing" 2>&1); then fail "a missing file succeeded"; fi
grep -q "ENOENT.*$dir/missing" <<<"$err" || fail "unexpected message: $err"
echo ok
