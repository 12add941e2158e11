#!/usr/bin/env bash
# Every public header compiles on its own, in strict C11, with
# warnings as errors.
set -euo pipefail
inc=$1
pass=0; fail=0
for h in "$inc"/reef/*.h; do
  name=reef/$(basename "$h")
  if printf '#include <%s>\nint reef_header_check;\n' "$name" | cc -std=c11 -Wall -Wextra -Werror -pedantic-errors -Wno-gnu-zero-variadic-macro-arguments -fsyntax-only -I"$inc" -x c - 2>/tmp/hdr.$$; then
    pass=$((pass+1))
  else
    echo "FAIL $name"; cat /tmp/hdr.$$; fail=$((fail+1))
  fi
done
rm -f /tmp/hdr.$$
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
