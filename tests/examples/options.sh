#!/usr/bin/env bash
# ex-options: the tutorial's five runs, plus errors and --help.
set -euo pipefail
bin=$1; shift
run() { "$bin/ex-options" "$@"; }
check() { # expected, args...
  local want=$1; shift
  got=$(run "$@")
  [ "$got" = "$want" ] || { echo "FAIL: ex-options $*: got:"; echo "$got"; exit 1; }
}
check "Size is 100" "$@"
check $'Flag is on\nSize is 100' --flag "$@"
check $'Flag is on\nSize is 3' --flag -s 3 "$@"
check $'Size is 3\nhello\nhi' --size 3 hello hi "$@"
check $'Size is 3\nhello\nhi' --filename hello --size 3 hi "$@"
set +e
err=$(run --size many "$@" 2>&1); st=$?
set -e
[ $st -eq 1 ] || { echo "FAIL: bad value exited $st"; exit 1; }
[ "$err" = "ex-options: invalid value 'many' for option '--size' (try --help)" ] ||
  { echo "FAIL: bad value: $err"; exit 1; }
help=$(run --help)
for want in "Usage: ex-options [options]" "--flag" "-s, --size N" "size (default: 100)" \
            "filename" "Reef options:" "-c, --smp N"; do
  grep -qF -- "$want" <<<"$help" || { echo "FAIL: --help lacks '$want'"; exit 1; }
done
echo ok
