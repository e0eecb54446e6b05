"""Veritas's bundled types that generated configurations reference (CVM and CFS)."""

from vxha.vcs_types.cfsmount import VERITAS_ARGLIST, VERITAS_ATTRS
from vxha.vcs_types.decl import Attr, TypeDecl

CVMVOLDG = TypeDecl(
    "CVMVolDg",
    doc="A CVM shared disk group and its volumes.",
    attrs=[
        Attr("CVMDiskGroup", doc="shared disk group"),
        Attr("CVMVolume", dim="keylist", doc="volumes to monitor"),
        Attr("CVMActivation", default="sw", doc="activation mode (sw, sr, ex, ro)"),
        Attr("CVMVolumeIoTest", dim="keylist", doc="volumes to probe with I/O"),
        Attr("CVMDeportOnOffline", "boolean", default=0, doc="deport the group on offline"),
    ],
    arglist=["CVMDiskGroup", "CVMVolume", "CVMActivation", "CVMVolumeIoTest"],
    statics={"OnlineTimeout": 400, "OfflineTimeout": 400, "MonitorTimeout": 60},
)

CVMCLUSTER = TypeDecl(
    "CVMCluster",
    doc="The CVM cluster membership.",
    attrs=[
        Attr("CVMClustName", doc="CVM cluster name"),
        Attr("CVMNodeAddr", dim="association", doc="system -> address"),
        Attr("CVMNodeId", "int", dim="association", doc="system -> CVM node id"),
        Attr("CVMTransport", default="gab", doc="transport"),
        Attr("PortConfigd", "int", default=5555, doc="vxconfigd port"),
        Attr("PortKmsgd", "int", default=5556, doc="kmsgd port"),
        Attr("CVMTimeout", "int", default=200, doc="join timeout"),
    ],
    arglist=["CVMClustName", "CVMNodeAddr", "CVMNodeId", "CVMTransport", "CVMTimeout"],
    statics={"OnlineTimeout": 400},
)

CVMVXCONFIGD = TypeDecl(
    "CVMVxconfigd",
    doc="The vxconfigd daemon in cluster mode.",
    attrs=[Attr("CVMVxconfigdArgs", dim="keylist", doc="vxconfigd arguments")],
    statics={"RestartLimit": 5, "OnlineTimeout": 300},
)

CFSFSCKD = TypeDecl("CFSfsckd", doc="The CFS fsck daemon.", attrs=[], arglist=[])

CFSMOUNT = TypeDecl(
    "CFSMount",
    doc="Veritas's cluster file system mount.",
    attrs=VERITAS_ATTRS,
    arglist=VERITAS_ARGLIST,
    statics={"SupportedActions": ["primary"], "OnlineTimeout": 600, "OfflineTimeout": 1200},
)

# Veritas's type files and the bundled types each declares; an include of one of these
# names resolves here when the file itself is absent (DECISIONS.md 5).
BUNDLED_FILES = {
    "types.cf": [],
    "CVMTypes.cf": [CVMCLUSTER, CVMVXCONFIGD, CVMVOLDG],
    "CFSTypes.cf": [CFSMOUNT, CFSFSCKD],
}
