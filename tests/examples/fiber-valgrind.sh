#!/usr/bin/env bash
# Fibers under Valgrind: the stacks are registered, so switching between
# them is not mistaken for stack corruption, and memcheck finds no errors.
# Runs where valgrind is installed (scripts/install-deps.sh installs it);
# prints SKIP and passes otherwise.
set -euo pipefail
bin=$1; shift
if ! command -v valgrind >/dev/null; then
  echo "SKIP: valgrind not installed"
  exit 0
fi
# Valgrind cannot run sanitizer builds (make asan): they have their own checks.
# (gcc links the sanitizer runtimes dynamically, clang statically.)
libs=$(ldd "$bin/ex-async-value" 2>/dev/null || true)
if [[ $libs == *libasan* || $libs == *libtsan* ]] ||
   grep -qaE '__(asan|tsan)_init' "$bin/ex-async-value"; then
  echo "SKIP: sanitizer build"
  exit 0
fi

log=$(mktemp)
stripped=$(mktemp -d)
trap 'rm -rf "$log" "$stripped"' EXIT

# Runs one example under memcheck and compares its output. Valgrind does
# not implement io_uring: the epoll backend only, whatever the caller asked.
# A small -m: Valgrind tracks the whole per-shard memory reservation, which
# by default spans nearly all physical memory and makes it crawl.
run() {
  timeout 300 valgrind --error-exitcode=1 --quiet "$@" -c1 -m 64M --reactor-backend=epoll 2>"$log"
}

check() {
  local expected=$1 prog=$2
  local out st=0
  out=$(run "$prog") || st=$?
  # Valgrind 3.19 cannot read the DWARF 5 that clang 14 writes by default:
  # run a copy without debug information (reports lose line numbers only).
  if [ "$st" -ne 0 ] && grep -q "debuginfo reader" "$log"; then
    objcopy --strip-debug "$prog" "$stripped/${prog##*/}"
    st=0
    out=$(run "$stripped/${prog##*/}") || st=$?
  fi
  if [ "$st" -ne 0 ]; then
    cat "$log"; echo "FAIL: valgrind $prog exited with $st"; exit 1
  fi
  if [ "$out" != "$expected" ]; then
    echo "FAIL: $prog: got:"; echo "$out"; cat "$log"; exit 1
  fi
}

# A fiber's value and a fiber's error through reef_async.
check $'add_two: 42\nrefuse failed: not allowed to add' "$bin/ex-async-value"
# Waits in a loop, then the wait-without-taking pattern.
check $'got \'o\'\ngot \'k\'\nno more input' "$bin/ex-thread-getchar"
echo ok
