"""Write the model back as hacf dumps main.cf (layout in docs/vcs-language.md).

Order: includes, types declared in the file itself, cluster, remote clusters,
heartbeats, systems, sites, then each group with its resources, its ``requires`` lines
and the ``// resource dependency tree`` comment hacf appends to every group.
"""

from __future__ import annotations

import re
from marshal import dumps as _marshal

from vxha.vcs_types.decl import format_name, format_scalar, render_type
from vxha.vcs_types.model import Group, Resource, ResourceLink

__all__ = ["write", "write_types", "scalar_text"]


# A bare word starts with a letter ("Attribute data types", User's Guide 5.0MP3 and
# Administrator's Guide 7.0: quotes are not required if a string begins with a letter and
# holds only letters, digits, dashes and underscores); anything else is quoted, "_x" too.
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]*\Z").match


def scalar_text(value):
    """``format_scalar(value)``, faster for the common values."""
    # format_scalar's rules, the common values on short paths: a bare word (an ASCII
    # identifier, as decl's _bare), an integer, a string needing no escapes that
    # is not made of digits (those keep format_scalar's rules), all with str methods
    cls = value.__class__
    if cls is str:
        if value.isidentifier() and value.isascii() and value[0] != "_":
            return value
        if (
            value
            and '"' not in value
            and "\\" not in value
            and "\n" not in value
            and "\r" not in value
            and (value[0] not in "-0123456789" or not (value.isdigit() or value[1:].isdigit()))
        ):
            return '"' + value + '"'
        return format_scalar(value)
    if cls is int:
        return str(value)
    return format_scalar(value)


def _key(name):
    # names, systems and keys repeat from block to block: each is formatted once
    if name.__class__ is not str:
        return format_name(name)
    if name.isidentifier() and name.isascii() and name[0] != "_":
        return name  # the common name: a bare word as it is (a subset of _NAME)
    text = _KEYS.get(name)
    if text is None:
        if len(_KEYS) >= 4096:
            _KEYS.clear()
        # not a name: a scalar, as format_name then writes it (scalar_text is its short path)
        text = _KEYS[name] = name if _NAME(name) else scalar_text(name)
    return text


_KEYS: dict = {}


def _fmt(value):
    cls = value.__class__
    if cls is str:
        if value.isidentifier() and value.isascii() and value[0] != "_":
            return value
        return scalar_text(value)
    if cls is int:
        return str(value)
    if cls is list or cls is dict:
        if not value:
            return "{}"
        # many lists and associations repeat (SystemList, AutoStartList, Load, ...): each is
        # formatted once. The key is the value's marshal bytes, which name each item's exact
        # class (1, True and 1.0 are written differently) and refuse any other class (a
        # subclass, an object): about half the instructions of a tuple of the items and
        # their classes.
        try:
            known = _marshal(value, 2)
            text = _VALUES.get(known)
        except ValueError:  # not plain data: formatted each time
            known = text = None
        if text is None:
            text = _formatted(value, known)
        return text
    return scalar_text(value)


def _formatted(value, known):
    """The text of a non-empty list or association, remembered under its marshal bytes
    ``known`` (None: not plain data, not remembered)."""
    text = _association(value) if value.__class__ is dict else _vector(value)
    if known is not None:
        if len(_VALUES) >= 4096:
            _VALUES.clear()
        _VALUES[known] = text
    return text


def _vector(value):
    # bare words (AutoStartList, ...): joined and checked in C, not a call an item
    try:
        words = ", ".join(value)
    except TypeError:  # not all strings
        words = ""
    if (
        words
        and words.isascii()
        and words[0] != "_"
        and ", _" not in words
        and all(map(str.isidentifier, value))
    ):
        return "{ " + words + " }"
    return "{ " + ", ".join(map(scalar_text, value)) + " }"


_VALUES: dict = {}


def _association(value):
    items = []
    for k, v in value.items():
        key = _KEYS.get(k) if k.__class__ is str else None
        if key is None:
            key = _key(k)
        if v is None:
            items.append(key)
        elif v.__class__ is int:
            items.append(f"{key} = {v}")
        else:
            items.append(key + " = " + scalar_text(v))
    return "{ " + ", ".join(items) + " }"


