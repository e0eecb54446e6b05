"""The maintenance record: who put a server in maintenance on a system, when and why.

Kept in the group's ``UserStrLocal`` on that system (a per-system string VCS never uses
itself), so every node sees it and no file has to be shared.
"""

from __future__ import annotations

import getpass
import re
import time
from dataclasses import dataclass
from typing import Optional

TAG = "vxha-maintenance:"
_RECORD = re.compile(r"^vxha-maintenance: by (\S+) at (\S+)(?:: (.*))?$", re.S)


def _who() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry in a container
        return "unknown"


@dataclass
class Record:
    who: str
    when: str
    why: str = ""

    @classmethod
    def new(cls, why: str = "") -> Record:
        return cls(_who(), time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), why)

    def text(self) -> str:
        return f"{TAG} by {self.who} at {self.when}" + (f": {self.why}" if self.why else "")

    @classmethod
    def parse(cls, text: str) -> Optional[Record]:
        m = _RECORD.match(text or "")
        return cls(m.group(1), m.group(2), m.group(3) or "") if m else None

    def describe(self) -> str:
        return f"by {self.who} at {self.when}" + (f": {self.why}" if self.why else "")
