#!/usr/bin/env bash
# Disk benchmarks: Reef's files (bench-fs) next to fio on the same file, in
# the same run, and the share ratio of two disk I/O classes.
#
#   bench/fs.sh BIN_DIR        (make bench BENCH=fs runs it)
#
# Prints "name value unit" lines:
#   fs.randread4k_qd1_iops, fs.randread4k_qd32_iops   4 KiB random O_DIRECT reads
#   fs.seqwrite1m_mb_per_s                             1 MiB sequential O_DIRECT writes, 4 in flight
#   fs.fio.randread4k_qd1_iops, fs.fio.randread4k_qd32_iops, fs.fio.seqwrite1m_mb_per_s
#   fs.randread4k_qdN_vs_fio, fs.seqwrite1m_vs_fio     Reef over fio
#   fs.randread4k_qdN_p50_us / _p99_us (both)          latency
#   fs.share_ratio_1_2                                 bytes moved by classes with shares 200 and 100
#
# Both run on cpu0 with one job (fio: ioengine io_uring, the file layout
# fio's own script uses: a 1 GiB file on the root filesystem). The two
# alternate for every workload, FS_REPS times; each figure is the median.
#
# Environment: FS_FILE (/var/tmp/reef-bench-fs/testfile), FS_SIZE (1G),
# FS_DURATION (5 s measured, after a warm-up), FS_REPS (3).
set -euo pipefail
bin=$1
file=${FS_FILE:-/var/tmp/reef-bench-fs/testfile}
size=${FS_SIZE:-1G}
dur=${FS_DURATION:-5}
reps=${FS_REPS:-3}
raw=${FS_RAW:-/tmp/reef-bench-fs.txt}
: >"$raw"

[ -x "$bin/bench-fs" ] || { echo "fs: missing $bin/bench-fs" >&2; exit 1; }
if ! command -v fio >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y fio >/dev/null 2>&1 || true
  fi
fi
have_fio=0
command -v fio >/dev/null && have_fio=1
[ $have_fio = 1 ] || echo "fs: fio is not installed; its figures are skipped" >&2
mkdir -p "$(dirname "$file")"

field() { sed -n "s/.*\\b$1=\\([-0-9.]*\\).*/\\1/p" <<<"$2"; }
fig() { printf '%s %s %s\n' "$1" "$2" "$3"; }
median() { tr ' ' '\n' <<<"$*" | grep . | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

# fio_run RW BS DEPTH: prints "iops=... mb_per_s=... p50_us=... p99_us=..."
fio_run() {
  local json
  json=$(timeout $((dur + 60)) taskset -c 0 fio --name=reef --filename="$file" --size="$size" \
    --rw="$1" --bs="$2" --direct=1 --ioengine=io_uring --iodepth="$3" --runtime="$dur" \
    --time_based --ramp_time=1 --numjobs=1 --randrepeat=0 --norandommap --output-format=json)
  python3 -c '
import json, sys
d = json.load(sys.stdin)["jobs"][0]
side = d["read"] if d["read"]["io_bytes"] else d["write"]
pct = side["clat_ns"].get("percentile", {})
print("iops=%.0f mb_per_s=%.1f p50_us=%.1f p99_us=%.1f" % (side["iops"], side["bw_bytes"] / 1e6,
      pct.get("50.000000", 0) / 1000, pct.get("99.000000", 0) / 1000))' <<<"$json"
}

reef_run() {
  timeout $((dur * 2 + 120)) taskset -c 0 "$bin/bench-fs" -c 1 --file "$file" --size "$size" \
    --duration "$dur" "$@"
}

# The file first, at full size, so neither side pays for laying it out.
reef_run --mode randread --depth 1 --duration 0.2 >/dev/null

declare -A got
for ((r = 1; r <= reps; r++)); do
  for w in randread4k_qd1 randread4k_qd32 seqwrite1m; do
    case $w in
      randread4k_qd1) args=(--mode randread --depth 1); fargs=(randread 4k 1) ;;
      randread4k_qd32) args=(--mode randread --depth 32); fargs=(randread 4k 32) ;;
      seqwrite1m) args=(--mode seqwrite --depth 4); fargs=(write 1M 4) ;;
    esac
    out=$(reef_run "${args[@]}")
    echo "reef $w $out" >>"$raw"
    got[reef.$w.iops]+=" $(field iops "$out")"
    got[reef.$w.mb]+=" $(field mb_per_s "$out")"
    got[reef.$w.p50]+=" $(field p50_us "$out")"
    got[reef.$w.p99]+=" $(field p99_us "$out")"
    if [ $have_fio = 1 ]; then
      out=$(fio_run "${fargs[@]}")
      echo "fio $w $out" >>"$raw"
      got[fio.$w.iops]+=" $(field iops "$out")"
      got[fio.$w.mb]+=" $(field mb_per_s "$out")"
      got[fio.$w.p50]+=" $(field p50_us "$out")"
      got[fio.$w.p99]+=" $(field p99_us "$out")"
    fi
  done
  out=$(reef_run --mode share --depth 32)
  echo "reef share $out" >>"$raw"
  got[share]+=" $(field ratio "$out")"
done

for w in randread4k_qd1 randread4k_qd32; do
  fig "fs.${w}_iops" "$(median "${got[reef.$w.iops]}")" IOPS
  fig "fs.${w}_p50_us" "$(median "${got[reef.$w.p50]}")" us
  fig "fs.${w}_p99_us" "$(median "${got[reef.$w.p99]}")" us
  if [ $have_fio = 1 ]; then
    fig "fs.fio.${w}_iops" "$(median "${got[fio.$w.iops]}")" IOPS
    fig "fs.fio.${w}_p50_us" "$(median "${got[fio.$w.p50]}")" us
    fig "fs.fio.${w}_p99_us" "$(median "${got[fio.$w.p99]}")" us
    fig "fs.${w}_vs_fio" "$(ratio "$(median "${got[reef.$w.iops]}")" "$(median "${got[fio.$w.iops]}")")" x
  fi
done
fig fs.seqwrite1m_mb_per_s "$(median "${got[reef.seqwrite1m.mb]}")" MB/s
if [ $have_fio = 1 ]; then
  fig fs.fio.seqwrite1m_mb_per_s "$(median "${got[fio.seqwrite1m.mb]}")" MB/s
  fig fs.seqwrite1m_vs_fio "$(ratio "$(median "${got[reef.seqwrite1m.mb]}")" "$(median "${got[fio.seqwrite1m.mb]}")")" x
fi
fig fs.share_ratio_1_2 "$(median "${got[share]}")" x
echo "fs: every run's line is in $raw" >&2
