"""The templates render in the layout the line reader takes (one statement or attribute a
line), so the generator's own output is never left to the general tokenizer, which reads
the same text several times slower."""

from __future__ import annotations

import pytest
from genhelp import EXAMPLES, cluster, dep, server

from vxha.generators.build import Options, plan
from vxha.generators.generate import render
from vxha.profiles import load_cluster, load_servers
from vxha.profiles.model import Port
from vxha.vcs_types import cf
from vxha.vcs_types.cf_lines import parse_lines


def _examples(mode):
    c = load_cluster(str(EXAMPLES / "cluster.yaml"))
    servers = load_servers([str(EXAMPLES / "servers")], image_root=str(EXAMPLES / "images"))
    return plan(c, servers, Options(cfsmount=mode))


def _varied():
    # (a value holding a quote or a backslash is written with escapes, which only the
    # general tokenizer reads: rare in profiles, and read correctly either way)
    env = {"SPACE": "a b", "PATH": "/opt/x:/usr/bin", "EMPTY": ""}
    servers = [
        server("a", env=env, admin_email="ops@example.com", device="eth9"),
        server("b", privileged=True, systems=["n2"], ports=[Port(80, 8080, "udp")]),
        server("c", mounts=[], address=None, ports=[], dependencies=[dep("a")]),
    ]
    return plan(cluster(emit_cvm=False), servers)


@pytest.mark.parametrize("which", ["veritas", "vxha", "varied"])
def test_the_line_reader_takes_the_rendered_configuration(which):
    p = _varied() if which == "varied" else _examples(which)
    text = render(p.context)
    fast = parse_lines(text, "<rendered main.cf>")
    assert fast is not None, "the line reader gave up: the general tokenizer would read it"
    assert cf.write(fast) == cf.write(cf.parse(text, "<rendered main.cf>"))
