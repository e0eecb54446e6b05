"""vxha.vcs_types: the VCS configuration language (type catalog, .cf parser, writer, verifier).

``parse``, ``parse_file``, ``write``, ``write_types``, ``CfError`` and ``Issue`` are
re-exported lazily so that an agent importing only ``vxha.vcs_types.decl`` stays fast.
``vxha.vcs_types.verify`` is the verifier module; it is callable as ``verify(config)``.
"""

_EXPORTS = {
    "parse": "cf",
    "parse_file": "cf",
    "write": "cf",
    "write_types": "cf",
    "CfError": "cf",
    "Issue": "verify",
}

__all__ = list(_EXPORTS)


def __getattr__(name):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
