"""Veritas's bundled types: built-in declarations of types.cf, CVMTypes.cf and CFSTypes.cf.

Written from the documented attribute tables and "resource type definition" sections
(docs/vcs-language.md names the document and release each describes, and which were
checked against a stored copy). They stand in only when the real file is absent: a
types file found beside main.cf or in the node's configuration directory always wins
(DECISIONS.md 5 and 10), and a resource attribute the built-in declaration lacks is a
warning, not an error.
"""

from vxha.vcs_types.bundled_files import bool_attr as _b
from vxha.vcs_types.bundled_files import int_attr as _i
from vxha.vcs_types.bundled_files import str_attr as _s
from vxha.vcs_types.bundled_files import type_decl as _t
from vxha.vcs_types.cfsmount import VERITAS_ARGLIST, VERITAS_ATTRS
from vxha.vcs_types.decl import Attr, TypeDecl

# The release each file's declarations describe.
RELEASES = {
    "types.cf": "Cluster Server 7.3.1 Bundled Agents Reference Guide - Linux",
    "CVMTypes.cf": "Storage Foundation Cluster File System High Availability 7.3.1 "
    "Administrator's Guide - Linux (CVM agents)",
    "CFSTypes.cf": "Storage Foundation Cluster File System High Availability 7.3.1 "
    "Administrator's Guide - Linux (CFS agents)",
}


_IMF3 = {"Mode": 3, "MonitorFreq": 1, "RegisterRetryLimit": 3}

# -- types.cf ------------------------------------------------------------------------------

APPLICATION = _t(
    "Application",
    "Starts, stops and monitors an application by its programs and processes.",
    [
        _s("User", default="root"),
        _s("StartProgram"),
        _s("StopProgram"),
        _s("CleanProgram"),
        _s("MonitorProgram"),
        _s("PidFiles", dim="vector"),
        _s("MonitorProcesses", dim="vector"),
        _s("EnvFile"),
        _b("UseSUDash"),
    ],
    arglist=[
        "State",
        "IState",
        "User",
        "StartProgram",
        "StopProgram",
        "CleanProgram",
        "MonitorProgram",
        "PidFiles",
        "MonitorProcesses",
        "EnvFile",
        "UseSUDash",
    ],
    statics={
        "SupportedActions": ["program.vfd", "user.vfd", "cksum.vfd", "getcksum", "propcv"],
        "IMF": dict(_IMF3),
        "IMFRegList": ["MonitorProcesses", "User", "PidFiles", "MonitorProgram"],
        "ContainerOpts": {"RunInContainer": 1, "PassCInfo": 0},
    },
)

DISKGROUP = _t(
    "DiskGroup",
    "Imports, deports and monitors a VxVM disk group.",
    [
        _s("DiskGroup"),
        _b("StartVolumes", 1),
        _b("StopVolumes", 1),
        _b("MonitorReservation"),
        _s("tempUseFence", default="INVALID", temp=True),
        _i("PanicSystemOnDGLoss"),
        _i("UmountVolumes"),
        _s("Reservation", default="ClusterDefault"),
        _b("ClearClone"),
        _s("DiskGroupType", default="private"),
    ],
    arglist=[
        "DiskGroup",
        "StartVolumes",
        "StopVolumes",
        "MonitorOnly",
        "MonitorReservation",
        "tempUseFence",
        "PanicSystemOnDGLoss",
        "UmountVolumes",
        "Reservation",
        "ConfidenceLevel",
        "ClearClone",
        "DiskGroupType",
    ],
    statics={
        "OnlineRetryLimit": 1,
        "NumThreads": 1,
        "SupportedActions": [
            "license.vfd",
            "disk.vfd",
            "udid.vfd",
            "verifyplex.vfd",
            "checkudid",
            "numdisks",
            "campusplex",
            "volinuse",
            "joindg",
            "splitdg",
            "getvxvminfo",
        ],
        "IMF": {"Mode": 3, "MonitorFreq": 5, "RegisterRetryLimit": 3},
        "IMFRegList": ["DiskGroup", "Reservation"],
    },
)

