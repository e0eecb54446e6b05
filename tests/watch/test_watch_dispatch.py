"""The dispatcher's rules on a virtual clock, with the ha commands answered by a stand-in
runner (the real ha client, its runner replaced): debouncing, the gap between probes of
one resource, the rate limit and what it drops, retries and the give-up, disabled and
frozen groups, events before the configuration could be read."""

from __future__ import annotations

import pytest

from vxha.generators.hacli import HaClient
from vxha.watch.cluster import ClusterView
from vxha.watch.dispatch import Dispatcher
from vxha.watch.events import Subject

HEAD = "#Resource Attribute System Value\n"


def table(rows) -> str:
    return HEAD + "".join(f"{a} {b} {c} {d}\n" for a, b, c, d in rows)


class VCS:
    """Answers hares -display / hagrp -display as the engine prints them; records probes;
    can be told to fail or to change a group's flags."""

    def __init__(self, containers=("web",), more_groups=0):
        self.ctrs = list(containers)
        self.flags = {}  # group -> {attr: {system: value}}
        self.fail = 0  # the next N commands fail
        self.calls = []
        self.down = False

    def run(self, argv, timeout):
        self.calls.append(list(argv))
        if self.down or self.fail > 0:
            self.fail = max(0, self.fail - 1)
            return 1, "", "VCS ERROR V-16-1-10600 Cannot connect to VCS engine\n"
        if argv[:2] == ["hares", "-display"]:
            kind = argv[argv.index("-type") + 1]
            rows = []
            if kind == "Container":
                for c in self.ctrs:
                    rows += [
                        (f"{c}_ctr", "Group", "global", c),
                        (f"{c}_ctr", "Enabled", "global", "1"),
                    ]
                    rows += [(f"{c}_ctr", "RuntimeName", "global", c)]
                    rows += [(f"{c}_ctr", "DockerHost", "global", "unix:///e.sock")]
            if kind == "HostIP":
                rows += [("web_ip", "Group", "global", "web"), ("web_ip", "Enabled", "global", "1")]
                rows += [("web_ip", "Address", "global", "10.0.0.1")]
                rows += [("web_ip", "Device", "n1", "v0"), ("web_ip", "Device", "n2", "v1")]
            return 0, table(rows), ""
        if argv[:2] == ["hagrp", "-display"]:
            groups = [a for a in argv[2:] if not a.startswith("-")]
            if "SystemList" in argv:
                return 0, table((c, "SystemList", "global", "n1 0 n2 1") for c in self.ctrs), ""
            rows = []
            for g in groups[: groups.index("Enabled")] if "Enabled" in groups else groups:
                f = self.flags.get(g, {})
                rows.append((g, "Enabled", *next(iter(f.get("Enabled", {"global": "1"}).items()))))
                rows.append((g, "Frozen", "global", f.get("Frozen", "0")))
                rows.append((g, "TFrozen", "global", f.get("TFrozen", "0")))
            return 0, table(rows), ""
        if argv[:2] == ["hares", "-probe"]:
            return 0, "", ""
        return 1, "", f"unexpected {argv}"

    def probes(self):
        return [(c[2], c[4]) for c in self.calls if c[:2] == ["hares", "-probe"]]


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def world():
    vcs = VCS(containers=[f"s{i}" for i in range(30)] + ["web"])
    clock = Clock()
    logs = []
    view = ClusterView(HaClient(runner=vcs.run), "n1", env={})

    def make(**kw):
        d = Dispatcher(view, lambda sev, text: logs.append((sev, text)), clock=clock, **kw)
        return d

    return vcs, clock, logs, make


def died(resource="web_ctr", name=None):
    name = name or resource[: -len("_ctr")]
    return Subject(
        "container", resource, f"container {name} died", container=name, engine="unix:///e.sock"
    )


def run_until(d, clock, seconds, step=0.01):
    end = clock.now + seconds
    while clock.now < end:
        d.step()
        clock.now += step


def test_a_burst_of_events_within_the_window_is_one_probe(world):
    vcs, clock, logs, make = world
    d = make(debounce=0.1)
    for _ in range(100):
        d.note([died()])
    d.step()
    assert vcs.probes() == []  # not before the window ends
    run_until(d, clock, 0.2)
    assert vcs.probes() == [("web_ctr", "n1")]
    assert any(text.startswith("probed web_ctr on n1: container web died") for _, text in logs)


def test_events_after_a_probe_wait_for_the_gap_and_are_one_more_probe(world):
    vcs, clock, logs, make = world
    d = make(debounce=0.1, gap=1.0)
    d.note([died()])
    run_until(d, clock, 0.3)
    for _ in range(10):
        d.note([died()])
        run_until(d, clock, 0.05)
    assert len(vcs.probes()) == 1
    run_until(d, clock, 1.0)
    assert len(vcs.probes()) == 2


def test_one_probe_per_resource_however_many_subjects_concern_it(world):
    vcs, clock, logs, make = world
    d = make()
    d.note([Subject("address", "10.0.0.1", "address gone"), Subject("link", "v0", "link down")])
    d.note([Subject("link", "v1", "n2's device: not this system's")])
    run_until(d, clock, 0.3)
    assert vcs.probes() == [("web_ip", "n1")]


