#!/usr/bin/env bash
# ex-file-read: a fiber opens a file, reads its first block with direct I/O
# and prints up to 512 bytes of it.
set -euo pipefail
bin=$1; shift
fail() { echo "FAIL: $*"; exit 1; }

# With no path it writes a short file of its own first and reads it back.
out=$("$bin/ex-file-read" "$@") || fail "ex-file-read exited $?"
[ "$out" = "Reef read this from the disk, in a fiber." ] || fail "got '$out'"

# A longer file: exactly its first 512 bytes.
dir=$(mktemp -d /tmp/reef-ex-file-read-XXXXXX)
trap 'rm -rf "$dir"' EXIT
for i in $(seq 1 200); do printf 'line %03d of a file longer than one block\n' "$i"; done > "$dir/long"
"$bin/ex-file-read" "$@" "$dir/long" > "$dir/out" || fail "reading long exited $?"
cmp "$dir/out" <(head -c 512 "$dir/long") || fail "not the first 512 bytes"

# A missing file: a failure that names it.
if err=$("$bin/ex-file-read" "$@" "$dir/missing" 2>&1); then fail "a missing file succeeded"; fi
grep -q "ENOENT.*$dir/missing" <<<"$err" || fail "unexpected message: $err"
echo ok
