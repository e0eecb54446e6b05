"""What an image says it is, against what the resource expects (docs/container.md "Image
identity").

Images carry the platform's labels ``vxos.image.type``, ``vxos.image.version`` and, for
add-ons and hotfixes, ``vxos.parent.type``. The resource expects its image to be what its
own ``Labels`` say (the generator writes them from the server profile), and each add-on to
be the id and version its entry names, for this image type. A label contradicting that
fails online before anything is created; an image without the labels is accepted, and
said once per image on this system. Imported by online only.
"""

from __future__ import annotations

from vxha.agents import statefile
from vxha.agents.container import budget
from vxha.agents.framework import AgentError

TYPE = "vxos.image.type"
VERSION = "vxos.image.version"
PARENT = "vxos.parent.type"


def state_name(res) -> str:
    return f"Container.{res.name}.unlabelled"


def check(res, drv, cfg) -> None:
    """Refuse an image (the container's or an add-on's) whose labels say it is another."""
    expected = {k: cfg.labels[k] for k in (TYPE, VERSION) if cfg.labels.get(k)}
    info = _info(res, drv, cfg.image, "Image")
    _compare(res, f"image {cfg.image}", info, expected, "Image", "the resource's Labels")
    parent = cfg.labels.get(TYPE)
    for addon in cfg.addons:
        attr = "Hotfixes" if addon["kind"] == "hotfix" else "AddOns"
        what = f"{'hotfix' if addon['kind'] == 'hotfix' else 'add-on'} image {addon['image']}"
        info = _info(res, drv, addon["image"], attr)
        _compare(res, what, info, {TYPE: addon["id"], VERSION: addon["version"]}, attr, attr)
        said = info["labels"].get(PARENT)
        if parent and said and parent not in [p.strip() for p in said.split(",")]:
            raise AgentError(
                f"{what} says {PARENT}={said}, but it is attached to a container of image type"
                f" {parent}: refused; attach it to a server of its parent type",
                attr,
            )
        if info["volumes"] and addon["path"] not in info["volumes"]:
            raise AgentError(
                f"{what} declares its files at {', '.join(info['volumes'])} (VOLUME), but"
                f" {attr} expects {addon['path']}: refused; correct the profile or the image",
                attr,
            )


def _info(res, drv, image: str, attr: str) -> dict:
    info = drv.image_info(image, timeout=budget(res, 10))
    if info is None:
        raise AgentError(f"image {image} is not present on this system", attr)
    return info


def _compare(res, what: str, info: dict, expected: dict, attr: str, source: str) -> None:
    said = info.get("labels") or {}
    for key, want in expected.items():
        if key in said and said[key] != want:
            raise AgentError(
                f"{what} says {key}={said[key]}, but {source} expect {key}={want}: refused"
                " (an image tagged under another's name?); load the right image",
                attr,
            )
    missing = [k for k in expected if k not in said]
    if missing:
        _say_once(res, info.get("id") or what, f"{what} has no label {', '.join(missing)}:"
                  " its identity is not checked; accepted")  # fmt: skip


def _say_once(res, image_id: str, text: str) -> None:
    """Log an unlabelled image once per image on this system, not at every online."""
    name = state_name(res)
    try:
        seen = (statefile.read(res.ctx, name) or "").split()
    except OSError:
        seen = []
    if image_id in seen:
        return
    res.log.notice(text, "ctr.identity")
    try:
        statefile.write(res.ctx, name, "\n".join(seen + [image_id]) + "\n")
    except OSError:
        pass
