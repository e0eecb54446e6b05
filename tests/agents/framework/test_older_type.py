"""An older declaration of a type on the cluster: the package was upgraded and `vxha
cluster add-types` has not run yet, so VCS passes the ArgList of an older vxha.

The rule (docs/framework.md, "An older type on the cluster"): V50 tuples are parsed by
the attribute's name, never its position (Agent Developer's Guide 7.3, "Overview of the
name-value tuple format"), so an older ArgList is read value by value; an attribute it
lacks takes the declared default (what add-types gives a resource that had none); a tuple
whose shape differs from this agent's declaration is refused. Each is said once per
resource, naming add-types, not in every monitor.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from vxha.agents.framework import ArgvError, build_argv, parse_argv
from vxha.agents.install import install_agents
from vxha.vcs_types.catalog import project_type

DUMMY = project_type("Dummy")
CONTAINER = project_type("Container")
CFSMOUNT = project_type("CFSMount")

# Container's ArgList as first shipped (git show 5af82d2:vcs_types/ContainerTypes.cf).
OLD_CONTAINER = [
    ("Name", ["db"]),
    ("Image", ["reg/db:1.2"]),
    ("Hostname", ["db-host"]),
    ("Env", ["A", "1", "B", "two words"]),
    ("Mounts", ["/vx/db/data", "/data"]),
    ("CPUs", ["2"]),
    ("Memory", ["4g"]),
    ("Privileged", ["0"]),
    ("HealthCmd", ["pg_isready"]),
    ("UseImageHealth", ["0"]),
    ("StartupCmds", ["-x", "%s"]),
    ("StopTimeout", ["45"]),
    ("Labels", []),
    ("DockerHost", [""]),
    ("Reuse", ["1"]),
    ("AllowPull", ["0"]),
]


def tuples(res, pairs):
    argv = [res]
    for name, vals in pairs:
        argv += [name, str(len(vals)), *vals]
    return argv


def test_an_older_containers_argv_is_read_value_by_value():
    extra = {}
    _, v, _, _ = parse_argv(CONTAINER, "online", tuples("db_ctr", OLD_CONTAINER), extra=extra)
    assert (v["RuntimeName"], v["Image"], v["Hostname"]) == ("db", "reg/db:1.2", "db-host")
    assert v["Env"] == {"A": "1", "B": "two words"} and v["Mounts"] == {"/vx/db/data": "/data"}
    assert (v["StartupCmds"], v["StopTimeout"], v["Reuse"]) == (["-x", "%s"], 45, 1)
    # What the old declaration lacks: the defaults (no grant, no add-on, no command).
    assert (v["HealthTimeout"], v["GrantCaps"], v["AddOns"], v["Command"]) == (10, [], [], [])
    assert set(extra["missing"]) == {a for a in CONTAINER.arglist if a not in
                                     {n for n, _ in OLD_CONTAINER} | {"RuntimeName"}}  # fmt: skip
    assert extra["renamed"] == [("Name", "RuntimeName")]


def test_tuples_are_read_by_name_in_any_order():
    """An Image is never read from the MountOpt slot: position carries no meaning."""
    values = {"MountPoint": "/vx/m", "BlockDevice": "/dev/vx/dsk/dg/v", "MountOpt": "ro,noatime",
              "NodeList": ["n1", "n2"], "FSType": "ext4", "ForceUnmount": "none"}  # fmt: skip
    argv = build_argv(CFSMOUNT, "m", values)
    pairs, pos = [], 1
    while pos < len(argv):
        n = int(argv[pos + 1])
        pairs.append((argv[pos], argv[pos + 2 : pos + 2 + n]))
        pos += 2 + n
    _, parsed, _, _ = parse_argv(CFSMOUNT, "monitor", tuples("m", pairs[::-1]))
    assert {k: parsed[k] for k in values} == values


@pytest.mark.parametrize(
    "pairs, attr",
    [
        ([("Str", ["a", "b"])], "Str"),  # a vector on the cluster, a scalar here
        ([("Assoc", ["k"])], "Assoc"),  # a vector on the cluster, an association here
        ([("Int", ["x"])], "Int"),  # a string on the cluster, an integer here
    ],
)
def test_a_tuple_of_another_shape_is_refused_naming_the_attribute(pairs, attr):
    with pytest.raises(ArgvError) as err:
        parse_argv(DUMMY, "online", tuples("r", pairs))
    assert err.value.attr == attr


@pytest.fixture(scope="module")
def roots(tmp_path_factory):
    root = tmp_path_factory.mktemp("root")
    install_agents(str(root), sys.executable, ["Dummy", "Container"])
    return root


def launch(roots, type_name, ep, argv):
    path = roots / "opt/VRTSvcs/bin" / type_name / ep
    return subprocess.run([str(path), *argv], capture_output=True, text=True, timeout=60,
                          cwd="/", stdin=subprocess.DEVNULL)  # fmt: skip


def log_lines(node_dir, type_name):
    path = node_dir / "log" / f"{type_name}_A.log"
    return path.read_text().splitlines() if path.exists() else []


def test_an_older_type_is_said_once_per_resource_naming_add_types(roots, node_dir):
    old = [
        ("Str", ["s"]),
        ("Int", ["3"]),
        ("Flag", ["1"]),
        ("Keys", []),
        ("Delay", ["0"]),
        ("Fail", []),
        ("Child", ["0"]),
    ]  # fmt: skip  (no Vec, no Assoc)
    assert launch(roots, "Dummy", "online", tuples("r", old)).returncode == 0
    for _ in range(2):
        assert launch(roots, "Dummy", "monitor", tuples("r", old)).returncode == 110
    assert launch(roots, "Dummy", "clean", ["r", "4", *tuples("r", old)[1:]]).returncode == 0
    said = [line for line in log_lines(node_dir, "Dummy") if "add-types" in line]
    assert len(said) == 1, said
    assert "Vec" in said[0] and "Assoc" in said[0] and "Dummy:r:online:" in said[0]
    assert launch(roots, "Dummy", "monitor", tuples("r2", old)).returncode == 100
    assert sum("add-types" in line for line in log_lines(node_dir, "Dummy")) == 2


def test_an_old_attribute_name_is_said_once_per_resource(roots, node_dir):
    argv = tuples("db_ctr", OLD_CONTAINER)
    for _ in range(3):
        assert launch(roots, "Container", "monitor", argv).returncode == 100
    said = [line for line in log_lines(node_dir, "Container") if "RuntimeName" in line]
    assert len(said) == 1, said
    assert "add-types" in said[0]


def test_a_refused_tuple_names_add_types(roots, node_dir):
    proc = launch(roots, "Dummy", "online", tuples("r", [("Str", ["a", "b"])]))
    assert proc.returncode == 1
    (line,) = log_lines(node_dir, "Dummy")
    assert "attribute Str: scalar takes one value, got 2" in line and "add-types" in line
    assert not (node_dir / "state" / "Dummy.r").exists()
