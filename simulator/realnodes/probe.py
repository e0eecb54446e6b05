"""The client of a real-node cluster: it asks each server through its application IP, over
and over, and writes every answer to a log, one line each::

    <CLOCK_MONOTONIC seconds> <server> ok|fail <detail>

Run inside the client namespace by the cluster:
``python -I -m vxha.simulator.realnodes.probe LOG INTERVAL TIMEOUT name=address:port ...``;
``... probe get ADDRESS PORT PATH TIMEOUT`` makes one request and prints the answer.
The monotonic clock is the machine's, so the simulator compares these times with the
times it injected faults.
"""

from __future__ import annotations

import http.client
import os
import sys
import time


def ask(address: str, port: int, timeout: float, path: str = "/") -> str:
    """The body of GET ``path``; OSError or http.client errors when there is none."""
    conn = http.client.HTTPConnection(address, port, timeout=timeout)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        body = resp.read().decode("utf-8", "replace")
        if resp.status != 200:
            raise OSError(f"HTTP {resp.status}")
        return body
    finally:
        conn.close()


def watch(fd: int, name: str, address: str, port: int, interval: float, timeout: float):
    """Ask one server forever (a thread each: a server that does not answer delays no
    other)."""
    while True:
        t = time.monotonic()
        try:
            body = ask(address, port, timeout)
            line = f"{t:.3f} {name} ok {' '.join(body.split())[:80]}\n"
        except (OSError, http.client.HTTPException) as exc:
            line = f"{t:.3f} {name} fail {type(exc).__name__}\n"
        os.write(fd, line.encode())  # one write per line: appends do not interleave
        time.sleep(max(0.0, interval - (time.monotonic() - t)))


def main(argv) -> int:
    import threading

    if argv[1:2] == ["get"]:  # one request: probe get ADDRESS PORT PATH TIMEOUT
        try:
            sys.stdout.write(ask(argv[2], int(argv[3]), float(argv[5]), argv[4]))
        except (OSError, http.client.HTTPException) as exc:
            print(f"{argv[2]}:{argv[3]}{argv[4]}: {exc}", file=sys.stderr)
            return 1
        return 0
    log, interval, timeout = argv[1], float(argv[2]), float(argv[3])
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    threads = []
    for word in argv[4:]:
        name, _, where = word.partition("=")
        address, _, port = where.rpartition(":")
        t = threading.Thread(
            target=watch, args=(fd, name, address.strip("[]"), int(port), interval, timeout)
        )
        t.start()
        threads.append(t)
    for t in threads:
        t.join()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
