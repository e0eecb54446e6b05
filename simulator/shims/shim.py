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
        if exc.kind == "connect":
            sys.stderr.write(f"VCS ERROR {CANNOT_CONNECT} Cannot connect to VCS engine: {exc}\n")
        else:
            sys.stderr.write(
                f"VCS ERROR {CANNOT_CONNECT} the simulator failed on this command: {exc}\n"
            )
        sys.exit(1)
    try:
        sys.stdout.write(reply.get("out", ""))
        sys.stdout.flush()
    except BrokenPipeError:  # `hagrp -display | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    sys.stderr.write(reply.get("err", ""))
    sys.exit(int(reply.get("code", 1)))
