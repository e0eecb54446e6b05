"""Constructs of real types and main.cf files that the samples rarely show, each written
from the rule it follows (docs/vcs-language.md names the source of each)."""

from __future__ import annotations

from vxha.vcs_types.cf import parse, write


def test_a_string_association_default_written_with_bare_integers_comes_back_bare():
    # ADG 9.0 "MonitorStatsParam" and AG 7.2 "VCS attributes enabling agent statistics"
    # print the override with bare integers in a string attribute; the declared type
    # reads them back as the same strings, so they are written back as written
    text = (
        "type T (\n"
        "\tstatic str MonitorStatsParam{} = { Frequency = 10, ExpectedValue = 3000, "
        "ValueThreshold = 100, AvgThreshold = 40 }\n"
        "\tstr V[] = { 1, \"2\", a }\n"
        "\tstr A{} = { k = 5, j = \"7\" }\n"
        "\tstatic str ArgList[] = { V, A }\n"
        ")\n"
    )
    cfg = parse(text, "T.cf")
    decl = cfg.types["T"]
    assert decl.statics["MonitorStatsParam"] == {
        "Frequency": "10",
        "ExpectedValue": "3000",
        "ValueThreshold": "100",
        "AvgThreshold": "40",
    }
    assert decl.attrs["V"].default == ["1", "2", "a"]
    assert write(cfg) == text
    assert parse(write(cfg), "T.cf") == cfg
