"""vxha generate | verify | graph: profiles to a verified main.cf, hacf -verify, pictures."""

from __future__ import annotations

import argparse
import errno
import gc
import os
import sys
from typing import List, Optional


def main(argv: List[str], held: Optional[list] = None) -> int:
    """``held`` (generate and verify only): a list the vxha program keeps to its end, in
    which the command leaves its model instead of freeing it (cli/main.py, ``run``)."""
    command, args = argv[0], argv[1:]
    handler = {"generate": generate, "verify": verify, "graph": graph}.get(command)
    if handler is None:
        print(f"vxha: {command}: not a generate/verify/graph command", file=sys.stderr)
        return 2
    # These commands build one large, acyclic model and exit. The cyclic collector's
    # passes over that growing heap made the time per server grow with the size
    # (1.3x from 1,000 to 5,000 servers); reference counting frees everything anyway.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return handler(args) if held is None else handler(args, held)
    finally:
        if enabled:
            gc.enable()


def _write(path: str, data, binary: bool = False) -> None:
    """Replace ``path`` atomically: a reader never sees half a main.cf."""
    directory = os.path.dirname(os.path.abspath(path))
    # Said of the path asked for: the temporary file's name would mean nothing to the reader.
    if os.path.isdir(path):
        raise IsADirectoryError(errno.EISDIR, "a directory, not a file to write", path)
    if not os.path.isdir(directory):
        raise FileNotFoundError(errno.ENOENT, f"no directory {directory} to write it in", path)
    try:
        mode = os.stat(path).st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    import tempfile  # here: vxha verify, which writes nothing, starts without it

    fd, tmp = tempfile.mkstemp(prefix=".vxha-", dir=directory)
    try:
        os.chmod(tmp, mode)
        if binary:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
        else:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    # the rename is durable only once the directory is: a crash must not bring back the old
    # main.cf, or an empty one on a file system that orders data after metadata
    dfd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)


def _err(lines) -> None:
    for line in lines:
        print(line, file=sys.stderr)


# -- generate --------------------------------------------------------------------------------


def generate_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="vxha generate",
        description="Turn a cluster description and server profiles into a verified main.cf.",
    )
    p.add_argument("--cluster", required=True, help="the cluster description (cluster.yaml)")
    p.add_argument("servers", nargs="+", help="server profiles, or directories of them")
    p.add_argument("-o", "--output", help="main.cf to write (default: standard output)")
    p.add_argument("--images", help="directory of image profiles (image_root)")
    p.add_argument("--diff", metavar="CURRENT", help="list what changes against this main.cf")
    p.add_argument(
        "--as-commands",
        action="store_true",
        help="with --diff: print the haconf/hagrp/hares commands that apply the change",
    )
    p.add_argument(
        "--cfsmount",
        choices=("veritas", "vxha"),
        default="veritas",
        help="CFSMount attributes: Veritas's only (default) or vxha's extras too",
    )
    p.add_argument("--templates", metavar="DIR", help="templates overriding the built-in ones")
    p.add_argument(
        "--discover", action="store_true", help="set this host's CPUs and memory as Capacity"
    )
    p.add_argument(
        "--allow-include-dir",
        action="append",
        default=[],
        metavar="DIR",
        help="also read includes from DIR (by default only from the configuration's directory)",
    )
    p.add_argument(
        "--allow-empty",
        action="store_true",
        help="write a configuration without servers (applied, it removes every server)",
    )
    return p


def _no_profiles(paths) -> List[str]:
    """The directories given that hold no server profile (an empty set of profiles,
    applied, would remove every server)."""
    from vxha.profiles.catalog import profile_files

    return [p for p in paths if os.path.isdir(p) and not profile_files(p)]


def generate(args: List[str], held: Optional[list] = None) -> int:
    opts = generate_parser().parse_args(args)
    if opts.as_commands and not opts.diff:
        _err(["vxha generate: --as-commands needs --diff CURRENT"])
        return 2
    from vxha.generators.build import GenerationError, Options
    from vxha.generators.generate import generate_from_files
    from vxha.profiles import ProfileError

    empty = _no_profiles(opts.servers)
    if empty and len(empty) == len(opts.servers) and not opts.allow_empty:
        _err(
            [
                f"vxha generate: {', '.join(empty)}: no server profile (*.yaml, *.yml, *.json); "
                "a configuration without servers would remove every server when applied: "
                "pass --allow-empty if that is meant"
            ]
        )
        return 1

    directory = os.path.dirname(os.path.abspath(opts.output)) if opts.output else None
    try:
        result = generate_from_files(
            opts.cluster,
            opts.servers,
            image_root=opts.images,
            options=Options(cfsmount=opts.cfsmount),
            templates=opts.templates,
            directory=directory,
            discover=opts.discover,
            held=held,
        )
    except ProfileError as exc:
        _err(p.format() for p in exc.problems)
        return 1
    except GenerationError as exc:
        _err(exc.problems)
        return 1
    _err(f"warning: {w}" for w in result.warnings)
    old = None
    if opts.diff:  # read before anything is written: a bad current file changes nothing
        old = _read_current(opts.diff, opts.allow_include_dir)
        if old is None:
            return 1
    if opts.output:
        _write(opts.output, result.text)
    elif not opts.diff:
        sys.stdout.write(result.text)
    if opts.diff:
        return _diff(old, result.config, opts.as_commands)
    return 0