def _attr_lines(out, indent, obj):
    attrs = obj.attrs
    local = getattr(obj, "local", None)
    append = out.append
    if local:
        # Localized values stand where the attribute stands (hacf writes attributes in one
        # order, whether global or localized); ``order`` is the order they were read in.
        names = getattr(obj, "order", None) or ()
        known = set(names)
        if not (known.issuperset(attrs) and known.issuperset(local)):
            names = list(names)
            names += [n for n in attrs if n not in known]
            names += [n for n in local if n not in known and n not in attrs]
        for name in names:
            if name in attrs:
                append(f"{indent}{name} = {_fmt(attrs[name])}\n")
            per_system = local.get(name)
            if per_system:
                for system, v in per_system.items():
                    if not (
                        system.__class__ is str
                        and system.isidentifier()
                        and system.isascii()
                        and system[0] != "_"
                    ):
                        system = _key(system)
                    append(f"{indent}{name} @{system} = {_fmt(v)}\n")
        return
    for name, value in attrs.items():
        cls = value.__class__
        if cls is str:
            if not (value.isidentifier() and value.isascii() and value[0] != "_"):
                # scalar_text's common case (quoted as it is), without its call
                if (
                    value
                    and '"' not in value
                    and "\\" not in value
                    and "\n" not in value
                    and "\r" not in value
                    and (
                        value[0] not in "-0123456789"
                        or not (value.isdigit() or value[1:].isdigit())
                    )
                ):
                    value = '"' + value + '"'
                else:
                    value = scalar_text(value)
            append(f"{indent}{name} = {value}\n")
        elif cls is int:
            append(f"{indent}{name} = {value}\n")
        else:
            if (cls is list or cls is dict) and value:
                # _fmt's look-up of a repeated list or association, without its call
                try:
                    known = _marshal(value, 2)
                    text = _VALUES.get(known)
                except ValueError:  # not plain data
                    known = text = None
                if text is None:
                    text = _formatted(value, known)
            else:
                text = _fmt(value)
            append(f"{indent}{name} = {text}\n")


def _block(out, keyword, obj):
    out.append(f"{keyword} {_key(obj.name)} (\n")
    _attr_lines(out, "\t", obj)
    out.append("\t)\n\n")


def _tree(out, group, odd=True):
    """The ``// resource dependency tree`` comment hacf appends to every group (``odd``:
    a name may be no bare word)."""
    if odd and _breaks_line(group):
        group = _quoted_names(group)
    # loops rather than comprehensions: a group holds a few resources and links, fewer
    # than a comprehension's own call is worth
    by_name = {}
    for r in group.resources:
        by_name[r.name] = r
    children = {}
    required = set()
    for link in group.links:
        child = link.child
        kids = children.get(link.parent)
        if kids is None:
            children[link.parent] = [child]
        else:
            kids.append(child)
        required.add(child)
    out.append(f"\t// resource dependency tree\n\t//\n\t//\tgroup {group.name}\n\t//\t{{\n")
    path = set()  # the resources open above the one written (left empty by each root)
    limit = len(out) + TREE_LINES  # no subtree opened past it
    for r in group.resources:
        name = r.name
        if name in required:
            continue
        if name in children:
            _emit(out, name, path, by_name, children, limit)
        else:
            out.append(f"\t//\t{by_name[name].type} {name}\n")
    out.append("\t//\t}\n\n\n")


def _breaks_line(group):
    """Whether a name the tree comment writes holds a line break (once a group: the
    comment writes names as they are, as hacf does)."""
    names = [group.name]
    for r in group.resources:
        names.append(r.name)
    for link in group.links:
        names.append(link.parent)
        names.append(link.child)
    try:
        joined = "".join(names)
    except TypeError:  # a name built in memory that is not a str
        return True
    return "\n" in joined or "\r" in joined


def _quoted_names(group):
    """The group as the tree comment writes it when a name holds a line break: each such
    name quoted, so that its second line cannot become a statement of the file."""

    def name(n):
        return n if n.__class__ is str and "\n" not in n and "\r" not in n else _key(n)

    return Group(
        name(group.name),
        resources=[Resource(r.type, name(r.name)) for r in group.resources],
        links=[ResourceLink(name(k.parent), name(k.child)) for k in group.links],
    )


