#!/usr/bin/env bash
# ex-net-accept: each connection is reported with the client's address.
set -euo pipefail
bin=$1; shift
. "$(dirname "$0")/net-lib.bash"
start_server net-accept "$@"
clients=$(python3 - "$port" <<'PY'
import socket, sys
port = int(sys.argv[1])
for _ in range(3):
    s = socket.create_connection(("127.0.0.1", port))
    print("127.0.0.1:%d" % s.getsockname()[1])
    s.recv(1)  # the server closes the connection
    s.close()
PY
)
sleep 0.2
stop_server
for c in $clients; do
  grep -qx "Accepted connection from $c" "$server_out" ||
    { echo "FAIL: no line for $c in:"; cat "$server_out"; exit 1; }
done
echo ok
