"""The CFSMount type: Veritas's attribute names, plus what vxha's agent adds."""

from vxha.vcs_types.decl import Attr, TypeDecl

# Veritas's own CFSMount attributes and ArgList: a generated main.cf runs under either agent.
VERITAS_ATTRS = [
    Attr("MountPoint", doc="absolute mount point"),
    Attr("BlockDevice", doc="block device, /dev/vx/dsk/<diskgroup>/<volume> on CVM"),
    Attr("MountOpt", doc="mount options"),
    Attr("MountType", doc="cluster mount type (set by Veritas's agent)"),
    Attr("NodeList", dim="keylist", doc="systems where the file system is mounted"),
    Attr("Policy", dim="keylist", doc="systems eligible to become primary"),
    Attr("Primary", temp=True, doc="the current primary (set by the agent)"),
    Attr("SetPrimary", doc="system to make primary"),
    Attr("RemountRes", temp=True, doc="remount state (set by Veritas's agent)"),
    Attr("ForceOff", "boolean", default=0, doc="force the unmount on offline (vxha: as kill)"),
    Attr("AMFMountType", doc="mount type reported to AMF"),
]
VERITAS_ARGLIST = ["MountPoint", "BlockDevice", "MountOpt", "Primary", "AMFMountType"]

TYPE = TypeDecl(
    "CFSMount",
    doc="A cluster file system mount holding a container's data.",
    agent="vxha.agents.cfsmount:CFSMountAgent",
    attrs=VERITAS_ATTRS
    + [
        Attr("FSType", default="vxfs", doc="vxfs (cluster mount), or ext4, xfs, tmpfs, bind"),
        Attr(
            "ForceUnmount",
            default="safe",
            doc="busy mount: none (fail), safe (TERM users), kill (TERM then KILL)",
        ),
        Attr("SecondLevelMonitor", "boolean", default=0, doc="write/read probe in monitor"),
        Attr("SecondLevelTimeout", "int", default=30, doc="seconds before the probe is abandoned"),
    ],
    arglist=VERITAS_ARGLIST
    + [
        "NodeList",
        "ForceOff",
        "FSType",
        "ForceUnmount",
        "SecondLevelMonitor",
        "SecondLevelTimeout",
    ],
    statics={
        "AEPTimeout": 1,
        "OnlineTimeout": 300,
        "OfflineTimeout": 300,
        "CleanTimeout": 60,
        "MonitorTimeout": 60,
        "MonitorInterval": 60,
        "OfflineMonitorInterval": 300,
        # No "primary" action: Veritas's CFSMount makes a node the cluster file system's
        # primary; the mounts vxha's agent serves (nodes without Veritas's CFS) have none.
        "IMF": {"Mode": 0, "MonitorFreq": 1, "RegisterRetryLimit": 3},
        # The second-level probe runs in every LevelTwoMonitorFreq-th monitor.
        "LevelTwoMonitorFreq": 1,
        # attr_changed reports a change of these while the resource runs.
        "RegList": ["MountPoint", "BlockDevice", "FSType", "MountOpt"],
    },
)
