"""``hares -action RES TOKEN [-actionargs ARG...] -sys SYS`` on the simulated engine: the
resource's action entry point run through the same runner as its other entry points.

What the engine checks first (Agent Developer's Guide 5.0MP3, "SupportedActions": "if
action_token is not present in SupportedActions, the engine will not allow the command to
go through"), the timeout (7.3, "ActionTimeout": 30 s by default, capped at
MonitorInterval / 2) and the exit code (5.0MP3, "About the action entry point": hares
-action exits 0 when the action exits 0, 1 otherwise; its output, at most 2048 bytes, is
printed). An action changes no resource state: it runs at once, taking no virtual time
(chosen because nothing in the engine waits for it), and the transcript records it.
"""

from __future__ import annotations

import os
import subprocess

from vxha.agents import framework
from vxha.simulator.engine import SimError


def action_timeout(res) -> int:
    timeout = res.s["ActionTimeout"] or 30
    interval = res.s["MonitorInterval"] or 60
    return max(1, min(timeout, interval // 2))


def run_action(engine, resource: str, token: str, args, system: str):
    """(exit code, output) of the action; SimError when the engine refuses it."""
    r = engine.resource(resource)
    s = engine.system(system)
    if system not in r.insts:
        raise SimError(f"System {system} is not in the SystemList of group {r.group.name}")
    if not s.up:
        raise SimError(f"System {system} is not up", "V-16-1-10446")
    supported = list(r.type.static("SupportedActions") or [])
    if token not in supported:
        raise SimError(
            f"Action {token} is not in the SupportedActions of type {r.type.name} "
            f"({', '.join(supported) or 'none'})",
            "V-16-1-10570",
        )
    if r.type.agent != "framework":
        raise SimError(f"type {r.type.name}: its actions are not modelled by the simulator")
    timeout = action_timeout(r)
    fault = (engine.ep_faults or {}).get((r.name, system, "action"))
    if fault is not None:
        code, output = 1, f"action {token} told to {fault['mode']} (simulator event)"
    else:
        code, output = _call(engine.runner, r, token, [str(a) for a in args], system, timeout)
    engine.log(system, r.name, f"action {token} exit {code}")
    return code, output


def _call(runner, r, token, args, system, timeout):
    def argv(seconds):
        return framework.build_argv(
            r.type.decl, r.name, r.values(system), "action", aep_timeout=seconds,
            action_args=args,
        )  # fmt: skip

    if getattr(runner, "mode", "inprocess") == "process":
        # Real time scaled as the process runner scales every entry point's.
        limit = int(-(-max(runner.min_seconds, timeout * runner.scale) // 1))
        exe = os.path.join(runner.root, "opt/VRTSvcs/bin", r.type.name, "actions", token)
        try:
            proc = subprocess.run(  # noqa: S603 - argv list, our own launcher
                [exe, *argv(limit)],
                env=runner.env(system),
                capture_output=True,
                text=True,
                timeout=limit + 0.5,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return framework.failure_code("action"), f"action {token} timed out"
        return proc.returncode, proc.stdout
    out = framework.execute(
        r.type.name, "action", argv(timeout), env=runner.env(system), inprocess=True,
        action=token,
    )  # fmt: skip
    if out.timed_out:
        return framework.failure_code("action"), f"action {token} timed out ({timeout} s)"
    return out.code, out.output or ""
