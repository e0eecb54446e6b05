"""A served simulated cluster (tests/ops/ops_cluster.py) with the example profiles as the
admin's, and image dedup:2.2 (profiles/examples/images/dedup/2.2.yaml) ready to load."""

from __future__ import annotations

import os
import shutil
import sys

import yaml

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "ops"))

from ops_cluster import Cluster, generate  # noqa: E402

from vxha.agents.drivers.docker_fake import FakeDocker  # noqa: E402
from vxha.agents.framework import Context  # noqa: E402
from vxha.profiles import EXAMPLES  # noqa: E402
from vxha.simulator.runners import node_env  # noqa: E402

SYSTEMS = ("n1", "n2", "n3")


class UpgradeCluster(Cluster):
    """The example cluster served, its profiles copied, ``load(image, systems)`` as an
    admin loads an image on nodes (the engine and the cluster description both)."""

    def __init__(self, tmp):
        super().__init__(tmp, generate(str(tmp / "main.cf")))
        self.copy_profiles()
        self.cluster_file = tmp / "cluster.yaml"
        shutil.copy(os.path.join(EXAMPLES, "cluster.yaml"), self.cluster_file)
        self.env["VXHA_CLUSTER"] = str(self.cluster_file)

    def docker(self, system) -> FakeDocker:
        return FakeDocker(Context(node_env(self.run_dir, system), inprocess=True))

    def load(self, image, systems=SYSTEMS):
        data = yaml.safe_load(self.cluster_file.read_text())
        for s in data["systems"]:
            if s["name"] in systems:
                s["images"].append(image)
                self.docker(s["name"]).add_image(image)
        self.cluster_file.write_text(yaml.safe_dump(data, sort_keys=False))

    def upgrade(self, *argv, kind="upgrade"):
        images = os.path.join(EXAMPLES, "images")
        return self.vxha(kind, *argv, "--profiles", str(self.profiles), "--images", images)

    def resource(self, resource, attr, system=None):
        argv = ["hares", "-value", resource, attr] + ([system] if system else [])
        return self.run(*argv, check=True).stdout.strip()

    def transcript(self):
        return self.vxha("sim", "transcript", check=True).stdout.splitlines()
