"""Dummy: a type for tests and benchmarks, with an attribute of every dimension."""

from vxha.vcs_types.decl import Attr, TypeDecl

TYPE = TypeDecl(
    "Dummy",
    doc="Keeps an online flag in a state file; exercises every attribute dimension.",
    agent="vxha.agents.dummy:DummyAgent",
    attrs=[
        Attr("Str", doc="any string"),
        Attr("Int", "int", default=0, doc="any integer"),
        Attr("Flag", "boolean", default=0, doc="any boolean"),
        Attr("Vec", dim="vector", doc="any vector"),
        Attr("Keys", dim="keylist", doc="any keylist"),
        Attr("Assoc", dim="association", doc="any association"),
        Attr("Delay", "int", default=0, doc="milliseconds each entry point sleeps"),
        Attr("Fail", dim="keylist", doc="entry points that fail (online, offline, clean)"),
        Attr("Child", "boolean", default=0, doc="spend Delay in a child process"),
    ],
    statics={
        "AEPTimeout": 1,
        "OnlineTimeout": 10,
        "OfflineTimeout": 10,
        "MonitorTimeout": 10,
        "SupportedActions": ["echo"],
        "RegList": ["Str"],
    },
)
