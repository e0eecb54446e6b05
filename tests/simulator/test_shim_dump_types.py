"""Types changed on the running simulated cluster survive `haconf -dump`.

Rules: an attribute `haattr -add` adds (not -temp) and a value `hatype -modify` sets are
part of the configuration: haattr(1M) (InfoScale 7.3, VCS 5.0MP3), DESCRIPTION: only
"temporary attributes ... are lost when the engine is stopped"; haconf(1M) (VCS 5.0MP2):
"-dump Write the configuration to disk". What hacf writes is every .cf file of the
configuration (Cluster Server 4.1 User's Guide, "Managing the VCS Configuration File: The
hacf Utility", Multiple Versions of .cf Files), so a type is written back to the types file
it was read from (docs/simulator.md, "haconf -dump").
"""

from __future__ import annotations

from vxha.simulator.api import Simulator
from vxha.vcs_types import cf
from vxha.vcs_types.catalog import project_type
from vxha.vcs_types.shipped import shipped
from vxha.vcs_types.writer import write_types

MAIN = (
    'include "types.cf"\ninclude "{inc}"\n\ncluster c (\n\t)\n\nsystem n1 (\n\t)\n\n'
    "group g (\n\tSystemList = {{ n1 = 0 }}\n\t)\n\n{res}"
)
HOSTIP = '\tHostIP g_ip (\n\t\tDevice = eth0\n\t\tAddress = "10.0.0.5"\n\t\t)\n'


def run(sim, *cmds):
    for c in cmds:
        code, out, err = sim.command(list(c))
        assert code == 0, (c, out, err)


def serve(tmp_path, inc="HostIPTypes.cf", res=HOSTIP, files=()):
    conf = tmp_path / "conf"
    conf.mkdir()
    for d in files:
        (conf / f"{d.name}Types.cf").write_text(write_types([d]))
    (conf / "main.cf").write_text(MAIN.format(inc=inc, res=res))
    sim = Simulator.from_file(str(conf / "main.cf"), tmp_path / "run", dump=True).start()
    return sim, conf


def test_a_type_changed_by_commands_is_dumped_to_its_types_file(tmp_path):
    sim, conf = serve(tmp_path)
    run(
        sim,
        ["haconf", "-makerw"],
        ["haattr", "-add", "HostIP", "Weight", "-integer", "-scalar", "7"],
        ["hatype", "-modify", "HostIP", "ArgList", "Device", "Address", "Weight"],
        ["hatype", "-modify", "HostIP", "MonitorInterval", "45"],
        ["haconf", "-dump", "-makero"],
    )
    # the resource there before has the new attribute with its default
    assert sim.command(["hares", "-value", "g_ip", "Weight"])[1].strip() == "7"
    back = cf.parse_file(str(conf / "main.cf")).types["HostIP"]
    assert back.attrs["Weight"].default == 7
    assert back.arglist == ["Device", "Address", "Weight"]
    assert back.static("MonitorInterval") == 45
    # the catalog's own declaration (the include resolved to it) is never changed in place
    assert "Weight" not in project_type("HostIP").attrs
    assert project_type("HostIP").static("MonitorInterval") == 30


def test_an_older_vxha_declaration_is_what_the_engine_runs(tmp_path):
    old = next(d for _, d in shipped("Container") if "Name" not in d.attrs)
    assert old.arglist != project_type("Container").arglist
    sim, _ = serve(tmp_path, "ContainerTypes.cf", "", files=[old])
    out = sim.command(["hatype", "-value", "Container", "ArgList"])[1]
    assert out.split() == old.arglist
