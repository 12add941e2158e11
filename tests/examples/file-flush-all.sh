#!/usr/bin/env bash
# ex-file-flush-all: every file is flushed exactly once, in any order, and
# the loop resolves only after the last.
set -euo pipefail
bin=$1; shift
opts=("$@")
fail() { echo "FAIL: $*"; exit 1; }

check() { # how many files
    local n=$1 out want
    out=$("$bin/ex-file-flush-all" "${opts[@]}" --files "$n") || fail "--files $n exited $?"
    [ "$(tail -n 1 <<<"$out")" = "all $n files flushed" ] || fail "last line of: $out"
    want=$(for ((i = 0; i < n; i++)); do echo "flushed file-$i"; done | sort)
    [ "$(head -n -1 <<<"$out" | sort)" = "$want" ] || fail "flushes of $n files: $out"
}
check 4
check 1
check 50

if err=$("$bin/ex-file-flush-all" "${opts[@]}" --files 0 2>&1); then fail "--files 0 succeeded"; fi
grep -q "EINVAL" <<<"$err" || fail "unexpected message: $err"
echo ok
