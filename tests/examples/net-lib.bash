# Helpers for the network example tests (sourced; ctest runs only *.sh).
# start_server NAME ARGS...: starts $bin/ex-NAME on a free port, sets
# $port, $server_pid and $server_out, and waits until it accepts.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

start_server() {
  local name=$1; shift
  port=$(free_port)
  server_out=$(mktemp)
  "$bin/ex-$name" -c 2 --overprovisioned --port "$port" "$@" >"$server_out" 2>&1 &
  server_pid=$!
  trap 'kill $server_pid 2>/dev/null || true; rm -f "$server_out"' EXIT
  python3 - "$port" <<'PY'
import socket, sys, time
port = int(sys.argv[1])
for _ in range(200):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.025)
sys.exit("server did not start")
PY
}

# stop_server: SIGTERM; the example closes its listeners and exits 0.
stop_server() {
  kill -TERM "$server_pid"
  local rc=0
  wait "$server_pid" || rc=$?
  if [ $rc -ne 0 ]; then
    echo "FAIL: the server exited with $rc on SIGTERM" >&2
    cat "$server_out" >&2
    exit 1
  fi
}
