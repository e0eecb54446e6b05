"""The HostIP type: the application's IP address on a host NIC."""

from vxha.vcs_types.decl import Attr, TypeDecl

TYPE = TypeDecl(
    "HostIP",
    doc="An application IP address (IPv4 or IPv6) on a host network device.",
    agent="vxha.agents.hostip:HostIPAgent",
    attrs=[
        Attr("Device", doc="host network device carrying the address"),
        Attr("Address", doc="the IPv4 or IPv6 address"),
        Attr("PrefixLen", "int", default=24, doc="prefix length (IPv4 1-32, IPv6 1-128)"),
        Attr("Label", doc="optional address label, e.g. eth0:web"),
        Attr(
            "DadCheck",
            "boolean",
            default=1,
            doc="refuse online when the address already answers on the network",
        ),
        Attr(
            "ArpCount",
            "int",
            default=3,
            doc="gratuitous ARPs / unsolicited neighbour adverts after online",
        ),
        Attr(
            "ArpInterval",
            "int",
            default=200,
            doc="milliseconds between them (IPv4: rounded up to seconds)",
        ),
        Attr("CheckLinkStatus", "boolean", default=1, doc="report offline when the link is down"),
    ],
    statics={
        "AEPTimeout": 1,
        "OnlineTimeout": 60,
        "OfflineTimeout": 60,
        "CleanTimeout": 60,
        "MonitorTimeout": 30,
        "MonitorInterval": 30,
        "OfflineMonitorInterval": 300,
        "IMF": {"Mode": 0, "MonitorFreq": 1, "RegisterRetryLimit": 3},
        # attr_changed reports a change of these while the resource runs.
        "RegList": ["Device", "Address", "PrefixLen", "Label"],
    },
)