VOLUME = _t(
    "Volume",
    "Starts, stops and monitors a VxVM volume.",
    [_s("Volume"), _s("DiskGroup")],
    statics={"NumThreads": 1, "SupportedActions": ["volinuse"]},
)

LVMVOLUMEGROUP = _t(
    "LVMVolumeGroup",
    "Activates, deactivates and monitors a Linux LVM volume group.",
    [_s("VolumeGroup"), _i("StartVolumes", 1), _i("EnableLVMTagging")],
    statics={"SupportedActions": ["volinuse"]},
)

LVMLOGICALVOLUME = _t(
    "LVMLogicalVolume",
    "Activates, deactivates and monitors a Linux LVM logical volume.",
    [_s("LogicalVolume"), _s("VolumeGroup")],
)

MOUNT = _t(
    "Mount",
    "Mounts, unmounts and monitors a file system or an NFS client mount.",
    [
        _s("MountPoint"),
        _s("BlockDevice"),
        _s("MountOpt"),
        _s("FSType"),
        _s("FsckOpt"),
        _i("SnapUmount"),
        _i("CkptUmount", 1),
        _b("SecondLevelMonitor"),
        _i("SecondLevelTimeout", 30),
        _i("OptCheck"),
        _i("CreateMntPt"),
        _s("MntPtPermission"),
        _s("MntPtOwner"),
        _s("MntPtGroup"),
        _i("AccessPermissionChk"),
        _b("RecursiveMnt"),
        _i("VxFSMountLock", 1),
        _i("CacheRestoreAccess"),
        _i("ReuseMntPt"),
    ],
    arglist=[
        "MountPoint",
        "BlockDevice",
        "MountOpt",
        "FSType",
        "FsckOpt",
        "SnapUmount",
        "CkptUmount",
        "SecondLevelMonitor",
        "SecondLevelTimeout",
        "OptCheck",
        "CreateMntPt",
        "MntPtPermission",
        "MntPtOwner",
        "MntPtGroup",
        "AccessPermissionChk",
        "RecursiveMnt",
        "VxFSMountLock",
        "CacheRestoreAccess",
        "ReuseMntPt",
    ],
    statics={
        "RegList": ["VxFSMountLock"],
        "SupportedActions": [
            "mountpoint.vfd",
            "mounted.vfd",
            "vxfslic.vfd",
            "chgmntlock",
            "mountentry.vfd",
        ],
        "IMF": dict(_IMF3),
        "IMFRegList": ["MountPoint", "BlockDevice", "FSType"],
    },
)

NIC = _t(
    "NIC",
    "Monitors a network interface.",
    [
        _s("Device"),
        _i("PingOptimize", 1),
        _s("NetworkHosts", dim="vector"),
        _i("Mii", 1),
        _s("NetworkType"),
        _b("ExclusiveIPZone"),
    ],
    arglist=["Device", "PingOptimize", "NetworkHosts", "Mii", "NetworkType", "ExclusiveIPZone"],
    statics={
        "OfflineMonitorInterval": 60,
        "Operations": "None",
        "SupportedActions": ["device.vfd", "clearNICFaultInZone"],
        "IMF": dict(_IMF3),
        "IMFRegList": ["Device"],
    },
)

IP = _t(
    "IP",
    "Configures, removes and monitors an IP address on a NIC.",
    [
        _s("Device"),
        _s("Address"),
        _s("NetMask"),
        _i("PrefixLen", 1000),
        _s("Options"),
        _s("IPOptions"),
        _s("IPRouteOptions"),
        _b("ExclusiveIPZone"),
    ],
    statics={
        "RegList": ["NetMask"],
        "SupportedActions": ["device.vfd", "route.vfd"],
        "IMF": dict(_IMF3),
        "IMFRegList": ["Device", "Address", "NetMask", "PrefixLen"],
    },
)

