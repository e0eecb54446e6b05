"""Detection of a container's death (the fault to the first Container monitor that reports
it offline) on one real node, with ``vxha watch`` and without it.

The node: a private dockerd, the Container agent's real online and monitor through their
launchers. VCS: the simulator behind its ha* shims answers the watch's reads and its
``hares -probe``; what VCS's agent framework does is played here, because the simulator
runs agents on fakes only: a monitor every MonitorInterval, and one at once when a probe
is asked for. The fault (SIGKILL of the container's main process) falls at phases spread
evenly over the monitor interval, the same phases with and without the watch, so the
figure without it is about MonitorInterval / 2 plus one monitor.
"""

from __future__ import annotations

import os
import shutil
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "tests", "watch"))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "agents", "container"))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))  # realtier, imported by the fixtures

from common import row, time_process  # noqa: E402

NAME = "container death to the monitor that sees it, with vxha watch"
TARGET = "<= 1 s with vxha watch"
RESOURCE, CONTAINER, SYSTEM = "web_ctr", "web", "n1"
PROBE = f"hares -probe {RESOURCE} -sys {SYSTEM}"


def _skip(why):
    return [row(NAME, float("nan"), None, None, None, TARGET, f"skipped: {why}")]


def run(quick=False):
    if os.geteuid() != 0:
        return _skip("needs root (a private dockerd)")
    tools = ("dockerd", "docker", "nsenter", "busybox", "ip")
    missing = [t for t in tools if not shutil.which(t)]
    if missing:
        return _skip("missing " + ", ".join(missing))
    from container_engines import BUSYBOX, Dockerd

    d = Dockerd("vxbw")
    try:
        d.start()
        d.build_images((BUSYBOX,))
        with tempfile.TemporaryDirectory() as tmp:
            return _measure(d, Path(tmp), quick)
    finally:
        d.stop()


class Node:
    """The Container agent of web_ctr on the real dockerd, run as VCS runs it."""

    def __init__(self, engine, tmp: Path):
        from container_engines import BUSYBOX

        from vxha.agents.framework import build_argv
        from vxha.agents.install import install_agents
        from vxha.vcs_types.catalog import project_type

        install_agents(str(tmp), sys.executable, ["Container"])
        self.engine = engine
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("VXHA_", "DOCKER_"))}
        self.env["VXHA_NODE_DIR"] = str(tmp / "node")
        decl = project_type("Container")
        values = {"RuntimeName": CONTAINER, "Image": BUSYBOX, "DockerHost": engine.host}
        values["StopTimeout"] = 1
        bin_dir = tmp / "opt/VRTSvcs/bin/Container"
        self.online = [str(bin_dir / "online"), *build_argv(decl, RESOURCE, values, "online")]
        argv = build_argv(decl, RESOURCE, values, "monitor", aep_timeout=30)
        self.monitor_argv = [str(bin_dir / "monitor"), *argv]

    def bring_online(self) -> None:
        import subprocess

        self.engine.docker("rm", "-f", CONTAINER, check=False)
        subprocess.run(self.online, env=self.env, timeout=60, check=True, capture_output=True)
        if self.monitor() != 110:
            raise RuntimeError("web_ctr is not online after its online entry point")

    def monitor(self) -> int:
        import subprocess

        return subprocess.run(
            self.monitor_argv, env=self.env, timeout=60, capture_output=True
        ).returncode


def detect(node, cluster, interval: float, phase: float) -> tuple:
    """(seconds from the container's death to the monitor that reports it, seconds to the
    probe that ran that monitor or None): the last periodic monitor ran ``phase`` seconds
    before the fault; a probe asked for runs one at once (with no watch running, none is)."""
    node.bring_online()
    time.sleep(1.2)  # the start's events are old news, the watch's per-resource gap passed
    cluster.reset_calls()
    pid = node.engine.container_pid(CONTAINER)
    fault = time.monotonic()
    os.kill(pid, signal.SIGKILL)
    next_monitor = fault + (interval - phase)
    while True:
        now = time.monotonic()
        probed = any(line == PROBE for line in cluster.calls())
        if probed or now >= next_monitor:
            code = node.monitor()
            if code == 100:
                return time.monotonic() - fault, (now - fault if probed else None)
            if not probed:
                next_monitor += interval
            cluster.reset_calls()
        time.sleep(0.002)


