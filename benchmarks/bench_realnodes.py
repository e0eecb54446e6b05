"""A whole failover on real nodes, timed by the client (real tier, root).

One server (HostIP, Container, PortForward over a parallel CFSMount storage group) on two
real Docker nodes; a client asks it through its application IP every 0.1 s. Measured from
the fault to the first answer after the outage, medians of 5 (quick) or 7 runs:

- a container killed at a random point of the monitor cycle: detected at the next
  monitor, restarted in place (RestartLimit 1); MonitorInterval 5 s, ConfInterval 10 s
  (so that each kill is a first one);
- a node crashed: the group fails over to the other node (the engine learns of the crash
  at once: VCS would add LLT's peer-inactive timeout, 16 s by default); the crashed node
  then rejoins for the next run.

Baseline, same run: the same container restarted by hand (`docker restart`, its group
frozen so VCS does not act), to the first answer.

Then the same kill with the group failing over (Container RestartLimit 0), MonitorInterval
60 s (VCS's default), the kill at a random point of the monitor cycle: with ``vxha watch``
on each node (simulator/realnodes/watches.py: the probe it asks for runs the monitor at
once) and without it (the next periodic monitor finds the fault). Target: at most 5 s with
the watch.
"""

from __future__ import annotations

import os
import random
import shutil
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from common import row  # noqa: E402

MONITOR = 5
CONF_INTERVAL = 10
FAILOVER_MONITOR = 60  # VCS's default MonitorInterval
FAILOVER_TARGET = "<= 5 s with vxha watch"
MAIN_CF = """include "types.cf"
include "CVMTypes.cf"
include "CFSMountTypes.cf"
include "ContainerTypes.cf"
include "HostIPTypes.cf"
include "PortForwardTypes.cf"

cluster bench (
\t)

system n1 (
\t)

system n2 (
\t)

group web_storage (
\tSystemList = { n1 = 0, n2 = 1 }
\tAutoStartList = { n1, n2 }
\tParallel = 1
\t)

\tCFSMount web_mnt_data (
\t\tMountPoint = "/vx/web/data"
\t\tBlockDevice = "/dev/vx/dsk/webdg/data"
\t\tFSType = ext4
\t\t)

group web (
\tSystemList = { n1 = 0, n2 = 1 }
\tAutoStartList = { n1, n2 }
\t)

\tHostIP web_ip (
\t\tDevice = eth0
\t\tAddress = "10.211.0.10"
\t\tPrefixLen = 24
\t\t)

\tContainer web_ctr (
\t\tRuntimeName = web
\t\tImage = "local/web:1"
\t\tMounts = { "/vx/web/data" = "/data" }
\t\tMemory = "64m"
\t\tStopTimeout = 2
\t\t)

\tPortForward web_pf (
\t\tAddress = "10.211.0.10"
\t\tContainer = web
\t\tPorts = { "80/tcp" = 8080 }
\t\t)

\trequires group web_storage online local firm
\tweb_pf requires web_ctr
\tweb_pf requires web_ip
"""


def _skip(why):
    return [row("real nodes: fault -> client served again", float("nan"), note=f"skipped: {why}")]


def run(quick=False):
    from vxha.simulator.realnodes.cluster import missing_requirements

    why = missing_requirements(("docker",))
    if why:
        return _skip(why)
    runs = 5 if quick else 7
    tmp = tempfile.mkdtemp(prefix="vxbr-")
    from vxha.simulator.realnodes.sim import RealSimulator, monitor_intervals

    sim = RealSimulator.from_text(MAIN_CF, tmp)
    try:
        monitor_intervals(sim, {"Container": MONITOR, "HostIP": MONITOR, "PortForward": MONITOR})
        for t in ("Container", "PortForward"):
            sim.command(["haconf", "-makerw"])
            sim.command(["hatype", "-modify", t, "ConfInterval", str(CONF_INTERVAL)])
            sim.command(["haconf", "-dump", "-makero"])
        sim.start()
        _wait(sim, lambda: _online(sim) and _served(sim), 120)
        phases = random.Random(21)
        kills = [_kill(sim, phases.uniform(0, MONITOR)) for _ in range(runs)]
        baseline = [_by_hand(sim) for _ in range(runs)]
        crashes = [_crash(sim) for _ in range(runs)]
        watched, unwatched, probes = _failovers(sim, runs, phases)
    finally:
        problems = sim.close()
        shutil.rmtree(tmp, ignore_errors=True)
    if problems:
        raise RuntimeError(f"real-node run left: {problems}")
    base = statistics.median(baseline) * 1000
    note = f"MonitorInterval {MONITOR} s, {runs} runs, min-max {{}} s"
    return [
        row(
            "real nodes: container killed -> client served again (restarted in place)",
            statistics.median(kills) * 1000,
            baseline="`docker restart` by hand (group frozen)",
            baseline_ms=base,
            note=note.format(_span(kills)),
        ),
        row(
            "real nodes: node crashed -> client served again (failover)",
            statistics.median(crashes) * 1000,
            baseline="`docker restart` by hand (group frozen)",
            baseline_ms=base,
            note=note.format(_span(crashes)) + "; crash known at once (no LLT timeout)",
        ),
        _failover_row(watched, unwatched, probes),
    ]


