"""Add-on and hotfix images a server profile attaches (schema 1.2.0 ``addons``,
``hotfixes``): resolved against the catalog and checked (docs/profiles.md "Add-ons and
hotfixes"). Each check is a lookup per attached image: linear in the profiles."""

from __future__ import annotations

from typing import List, Tuple

from . import checks
from .catalog import Catalog
from .loader import Doc
from .model import AddOn, System
from .units import version_key

KINDS = (("addons", "add-on"), ("hotfixes", "hotfix"))


def resolve_addons(
    doc: Doc, data: dict, eff: dict, catalog: Catalog, image_id: str, mounts: list
) -> Tuple[List[AddOn], List[AddOn]]:
    """(add-ons as listed, hotfixes in version order); problems go to ``doc``. ``mounts``:
    the server's (their container paths must not meet an add-on's)."""
    if not any(data.get(key) for key, _ in KINDS):
        return [], []
    for key, _ in KINDS:
        for entry in data.get(key, []):
            catalog.image(entry["image"])
    catalog.check()  # the attached images' own profiles, checked before they are used
    app = eff.get("application", "")
    accepted = set(eff.get("child_types", []))
    seen = set()
    out = {"add-on": [], "hotfix": []}
    paths = [(None, m.container_path) for m in mounts]
    for key, kind in KINDS:
        for i, entry in enumerate(data.get(key, [])):
            where = (key, i)
            ident, version = entry["image"], entry["version"]
            if ident in seen:
                doc.report(where + ("image",), f"image {ident!r} is attached twice",
                           "attach each add-on or hotfix once")  # fmt: skip
                continue
            seen.add(ident)
            addon = _attach(doc, where, catalog, kind, ident, version, image_id)
            if addon is None:
                continue
            if ident not in accepted:
                doc.report(
                    where + ("image",),
                    f"application {app!r} of image {image_id!r} does not accept {kind} {ident!r}",
                    f"add {ident} to child_types of image {image_id}, or to override.child_types"
                    f" of application {app}",
                )
                continue
            out[kind].append(addon)
            paths.append((where, addon.path))
    for where, msg in checks.overlap_problems(paths):
        if where is not None:
            doc.report(
                where,
                f"its volume: {msg}",
                "each add-on and hotfix needs a path of its own, outside the mounts",
            )
    hotfixes = sorted(out["hotfix"], key=lambda a: (version_key(a.version), a.image))
    return out["add-on"], hotfixes


def _attach(doc: Doc, where: tuple, catalog: Catalog, kind: str, ident: str, version: str,
            parent: str):  # fmt: skip
    """The AddOn for one entry, or None with its problem reported."""
    image = catalog.image(ident)
    if image is None:
        doc.report(
            where + ("image",),
            f"unknown image {ident!r}: no directory {catalog.root}/{ident}",
            "known images: " + (", ".join(catalog.image_ids()) or "none"),
        )
        return None
    vdoc = image.versions.get(version)
    if vdoc is None:
        doc.report(
            where + ("version",),
            f"image {ident!r} has no version {version!r}",
            "known versions: " + ", ".join(image.version_list()),
        )
        return None
    if vdoc.errors:
        doc.report(where, f"the profile of {ident} {version} has errors",
                   f"fix the errors reported for {vdoc.path}")  # fmt: skip
        return None
    itype = vdoc.data.get("type")
    if itype != kind:
        hint = {"add-on": "list it under addons", "hotfix": "list it under hotfixes"}
        doc.report(
            where + ("image",),
            f"image {ident!r} is of type {itype}, not {kind}",
            hint.get(itype, f"only {kind} images are attached here"),
        )
        return None
    data = vdoc.data
    parents = data.get("parent_types", [])
    if parent not in parents:
        doc.report(
            where + ("image",),
            f"{kind} {ident} {version} extends {', '.join(parents) or 'no image'}, "
            f"not this server's image {parent!r}",
            "attach it to a server of its parent type",
        )
        return None
    if not data.get("volume"):
        doc.report(
            where,
            f"{kind} {ident} {version} declares no volume: where its files appear is unknown",
            f"add volume: <the path of its VOLUME> to {vdoc.path} (schema 1.2.0)",
        )
        return None
    reference = data.get("reference") or f"{ident}:{version}"
    return AddOn(kind, ident, version, data["volume"], reference)


def check_loaded(doc: Doc, data: dict, addons: List[AddOn], systems: List[System]) -> None:
    """Every system of the server's SystemList has each attached image loaded (a system
    that lists no images is not known to lack any)."""
    for key, kind in KINDS:
        index = {e["image"]: i for i, e in enumerate(data.get(key, []))}
        for a in addons:
            if a.kind != kind:
                continue
            want = f"{a.image}:{a.version}"
            lacking = [s.name for s in systems if s.images and want not in s.images]
            if lacking:
                doc.report(
                    (key, index[a.image]),
                    f"{a.kind} {want} is not loaded on {', '.join(lacking)}, which may host"
                    " this server",
                    "load it there (the system's images in the cluster description), or leave"
                    " those systems out of systems",
                )
