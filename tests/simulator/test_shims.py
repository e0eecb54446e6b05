"""The ha* shims against a served simulator: VCS's syntax, output shape and exit codes."""

from __future__ import annotations

import os
import subprocess

import pytest
from sim_helpers import WEB, cf

STORAGE = """group web_storage (
    SystemList = { n1 = 0, n2 = 1, n3 = 2 }
    AutoStartList = { n1, n2, n3 }
    Parallel = 1
)
    Dummy web_mnt (
    )

"""


@pytest.fixture
def served(tmp_path):
    from vxha.simulator.api import Simulator
    from vxha.simulator.daemon import Daemon
    from vxha.simulator.shims import install_shims

    text = cf(
        ["n1", "n2", "n3"], STORAGE + WEB + "    requires group web_storage online local firm\n"
    )
    sim = Simulator.from_text(text, tmp_path / "run").start()
    sock = tmp_path / "sim.sock"
    daemon = Daemon(sim, str(sock)).start_thread()
    bin_dir = tmp_path / "bin"
    install_shims(str(bin_dir))
    env = dict(os.environ, VXHA_SIM_SOCKET=str(sock))
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"

    def ha(*argv):
        p = subprocess.run(list(argv), env=env, capture_output=True, text=True, timeout=30)
        return p.returncode, p.stdout, p.stderr

    ha.sim = sim
    ha.env = env
    yield ha
    daemon.stop()


def rows(text):
    return [line.split() for line in text.splitlines() if line and not line.startswith("#")]


def test_state_tables(served):
    code, out, err = served("hagrp", "-state", "web")
    assert code == 0, err
    assert out.splitlines()[0].split() == ["#Group", "Attribute", "System", "Value"]
    assert ["web", "State", "n1", "|ONLINE|"] in rows(out)
    assert ["web", "State", "n2", "|OFFLINE|"] in rows(out)
    code, out, _ = served("hares", "-state", "web_ctr", "-sys", "n1")
    assert rows(out) == [["web_ctr", "State", "n1", "ONLINE"]]
    code, out, _ = served("hasys", "-state")
    assert ["n2", "SysState", "RUNNING"] in rows(out)


def test_switch_and_values(served):
    assert served("hagrp", "-switch", "web", "-to", "n2")[0] == 0
    _, out, _ = served("hagrp", "-state", "web", "-sys", "n2")
    assert rows(out) == [["web", "State", "n2", "|ONLINE|"]]
    _, out, _ = served("hagrp", "-value", "web", "SystemList")
    assert out.strip() == "n1 0 n2 1 n3 2"
    _, out, _ = served("hagrp", "-dep", "web")
    assert rows(out) == [["web", "web_storage", "online", "local", "firm"]]
    _, out, _ = served("hagrp", "-resources", "web")
    assert out.split() == ["web_ip", "web_ctr", "web_pf"]


def test_writable_configuration(served):
    code, _, err = served("hagrp", "-disable", "web")
    assert code != 0 and "V-16-1-10369" in err
    assert served("haconf", "-makerw")[0] == 0
    code, _, err = served("haconf", "-makerw")
    assert code != 0 and "V-16-1-10364 Cluster already writable" in err
    assert served("hagrp", "-disable", "web")[0] == 0
    _, out, _ = served("hagrp", "-value", "web", "Enabled")
    assert out.strip() == "0"
    assert served("haconf", "-dump", "-makero")[0] == 0
    code, _, err = served("haconf", "-dump", "-makero")
    assert code != 0 and "V-16-1-10369 Cluster not writable" in err


def test_offline_refused_with_firm_parent(served):
    code, _, err = served("hagrp", "-offline", "web_storage", "-sys", "n1")
    assert code == 1
    assert "parent group web is online" in err


def test_config_changes(served):
    served("haconf", "-makerw")
    assert served("hagrp", "-add", "db")[0] == 0
    assert served("hagrp", "-modify", "db", "SystemList", "n1", "0", "n2", "1")[0] == 0
    assert served("hares", "-add", "db_res", "Dummy", "db")[0] == 0
    _, out, _ = served("hares", "-value", "db_res", "Enabled")
    assert out.strip() == "0"
    assert served("hares", "-modify", "db_res", "Enabled", "1")[0] == 0
    assert served("hagrp", "-link", "db", "web", "online", "global", "soft")[0] == 0
    assert served("hagrp", "-online", "db", "-sys", "n2")[0] == 0
    served.sim.advance(1)
    _, out, _ = served("hagrp", "-state", "db", "-sys", "n2")
    assert rows(out) == [["db", "State", "n2", "|ONLINE|"]]
    assert served("hatype", "-add", "MyType")[0] == 0
    assert served("haattr", "-add", "MyType", "Path", "-string")[0] == 0
    assert served("hatype", "-modify", "MyType", "MonitorInterval", "30")[0] == 0
    _, out, _ = served("hatype", "-list")
    assert "MyType" in out.split()
    code, _, err = served("hagrp", "-delete", "db")
    assert code == 1 and "has resources" in err