MULTINICA = _t(
    "MultiNICA",
    "Monitors a group of NICs and moves the address between them.",
    [
        _s("Device", dim="association"),
        _s("Options"),
        _s("RouteOptions"),
        _i("PingOptimize", 1),
        _i("IfconfigTwice"),
        _i("HandshakeInterval", 20),
        _s("NetMask"),
        _s("NetworkHosts", dim="vector"),
        _s("LinkOptions"),
        _s("IPv4AddrOptions"),
        _s("IPv6AddrOptions"),
        _s("IPv4RouteOptions"),
        _s("IPv6RouteOptions"),
        _i("PrefixLen"),
        _i("RetestInterval", 5),
        _i("ArpDelay", 1),
        _s("Protocol", default="IPv4"),
        _i("Mii", 1),
    ],
    statics={"OfflineMonitorInterval": 60, "MonitorTimeout": 300, "Operations": "None"},
)

IPMULTINIC = _t(
    "IPMultiNIC",
    "Configures and monitors an address on the active NIC of a MultiNICA resource.",
    [
        _s("Address"),
        _s("NetMask"),
        _s("MultiNICResName"),
        _s("Options"),
        _s("IPOptions"),
        _i("PrefixLen"),
    ],
    arglist=[
        "MultiNICResName:Device",
        "Address",
        "NetMask",
        "MultiNICResName:ArpDelay",
        "Options",
        "MultiNICResName:Probed",
        "MultiNICResName",
        "IPOptions",
        "PrefixLen",
    ],
    statics={"MonitorTimeout": 120},
)

MULTINICB = _t(
    "MultiNICB",
    "Monitors a group of NICs that all hold base addresses.",
    [
        _s("Device", dim="association"),
        _s("NetworkHosts", dim="vector"),
        _i("LinkTestRatio", 1),
        _i("IgnoreLinkStatus", 1),
        _i("NetworkTimeout", 100),
        _i("OnlineTestRepeatCount", 3),
        _i("OfflineTestRepeatCount", 3),
        _i("NoBroadcast"),
        _s("DefaultRouter", default="0.0.0.0"),
        _i("Failback"),
        _s("Protocol", default="IPv4"),
    ],
    statics={"MonitorInterval": 10, "Operations": "None"},
)

IPMULTINICB = _t(
    "IPMultiNICB",
    "Configures and monitors an address on a NIC of a MultiNICB resource.",
    [
        _s("BaseResName"),
        _s("Address"),
        _s("NetMask"),
        _s("DeviceChoice", default="0"),
        _i("IgnoreMultiNICBFailure"),
        _s("Options"),
        _i("PrefixLen"),
        _s("RouteOptions"),
    ],
    arglist=[
        "BaseResName",
        "Address",
        "NetMask",
        "DeviceChoice",
        "IgnoreMultiNICBFailure",
        "Options",
        "PrefixLen",
        "RouteOptions",
        "BaseResName:Protocol",
    ],
    statics={"MonitorTimeout": 120, "OnlineRetryLimit": 1},
)

PROCESS = _t(
    "Process",
    "Starts, stops and monitors a process.",
    # UserName, Priority and PidFile: BARG 5.0MP3 (Linux) "Attributes for Linux" (Priority
    # "Default: 10"); BARG 4.1 (HP-UX) "Type Definition" declares the same three
    [
        _s("PathName"),
        _s("Arguments"),
        _s("UserName", default="root"),
        _s("Priority", default="10"),
        _s("PidFile"),
        _b("UseSUDash"),
    ],
    statics={
        "SupportedActions": ["program.vfd", "getcksum"],
        "IMF": dict(_IMF3),
        "IMFRegList": ["PathName", "Arguments"],
        "ContainerOpts": {"RunInContainer": 1, "PassCInfo": 0},
    },
)

