"""`make mutants`: mutation testing of the safety-critical functions in targets.toml.

Cosmic Ray mutates a copy of the project (build/mutants/tree, with its own editable
install), one listed function at a time, and runs that function's tests against each
mutant. A mutant the tests do not kill must be explained in targets.toml; an unexplained
survivor fails the run. The last result is written to build/mutants/report.md.

Usage: python mutation/run.py [--only TEXT] [--jobs N]
"""

from __future__ import annotations

import argparse
import ast
import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "build" / "mutants"
TREE = WORK / "tree"
VENV = WORK / "venv"
COSMIC_RAY = "cosmic-ray==8.7.0"


def load_targets(path: Path) -> tuple:
    try:
        import tomllib  # type: ignore[import-not-found]
    except ImportError:
        raise SystemExit("make mutants needs Python 3.11 or later (tomllib)") from None
    with open(path, "rb") as f:
        data = tomllib.load(f)
    return data.get("target", []), data.get("explained", {})


def function_span(path: Path, qualname: str) -> tuple:
    """(first line, last line, annotation spans) of the function ``qualname`` (``Class.method``
    for methods). Annotations are spans of (line, column) pairs: in a module with ``from
    __future__ import annotations`` they are never evaluated, so a mutant there is equivalent."""
    source = path.read_text()
    tree = ast.parse(source, str(path))
    scope = tree.body
    node = None
    for part in qualname.split("."):
        node = next(
            (n for n in scope if getattr(n, "name", None) == part and hasattr(n, "body")), None
        )
        if node is None:
            raise SystemExit(f"{path}: no function {qualname} (mutation/targets.toml)")
        scope = node.body
    first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
    spans = []
    if "from __future__ import annotations" in source:
        args = node.args
        every = args.posonlyargs + args.args + args.kwonlyargs + [args.vararg, args.kwarg]
        notes = [a.annotation for a in every if a is not None and a.annotation is not None]
        notes += [node.returns] if node.returns is not None else []
        spans = [((n.lineno, n.col_offset), (n.end_lineno, n.end_col_offset)) for n in notes]
    return first, node.end_lineno, spans


def sync_tree() -> None:
    """Copy the project's files (tracked and new, not ignored) over the mutation tree."""
    files = (
        subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            capture_output=True,
            check=True,
            timeout=60,
        )
        .stdout.decode()
        .split("\0")
    )
    wanted = {f for f in files if f and (ROOT / f).is_file()}
    if TREE.exists():
        for path in TREE.rglob("*"):
            rel = path.relative_to(TREE).as_posix()
            if path.is_file() and rel not in wanted and not rel.startswith(("build/", ".venv")):
                if "__pycache__" not in rel and ".egg-info" not in rel:
                    path.unlink()
    for rel in sorted(wanted):
        dst = TREE / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, dst)


