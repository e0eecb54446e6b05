"""The type catalog: every type vxha declares or references, loaded on demand."""

# vxha's own types: name -> module holding its TYPE declaration.
PROJECT_TYPES = {
    "Container": "vxha.vcs_types.container",
    "HostIP": "vxha.vcs_types.hostip",
    "PortForward": "vxha.vcs_types.portforward",
    "CFSMount": "vxha.vcs_types.cfsmount",
}

# Types for tests and benchmarks (like ClusterLabs' Dummy); never packaged.
EXTRA_TYPES = {"Dummy": "vxha.vcs_types.dummy"}

HERE = __file__.rpartition("/")[0]  # not os.path: agents load this module, os need not be


def project_type(name: str):
    """The declaration of one of vxha's own types (KeyError when unknown)."""
    module = PROJECT_TYPES.get(name) or EXTRA_TYPES[name]
    return __import__(module, fromlist=["TYPE"]).TYPE  # not importlib: agents load this


def project_types() -> list:
    return [project_type(n) for n in PROJECT_TYPES]


def bundled_types():
    """Veritas type-file name -> declarations of the types it holds, built on lookup."""
    from vxha.vcs_types.bundled_files import BUNDLED

    return BUNDLED


def types_file_name(type_name: str) -> str:
    return f"{type_name}Types.cf"


def render_types_file(decl) -> str:
    from vxha.vcs_types.decl import render_type

    return (
        f"// {decl.name}: {decl.doc}\n"
        "// Rendered from the vxha type catalog; do not edit (vxha render-types).\n\n"
        + render_type(decl)
    )


def render_all(directory=HERE) -> dict:
    """Rendered text of every project type's file, keyed by path under ``directory``."""
    from pathlib import Path

    return {
        Path(directory) / types_file_name(d.name): render_types_file(d) for d in project_types()
    }
