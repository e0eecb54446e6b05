"""``vxha validate``, ``vxha compat`` and ``vxha server new``: thin wrappers over
vxha.profiles that parse arguments, print, and return exit codes (0 ok, 1 no/errors, 2 usage).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any, Dict, List

from vxha.profiles.access import grants_summary
from vxha.profiles.api import Session, validate_paths
from vxha.profiles.model import Problem


def main(argv: List[str]) -> int:
    command, rest = argv[0], list(argv[1:])
    if command == "validate":
        return validate_main(rest)
    if command == "compat":
        return compat_main(rest)
    if command == "server":
        return server_main(rest)
    print(f"vxha: {command!r} is not a profiles command", file=sys.stderr)
    return 2


# -- vxha validate ---------------------------------------------------------------------------


def _version_ok(version) -> bool:
    from vxha.profiles.units import parse_schema_version

    if version is None:
        return True
    try:
        parse_schema_version(version)
    except ValueError as exc:
        print(f"vxha: --platform-version: {exc}", file=sys.stderr)
        return False
    return True


def _print_problems(problems: List[Problem], stream=None) -> None:
    stream = stream or sys.stdout
    for p in problems:
        print(p.format(), file=stream)


def validate_main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="vxha validate",
        description="Check image directories, application, server and cluster profiles. "
        "Prints every problem with file, line and key; exit 0 clean (warnings allowed), "
        "1 errors, 2 usage.",
    )
    parser.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="image directories, image roots, profile files or directories",
    )
    parser.add_argument(
        "--images",
        metavar="DIR",
        help="image root for server profiles (default: ../images beside them)",
    )
    parser.add_argument(
        "--cluster",
        metavar="FILE",
        help="cluster description: also check CPU, memory and system names",
    )
    parser.add_argument(
        "--platform-version",
        metavar="X.Y.Z",
        help="check as a platform knowing schemas up to this version",
    )
    parser.add_argument("--json", action="store_true", help="machine-readable report")
    parser.add_argument("-q", "--quiet", action="store_true", help="no summary line")
    args = parser.parse_args(argv)
    if not _version_ok(args.platform_version):
        return 2
    session = validate_paths(args.paths, args.images, args.cluster, args.platform_version)
    errors, warnings = session.split()
    granted = {s.name: s.node_access for s in session.servers() if grants_summary(s.node_access)}
    if args.json:
        report = {
            "ok": not errors,
            "files": session.files + sum(len(c.all_docs()) for c in session.catalogs.values()),
            "servers": len(session.servers()),
            "errors": [p.as_dict() for p in errors],
            "warnings": [p.as_dict() for p in warnings],
            "node_access": granted,
        }
        print(json.dumps(report, indent=2))
    else:
        _print_problems(sorted(errors + warnings, key=lambda p: (p.file, p.line, p.column)))
        if not args.quiet:
            for name in sorted(granted):  # what the administrators gave away, in one place
                print(f"node access: {name}: {grants_summary(granted[name])}", file=sys.stderr)
            files = session.files + sum(len(c.all_docs()) for c in session.catalogs.values())
            verdict = "ok" if not errors else "FAILED"
            print(
                f"{verdict}: {files} profile(s) checked, {len(session.servers())} server(s) "
                f"resolved, {len(errors)} error(s), {len(warnings)} warning(s)",
                file=sys.stderr,
            )
    return 1 if errors else 0


# -- vxha compat -----------------------------------------------------------------------------


def compat_main(argv: List[str]) -> int:
    from vxha.profiles import compat

    parser = argparse.ArgumentParser(
        prog="vxha compat",
        description="Answer the schema compatibility questions. Exit 0 yes, 1 no, 2 the "
        "profiles themselves are invalid.",
    )
    sub = parser.add_subparsers(dest="question", required=True)
    p1 = sub.add_parser(
        "serve", help="can a platform knowing schemas up to X serve these profiles?"
    )
    p1.add_argument("paths", nargs="+", metavar="PATH")
    p1.add_argument(
        "--platform-version",
        metavar="X.Y.Z",
        help="newest schema the platform knows (default: this vxha's)",
    )
    p2 = sub.add_parser("host", help="can system N of the cluster host these servers?")
    p2.add_argument("servers", nargs="+", metavar="SERVER_PROFILE")
    p2.add_argument("--system", required=True)
    p3 = sub.add_parser(
        "qos",
        help="is the quality of service the same on every system? (with a table of which "
        "system can host which server, at which quality of service)",
    )
    p3.add_argument("servers", nargs="+", metavar="SERVER_PROFILE")
    for p in (p2, p3):
        p.add_argument("--cluster", required=True, metavar="FILE")
        p.add_argument("--images", metavar="DIR")
    for p in (p1, p2, p3):
        p.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    if args.question == "serve":
        if not _version_ok(args.platform_version):
            return 2
        session = Session(None, None)
        for path in args.paths:
            session.add_path(path)
        session.run()
        docs = (
            session.server_docs
            + session.other_docs
            + [d for c in session.catalogs.values() for d in c.all_docs()]
        )
        if session.cluster_doc is not None:
            docs.append(session.cluster_doc)
        unreadable = list(session.problems)
        answers = {d.path: compat.can_serve(d, args.platform_version) for d in docs}
        ok = all(a.ok for a in answers.values()) and not unreadable
        if args.json:
            print(
                json.dumps(
                    {
                        "ok": ok,
                        "profiles": {k: a.as_dict() for k, a in answers.items()},
                        "unreadable": [p.as_dict() for p in unreadable],
                    },
                    indent=2,
                )
            )
        else:
            _print_problems(unreadable)
            for path, a in sorted(answers.items()):
                verdict = "no" if not a.ok else ("yes" if a.full else "yes, reduced QoS")
                print(f"{path}: {verdict}")
                for r in a.reasons:
                    print(f"    {r}")
        return 0 if ok else 1

    session = validate_paths(args.servers, args.images, args.cluster)
    errors, _ = session.split()
    if errors or session.cluster is None:
        _print_problems(errors, sys.stderr)
        return 2
    items = [(r.server, compat.profile_chain(r, r.catalog)) for r in session.asked() if r.server]
    if not items:  # "yes" about no server would pass a wrong path
        print(
            f"vxha compat {args.question}: no server profile among {' '.join(args.servers)}; "
            "host and qos answer for server profiles",
            file=sys.stderr,
        )
        return 2
    if args.question == "host":
        system = session.cluster.system(args.system)
        if system is None:
            print(f"vxha compat: no system {args.system!r} in {args.cluster}", file=sys.stderr)
            return 2
        answers = {s.name: compat.can_host(system, s, chain) for s, chain in items}
        ok = all(a.ok for a in answers.values())
        if args.json:
            print(
                json.dumps(
                    {
                        "ok": ok,
                        "system": system.name,
                        "servers": {k: a.as_dict() for k, a in answers.items()},
                    },
                    indent=2,
                )
            )
        else:
            for name, a in answers.items():
                verdict = "no" if not a.ok else ("yes" if a.full else "yes, reduced QoS")
                print(f"{name} on {system.name}: {verdict}")
                for r in a.reasons:
                    print(f"    {r}")
        return 0 if ok else 1
    report = compat.same_qos(session.cluster, items)
    if args.json:
        print(json.dumps(report.as_dict(), indent=2))
    else:
        print(
            "same quality of service on every system"
            if report.same
            else "quality of service differs between systems:"
        )
        for r in report.reasons:
            print(f"    {r}")
        print()
        for line in report.table([s.name for s in session.cluster.systems]):
            print(line)
    return 0 if report.same else 1


# -- vxha server new -------------------------------------------------------------------------


class Aborted(Exception):
    pass


def _ask(question, answers: Dict[str, Any], out) -> Any:
    """Ask until the value is good; an empty answer takes the default (or skips)."""
    default = question.default_for(answers)
    while True:
        shown = f" [{default}]" if default is not None else ""
        out.write(f"{question.prompt}{shown}: ")
        out.flush()
        line = sys.stdin.readline()
        if not line:
            raise Aborted()
        text = line.strip()
        if not text:
            if default is not None:
                text = default
            elif not question.required:
                return None
            else:
                out.write(
                    "  a value is required"
                    + (f" ({question.help})" if question.help else "")
                    + "\n"
                )
                continue
        why, value = question.check(text)
        if why is None:
            return value
        out.write(f"  invalid: {why}; try again\n")


def server_main(argv: List[str]) -> int:
    if argv[:1] in (["-h"], ["--help"]):
        argv = ["new", "--help"]  # the one subcommand: its help (README: vxha COMMAND --help)
    if not argv or argv[0] != "new":
        print(
            "usage: vxha server new --type IMAGE/APPLICATION [--set KEY=VALUE ...]", file=sys.stderr
        )
        return 2
    parser = argparse.ArgumentParser(
        prog="vxha server new",
        description="Provision a server profile: asks for every value the application "
        "needs (or takes them from --set), validates, then writes DIR/<name>.yaml atomically.",
    )
    parser.add_argument(
        "--type", required=True, metavar="IMAGE/APPLICATION", help="server type, e.g. nbu/media-net"
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="answer a question: name, hostname, address, priority, cpus, "
        "memory, systems, admin_email, mounts.<m>.diskgroup, "
        "mounts.<m>.volume, inputs.<input> (or just <input>)",
    )
    parser.add_argument("--images", metavar="DIR", help="image root (default: ../images)")
    parser.add_argument(
        "--dir",
        default=".",
        metavar="DIR",
        help="configuration directory for server profiles (default: .)",
    )
    parser.add_argument("--image-version", metavar="V", help="image version (default: newest)")
    parser.add_argument(
        "--non-interactive",
        action="store_true",
        help="never prompt: defaults for what --set does not give",
    )
    parser.add_argument("--force", action="store_true", help="replace an existing profile")
    args = parser.parse_args(argv[1:])
    from vxha.profiles import provision
    from vxha.profiles.catalog import Catalog

    directory = args.dir
    if not os.path.isdir(directory):
        print(f"vxha server new: no directory {directory}", file=sys.stderr)
        return 2
    image_root = args.images or os.path.join(os.path.dirname(os.path.abspath(directory)), "images")
    if not os.path.isdir(image_root):
        print(
            f"vxha server new: no image profiles at {image_root}; pass --images DIR",
            file=sys.stderr,
        )
        return 2
    try:
        plan = provision.plan(Catalog(image_root), args.type, directory, args.image_version)
    except provision.ProvisionError as exc:
        print(f"vxha server new: {exc}", file=sys.stderr)
        _print_problems(exc.problems, sys.stderr)
        return 1
    given: Dict[str, str] = {}
    keys = {q.key for q in plan.questions}
    for item in args.set:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep:
            print(f"vxha server new: --set {item!r} is not KEY=VALUE", file=sys.stderr)
            return 2
        if key not in keys and f"inputs.{key}" in keys:
            key = f"inputs.{key}"
        if key not in keys:
            print(
                f"vxha server new: unknown key {key!r}; known: {', '.join(sorted(keys))}",
                file=sys.stderr,
            )
            return 2
        given[key] = value
    interactive = not args.non_interactive and sys.stdin.isatty()
    answers: Dict[str, Any] = {}
    missing = []
    out = sys.stdout  # looked up per call: tests replace it
    try:
        if interactive:
            out.write(
                f"New {plan.image.display_name} server: {plan.application} "
                f"(image {plan.image.id} {plan.version}). Enter takes the [default].\n"
            )
        for q in plan.questions:
            if q.only_if is not None and answers.get(q.only_if) is None:
                continue
            if q.key in given:
                why, value = q.check(given[q.key]) if given[q.key] else (None, None)
                if why is None and (value is not None or not q.required):
                    answers[q.key] = value
                    continue
                if not interactive:
                    missing.append(f"{q.key}: {why or 'a value is required'}")
                    continue
                out.write(f"  --set {q.key}: {why or 'a value is required'}\n")
            if interactive:
                answers[q.key] = _ask(q, answers, out)
                continue
            default = q.default_for(answers)
            if default is not None:
                why, value = q.check(default)
                if why:
                    missing.append(f"{q.key}: default {default!r}: {why}")
                answers[q.key] = value
            elif q.required:
                missing.append(f"{q.key}: a value is required ({q.prompt}); give --set {q.key}=...")
            else:
                answers[q.key] = None
    except (KeyboardInterrupt, Aborted):
        out.write("\naborted: nothing was written\n")
        out.flush()
        return 130
    if missing:
        print("vxha server new: cannot create the server:", file=sys.stderr)
        for m in missing:
            print(f"  {m}", file=sys.stderr)
        return 1
    data = provision.build(plan, answers)
    path = os.path.join(directory, f"{data['name']}.yaml")
    if os.path.exists(path) and not args.force:
        print(f"vxha server new: {path} exists; pass --force to replace it", file=sys.stderr)
        return 1
    text = provision.render(data)
    problems = provision.check_new(text, path, directory, image_root)
    if problems:
        print("vxha server new: the profile would not validate; nothing written:", file=sys.stderr)
        _print_problems(problems, sys.stderr)
        return 1
    try:
        provision.write_atomically(path, text, overwrite=args.force)
    except KeyboardInterrupt:
        out.write("\naborted: nothing was written\n")
        return 130
    except OSError as exc:
        print(f"vxha server new: cannot write {path}: {exc.strerror}", file=sys.stderr)
        return 1
    print(f"wrote {path}")
    return 0
