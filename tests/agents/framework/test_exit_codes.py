"""What VCS reads from each entry point (VCS_REFERENCE.md 3, from the Agent Developer's
Guide's entry-point return values), how long an entry point may run, and how far before
VCS's timeout it ends its children."""

from __future__ import annotations

import pytest

from vxha.agents.framework import _result_code, end_margin, timeout_of


@pytest.mark.parametrize(
    "result, code",
    [
        (True, 110),
        (False, 100),
        (None, 100),
        (100, 100),
        (110, 110),
        (101, 101),  # online, confidence 10
        (105, 105),
        (109, 109),
        (99, 99),
        (200, 200),  # intentional offline
        (98, 99),  # anything else is unknown
        (111, 99),
        (201, 99),
        (0, 99),
        (1, 99),
    ],
)
def test_monitor(result, code):
    assert _result_code("monitor", result) == code


@pytest.mark.parametrize("result, code", [(None, 0), (True, 0), (False, 1), (0, 0), (1, 0)])
def test_clean_fails_only_when_the_agent_says_so(result, code):
    assert _result_code("clean", result) == code


@pytest.mark.parametrize("entry_point", ["online", "offline", "action", "info"])
@pytest.mark.parametrize(
    "result, code",
    [
        (None, 0),
        (True, 0),
        (False, 1),
        (0, 0),
        (1, 1),
        (5, 5),
        (60, 60),
        (61, 60),
        (500, 60),
        (-3, 0),
    ],
)
def test_online_offline_and_the_others(entry_point, result, code):
    # online and offline: seconds VCS waits before the next monitor, kept within 0..60
    assert _result_code(entry_point, result) == code


class Decl:
    def __init__(self, **statics):
        self.statics = statics

    def static(self, name):
        return self.statics.get(name)


TIMEOUTS = Decl(
    OnlineTimeout=300,
    OfflineTimeout=240,
    MonitorTimeout=60,
    CleanTimeout=45,
    InfoTimeout=30,
    ActionTimeout=20,
)


@pytest.mark.parametrize(
    "entry_point, seconds",
    [
        ("online", 300),
        ("offline", 240),
        ("monitor", 60),
        ("clean", 45),
        ("info", 30),
        ("action", 20),
        ("attr_changed", 60),  # no timeout of its own: the monitor's
    ],
)
def test_the_timeout_is_the_types(entry_point, seconds):
    assert timeout_of(TIMEOUTS, entry_point, None) == seconds


def test_the_entry_point_name_is_compared_by_value():
    # the name comes from argv: an equal string, not the same object as a literal
    monitor, clean = "".join(["mon", "itor"]), "".join(["cle", "an"])
    assert _result_code(monitor, True) == 110 and _result_code(monitor, 105) == 105
    assert _result_code(clean, False) == 1 and _result_code(clean, None) == 0
    assert _result_code(clean, 7) == 0  # clean's own rule: only False is a failure


def test_vcs_s_aeptimeout_argument_wins():
    assert timeout_of(TIMEOUTS, "online", 17) == 17
    assert timeout_of(TIMEOUTS, "online", 0) == 1  # never a deadline already passed
    assert timeout_of(TIMEOUTS, "online", -5) == 1


def test_a_missing_or_zero_timeout_is_one_second():
    assert timeout_of(Decl(), "monitor", None) == 1
    assert timeout_of(Decl(MonitorTimeout=0), "monitor", None) == 1
    assert timeout_of(Decl(MonitorTimeout=2.9), "monitor", None) == 2


@pytest.mark.parametrize(
    "timeout, margin", [(300, 1.0), (10, 1.0), (9, 0.9), (5, 0.5), (1, 0.1), (0.5, 0.05)]
)
def test_children_end_a_tenth_of_the_timeout_early_and_at_most_a_second(timeout, margin):
    assert end_margin(timeout) == pytest.approx(margin)
