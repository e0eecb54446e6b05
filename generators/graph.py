"""A main.cf as a picture: groups as boxes, resources as nodes, ``requires`` edges,
group dependencies labelled. DOT always; SVG through graphviz ``dot`` when present."""

from __future__ import annotations

import shutil
import subprocess
from typing import Optional

from vxha.vcs_types.model import Config

DOT_TIMEOUT = 120  # seconds; a 10,000-group graph takes graphviz a while


def _id(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_dot(config: Config) -> str:
    """Deterministic DOT text of the configuration."""
    name = config.cluster.name if config.cluster is not None else "main.cf"
    out = [
        f"digraph {_id(name)} {{",
        "\tcompound=true;",
        "\trankdir=TB;",
        '\tnode [shape=box, style="rounded,filled", fillcolor="#eef3fb", fontname="Helvetica"];',
        '\tedge [fontname="Helvetica", fontsize=10];',
    ]
    for g in config.groups:
        kind = "parallel" if g.attrs.get("Parallel") else "failover"
        out.append(f"\tsubgraph {_id('cluster_' + g.name)} {{")
        out.append(f"\t\tlabel={_id(f'{g.name} ({kind})')};")
        out.append('\t\tstyle="rounded"; color="#4a6fa5";')
        # an anchor per group so group dependencies have an end even in an empty group
        out.append(f"\t\t{_id('group:' + g.name)} [shape=point, style=invis, width=0];")
        for r in g.resources:
            out.append(f"\t\t{_id(r.name)} [label={_id(r.name + chr(10) + r.type)}];")
        for lk in g.links:
            out.append(f"\t\t{_id(lk.parent)} -> {_id(lk.child)};")
        out.append("\t}")
    for g in config.groups:
        for d in g.deps:
            label = f"{d.category} {d.location} {d.rigidity}"
            out.append(
                f"\t{_id('group:' + g.name)} -> {_id('group:' + d.child)} "
                f"[ltail={_id('cluster_' + g.name)}, lhead={_id('cluster_' + d.child)}, "
                f'label={_id(label)}, style=dashed, color="#a54a4a"];'
            )
    out.append("}")
    return "\n".join(out) + "\n"


def dot_available() -> Optional[str]:
    return shutil.which("dot")


def to_svg(dot_text: str, dot: Optional[str] = None) -> bytes:
    """SVG rendered by graphviz; RuntimeError when dot is missing or fails."""
    dot = dot or dot_available()
    if not dot:
        raise RuntimeError("graphviz 'dot' is not installed: write a .dot file instead")
    try:
        done = subprocess.run(  # noqa: S603 - fixed argv, no shell
            [dot, "-Tsvg"],
            input=dot_text.encode(),
            capture_output=True,
            timeout=DOT_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise RuntimeError(f"dot did not finish within {DOT_TIMEOUT} s") from exc
    if done.returncode != 0:
        raise RuntimeError(f"dot failed: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout
