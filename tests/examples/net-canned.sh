#!/usr/bin/env bash
# ex-net-canned: every connection gets the canned response, then end of stream.
set -euo pipefail
bin=$1; shift
. "$(dirname "$0")/net-lib.bash"
start_server net-canned "$@"
python3 - "$port" <<'PY'
import socket, sys
port = int(sys.argv[1])
for _ in range(5):
    s = socket.create_connection(("127.0.0.1", port))
    data = b""
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    s.close()
    if data != b"Reef is the future!\n":
        sys.exit("FAIL: got %r" % data)
PY
stop_server
echo ok
