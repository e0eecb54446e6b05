"""Built-in declarations of VVRTypes.cf, the replication agents' types (what the guides'
excerpts document: docs/vcs-language.md, "Built-in declarations")."""

from __future__ import annotations

from vxha.vcs_types.bundled_files import str_attr, type_decl

RELEASES = {
    "VVRTypes.cf": "Cluster Server 7.3.1 Bundled Agents Reference Guide - Linux "
    "(Replication agents)",
}

RVG = type_decl("RVG", "Brings a replicated volume group online and monitors it.", [], arglist=[])

RVGPRIMARY = type_decl(
    "RVGPrimary",
    "Migrates or takes over a Secondary RVG to the Primary role on online.",
    [str_attr("RvgResourceName")],
    statics={"SupportedActions": ["fbsync", "ElectPrimary"]},
)

RVGSNAPSHOT = type_decl(
    "RVGSnapshot",
    "Creates and destroys a snapshot of a Secondary RVG's volumes for a fire drill.",
    [],
    arglist=[],
)

RVGSHARED = type_decl(
    "RVGShared", "Monitors an RVG shared by the systems of a parallel group.", [], arglist=[]
)

RVGSHAREDPRI = type_decl(
    "RVGSharedPri",
    "Migrates or takes over a shared Secondary RVG to the Primary role on online.",
    [str_attr("RvgResourceName")],
    statics={"SupportedActions": ["fbsync", "resync"]},
)

RVGLOGOWNER = type_decl(
    "RVGLogowner", "Assigns and unassigns a system as the logowner of a shared RVG.", [], arglist=[]
)

BUNDLED_FILES = {
    "VVRTypes.cf": [RVG, RVGPRIMARY, RVGSNAPSHOT, RVGSHARED, RVGSHAREDPRI, RVGLOGOWNER],
}
