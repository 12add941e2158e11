#!/usr/bin/env bash
# reef-echo: echoes for concurrent clients, limits connections per shard,
# and shuts down cleanly on SIGTERM, with open connections finishing first.
set -euo pipefail
bin=$1; shift
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
out=$(mktemp)
"$bin/reef-echo" -c 2 --overprovisioned --port "$port" "$@" >"$out" 2>&1 &
pid=$!
trap 'kill -9 $pid 2>/dev/null || true; rm -f "$out"' EXIT
python3 - "$port" "$pid" <<'PY'
import os, signal, socket, sys, threading, time
port, pid = int(sys.argv[1]), int(sys.argv[2])
for _ in range(200):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        break
    except OSError:
        time.sleep(0.025)
else:
    sys.exit("FAIL: server did not start")

def echo(n):
    data = os.urandom(n)
    s = socket.create_connection(("127.0.0.1", port))
    t = threading.Thread(target=lambda: (s.sendall(data), s.shutdown(socket.SHUT_WR)))
    t.start()
    got = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        got += chunk
    t.join()
    s.close()
    return got == data

results = []
threads = [threading.Thread(target=lambda n=n: results.append(echo(n)))
           for n in (1, 1000, 1 << 20, 5 << 20)]
for t in threads: t.start()
for t in threads: t.join()
if not all(results) or len(results) != 4:
    sys.exit("FAIL: echo mismatch")

# Graceful shutdown: an open connection with data in flight is answered,
# then ended; the server exits by itself.
idle = socket.create_connection(("127.0.0.1", port))
idle.sendall(b"last words")
time.sleep(0.1)
os.kill(pid, signal.SIGTERM)
got = b""
idle.settimeout(10)
while True:
    chunk = idle.recv(4096)
    if not chunk:
        break
    got += chunk
if got != b"last words":
    sys.exit("FAIL: open connection got %r at shutdown" % got)
PY
set +e
wait $pid
status=$?
set -e
[ $status -eq 0 ] || { echo "FAIL: exit status $status"; cat "$out"; exit 1; }
grep -q "echo - echo server listening on port $port on 2 shard(s)" "$out" ||
  { echo "FAIL: no start line"; cat "$out"; exit 1; }
grep -q "echo - stopping: closing listeners, waiting for connections" "$out" ||
  { echo "FAIL: no stop line"; cat "$out"; exit 1; }

# At most one connection at a time: the second waits until the first ends.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
"$bin/reef-echo" -c 1 --port "$port" --max-connections 1 "$@" >"$out" 2>&1 &
pid=$!
python3 - "$port" <<'PY'
import socket, sys, time
port = int(sys.argv[1])
for _ in range(200):
    try:
        first = socket.create_connection(("127.0.0.1", port), timeout=1)
        break
    except OSError:
        time.sleep(0.025)
first.sendall(b"a")
if first.recv(1) != b"a":
    sys.exit("FAIL: first connection not served")
second = socket.create_connection(("127.0.0.1", port))
second.sendall(b"b")
second.settimeout(0.3)
try:
    second.recv(1)
    sys.exit("FAIL: second connection served while the first was open")
except socket.timeout:
    pass
first.close()
second.settimeout(10)
if second.recv(1) != b"b":
    sys.exit("FAIL: second connection not served after the first closed")
second.close()
PY
kill -TERM $pid
wait $pid || { echo "FAIL: limited server exited with $?"; cat "$out"; exit 1; }
echo ok
