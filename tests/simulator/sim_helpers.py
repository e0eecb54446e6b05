"""Helpers for the simulator tests: main.cf snippets with Dummy resources."""

from __future__ import annotations

HEADER = 'include "types.cf"\ninclude "DummyTypes.cf"\n\ncluster sim (\n)\n\n'


def cf(systems, body):
    """A main.cf text: HEADER, the systems, then the groups' text."""
    text = HEADER
    for s in systems:
        text += f"system {s} (\n)\n\n"
    return text + body


def run(sim, *lines):
    """Each command line through the simulator's shims, each one required to succeed."""
    for line in lines:
        code, out, err = sim.command(line.split())
        assert code == 0, f"{line}: {err}"


WEB = """group web (
    SystemList = { n1 = 0, n2 = 1, n3 = 2 }
    AutoStartList = { n1 }
)
    Dummy web_ip (
    )
    Dummy web_ctr (
    )
    Dummy web_pf (
    )
    web_pf requires web_ctr
    web_pf requires web_ip
"""
