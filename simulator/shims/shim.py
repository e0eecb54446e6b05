"""One ha* command: send argv to the simulator daemon, print its answer, exit with its code."""

from __future__ import annotations

import os
import sys


def main(command):
    from vxha.simulator.client import CANNOT_CONNECT, SimClientError, request, socket_path

    argv = [command, *sys.argv[1:]]
    if command == "hacf":  # the configuration directory is read by the daemon
        argv = [a if a.startswith("-") else os.path.abspath(a) for a in argv]
        argv[0] = command
    try:
        reply = request(socket_path(), {"op": "command", "argv": argv})
    except SimClientError as exc:
        sys.stderr.write(f"VCS ERROR {CANNOT_CONNECT} Cannot connect to VCS engine: {exc}\n")
        sys.exit(1)
    sys.stdout.write(reply.get("out", ""))
    sys.stderr.write(reply.get("err", ""))
    sys.stdout.flush()
    sys.exit(int(reply.get("code", 1)))
