"""vxha.simulator: a VCS engine model for tests and demos (docs/simulator.md).

``Simulator``, ``run_scenario``, ``SimClient``, ``Daemon`` and ``install_shims`` are
imported on first use, so the ha* shims (which import this package) stay fast.
"""

_EXPORTS = {
    "Simulator": "api",
    "run_scenario": "api",
    "SimClient": "client",
    "Daemon": "daemon",
    "install_shims": "shims",
    "SimError": "engine",
}

__all__ = list(_EXPORTS)


def __getattr__(name):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
