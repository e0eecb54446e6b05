"""Image directories and their application profiles, checked, and the effective
specification of an application at one image version (image -> application inheritance).

Layout of an image root::

    <root>/<image-id>/display-name.txt          the image's display name, one line
    <root>/<image-id>/<version>.yaml            one file per image version
    <root>/<image-id>/applications/<name>.yaml  application (server-type) profiles
"""

from __future__ import annotations

import copy
import os
import re
from typing import Any, Dict, List, Optional, Tuple

from vxha import imageref

from . import checks
from .loader import Doc, LoadFailed, load_doc, read_text
from .model import Problem
from .schemas import check_schema
from .units import SIZE_HINT, parse_size, version_key

DISPLAY_NAME_FILE = "display-name.txt"
_IMAGE_ID = re.compile(r"^[a-z][a-z0-9-]{0,62}$")
_UNSEEN = object()  # an image id not looked up yet
APPLICATIONS_DIR = "applications"
PROFILE_SUFFIXES = (".yaml", ".yml", ".json")


def is_image_dir(path: str) -> bool:
    return os.path.isfile(os.path.join(path, DISPLAY_NAME_FILE))


def not_an_image_dir(path: str) -> Problem:
    """The one problem of an image's directory that lacks its display name file."""
    return Problem(
        path,
        0,
        "",
        f"no {DISPLAY_NAME_FILE}: without it this is not an image directory",
        f"add {DISPLAY_NAME_FILE} holding the image's display name on one line",
    )


def profile_files(folder: str) -> List[str]:
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return []
    # os.path.join's result for every name (none holds a separator), without a call a name:
    # a directory of profiles holds thousands
    prefix = os.path.join(folder, "")
    return [prefix + n for n in names if n.endswith(PROFILE_SUFFIXES)]


class Image:
    """One image directory: display name, versions and applications."""

    def __init__(self, image_id: str, path: str):
        self.id = image_id
        self.path = path
        self.display_name = image_id
        self.versions: Dict[str, Doc] = {}
        self.applications: Dict[str, Doc] = {}
        # file stems of version and application files that could not be read: their
        # problem is reported once, not again as a missing version or application
        self.unreadable: set = set()
        self.unreadable_applications: set = set()
        self.problems: List[Problem] = []
        self._ordered: tuple = ((), [])  # (versions, sorted) of version_list's last answer

    def version_list(self) -> List[str]:
        # asked for every server of the image: sorted again only when the versions change
        versions = tuple(self.versions)
        if self._ordered[0] != versions:
            self._ordered = (versions, sorted(versions, key=version_key))
        return list(self._ordered[1])

    def newest(self) -> Optional[Doc]:
        versions = self.version_list()
        return self.versions[versions[-1]] if versions else None

    def type(self) -> Optional[str]:
        """The image type, or None when unknown (no version file, or it has errors)."""
        doc = self.newest()
        if doc is None or doc.errors or not isinstance(doc.data, dict):
            return None
        return doc.data.get("type")

    def internal(self) -> bool:
        doc = self.newest()
        return bool(doc and isinstance(doc.data, dict) and doc.data.get("internal"))

    def docs(self) -> List[Doc]:
        return list(self.versions.values()) + list(self.applications.values())


