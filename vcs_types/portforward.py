"""The PortForward type: host IP:port forwarded into a container."""

from vxha.vcs_types.decl import Attr, TypeDecl

TYPE = TypeDecl(
    "PortForward",
    doc="Ports of a host address forwarded (DNAT) to a container.",
    agent="vxha.agents.portforward:PortForwardAgent",
    attrs=[
        Attr("Address", doc="host IP the ports are reached at (normally the HostIP's)"),
        Attr("Container", doc="container whose address is the target"),
        Attr("TargetAddress", doc="explicit target address; overrides Container when set"),
        Attr("Ports", dim="association", doc="host port[/tcp|/udp] -> container port"),
        Attr("Backend", default="nft", doc="nft, or iptables where nft is missing"),
        Attr(
            "SetSysctls",
            "boolean",
            default=0,
            doc="allow online to set ip_forward (and route_localnet for 127.x)",
        ),
    ],
    statics={
        "AEPTimeout": 1,
        "OnlineTimeout": 60,
        "OfflineTimeout": 60,
        "CleanTimeout": 60,
        "MonitorTimeout": 30,
        "MonitorInterval": 60,
        "OfflineMonitorInterval": 300,
        # A restarted container may get a new address: re-install the rules in place
        # rather than fault the group (the Container restarts in place once too).
        "RestartLimit": 1,
        "IMF": {"Mode": 0, "MonitorFreq": 1, "RegisterRetryLimit": 3},
        # attr_changed reports a change of these while the resource runs.
        "RegList": ["Address", "Container", "TargetAddress", "Ports", "Backend"],
    },
)
