"""Setting a kept container's restart policy back to ``no`` (docs/container.md, "offline")
protects against the engine starting it outside VCS; it is not what offline or online is
asked for: an engine that cannot do it (Podman's compatible service before 5.0 has no
update) is said, and the entry point still succeeds."""

from __future__ import annotations

import json


def _policy(fake, name, policy):
    with fake.state.locked() as st:
        st["containers"][name]["restart_policy"] = policy


def test_a_policy_the_engine_cannot_set_back_is_said_and_offline_succeeds(fake, fake_agent):
    a = fake_agent(Reuse=1)
    assert a.online().code == 0
    _policy(fake, a.resource, "always")
    (fake.node / "faults.json").write_text(json.dumps({"docker.update": {"mode": "error"}}))
    r = a.offline()
    assert r.code == 0, r
    assert "restart policy always set outside VCS, and the engine did not set it back" in r.out
    assert a.monitor().code == 100
    # online, reusing the kept container, goes on too
    r = a.online()
    assert r.code == 0, r
    assert "did not set it back" in r.out
    assert a.monitor().code == 110


def test_a_policy_set_back_is_said(fake, fake_agent):
    a = fake_agent(Reuse=1)
    assert a.online().code == 0
    _policy(fake, a.resource, "unless-stopped")
    r = a.offline()
    assert r.code == 0 and "restart policy unless-stopped set outside VCS: set back to no" in r.out
    assert fake.state.read()["containers"][a.resource]["restart_policy"] == "no"
