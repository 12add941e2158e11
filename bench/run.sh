#!/usr/bin/env bash
# Runs the benchmarks of one area (or all) and prints "name value unit"
# lines. Usage: bench/run.sh BIN_DIR [AREA]
set -euo pipefail
bin=$1
area=${2:-}
areas=(core flow fiber sched smp net spread fs)
[ -n "$area" ] && areas=("$area")
here=$(dirname "$0")
for a in "${areas[@]}"; do
  # An area is either a script bench/AREA.sh (one that drives several
  # programs, such as net: servers and a load generator) or a program.
  if [ -f "$here/$a.sh" ]; then
    bash "$here/$a.sh" "$bin"
    continue
  fi
  if [ ! -x "$bin/bench-$a" ]; then
    echo "no benchmark for area '$a' (expected $bin/bench-$a)" >&2
    exit 1
  fi
  "$bin/bench-$a"
done
