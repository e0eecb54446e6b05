"""The Container type: one Docker container run as a VCS resource."""

from vxha.vcs_types.decl import Attr, TypeDecl

TYPE = TypeDecl(
    "Container",
    doc="A container managed from the host OS (Docker, or Podman's Docker API service).",
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
        Attr(
            "DockerHost", doc="engine socket (unix:///path), Docker's or Podman's; empty: default"
        ),
        Attr(
            "Reuse",
            "boolean",
            default=0,
            doc="keep the stopped container; restart it on online",
        ),
        Attr("AllowPull", "boolean", default=0, doc="pull a missing image on online"),
        # Container options (docs/container.md "Options").
        Attr(
            "Network", doc="none, host (needs GrantHostNetwork) or a network name; empty: default"
        ),
        Attr("User", doc="user[:group] the main process runs as (name or id)"),
        Attr("CapAdd", dim="vector", doc="capabilities added (each needs GrantCaps)"),
        Attr("CapDrop", dim="vector", doc="capabilities dropped (ALL for every one)"),
        Attr(
            "Devices",
            dim="vector",
            doc="host device[:container path[:rwm]] (each needs GrantDevices)",
        ),
        Attr("Command", dim="vector", doc="the command, replacing the image's CMD"),
        Attr("Entrypoint", dim="vector", doc="the entrypoint, replacing the image's"),
        Attr(
            "ReadOnly", "boolean", default=0, doc="mount the container's root file system read-only"
        ),
        Attr("Ulimits", dim="association", doc="limit name -> soft[:hard] (nofile = 1024:2048)"),
        Attr("ShmSize", doc="size of /dev/shm (64m)"),
        Attr("Tmpfs", dim="association", doc="container path -> tmpfs mount options"),
        # Node access granted by the server profile's node_access (DECISIONS.md 4).
        Attr("GrantCaps", dim="vector", doc="capabilities CapAdd may add"),
        Attr("GrantDevices", dim="vector", doc="host devices Devices may pass"),
        Attr("GrantHostPaths", dim="vector", doc="system host paths Mounts may bind (and below)"),
        Attr("GrantHostNetwork", "boolean", default=0, doc="Network may be host"),
        # Add-on and hotfix images, mounted read-only from data containers (docs/container.md).
        Attr(
            "AddOns",
            dim="vector",
            doc="add-on images: '<id>:<version> <container path> [<image>]' each",
        ),
        Attr(
            "Hotfixes",
            dim="vector",
            doc="hotfix images, as AddOns; applied in version order",
        ),
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
        # An image's lifecycle commands (docs/operations.md "Upgrades"): in a one-off
        # container of an image, or inside the running container.
        "SupportedActions": ["oneoff", "exec"],
    },
)
