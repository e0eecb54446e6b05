"""Where vxha.watch sits (docs/watch.md, "Where it sits"): it imports only the agents'
drivers and state, and the operations commands' ha* client; nothing but the command
imports it."""

from __future__ import annotations

import ast
import os

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
ALLOWED = ("vxha.watch", "vxha.agents", "vxha.generators.hacli")
BELOW = ("agents", "generators", "simulator", "vcs_types", "profiles")
HEAVY = ("jinja2", "jsonschema", "yaml", "docker")


def imports(path) -> list:
    with open(path) as f:
        tree = ast.parse(f.read(), path)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append(node.module)
    return found


def sources(folder):
    for d, _dirs, files in os.walk(os.path.join(ROOT, folder)):
        for f in files:
            if f.endswith(".py"):
                yield os.path.join(d, f)


def test_the_watch_imports_only_the_agents_and_the_ha_client():
    for path in sources("watch"):
        for name in imports(path):
            top = name.split(".")[0]
            assert top not in HEAVY, f"{path} imports {name}"
            if top == "vxha":
                assert name.startswith(ALLOWED), f"{path} imports {name}"


def test_nothing_below_the_command_imports_the_watch():
    for folder in BELOW:
        for path in sources(folder):
            for name in imports(path):
                assert not name.startswith("vxha.watch"), f"{path} imports {name}"
