"""Shapes of a real cluster nobody wrote a fixture for: an admin's objects that look like
vxha's, vxha's objects changed by hand, clusters in odd states, names at the edges. Each
expectation is written from the ownership rule (DECISIONS.md 10; docs/operations.md,
"What vxha owns") before the run."""

from __future__ import annotations

import copy
import os
from pathlib import Path

from ops_cluster import example_servers

from vxha.generators import ownership
from vxha.generators.generate import generate_from_files
from vxha.profiles import EXAMPLES
from vxha.vcs_types import cf

FIX = Path(__file__).parent / "fixtures" / "installed"
IMAGES = os.path.join(EXAMPLES, "images")


def generated(servers=("auth1",)):
    text = generate_from_files(
        str(FIX / "cluster.yaml"), example_servers(only=list(servers)), image_root=IMAGES
    ).text
    return cf.parse(text)


def installed_with(servers=("auth1",)):
    """The installer's cluster with ``servers`` applied: (live configuration, generated)."""
    gen = generated(servers)
    live = cf.parse_file(str(FIX / "main.cf"))
    live.groups += [copy.deepcopy(g) for g in gen.groups if ownership.server_of(g)]
    return live, gen


def test_a_marker_copied_onto_an_admins_group_does_not_make_it_vxhas():
    """An admin copied auth1's marker onto their own group `reports` (a copied group, or a
    pasted attribute). vxha names a server's groups <srv> and <srv>_storage (DECISIONS.md
    3): `reports` is none of them, so it is not vxha's, and apply must neither delete it nor
    unlink it from the admin's oradb; the note names it and the way out. apply used to plan
    `hagrp -unlink reports oradb`, `hares -delete rep_app`, `hagrp -delete reports`."""
    live, gen = installed_with()
    live.group("reports").attrs["UserStrGlobal"] = "vxha:server=auth1"
    before = copy.deepcopy(live.group("reports"))
    assert ownership.server_of(live.group("reports")) is None
    assert ownership.servers(live) == {"auth1": ["auth1_storage", "auth1"]}
    tgt = ownership.target(live, gen)
    assert tgt.problems == []
    assert tgt.config.group("reports") == before
    assert any(
        "group reports carries vxha's marker for server auth1" in n
        and "hagrp -modify reports UserStrGlobal" in n
        for n in tgt.notes
    ), tgt.notes