PROCESSONONLY = _t(
    "ProcessOnOnly",
    "Starts and monitors a process (no offline).",
    # PidFile, Priority, UserName: BARG 5.0RU1 (Linux) "Attributes for Linux", the table
    # that lists IgnoreArgs (ProcessOnOnly's attribute, BARG 4.1 HP-UX)
    [
        _s("PathName"),
        _s("Arguments"),
        _b("IgnoreArgs"),
        _s("UserName", default="root"),
        _s("Priority", default="10"),
        _s("PidFile"),
        _b("UseSUDash"),
    ],
    statics={"Operations": "OnOnly", "IMF": dict(_IMF3), "IMFRegList": ["PathName", "Arguments"]},
)

PROXY = _t(
    "Proxy",
    "Mirrors the state of another resource.",
    [_s("TargetResName"), _s("TargetSysName")],
    arglist=["TargetResName", "TargetSysName", "TargetResName:Probed", "TargetResName:State"],
    statics={"OfflineMonitorInterval": 60, "Operations": "None"},
)

PHANTOM = _t(
    "Phantom",
    "Gives a group of persistent resources a state.",
    [],
    arglist=[],
)

NOTIFIERMNGR = _t(
    "NotifierMngr",
    "Runs the notifier process (SNMP and SMTP notification).",
    [
        _i("EngineListeningPort", 14141),
        _i("MessagesQueue", 30),
        _i("NotifierListeningPort", 14144),
        _s("NotifierSourceIP"),
        _i("SnmpdTrapPort", 162),
        _s("SnmpCommunity", default="public"),
        _s("SnmpConsoles", dim="association"),
        _s("SmtpServer"),
        _b("SmtpServerVrfyOff"),
        _i("SmtpServerTimeout", 10),
        _s("SmtpReturnPath"),
        _s("SmtpFromPath"),
        _s("SmtpRecipients", dim="association"),
    ],
    statics={"RestartLimit": 3},
)

NFS = _t(
    "NFS",
    "Starts and monitors the NFS server daemons.",
    [_i("Nservers", 8), _i("LockFileTimeout", 180), _i("NFSv4Support"), _i("NFSSecurity")],
    arglist=["Nservers", "NFSv4Support", "LockFileTimeout", "NFSSecurity"],
    statics={"RestartLimit": 1, "Operations": "OnOnly"},
)

NFSRESTART = _t(
    "NFSRestart",
    "Restarts NFS services and keeps NFS locks across failover.",
    [_s("NFSRes"), _s("LocksPathName"), _i("NFSLockFailover"), _i("Lower")],
    arglist=[
        "NFSRes:Nservers",
        "NFSRes:LockFileTimeout",
        "LocksPathName",
        "NFSLockFailover",
        "Lower",
        "State",
    ],
    statics={"OnlineRetryLimit": 0, "RestartLimit": 1},
)

SHARE = _t(
    "Share",
    "Shares (exports) a directory over NFS.",
    [
        _s("PathName"),
        _s("Client"),
        _s("OtherClients", dim="vector"),
        _s("Options"),
        _s("NFSRes"),
    ],
    arglist=["PathName", "Client", "OtherClients", "Options", "NFSRes:State"],
)

# DNS and RemoteGroup are declared from older or other platforms' guides than the rest of
# types.cf (docs/vcs-language.md names them): only the attributes those guides show.
DNS = _t(
    "DNS",
    "Updates and monitors host name to address mappings in a DNS zone.",
    [
        _s("Domain"),
        _s("ResRecord", dim="association"),
        _i("TTL", 86400),
        _s("TSIGKeyFile"),
        _s("StealthMasters", dim="vector"),
        _i("CreatePTR"),
        _i("OffDelRR"),
        _s("Alias"),
        _s("Hostname"),
    ],
    statics={"SupportedActions": ["dig.vfd", "keyfile.vfd", "master.vfd"]},
)

REMOTEGROUP = _t(
    "RemoteGroup",
    "Monitors or manages a service group of a remote cluster.",
    [
        _s("IpAddress"),
        _i("Port", 14141),
        _s("GroupName"),
        _s("VCSSysName"),
        _s("ControlMode"),
        _s("Username"),
    ],
)

