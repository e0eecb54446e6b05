"""A served simulated cluster with the ha* shims on PATH: the workflows run as on a node.

Every ha* command goes through a small wrapper that logs it (the bulk-read tests count
processes); the simulator's fail-command event stops a plan at any step. (Not named
conftest: several test folders have one, and only one can be imported by name.)
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
import sys
import time

from vxha.generators.build import Options
from vxha.generators.generate import generate_from_files
from vxha.profiles import EXAMPLES
from vxha.simulator.shims import COMMANDS as HA

BIN = os.path.dirname(sys.executable)
VXHA = os.path.join(BIN, "vxha")

WRAPPER = """#!/bin/sh
printf '%s\\n' "$(basename "$0") $*" >> "{log}"
exec "{real}/$(basename "$0")" "$@"
"""


def example_servers(exclude=(), only=None):
    paths = sorted(glob.glob(os.path.join(EXAMPLES, "servers", "*.yaml")))
    names = [os.path.basename(p)[:-5] for p in paths]
    return [p for p, n in zip(paths, names) if n not in exclude and (only is None or n in only)]


def generate(path, exclude=(), only=None, servers=None, cluster=None, mode="vxha"):
    result = generate_from_files(
        cluster or os.path.join(EXAMPLES, "cluster.yaml"),
        servers if servers is not None else example_servers(exclude, only),
        image_root=os.path.join(EXAMPLES, "images"),
        options=Options(cfsmount=mode),
    )
    with open(path, "w") as f:
        f.write(result.text)
    return path


class Cluster:
    """`vxha sim serve` in the background; run() executes commands with the shims on PATH."""

    def __init__(self, tmp, main_cf, speed=20):
        self.tmp = tmp
        self.run_dir = str(tmp / "run")
        self.socket = str(tmp / "sim.sock")
        self.bin = tmp / "bin"
        self.bin.mkdir()
        self.wrap = tmp / "wrap"
        self.wrap.mkdir()
        self.log = tmp / "ha.log"
        from vxha.simulator.shims import install_shims

        install_shims(str(self.bin), sys.executable)
        for name in HA:
            path = self.wrap / name
            path.write_text(WRAPPER.format(log=self.log, real=self.bin))
            path.chmod(0o755)
        self.profiles = tmp / "profiles"
        self.env = dict(
            os.environ,
            PATH=f"{self.wrap}:{BIN}:{os.environ.get('PATH', '/usr/bin:/bin')}",
            VXHA_SIM_SOCKET=self.socket,
            VXHA_CONFIG_DIR=os.path.join(self.run_dir, "conf"),
            VXHA_STATE_DIR=str(tmp / "state"),
            VXHA_PROFILES=str(self.profiles),
            VXHA_POLL="0.02",
        )
        self.proc = subprocess.Popen(
            [VXHA, "sim", "serve", main_cf, "--run-dir", self.run_dir, "--socket", self.socket]
            + ["--speed", str(speed)],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        end = time.monotonic() + 60
        while not os.path.exists(self.socket):
            if self.proc.poll() is not None or time.monotonic() > end:
                raise RuntimeError(f"vxha sim serve did not start: {self.proc.stderr.read()}")
            time.sleep(0.05)
        self.advance(600)

    @property
    def config(self):
        return os.path.join(self.run_dir, "conf", "main.cf")

    def provision(self, main_cf):
        """What an admin provisions before adding servers (images loaded, add-ons' and
        hotfixes' too, CFS volumes created): the simulator prepares only the servers of the
        configuration it started with."""
        from vxha.agents.container import addon_image
        from vxha.simulator.world import World
        from vxha.vcs_types.cf import parse_file

        world = World(self.run_dir)
        config = parse_file(main_cf)
        systems = [s.name for s in config.systems]
        world.ensure(systems)
        for g in config.groups:
            for r in g.resources:
                for s in systems:
                    if r.type == "Container" and r.attrs.get("Image"):
                        docker = world.driver(s, "docker")
                        docker.add_image(r.attrs["Image"])
                        for entry in [*r.attrs.get("AddOns", []), *r.attrs.get("Hotfixes", [])]:
                            docker.add_image(addon_image(entry))
                    elif r.type == "CFSMount" and r.attrs.get("BlockDevice"):
                        world.driver(s, "mounts").create_device(r.attrs["BlockDevice"])

    def copy_profiles(self, names=None):
        """The example server profiles (or some) as the admin's profile directory."""
        self.profiles.mkdir(exist_ok=True)
        for p in example_servers(only=names):
            shutil.copy(p, self.profiles)
        return self.profiles

    def run(self, *argv, input=None, check=False):
        proc = subprocess.run(
            list(argv), env=self.env, capture_output=True, text=True, timeout=300, input=input
        )
        if check and proc.returncode != 0:
            raise AssertionError(f"{argv} exited {proc.returncode}: {proc.stdout}{proc.stderr}")
        return proc

    def vxha(self, *argv, **kw):
        return self.run(VXHA, *argv, **kw)

    def advance(self, seconds):
        self.run(VXHA, "sim", "advance", str(seconds), check=True)

    def event(self, do, **fields):
        argv = [VXHA, "sim", "event", do]
        for k, v in fields.items():
            argv += [f"--{k}", v]
        self.run(*argv, check=True)

    # -- what ran ------------------------------------------------------------------------
    def calls(self):
        """The ha* command lines run since the last reset (reads included)."""
        try:
            return self.log.read_text().splitlines()
        except FileNotFoundError:
            return []

    def reset_calls(self):
        if self.log.exists():
            self.log.unlink()

    def fail(self, command_line, times=1):
        """The next ``times`` ha* commands starting with ``command_line`` fail (the
        simulator's fail-command event, DECISIONS.md 7)."""
        self.run(
            VXHA, "sim", "event", "fail-command", "--match", command_line,
            "--times", str(times), check=True,
        )  # fmt: skip

    # -- looking -------------------------------------------------------------------------
    def value(self, group, attr, system=None):
        argv = ["hagrp", "-value", group, attr] + ([system] if system else [])
        return self.run(*argv, check=True).stdout.strip()

    def state(self, group, system):
        return self.run("hagrp", "-state", group, "-sys", system, check=True).stdout.strip()

    def online_on(self, group):
        out = self.run("hagrp", "-state", group, check=True).stdout
        return [
            line.split()[2]
            for line in out.splitlines()
            if not line.startswith("#") and "|ONLINE|" in line
        ]

    def groups(self):
        out = self.run("hagrp", "-list", check=True).stdout
        return {
            line.split()[0]
            for line in out.splitlines()
            if line.strip() and not line.startswith("#")
        }

    def states(self):
        """group -> system -> state, every group."""
        out = self.run("hagrp", "-state", check=True).stdout
        found = {}
        for line in out.splitlines():
            if line.startswith("#") or not line.strip():
                continue
            g, _, s, v = line.split(None, 3)
            found.setdefault(g, {})[s] = v.strip().strip("|")
        return found

    def saved(self):
        """The configuration as the engine holds it now, saved (haconf -dump)."""
        self.run("haconf", "-makerw", check=True)
        self.run("haconf", "-dump", "-makero", check=True)
        with open(self.config) as f:
            return f.read()

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


_BLOCK = re.compile(r"^(include|cluster|remotecluster|heartbeat|system|site|group) ", re.M)


def blocks(text):
    """main.cf as {"include": [lines], "cluster X": text, "system S": text, "group G": text}
    (and "remotecluster R", "heartbeat H", "site S" of global and site-aware clusters):
    a group block runs to the next top-level block (its resources and requires lines)."""
    out = {"include": []}
    starts = [m.start() for m in _BLOCK.finditer(text)] + [len(text)]
    for a, b in zip(starts, starts[1:]):
        chunk = text[a:b]
        head = chunk.split(None, 2)
        if head[0] == "include":
            out["include"].append(chunk.strip())
        else:
            out[f"{head[0]} {head[1]}"] = chunk.rstrip()
    return out