# A group's tree comment writes a resource's subtree under each of its parents, as hacf
# does; in a lattice (each resource of a layer requiring each of the next) that is
# exponential in the depth, so past this many lines of a group's tree no subtree is
# opened (chosen: the comment is read by nobody but people, and a hacf-written file stays
# far below it: 100,000 lines is a group of thousands of resources)
TREE_LINES = 100_000


def _emit(out, name, path, by_name, children, limit):
    # a loop with a stack of its own, not recursion: a chain of resources deeper than
    # Python's recursion limit (a thousand) is still written; and a module function, not
    # a closure, so that the commands (cyclic collector off) keep no reference cycle
    r = by_name.get(name)
    out.append(f"\t//\t{r.type + ' ' if r else ''}{name}\n")
    path.add(name)
    out.append("\t//\t    {\n")
    stack = [(name, "    ", iter(children[name]))]
    while stack:
        parent, inner, kids = stack[-1]
        for kid in kids:
            k = by_name.get(kid)
            out.append(f"\t//\t{inner}{k.type + ' ' if k else ''}{kid}\n")
            grand = children.get(kid)
            if grand and kid not in path and len(out) < limit:
                path.add(kid)
                deeper = inner + "    "
                out.append(f"\t//\t{deeper}{{\n")
                stack.append((kid, deeper, iter(grand)))
                break
        else:
            stack.pop()
            path.discard(parent)
            out.append(f"\t//\t{inner}}}\n")


def write(config):
    """The configuration as text, laid out as hacf writes main.cf."""
    out = []
    for name in config.includes:
        q = format_scalar(name)
        out.append(f"include {q if q.startswith(chr(34)) else chr(34) + q + chr(34)}\n")
    if config.includes:
        out.append("\n")
    own = [render_type(d) for d in config.types.values() if d.name not in config.type_origin]
    if own:
        # blocks separated by a blank line, as in a types file; one more before what follows
        out.append("\n".join(own))
        rest = config.cluster or config.remoteclusters or config.heartbeats or config.systems
        if rest or config.sites or config.groups:
            out.append("\n")
    if config.cluster is not None:
        _block(out, "cluster", config.cluster)
    for rc in config.remoteclusters:
        _block(out, "remotecluster", rc)
    for hb in config.heartbeats:
        _block(out, "heartbeat", hb)
    for s in config.systems:
        _block(out, "system", s)
    for site in config.sites:
        _block(out, "site", site)
    for g in config.groups:
        # whether a name is no bare word (the tree comment then checks for line breaks)
        name = g.name
        odd = not (name.__class__ is str and name.isidentifier() and name[0] != "_")
        # _block's lines, without its call and _key's for the common name
        out.append(f"group {name if not odd and name.isascii() else _key(name)} (\n")
        _attr_lines(out, "\t", g)
        out.append("\t)\n\n")
        for r in g.resources:
            name = r.name
            if not (
                name.__class__ is str and name.isidentifier() and name.isascii() and name[0] != "_"
            ):
                name = _key(name)  # the common name checked here, without a call
                odd = True
            out.append(f"\t{r.type} {name} (\n")
            _attr_lines(out, "\t\t", r)
            out.append("\t\t)\n\n")
        for d in g.deps:
            child = d.child
            if not (
                child.__class__ is str
                and child.isidentifier()
                and child.isascii()
                and child[0] != "_"
            ):
                child = _key(child)
            if d.rigidity_written or d.rigidity != "firm":
                out.append(f"\trequires group {child} {d.category} {d.location} {d.rigidity}\n")
            else:  # left out when read, as it was (the default)
                out.append(f"\trequires group {child} {d.category} {d.location}\n")
        for link in g.links:
            parent, child = link.parent, link.child
            if not (
                parent.__class__ is str
                and child.__class__ is str
                and parent.isidentifier()
                and child.isidentifier()
                and (parent + child).isascii()
                and parent[0] != "_"
                and child[0] != "_"
            ):
                parent, child = _key(parent), _key(child)
                odd = True
            out.append(f"\t{parent} requires {child}\n")
        out.append("\n\n")
        _tree(out, g, odd)
    return "".join(out)


def write_types(decls):
    """A types file holding the declarations (a list or a name -> TypeDecl dict)."""
    if isinstance(decls, dict):
        decls = list(decls.values())
    return "\n".join(render_type(d) for d in decls)
