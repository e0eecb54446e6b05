"""The transcript: one stable, time-stamped line per state change and entry-point call.

``T+000123 n1 web_ctr ONLINE -> OFFLINE (monitor)``: virtual seconds, the system (``-`` for
the cluster as a whole), the object, then what happened. Lines are kept in memory in the
order the engine produced them; the same configuration and events give the same lines.
"""

from __future__ import annotations


class Transcript:
    def __init__(self, sink=None):
        self.lines = []
        self.sink = sink  # optional callable(line), e.g. print for `vxha sim run --follow`

    def add(self, now: int, system: str, obj: str, text: str) -> None:
        line = f"T+{now:06d} {system or '-'} {obj} {text}"
        self.lines.append(line)
        if self.sink is not None:
            self.sink(line)

    def text(self) -> str:
        return "".join(line + "\n" for line in self.lines)

    def since(self, index: int) -> list:
        return self.lines[index:]

    def __len__(self):
        return len(self.lines)

    def __iter__(self):
        return iter(self.lines)
