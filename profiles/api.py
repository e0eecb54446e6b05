"""Loading and validating sets of profiles: what ``load_servers``, ``load_cluster`` and
``vxha validate`` share. Every problem is collected; nothing stops at the first one."""

from __future__ import annotations

import contextlib
import gc
import os
from typing import Iterable, List, Optional, Sequence, Tuple

from .catalog import (
    APPLICATIONS_DIR,
    DISPLAY_NAME_FILE,
    Catalog,
    is_image_dir,
    not_an_image_dir,
    profile_files,
)
from .cluster import build_cluster
from .loader import Doc, LoadFailed, check_inside, load_doc
from .model import Cluster, Problem, ProfileError, Server
from .schemas import KINDS, check_schema, kind_of
from .servers import Resolved, cross_check, resolve_server

IMAGES_DIR = "images"


@contextlib.contextmanager
def no_cyclic_gc():
    """Pause the cyclic garbage collector while loading: profiles are acyclic data, and
    full collections over thousands of loaded profiles made validation grow faster than
    linearly (about 12% of the time at 5,000 servers)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class Session:
    """One validation run over any mix of image directories, applications, servers and a
    cluster description."""

    def __init__(self, image_root: Optional[str] = None, up_to: Optional[str] = None):
        self.image_root = image_root
        self.up_to = up_to
        self.catalogs: dict = {}
        self._absolute: dict = {}  # root as given -> its absolute path
        self.server_docs: List[Doc] = []
        # Servers read only so that the ones asked about can bind their dependencies:
        # resolved first, their own problems not reported.
        self.context_docs: List[Doc] = []
        self.other_docs: List[Doc] = []
        self.cluster_doc: Optional[Doc] = None
        self.cluster: Optional[Cluster] = None
        self.problems: List[Problem] = []
        self.resolved: List[Resolved] = []
        self.files = 0
        # what the paths given named, so a file or directory named twice (a directory and
        # a glob of it) is read once: absolute paths
        self._named_files: set = set()
        self._walked: set = set()

    # -- gathering -----------------------------------------------------------------------

    def catalog(self, root: str) -> Catalog:
        # asked for every server: the same root string is made absolute once
        key = self._absolute.get(root)
        if key is None:
            key = self._absolute[root] = os.path.abspath(root)
        if key not in self.catalogs:
            self.catalogs[key] = Catalog(root, self.up_to)
        return self.catalogs[key]

    def _read(self, path: str, root: Optional[str]) -> Optional[Doc]:
        self.files += 1
        try:
            return load_doc(path, root)
        except LoadFailed as exc:
            self.problems.append(exc.problem)
            return None

    def add_server(self, path: str, root: Optional[str] = None) -> None:
        doc = self._read(path, root)
        if doc is not None:
            self._add_doc(doc, "server")

    def add_context(self, directory: str) -> None:
        """Read the other server profiles of ``directory`` as context (see context_docs)."""
        seen = {os.path.abspath(d.path) for d in self.server_docs + self.context_docs}
        for f in profile_files(directory):
            if os.path.abspath(f) in seen:
                continue
            try:
                doc = load_doc(f, directory)
            except LoadFailed:
                continue
            if kind_of(doc.data, f) != "server":
                continue
            check_schema(doc, "server", self.up_to)
            self.context_docs.append(doc)

    def add_cluster(self, path: str, root: Optional[str] = None) -> None:
        # named by --cluster and found again in a directory given: read once
        self._named_files.add(os.path.abspath(path))
        doc = self._read(path, root)
        if doc is not None:
            self._add_doc(doc, "cluster")

    def add_image_dir(self, path: str) -> None:
        path = path.rstrip(os.sep) or os.sep
        root = os.path.dirname(path) or "."
        self.catalog(root).image(os.path.basename(os.path.abspath(path)))
        if self.image_root is None:
            self.image_root = root

    def add_image_root(self, path: str) -> None:
        self.catalog(path).load_all()
        if self.image_root is None:
            self.image_root = path

    def _add_doc(self, doc: Doc, kind: Optional[str]) -> None:
        if kind is None:
            kind = kind_of(doc.data, doc.path)
        elif doc.data.__class__ is dict and (
            doc.data.get("kind", kind) != kind or kind == "cluster"  # once a run: guess too
        ):
            stated = doc.data.get("kind") or kind_of(doc.data, doc.path)
            if stated in KINDS and stated != kind:
                # one error for a profile of another kind, not one per key its schema lacks
                wanted = "a cluster description" if kind == "cluster" else f"a {kind} profile"
                doc.report(
                    ("kind",),
                    f"{'an' if stated[0] in 'aeiou' else 'a'} {stated} profile where "
                    f"{wanted} is expected",
                    "--cluster names the cluster description (kind: cluster)"
                    if kind == "cluster"
                    else "give server profiles here, image profiles with --images",
                )
                self.other_docs.append(doc)
                return
        if kind is None:
            doc.report(
                (),
                "cannot tell what kind of profile this is",
                "add kind: server (or image, application, cluster)",
            )
            self.other_docs.append(doc)
            return
        if kind == "server":
            self.server_docs.append(doc)
            check_schema(doc, "server", self.up_to)
        elif kind == "cluster":
            check_schema(doc, "cluster", self.up_to)
            if self.cluster_doc is not None:
                doc.report(
                    (),
                    f"a second cluster description (the first is {self.cluster_doc.path})",
                    "validate one cluster at a time",
                )
                self.other_docs.append(doc)
                return
            self.cluster_doc = doc
        else:
            # An image or application file outside an image directory: schema checks only,
            # and when it lies where its image's directory would be, that directory lacks
            # its display name file: said once, for the directory.
            check_schema(doc, kind, self.up_to)
            self.other_docs.append(doc)
            folder = os.path.dirname(doc.path) or os.curdir
            if kind == "application" and os.path.basename(folder) == APPLICATIONS_DIR:
                folder = os.path.dirname(folder) or os.curdir
            data = doc.data if isinstance(doc.data, dict) else {}
            if data.get("id" if kind == "image" else "image") == os.path.basename(
                os.path.abspath(folder)
            ):
                self.problems.append(not_an_image_dir(folder))

    def add_path(self, path: str) -> None:
        """Any path given to ``vxha validate``: classified by place, then by content."""
        if not os.path.lexists(path):
            self.problems.append(Problem(path, 0, "", "no such file or directory"))
            return
        if os.path.isdir(path):
            if os.path.islink(path):
                self.problems.append(
                    Problem(
                        path,
                        0,
                        "",
                        "refusing a symbolic link to a directory",
                        "pass the directory itself",
                    )
                )
                return
            self._add_dir(path)
            return
        parent = os.path.dirname(os.path.abspath(path))
        if os.path.basename(path) == DISPLAY_NAME_FILE or is_image_dir(parent):
            self.add_image_dir(parent)
            return
        if os.path.basename(parent) == APPLICATIONS_DIR and is_image_dir(os.path.dirname(parent)):
            self.add_image_dir(os.path.dirname(parent))
            return
        absolute = os.path.abspath(path)
        if absolute in self._named_files or os.path.dirname(absolute) in self._walked:
            return
        self._named_files.add(absolute)
        doc = self._read(path, None)
        if doc is not None:
            self._add_doc(doc, None)

    def _add_dir(self, path: str) -> None:
        if is_image_dir(path):
            self.add_image_dir(path)
            return
        absolute = os.path.abspath(path)
        if absolute in self._walked:
            return
        self._walked.add(absolute)
        subdirs = []
        try:
            entries = sorted(os.listdir(path))
        except OSError as exc:
            self.problems.append(Problem(path, 0, "", f"cannot list: {exc.strerror}"))
            return
        if any(is_image_dir(os.path.join(path, e)) for e in entries):
            self.add_image_root(path)
        for file in profile_files(path):
            if os.path.isdir(file):
                continue
            if self._named_files and os.path.abspath(file) in self._named_files:
                continue
            doc = self._read(file, path)
            if doc is not None:
                self._add_doc(doc, None)
        for e in entries:
            full = os.path.join(path, e)
            if os.path.islink(full) and os.path.isdir(full):
                # A linked directory inside the tree is walked under its own name already.
                try:
                    check_inside(full, path)
                except LoadFailed as exc:
                    self.problems.append(exc.problem)
                continue
            if os.path.isdir(full) and not is_image_dir(full):
                subdirs.append(full)
        for d in subdirs:
            self._add_dir(d)

    # -- checking ------------------------------------------------------------------------

    def _image_root_for(self, doc: Doc) -> Optional[str]:
        if self.image_root is not None:
            return self.image_root
        # relative when the server's path is: problems name the image files as the
        # servers are named, whichever way the run found them
        here = os.path.dirname(doc.path) or os.curdir
        for candidate in (
            os.path.normpath(os.path.join(here, os.pardir, IMAGES_DIR)),
            os.path.join(here, IMAGES_DIR),
        ):
            if os.path.isdir(candidate):
                return candidate
        return None

    def run(self) -> None:
        if self.cluster_doc is not None and not self.cluster_doc.errors:
            self.cluster = build_cluster(self.cluster_doc)
        for doc in self.context_docs + self.server_docs:
            if doc.errors:
                self.resolved.append(Resolved(doc))
                continue
            root = self._image_root_for(doc)
            if root is None:
                doc.report(
                    (),
                    "cannot find the image profiles for this server",
                    "pass --images DIR (the directory holding one folder per image)",
                )
                self.resolved.append(Resolved(doc))
                continue
            catalog = self.catalog(root)
            catalog.image(doc.data["image"])
            catalog.check()
            self.resolved.append(resolve_server(doc, catalog))
        for catalog in self.catalogs.values():
            catalog.check()
        cross_check(self.resolved, self.cluster)

    def all_problems(self) -> List[Problem]:
        out = list(self.problems)
        for catalog in self.catalogs.values():
            out.extend(catalog.all_problems())
        for doc in self.server_docs + self.other_docs:
            out.extend(doc.problems)
        if self.cluster_doc is not None:
            out.extend(self.cluster_doc.problems)
        seen = set()
        unique = []
        for p in out:
            key = (p.file, p.line, p.column, p.key_path, p.message)
            if key not in seen:
                seen.add(key)
                unique.append(p)
        unique.sort(key=lambda p: (p.file, p.line, p.column))
        return unique

    def split(self) -> Tuple[List[Problem], List[Problem]]:
        problems = self.all_problems()
        return (
            [p for p in problems if p.severity == "error"],
            [p for p in problems if p.severity != "error"],
        )

    def asked(self) -> List[Resolved]:
        """The resolved server profiles asked about (not those read as context)."""
        context = {id(d) for d in self.context_docs}
        return [r for r in self.resolved if id(r.doc) not in context]

    def servers(self) -> List[Server]:
        return [r.server for r in self.asked() if r.server is not None]


def validate_paths(
    paths: Sequence[str],
    image_root: Optional[str] = None,
    cluster: Optional[str] = None,
    up_to: Optional[str] = None,
    with_context: bool = True,
) -> Session:
    """Check any mix of paths; the session holds the problems and the resolved servers."""
    session = Session(image_root, up_to)
    with no_cyclic_gc():
        if image_root is not None:
            session.add_image_root(image_root)
        if cluster is not None:
            session.add_cluster(cluster)
        for p in paths:
            session.add_path(p)
        if with_context:
            # A server profile named on its own is checked with its neighbours, so that its
            # dependencies bind as they will when the whole directory is generated.
            named = {}  # absolute directory -> as given (so problems name files alike)
            for p in paths:
                if os.path.isfile(p):
                    named.setdefault(os.path.dirname(os.path.abspath(p)), os.path.dirname(p))
            for d in sorted(named):
                if any(os.path.dirname(os.path.abspath(x.path)) == d for x in session.server_docs):
                    session.add_context(named[d] or os.curdir)
        session.run()
    if not session.files and not session.problems and paths:
        if not any(c.all_docs() for c in session.catalogs.values()):
            # "ok: 0 profile(s) checked" would pass a mistyped or wrong directory
            session.problems.append(
                Problem(
                    paths[0],
                    0,
                    "",
                    "no profiles found",
                    "profiles are files ending in .yaml, .yml or .json: name their directory",
                )
            )
    return session


def load_servers(
    paths: Iterable[str],
    image_root: Optional[str] = None,
    cluster: Optional[Cluster] = None,
    warnings: Optional[List[Problem]] = None,
    held: Optional[list] = None,
) -> List[Server]:
    """Effective server specifications, in the order given; raises ProfileError listing
    every problem (of the servers and of the image and application profiles they use).
    ``held``: a list kept to the process's end, which the session goes in (not freed)."""
    session = Session(image_root, None)
    if held is not None:
        held.append(session)
    paths = list(paths)
    # a file named twice (a directory and a file in it) is read once, as `vxha validate`
    # does; with one path (the usual directory) nothing can repeat
    seen: Optional[set] = set() if len(paths) > 1 else None
    with no_cyclic_gc():
        for p in paths:
            if os.path.isdir(p):
                files = [(f, p) for f in profile_files(p)]
            else:
                files = [(p, None)]
            for f, root in files:
                if seen is not None:
                    key = os.path.realpath(f)
                    if key in seen:
                        continue
                    seen.add(key)
                session.add_server(f, root)
        session.cluster = cluster
        session.run()
    errors, warns = session.split()
    if warnings is not None:
        warnings.extend(warns)
    if errors:
        raise ProfileError(errors, warns)
    return session.servers()


def load_cluster(path: str, warnings: Optional[List[Problem]] = None) -> Cluster:
    """The cluster description; raises ProfileError when it is invalid."""
    session = Session()
    session.add_cluster(path)
    session.run()
    errors, warns = session.split()
    if warnings is not None:
        warnings.extend(warns)
    if errors or session.cluster is None:
        raise ProfileError(errors or [Problem(path, 0, "", "not a cluster description")], warns)
    return session.cluster
