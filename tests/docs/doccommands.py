"""The commands the admin docs print: fenced lines and inline code spans that start with
`vxha `, an `ha*` command, `make `, or a package or service command (rpm, dpkg,
systemctl, journalctl). (Not named conftest: other test folders have one.)"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ADMIN_DOCS = ["README.md", "docs/operations.md", "docs/profiles.md", "docs/watch.md",
              "docs/packaging.md"]  # fmt: skip
ALL_DOCS = ["README.md", *sorted(f"docs/{p.name}" for p in (ROOT / "docs").glob("*.md"))]

_START = re.compile(r"(vxha|ha[a-z]+|make|rpm|dpkg|systemctl|journalctl) ")
_SPAN = re.compile(r"`([^`]+)`")


def commands(doc):
    """(doc:line, command) for every command line of one document; an inline span broken
    over two lines is joined."""
    text = (ROOT / doc).read_text()
    out = []
    fenced = False
    paragraph = []  # (line number, text) of the prose lines in a row
    lines = text.splitlines()

    def flush():
        joined = " ".join(t for _, t in paragraph)
        starts = []
        pos = 0
        for n, t in paragraph:
            starts.append((pos, n))
            pos += len(t) + 1
        for m in _SPAN.finditer(joined):
            span = " ".join(m.group(1).split())
            if _START.match(span):
                line = max(n for p, n in starts if p <= m.start())
                out.append((f"{doc}:{line}", span))
        paragraph.clear()

    for number, line in enumerate(lines, 1):
        if line.strip().startswith("```"):
            flush()
            fenced = not fenced
            continue
        if fenced:
            s = line.strip()
            s = s[2:] if s.startswith("$ ") else s
            if _START.match(s):
                out.append((f"{doc}:{number}", s.split("  #")[0].strip()))
        elif line.strip():
            paragraph.append((number, line))
        else:
            flush()
    flush()
    return out


# Where each documented command can run: on the simulator (the ha* shims, `vxha sim
# serve`), only as root with real components (namespaces, engines, loop devices), or only
# on a real node (packages installed, systemd, VCS's own engine).
REAL_NODE = ("rpm ", "dpkg ", "systemctl ", "journalctl ")
ROOT_ONLY = ("make test", "make demo-real", "vxha demo-real", "make bench", "make packages",
             "make mutants", "vxha watch", "vxha sim cleanup")  # fmt: skip


def classify(command):
    if command.startswith(REAL_NODE):
        return "real node"
    if command.startswith(ROOT_ONLY) or " --real" in command:
        return "root"
    return "simulator"
