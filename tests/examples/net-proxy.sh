#!/usr/bin/env bash
# ex-net-proxy: clients talk to an upstream echo server through the proxy
# and get back exactly the bytes they sent, large transfers included, both
# half-closes passed on; a client arriving while the upstream is down is
# closed, and the proxy serves again once the upstream is back.
set -euo pipefail
bin=$1; shift
. "$(dirname "$0")/net-lib.bash"
up_port=$(free_port)
start_server net-proxy "127.0.0.1:$up_port" "$@"
python3 - "$port" "$up_port" <<'PY'
import os, socket, sys, threading
port, up_port = int(sys.argv[1]), int(sys.argv[2])

def start_upstream():
    """An echo server: each connection is echoed until the client ends its
    side, then ended in turn."""
    l = socket.socket()
    l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    l.bind(("127.0.0.1", up_port))
    l.listen(64)
    def serve(c):
        while True:
            chunk = c.recv(65536)
            if not chunk:
                break
            c.sendall(chunk)
        c.shutdown(socket.SHUT_WR)
        c.close()
    def accept():
        while True:
            try:
                c, _ = l.accept()
            except OSError:
                return  # closed
            threading.Thread(target=serve, args=(c,), daemon=True).start()
    threading.Thread(target=accept, daemon=True).start()
    return l

def stop_upstream(l):
    l.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept, stops listening
    l.close()

errors = []
def client(n):
    data = os.urandom(n)
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(60)
    def send():
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
    t = threading.Thread(target=send)
    t.start()
    got = bytearray()
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        got += chunk
    t.join()
    s.close()
    if bytes(got) != data:
        errors.append("client %d: %d bytes back, %d sent" % (n, len(got), len(data)))

def clients(sizes):
    threads = [threading.Thread(target=client, args=(n,)) for n in sizes]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

up = start_upstream()
clients((1, 100, 65536, 3 << 20, 1000, 16 << 20))
if errors:
    sys.exit("FAIL: " + "; ".join(errors))

# Upstream down: the proxy closes the client's connection.
stop_upstream(up)
s = socket.create_connection(("127.0.0.1", port))
s.settimeout(10)
try:
    if s.recv(1) != b"":
        sys.exit("FAIL: bytes from a proxy without upstream")
except ConnectionResetError:
    pass
s.close()

up = start_upstream()
clients((5000, 1 << 20))
stop_upstream(up)
if errors:
    sys.exit("FAIL after the upstream came back: " + "; ".join(errors))
PY
stop_server
grep -q "^upstream 127.0.0.1:$up_port: Connection refused$" "$server_out" ||
  { echo "FAIL: no report of the refused upstream in:"; cat "$server_out"; exit 1; }
echo ok
