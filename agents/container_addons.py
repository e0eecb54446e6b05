"""A container's add-ons and hotfixes: data containers made from their images, whose
volumes the container mounts read-only (docs/container.md "Add-ons and hotfixes").

They are the Container agent's own objects, labelled with its resource and found by those
labels: offline and clean remove whatever an earlier configuration created here, and never
a container someone else made under the same name. Online, offline and clean import this;
monitor never does.
"""

from __future__ import annotations

import hashlib

from vxha.agents.container import LABEL_RESOURCE, LABEL_SPEC, LABEL_TYPE, budget
from vxha.agents.framework import AgentError

ROLES = {"addon": "Container.addon", "hotfix": "Container.hotfix"}
ATTRS = {"addon": "AddOns", "hotfix": "Hotfixes"}


def labels(res, addon: dict) -> dict:
    digest = hashlib.sha256(addon["entry"].encode()).hexdigest()[:16]
    return {LABEL_RESOURCE: res.name, LABEL_TYPE: ROLES[addon["kind"]], LABEL_SPEC: digest}


def is_ours(info: dict, res) -> bool:
    have = info.get("labels") or {}
    return have.get(LABEL_RESOURCE) == res.name and have.get(LABEL_TYPE) in ROLES.values()


def refuse_foreign(res, drv, cfg) -> None:
    """A data container's name held by a container that is not ours fails online before
    anything changes: it is left untouched, as the container's own name is."""
    for addon in cfg.addons:
        info = drv.inspect(addon["name"], timeout=budget(res, 10))
        if info is not None and not is_ours(info, res):
            owner = (info.get("labels") or {}).get(LABEL_RESOURCE)
            whose = f"resource {owner}'s" if owner else "not created by vxha"
            raise AgentError(
                f"container {addon['name']} ({info['id'][:12]}), the name of {addon['id']}'s"
                f" data container, is {whose}, not {res.name}'s: left untouched; remove or"
                " rename it",
                ATTRS[addon["kind"]],
            )


def ours(res, drv) -> list:
    """Names of this resource's data containers on this system, whatever configured them."""
    found = drv.labelled({LABEL_RESOURCE: res.name}, timeout=budget(res, 10))
    return [c["name"] for c in found if is_ours(c, res)]


def present(res, drv, cfg) -> bool:
    """Every configured data container is here, ours and made from what is configured now
    (a stopped container reused by ``Reuse`` mounts them again)."""
    for addon in cfg.addons:
        info = drv.inspect(addon["name"], timeout=budget(res, 10))
        if info is None or not is_ours(info, res):
            return False
        if info["labels"].get(LABEL_SPEC) != labels(res, addon)[LABEL_SPEC]:
            return False
    return True


def remove(res, drv) -> None:
    """Remove this resource's data containers with their volumes (copies of their images,
    never data); AgentError when one stays."""
    from vxha.agents.drivers.fakestate import DriverError

    names = ours(res, drv)
    for name in names:
        try:
            drv.remove(name, timeout=budget(res, 15), volumes=True)
        except DriverError as exc:
            res.log.warning(f"data container {name}: {exc}", "ctr.addon")
    left = ours(res, drv) if names else []
    if left:
        raise AgentError(f"data containers {', '.join(left)} are still present")
    if names:
        res.log.info(f"data containers {', '.join(names)} removed", "ctr.addon")


def create(res, drv, cfg) -> None:
    """One data container per add-on and hotfix, in the order they apply."""
    for addon in cfg.addons:
        drv.create_data(
            addon["name"], addon["image"], addon["path"], labels(res, addon), budget(res, 30)
        )
    if cfg.addons:
        done = ", ".join(f"{a['id']}:{a['version']} at {a['path']}" for a in cfg.addons)
        res.log.info(f"container {cfg.name} receives {done} (read-only)", "ctr.addon")
