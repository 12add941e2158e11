#!/usr/bin/env bash
# Networking benchmarks: echo round trips per second against reef-echo and
# against peers measured in the same run with the same client, an idle
# server's CPU use, and the memory an idle connection costs reef-echo.
#
#   bench/net.sh BIN_DIR        (make bench BENCH=net runs it)
#
# Prints "name value unit" lines:
#   net.echo.B.sS.cC_rt_per_s          reef-echo, backend B (uring|epoll), S shards, C connections
#   net.echo.B.sS.cC_server_us_per_rt  its CPU time per round trip (all its threads)
#   net.echo.B.sS.cC_vs_best_peer      rt_per_s over the best peer's at the same C
#   net.echo.baseline.cC_rt_per_s      the hand-written epoll server (echo_epoll)
#   net.echo.libuv.cC_rt_per_s         the same server on libuv (uv_echo)
#   net.echo.{baseline,libuv}.cC_server_us_per_rt
#   net.idle.B_cpu_ms_per_s            reef-echo on every CPU, no clients
#   net.idle_cpu_ms_per_s              the higher of the two backends
#   net.c10k.B_bytes_per_conn          reef-echo's resident memory per idle connection
#   net.c10k.bytes_per_conn            the higher of the two backends
#
# Every point starts its server afresh, and the servers follow one another
# for each connection count (A B C ... A B C ... for c=1, then for c=64,
# ...), NET_REPS times; each figure is the median of its NET_REPS samples,
# so a slow phase of the machine spreads over all of them and one outlier
# does not decide a ratio. Messages are 64 bytes,
# one round trip in flight per connection (closed loop), client: bench-loadgen.
#
# Pinning on this two-core machine, as in the peers' own script: a
# one-shard server (reef-echo -c 1, echo_epoll, uv_echo) runs on cpu0 and
# the client on cpu1. A two-shard reef-echo runs on both CPUs, so its
# second shard shares cpu1 with the client: the figure says how a server
# that takes the whole machine does against a client it must share with.
#
# Environment:
#   NET_DURATION  measured seconds per point (3)      NET_WARMUP  seconds before (1)
#   NET_REPS      samples per point, median reported (3)
#   NET_CONNS     connection counts ("1 64 512")       NET_SIZE    message bytes (64)
#   NET_C10K      idle connections for c10k (10000)    NET_PORT    first port (17400; uses 9)
#   NET_PEERS     directory of the peers' sources (../shared/bench/net from the
#                 repository); missing: the peer and ratio figures are skipped
#   NET_RAW       file for the client's full output lines (/tmp/reef-bench-net.txt)
set -euo pipefail
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
dur=${NET_DURATION:-3}
reps=${NET_REPS:-3}
warm=${NET_WARMUP:-1}
conns=${NET_CONNS:-"1 64 512"}
size=${NET_SIZE:-64}
c10k=${NET_C10K:-10000}
port0=${NET_PORT:-17400}
peers=${NET_PEERS:-$here/../../shared/bench/net}
raw=${NET_RAW:-/tmp/reef-bench-net.txt}
: >"$raw"

for p in reef-echo bench-loadgen bench-c10k; do
  [ -x "$bin/$p" ] || { echo "net: missing $bin/$p" >&2; exit 1; }
done
have_peers=0
if [ -f "$peers/echo_epoll.c" ] && [ -f "$peers/uv_echo.c" ]; then
  if make -s -C "$peers" echo_epoll uv_echo >&2; then
    have_peers=1
  else
    echo "net: could not build the peers in $peers; peer figures skipped" >&2
  fi
else
  echo "net: no peers at $peers (set NET_PEERS); peer and ratio figures skipped" >&2
fi

# 10,000 connections need as many descriptors in each process.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((c10k + 100)) ]; then
  ulimit -Hn $((c10k + 1000)) 2>/dev/null && ulimit -n $((c10k + 1000)) || true
fi

spid=
slog=$(mktemp)
trap '[ -n "$spid" ] && kill -9 "$spid" 2>/dev/null; rm -f "$slog"' EXIT

