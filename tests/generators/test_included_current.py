"""The live configuration's included files are part of the cluster.

Rule: main.cf may include files that declare groups, resources and systems (Admin 6.0 AIX,
"About the main.cf file"; their SourceFile names the file; docs/vcs-language.md, "Includes
and types"). VCS runs them as main.cf's own, so what reads the current configuration for
`vxha apply` (generators/view.parse_config) and `vxha generate --diff`
(cli/generate_cmd._read_current) sees them: an included group is never vxha's without the
marker, its name is taken, a dependency from or onto it counts, and the plan changes
nothing in it (DECISIONS.md 10, ownership).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from genhelp import cluster, server

from vxha.generators import diff as D
from vxha.generators import ownership as O
from vxha.generators.build import Options
from vxha.generators.generate import generate

INSTALLED = Path(__file__).resolve().parents[1] / "ops" / "fixtures" / "installed"


def gen(servers):
    c = cluster(3)
    c.name = "vxdemo"
    return generate(c, servers, Options("veritas")).config


def split_live(tmp_path, moved=("cvm", "reports"), extra=""):
    """The installed fixture with groups ``moved`` out of main.cf into an include
    ``admin.cf`` (and ``extra`` text appended to it)."""
    d = tmp_path / "config"
    shutil.copytree(INSTALLED, d)
    text = (d / "main.cf").read_text()
    blocks = text.split("\ngroup ")
    kept, out = [blocks[0]], []
    for b in blocks[1:]:
        (out if b.split(" ", 1)[0] in moved else kept).append(b)
    main = "\ngroup ".join(kept).replace(
        'include "types.cf"\n', 'include "types.cf"\ninclude "admin.cf"\n', 1
    )
    (d / "main.cf").write_text(main if main.endswith("\n") else main + "\n")
    (d / "admin.cf").write_text("".join("group " + b + "\n" for b in out) + extra)
    return d


@pytest.fixture
def readers(tmp_path, monkeypatch):
    """Both readers of the current configuration: apply's and generate --diff's."""
    from vxha.cli.generate_cmd import _read_current
    from vxha.generators.view import parse_config

    monkeypatch.setenv("VXHA_STATE_DIR", str(tmp_path / "state"))
    return [lambda d: parse_config(str(d / "main.cf")), lambda d: _read_current(str(d))]


def test_an_included_group_is_part_of_the_live_cluster(tmp_path, readers):
    d = split_live(tmp_path)
    for read in readers:
        live = read(d)
        names = {g.name for g in live.groups}
        assert {"cvm", "reports", "oradb", "ClusterService"} <= names
        assert O.server_of(live.group("reports")) is None  # no marker: not vxha's
        t = O.target(live, gen([server("web")]))
        # web_storage requires the cvm group, declared in the include: it exists
        assert not any("has no group cvm" in p for p in t.problems), t.problems
        assert t.problems == []
        changes = D.diff(live, t.config, D.known_types(live, t.config))
        O.check_changes(changes, live, t.config)  # raises on anything not vxha's
        # the group each change is made in (a dependency onto cvm is made in web_storage)
        touched = {c.name if c.kind == "group" else c.group for c in changes}
        assert "web_storage" in touched and not touched & {"cvm", "reports"}


def test_a_generated_group_named_like_an_included_one_is_refused(tmp_path, readers):
    extra = "group web (\n\tSystemList = { n1 = 0, n2 = 1 }\n\t)\n"
    d = split_live(tmp_path, extra=extra)
    for read in readers:
        t = O.target(read(d), gen([server("web")]))
        assert any("group web exists and is not vxha's" in p for p in t.problems), t.problems


def test_an_included_group_requiring_a_vxha_group_blocks_its_removal(tmp_path, readers):
    # an earlier apply added server web; the admin's included group came to require it
    d = split_live(tmp_path)
    main = (d / "main.cf").read_text()
    from vxha.vcs_types.writer import write

    web_groups = [g for g in gen([server("web")]).groups if O.server_of(g)]
    extra = write(type(gen([]))(groups=web_groups)).split("\ngroup ", 1)[1]
    (d / "main.cf").write_text(main + "\ngroup " + extra)
    admin = (
        (d / "admin.cf")
        .read_text()
        .replace(
            "\trequires group oradb online global soft",
            "\trequires group oradb online global soft\n\trequires group web online global soft",
        )
    )
    (d / "admin.cf").write_text(admin)
    for read in readers:
        t = O.target(read(d), gen([]))
        assert any("group reports (not vxha's) requires group web" in p for p in t.problems), (
            t.problems
        )
