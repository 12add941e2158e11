#!/usr/bin/env bash
# Runs the benchmarks of one area (or all) and prints "name value unit"
# lines. Usage: bench/run.sh BIN_DIR [AREA]
set -euo pipefail
bin=$1
area=${2:-}
areas=(core flow fiber sched smp)
[ -n "$area" ] && areas=("$area")
for a in "${areas[@]}"; do
  if [ ! -x "$bin/bench-$a" ]; then
    echo "no benchmark for area '$a' (expected $bin/bench-$a)" >&2
    exit 1
  fi
  "$bin/bench-$a"
done
