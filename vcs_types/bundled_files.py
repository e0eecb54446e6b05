"""Veritas's type files vxha declares built in: where each is, and the shorthands they use.

An include resolves a file by name; only the module holding that file's declarations is
imported, so a configuration that includes types.cf alone never builds the others. Each
declares only what the guides' excerpts show: any other attribute a resource sets is a
warning that asks for Veritas's file, never an error.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping

from vxha.vcs_types.decl import Attr, TypeDecl

# Veritas's type file -> the module whose BUNDLED_FILES and RELEASES describe it.
MODULES = {
    "types.cf": "vxha.vcs_types.bundled",
    "CVMTypes.cf": "vxha.vcs_types.bundled",
    "CFSTypes.cf": "vxha.vcs_types.bundled",
    "VVRTypes.cf": "vxha.vcs_types.bundled_vvr",
    "OracleTypes.cf": "vxha.vcs_types.bundled_oracle",
    "OracleASMTypes.cf": "vxha.vcs_types.bundled_oracle",
    "PrivNIC.cf": "vxha.vcs_types.bundled_oracle",
    "Db2udbTypes.cf": "vxha.vcs_types.bundled_db",
    "SybaseTypes.cf": "vxha.vcs_types.bundled_db",
}


def _module(file):
    return __import__(MODULES[file], fromlist=["BUNDLED_FILES"])  # KeyError when not bundled


class BundledFiles(Mapping):
    """Type-file name -> its built-in declarations; a file's module is imported on lookup."""

    def __getitem__(self, file):
        return _module(file).BUNDLED_FILES[file]

    def __contains__(self, file):
        return file in MODULES

    def __iter__(self):
        return iter(MODULES)

    def __len__(self):
        return len(MODULES)


BUNDLED = BundledFiles()


def loaded():
    """(file, declarations) of each built-in file whose module is imported already."""
    for file, name in MODULES.items():
        module = sys.modules.get(name)
        if module is not None and hasattr(module, "BUNDLED_FILES"):
            yield file, module.BUNDLED_FILES[file]


def release(file: str) -> str:
    """The release of Veritas's documentation a built-in file's declarations describe."""
    return _module(file).RELEASES[file]


# The shorthands live here, not in a module of their own: every import costs a file lookup.


def type_decl(name, doc, attrs, arglist=None, statics=None):
    return TypeDecl(name, attrs, arglist=arglist, statics=statics, doc=doc)


def str_attr(name, **kw):
    return Attr(name, "str", **kw)


def int_attr(name, default=0, **kw):
    return Attr(name, "int", default=default, **kw)


def bool_attr(name, default=0, **kw):
    return Attr(name, "boolean", default=default, **kw)
