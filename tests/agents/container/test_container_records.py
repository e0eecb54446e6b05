"""The record of the container's main process (docs/container.md, "Engine outages") is a
state file: one found empty (emptied by hand, or by a tool cleaning /run) is no record,
never an internal error."""

from __future__ import annotations

import json


def _blank_record(fake, resource):
    (fake.node / "state" / f"Container.{resource}.proc").write_text("")


def test_a_blank_record_is_no_record(fake, fake_agent):
    a = fake_agent()
    assert a.online().code == 0
    _blank_record(fake, a.resource)
    r = a.monitor()
    assert (r.code, "internal error" in r.out) == (110, False), r
    _blank_record(fake, a.resource)
    (fake.node / "faults.json").write_text(json.dumps({"docker.inspect": {"mode": "unavailable"}}))
    r = a.monitor()
    assert r.code == 100 and f"no main process of {a.resource} recorded here" in r.out, r
    r = a.clean()
    assert r.code == 1 and "internal error" not in r.out, r