class Catalog:
    """The images under one root, loaded on first use and checked once."""

    def __init__(self, root: str, up_to: Optional[str] = None):
        self.root = root
        self.up_to = up_to
        self.images: Dict[str, Optional[Image]] = {}
        self.problems: List[Problem] = []  # problems not tied to one profile document
        self._effective: Dict[Tuple[str, str, str], Optional[dict]] = {}
        # (image, version, application) -> (its effective spec, what servers.py derives
        # from it once for all servers of that application)
        self.derived: Dict[Tuple[str, str, str], Tuple[dict, Any]] = {}
        self._checked: set = set()
        self._images_checked = 0  # how many entries of ``images`` the last check() saw

    def image_ids(self) -> List[str]:
        try:
            names = sorted(os.listdir(self.root))
        except OSError:
            return []
        return [n for n in names if is_image_dir(os.path.join(self.root, n))]

    def load_all(self) -> None:
        for image_id in self.image_ids():
            self.image(image_id)

    def image(self, image_id: str) -> Optional[Image]:
        # asked several times for every server: an id seen before was checked then
        if image_id.__class__ is str:
            known = self.images.get(image_id, _UNSEEN)
            if known is not _UNSEEN:
                return known
        # Ids name directories: never let one walk out of the root.
        if not isinstance(image_id, str) or not _IMAGE_ID.match(image_id):
            return None
        if image_id not in self.images:
            path = os.path.join(self.root, image_id)
            self.images[image_id] = self._load_image(image_id, path) if is_image_dir(path) else None
            if self.images[image_id] is None and os.path.isdir(path):
                self.problems.append(not_an_image_dir(path))
        return self.images[image_id]

    def all_docs(self) -> List[Doc]:
        return [d for img in self.images.values() if img for d in img.docs()]

    def all_problems(self) -> List[Problem]:
        out = list(self.problems)
        for img in self.images.values():
            if img:
                out.extend(img.problems)
                for doc in img.docs():
                    out.extend(doc.problems)
        return out

    # -- loading -------------------------------------------------------------------------

    def _load(self, path: str, kind: str, image: Image) -> Optional[Doc]:
        """The profile at ``path``, or None: then its one problem is the image's, and the
        version or application it names is recorded as unreadable (not "missing")."""
        base = os.path.basename(path)
        try:
            doc = load_doc(path, self.root)
        except LoadFailed as exc:
            image.problems.append(exc.problem)
            (image.unreadable if kind == "image" else image.unreadable_applications).add(
                os.path.splitext(base)[0]
            )
            return None
        stated = doc.data.get("kind") if isinstance(doc.data, dict) else None
        if stated != kind and stated in ("image", "application"):
            # one error for a file in the wrong folder, not one per key its schema lacks
            right = os.path.join(image.path, APPLICATIONS_DIR, base)
            if stated == "image":
                right = os.path.join(image.path, base)
            where = "version files" if kind == "image" else "applications"
            doc.report(
                ("kind",), f"an {stated} profile among the image's {where}", f"move it to {right}"
            )
            image.problems.extend(doc.problems)
            (image.unreadable if stated == "image" else image.unreadable_applications).add(
                os.path.splitext(base)[0]
            )
            return None
        check_schema(doc, kind, self.up_to)
        return doc

    def _load_image(self, image_id: str, path: str) -> Image:
        image = Image(image_id, path)
        name_file = os.path.join(path, DISPLAY_NAME_FILE)
        try:
            text = read_text(name_file, self.root).strip()
            if not text or "\n" in text:
                image.problems.append(
                    Problem(name_file, 1, "", "the display name file must hold one line")
                )
            image.display_name = text.splitlines()[0] if text else image_id
        except LoadFailed as exc:
            image.problems.append(exc.problem)
        for file in profile_files(path):
            doc = self._load(file, "image", image)
            if doc is None:
                continue
            stem = os.path.splitext(os.path.basename(file))[0]
            data = doc.data if isinstance(doc.data, dict) else {}
            if data.get("id", image_id) != image_id:
                doc.report(
                    ("id",),
                    f"id {data.get('id')!r} differs from the directory name {image_id!r}",
                    f"an image directory is named after its id: write id: {image_id}",
                )
            version = data.get("version")
            if isinstance(version, str) and version != stem:
                doc.report(
                    ("version",),
                    f"version {version!r} differs from the file name {os.path.basename(file)!r}",
                    f"name the file {version}.yaml",
                )
            key = version if isinstance(version, str) else stem
            if key in image.versions:
                doc.report(
                    ("version",),
                    f"version {key!r} is described twice",
                    "keep one file per image version",
                )
                continue
            image.versions[key] = doc
        if not image.versions and not image.unreadable:
            image.problems.append(
                Problem(
                    path,
                    0,
                    "",
                    "the image directory has no version file",
                    "add <version>.yaml with the image's profile, e.g. 1.0.yaml",
                )
            )
        for file in profile_files(os.path.join(path, APPLICATIONS_DIR)):
            doc = self._load(file, "application", image)
            if doc is None:
                continue
            name = doc.data.get("name") if isinstance(doc.data, dict) else None
            stem = os.path.splitext(os.path.basename(file))[0]
            if isinstance(name, str) and name != stem:
                doc.report(
                    ("name",),
                    f"name {name!r} differs from the file name",
                    f"name the file {name}.yaml",
                )
            key = name if isinstance(name, str) else stem
            if key in image.applications:
                doc.report(
                    ("name",),
                    f"application {key!r} is described twice",
                    "keep one file per application",
                )
                continue
            image.applications[key] = doc
        return image

    # -- checks --------------------------------------------------------------------------

    def check(self) -> None:
        """Semantic checks of every image loaded so far, each once. Checking one image may
        load others (parents, dependencies): they are checked in the same call."""
        # asked for every server: nothing to do while no image was loaded since the last call
        if len(self.images) == self._images_checked:
            return
        while True:
            self._images_checked = len(self.images)
            todo = [i for k, i in self.images.items() if i and k not in self._checked]
            if not todo:
                return
            for image in todo:
                self._checked.add(image.id)
                for doc in image.versions.values():
                    if not doc.errors:
                        self._check_image_version(image, doc)
                for doc in image.applications.values():
                    if not doc.errors:
                        self._check_application(image, doc)

    def _check_image_version(self, image: Image, doc: Doc) -> None:
        data = doc.data
        known = set(image.versions)
        for key in ("upgrade_from", "downgrade_to"):
            for i, v in enumerate(data.get(key, [])):
                if v not in known:
                    doc.report(
                        (key, i),
                        f"version {v!r} is not one of the image's versions "
                        f"({', '.join(image.version_list())})",
                        f"add {v}.yaml to {image.path}, or remove it from {key}",
                    )
        itype = data.get("type")
        if itype in ("add-on", "hotfix"):
            parents = data.get("parent_types", [])
            if not parents:
                doc.report(
                    ("parent_types",),
                    f"{'an' if itype == 'add-on' else 'a'} {itype} image must name its parent type",
                    "add parent_types: [<application image id>]",
                )
            for i, parent in enumerate(parents):
                target = self.image(parent)
                if target is None:
                    doc.report(
                        ("parent_types", i),
                        f"parent type {parent!r} is not an image in {self.root}",
                        "known images: " + ", ".join(self.image_ids()),
                    )
                elif target.type() != "application":
                    doc.report(
                        ("parent_types", i),
                        f"parent type {parent!r} is of type {target.type()}, not application",
                        "add-ons and hotfixes extend application images",
                    )
        volume = data.get("volume")
        if volume is not None and itype not in ("add-on", "hotfix"):
            doc.report(
                ("volume",),
                f"only add-on and hotfix images have a volume; this image is of type {itype}",
                "remove volume (an application's file systems are its mounts)",
            )
        elif volume is not None:
            why = checks.path_problem(volume, checks.CONTAINER_SYSTEM_PATHS)
            if why:
                doc.report(
                    ("volume",),
                    why,
                    "the path of the image's VOLUME, where its files appear in the parent's"
                    " container, e.g. /opt/plugins/s3",
                )
        self._check_needs(doc, data, ())
        check_labels(doc, data.get("labels", {}))
        check_env_names(doc, data.get("env", {}))
        ref = data.get("reference")
        if ref is not None and not imageref.is_reference(ref):
            doc.report(
                ("reference",),
                f"{ref!r} is not an image reference",
                "[registry-host[:port]/]name[:tag][@sha256:digest], e.g. registry.local/pg:15",
            )
        for i, dep in enumerate(data.get("dependencies", [])):
            self._check_dependency(doc, ("dependencies", i), dep)

    def _check_needs(self, doc: Doc, data: dict, base: tuple) -> None:
        ports = data.get("ports", [])
        seen: Dict[Tuple[int, str], int] = {}
        for i, p in enumerate(ports):
            num, proto = port_of(p)
            if (num, proto) in seen:
                doc.report(
                    base + ("ports", i),
                    f"port {num}/{proto} is listed twice",
                    "list each port once",
                )
            seen[(num, proto)] = i
        if data.get("ssh") and "ssh_port" not in data:
            doc.report(
                base + ("ssh",),
                "SSH is needed but no SSH port is given",
                "add ssh_port: 22 (the container's SSH port)",
            )
        mounts = data.get("mounts", [])
        names: Dict[str, int] = {}
        paths = []
        for i, m in enumerate(mounts):
            where = base + ("mounts", i)
            if m["name"] in names:
                doc.report(
                    where + ("name",),
                    f"mount name {m['name']!r} is used twice",
                    "give each mount its own name",
                )
            names[m["name"]] = i
            why = checks.path_problem(m["path"], checks.CONTAINER_SYSTEM_PATHS)
            if why:
                doc.report(
                    where + ("path",),
                    why,
                    "mount points are absolute, normalized "
                    "paths such as /data, outside the image's system directories",
                )
            else:
                paths.append((where + ("path",), m["path"]))
            if "min_size" in m:
                try:
                    parse_size(m["min_size"])
                except ValueError as exc:
                    doc.report(where + ("min_size",), str(exc), SIZE_HINT)
        for where, msg in checks.overlap_problems(paths):
            doc.report(where, msg, "give each mount its own directory, side by side")
        res = data.get("resources", {})
        sizes = {}
        for key in ("min", "default"):
            mem = res.get("memory", {}).get(key)
            if mem is not None:
                try:
                    sizes[key] = parse_size(mem)
                except ValueError as exc:
                    doc.report(base + ("resources", "memory", key), str(exc), SIZE_HINT)
        # the default is what a server without load: gets: below the minimum, every such
        # server would be refused for the profile's mistake
        cpus = res.get("cpus", {})
        for what, low, default in (
            ("cpus", cpus.get("min"), cpus.get("default")),
            ("memory", sizes.get("min"), sizes.get("default")),
        ):
            if low is not None and default is not None and default < low:
                written = res[what]
                doc.report(
                    base + ("resources", what, "default"),
                    f"default {written['default']} is below the minimum {written['min']}",
                    f"make resources.{what}.default at least resources.{what}.min",
                )

    def _check_dependency(self, doc: Doc, where: tuple, dep: dict) -> None:
        target = self.image(dep["image"])
        if target is None:
            doc.report(
                where + ("image",),
                f"depends on image {dep['image']!r}, which is not in {self.root}",
                "known images: " + ", ".join(self.image_ids()),
            )
            return
        if target.internal() and dep.get("requirement") == "optional":
            doc.report(
                where + ("requirement",),
                f"{dep['image']!r} is an internal image: a dependency on it is always mandatory",
                "remove requirement: optional",
            )

    def _check_application(self, image: Image, doc: Doc) -> None:
        data = doc.data
        if data["image"] != image.id:
            doc.report(
                ("image",),
                f"image {data['image']!r} differs from the image directory {image.id!r}",
                f"write image: {image.id}",
            )
        itype = image.type()
        if itype is not None and itype != "application":
            doc.report(
                ("image",),
                f"only application images run servers; {image.id!r} is of type {itype}",
                "remove this application profile",
            )
        for i, v in enumerate(data.get("image_versions", [])):
            if v not in image.versions:
                doc.report(
                    ("image_versions", i),
                    f"image version {v!r} is not one of {', '.join(image.version_list())}",
                    f"add {v}.yaml to the image directory, or remove it here",
                )
        override = data.get("override", {})
        check_env_names(doc, override.get("env", {}), ("override",))
        for i, dep in enumerate(override.get("dependencies", [])):
            self._check_dependency(doc, ("override", "dependencies", i), dep)
        # Removals must name things the image has: a typo would silently keep them.
        newest = image.newest()
        base = newest.data if newest and not newest.errors else None
        if base is not None:
            removable = {
                "mounts": {m["name"] for m in base.get("mounts", [])},
                "ports": {port_of(p)[0] for p in base.get("ports", [])},
                "dependencies": {d["image"] for d in base.get("dependencies", [])},
                "env": set(base.get("env", {})),
                "startup": set(base.get("startup", [])),
                "child_types": set(base.get("child_types", [])),
            }
            for key, values in data.get("remove", {}).items():
                for i, v in enumerate(values):
                    if v not in removable.get(key, set()):
                        doc.report(
                            ("remove", key, i),
                            f"removes {v!r} from {key}, but image {image.id!r} has no such entry",
                            "known: " + ", ".join(map(str, sorted(removable[key], key=str))),
                        )
        inputs = data.get("inputs", [])
        names: Dict[str, int] = {}
        envs: Dict[str, int] = {}
        for i, inp in enumerate(inputs):
            if inp["name"] in names:
                doc.report(
                    ("inputs", i, "name"),
                    f"input {inp['name']!r} is declared twice",
                    "give each input its own name",
                )
            names[inp["name"]] = i
            if inp["env"] in envs:
                doc.report(
                    ("inputs", i, "env"),
                    f"environment variable {inp['env']!r} is used by two inputs",
                    "give each input its own environment variable",
                )
            envs[inp["env"]] = i
            if inp["type"] == "choice" and not inp.get("choices"):
                doc.report(
                    ("inputs", i), "a choice input needs choices", "add choices: [first, second]"
                )
            if "default" in inp:
                why, _ = checks.input_value(inp["type"], inp["default"], inp.get("choices"))
                if why:
                    doc.report(
                        ("inputs", i, "default"),
                        f"default does not fit type {inp['type']}: {why}",
                        "change the default or the type",
                    )
        self._check_effective(image, doc)

    def _check_effective(self, image: Image, doc: Doc) -> None:
        data = doc.data
        for version in data.get("image_versions") or image.version_list():
            if version not in image.versions:
                continue
            eff = self.effective(image.id, version, data["name"])
            if eff is None:
                continue
            override = data.get("override", {})
            shadow = Doc(doc.path, eff, {})
            self._check_needs(shadow, eff, ())
            for p in shadow.problems:
                # Report merged-spec problems at the application's override when it has one.
                key = p.key_path.split("[")[0].split(".")[0]
                line, col = doc.where(("override", key) if key in override else ())
                doc.problems.append(
                    Problem(
                        doc.path,
                        line,
                        p.key_path,
                        f"{p.message} (after inheriting image {image.id} {version})",
                        p.hint,
                        col,
                    )
                )
            if eff.get("privileged") and eff.get("instances", {}).get("privileged", 0) < 1:
                doc.report(
                    ("override", "privileged"),
                    f"the application is privileged but "
                    f"image {image.id} {version} allows no privileged instances",
                    "set instances: {privileged: N} in the image profile",
                )
            if eff.get("privileged") and eff.get("relocatable") is True:
                doc.report(
                    ("override", "relocatable"),
                    "privileged implies not relocatable",
                    "remove relocatable: true",
                )

    # -- inheritance ---------------------------------------------------------------------

    def effective(self, image_id: str, version: str, app: str) -> Optional[dict]:
        """The image version's profile with the application's overrides and removals."""
        key = (image_id, version, app)
        if key not in self._effective:
            self._effective[key] = self._merge(image_id, version, app)
        eff = self._effective[key]
        # The merged spec is checked after it is built: errors found then void it too.
        image = self.image(image_id)
        if eff is None or image is None:
            return None
        vdoc, adoc = image.versions.get(version), image.applications.get(app)
        if vdoc is None or adoc is None or vdoc.errors or adoc.errors:
            return None
        return eff

    def _merge(self, image_id: str, version: str, app: str) -> Optional[dict]:
        image = self.image(image_id)
        if image is None:
            return None
        vdoc, adoc = image.versions.get(version), image.applications.get(app)
        if vdoc is None or adoc is None or vdoc.errors or adoc.errors:
            return None
        eff = copy.deepcopy(vdoc.data)
        adata = adoc.data
        eff["application"] = app
        eff["display_name"] = (
            adata.get("display_name") or eff.get("display_name") or image.display_name
        )
        for key, value in adata.get("override", {}).items():
            value = copy.deepcopy(value)
            if key == "mounts":
                eff["mounts"] = _merge_by(eff.get("mounts", []), value, "name")
            elif key == "dependencies":
                eff["dependencies"] = _merge_by(eff.get("dependencies", []), value, "image")
            elif key in ("env", "needs", "instances"):
                eff[key] = dict(eff.get(key, {}), **value)
            elif key == "resources":
                res = eff.setdefault("resources", {})
                for sub, val in value.items():
                    res[sub] = dict(res.get(sub, {}), **val)
            else:
                eff[key] = value
        for key, values in adata.get("remove", {}).items():
            drop = set(values)
            if key == "mounts":
                eff["mounts"] = [m for m in eff.get("mounts", []) if m["name"] not in drop]
            elif key == "ports":
                eff["ports"] = [p for p in eff.get("ports", []) if port_of(p)[0] not in drop]
            elif key == "dependencies":
                eff["dependencies"] = [
                    d for d in eff.get("dependencies", []) if d["image"] not in drop
                ]
            elif key == "env":
                eff["env"] = {k: v for k, v in eff.get("env", {}).items() if k not in drop}
            elif key == "startup":
                eff["startup"] = [c for c in eff.get("startup", []) if c not in drop]
            elif key == "child_types":
                eff["child_types"] = [c for c in eff.get("child_types", []) if c not in drop]
        eff["inputs"] = copy.deepcopy(adata.get("inputs", []))
        return eff


