"""The plan -> the main.cf model, object by object, as the built-in templates lay it out.

Building the model directly spares rendering text and reading it back, which was most of
the generator's time. The built-in templates stay the reference: for the same plan, the
model here equals the one parsed from their rendering (tests/generators/test_assemble.py),
and an admin's ``--templates`` still go through jinja2 (generate.py).
"""

from __future__ import annotations

from typing import Any, Dict, List

from vxha.vcs_types.model import Cluster, Config, Group, GroupDep, Resource, ResourceLink, System

# Values exactly as the parser gives them back from the templates' text (a string stays a
# string, an integer an integer, true/false 1/0); anything else comes back as its text.


def _value(v: Any) -> Any:
    cls = v.__class__
    if cls is str or cls is int:
        return v
    if cls is bool:
        return int(v)
    return str(v)


def _key(k: Any) -> str:
    # an association's keys are read back as names: always text
    return k if k.__class__ is str else str(_value(k))


def _vector(values) -> list:
    out = list(values)
    for i, v in enumerate(out):
        if v.__class__ is not str:
            out[i] = _value(v)
    return out


def _association(mapping) -> Dict[str, Any]:
    out = dict(mapping)
    for k, v in mapping.items():
        if k.__class__ is not str:
            return {_key(k): _value(v) for k, v in mapping.items()}
        if v.__class__ is not str and v.__class__ is not int:
            out[k] = _value(v)
    return out


def _resource(rtype: str, name: str, attrs: Dict[str, Any], local=None) -> Resource:
    r = Resource(rtype, name, attrs)
    if local:
        r.local = local
    return r


def _order(attrs: Dict[str, Any], name: str, position: int) -> List[str]:
    # where the writer puts a localized attribute: where the template writes it
    names = list(attrs)
    if name not in attrs:
        names.insert(position, name)
    return names


def configuration(context: dict) -> Config:
    """The model of ``context`` (build.plan's) as main.cf.j2 would have it read back."""
    config = Config(includes=list(context["includes"]))
    cluster_name = context["cluster"]["name"]
    config.cluster = Cluster(cluster_name, attrs={"Statistics": "Enabled"})
    config.systems = [
        System(s["name"], attrs={"Capacity": {"CPU": s["cpu"], "Mem": s["mem"]}})
        for s in context["systems"]
    ]
    cvm = context["cvm"]
    if cvm["emit"]:
        config.groups.append(_cvm_group(cvm, cluster_name))
    policies = (context["failover_policy"], context["autostart_policy"])
    vxha_cfsmount = context["cfsmount"] == "vxha"
    for srv in context["servers"]:
        if srv["mounts"]:
            config.groups.append(_storage_group(srv, vxha_cfsmount, policies))
        config.groups.append(_server_group(srv, policies))
    return config


def _cvm_group(cvm: dict, cluster_name: str) -> Group:
    node_ids = _association(cvm["node_ids"])
    group = Group(
        cvm["group"],
        attrs={
            "SystemList": node_ids,
            "AutoFailOver": 0,
            "Parallel": 1,
            "AutoStartList": _vector(cvm["systems"]),
        },
    )
    fsckd, clus, vxconfigd = cvm["fsckd"], cvm["clus"], cvm["vxconfigd"]
    if fsckd:
        group.resources.append(_resource("CFSfsckd", fsckd, {}))
    group.resources.append(
        _resource(
            "CVMCluster",
            clus,
            {
                "CVMClustName": _value(cluster_name),
                "CVMNodeId": dict(node_ids),
                "CVMTransport": "gab",
                "CVMTimeout": 200,
            },
        )
    )
    group.resources.append(
        _resource("CVMVxconfigd", vxconfigd, {"Critical": 0, "CVMVxconfigdArgs": ["syslog"]})
    )
    group.links.append(ResourceLink(clus, vxconfigd))
    if fsckd:
        group.links.append(ResourceLink(fsckd, clus))
    return group


def _head(srv: dict) -> Dict[str, Any]:
    return {
        "SystemList": _association(dict(srv["system_list"])),
        "AutoStartList": _vector(srv["autostart"]),
        "Priority": _value(srv["priority"]),
        "UserStrGlobal": _value(srv["user_str"]),
    }


def _notify(attrs: Dict[str, Any], srv: dict, which: str) -> None:
    notify = srv["notify"]
    if notify:
        attrs["TriggerPath"] = _value(notify["path"])
        attrs["TriggersEnabled"] = _vector(notify[which])


