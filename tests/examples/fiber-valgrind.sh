#!/usr/bin/env bash
# Fibers under Valgrind: the stacks are registered, so switching between
# them is not mistaken for stack corruption, and memcheck finds no errors.
# Runs only where valgrind is installed (make test installs it).
set -euo pipefail
bin=$1; shift
if ! command -v valgrind >/dev/null; then
  echo "SKIP: valgrind not installed"
  exit 0
fi
# Valgrind cannot run sanitizer builds (make asan): they have their own checks.
libs=$(ldd "$bin/ex-async-value" 2>/dev/null || true)
if [[ $libs == *libasan* || $libs == *libtsan* ]]; then
  echo "SKIP: sanitizer build"
  exit 0
fi
# Valgrind does not implement io_uring: the epoll backend only.
# A small -m: Valgrind tracks the whole per-shard memory reservation, which
# by default spans nearly all physical memory and makes it crawl.
out=$(timeout 300 valgrind --error-exitcode=99 --quiet "$bin/ex-async-value" -c1 -m 64M \
      --reactor-backend=epoll 2>/tmp/reef-valgrind.$$) || {
  st=$?; cat /tmp/reef-valgrind.$$; rm -f /tmp/reef-valgrind.$$; echo "FAIL: valgrind exit $st"; exit 1; }
log=$(cat /tmp/reef-valgrind.$$); rm -f /tmp/reef-valgrind.$$
[ "$out" = $'add_two: 42\nrefuse failed: not allowed to add' ] || { echo "FAIL: got:"; echo "$out"; echo "$log"; exit 1; }
echo ok