def die_event(node) -> float:
    """Seconds from SIGKILL of the container's main process to its ``die`` event."""
    import select

    from vxha.agents.drivers.docker_events import EventStream, container_event

    node.bring_online()
    stream = EventStream(node.engine.host)
    stream.connect(5.0)
    try:
        pid = node.engine.container_pid(CONTAINER)
        fault = time.monotonic()
        os.kill(pid, signal.SIGKILL)
        while time.monotonic() - fault < 30:
            select.select([stream.sock], [], [], 1.0)
            for raw in stream.read():
                event = container_event(raw)
                if event and event["action"] == "die":
                    return time.monotonic() - fault
        raise RuntimeError("no die event within 30 s")
    finally:
        stream.close()


def _measure(d, tmp: Path, quick: bool):
    from watch_node import Cluster, WatchProc, write_main_cf

    node = Node(d, tmp)
    (tmp / "mnt").mkdir()
    main_cf = write_main_cf(tmp / "main.cf", str(tmp / "mnt"), d.host, "unix:///nonexistent.sock")
    cluster = Cluster(tmp, main_cf, speed=0)
    try:
        with_runs, interval = (3, 60.0) if quick else (7, 60.0)
        without_runs, without_interval = (2, 5.0) if quick else (5, 60.0)
        watch = WatchProc(
            None, cluster, tmp, "--engine", d.host, "--no-network", "--no-mounts", name="w"
        )
        try:
            watch.wait_log(r"events connected")
            results = [
                detect(node, cluster, interval, interval * (i + 0.5) / with_runs)
                for i in range(with_runs)
            ]
        finally:
            watch.stop()
        watched = [t for t, _ in results]
        asked = [a for _, a in results if a is not None]
        # The monitor's own share: the same monitor again, the container still dead.
        monitor_ms, _ = time_process(node.monitor_argv, 5, node.env, ok_codes={100})
        unwatched = [
            detect(node, cluster, without_interval, without_interval * (i + 0.5) / without_runs)[0]
            for i in range(without_runs)
        ]
        # The parts of the chain, alone: the engine's die event, the flags read the watch
        # makes before each probe (a shim here), and the interpreter's start, which tells
        # how loaded the machine was.
        event_ms = statistics.median(die_event(node) for _ in range(5)) * 1000
        flags = [str(cluster.bin / "hagrp"), "-display", "web", "-attribute", "Enabled"]
        flags_ms, _ = time_process(flags + ["Frozen", "TFrozen"], 5, cluster.env, ok_codes={0})
        python_ms, _ = time_process([sys.executable, "-I", "-S", "-c", "pass"], 9)
    finally:
        cluster.stop()
        d.docker("rm", "-f", CONTAINER, check=False)
    with_ms = statistics.median(watched) * 1000
    without_ms = statistics.median(unwatched) * 1000
    verdict = "meets target" if with_ms <= 1000 else "MISSES target"
    return [
        row(
            NAME,
            with_ms,
            None,
            f"without vxha watch, MonitorInterval {without_interval:g} s",
            without_ms,
            TARGET,
            f"{verdict}; MonitorInterval {interval:g} s; {with_runs} runs (max "
            f"{max(watched) * 1000:.0f} ms), {len(asked)} seen through a probe, asked for "
            f"{statistics.median(asked) * 1000 if asked else float('nan'):.0f} ms after the "
            f"fault (median; alone: the die event {event_ms:.0f} ms, the flags read "
            f"{flags_ms:.0f} ms), a monitor of the dead container {monitor_ms:.0f} ms; without: "
            f"{without_runs} runs, faults spread over the interval; python -I -S start "
            f"{python_ms:.0f} ms in the same run",
        )
    ]


if __name__ == "__main__":
    for r in run("--quick" in sys.argv):
        print(r)