# start_server PORT KIND CMD...: starts it in the background and waits
# until it answers on PORT. KIND reef: also waits for reef-echo's
# "listening" line, printed once every shard listens.
start_server() {
  local port=$1 kind=$2
  shift 2
  "$@" >"$slog" 2>&1 &
  spid=$!
  for _ in $(seq 100); do
    if [ "$kind" != reef ] || grep -q "echo server listening" "$slog"; then
      (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    fi
    kill -0 "$spid" 2>/dev/null || break
    sleep 0.05
  done
  echo "net: server did not come up: $*" >&2
  cat "$slog" >&2
  exit 1
}

# Stops the server with SIGTERM (reef-echo shuts down cleanly and exits 0).
stop_server() {
  kill -TERM "$spid"
  local rc=0
  wait "$spid" || rc=$?
  spid=
  # The peers die of the signal itself: 128 + 15.
  [ $rc -eq 0 ] || [ $rc -eq 143 ] || { echo "net: server exited with $rc" >&2; cat "$slog" >&2; exit 1; }
}

# field NAME LINE: the value of NAME=... in a key=value line.
field() { sed -n "s/.*\\b$1=\\([-0-9.]*\\).*/\\1/p" <<<"$2"; }

fig() { printf '%s %s %s\n' "$1" "$2" "$3"; }

# run_point NAME C PORT: drives the running server with bench-loadgen and
# adds the rate and the server's CPU per round trip to the samples of NAME.
declare -A rate rates cpus
run_point() {
  local name=$1 c=$2 port=$3 out
  out=$(timeout $((${dur%.*} + ${warm%.*} + 60)) taskset -c 1 "$bin/bench-loadgen" -c 1 \
    --port "$port" --conns "$c" --size "$size" --duration "$dur" --warmup "$warm" --pid "$spid")
  echo "$name c=$c $out" >>"$raw"
  rates[$name]+=" $(field rt_per_s "$out")"
  cpus[$name]+=" $(field server_us_per_rt "$out")"
}

# median V...: the middle value (the lower middle of an even count).
median() { tr ' ' '\n' <<<"$*" | grep . | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# report NAME C: the medians of NAME's samples as its two figures; the
# rate is kept in rate[NAME].
report() {
  local name=$1 c=$2
  rate[$name]=$(median "${rates[$name]}")
  fig "net.echo.$name.c${c}_rt_per_s" "${rate[$name]}" rt/s
  fig "net.echo.$name.c${c}_server_us_per_rt" "$(median "${cpus[$name]}")" us
  rates[$name]=
  cpus[$name]=
}

backends=(io_uring epoll)
short() { [ "$1" = io_uring ] && echo uring || echo "$1"; }

for c in $conns; do
  for ((r = 1; r <= reps; r++)); do
    port=$port0
    for s in 1 2; do
      for b in "${backends[@]}"; do
        port=$((port + 1))
        if [ $s -eq 1 ]; then
          start_server $port reef taskset -c 0 "$bin/reef-echo" -c 1 --reactor-backend="$b" --port $port
        else
          start_server $port reef "$bin/reef-echo" -c 2 --reactor-backend="$b" --port $port
        fi
        run_point "$(short "$b").s$s" "$c" $port
        stop_server
      done
    done
    if [ $have_peers -eq 1 ]; then
      port=$((port + 1))
      start_server $port peer taskset -c 0 "$peers/echo_epoll" $port
      run_point baseline "$c" $port
      stop_server
      port=$((port + 1))
      start_server $port peer taskset -c 0 "$peers/uv_echo" $port
      run_point libuv "$c" $port
      stop_server
    fi
  done
  for s in 1 2; do
    for b in "${backends[@]}"; do
      report "$(short "$b").s$s" "$c"
    done
  done
  if [ $have_peers -eq 1 ]; then
    report baseline "$c"
    report libuv "$c"
    best=$(awk -v a="${rate[baseline]}" -v b="${rate[libuv]}" 'BEGIN { print (a > b ? a : b) }')
    for s in 1 2; do
      for b in "${backends[@]}"; do
        n="$(short "$b").s$s"
        fig "net.echo.$n.c${c}_vs_best_peer" \
          "$(awk -v r="${rate[$n]}" -v p="$best" 'BEGIN { printf "%.2f", (p > 0 ? r / p : 0) }')" x
      done
    done
  fi
done

# An idle server: reef-echo on every CPU (its default), no clients; its CPU
# time over the window after a settle of NET_WARMUP seconds.
worst=0
for b in "${backends[@]}"; do
  port=$((port0 + 7))
  start_server $port reef "$bin/reef-echo" --reactor-backend="$b" --port $port
  out=$("$bin/bench-loadgen" -c 1 --port $port --conns 0 --duration "$dur" --warmup "$warm" --pid "$spid")
  echo "idle.$(short "$b") $out" >>"$raw"
  ms=$(awk -v c="$(field server_cpu "$out")" 'BEGIN { printf "%.3f", c * 1000 }')
  fig "net.idle.$(short "$b")_cpu_ms_per_s" "$ms" ms/s
  worst=$(awk -v a="$worst" -v b="$ms" 'BEGIN { printf "%.3f", (b > a ? b : a) }')
  stop_server
done
fig net.idle_cpu_ms_per_s "$worst" ms/s

# Idle connections: reef-echo on one shard (cpu0) holding NET_C10K of them.
worst=0
for b in "${backends[@]}"; do
  port=$((port0 + 8))
  start_server $port reef taskset -c 0 "$bin/reef-echo" -c 1 --reactor-backend="$b" --port $port \
    --max-connections $((c10k + 10))
  out=$(timeout 120 taskset -c 1 "$bin/bench-c10k" -c 1 --port $port --conns "$c10k" --pid "$spid")
  echo "c10k.$(short "$b") $out" >>"$raw"
  bytes=$(field bytes_per_conn "$out")
  fig "net.c10k.$(short "$b")_bytes_per_conn" "$bytes" B
  worst=$(awk -v a="$worst" -v b="$bytes" 'BEGIN { printf "%.0f", (b > a ? b : a) }')
  stop_server
done
fig net.c10k.bytes_per_conn "$worst" B
echo "net: the client's full lines (latency percentiles, CPU) are in $raw" >&2
