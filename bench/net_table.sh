#!/usr/bin/env bash
# Turns the figure lines of bench/net.sh into the Markdown tables of
# docs/benchmarks.md ("Networking"), so that refreshing the section is:
#
#   make bench BENCH=net | tee /tmp/net.txt && bash bench/net_table.sh /tmp/net.txt
#
# Reads the lines from the file given (or standard input); other lines are
# ignored.
set -euo pipefail
awk '
  $1 ~ /^net\./ { v[$1] = $2 }
  function cell(name, c,   r, u) {
    r = v["net.echo." name ".c" c "_rt_per_s"]
    u = v["net.echo." name ".c" c "_server_us_per_rt"]
    if (r == "") return " — "
    return sprintf(" %.1f k / %.1f µs ", r / 1000, u)
  }
  function ratio(name, c,   x) {
    x = v["net.echo." name ".c" c "_vs_best_peer"]
    return x == "" ? " — " : " " x "× "
  }
  END {
    split("uring.s1 epoll.s1 uring.s2 epoll.s2 baseline libuv", names, " ")
    label["uring.s1"] = "reef-echo, io_uring, 1 shard"
    label["epoll.s1"] = "reef-echo, epoll, 1 shard"
    label["uring.s2"] = "reef-echo, io_uring, 2 shards"
    label["epoll.s2"] = "reef-echo, epoll, 2 shards"
    label["baseline"] = "hand-written epoll server (`echo_epoll`)"
    label["libuv"] = "libuv server (`uv_echo`)"
    print "| server | 1 connection | 64 connections | 512 connections |"
    print "| --- | --- | --- | --- |"
    for (i = 1; i <= 6; i++)
      print "| " label[names[i]] " |" cell(names[i], 1) "|" cell(names[i], 64) "|" cell(names[i], 512) "|"
    print ""
    print "| ratio to the best peer | 1 connection | 64 connections | 512 connections |"
    print "| --- | --- | --- | --- |"
    for (i = 1; i <= 4; i++)
      print "| " label[names[i]] " |" ratio(names[i], 1) "|" ratio(names[i], 64) "|" ratio(names[i], 512) "|"
    print ""
    print "| figure | io_uring | epoll |"
    print "| --- | --- | --- |"
    printf "| `net.idle_cpu_ms_per_s` — reef-echo on both CPUs, no clients | %s ms/s | %s ms/s |\n", \
      v["net.idle.uring_cpu_ms_per_s"], v["net.idle.epoll_cpu_ms_per_s"]
    printf "| `net.c10k.bytes_per_conn` — reef-echo, resident memory per idle connection | %s B | %s B |\n", \
      v["net.c10k.uring_bytes_per_conn"], v["net.c10k.epoll_bytes_per_conn"]
  }
' "${1:-/dev/stdin}"
