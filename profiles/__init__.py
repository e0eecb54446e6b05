"""vxha.profiles: image, application, server and cluster profiles; loading with inheritance,
semantic checks, compatibility between schema versions, and the validation tool.

The generator's interface (docs/interfaces.md)::

    cluster = load_cluster("cluster.yaml")
    servers = load_servers(["servers/a.yaml"], image_root="images/")
"""

from __future__ import annotations

import os

from .api import Session, load_cluster, load_servers, validate_paths
from .model import AddOn, Cluster, Dependency, Mount, Port, Problem, ProfileError, Server, System

# The shipped example profiles (images/, servers/, cluster.yaml): the demo and the
# generator's golden tests use them.
EXAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "examples")

__all__ = [
    "EXAMPLES",
    "AddOn",
    "Cluster",
    "Dependency",
    "Mount",
    "Port",
    "Problem",
    "ProfileError",
    "Server",
    "Session",
    "System",
    "load_cluster",
    "load_servers",
    "validate_paths",
]
