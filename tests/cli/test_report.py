"""The timeline report's colours: what a state looks like to the admin reading it."""

from __future__ import annotations

from vxha.cli.report import COLORS, color


def test_each_state_gets_its_colour():
    assert color("ONLINE") == COLORS["ONLINE"]
    assert color("OFFLINE") == COLORS["OFFLINE"]
    assert color("PARTIAL|FAULTED") == COLORS["FAULTED"]
    assert color("OFFLINE|STARTING") == color("ONLINE|STOPPING") != COLORS["ONLINE"]


def test_a_state_the_monitor_could_not_confirm_is_not_shown_as_healthy():
    # An unknown answer keeps the last known state, qualified (docs/simulator.md, "Probing
    # and monitoring"): ONLINE|STATE_UNKNOWN must not look like ONLINE.
    assert color("ONLINE|STATE_UNKNOWN") == COLORS["UNKNOWN"]
    assert color("OFFLINE|STATE_UNKNOWN") == COLORS["UNKNOWN"]
    assert color("UNKNOWN") == COLORS["UNKNOWN"]
