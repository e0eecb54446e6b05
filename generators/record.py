"""The maintenance record: who put a server in maintenance on a system, when and why, and
whether vxha froze the group for it.

Kept in the group's ``UserStrLocal`` on that system (a per-system string VCS never uses
itself), so every node sees it and no file has to be shared.
"""

from __future__ import annotations

import getpass
import re
import time
from dataclasses import dataclass, replace
from typing import Optional

TAG = "vxha-maintenance:"
FROZEN = "frozen by vxha"
# Records written before the freeze field existed have no FROZEN part: they still parse.
_RECORD = re.compile(
    r"^vxha-maintenance: by (\S+) at (\S+)(?: \((" + FROZEN + r")\))?(?:: (.*))?$", re.S
)


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
    frozen: bool = False  # vxha froze the group for this maintenance; off may thaw it

    @classmethod
    def new(cls, why: str = "", frozen: bool = False) -> Record:
        return cls(_who(), time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), why, frozen)

    def with_frozen(self, frozen: bool) -> Record:
        return replace(self, frozen=frozen)

    def text(self) -> str:
        return f"{TAG} {self.describe()}"

    @classmethod
    def parse(cls, text: str) -> Optional[Record]:
        m = _RECORD.match(text or "")
        if not m:
            return None
        return cls(m.group(1), m.group(2), m.group(4) or "", m.group(3) is not None)

    def describe(self) -> str:
        return (
            f"by {self.who} at {self.when}"
            + (f" ({FROZEN})" if self.frozen else "")
            + (f": {self.why}" if self.why else "")
        )
