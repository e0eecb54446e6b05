"""Legal VCS identifiers for the names the generator derives, without collisions."""

from __future__ import annotations

import re

# A VCS object name: a letter first, then letters, digits and underscores.
IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_ILLEGAL = re.compile(r"[^A-Za-z0-9_]")


def legal(text: str) -> str:
    """``text`` made a legal identifier: illegal characters become ``_``, a letter first."""
    if text.isascii() and text.isidentifier() and text[0].isalpha():
        return text  # already one (every name derived from a valid server profile)
    name = _ILLEGAL.sub("_", text)
    if not name or not name[0].isalpha():
        name = "x" + name
    return name


class Namer:
    """Hands out unique identifiers in one namespace (resources, or groups).

    A derived name that is taken gets the first free ``_2``, ``_3``, ... suffix, so two
    mount names that differ only in characters VCS does not allow stay distinct.
    Names are handed out in a deterministic order by the caller, so the result is too.
    """

    def __init__(self, taken=()):
        self.taken = set(taken)

    def reserve(self, name: str) -> bool:
        """Claim an exact name; False when it is already taken."""
        if name in self.taken:
            return False
        self.taken.add(name)
        return True

    def unique(self, text: str) -> str:
        taken = self.taken
        if text not in taken and text.isascii() and text.isidentifier() and text[0].isalpha():
            taken.add(text)  # legal and free, as almost every derived name is
            return text
        base = legal(text)
        name, n = base, 1
        while name in self.taken:
            n += 1
            name = f"{base}_{n}"
        self.taken.add(name)
        return name
