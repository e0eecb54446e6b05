"""The Container agent's actions: an image's lifecycle commands (upgrades, downgrades),
run on the system VCS runs them on (``hares -action RES TOKEN -actionargs ARG... -sys S``).

``oneoff IMAGE SECONDS COMMAND...``  ``/bin/sh -c COMMAND`` in a one-off container of IMAGE
    with the resource's mounts, environment and options; removed afterwards.
``exec SECONDS COMMAND...``  ``/bin/sh -c COMMAND`` inside the resource's running container.

A command ends within SECONDS and within the action's deadline (ActionTimeout, which VCS
caps at MonitorInterval / 2: Agent Developer's Guide 7.3, "ActionTimeout"); one still
running then is killed and the action fails. The command's words are joined by spaces
(chosen because VCS may hand action arguments over split at spaces). The action's output
is the command's last lines; it exits 1 when the command does not exit 0.
"""

from __future__ import annotations

import time

from vxha.agents.container import RUNNING, budget, check_image, is_ours
from vxha.agents.framework import AgentError, ConfigError

LABEL_ONEOFF = "vxha.oneoff"  # the resource a one-off container ran a command for
TAIL = 20  # lines of the command's output kept


def run(agent, res, token: str, args) -> str:
    from vxha.agents.drivers.fakestate import DriverError

    # hares takes a word starting with "-" as an option unless escaped with "%"; no document
    # says whether VCS removes the escape before the action gets the word, so both arrive
    # as the word itself (chosen because "%-" starts no command's word in practice).
    args = [a[1:] if a.startswith("%-") else a for a in args]
    drv = agent._driver(res)
    try:
        if token == "oneoff":
            return oneoff(res, agent.cfg, drv, list(args))
        if token == "exec":
            return exec_in(res, agent.cfg, drv, list(args))
    except DriverError as exc:
        raise AgentError(f"{token}: {exc}") from None
    raise AgentError(f"no action {token!r} (SupportedActions: oneoff, exec)")


def _seconds(text: str, usage: str) -> int:
    try:
        seconds = int(text)
    except ValueError:
        seconds = 0
    if seconds < 1:
        raise AgentError(f"{text!r} is not a positive number of seconds ({usage})")
    return seconds


def _tail(text: str) -> str:
    return "\n".join(text.strip().splitlines()[-TAIL:])


def _failed(what: str, code: int, out: str) -> AgentError:
    tail = " | ".join(_tail(out).splitlines()[-3:])
    return AgentError(f"{what} exited with {code}" + (f": {tail}" if tail else ""))


def oneoff(res, cfg, drv, args) -> str:
    usage = "oneoff IMAGE SECONDS COMMAND..."
    if len(args) < 3:
        raise AgentError(f"arguments: {usage}")
    image, seconds, command = args[0], _seconds(args[1], usage), " ".join(args[2:])
    try:
        check_image(image)
    except ConfigError as exc:
        raise AgentError(f"{usage}: {exc.args[0]}") from None
    if not drv.image_present(image, timeout=budget(res, 10)):
        raise AgentError(f"image {image} is not present on this system: load it first")
    name = f"{cfg.name}-oneoff"
    spec = cfg.spec(res.name)
    labels = {k: v for k, v in spec["labels"].items() if not k.startswith("vxha.")}
    labels[LABEL_ONEOFF] = res.name
    # The image's own entrypoint would get the command as its arguments: the shell runs it.
    spec.update(image=image, labels=labels, entrypoint=["/bin/sh", "-c"], command=[command])
    spec.update(image_health=False, once=True)
    _clear_leftover(res, drv, name)
    what = f"{command!r} in a one-off container of {image}"
    drv.create(name, spec, timeout=budget(res, 30))
    try:
        drv.start(name, timeout=budget(res, 30))
        info = _wait_exit(res, drv, name, seconds)
        if info is None:
            raise AgentError(f"{what} did not finish within {_limit(res, seconds):.0f} s: killed")
        out = drv.logs(name, timeout=budget(res, 5), tail=TAIL)
        if info["exit_code"] != 0:
            raise _failed(what, info["exit_code"], out)
        res.log.info(f"{what} exited 0", "ctr.action")
        return f"{what} exited 0" + (f"\n{_tail(out)}" if out.strip() else "")
    finally:
        try:
            drv.remove(name, timeout=budget(res, 10))
        except Exception as exc:  # noqa: BLE001 - reported; the action's answer stands
            res.log.warning(f"could not remove the one-off container {name}: {exc}", "state")


def _limit(res, seconds: int) -> float:
    return max(0.0, min(float(seconds), res.time_left() - 2.0))


def _clear_leftover(res, drv, name: str) -> None:
    """A one-off container a killed action left behind is removed; anyone else's is not."""
    info = drv.inspect(name, timeout=budget(res, 10))
    if info is None:
        return
    if (info.get("labels") or {}).get(LABEL_ONEOFF) != res.name:
        raise AgentError(f"container {name} is not a one-off container of {res.name}: left alone")
    drv.remove(name, timeout=budget(res, 10))


def _wait_exit(res, drv, name: str, seconds: int):
    """The container's last inspect once its command ended, or None (killed) when it is
    still running after ``seconds`` or near the deadline."""
    end = time.monotonic() + _limit(res, seconds)
    delay = 0.05
    while True:
        info = drv.inspect(name, timeout=budget(res, 10))
        if info is None:
            raise AgentError(f"the one-off container {name} disappeared")
        if info["state"] in ("exited", "dead"):
            return info
        # In a simulation nothing changes while an entry point runs: out of time at once.
        if time.monotonic() + delay > end or res.ctx.inprocess:
            drv.kill(name, timeout=budget(res, 5))
            return None
        time.sleep(delay)
        delay = min(delay * 2, 0.5)


def exec_in(res, cfg, drv, args) -> str:
    from vxha.agents.drivers.docker import ExecTimeout

    usage = "exec SECONDS COMMAND..."
    if len(args) < 2:
        raise AgentError(f"arguments: {usage}")
    seconds, command = _seconds(args[0], usage), " ".join(args[1:])
    info = drv.inspect(cfg.name, timeout=budget(res, 10))
    if info is None or not is_ours(info, res) or info["state"] not in RUNNING:
        state = "absent" if info is None else info["state"]
        raise AgentError(f"container {cfg.name} of {res.name} is not running here ({state})")
    what = f"{command!r} in container {cfg.name} ({info.get('image') or cfg.image})"
    limit = _limit(res, seconds)
    try:
        code, out = drv.exec(cfg.name, ["/bin/sh", "-c", command], timeout=max(0.05, limit))
    except ExecTimeout:
        raise AgentError(f"{what} did not finish within {limit:.0f} s: killed") from None
    if code != 0:
        raise _failed(what, code, out)
    res.log.info(f"{what} exited 0", "ctr.action")
    return f"{what} exited 0" + (f"\n{_tail(out)}" if out.strip() else "")
