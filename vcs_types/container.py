"""The Container type: one Docker container run as a VCS resource."""

from vxha.vcs_types.decl import Attr, TypeDecl

TYPE = TypeDecl(
    "Container",
    doc="A Docker container managed from the host OS.",
    agent="vxha.agents.container:ContainerAgent",
    attrs=[
        Attr(
            "RuntimeName",
            doc="the container's name in the engine; empty: derived from the resource name",
        ),
        Attr("Image", doc="image name:tag or id, present locally unless AllowPull"),
        Attr("Hostname", doc="hostname inside the container"),
        Attr("Env", dim="association", doc="environment variables passed to the container"),
        Attr("Mounts", dim="association", doc="host path -> container path[:ro] bind mounts"),
        Attr("CPUs", doc="CPU limit as a decimal number of CPUs (docker --cpus)"),
        Attr("Memory", doc="memory limit in bytes or with a unit (512m, 4g)"),
        Attr("Privileged", "boolean", default=0, doc="run with Docker's privileged flag"),
        Attr("HealthCmd", doc="health monitor program run inside the container by /bin/sh -c"),
        Attr("HealthTimeout", "int", default=10, doc="seconds HealthCmd may run before it fails"),
        Attr("UseImageHealth", "boolean", default=0, doc="honour the image's HEALTHCHECK"),
        Attr("StartupCmds", dim="vector", doc="commands run in order by /bin/sh -c after start"),
        Attr("StopTimeout", "int", default=30, doc="seconds between TERM and KILL on offline"),
        Attr("Labels", dim="association", doc="extra labels set on the container (not vxha.*)"),
        Attr("DockerHost", doc="engine socket (unix:///path); empty: the system's"),
        Attr(
            "Reuse",
            "boolean",
            default=0,
            doc="keep the stopped container; restart it on online",
        ),
        Attr("AllowPull", "boolean", default=0, doc="pull a missing image on online"),
    ],
    # `Name` is a VCS reserved word (docs/framework.md); main.cf and argv carrying it still work.
    renamed={"Name": "RuntimeName"},
    statics={
        "AEPTimeout": 1,
        "OnlineTimeout": 120,
        "OfflineTimeout": 120,
        "CleanTimeout": 60,
        "MonitorTimeout": 30,
        "MonitorInterval": 60,
        "OfflineMonitorInterval": 300,
        "OnlineWaitLimit": 2,
        "ToleranceLimit": 0,
        "RestartLimit": 1,
        "IMF": {"Mode": 0, "MonitorFreq": 1, "RegisterRetryLimit": 3},
        # HealthCmd runs in every LevelTwoMonitorFreq-th monitor.
        "LevelTwoMonitorFreq": 1,
    },
)