def _failover_row(watched, unwatched, probes):
    with_ms = statistics.median(watched) * 1000
    verdict = "meets target" if with_ms <= 5000 else "MISSES target"
    return row(
        "real nodes: container killed -> client served again from another node, with vxha watch",
        with_ms,
        baseline=f"without vxha watch, MonitorInterval {FAILOVER_MONITOR} s",
        baseline_ms=statistics.median(unwatched) * 1000,
        target=FAILOVER_TARGET,
        note=f"{verdict}; MonitorInterval {FAILOVER_MONITOR} s with and without; RestartLimit 0;"
        f" {len(watched)} runs each, min-max with {_span(watched)} s, without"
        f" {_span(unwatched)} s; kills at random points of the monitor cycle; {probes} probes"
        " of the killed container asked for by the watches",
    )


def _failovers(sim, runs, phases):
    """(seconds with the watches, seconds without, probes of the container asked for) of
    ``runs`` kills each, the group failing over."""
    from vxha.simulator.realnodes.sim import monitor_intervals

    monitor_intervals(sim, dict.fromkeys(("Container", "HostIP", "PortForward"), FAILOVER_MONITOR))
    for argv in (["haconf", "-makerw"], ["hatype", "-modify", "Container", "RestartLimit", "0"],
                 ["haconf", "-dump", "-makero"]):  # fmt: skip
        sim.command(argv)
    watches = sim.start_watches()
    try:
        first = time.monotonic()
        watched = [_failover(sim, phases.uniform(0, FAILOVER_MONITOR)) for _ in range(runs)]
        probes = sum(1 for r, _ in watches.inbox.probes(first) if r == "web_ctr")
    finally:
        sim.stop_watches()
    unwatched = [_failover(sim, phases.uniform(0, FAILOVER_MONITOR)) for _ in range(runs)]
    return watched, unwatched, probes


def _failover(sim, delay):
    """The container killed ``delay`` seconds after the group came online (a random point
    of its monitor cycle) -> the first answer from the other node."""
    victim = _online(sim)
    sim.advance(int(delay))
    time.sleep(delay % 1)
    since = time.monotonic()
    sim.event("container_dies", resource="web_ctr", system=victim)
    took = _recovered(sim, since, 180)
    if _online(sim) == victim:
        raise RuntimeError(f"web did not fail over from {victim}:\n{sim.state_table()}")
    sim.command(["hagrp", "-clear", "web", "-sys", victim])
    return took


def _span(values):
    return f"{min(values):.1f}-{max(values):.1f}"


def _online(sim):
    on = [s for s, st in sim.states()["web"].items() if st == "ONLINE"]
    return on[0] if len(on) == 1 else None


def _served(sim):
    try:
        sim.cluster.request("web", timeout=2)
        return True
    except RuntimeError:
        return False


def _wait(sim, cond, seconds):
    end = time.monotonic() + seconds
    while not cond():
        if time.monotonic() > end:
            raise RuntimeError(f"not within {seconds} s:\n{sim.state_table()}")
        sim.advance(1)


def _recovered(sim, since, seconds=120):
    def back():
        return sim.cluster.served_again("web", since)[1] is not None and _online(sim)

    _wait(sim, back, seconds)
    return sim.cluster.served_again("web", since)[1] - since


def _kill(sim, phase):
    sim.advance(CONF_INTERVAL + MONITOR + int(phase))  # past ConfInterval: a first kill again
    time.sleep(phase % 1)  # less than a second: no monitor is due meanwhile
    since = time.monotonic()
    sim.event("container_dies", resource="web_ctr", system=_online(sim))
    return _recovered(sim, since)


def _by_hand(sim):
    node = sim.cluster.node(_online(sim))
    sim.command(["hagrp", "-freeze", "web"])
    try:
        since = time.monotonic()
        node.running_engine().docker("restart", "-t", "0", "web", timeout=60)
        took = _recovered(sim, since)
    finally:
        sim.command(["hagrp", "-unfreeze", "web"])
    _wait(sim, lambda: _online(sim) and _served(sim), 60)
    return took


def _crash(sim):
    victim = _online(sim)
    since = time.monotonic()
    sim.event("crash", system=victim)
    took = _recovered(sim, since)
    sim.event("restart", system=victim)
    _wait(sim, lambda: sim.states()["web_storage"][victim] == "ONLINE", 120)
    return took
