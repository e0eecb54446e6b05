"""How the simulator calls entry points: in-process through the framework, as processes
through the installed launchers, or through the stand-in agent for types vxha has no agent
for (CVMVolDg, CVMCluster, ...).

Every runner answers ``call(res, system, entry_point, reason, timeout) -> (code, timed_out)``.
The argv is built once per resource, system, entry point and clean reason with the
framework's ``build_argv`` and reused until the resource's attributes change.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

from vxha.agents import framework

ONLINE = framework.ONLINE
OFFLINE = framework.OFFLINE
INTENTIONAL_OFFLINE = 200  # a script monitor's exit for an intentional offline (V51 agents)
UNKNOWN = framework.UNKNOWN

# vxha types run through the framework; anything else through the stand-in.
FRAMEWORK_TYPES = ("Container", "HostIP", "PortForward", "CFSMount", "Dummy")


def node_env(run_dir: str, system: str, base=None) -> dict:
    """The environment an entry point gets on a simulated system (DECISIONS.md 1)."""
    env = dict(base or {})
    env["VXHA_DRIVERS"] = "fake"
    env["VXHA_NODE_DIR"] = os.path.join(run_dir, system)
    env["VXHA_SHARED_DIR"] = os.path.join(run_dir, "shared")
    return env


class StandIn:
    """The built-in agent for types without a vxha agent: an online flag per system; a
    Proxy answers its target's state."""

    def __init__(self, target_state=None):
        self.online = set()  # (system, resource)
        self.stopped_on_purpose = set()  # (system, resource) stopped outside VCS on purpose
        # (resource, system) -> the engine's ONLINE or OFFLINE for it, None while not probed
        self.target_state = target_state

    def _proxy(self, res, system):
        """BAR, "Proxy agent": monitor mirrors TargetResName's state on TargetSysName (the
        local system when empty), which VCS passes to it (TargetResName:State). A target
        not yet probed (the probes of a starting system run one after the other) answers
        what its own probe will find."""
        v = res.values(system)
        target = v.get("TargetResName") or ""
        tsys = v.get("TargetSysName") or system
        state = self.target_state(target, tsys) if self.target_state else None
        if state is None:
            state = ONLINE if (tsys, target) in self.online else OFFLINE
        return state

    def call(self, res, system, ep, reason, timeout):
        key = (system, res.name)
        if ep == "monitor":
            if res.type.name == "Proxy":
                return self._proxy(res, system), False
            if key in self.online:
                return ONLINE, False
            if self.stopped_on_purpose and key in self.stopped_on_purpose:
                return INTENTIONAL_OFFLINE, False
            return OFFLINE, False
        if self.stopped_on_purpose:
            self.stopped_on_purpose.discard(key)
        if ep == "online":
            self.online.add(key)
        else:  # offline, clean
            self.online.discard(key)
        return 0, False

    def kill(self, system, resource):
        self.online.discard((system, resource))

    def stop_on_purpose(self, system, resource):
        """An admin stops it outside VCS: an agent that can tell reports intentional offline."""
        self.kill(system, resource)
        self.stopped_on_purpose.add((system, resource))

    def crash(self, system):
        self.online = {k for k in self.online if k[0] != system}


class _FrameworkRunner:
    def __init__(self, run_dir):
        self.run_dir = run_dir
        self._env = {}

    def env(self, system):
        env = self._env.get(system)
        if env is None:
            env = self._env[system] = node_env(self.run_dir, system)
        return env

    @staticmethod
    def argv(res, system, ep, reason, timeout):
        # Without localized attributes the argv is the same on every system.
        key = (system if res.model.local else None, ep, reason)
        cache = res.argv_cache
        argv = cache.get(key)
        if argv is None:
            argv = cache[key] = framework.build_argv(
                res.type.decl, res.name, res.values(system), ep, reason, timeout
            )
        return argv


class InProcessRunner(_FrameworkRunner):
    """The framework in this process: hangs are timeouts at the virtual deadline (the fakes
    raise ``Hang``), so no real time is spent waiting.

    ``fast`` (the default) parses each resource's argv once per system, entry point and
    clean reason with the framework's own ``parse_argv`` and then calls
    ``framework.run_resource`` directly, which is what ``execute`` does after parsing;
    ``fast=False`` calls ``execute`` with the argv every time."""

    mode = "inprocess"

    def __init__(self, run_dir, fast=True):
        super().__init__(run_dir)
        self.fast = fast
        self._agents = {}

    def call(self, res, system, ep, reason, timeout):
        argv = self.argv(res, system, ep, reason, timeout)
        if not self.fast:
            out = framework.execute(res.type.name, ep, argv, env=self.env(system), inprocess=True)
            return out.code, out.timed_out
        key = (system if res.model.local else None, ep, reason)
        parsed = res.argv_cache.get(("parsed",) + key)
        if parsed is None:
            agent = self._agents.get(res.type.name)
            if agent is None:
                agent = self._agents[res.type.name] = framework.load_type(res.type.name)
            try:
                parsed = framework.parse_argv(agent[0], ep, list(argv))
            except framework.ArgvError:
                out = framework.execute(
                    res.type.name, ep, argv, env=self.env(system), inprocess=True
                )
                return out.code, out.timed_out
            res.argv_cache[("parsed",) + key] = parsed
        decl, agent_cls = self._agents[res.type.name]
        name, values, reason_, aep = parsed
        ctx = framework.Context(self.env(system), True)
        # Shared between calls: agents read their values, they never change them.
        r = framework.Resource(
            name, decl, ep, values, ctx, framework._deadline_for(decl, ep, aep), reason_
        )
        out = framework.run_resource(agent_cls, r)
        return out.code, out.timed_out


