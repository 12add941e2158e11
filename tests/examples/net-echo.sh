#!/usr/bin/env bash
# ex-net-echo: concurrent clients get back exactly the bytes they sent,
# large transfers included.
set -euo pipefail
bin=$1; shift
. "$(dirname "$0")/net-lib.bash"
start_server net-echo "$@"
python3 - "$port" <<'PY'
import os, socket, sys, threading
port = int(sys.argv[1])
errors = []
def client(n):
    data = os.urandom(n)
    s = socket.create_connection(("127.0.0.1", port))
    def send():
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
    t = threading.Thread(target=send)
    t.start()
    got = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        got += chunk
    t.join()
    s.close()
    if got != data:
        errors.append("client %d: %d bytes back, %d sent" % (n, len(got), len(data)))
threads = [threading.Thread(target=client, args=(n,)) for n in (1, 100, 65536, 3 << 20, 1000)]
for t in threads:
    t.start()
for t in threads:
    t.join()
if errors:
    sys.exit("FAIL: " + "; ".join(errors))
PY
stop_server
echo ok