def ensure_venv() -> Path:
    python = VENV / "bin" / "python"
    stamp = VENV / ".stamp"
    key = (TREE / "pyproject.toml").read_text() + COSMIC_RAY
    if not (stamp.exists() and stamp.read_text() == key):
        print(f"mutants: installing the tree and {COSMIC_RAY} into {VENV}", flush=True)
        subprocess.run(
            ["bash", "scripts/venv.sh", sys.executable, str(VENV), "editable"],
            cwd=TREE,
            check=True,
            timeout=1800,
        )
        with open(VENV / "install.log", "a") as log:
            subprocess.run(
                [str(python), "-m", "pip", "install", "-q", COSMIC_RAY],
                check=True,
                timeout=1800,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        stamp.write_text(key)
    return python


def test_command(python: Path, tests: list) -> list:
    return [
        str(python),
        "-m",
        "pytest",
        "-x",
        "-q",
        "-p",
        "no:cacheprovider",
        # hypothesis's plugin costs most of a short run's start-up; the listed tests do not use it
        "-p",
        "no:hypothesispytest",
        "-m",
        "not real",
    ] + tests


def run_target(n: int, target: dict, python: Path, timeout: float) -> dict:
    file, qualname = target["function"].split(":")
    first, last, annotations = function_span(TREE / file, qualname)
    cmd = test_command(python, target["tests"])
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")  # a stale .pyc must never mask a mutant
    base = subprocess.run(cmd, cwd=TREE, env=env, capture_output=True, text=True, timeout=1800)
    if base.returncode != 0:
        raise SystemExit(
            f"mutants: the tests of {target['function']} fail unmutated:\n{base.stdout[-3000:]}"
        )
    config = WORK / f"target{n}.toml"
    db = WORK / f"target{n}.sqlite"
    quoted = " ".join(shlex.quote(a) for a in cmd)
    config.write_text(
        "[cosmic-ray]\n"
        f'module-path = "{file}"\n'
        f"timeout = {timeout}\n"
        "excluded-modules = []\n"
        f"test-command = {_toml(quoted)}\n"
        "[cosmic-ray.distributor]\n"
        'name = "local"\n'
    )
    cr = str(VENV / "bin" / "cosmic-ray")
    subprocess.run(
        [cr, "init", str(config), str(db), "--force"],
        cwd=TREE,
        check=True,
        env=env,
        timeout=600,
        capture_output=True,
    )
    skip_outside(db, first, last, annotations)
    subprocess.run(
        [cr, "exec", str(config), str(db)],
        cwd=TREE,
        check=True,
        env=env,
        timeout=4 * 3600,
        capture_output=True,
    )
    return collect(db, target["function"], file)


def _toml(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def skip_outside(db: Path, first: int, last: int, annotations: list) -> None:
    """Skip the mutants outside the function, and those in its (unevaluated) annotations."""
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import WorkerOutcome, WorkResult

    def skipped(m) -> bool:
        if not first <= m.start_pos[0] <= last:
            return True
        return any(a <= tuple(m.start_pos) < b for a, b in annotations)

    result = WorkResult(worker_outcome=WorkerOutcome.SKIPPED)
    with use_db(str(db), WorkDB.Mode.open) as work_db:
        jobs = [item.job_id for item in work_db.work_items if any(map(skipped, item.mutations))]
        work_db.set_multiple_results(jobs, result)


def collect(db: Path, function: str, file: str) -> dict:
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import TestOutcome, WorkerOutcome

    lines = (TREE / file).read_text().splitlines()
    out = {"function": function, "killed": 0, "survived": [], "incompetent": 0}
    with use_db(str(db), WorkDB.Mode.open) as work_db:
        for item, result in work_db.completed_work_items:
            if result.worker_outcome == WorkerOutcome.SKIPPED:
                continue
            if result.test_outcome == TestOutcome.SURVIVED:
                m = item.mutations[0]
                key = f"{function} | {m.operator_name} | {mutated_line(result.diff, lines, m)}"
                out["survived"].append((key, result.diff or ""))
            elif result.test_outcome == TestOutcome.INCOMPETENT:
                out["incompetent"] += 1
            else:
                out["killed"] += 1
    return out


def mutated_line(diff: str, lines: list, mutation) -> str:
    """The line as the mutant has it (from the diff), else the original line."""
    for line in (diff or "").splitlines():
        if line.startswith("+") and not line.startswith("+++"):
            return line[1:].strip()
    return lines[mutation.start_pos[0] - 1].strip()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="run only targets whose function contains TEXT")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per mutant's tests")
    args = parser.parse_args(argv)
    targets, explained = load_targets(ROOT / "mutation" / "targets.toml")
    python = VENV / "bin" / "python"
    if not os.environ.get("VXHA_MUTANTS_INSIDE"):
        WORK.mkdir(parents=True, exist_ok=True)
        sync_tree()
        python = ensure_venv()
        # the work database is read with cosmic-ray's own code: go on inside its venv
        os.environ["VXHA_MUTANTS_INSIDE"] = "1"
        os.execv(str(python), [str(python), __file__] + (argv or sys.argv[1:]))
    start = time.monotonic()
    results = []
    for n, target in enumerate(targets):
        if args.only not in target["function"]:
            continue
        print(f"mutants: {target['function']} ({target['what']})", flush=True)
        results.append(run_target(n, target, python, args.timeout))
        r = results[-1]
        print(
            f"  killed {r['killed']}, survived {len(r['survived'])}, "
            f"incompetent {r['incompetent']}",
            flush=True,
        )
    unexplained = report(results, explained, time.monotonic() - start)
    return 1 if unexplained else 0


def report(results: list, explained: dict, seconds: float) -> int:
    rows = ["| function | killed | survived (explained) | incompetent |", "|---|---|---|---|"]
    unexplained = []
    for r in results:
        known = [k for k, _ in r["survived"] if k in explained]
        unexplained += [(k, d) for k, d in r["survived"] if k not in explained]
        rows.append(
            f"| `{r['function']}` | {r['killed']} | {len(r['survived'])} "
            f"({len(known)}) | {r['incompetent']} |"
        )
    text = "\n".join(rows) + f"\n\n{len(unexplained)} unexplained survivors; {seconds:.0f} s\n"
    for key, diff in unexplained:
        text += f"\n### {key}\n```diff\n{diff}\n```\n"
    (WORK / "report.md").write_text(text)
    print(text)
    return len(unexplained)


if __name__ == "__main__":
    sys.exit(main())
