"""A served simulated cluster with the ha* shims on PATH: the workflows run as on a node.

(Not named conftest: several test folders have one, and only one can be imported by name.)
"""

from __future__ import annotations

import glob
import os
import subprocess
import sys
import time

from vxha.generators.build import Options
from vxha.generators.generate import generate_from_files
from vxha.profiles import EXAMPLES

BIN = os.path.dirname(sys.executable)
VXHA = os.path.join(BIN, "vxha")


def example_servers(exclude=()):
    paths = sorted(glob.glob(os.path.join(EXAMPLES, "servers", "*.yaml")))
    return [p for p in paths if os.path.basename(p)[:-5] not in exclude]


def generate(path, exclude=()):
    result = generate_from_files(
        os.path.join(EXAMPLES, "cluster.yaml"),
        example_servers(exclude),
        image_root=os.path.join(EXAMPLES, "images"),
        options=Options(cfsmount="vxha"),
    )
    with open(path, "w") as f:
        f.write(result.text)
    return path


class Cluster:
    """`vxha sim serve` in the background; run() executes commands with the shims on PATH."""

    def __init__(self, tmp, main_cf):
        self.tmp = tmp
        self.run_dir = str(tmp / "run")
        self.socket = str(tmp / "sim.sock")
        self.bin = tmp / "bin"
        self.bin.mkdir()
        from vxha.simulator.shims import install_shims

        install_shims(str(self.bin), sys.executable)
        self.env = dict(
            os.environ,
            PATH=f"{self.bin}:{BIN}:{os.environ.get('PATH', '/usr/bin:/bin')}",
            VXHA_SIM_SOCKET=self.socket,
        )
        self.proc = subprocess.Popen(
            [VXHA, "sim", "serve", main_cf, "--run-dir", self.run_dir, "--socket", self.socket],
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

    def run(self, *argv, input=None, check=False):
        proc = subprocess.run(
            list(argv), env=self.env, capture_output=True, text=True, timeout=120, input=input
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

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
