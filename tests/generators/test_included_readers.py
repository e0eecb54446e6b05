"""Every reader of a configuration as the cluster runs it sees what its includes declare.

Rule: main.cf may include files that declare groups, resources and systems (Admin 6.0 AIX,
"About the main.cf file"; docs/vcs-language.md, "Includes and types"); VCS runs them as
main.cf's own. `vxha graph` draws them; `vxha sim provision` readies their servers. A
graph of a main.cf whose include is missing or does not parse still draws main.cf
(chosen because the graph is a picture, not a check: `vxha verify` reports the include),
with a note on stderr naming the include.
"""

from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout

from vxha.cli.main import main

MAIN = """include "types.cf"
include "admin.cf"

cluster c1 (
)

system n1 (
)

system n2 (
)

group web (
\tSystemList = { n1 = 0, n2 = 1 }
)

\tPhantom webph (
\t)
"""

ADMIN = """group reports (
\tSystemList = { n1 = 0, n2 = 1 }
)

\tPhantom repph (
\t)
"""


def run(argv):
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        rc = main(argv)
    return rc, out.getvalue(), err.getvalue()


def config_dir(tmp_path, admin=ADMIN):
    d = tmp_path / "config"
    d.mkdir()
    (d / "main.cf").write_text(MAIN)
    if admin is not None:
        (d / "admin.cf").write_text(admin)
    return d


def test_graph_draws_the_groups_an_include_declares(tmp_path):
    d = config_dir(tmp_path)
    rc, dot, err = run(["graph", str(d / "main.cf")])
    assert rc == 0 and err == ""
    assert "reports" in dot and "repph" in dot
    assert "web" in dot and "webph" in dot


def test_graph_of_a_missing_include_draws_main_cf_and_names_it(tmp_path):
    d = config_dir(tmp_path, admin=None)
    rc, dot, err = run(["graph", str(d)])
    assert rc == 0
    assert "webph" in dot and "repph" not in dot
    assert "admin.cf" in err and "main.cf alone" in err


def test_graph_of_an_include_that_does_not_parse_draws_main_cf(tmp_path):
    d = config_dir(tmp_path, admin="group reports (\n\tSystemList = { n1 = 0\n")
    rc, dot, err = run(["graph", str(d / "main.cf")])
    assert rc == 0
    assert "webph" in dot and "repph" not in dot
    assert "admin.cf" in err


def test_graph_of_a_main_cf_that_does_not_parse_fails(tmp_path):
    d = tmp_path / "config"
    d.mkdir()
    (d / "main.cf").write_text("group web (\n")
    rc, dot, err = run(["graph", str(d)])
    assert rc == 1 and dot == "" and "main.cf" in err


def test_sim_provision_readies_the_servers_an_include_declares(tmp_path):
    """docs/simulator.md, Use: `vxha sim provision` loads the images and creates the CFS
    volumes of the configuration's servers, those of its includes too."""
    from vxha.simulator.world import World

    d = config_dir(
        tmp_path,
        admin="""include "CFSTypes.cf"
include "ContainerTypes.cf"

system n3 (
)

group wiki1 (
\tSystemList = { n1 = 0, n2 = 1, n3 = 2 }
)

\tContainer wiki1_c (
\t\tImage = "wiki:1.0"
\t)

\tCFSMount wiki1_m (
\t\tMountPoint = "/wiki1"
\t\tBlockDevice = "/dev/vx/dsk/wikidg/pages"
\t)
""",
    )
    run_dir = tmp_path / "run"
    (run_dir / "conf").mkdir(parents=True)
    rc, out, err = run(["sim", "provision", str(d / "main.cf"), "--run-dir", str(run_dir)])
    assert rc == 0, err
    assert "1 image(s) loaded and 1 volume(s) created on n1, n2, n3" in out
    world = World(str(run_dir))
    assert "wiki:1.0" in world.driver("n3", "docker").state.read()["images"]