class ProcessRunner(_FrameworkRunner):
    """The installed launchers, one process per call, argv exactly as VCS builds it.

    Real time is scaled: an entry point gets ``timeout * scale`` seconds (at least
    ``min_seconds``, rounded up to whole seconds, passed as its AEPTimeout) before it is
    killed and counted as timed out, as VCS counts it."""

    mode = "process"

    def __init__(self, run_dir, root=None, python=None, scale=0.02, min_seconds=2.0):
        super().__init__(run_dir)
        from vxha.agents.install import install_agents

        self.root = root or os.path.join(run_dir, "root")
        self.scale = scale
        self.min_seconds = min_seconds
        install_agents(self.root, python or sys.executable, list(FRAMEWORK_TYPES))

    def env(self, system):
        env = self._env.get(system)
        if env is None:
            base = {k: os.environ[k] for k in ("PATH", "LANG", "LC_ALL") if k in os.environ}
            env = self._env[system] = node_env(self.run_dir, system, base)
        return env

    def call(self, res, system, ep, reason, timeout):
        argv, limit = self._launch(res, system, ep, reason, timeout)
        try:
            proc = subprocess.run(  # noqa: S603 - argv list, our own launcher
                argv,
                env=self.env(system),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=limit + 0.5,
                check=False,
                preexec_fn=self.preexec(system),  # noqa: PLW1509 - a node's cgroup, if any
            )
        except subprocess.TimeoutExpired:
            return framework.failure_code(ep), True
        return proc.returncode, False

    def _launch(self, res, system, ep, reason, timeout) -> tuple:
        """(the command line, the seconds it is given) of one entry point."""
        # The entry point is told the scaled timeout (AEPTimeout), so a hang ends its
        # children at its own deadline; killed just after it, as VCS kills it.
        limit = -(-max(self.min_seconds, timeout * self.scale) // 1)
        argv = self.argv(res, system, ep, reason, int(limit))
        exe = os.path.join(self.root, "opt/VRTSvcs/bin", res.type.name, ep)
        return self.command(system, [exe, *argv]), limit

    def command(self, system, argv):
        return argv

    def preexec(self, system):
        return None


class RealRunner(ProcessRunner):
    """The installed launchers run on real nodes: inside the system's namespaces (nsenter
    into its network, mount, UTS and cgroup namespaces, the process placed in the node's
    cgroup first), with the real drivers, as VCS runs them: its environment sets no
    ``VXHA_*`` variable but ``VXHA_SHARED_DEVICES=1`` (the nodes share this host's kernel
    and volumes: docs/cfsmount.md), only ``VCS_LOG`` (the node's log directory), and
    every entry point gets its type's whole timeout in real seconds.

    ``nodes`` maps a system name to its node (``enter()``: the nsenter argv prefix;
    ``join()``: move the calling process into the node's cgroup; ``log_dir``)."""

    mode = "real"

    def __init__(self, run_dir, nodes, root=None, python=None, concurrent=False):
        super().__init__(run_dir, root=root, python=python, scale=1.0, min_seconds=1.0)
        self.nodes = nodes
        self.concurrent = concurrent  # entry points started with start(), not call()

    def env(self, system):
        env = self._env.get(system)
        if env is None:
            env = {k: os.environ[k] for k in ("PATH", "LANG", "LC_ALL") if k in os.environ}
            env["VCS_LOG"] = self.nodes[system].log_dir
            env["VXHA_SHARED_DEVICES"] = "1"
            self._env[system] = env
        return env

    def command(self, system, argv):
        return [*self.nodes[system].enter(), *argv]

    def preexec(self, system):
        return self.nodes[system].join

    def start(self, res, system, ep, reason, timeout) -> Running:
        """Start the entry point and return at once: VCS runs the entry points of
        different resources at the same time (an agent's NumThreads service threads)."""
        argv, limit = self._launch(res, system, ep, reason, timeout)
        proc = subprocess.Popen(  # noqa: S603 - argv list, our own launcher
            argv,
            env=self.env(system),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=self.preexec(system),  # noqa: PLW1509 - the node's cgroup
        )
        return Running(proc, ep, time.monotonic() + limit + 0.5)


class Running:
    """An entry point started by ``start``: ``poll()`` is None while it runs, then (exit
    code, timed out); killed at its deadline, as VCS kills it."""

    def __init__(self, proc, ep, deadline):
        self.proc = proc
        self.ep = ep
        self.deadline = deadline

    def poll(self):
        code = self.proc.poll()
        if code is not None:
            return code, False
        if time.monotonic() < self.deadline:
            return None
        self.proc.kill()
        self.proc.wait(timeout=10)
        return framework.failure_code(self.ep), True