def test_unknown_group_and_no_daemon(served, tmp_path):
    code, _, err = served("hagrp", "-state", "nope")
    assert code == 1 and "does not exist" in err
    env = dict(served.env, VXHA_SIM_SOCKET=str(tmp_path / "absent.sock"))
    p = subprocess.run(["hagrp", "-state"], env=env, capture_output=True, text=True, timeout=30)
    assert p.returncode == 1 and "Cannot connect to VCS engine" in p.stderr


def test_hacf_verify(served, tmp_path):
    conf = tmp_path / "conf"
    conf.mkdir()
    (conf / "main.cf").write_text(cf(["n1"], "group g (\n    SystemList = { n1 = 0 }\n)\n"))
    code, out, err = served("hacf", "-verify", str(conf))
    assert (code, out, err) == (0, "", "")
    (conf / "main.cf").write_text("cluster (\n")
    code, out, err = served("hacf", "-verify", str(conf))
    assert code == 1


def test_every_command_has_a_shim(served):
    from vxha.vcs_types import haforms

    code, out, _ = served("haclus", "-value", "ClusterName")
    assert (code, out.strip()) == (0, "sim")
    code, out, _ = served("hastatus", "-sum")
    assert code == 0 and "-- GROUP STATE" in out
    code, _, err = served("hasys", "-load", "n1", "5")
    assert code == 1 and "not modelled by the simulator" in err
    bin_dir = served.env["PATH"].split(os.pathsep)[0]
    assert sorted(os.listdir(bin_dir)) == sorted(haforms.COMMANDS)


def test_a_form_vcs_refuses_prints_its_usage(served):
    code, out, err = served("hagrp", "-link", "web", "web_storage")
    assert code == 1 and out == ""
    assert err.startswith("VCS WARNING V-16-1-10000 hagrp -link: missing CATEGORY")
    assert "hagrp -link PARENT CHILD CATEGORY LOCATION [RIGIDITY]" in err
    code, _, err = served("hagrp", "-nonsense")
    assert (
        code == 1
        and "hagrp -online [-force | -propagate] [-clus CLUSTER | -localclus] [-nopre] GROUP "
        "[-checkpartial SYSTEM] {-sys SYSTEM | -any | -site SITE}"
        in err
    )


def test_escaped_values_through_the_shims(served):
    served("haconf", "-makerw")
    code, _, err = served("hagrp", "-modify", "web", "UserStrGlobal", "-x")
    assert code == 1 and "written %-x" in err
    assert served("hagrp", "-modify", "web", "UserStrGlobal", "%-x")[0] == 0
    assert served("hagrp", "-value", "web", "UserStrGlobal")[1] == "-x\n"


def test_bulk_display_into_a_closed_pipe(tmp_path):
    """`hares -display | head -c 9` on a cluster whose table outgrows the pipe buffer."""
    from vxha.simulator.api import Simulator
    from vxha.simulator.daemon import Daemon
    from vxha.simulator.shims import install_shims

    groups = "".join(WEB.replace("web", f"g{i}") for i in range(100))
    sim = Simulator.from_text(cf(["n1", "n2", "n3"], groups), tmp_path / "run")
    sock = str(tmp_path / "big.sock")
    daemon = Daemon(sim, sock).start_thread()
    install_shims(str(tmp_path / "bin"))
    try:
        env = dict(os.environ, VXHA_SIM_SOCKET=sock)
        proc = subprocess.Popen(
            [str(tmp_path / "bin" / "hares"), "-display"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert proc.stdout.read(9) == b"#Resource"
        proc.stdout.close()
        err = proc.stderr.read().decode()
        proc.wait(timeout=30)
    finally:
        daemon.stop()
    assert len(sim.command(["hares", "-display"])[1]) > 200_000
    assert "Traceback" not in err and proc.returncode == 0
