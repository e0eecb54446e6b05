"""vxha render-types: write (or --check) the <Type>Types.cf files from the catalog."""

from __future__ import annotations

import argparse
from pathlib import Path

from vxha.vcs_types.catalog import HERE, render_all


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="vxha render-types", description=__doc__)
    p.add_argument("--dir", type=Path, default=HERE, help="output directory")
    p.add_argument("--check", action="store_true", help="exit 1 if any file is not current")
    args = p.parse_args(argv[1:])
    stale = []
    for path, text in render_all(args.dir).items():
        current = path.read_text() if path.exists() else None
        if current == text:
            continue
        stale.append(path)
        if not args.check:
            path.write_text(text)
            print(f"wrote {path}")
    if args.check and stale:
        for path in stale:
            print(f"not current: {path} (run 'vxha render-types')")
        return 1
    return 0
