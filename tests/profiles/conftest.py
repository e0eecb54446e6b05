"""Fixtures for the profiles tests: a private copy of the examples to break on purpose."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from vxha.profiles import EXAMPLES, validate_paths


class Workspace:
    """A copy of profiles/examples: images/, servers/, cluster.yaml."""

    def __init__(self, root: Path):
        self.root = root
        self.images = root / "images"
        self.servers = root / "servers"
        self.cluster = root / "cluster.yaml"

    def server(self, name: str) -> Path:
        return self.servers / f"{name}.yaml"

    def edit(self, path: Path, change) -> Path:
        """Load YAML, let ``change`` mutate the data, write it back."""
        data = yaml.safe_load(path.read_text())
        change(data)
        path.write_text(yaml.safe_dump(data, sort_keys=False))
        return path

    def validate(self, *paths, **kw):
        targets = [str(p) for p in paths] or [str(self.root)]
        return validate_paths(targets, **kw)

    def errors(self, *paths, **kw):
        errors, _ = self.validate(*paths, **kw).split()
        return errors


@pytest.fixture
def ws(tmp_path) -> Workspace:
    root = tmp_path / "profiles"
    shutil.copytree(EXAMPLES, root)
    return Workspace(root)


def messages(problems) -> str:
    return "\n".join(p.format() for p in problems)