# The types below are declared from partial excerpts of the guides (docs/vcs-language.md
# names each and what it shows): only what a stored excerpt documents. An attribute they
# lack is a warning that asks for Veritas's types.cf, never an error.

COORDPOINT = _t(
    "CoordPoint",
    "Monitors the registrations on the I/O fencing coordination points (monitor only).",
    [_i("FaultTolerance")],
    statics={"Operations": "None"},
)

VOLUMESET = _t("VolumeSet", "Starts, stops and monitors a VxVM volume set.", [], arglist=[])

DISKGROUPSNAP = _t(
    "DiskGroupSnap",
    "Detaches a site of a campus cluster's disk group for a fire drill.",
    [_s("FDSiteName"), _s("FDType")],
)

# The guides name these attributes but give no type: a string scalar reads every scalar
# written (Port = 80, SecondLevelMonitor = 1), so an unknown type never gives a false error.
APACHE = _t(
    "Apache",
    "Starts, stops and monitors an Apache HTTP server.",
    [
        _s("httpdDir"),
        _s("HostName"),
        _s("ConfigFile"),
        _s("EnvFile"),
        _s("SharedObjDir"),
        _s("Port"),
        _s("EnableSSL"),
        _s("SecondLevelMonitor"),
    ],
    statics={"LevelTwoMonitorFreq": 5, "SupportedActions": ["checkconffile.vfd"]},
)

KVMGUEST = _t(
    "KVMGuest", "Starts, stops and monitors a KVM or RHEV virtual machine.", [], arglist=[]
)
SAMBASERVER = _t("SambaServer", "Starts, stops and monitors the smbd daemon.", [], arglist=[])
SAMBASHARE = _t("SambaShare", "Adds, removes and monitors a Samba share.", [], arglist=[])
NETBIOS = _t("NetBios", "Starts, stops and monitors the nmbd daemon.", [], arglist=[])

ELIFNONE = _t("ElifNone", "Monitors that a file is absent.", [_s("PathName")])
FILENONE = _t("FileNone", "Monitors that a file exists.", [_s("PathName")])
FILEONOFF = _t("FileOnOff", "Creates, removes and monitors a file.", [_s("PathName")])
FILEONONLY = _t("FileOnOnly", "Creates and monitors a file.", [_s("PathName")])
for _decl, _ops in ((ELIFNONE, "None"), (FILENONE, "None"), (FILEONONLY, "OnOnly")):
    _decl.statics["Operations"] = _ops

TYPES_CF = [
    APACHE,
    APPLICATION,
    COORDPOINT,
    DISKGROUP,
    DISKGROUPSNAP,
    DNS,
    ELIFNONE,
    FILENONE,
    FILEONOFF,
    FILEONONLY,
    IP,
    IPMULTINIC,
    IPMULTINICB,
    KVMGUEST,
    LVMLOGICALVOLUME,
    LVMVOLUMEGROUP,
    MOUNT,
    MULTINICA,
    MULTINICB,
    NETBIOS,
    NFS,
    NFSRESTART,
    NIC,
    NOTIFIERMNGR,
    PHANTOM,
    PROCESS,
    PROCESSONONLY,
    PROXY,
    REMOTEGROUP,
    SAMBASERVER,
    SAMBASHARE,
    SHARE,
    VOLUME,
    VOLUMESET,
]

# -- CVMTypes.cf ---------------------------------------------------------------------------

CVMCLUSTER = TypeDecl(
    "CVMCluster",
    doc="The CVM cluster membership.",
    attrs=[
        Attr("CVMClustName", doc="CVM cluster name"),
        Attr("CVMNodeAddr", dim="association", doc="system -> address"),
        Attr("CVMNodeId", dim="association", doc="system -> CVM node id"),
        Attr("CVMTransport", default="gab", doc="transport"),
        Attr("PortConfigd", "int", default=5555, doc="vxconfigd port"),
        Attr("PortKmsgd", "int", default=5556, doc="kmsgd port"),
        Attr("CVMTimeout", "int", default=200, doc="join timeout"),
        Attr("CVMNodePreference", doc="preference of systems as CVM master"),
    ],
    arglist=[
        "CVMTransport",
        "CVMClustName",
        "CVMNodeAddr",
        "CVMNodeId",
        "PortConfigd",
        "PortKmsgd",
        "CVMTimeout",
        "CVMNodePreference",
    ],
    statics={
        "RegList": ["CVMNodePreference"],
        "NumThreads": 1,
        "OnlineRetryLimit": 2,
        "OnlineTimeout": 400,
    },
)

