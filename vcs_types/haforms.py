"""The ha* command forms VCS documents: one table, what each form accepts, and its source.

The simulator's shims parse every command through ``parse`` (so they accept exactly these
forms); the plan runner builds its commands with the helpers at the end (``modify``,
``clear``, ``override``, ``enable`` ...) and tests every argv it emits with ``check``.
docs/operations.md shows ``FORMS`` (``markdown_table``). Standard library only (the
verifier's attribute tables are read for ``check``'s default lookup).

Option words may come anywhere after the form's first word (the manual pages place them
differently from one form and release to the next); positional words keep their order.
A word starting with ``-`` that is not one of the form's options is refused: a value that
starts with ``-`` (or ``%``) is written with a leading ``%`` (``escape``), and the parser
removes that one ``%`` again (``unescape``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Tuple

# -- sources ---------------------------------------------------------------------------------

HAGRP = "hagrp(1M), InfoScale 7.3 manual pages, SYNOPSIS"
HARES = "hares(1M), InfoScale 7.3 manual pages, SYNOPSIS"
HARES_DELETE = "hares(1M), VCS 5.0MP3 and InfoScale 7.3 manual pages, OPTIONS -delete"
HARES_OFFLINE = "hares(1M), InfoScale 7.3 manual pages, SYNOPSIS (VCS 5.0MP3: -ignoreparent only)"
HARES_OFFPROP = "hares(1M), VCS 5.0MP3 and InfoScale 7.3 manual pages, SYNOPSIS"
HASYS = "hasys(1M), InfoScale 7.2 manual pages, SYNOPSIS"
HASYS_DELETE = "hasys(1M), InfoScale 7.2 manual pages, OPTIONS -delete"
HATYPE = "hatype(1M), InfoScale 7.4.1 manual pages, SYNOPSIS"
HAATTR = "haattr(1M), InfoScale 7.3 and VCS 5.0MP3 manual pages, SYNOPSIS"
HACONF = "haconf(1M), VCS 5.0MP2 manual pages, SYNOPSIS and OPTIONS"
HACF = "VCS 4.1 User's Guide, Managing the VCS Configuration File: Verifying a Configuration"
HASTOP = "VCS 6.0 Administrator's Guide, Stopping the VCS engine and related processes"
HASTART = "VCS 4.1 User's Guide, Administering VCS from the command line: Starting VCS"
HASYS_FORCE = HASTART + " (hasys -force SYSTEM); hasys(1M), InfoScale 7.2 manual pages, SYNOPSIS"
HAAGENT = (
    "no haagent(1M) page in the stored manuals: the forms as Veritas's agent pack installer "
    "scripts run them (haagent -start AGENT -sys S, -stop AGENT -force -sys S, -display AGENT)"
)
MODIFY = (
    "VCS 5.0 and 5.1 Administrator's Guides, Defining attributes as local "
    "(the -modify forms of each dimension)"
)
LINK = "VCS 4.1 User's Guide, Linking Service Groups (the type is optional, default firm)"
OVERRIDE = "hares(1M) 7.3 SYNOPSIS; VCS 4.1 Agent Developer's Guide, Overriding Static Attributes"
ESCAPE = (
    "hagrp(1M), hares(1M), hasys(1M), hatype(1M), haattr(1M) 7.3: DESCRIPTION, "
    '"See NOTES for how to specify - and % characters"'
)
HACLUS = (
    "no haclus(1M) page in the stored manuals: the -modify form of the 5.1 Administrator's "
    "Guide table with no object; -value and -display as hasys(1M) 7.2 has them"
)
HACLUS_STATE = (
    "no haclus(1M) page in the stored manuals: -state [CLUSTER] [-localclus] as public "
    "administrators' scripts run and read it"
)
HASTATUS = (
    "no hastatus(1M) page in the stored manuals: -sum as administrators' published "
    "transcripts show it (sections SYSTEM STATE and GROUP STATE)"
)
HASTOP_HELP = "hastop(1M), VCS 5.0 manual pages, SYNOPSIS (hastop [-help]); " + HASTOP
HASTOP_SYSOFFLINE = (
    "InfoScale 7.4.1 Patch 1200 Release Notes (Linux), Stopping VCS without evacuating "
    "service groups (the VCS stop script runs hastop -sysoffline -noautodisable)"
)
HELP = "prints the command's usage (of the -modify, -link or -list forms when one is named)"
REFERENCE_SHEET = (
    "no page in the stored manuals: the form as an InfoScale Availability command-line "
    "reference sheet lists it"
)

# -- messages ----------------------------------------------------------------------------------
# VCS's numbers where public VCS client code shows what VCS printed (see docs/simulator.md);
# the others are the simulator's own, in VCS's shape.
USAGE = "V-16-1-10000"
ENTRY_EXISTS = "V-16-1-10563"  # Entry already in keylist
ENTRY_MISSING = "V-16-1-10566"  # Entry not found in attribute keylist
BAD_VALUE = "V-16-1-10550"
NOT_LOCAL = "V-16-1-10551"
IS_LOCAL = "V-16-1-10552"
STATIC = "V-16-1-10553"
UNKNOWN_ATTR = "V-16-1-10510"
NOT_WRITABLE = "V-16-1-10369"  # Cluster not writable (no haconf -makerw)


class FormError(ValueError):
    """An argv that is not a documented form, or a value the form cannot take."""

    def __init__(self, message, form=None, msgid=USAGE):
        super().__init__(message)
        self.form = form
        self.msgid = msgid


# -- the table ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Opt:
    """An option word: a switch, or a flag with one value (``-sys S``) or several."""

    flag: str
    value: str = ""
    many: bool = False

    @property
    def key(self):
        return self.flag.lstrip("-")

    def text(self):
        if not self.value:
            return self.flag
        return f"{self.flag} {self.value}..." if self.many else f"{self.flag} {self.value}"


@dataclass(frozen=True)
class Form:
    """One documented command form.

    ``args``: positional placeholders in order; ``[X]`` optional, ``X...`` one or more,
    ``[X...]`` any number. ``VALUE...`` (attribute values) also takes the -modify words
    ``-add``, ``-update``, ``-delete [-keys]`` first. ``need``: groups of option flags of
    which exactly one is given; ``exclusive``: groups of which at most one is given.
    ``modelled``: whether the simulator implements what the form does."""

    cmd: str
    op: str
    args: Tuple[str, ...] = ()
    opts: Tuple[Opt, ...] = ()
    need: Tuple[Tuple[str, ...], ...] = ()
    exclusive: Tuple[Tuple[str, ...], ...] = ()
    choices: Tuple[Tuple[str, Tuple[str, ...]], ...] = ()
    source: str = ""
    note: str = ""
    aliases: Tuple[str, ...] = ()
    modelled: bool = True

    @property
    def key(self):
        return f"{self.cmd} {self.op}" if self.op else self.cmd

    def syntax(self) -> str:
        """The form as the table shows it, e.g. ``hagrp -online [-force | -propagate] GROUP
        {-sys SYSTEM | -any}``."""
        grouped = {f for grp in self.need + self.exclusive for f in grp}
        optmap = {o.flag: o for o in self.opts}
        words = [self.cmd] + ([self.op] if self.op else [])
        for grp in self.exclusive:
            words.append("[" + " | ".join(optmap[f].text() for f in grp) + "]")
        words += [f"[{o.text()}]" for o in self.opts if o.flag not in grouped and not o.value]
        words += list(self.args)
        words += [f"[{o.text()}]" for o in self.opts if o.flag not in grouped and o.value]
        for grp in self.need:
            words.append("{" + " | ".join(optmap[f].text() for f in grp) + "}")
        return " ".join(words)


def _o(*specs):
    out = []
    for spec in specs:
        flag, _, value = spec.partition(" ")
        many = value.endswith("...")
        out.append(Opt(flag, value.rstrip("."), many))
    return tuple(out)


SYS = _o("-sys SYSTEM")
# The cluster a command acts on (global clusters): the simulator runs one (commands.py).
CLUS = _o("-clus CLUSTER", "-localclus")
CLUS_X = ("-clus", "-localclus")
CATEGORIES = ("online", "offline")
LOCATIONS = ("local", "global", "remote")
RIGIDITIES = ("soft", "firm", "hard")

CLUS_ONLY = _o("-clus CLUSTER")  # -wait: "[-clus cluster]", no -localclus on that form
# What -force does is in the pages' OPTIONS text, which the stored copies do not reach.
_FORCE = "simulator: -force not modelled (the stored pages give its synopsis only)"

_SYNOPSIS = "simulator: not modelled (the stored page gives its synopsis only)"
_AGENT = (
    "simulator: not modelled (no stored manual says what the engine does with the resources "
    "of a stopped agent, nor how -display prints)"
)

_MOD_NOTE = (
    "a scalar takes one value; lists and associations are replaced, or changed with -add, "
    "-update, -delete KEY..., and cleared with -delete -keys; -sys only for a localized "
    "attribute"
)

FORMS: Tuple[Form, ...] = (
    # haconf
    Form("haconf", "-makerw", source=HACONF, note="refused when already writable"),
    Form("haconf", "-dump", opts=_o("-makero"), source=HACONF, note="refused when read-only"),
    Form("haconf", "-help", source=HACONF, note=HELP),
    # hacf
    Form("hacf", "-verify", ("DIRECTORY",), source=HACF, note="prints nothing when valid"),
    # hagrp: configuration
    Form("hagrp", "-add", ("GROUP",), source=HAGRP),
    Form("hagrp", "-delete", ("GROUP",), source=HAGRP, note="refused while it has resources"),
    Form(
        "hagrp",
        "-link",
        ("PARENT", "CHILD", "CATEGORY", "LOCATION", "[RIGIDITY]"),
        choices=(("category", CATEGORIES), ("location", LOCATIONS), ("rigidity", RIGIDITIES)),
        source=LINK,
        note="category and location required; rigidity defaults to firm",
    ),
    Form("hagrp", "-unlink", ("PARENT", "CHILD"), source=HAGRP),
    Form("hagrp", "-local", ("GROUP", "ATTR"), source=HAGRP),
    Form("hagrp", "-global", ("GROUP", "ATTR", "VALUE..."), source=HAGRP, note="needs a value"),
    Form("hagrp", "-modify", ("GROUP", "ATTR", "VALUE..."), SYS, source=MODIFY, note=_MOD_NOTE),
    # hagrp: state
    Form(
        "hagrp",
        "-online",
        ("GROUP",),
        _o(
            "-force",
            "-propagate",
            "-nopre",
            "-sys SYSTEM",
            "-any",
            "-checkpartial SYSTEM",
            "-site SITE",
        )
        + CLUS,
        need=(("-sys", "-any", "-site"),),
        exclusive=(("-force", "-propagate"), CLUS_X),
        source=HAGRP,
        note="-nopre and -checkpartial only with -sys; -checkpartial and -site not modelled; "
        + _FORCE,
    ),
    Form(
        "hagrp",
        "-offline",
        ("GROUP",),
        _o("-force", "-propagate", "-ifprobed", "-sys SYSTEM", "-any", "-site SITE") + CLUS,
        need=(("-sys", "-any", "-site"),),
        exclusive=(("-force", "-propagate"), CLUS_X),
        source=HAGRP,
        note="-site not modelled; " + _FORCE,
    ),
    Form(
        "hagrp",
        "-switch",
        ("GROUP",),
        _o("-to SYSTEM", "-any", "-site SITE", "-nopre") + CLUS,
        need=(("-to", "-any", "-site"),),
        note="-nopre only with -to and -localclus; -site not modelled (the simulator has no sites)",
        exclusive=(CLUS_X,),
        source=HAGRP,
    ),
    Form(
        "hagrp",
        "-freeze",
        ("GROUP",),
        _o("-persistent") + CLUS,
        exclusive=(("-persistent",) + CLUS_X,),
        source=HAGRP,
    ),
    Form(
        "hagrp",
        "-unfreeze",
        ("GROUP",),
        _o("-persistent") + CLUS,
        exclusive=(("-persistent",) + CLUS_X,),
        source=HAGRP,
    ),
    Form("hagrp", "-enable", ("GROUP",), SYS, source=HAGRP),
    Form("hagrp", "-disable", ("GROUP",), SYS, source=HAGRP),
    Form("hagrp", "-autoenable", ("GROUP",), SYS, need=(("-sys",),), source=HAGRP),
    Form("hagrp", "-enableresources", ("GROUP",), source=HAGRP),
    Form("hagrp", "-disableresources", ("GROUP",), source=HAGRP),
    Form("hagrp", "-clear", ("GROUP",), SYS + CLUS, exclusive=(CLUS_X,), source=HAGRP),
    Form(
        "hagrp",
        "-clearadminwait",
        ("GROUP",),
        _o("-fault", "-sys SYSTEM"),
        need=(("-sys",),),
        source=HAGRP,
    ),
    Form(
        "hagrp",
        "-flush",
        ("GROUP",),
        _o("-force", "-sys SYSTEM") + CLUS,
        need=(("-sys",),),
        exclusive=(CLUS_X,),
        source=HAGRP,
    ),
    # hagrp: queries
    Form(
        "hagrp",
        "-display",
        ("[GROUP...]",),
        _o("-attribute ATTR...", "-sys SYSTEM...") + CLUS,
        exclusive=(CLUS_X,),
        source=HAGRP,
    ),
    Form(
        "hagrp",
        "-state",
        ("[GROUP...]",),
        _o("-sys SYSTEM...") + CLUS,
        exclusive=(CLUS_X,),
        source=HAGRP,
    ),
    Form(
        "hagrp",
        "-list",
        ("[CONDITION...]",),
        CLUS,
        exclusive=(CLUS_X,),
        source=HAGRP,
        note="Attr=Value, !=, =~",
    ),
    Form("hagrp", "-value", ("GROUP", "ATTR", "[SYSTEM]"), CLUS, exclusive=(CLUS_X,), source=HAGRP),
    Form("hagrp", "-dep", ("[GROUP...]",), source=HAGRP),
    Form("hagrp", "-resources", ("GROUP",), source=HAGRP),
    Form("hagrp", "-forecast", ("GROUP",), _o("-verbose"), source=HAGRP),
    Form(
        "hagrp",
        "-wait",
        ("GROUP", "ATTR", "VALUE"),
        _o("-sys SYSTEM", "-time SECONDS") + CLUS_ONLY,
        source="hagrp(1M), VCS 5.0MP3 manual pages, SYNOPSIS",
    ),
    Form(
        "hagrp",
        "-help",
        (),
        _o("-modify", "-link", "-list"),
        exclusive=(("-modify", "-link", "-list"),),
        source="hagrp(1M), VCS 5.0MP3 manual pages, SYNOPSIS",
        note=HELP,
    ),
    # hares: configuration
    Form("hares", "-add", ("RESOURCE", "TYPE", "GROUP"), source=HARES, note="added disabled"),
    Form(
        "hares",
        "-delete",
        ("RESOURCE",),
        _o("-force"),
        source=HARES_DELETE,
        note="an online resource too while the cluster's DeleteOnlineResource is 1 (default)",
    ),
    Form(
        "hares",
        "-link",
        ("PARENT", "CHILD..."),
        _o("-min NUMBER"),
        source=HARES,
        note="CHILD, CHILD... -min NUMBER (an at-least dependency) not modelled",
    ),
    Form(
        "hares",
        "-unlink",
        ("PARENT", "CHILD..."),
        source=HARES,
        note="CHILD, CHILD...: each link removed; none when one of them is not a link",
    ),
    Form("hares", "-local", ("RESOURCE", "ATTR"), source=HARES),
    Form("hares", "-global", ("RESOURCE", "ATTR", "VALUE..."), source=HARES, note="needs a value"),
    Form("hares", "-override", ("RESOURCE", "ATTR"), source=OVERRIDE, note="static attributes"),
    Form("hares", "-undo_override", ("RESOURCE", "ATTR"), source=OVERRIDE),
    Form(
        "hares",
        "-modify",
        ("RESOURCE", "ATTR", "VALUE..."),
        SYS,
        source=MODIFY,
        note=_MOD_NOTE + "; a static attribute only once overridden",
    ),
    # hares: state
    Form(
        "hares",
        "-online",
        ("RESOURCE",),
        _o("-force", "-sys SYSTEM"),
        need=(("-sys",),),
        source=HARES,
        note=_FORCE,
    ),
    Form(
        "hares",
        "-offline",
        ("RESOURCE",),
        _o("-ignoreparent", "-parentprop", "-sys SYSTEM"),
        need=(("-sys",),),
        exclusive=(("-ignoreparent", "-parentprop"),),
        source=HARES_OFFLINE,
        note=(
            "refused while a parent is online there, unless -ignoreparent (the parents stay "
            "online) or -parentprop (the online parents go offline first)"
        ),
    ),
    Form(
        "hares",
        "-offprop",
        ("RESOURCE",),
        _o("-ignoreparent", "-sys SYSTEM"),
        need=(("-sys",),),
        source=HARES_OFFPROP,
        note=(
            "the resource, then its online children, parents first; refused while a parent "
            "is online there, unless -ignoreparent"
        ),
    ),
    Form("hares", "-probe", ("RESOURCE",), SYS, need=(("-sys",),), source=HARES),
    Form("hares", "-clear", ("RESOURCE",), SYS, source=HARES),
    Form(
        "hares",
        "-action",
        ("RESOURCE", "TOKEN"),
        _o("-actionargs ARG...", "-sys SYSTEM") + CLUS,
        need=(("-sys",),),
        exclusive=(CLUS_X,),
        source=HARES,
        note="TOKEN among the type's SupportedActions",
    ),
    # hares: queries
    Form(
        "hares",
        "-display",
        ("[RESOURCE...]",),
        _o(
            "-attribute ATTR...",
            "-group GROUP...",
            "-type TYPE...",
            "-sys SYSTEM...",
            "-ovalues",
        )
        + CLUS,
        exclusive=(CLUS_X,),
        source=HARES,
        note="-ovalues not modelled",
    ),
    Form("hares", "-state", ("[RESOURCE]",), SYS + CLUS, exclusive=(CLUS_X,), source=HARES),
    Form("hares", "-list", ("[CONDITION...]",), CLUS, exclusive=(CLUS_X,), source=HARES),
    Form(
        "hares", "-value", ("RESOURCE", "ATTR", "[SYSTEM]"), CLUS, exclusive=(CLUS_X,), source=HARES
    ),
    Form(
        "hares",
        "-dep",
        ("[RESOURCE...]",),
        _o("-atleast"),
        source=HARES,
        note="-atleast not modelled",
    ),
    Form(
        "hares",
        "-wait",
        ("RESOURCE", "ATTR", "VALUE"),
        _o("-sys SYSTEM", "-time SECONDS") + CLUS_ONLY,
        source=HARES,
    ),
    Form(
        "hares",
        "-refreshinfo",
        ("RESOURCE",),
        SYS + CLUS,
        need=(CLUS_X,),
        source=HARES,
        note=_SYNOPSIS,
        modelled=False,
    ),
    Form(
        "hares",
        "-flushinfo",
        ("RESOURCE",),
        SYS + CLUS,
        need=(CLUS_X,),
        source=HARES,
        note=_SYNOPSIS,
        modelled=False,
    ),
    Form(
        "hares",
        "-help",
        (),
        _o("-modify", "-list"),
        exclusive=(("-modify", "-list"),),
        source=HARES,
        note=HELP,
    ),
    # hasys
    Form("hasys", "-add", ("SYSTEM",), source=HASYS, note="joins when its engine starts"),
    Form("hasys", "-delete", ("SYSTEM",), source=HASYS_DELETE, note="only EXITED or UNKNOWN"),
    Form("hasys", "-modify", ("SYSTEM", "ATTR", "VALUE..."), source=HASYS + "; " + MODIFY),
    Form("hasys", "-freeze", ("SYSTEM",), _o("-persistent", "-evacuate"), source=HASYS),
    Form("hasys", "-unfreeze", ("SYSTEM",), _o("-persistent"), source=HASYS),
    Form(
        "hasys",
        "-display",
        ("[SYSTEM...]",),
        _o("-attribute ATTR...") + CLUS,
        exclusive=(CLUS_X,),
        source=HASYS,
    ),
    Form("hasys", "-state", ("[SYSTEM]",), CLUS, exclusive=(CLUS_X,), source=HASYS),
    Form("hasys", "-list", ("[CONDITION...]",), CLUS, exclusive=(CLUS_X,), source=HASYS),
    Form("hasys", "-value", ("SYSTEM", "ATTR"), CLUS, exclusive=(CLUS_X,), source=HASYS),
    Form(
        "hasys", "-wait", ("SYSTEM", "ATTR", "VALUE"), _o("-time SECONDS") + CLUS_ONLY, source=HASYS
    ),
    Form(
        "hasys",
        "-updatelic",
        (),
        _o("-sys SYSTEM", "-all"),
        need=(("-sys", "-all"),),
        source=HASYS,
        note=_SYNOPSIS,
        modelled=False,
    ),
    Form(
        "hasys",
        "-help",
        (),
        _o("-modify", "-list"),
        exclusive=(("-modify", "-list"),),
        source=HASYS,
        note=HELP,
    ),
    Form(
        "hasys",
        "-force",
        ("SYSTEM",),
        source=HASYS_FORCE,
        note=(
            "simulator: not modelled (it builds from SYSTEM's configuration when every system "
            "waits in ADMIN_WAIT, a wait the simulator never enters)"
        ),
        modelled=False,
    ),
    Form("hasys", "-nodeid", ("[NODEID]",), source=HASYS, note=_SYNOPSIS, modelled=False),
    Form("hasys", "-util", ("SYSTEM",), source=HASYS, note=_SYNOPSIS, modelled=False),
    Form("hasys", "-dumptunables", ("SYSTEM",), source=HASYS, note=_SYNOPSIS, modelled=False),
    Form(
        "hasys",
        "-load",
        ("SYSTEM", "VALUE"),
        source=HASYS,
        note="simulator: not modelled (the stored pages do not say which attribute it sets)",
        modelled=False,
    ),
    # haclus
    Form("haclus", "-modify", ("ATTR", "VALUE..."), source=HACLUS, note=_MOD_NOTE),
    Form("haclus", "-value", ("ATTR",), source=HACLUS),
    Form("haclus", "-display", (), _o("-attribute ATTR..."), source=HACLUS),
    Form("haclus", "-wait", ("ATTR", "VALUE"), _o("-time SECONDS"), source=HACLUS),
    Form(
        "haclus",
        "-state",
        ("[CLUSTER]",),
        CLUS,
        exclusive=(CLUS_X,),
        source=HACLUS_STATE,
        note="the cluster's state (RUNNING while VCS runs on a system); another cluster refused",
    ),
    # hatype
    Form("hatype", "-add", ("TYPE",), source=HATYPE, note="refused for a type hatype -list shows"),
    Form("hatype", "-delete", ("TYPE",), source=HATYPE, note="refused while resources use it"),
    Form("hatype", "-modify", ("TYPE", "ATTR", "VALUE..."), source=HATYPE + "; " + MODIFY),
    Form("hatype", "-display", ("[TYPE...]",), _o("-attribute ATTR..."), source=HATYPE),
    Form("hatype", "-resources", ("TYPE",), source=HATYPE),
    Form("hatype", "-list", ("[CONDITION...]",), source=HATYPE),
    Form("hatype", "-value", ("TYPE", "ATTR"), source=HATYPE),
    Form(
        "hatype",
        "-help",
        (),
        _o("-modify", "-list"),
        exclusive=(("-modify", "-list"),),
        source=HATYPE,
        note=HELP,
    ),
    # haattr
    Form(
        "haattr",
        "-add",
        ("TYPE", "ATTR", "[DEFAULT...]"),
        _o(
            "-static",
            "-temp",
            "-string",
            "-integer",
            "-boolean",
            "-scalar",
            "-vector",
            "-keylist",
            "-assoc",
        ),
        exclusive=(
            ("-static", "-temp"),
            ("-string", "-integer", "-boolean"),
            ("-scalar", "-vector", "-keylist", "-assoc"),
        ),
        source=HAATTR,
        note="value type and dimension spellings UNVERIFIED (see docs/packaging.md)",
    ),
    Form("haattr", "-default", ("TYPE", "ATTR", "DEFAULT..."), source=HAATTR),
    Form(
        "haattr",
        "-delete",
        ("TYPE", "ATTR"),
        _o("-static", "-temp"),
        exclusive=(("-static", "-temp"),),
        source=HAATTR,
    ),
    Form(
        "haattr",
        "-display",
        ("OBJECT",),
        source=HAATTR,
        note="OBJECT: cluster, group, system, heartbeat or a type; simulator: not modelled "
        "(the stored page does not show its output)",
        modelled=False,
    ),
    Form("haattr", "-help", source=HAATTR, note=HELP),
    # hastatus
    Form("hastatus", "-sum", aliases=("-summary",), source=HASTATUS),
    Form(
        "hastatus",
        "",
        (),
        _o("-group GROUP..."),
        source=REFERENCE_SHEET,
        note="simulator: not modelled (it goes on printing changes; no stored page shows how)",
        modelled=False,
    ),
    # hastart
    Form(
        "hastart",
        "",
        (),
        _o("-stale", "-force", "-onenode"),
        exclusive=(("-stale", "-force", "-onenode"),),
        source=HASTART + "; -onenode: Admin 7.2, Starting the VCS engine (HAD) and related "
        "processes, To start VCS on a single-node cluster (its spelling: " + REFERENCE_SHEET + ")",
        note=(
            "starts VCS on the local system; refused where it runs. -stale and -force "
            "(a stale local configuration) and -onenode not modelled: the simulator's "
            "configuration is never stale, its cluster never single-node. The local system "
            "as for hastop -local"
        ),
    ),
    # haagent
    Form("haagent", "-start", ("AGENT",), SYS, source=HAAGENT, note=_AGENT, modelled=False),
    Form(
        "haagent",
        "-stop",
        ("AGENT",),
        _o("-force", "-sys SYSTEM"),
        source=HAAGENT,
        note=_AGENT,
        modelled=False,
    ),
    Form("haagent", "-display", ("[AGENT...]",), source=HAAGENT, note=_AGENT, modelled=False),
    Form("haagent", "-list", (), source=HAAGENT, note=_AGENT, modelled=False),
    # hastop
    Form("hastop", "-all", (), _o("-force"), source=HASTOP),
    Form(
        "hastop",
        "-local",
        (),
        _o("-force", "-evacuate", "-noautodisable"),
        exclusive=(("-force", "-evacuate"), ("-force", "-noautodisable")),
        source=HASTOP,
        note="simulator: the local system is an events file's cmd system: (else use -sys)",
    ),
    Form(
        "hastop",
        "-sys",
        ("SYSTEM...",),
        _o("-force", "-evacuate", "-noautodisable"),
        exclusive=(("-force", "-evacuate"), ("-force", "-noautodisable")),
        source=HASTOP,
    ),
    Form("hastop", "-help", source=HASTOP_HELP, note=HELP),
    Form(
        "hastop",
        "-sysoffline",
        (),
        _o("-noautodisable"),
        source=HASTOP_SYSOFFLINE,
        note="simulator: not modelled (the release note says only that the groups are not "
        "evacuated)",
        modelled=False,
    ),
)

COMMANDS = tuple(dict.fromkeys(f.cmd for f in FORMS))
_BY_OP: Dict[Tuple[str, str], Form] = {}
for _f in FORMS:
    for _op in (_f.op,) + _f.aliases:
        _BY_OP[(_f.cmd, _op)] = _f

# Words that begin a -modify value instead of being options (5.1 Administrator's Guide).
MODIFIERS = ("-add", "-update", "-delete")


def form(cmd: str, op: str) -> Optional[Form]:
    return _BY_OP.get((cmd, op))


def usage(cmd: str) -> str:
    """Every documented form of one command, one per line."""
    return "".join(f"    {f.syntax()}\n" for f in FORMS if f.cmd == cmd)


# -- parsing -----------------------------------------------------------------------------------


@dataclass
class Call:
    """A parsed command: its form and its words by placeholder (``group``, ``value``,
    ``sys``, ``force`` ...). Values are unescaped."""

    form: Form
    argv: List[str]
    args: Dict[str, object] = field(default_factory=dict)

    def get(self, key, default=None):
        return self.args.get(key, default)

    def __getitem__(self, key):
        return self.args[key]


def escape(value) -> str:
    """One command-line value: booleans as 0/1; a leading ``-`` or ``%`` gets a ``%``."""
    if isinstance(value, bool):
        value = int(value)
    s = str(value)
    return "%" + s if s[:1] in ("-", "%") else s


def unescape(word: str) -> str:
    """The value a command-line word stands for: one leading ``%`` removed."""
    return word[1:] if word[:1] == "%" else word


_VALUES = ("VALUE", "DEFAULT")


def _placeholder(spec):
    optional = spec.startswith("[")
    name = spec.strip("[]")
    many = name.endswith("...")
    name = name.rstrip(".")
    return name, optional, many


def _key(name):
    return name.lower()


def parse(argv) -> Call:
    """The documented form of ``argv`` with its words; ``FormError`` saying what is wrong
    (and the form's syntax) when it is not one."""
    argv = [str(a) for a in argv]
    if not argv:
        raise FormError("no command")
    cmd = argv[0].rsplit("/", 1)[-1]
    if cmd not in COMMANDS:
        raise FormError(f"unknown command {cmd}")
    f = form(cmd, argv[1]) if len(argv) > 1 and argv[1] else None
    words = argv[2:]
    if f is None and form(cmd, "") is not None:  # a form with no option word (hastart)
        f, words = form(cmd, ""), argv[1:]
    if f is None:
        if len(argv) < 2:
            raise FormError(f"{cmd} needs an option")
        raise FormError(f"{cmd}: unknown option {argv[1]}")
    call = Call(f, argv)
    optmap = {o.flag: o for o in f.opts}
    specs = [_placeholder(a) for a in f.args]
    value_at = next((i for i, s in enumerate(specs) if s[0] in _VALUES and s[2]), None)
    pos: List[str] = []
    i = 0
    while i < len(words):
        w = words[i]
        o = optmap.get(w)
        if o is not None:
            i = _take_option(call, o, words, i + 1)
            continue
        if w.startswith("-") and value_at is not None and len(pos) >= value_at:
            first = len(pos) == value_at
            if (first and w in MODIFIERS and specs[value_at][0] == "VALUE") or (
                w == "-keys" and pos[-1:] == ["-delete"] and len(pos) == value_at + 1
            ):
                pos.append(w)
                i += 1
                continue
        if w.startswith("-"):
            raise FormError(
                f"{f.key}: unknown option {w} (a value starting with '-' is written {escape(w)})",
                f,
            )
        pos.append(w)
        i += 1
    _bind(call, specs, pos)
    for grp in f.need:
        given = [g for g in grp if g.lstrip("-") in call.args]
        if len(given) != 1:
            what = " or ".join(grp) if len(grp) > 1 else grp[0]
            raise FormError(f"{f.key} needs {'exactly one of ' if given else ''}{what}", f)
    for grp in f.exclusive:
        given = [g for g in grp if g.lstrip("-") in call.args]
        if len(given) > 1:
            raise FormError(f"{f.key}: {' and '.join(given)} exclude each other", f)
    for key, allowed in f.choices:
        v = call.args.get(key)
        if v is not None and v not in allowed:
            raise FormError(f"{f.key}: {key} is one of {', '.join(allowed)}, not {v}", f)
    return call


def _take_option(call, o, words, i):
    f = call.form
    if not o.value:
        if o.key in call.args:
            raise FormError(f"{f.key}: {o.flag} given twice", f)
        call.args[o.key] = True
        return i
    taken = []
    while i < len(words) and not words[i].startswith("-") and (o.many or not taken):
        taken.append(unescape(words[i]))
        i += 1
    if not taken:
        raise FormError(f"{f.key}: {o.flag} needs {o.value}", f)
    if o.many:
        call.args.setdefault(o.key, []).extend(taken)
    elif o.key in call.args:
        raise FormError(f"{f.key}: {o.flag} given twice", f)
    else:
        call.args[o.key] = taken[0]
    return i


def _bind(call, specs, pos):
    f = call.form
    need = sum(1 for _, optional, _ in specs if not optional)
    if len(pos) < need:
        missing = [n for n, optional, _ in specs if not optional][len(pos) :] or ["an argument"]
        raise FormError(f"{f.key}: missing {missing[0]} ({f.syntax()})", f)
    spare = len(pos) - need
    i = 0
    for name, optional, many in specs:
        if many:
            count = (0 if optional else 1) + spare
            spare = 0
        elif optional:
            count = 1 if spare > 0 else 0
            spare -= count
        else:
            count = 1
        taken = pos[i : i + count]
        i += count
        if name in _VALUES and many:  # modifiers stay as written
            taken = [w if w in MODIFIERS or w == "-keys" else unescape(w) for w in taken]
        else:
            taken = [unescape(w) for w in taken]
        if many:
            call.args[_key(name)] = taken
        elif taken:
            call.args[_key(name)] = taken[0]
    if i < len(pos):
        raise FormError(f"{f.key}: unexpected argument {pos[i]} ({f.syntax()})", f)


# -- values ------------------------------------------------------------------------------------

_INT = re.compile(r"-?[0-9]+\Z")


def _typed(word, dtype, attr):
    if dtype in ("int", "boolean"):
        if not _INT.match(word):
            raise FormError(f"{attr}: {word!r} is not an integer", msgid=BAD_VALUE)
        n = int(word)
        if dtype == "boolean" and n not in (0, 1):
            raise FormError(f"{attr}: a boolean is 0 or 1, not {word}", msgid=BAD_VALUE)
        return n
    if dtype == "float":
        # an integer or a decimal (Capacity, Load: docs/vcs-language.md, "The verifier's
        # attribute tables"), read as a file's bare value is, so a dump writes it bare
        from vxha.vcs_types.cf_lines import number

        value = number(word) if word else word
        if value.__class__ is str:
            raise FormError(f"{attr}: {word!r} is not a number", msgid=BAD_VALUE)
        return value
    return word


def _keys(words, attr):
    for w in words:
        if w == "":
            raise FormError(
                f"{attr}: an empty word is no key (clear the attribute with -delete -keys)",
                msgid=BAD_VALUE,
            )


def new_value(attr, dtype, dim, current, words, known=True):
    """The value ``-modify ATTR words...`` gives an attribute of that data type and
    dimension (``current``: its value now), or FormError as VCS refuses it. ``known``
    False: the current value is not known, only the words' shape is checked."""
    if not words:
        raise FormError(f"{attr}: no value", msgid=BAD_VALUE)
    op = words[0] if words[0] in MODIFIERS else None
    rest = words[1:] if op else list(words)
    if dim == "scalar":
        if op:
            raise FormError(f"{attr} is a scalar: {op} applies to lists", msgid=BAD_VALUE)
        if len(rest) != 1:
            raise FormError(f"{attr} is a scalar: it takes one value", msgid=BAD_VALUE)
        return _typed(rest[0], dtype, attr)
    if op == "-delete" and rest == ["-keys"]:
        return {} if dim == "association" else []
    if op and not rest:
        raise FormError(f"{attr}: {op} needs values", msgid=BAD_VALUE)
    if dim == "association":
        return _assoc(attr, dtype, current if known else None, op, rest, known)
    if op == "-update" and dim == "keylist":
        raise FormError(f"{attr} is a keylist: -update applies to vectors and associations")
    if dim == "keylist":
        _keys(rest, attr)
    items = list(rest) if op == "-delete" else [_typed(w, dtype, attr) for w in rest]
    if dim == "keylist" and len(set(map(str, items))) != len(items):
        raise FormError(f"{attr}: a key is given twice", msgid=ENTRY_EXISTS)
    cur = list(current) if known and isinstance(current, list) else []
    if op is None or op == "-update":
        return items
    if op == "-delete":
        missing = [w for w in rest if w not in map(str, cur)]
        if known and missing:
            raise FormError(f"{attr}: {missing[0]} not found", msgid=ENTRY_MISSING)
        return [v for v in cur if str(v) not in rest]
    dup = [v for v in items if v in cur]
    if dim == "keylist" and dup:
        raise FormError(f"{attr}: {dup[0]} is already in the keylist", msgid=ENTRY_EXISTS)
    return cur + items


def _assoc(attr, dtype, current, op, rest, known):
    cur = dict(current) if isinstance(current, dict) else {}
    if op == "-delete":
        _keys(rest, attr)
        for k in rest:
            if known and k not in cur:
                raise FormError(f"{attr}: key {k} not found", msgid=ENTRY_MISSING)
            cur.pop(k, None)
        return cur
    if len(rest) % 2:
        hint = " (to clear it: -delete -keys)" if len(rest) == 1 else ""
        raise FormError(
            f"{attr} is an association: it takes key value pairs{hint}", msgid=BAD_VALUE
        )
    pairs = list(zip(rest[::2], rest[1::2]))
    keys = [k for k, _ in pairs]
    _keys(keys, attr)
    if len(set(keys)) != len(keys):
        raise FormError(f"{attr}: a key is given twice", msgid=ENTRY_EXISTS)
    if op is None:
        return {k: _typed(v, dtype, attr) for k, v in pairs}
    for k, v in pairs:
        if known and op == "-add" and k in cur:
            raise FormError(f"{attr}: key {k} already exists", msgid=ENTRY_EXISTS)
        if known and op == "-update" and k not in cur:
            raise FormError(f"{attr}: key {k} not found", msgid=ENTRY_MISSING)
        cur[k] = _typed(v, dtype, attr)
    return cur


# -- checking an argv --------------------------------------------------------------------------

# (data type, dimension, static) of an attribute, or None when unknown.
AttrInfo = Tuple[str, str, bool]
Lookup = Callable[[str, Optional[str], str], Optional[AttrInfo]]

# Attribute changes the guides make with their own commands, not -modify.
STATE_COMMANDS = {
    ("hagrp", "Enabled"): "hagrp -enable | -disable GROUP [-sys SYSTEM]",
    ("hagrp", "Frozen"): "hagrp -freeze | -unfreeze GROUP -persistent",
    ("hagrp", "TFrozen"): "hagrp -freeze | -unfreeze GROUP",
    ("hasys", "Frozen"): "hasys -freeze | -unfreeze -persistent SYSTEM",
    ("hasys", "TFrozen"): "hasys -freeze | -unfreeze SYSTEM",
}
_KIND = {"hagrp": "group", "hares": "resource", "hasys": "system", "haclus": "cluster"}


def standard_lookup(kind, obj, attr) -> Optional[AttrInfo]:
    """Group, system and cluster attributes from the verifier's tables; an attribute with
    a choice of dimensions (Load, Capacity) as an association, its form since 7.0
    (VCS 7.0 Administrator's Guide, System attributes)."""
    from vxha.vcs_types import verify

    table = {
        "group": verify.GROUP_ATTRS,
        "system": verify.SYSTEM_ATTRS,
        "cluster": verify.CLUSTER_ATTRS,
    }.get(kind)
    if table is None or attr not in table:
        return None
    dtype, dims = table[attr]
    dim = dims if isinstance(dims, str) else "association"
    return dtype, dim, False


def check(argv, lookup: Optional[Lookup] = None) -> Optional[str]:
    """None when ``argv`` is a documented form with values its attribute can take, else
    why not. ``lookup(kind, object, attr)`` gives (data type, dimension, static) for the
    attributes it knows (default: group, system and cluster attributes); an attribute it
    does not know is not checked. State (is it localized? overridden?) is the cluster's."""
    try:
        call = parse(argv)
    except FormError as exc:
        return str(exc)
    f = call.form
    if f.op not in ("-modify", "-global"):
        return None
    attr = call["attr"]
    state = STATE_COMMANDS.get((f.cmd, attr))
    if state:
        return f"{f.cmd} -modify {attr}: the documented command is {state}"
    kind = _KIND.get(f.cmd)
    if kind is None:
        return None
    obj = call.get("group") or call.get("resource") or call.get("system")
    info = (lookup or standard_lookup)(kind, obj, attr)
    if info is None:
        return None
    dtype, dim, static = info
    try:
        new_value(attr, dtype, dim, None, call["value"], known=False)
    except FormError as exc:
        return f"{' '.join(argv)}: {exc}"
    return None


# -- emitting ----------------------------------------------------------------------------------


def value_words(value, dim) -> List[str]:
    """A value as command-line words: scalars one word, lists their items, associations
    key value pairs; each escaped."""
    if dim == "scalar":
        return [escape(value)]
    if dim == "association":
        out: List[str] = []
        for k, v in value.items():
            out += [escape(k), escape(v)]
        return out
    return [escape(v) for v in value]


def _head(cmd, obj):
    return [cmd] if obj is None else [cmd, obj]  # haclus names no object


def _sys(system):
    return ["-sys", system] if system else []


def clear(cmd, obj, attr, system=None) -> List[str]:
    """Empty a vector, keylist or association: ``-modify OBJ ATTR -delete -keys``."""
    return (
        [cmd, "-modify"]
        + ([obj] if obj is not None else [])
        + [attr, "-delete", "-keys"]
        + _sys(system)
    )


def modify(cmd, obj, attr, value, dim, system=None) -> List[str]:
    """``-modify`` setting a whole value; an empty list or association is cleared with
    ``-delete -keys`` (a lone ``0`` or ``''`` is not how VCS clears one)."""
    if dim != "scalar" and not value:
        return clear(cmd, obj, attr, system)
    head = [cmd, "-modify"] + ([obj] if obj is not None else [])
    return head + [attr] + value_words(value, dim) + _sys(system)


def localize(cmd, obj, attr) -> List[str]:
    return [cmd, "-local", obj, attr]


def globalize(cmd, obj, attr, value, dim) -> List[str]:
    """``-global OBJ ATTR VALUE...``: the form needs a value, so an empty one is refused
    here (globalize with a value, then clear)."""
    words = value_words(value, dim) if dim != "scalar" else [escape(value)]
    if not words:
        raise ValueError(f"{cmd} -global {obj} {attr} needs a value (then clear it)")
    return [cmd, "-global", obj, attr] + words


def override(resource, attr) -> List[str]:
    return ["hares", "-override", resource, attr]


def override_refusal(resource, attr) -> Optional[str]:
    """Why VCS refuses ``hares -override RESOURCE ATTR`` for a static attribute the guides
    keep type-level (None when it may be overridden); sent with ``STATIC``."""
    from vxha.vcs_types.decl import NOT_OVERRIDABLE

    source = NOT_OVERRIDABLE.get(attr)
    if source is None:
        return None
    return (
        f"{attr} cannot be overridden for resource {resource}: its value is set for the "
        f"resource type only ({source})"
    )


def undo_override(resource, attr) -> List[str]:
    return ["hares", "-undo_override", resource, attr]


def enable(group, system=None) -> List[str]:
    return ["hagrp", "-enable", group] + _sys(system)


def disable(group, system=None) -> List[str]:
    return ["hagrp", "-disable", group] + _sys(system)


def freeze(group, persistent=True) -> List[str]:
    return ["hagrp", "-freeze", group] + (["-persistent"] if persistent else [])


def unfreeze(group, persistent=True) -> List[str]:
    return ["hagrp", "-unfreeze", group] + (["-persistent"] if persistent else [])


def link(parent, child, category="online", location="local", rigidity="firm") -> List[str]:
    return ["hagrp", "-link", parent, child, category, location, rigidity]


# -- documentation -----------------------------------------------------------------------------


def markdown_table() -> str:
    """The table docs/operations.md shows under ``## Command forms``."""
    lines = [
        "| form | accepts / refuses | source | simulator |",
        "|---|---|---|---|",
    ]
    for f in FORMS:
        syntax = f.syntax().replace("|", "\\|")
        note = f.note.replace("|", "\\|")
        lines.append(
            f"| `{syntax}` | {note} | {f.source} | {'yes' if f.modelled else 'not modelled'} |"
        )
    return "\n".join(lines) + "\n"