def _read_current(current: str, allow_include_dirs=()):
    """The model of the current main.cf, or None (the error printed)."""
    from vxha.vcs_types import cf
    from vxha.vcs_types.model import with_included

    path = os.path.join(current, "main.cf") if os.path.isdir(current) else current
    try:
        # what an include declares is part of the live cluster (docs/vcs-language.md)
        return with_included(cf.parse_file(path, allow_include_dirs=allow_include_dirs))
    except cf.CfError as exc:
        _err([str(exc)])
    except OSError as exc:
        _err([f"{path}: cannot read: {exc.strerror or exc}"])
    return None


def _diff(old, new, as_commands: bool) -> int:
    """What vxha would change (the ownership rule applied, as apply does), or the commands;
    exit 1 when the change could not run."""
    from vxha.generators import diff, ownership

    tgt = ownership.target(old, new)
    target = tgt.config
    types = diff.known_types(old, target)
    changes = diff.diff(old, target, types)
    ownership.check_changes(changes, old, target)
    _err(f"note: {n}" for n in tgt.notes)
    _err(f"problem: {p}" for p in tgt.problems)
    if as_commands:
        for c in changes:
            if c.kind == "include":
                _err([f"note: {c}: install type files with 'vxha cluster add-types' first"])
        # each added group marked at once, as apply's plan does (ownership.marker_first)
        cmds = ownership.marker_first(diff.commands(changes, old, target, types))
        if cmds:
            cmds = [["haconf", "-makerw"]] + cmds + [["haconf", "-dump", "-makero"]]
        sys.stdout.write(diff.format_commands(cmds))
    else:
        sys.stdout.write(diff.format_diff(changes))
    return 1 if tgt.problems else 0


# -- verify ----------------------------------------------------------------------------------


def verify(args: List[str], held: Optional[list] = None) -> int:
    p = argparse.ArgumentParser(
        prog="vxha verify",
        description="Check a main.cf (or a configuration directory) like hacf -verify: "
        "silent and exit 0 when valid, one line per problem and exit 1 otherwise.",
    )
    p.add_argument("config", help="main.cf, or the directory holding it")
    p.add_argument(
        "--allow-include-dir",
        action="append",
        default=[],
        metavar="DIR",
        help="also read includes from DIR (by default only from the configuration's directory)",
    )
    opts = p.parse_args(args)
    from vxha.vcs_types.verify import errors
    from vxha.vcs_types.verify import verify as run

    path = opts.config
    if os.path.isdir(path):
        path = os.path.join(path, "main.cf")
    issues = run(
        _model(path, opts.allow_include_dir, held), allow_include_dirs=opts.allow_include_dir
    )
    if held is not None:
        held.append(issues)
    _err(str(i) for i in issues)
    return 1 if errors(issues) else 0


def _model(path: str, allow_include_dirs, held: Optional[list]):
    """With ``held``, the model of ``path``, parsed here to be held; else, and for a file that
    does not parse, the path, which verify parses again to word the error as it always has."""
    if held is None:
        return path
    from vxha.vcs_types.cf import CfError, parse_file

    try:
        config = parse_file(path, allow_include_dirs=allow_include_dirs)
    except (CfError, OSError):
        return path
    held.append(config)
    return config


# -- graph -----------------------------------------------------------------------------------


def graph(args: List[str]) -> int:
    p = argparse.ArgumentParser(
        prog="vxha graph",
        description="Draw a main.cf: groups as boxes, resources as nodes, requires edges, "
        "group dependencies labelled. .svg needs graphviz's dot; .dot always works.",
    )
    p.add_argument("config", help="main.cf, or the directory holding it")
    p.add_argument("-o", "--output", help="out.svg or out.dot (default: DOT on standard output)")
    opts = p.parse_args(args)
    from vxha.generators import graph as g
    from vxha.vcs_types import cf
    from vxha.vcs_types.model import with_included

    path = os.path.join(opts.config, "main.cf") if os.path.isdir(opts.config) else opts.config
    try:
        config = with_included(cf.parse_file(path))  # the groups its includes declare too
    except (cf.CfError, OSError) as exc:
        # an include missing or broken: main.cf alone is still worth drawing (vxha verify
        # is what checks the includes)
        try:
            config = cf.parse_file(path, resolve_includes=False)
        except cf.CfError as main_exc:
            _err([str(main_exc)])
            return 1
        except OSError as main_exc:
            _err([f"{path}: cannot read: {main_exc.strerror or main_exc}"])
            return 1
        why = str(exc) if isinstance(exc, cf.CfError) else f"{exc.filename}: {exc.strerror}"
        _err([why, f"vxha graph: drawing {path} alone, without its includes"])
    dot = g.to_dot(config)
    out: Optional[str] = opts.output
    if not out:
        sys.stdout.write(dot)
        return 0
    if out.endswith(".svg"):
        try:
            _write(out, g.to_svg(dot), binary=True)
        except RuntimeError as exc:
            fallback = out[: -len(".svg")] + ".dot"
            _write(fallback, dot)
            _err([f"vxha graph: {exc}; wrote {fallback} instead"])
            return 1
        return 0
    _write(out, dot)
    return 0
