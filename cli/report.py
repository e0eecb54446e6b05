"""An HTML timeline of a simulator transcript: each resource's and group's state per
system over virtual time, one row each, as a self-contained SVG page."""

from __future__ import annotations

import html
import re

LINE = re.compile(r"^T\+(\d+) (\S+) (\S+) (\S+) -> (\S+)(?: \((.*)\))?$")
COLORS = {
    "ONLINE": "#2e9e44",
    "OFFLINE": "#c9ced6",
    "FAULTED": "#d64541",
    "PARTIAL": "#e8b730",
    "UNKNOWN": "#8e6fbf",
}


def color(state: str) -> str:
    if "FAULTED" in state:
        return COLORS["FAULTED"]
    if any(q in state for q in ("STARTING", "STOPPING", "WAITING", "GOING", "UNABLE")):
        return "#f08a24"
    if "STATE_UNKNOWN" in state:  # the last known state, not confirmed by the monitor
        return COLORS["UNKNOWN"]
    return COLORS.get(state.split("|")[0], "#999999")


def intervals(lines):
    """{(object, system): [(start, end, state), ...]} and the end of time."""
    rows, current, end = {}, {}, 0
    for line in lines:
        m = LINE.match(line)
        if not m:
            continue
        t, system, obj, _old, new = int(m[1]), m[2], m[3], m[4], m[5]
        end = max(end, t)
        key = (obj, system)
        if key in current:
            start, state = current[key]
            rows[key].append((start, t, state))
        else:
            rows.setdefault(key, [])
        current[key] = (t, new)
    for key, (start, state) in current.items():
        rows[key].append((start, max(end, start + 1), state))
    return rows, max(end, 1)


def write_report(lines, path, title="vxha timeline") -> None:
    rows, end = intervals(lines)
    label_w, width, row_h = 300, 900, 16
    scale = width / end
    height = row_h * (len(rows) + 2)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{label_w + width + 20}" '
        f'height="{height}" font-family="monospace" font-size="11">'
    ]
    for i, ((obj, system), spans) in enumerate(rows.items()):
        y = row_h * (i + 1)
        parts.append(f'<text x="4" y="{y + 12}">{html.escape(obj)} @ {html.escape(system)}</text>')
        for start, stop, state in spans:
            x = label_w + start * scale
            w = max(1.0, (stop - start) * scale)
            parts.append(
                f'<rect x="{x:.1f}" y="{y + 2}" width="{w:.1f}" height="{row_h - 4}" '
                f'fill="{color(state)}"><title>{html.escape(obj)} on {html.escape(system)}: '
                f"{html.escape(state)} from T+{start} to T+{stop}</title></rect>"
            )
    parts.append(
        f'<text x="{label_w}" y="{height - 2}">T+0</text>'
        f'<text x="{label_w + width - 60}" y="{height - 2}">T+{end} s</text></svg>'
    )
    legend = " ".join(
        f'<span style="background:{c};padding:0 6px">{html.escape(s)}</span>'
        for s, c in [*COLORS.items(), ("in transition", "#f08a24")]
    )
    page = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        "</head><body style='font-family:sans-serif'>"
        f"<h1>{html.escape(title)}</h1><p>{legend}</p>{''.join(parts)}"
        f"<h2>Transcript</h2><pre>{html.escape(chr(10).join(lines))}</pre></body></html>\n"
    )
    with open(path, "w") as f:
        f.write(page)