def check_labels(doc: Doc, labels: Dict[str, str]) -> None:
    """Label names the Container agent accepts: no spaces, and not its own vxha.* ones."""
    for key in labels:
        if not key or any(c.isspace() for c in key):
            doc.report(
                ("labels", key),
                f"{key!r} is not a label name",
                "use a dotted name without spaces, e.g. com.example.team",
            )
        elif key.startswith("vxha."):
            doc.report(
                ("labels", key),
                f"{key!r}: vxha.* labels belong to the Container agent",
                "use your own prefix, e.g. com.example.team",
            )


def check_env_names(doc: Doc, env: Dict[str, Any], base: tuple = ()) -> None:
    """Variable names the Container agent accepts (its ``Env`` check, the same grammar), so
    a name it would refuse at online is an error here: letters, digits and _, not a digit
    first."""
    for key in env:
        if not imageref.env_name(key):
            doc.report(
                base + ("env", key),
                f"{key!r} is not an environment variable name",
                "letters, digits and _, not a digit first, e.g. WEB_MODE",
            )


def port_of(p: Any) -> Tuple[int, str]:
    if isinstance(p, dict):
        return p["port"], p.get("proto", "tcp")
    return p, "tcp"


def _merge_by(base: List[dict], extra: List[dict], key: str) -> List[dict]:
    out = [dict(b) for b in base]
    index = {b[key]: i for i, b in enumerate(out)}
    for e in extra:
        if e[key] in index:
            out[index[e[key]]] = e
        else:
            index[e[key]] = len(out)
            out.append(e)
    return out
