"""A bounded table of answers, for values that recur across a run (profile lines, sizes,
main.cf texts): each is worked out once, and a hit is one dict lookup.

In the root package and importing nothing, for the reason vxha/hostpaths.py gives.
"""


class Memo(dict):
    """key -> ``compute(key)``, each computed once; cleared past ``limit`` entries, so a
    long run of distinct keys never grows it without bound. An error of ``compute`` is
    raised and nothing is kept. Only for immutable answers: every caller shares one."""

    def __init__(self, compute, limit: int = 4096):
        super().__init__()
        self.compute = compute
        self.limit = limit

    def __missing__(self, key):
        value = self.compute(key)
        if len(self) >= self.limit:
            self.clear()
        self[key] = value
        return value