CVMVXCONFIGD = TypeDecl(
    "CVMVxconfigd",
    doc="The vxconfigd daemon in cluster mode.",
    attrs=[Attr("CVMVxconfigdArgs", dim="keylist", doc="vxconfigd arguments")],
    statics={
        "FaultOnMonitorTimeouts": 2,
        "RestartLimit": 5,
        "OnlineTimeout": 300,
        "Operations": "OnOnly",
    },
)

CVMVOLDG = TypeDecl(
    "CVMVolDg",
    doc="A CVM shared disk group and its volumes.",
    attrs=[
        Attr("CVMDiskGroup", doc="shared disk group"),
        Attr("CVMDGAction", doc="what online does with the disk group"),
        Attr("CVMVolume", dim="keylist", doc="volumes to monitor"),
        Attr("CVMActivation", default="sw", doc="activation mode (sw, sr, ex, ro)"),
        Attr("CVMVolumeIoTest", dim="keylist", doc="volumes to probe with I/O"),
        Attr("CVMStartVolumes", "int", default=0, doc="start the volumes on online"),
        Attr("voldg_stat", "int", temp=True, doc="disk group state (set by the agent)"),
        Attr("CVMDeportOnOffline", "boolean", default=0, doc="deport the group on offline"),
        Attr("CVMDeactivateOnOffline", "boolean", default=0, doc="deactivate on offline"),
        Attr("ClearClone", "int", default=0, doc="clear the clone flag on import"),
        Attr("NodeList", dim="keylist", doc="systems where the disk group is activated"),
        Attr("ActivationMode", dim="association", doc="disk group -> activation mode"),
    ],
    arglist=[
        "CVMDiskGroup",
        "CVMVolume",
        "CVMActivation",
        "CVMVolumeIoTest",
        "CVMDGAction",
        "State",
        "CVMStartVolumes",
        "CVMDeportOnOffline",
        "CVMDeactivateOnOffline",
        "ClearClone",
        "NodeList",
    ],
    statics={
        "RegList": ["CVMActivation", "CVMVolume"],
        "OnlineRetryLimit": 2,
        "OnlineTimeout": 400,
        "OfflineTimeout": 400,
        "MonitorTimeout": 60,
    },
)

# -- CFSTypes.cf ---------------------------------------------------------------------------

CFSMOUNT = TypeDecl(
    "CFSMount",
    doc="Veritas's cluster file system mount.",
    attrs=VERITAS_ATTRS,
    arglist=VERITAS_ARGLIST,
    statics={
        "RestartLimit": 2,
        "SupportedActions": ["primary"],
        "OnlineTimeout": 600,
        "OfflineTimeout": 1200,
        "IMF": dict(_IMF3),
        "IMFRegList": ["MountPoint", "BlockDevice", "MountOpt"],
    },
)

CFSFSCKD = TypeDecl(
    "CFSfsckd",
    doc="The CFS fsck daemon.",
    attrs=[Attr("ActivationMode", dim="association", doc="disk group -> activation mode")],
    arglist=[],
    statics={"RestartLimit": 1},
)

# Veritas's type files and the bundled types each declares; an include of one of these
# names resolves here when the file itself is absent (DECISIONS.md 5).
BUNDLED_FILES = {
    "types.cf": TYPES_CF,
    "CVMTypes.cf": [CVMCLUSTER, CVMVXCONFIGD, CVMVOLDG],
    "CFSTypes.cf": [CFSMOUNT, CFSFSCKD],
}
