#!/usr/bin/env bash
# ex-options: the tutorial's five runs, the other spellings of an option's
# value, the errors for bad command lines (one line on stderr, exit status
# 1, the application not started) and --help.
set -euo pipefail
bin=$1; shift
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# check EXPECTED-STDOUT ARGS...: exit status 0, exactly this on stdout,
# nothing on stderr.
check() {
  local want=$1 st=0
  shift
  "$bin/ex-options" "$@" >"$tmp/out" 2>"$tmp/err" || st=$?
  [ "$st" -eq 0 ] || { echo "FAIL: ex-options $* exited $st"; cat "$tmp/err"; exit 1; }
  [ "$(cat "$tmp/out")" = "$want" ] ||
    { echo "FAIL: ex-options $*: stdout:"; cat "$tmp/out"; echo "wanted:"; echo "$want"; exit 1; }
  [ ! -s "$tmp/err" ] || { echo "FAIL: ex-options $*: stderr:"; cat "$tmp/err"; exit 1; }
}

# check_error EXPECTED-STDERR ARGS...: exit status 1, nothing on stdout.
check_error() {
  local want=$1 st=0
  shift
  "$bin/ex-options" "$@" >"$tmp/out" 2>"$tmp/err" || st=$?
  [ "$st" -eq 1 ] || { echo "FAIL: ex-options $* exited $st, want 1"; exit 1; }
  [ ! -s "$tmp/out" ] || { echo "FAIL: ex-options $* started:"; cat "$tmp/out"; exit 1; }
  [ "$(cat "$tmp/err")" = "$want" ] ||
    { echo "FAIL: ex-options $*: stderr:"; cat "$tmp/err"; echo "wanted: $want"; exit 1; }
}

# The tutorial's runs.
check "Size is 100" "$@"
check $'Flag is on\nSize is 100' --flag "$@"
check $'Flag is on\nSize is 3' --flag -s 3 "$@"
check $'Size is 3\nhello\nhi' --size 3 hello hi "$@"
check $'Size is 3\nhello\nhi' --filename hello --size 3 hi "$@"

# Other spellings.
check $'Size is 3\nhello' --size=3 hello "$@"
check $'Size is 3' -s3 "$@"
check $'Flag is on\nSize is -5\na\nb\nc' a -s -5 b --flag c "$@"

# Bad command lines.
check_error "ex-options: invalid value 'many' for option '--size' (try --help)" --size many "$@"
check_error "ex-options: unrecognised option '--bogus' (try --help)" --bogus "$@"
check_error "ex-options: option '-s' requires a value (try --help)" "$@" -s

# --help: exit status 0, the application's options, then Reef's.
st=0
"$bin/ex-options" --help >"$tmp/out" 2>"$tmp/err" || st=$?
[ "$st" -eq 0 ] || { echo "FAIL: --help exited $st"; exit 1; }
for want in "Usage: ex-options [options]" "--flag" "some optional flag" "-s, --size N" \
            "size (default: 100)" "filename ..." "sstable files to verify" "Reef options:" \
            "-c, --smp N" "--reactor-backend"; do
  grep -qF -- "$want" "$tmp/out" || { echo "FAIL: --help lacks '$want'"; cat "$tmp/out"; exit 1; }
done
if grep -q "Size is" "$tmp/out"; then echo "FAIL: --help started the application"; exit 1; fi
echo ok
