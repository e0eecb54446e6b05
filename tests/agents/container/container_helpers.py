"""Helpers of the Container agent's tests: launchers run with VCS's argv."""

from __future__ import annotations

import itertools
import os
import subprocess
import time

from vxha.agents.framework import build_argv
from vxha.agents.install import AGENT_BIN
from vxha.vcs_types.catalog import project_type

DECL = project_type("Container")
_counter = itertools.count(1)


class Run:
    """One finished entry-point process."""

    def __init__(self, proc, elapsed):
        self.code = proc.returncode
        self.out = proc.stdout
        self.elapsed = elapsed

    def __repr__(self):
        return f"Run(code={self.code}, {self.elapsed:.2f} s, out={self.out!r})"


class Agent:
    """Runs the installed Container launchers for one resource with VCS's argv."""

    def __init__(self, root, env, resource, values):
        self.bin = os.path.join(root, AGENT_BIN, "Container")
        self.env = env
        self.resource = resource
        self.values = dict(values)

    def run(self, ep, reason=None, aep=10, timeout=60, **override) -> Run:
        values = dict(self.values, **override)
        argv = build_argv(DECL, self.resource, values, ep, reason=reason, aep_timeout=aep)
        start = time.monotonic()
        proc = subprocess.run(
            [os.path.join(self.bin, ep), *argv],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        return Run(proc, time.monotonic() - start)

    def online(self, **kw):
        return self.run("online", **kw)

    def offline(self, **kw):
        return self.run("offline", **kw)

    def monitor(self, **kw):
        return self.run("monitor", **kw)

    def clean(self, reason=4, **kw):
        return self.run("clean", reason=reason, **kw)


def unique(prefix="ctr"):
    return f"{prefix}{os.getpid() % 10000}_{next(_counter)}"


def inspect_cli(dockerd, name, fmt="{{.State.Status}}"):
    p = dockerd.docker("inspect", "-f", fmt, name, check=False)
    return p.stdout.decode().strip() if p.returncode == 0 else None


def sh(*argv, timeout=30):
    return subprocess.run(argv, capture_output=True, timeout=timeout, check=True)
