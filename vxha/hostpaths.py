"""The node's own paths: one list for the profiles and the agents, prefix-aware.

It lives in the root package and imports nothing, because both ends need it and neither
may import the other: profiles import nothing else of vxha (they stay independent of the
cluster manager, so not even ``vcs_types``), agents import only ``vcs_types``. A list of the
host's system directories is neither VCS's configuration language nor a profile rule: it
describes the Linux node, below every layer.
"""

from __future__ import annotations


class PathList:
    """System paths in two kinds: *trees*, whose every descendant belongs to the node too
    (``/etc/cron.d``), and *directories*, which the node needs as they are while what lies
    below them is the admin's (``/srv/data``, ``/var/lib/pgsql``)."""

    __slots__ = ("trees", "dirs")

    def __init__(self, trees, dirs):
        self.trees = tuple(trees)
        self.dirs = frozenset(dirs)

    def match(self, path: str) -> str | None:
        """The system path ``path`` is, or lies under; None when it is the admin's."""
        if path in self.dirs:
            return path
        if not path.startswith(self.trees):
            return None  # every tree at once in C: the common answer for a profile's paths
        for tree in self.trees:
            if path == tree or path.startswith(tree + "/"):
                return tree
        return None

    def gives_the_node(self, path: str) -> str | None:
        """For a host path handed to a container: the system path it is, lies under, or
        contains (``/var`` holds ``/var/run/docker.sock``); None when it gives nothing."""
        hit = self.match(path)
        if hit is not None:
            return hit
        prefix = path.rstrip("/") + "/"
        for tree in self.trees:
            if tree.startswith(prefix):
                return tree
        return None

    def __contains__(self, path: str) -> bool:
        return self.match(path) is not None


# On the host: never a mount point (CFSMount, server profiles' host_path), and never
# handed to a container without the server profile's node_access grant.
SYSTEM_PATHS = PathList(
    trees=(
        "/bin",
        "/boot",
        "/dev",
        "/etc",
        "/lib",
        "/lib32",
        "/lib64",
        "/libx32",
        "/opt/VRTS",
        "/opt/VRTSvcs",
        "/proc",
        "/root",
        "/run",
        "/sbin",
        "/sys",
        "/usr",
        "/var/VRTSvcs",
        "/var/lib/containers",
        "/var/lib/docker",
        "/var/run",
    ),
    dirs=(
        "/",
        "/home",
        "/media",
        "/mnt",
        "/opt",
        "/srv",
        "/tmp",
        "/var",
        "/var/cache",
        "/var/lib",
        "/var/log",
        "/var/spool",
        "/var/tmp",
    ),
)

# Inside a container: mounting over these breaks the image itself, or (the kernel's
# interfaces) reaches the node.
CONTAINER_SYSTEM_PATHS = PathList(
    trees=("/dev", "/proc", "/sys"),
    dirs=("/", "/bin", "/etc", "/lib", "/lib64", "/sbin", "/usr"),
)
