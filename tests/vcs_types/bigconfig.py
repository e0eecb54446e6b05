"""A generated configuration of the generator's shape (two groups per server) for timing."""

from __future__ import annotations

from vxha.vcs_types.model import Cluster, Config, Group, GroupDep, Resource, ResourceLink, System


def big_config(servers: int, systems: int = 32) -> Config:
    names = [f"n{i}" for i in range(1, systems + 1)]
    cfg = Config(
        includes=[
            "types.cf",
            "CVMTypes.cf",
            "CFSTypes.cf",
            "ContainerTypes.cf",
            "HostIPTypes.cf",
            "PortForwardTypes.cf",
        ],
        cluster=Cluster("big", {"UserNames": {"admin": "abcdef"}, "Statistics": "Enabled"}),
        systems=[System(n, {"Capacity": {"CPU": 64, "Mem": 262144}}) for n in names],
    )
    cvm = Group(
        "cvm",
        {
            "SystemList": {n: i for i, n in enumerate(names)},
            "Parallel": 1,
            "AutoFailOver": 0,
            "AutoStartList": list(names),
        },
    )
    cvm.resources = [
        Resource("CVMVxconfigd", "cvm_vxconfigd", {"Critical": 0}),
        Resource(
            "CVMCluster",
            "cvm_clus",
            {"CVMClustName": "big", "CVMNodeId": {n: i for i, n in enumerate(names)}},
        ),
        Resource("CFSfsckd", "vxfsckd"),
    ]
    cvm.links = [ResourceLink("cvm_clus", "cvm_vxconfigd"), ResourceLink("vxfsckd", "cvm_clus")]
    cfg.groups.append(cvm)
    for i in range(servers):
        srv = f"srv{i:05d}"
        sl = {names[(i + k) % systems]: k for k in range(4)}
        st = Group(
            f"{srv}_storage",
            {
                "SystemList": dict(sl),
                "AutoStartList": list(sl),
                "Parallel": 1,
                "UserStrGlobal": f"vxha:server={srv}",
            },
        )
        st.resources = [
            Resource(
                "CVMVolDg",
                f"{srv}_dg_data",
                {"CVMDiskGroup": f"{srv}dg", "CVMVolume": ["datavol"], "CVMActivation": "sw"},
            ),
            Resource(
                "CFSMount",
                f"{srv}_mnt_data",
                {"MountPoint": f"/vx/{srv}/data", "BlockDevice": f"/dev/vx/dsk/{srv}dg/datavol"},
            ),
        ]
        st.links = [ResourceLink(f"{srv}_mnt_data", f"{srv}_dg_data")]
        st.deps = [GroupDep("cvm", "online", "local", "firm")]
        cfg.groups.append(st)
        g = Group(
            srv,
            {
                "SystemList": dict(sl),
                "AutoStartList": [names[i % systems]],
                "FailOverPolicy": "BiggestAvailable",
                "Load": {"CPU": 2, "Mem": 4096},
                "Priority": 2,
                "UserStrGlobal": f"vxha:server={srv}",
            },
        )
        g.resources = [
            Resource(
                "HostIP",
                f"{srv}_ip",
                {"Address": f"10.{i // 65536}.{i // 256 % 256}.{i % 256}", "PrefixLen": 16},
                {"Device": {n: "eth0" for n in sl}},
            ),
            Resource(
                "Container",
                f"{srv}_ctr",
                {
                    "RuntimeName": srv,
                    "Image": "registry/app:1.2",
                    "Mounts": {f"/vx/{srv}/data": "/data"},
                    "Env": {"MODE": "prod run"},
                    "Memory": "4g",
                },
            ),
            Resource(
                "PortForward",
                f"{srv}_pf",
                {
                    "Address": f"10.0.{i // 256 % 256}.{i % 256}",
                    "Container": srv,
                    "Ports": {"80": 8080, "443/tcp": 8443},
                },
            ),
        ]
        g.links = [ResourceLink(f"{srv}_pf", f"{srv}_ctr"), ResourceLink(f"{srv}_pf", f"{srv}_ip")]
        g.deps = [GroupDep(f"{srv}_storage", "online", "local", "firm")]
        cfg.groups.append(g)
    return cfg