def _storage_group(srv: dict, vxha_cfsmount: bool, policies) -> Group:
    attrs = _head(srv)
    _notify(attrs, srv, "storage")
    if srv["storage_parallel"]:
        attrs["Parallel"] = 1
    elif srv["auto_failover"]:
        attrs["FailOverPolicy"], attrs["AutoStartPolicy"] = policies
    else:
        attrs["AutoFailOver"] = 0
    group = Group(srv["storage_group"], attrs=attrs)
    resources = group.resources
    for dg in srv["dgs"]:
        resources.append(
            _resource(
                "CVMVolDg",
                dg["res"],
                {
                    "CVMDiskGroup": _value(dg["diskgroup"]),
                    "CVMVolume": _vector(dg["volumes"]),
                    "CVMActivation": dg["activation"],
                },
            )
        )
    for m in srv["mounts"]:
        mount = {"MountPoint": _value(m["mount_point"]), "BlockDevice": _value(m["block_device"])}
        if vxha_cfsmount:
            mount.update(FSType="vxfs", ForceUnmount="safe", SecondLevelMonitor=1)
        resources.append(_resource("CFSMount", m["res"], mount))
    group.deps.append(GroupDep(srv["cvm_group"], "online", "local", "firm"))
    group.links = [ResourceLink(m["res"], m["dg_res"]) for m in srv["mounts"]]
    return group


def _server_group(srv: dict, policies) -> Group:
    attrs = _head(srv)
    _notify(attrs, srv, "failover")
    if srv["auto_failover"]:
        attrs["FailOverPolicy"], attrs["AutoStartPolicy"] = policies
    else:
        attrs["AutoFailOver"] = 0
    attrs["Load"] = {"CPU": _value(srv["load_cpu"]), "Mem": _value(srv["load_mem"])}
    group = Group(srv["name"], attrs=attrs)
    ip, pf, ctr = srv["ip"], srv["pf"], srv["ctr"]
    if ip:
        group.resources.append(_host_ip(ip))
    group.resources.append(_container(ctr))
    if pf:
        group.resources.append(
            _resource(
                "PortForward",
                pf["res"],
                {
                    "Address": _value(pf["address"]),
                    "Container": _value(pf["container"]),
                    "Ports": _association(pf["ports"]),
                },
            )
        )
    if srv["mounts"]:
        group.deps.append(GroupDep(srv["storage_group"], "online", "local", "firm"))
    for d in srv["deps"]:
        group.deps.append(GroupDep(d["child"], d["category"], d["location"], d["rigidity"]))
    if pf:
        group.links = [ResourceLink(pf["res"], ctr["res"]), ResourceLink(pf["res"], ip["res"])]
    return group


def _host_ip(ip: dict) -> Resource:
    attrs: Dict[str, Any] = {}
    local = None
    if ip["device"]:
        attrs["Device"] = _value(ip["device"])
    elif ip["device_local"]:
        local = {"Device": {_key(s): _value(nic) for s, nic in ip["device_local"].items()}}
    attrs["Address"] = _value(ip["address"])
    attrs["PrefixLen"] = _value(ip["prefix_len"])
    r = _resource("HostIP", ip["res"], attrs, local)
    if local:
        r.order = _order(attrs, "Device", 0)
    return r


# Container attributes written when set, in the template's order: (attribute, context key,
# how the value is written).
_CONTAINER_OPTIONAL = (
    ("Hostname", "hostname", _value),
    ("Env", "env", _association),
    ("Mounts", "mounts", _association),
    ("CPUs", "cpus", _value),
    ("Memory", "memory", _value),
    ("Privileged", "privileged", lambda v: 1),
    ("HealthCmd", "health_cmd", _value),
    ("StartupCmds", "startup_cmds", _vector),
    ("Labels", "labels", _association),
    ("DockerHost", "docker_host", _value),
)
_CONTAINER_AFTER_ENGINE = (
    ("AllowPull", "allow_pull", lambda v: 1),
    ("Network", "network", _value),
    ("User", "user", _value),
    ("CapAdd", "cap_add", _vector),
    ("CapDrop", "cap_drop", _vector),
    ("Devices", "devices", _vector),
    ("Command", "command", _vector),
    ("Entrypoint", "entrypoint", _vector),
    ("ReadOnly", "read_only", lambda v: 1),
    ("Ulimits", "ulimits", _association),
    ("ShmSize", "shm_size", _value),
    ("Tmpfs", "tmpfs", _association),
    ("GrantCaps", "grant_caps", _vector),
    ("GrantDevices", "grant_devices", _vector),
    ("GrantHostPaths", "grant_host_paths", _vector),
    ("GrantHostNetwork", "grant_host_network", lambda v: 1),
    ("AddOns", "addons", _vector),
    ("Hotfixes", "hotfixes", _vector),
)


def _container(c: dict) -> Resource:
    attrs: Dict[str, Any] = {"RuntimeName": _value(c["name"]), "Image": _value(c["image"])}
    for attr, key, written in _CONTAINER_OPTIONAL:
        value = c[key]
        if value:
            attrs[attr] = written(value)
    engines = c["docker_host_local"]
    position = len(attrs)
    for attr, key, written in _CONTAINER_AFTER_ENGINE:
        value = c[key]
        if value:
            attrs[attr] = written(value)
    if not engines:
        return _resource("Container", c["res"], attrs)
    r = _resource(
        "Container",
        c["res"],
        attrs,
        {"DockerHost": {_key(s): _value(h) for s, h in engines.items()}},
    )
    r.order = _order(attrs, "DockerHost", position)
    return r