def test_rate_limit_holds_probes_back_then_drops_and_logs_them(world):
    vcs, clock, logs, make = world
    d = make(rate=2.0, max_wait=1.0)
    d.note([died(f"s{i}_ctr") for i in range(20)])
    run_until(d, clock, 3.0)
    # two tokens at once (one second's worth), then two a second until the events
    # have waited max_wait
    probed = len(vcs.probes())
    assert 3 <= probed <= 5, probed
    assert d.dropped == 20 - probed
    warnings = [t for sev, t in logs if sev == "warning" and "rate limit" in t]
    assert len(warnings) >= 1
    assert all("VCS's next monitor will see them" in t for t in warnings)
    dropped_names = {
        n for n in (f"s{i}_ctr" for i in range(20)) if any(n + " (" in t for t in warnings)
    }
    assert len(dropped_names) == 20 - probed


def test_vcs_not_answering_is_retried_with_backoff_then_given_up(world):
    vcs, clock, logs, make = world
    d = make(attempts=3, backoff=1.0)
    run_until(d, clock, 0.05)  # configuration read
    vcs.down = True
    d.note([died()])
    run_until(d, clock, 0.5)
    failed = [t for s, t in logs if "failed (attempt" in t]
    assert len(failed) == 1 and "again in 1 s" in failed[0]
    run_until(d, clock, 1.0)
    assert sum("failed (attempt" in t for _, t in logs) == 2
    run_until(d, clock, 2.5)
    gave_up = [t for s, t in logs if s == "error" and t.startswith("gave up probing web_ctr")]
    assert len(gave_up) == 1
    assert "after 3 attempt(s)" in gave_up[0] and "container web died" in gave_up[0]
    assert d.given_up == 1 and not d.busy()
    vcs.down = False
    d.note([died()])
    run_until(d, clock, 0.3)
    assert vcs.probes()[-1] == ("web_ctr", "n1")


@pytest.mark.parametrize(
    "flags, why",
    [
        ({"Frozen": "1"}, "group web is frozen"),
        ({"TFrozen": "1"}, "group web is frozen (temporarily)"),
        ({"Enabled": {"n1": "0"}}, "group web is disabled on n1"),
        ({"Enabled": {"global": "0"}}, "group web is disabled on n1"),
    ],
)
def test_frozen_or_disabled_group_is_never_probed(world, flags, why):
    vcs, clock, logs, make = world
    d = make()
    run_until(d, clock, 0.05)  # the configuration is read before the group changes
    vcs.flags["web"] = flags
    d.note([died()])
    run_until(d, clock, 0.5)
    assert vcs.probes() == []
    assert any(f"not probing web_ctr on n1: {why}" in t for _, t in logs)


def test_disabled_on_another_system_is_probed_here(world):
    vcs, clock, logs, make = world
    vcs.flags["web"] = {"Enabled": {"n2": "0"}}
    d = make()
    d.note([died()])
    run_until(d, clock, 0.3)
    assert vcs.probes() == [("web_ctr", "n1")]


def test_the_groups_are_read_again_before_every_batch(world):
    vcs, clock, logs, make = world
    d = make()
    d.note([died()])
    run_until(d, clock, 0.3)
    d.note([died("s1_ctr")])
    run_until(d, clock, 0.3)
    reads = [c for c in vcs.calls if c[:2] == ["hagrp", "-display"] and "Frozen" in c]
    assert reads == [
        ["hagrp", "-display", "web", "-attribute", "Enabled", "Frozen", "TFrozen"],
        ["hagrp", "-display", "s1", "-attribute", "Enabled", "Frozen", "TFrozen"],
    ]


def test_container_of_an_unknown_resource_reads_the_configuration_once_then_is_ignored(world):
    vcs, clock, logs, make = world
    d = make()
    run_until(d, clock, 0.05)
    reads = sum(c[:2] == ["hares", "-display"] for c in vcs.calls)
    d.note([died("nosuch_ctr", "nosuch")])
    run_until(d, clock, 0.3)
    assert sum(c[:2] == ["hares", "-display"] for c in vcs.calls) == reads + 3  # once more
    assert vcs.probes() == []
    assert any(
        "not probing: container nosuch died: it names resource nosuch_ctr" in t for _, t in logs
    )


def test_a_resource_added_after_the_read_is_found_by_reading_again(world):
    vcs, clock, logs, make = world
    d = make()
    run_until(d, clock, 0.05)
    vcs.ctrs.append("late")
    d.note([died("late_ctr")])
    run_until(d, clock, 0.3)
    assert vcs.probes() == [("late_ctr", "n1")]


def test_container_whose_name_or_engine_differs_is_not_the_resources(world):
    vcs, clock, logs, make = world
    d = make()
    other_name = Subject(
        "container", "web_ctr", "container x died", container="x", engine="unix:///e.sock"
    )
    other_engine = Subject(
        "container", "web_ctr", "container web died", container="web", engine="unix:///other.sock"
    )
    d.note([other_name, other_engine])
    run_until(d, clock, 0.3)
    assert vcs.probes() == []


def test_events_before_the_configuration_can_be_read_wait_then_are_probed(world):
    vcs, clock, logs, make = world
    vcs.down = True
    d = make(backoff=1.0, attempts=3)
    d.note([died()])
    run_until(d, clock, 1.5)
    assert vcs.probes() == []
    vcs.down = False
    run_until(d, clock, 3.0)
    assert vcs.probes() == [("web_ctr", "n1")]
    assert any("reading the configuration works again" in t for _, t in logs)


def test_events_waiting_for_an_unreadable_configuration_are_given_up(world):
    vcs, clock, logs, make = world
    vcs.down = True
    d = make(backoff=1.0, attempts=3)
    d.note([died()])
    run_until(d, clock, 8.0, step=0.1)
    assert not d.busy()
    assert any(
        s == "error" and "gave up events noted while the configuration" in t for s, t in logs
    )
