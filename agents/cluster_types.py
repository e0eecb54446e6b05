"""Register vxha's resource types on a running cluster (``vxha cluster add-types``).

Installing the packages changes no running cluster: the ``<Type>Types.cf`` files only take
effect when VCS next loads its configuration. This module turns each type's declaration
(the same one that renders its ``<Type>Types.cf``) into the commands that add it to a
running cluster::

    haconf -makerw
    hatype -add T
    haattr -add [-static | -temp] T Attr -string|-integer|-boolean \
        -scalar|-vector|-keylist|-assoc [default...]
    hatype -modify T ArgList A B C
    hatype -modify T <static attribute> <value...>
    haconf -dump -makero

The haattr synopsis is Veritas's (haattr(1M), 5.0MP3 and 7.3 manual pages):
``haattr -add [-temp | -static] restype attribute [VALUETYPE] [DIMENSION] [default]``.
UNVERIFIED, kept here in one place: the spellings of VALUETYPE and DIMENSION
(``-string``/``-integer``/``-boolean``, ``-scalar``/``-vector``/``-keylist``/``-assoc``)
and that an association default and an association static value are given as ``key
value`` pairs. Values are escaped by ``vcs_types.haforms.escape`` (a leading ``-`` or
``%`` gets a ``%``; the manual pages' NOTES describe the escape).

Types the cluster already has are skipped (``hatype -list``): so Veritas's own CFSMount is
never declared a second time (DECISIONS.md 6), and a second run changes nothing.
"""

from __future__ import annotations

import subprocess

from vxha.vcs_types.decl import STANDARD_STATIC, empty_value
from vxha.vcs_types.haforms import escape, value_words

VALUE_TYPE = {"str": "-string", "int": "-integer", "boolean": "-boolean"}
DIMENSION = {
    "scalar": "-scalar",
    "vector": "-vector",
    "keylist": "-keylist",
    "association": "-assoc",
}
ALREADY_WRITABLE = "V-16-1-10364"
TIMEOUT = 60


class AddTypesError(Exception):
    """A command failed; ``command`` and ``output`` say which and why."""

    def __init__(self, command, returncode, output):
        self.command = list(command)
        self.returncode = returncode
        self.output = output
        super().__init__(f"{' '.join(command)} failed ({returncode}): {output.strip()}")


def value_args(value, dim) -> list:
    """A value as command arguments (the documented forms' own rule)."""
    return value_words(value, dim)


def attr_command(type_name: str, attr) -> list:
    cmd = ["haattr", "-add"]
    if attr.static:
        cmd.append("-static")
    elif attr.temp:
        cmd.append("-temp")
    cmd += [type_name, attr.name, VALUE_TYPE[attr.type], DIMENSION[attr.dim]]
    if attr.default != empty_value(attr.type, attr.dim):
        cmd += value_args(attr.default, attr.dim)
    return cmd


def type_commands(decl) -> list:
    """The commands that declare one type, in the order VCS needs (attributes before the
    ArgList that names them)."""
    cmds = [["hatype", "-add", decl.name]]
    for attr in decl.attrs.values():
        cmds.append(attr_command(decl.name, attr))
    cmds.append(["hatype", "-modify", decl.name, "ArgList"] + [escape(a) for a in decl.arglist])
    for name, value in decl.statics.items():
        if name in decl.attrs:  # its value is the attribute's default (as in Types.cf)
            continue
        dim = STANDARD_STATIC[name][1]
        args = value_args(value, dim)
        if not args:  # an empty list: the type's default already
            continue
        cmds.append(["hatype", "-modify", decl.name, name] + args)
    return cmds


def resolve_types(types=None) -> list:
    """Declarations for type names (default: vxha's own four), in catalog order."""
    from vxha.vcs_types.catalog import PROJECT_TYPES, project_type

    names = list(PROJECT_TYPES) if types is None else list(types)
    return [project_type(n) if isinstance(n, str) else n for n in names]


def add_types_commands(types=None, existing=()) -> list:
    """``haconf -makerw``, the commands of each type not in ``existing``, then
    ``haconf -dump -makero``. Without a type to add, an empty list."""
    skip = set(existing)
    body = []
    for decl in resolve_types(types):
        if decl.name not in skip:
            body += type_commands(decl)
    if not body:
        return []
    return [["haconf", "-makerw"]] + body + [["haconf", "-dump", "-makero"]]


def subprocess_runner(cmd) -> subprocess.CompletedProcess:
    """Run an ha* command from PATH (the VCS commands, or the simulator's shims)."""
    return subprocess.run(  # noqa: S603 - argv list
        cmd, capture_output=True, text=True, timeout=TIMEOUT, check=False
    )


class AddTypesResult:
    __slots__ = ("added", "skipped", "commands")

    def __init__(self, added, skipped, commands):
        self.added = added
        self.skipped = skipped
        self.commands = commands

    def __repr__(self):
        return f"AddTypesResult(added={self.added}, skipped={self.skipped})"


def existing_types(runner) -> list:
    """Types the cluster knows (``hatype -list``: one name per line)."""
    proc = runner(["hatype", "-list"])
    if proc.returncode != 0:
        raise AddTypesError(["hatype", "-list"], proc.returncode, _output(proc))
    return [w for line in (proc.stdout or "").splitlines() for w in line.split()[:1]]


def _output(proc) -> str:
    return (proc.stdout or "") + (proc.stderr or "")


def run_add_types(runner=None, types=None, skip_existing=True) -> AddTypesResult:
    """Add the types to the running cluster through ``runner`` (argv -> CompletedProcess;
    default: run the commands from PATH).

    Tolerates "V-16-1-10364 Cluster already writable". Stops at the first other failure,
    leaving the configuration writable and undumped (AddTypesError says which command), so
    that nothing half-added is saved; ``haconf -dump -makero`` or a restart discards it.
    """
    runner = runner or subprocess_runner
    decls = resolve_types(types)
    existing = set(existing_types(runner)) if skip_existing else set()
    added = [d.name for d in decls if d.name not in existing]
    skipped = [d.name for d in decls if d.name in existing]
    commands = add_types_commands(decls, existing)
    for cmd in commands:
        proc = runner(cmd)
        if proc.returncode == 0:
            continue
        out = _output(proc)
        if cmd == ["haconf", "-makerw"] and ALREADY_WRITABLE in out:
            continue
        raise AddTypesError(cmd, proc.returncode, out)
    return AddTypesResult(added, skipped, commands)
