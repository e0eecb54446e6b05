"""The configuration language's leftovers of the audit (docs/vcs-language.md, "Constructs
checked"), each pinned from the rule its row names.

- `requires group X offline local` (no rigidity): the rigidity is optional and defaults to
  firm (VCS 4.1 User's Guide, "Linking Service Groups"), so the model is the one of
  `offline local firm`; the file keeps what was written (a file hacf wrote comes back
  byte-identical).
- A quoted integer for an integer attribute: a quoted value is a string and an integer a
  sequence of digits (5.0MP3 User's Guide and 7.0 Administrator's Guide, "Attribute data
  types"): an error that says to drop the quotes.
- An attribute set globally and `@system` in one block: an attribute is global or local in
  scope (7.0 Administrator's Guide, Linux, "Attribute scope across systems"; 5.1
  Administrator's Guide, "Defining attributes as local": a localized attribute has a value
  for each system): a warning naming both.
- Names and values: quotes are not required if a string begins with a letter and holds
  only letters, digits, dashes and underscores ("Attribute data types", as above): a
  string starting with `_` is written quoted, and the verifier's name rule (a letter first)
  agrees with the writer.
"""

from __future__ import annotations

from vxha.vcs_types.cf import parse, write
from vxha.vcs_types.model import Config, Group, GroupDep, Resource, System
from vxha.vcs_types.verify import verify

HEAD = (
    "cluster c1 (\n\t)\n\nsystem n1 (\n\t)\n\nsystem n2 (\n\t)\n\n"
    "group a (\n\tSystemList = { n1 = 0, n2 = 1 }\n\t)\n\n"
)


def tree(group):
    return f"\n\n\t// resource dependency tree\n\t//\n\t//\tgroup {group}\n\t//\t{{\n\t//\t}}\n\n\n"


def with_dep(dep):
    return (
        HEAD
        + f"\trequires group b {dep}\n"
        + tree("a")
        + "group b (\n\tSystemList = { n1 = 0, n2 = 1 }\n\t)\n\n"
        + tree("b")
    )


# -- requires group without a rigidity ------------------------------------------------------


def test_offline_local_without_a_rigidity_comes_back_as_written():
    text = with_dep("offline local")
    cfg = parse(text)
    # the same dependency as `offline local firm` (the rigidity's default)
    assert cfg.group("a").deps == [GroupDep("b", "offline", "local", "firm")]
    assert cfg == parse(with_dep("offline local firm"))
    assert write(cfg) == text
    assert verify(cfg) == []


def test_a_written_rigidity_is_kept_and_one_set_in_memory_is_written():
    assert write(parse(with_dep("offline local firm"))) == with_dep("offline local firm")
    cfg = parse(with_dep("online local"))
    assert write(cfg) == with_dep("online local")
    cfg.group("a").deps[0] = GroupDep("b", "online", "local", "soft")
    assert write(cfg) == with_dep("online local soft")


# -- quoted integers ------------------------------------------------------------------------


def test_a_quoted_integer_for_an_integer_attribute_says_to_drop_the_quotes():
    text = HEAD.replace("1 }\n\t)", '1 }\n\tOnlineRetryLimit = "3"\n\t)')
    messages = [i.message for i in verify(parse(text))]
    assert messages == [
        "group a: attribute OnlineRetryLimit: string '3' is not an integer: write it without "
        "quotes (3)"
    ]


# -- a global value and per-system values of one attribute ----------------------------------


def test_an_attribute_set_globally_and_per_system_is_a_warning():
    text = HEAD + "\tNIC nic1 (\n\t\tDevice = eth0\n\t\tDevice @n1 = eth1\n\t\t)\n"
    cfg = parse('include "types.cf"\n\n' + text)
    found = [(i.severity, i.message) for i in verify(cfg)]
    assert found == [
        (
            "warning",
            "resource nic1: Device is set both globally and for n1: an attribute is global "
            "or local in scope; give each system its value (Device @n1 = ..., "
            "Device @n2 = ...) or one global value",
        )
    ]
    # both are kept: the file comes back as written
    assert write(cfg).count("Device") == 2


# -- a leading underscore ----------------------------------------------------------------------


def test_a_string_starting_with_an_underscore_is_written_quoted():
    cfg = Config(
        cluster=None,
        systems=[System("n1")],
        groups=[
            Group(
                "g",
                attrs={"SystemList": {"n1": 0}, "UserStrGlobal": "_x", "Authority": 0},
                resources=[Resource("NIC", "nic1", attrs={"Device": "_eth"})],
            )
        ],
    )
    cfg.groups[0].local["UserStrLocal"] = {"n1": "_y"}
    text = write(cfg)
    assert 'UserStrGlobal = "_x"' in text
    assert 'Device = "_eth"' in text
    assert 'UserStrLocal @n1 = "_y"' in text
    assert parse(text) == cfg


def test_a_name_starting_with_an_underscore_is_written_quoted_and_refused():
    cfg = parse(HEAD.replace("group a", 'group "_a"'))
    text = write(cfg)
    assert 'group "_a" (' in text and "//\tgroup _a" in text
    assert parse(text) == cfg
    assert [i.message for i in verify(cfg)] == ["group name '_a' is not a legal VCS name"]
    # values of lists and associations, keys included
    g = cfg.groups[0]
    g.attrs["AutoStartList"] = ["n1"]
    g.attrs["TriggersEnabled"] = ["_T"]
    g.attrs["UserAssoc"] = {"_k": "_v"}
    text = write(cfg)
    assert 'TriggersEnabled = { "_T" }' in text and 'UserAssoc = { "_k" = "_v" }' in text


# -- how deep group dependencies go -----------------------------------------------------------


def chain(n):
    """main.cf with groups g0 -> g1 -> ... -> g(n-1), each requiring the next."""
    text = "cluster c1 (\n\t)\n\nsystem n1 (\n\t)\n\n"
    for i in range(n):
        text += f"group g{i} (\n\tSystemList = {{ n1 = 0 }}\n\t)\n\n"
        if i + 1 < n:
            text += f"\trequires group g{i + 1} online local firm\n"
    return parse(text)


def test_a_dependency_tree_may_be_five_levels_deep():
    # "In VCS, a dependency tree may be up to five levels deep" (Administrator's Guide 6.0,
    # Linux, "About service group dependencies"); a level is a tier of groups (4.1 User's
    # Guide, "Dependency Limitations": "a service group dependency tree can have three
    # levels, maximum", in that release)
    assert verify(chain(5)) == []
    found = [i.message for i in verify(chain(6))]
    assert found == [
        "group g0: its dependency chain is 6 groups deep: g0 -> g1 -> g2 -> g3 -> g4 -> g5; "
        "VCS supports at most 5 levels (Administrator's Guide 6.0, \"About service group "
        'dependencies")'
    ]
