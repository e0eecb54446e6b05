"""Semantic checks beyond the schema, one test per rule, each asserting its message."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vxha.profiles import checks
from vxha.profiles.checks import address_problem, hostname_problem, input_value, path_problem
from vxha.profiles.units import parse_size, size_mib, version_key


def messages(problems):
    return "\n".join(p.format() for p in problems)


def only(problems, text, file=None):
    found = [p for p in problems if text in p.message and (file is None or p.file.endswith(file))]
    assert found, f"no problem mentions {text!r}:\n{messages(problems)}"
    return found[0]


def set_server(ws, server, **values):
    return ws.edit(ws.server(server), lambda d: d.update(values))


# -- addresses and names -----------------------------------------------------------------


@pytest.mark.parametrize(
    "address, text",
    [
        ("10.200.0.0/24", "network address of 10.200.0.0/24"),
        ("10.200.0.255/24", "broadcast address of 10.200.0.0/24"),
        ("10.200.0.300/24", "not a valid IP address"),
        ("10.200.0.30", "has no prefix length: write it as 10.200.0.30/24"),
        ("127.0.0.5/8", "loopback"),
        ("0.0.0.0/0", "unspecified"),
        ("224.0.0.9/24", "multicast"),
    ],
)
def test_unusable_addresses(ws, address, text):
    set_server(ws, "auth1", address=address)
    p = only(ws.errors(), text, "auth1.yaml")
    assert p.key_path == "address" and p.line == 8


def test_point_to_point_prefixes_are_usable():
    assert address_problem("10.200.0.0/31")[0] is None
    assert address_problem("10.200.0.7/32")[0] is None
    assert address_problem("2001:db8::10/64")[0] is None


_OCTET = st.one_of(
    st.integers(0, 300).map(str),
    st.sampled_from(["0", "00", "01", "127", "169", "224", "239", "240", "254", "255", "", "1a"]),
)


@settings(max_examples=3000, deadline=None)
@given(
    st.lists(_OCTET, min_size=3, max_size=5),
    st.one_of(st.integers(0, 40).map(str), st.sampled_from(["", "08", "024", "255.255.0.0"])),
)
def test_the_short_path_for_addresses_judges_as_ipaddress_does(octets, prefix):
    text = ".".join(octets) + "/" + prefix
    fast = address_problem(text)
    with_ipaddress = checks.ipaddress_problem(text)
    assert (fast[0], str(fast[1]), fast[2]) == (
        with_ipaddress[0],
        str(with_ipaddress[1]),
        with_ipaddress[2],
    )


def test_duplicate_address_across_servers(ws):
    set_server(ws, "db1", address="10.200.0.10/24")
    p = only(ws.errors(), "address 10.200.0.10 is already used by server auth1")
    assert p.file.endswith("db1.yaml")


@pytest.mark.parametrize(
    "name, text",
    [
        ("-bad.example", "not RFC 1123"),
        ("bad_.example", "not RFC 1123"),
        ("a..b", "empty label"),
        ("x" * 64 + ".example", "longer than 63"),
        (".".join(["abcdefghij"] * 24), "at most 253"),
    ],
)
def test_hostnames_follow_rfc_1123(ws, name, text):
    set_server(ws, "auth1", hostname=name)
    assert only(ws.errors(), text, "auth1.yaml").key_path == "hostname"


def test_hostname_helper_accepts_good_names():
    assert hostname_problem("nbu-master1.vxdemo.example") is None
    assert hostname_problem("1st-host") is None


def test_server_name_must_be_a_vcs_identifier(ws):
    set_server(ws, "auth1", name="auth-1")
    p = only(ws.errors(), "is not of the required form", "auth1.yaml")
    assert p.key_path == "name" and "VCS identifier" in p.hint


def test_server_name_at_most_40_characters(ws):
    set_server(ws, "auth1", name="a" * 41)
    only(ws.errors(), "is not of the required form", "auth1.yaml")


def test_duplicate_server_names(ws):
    set_server(ws, "db1", name="auth1")
    only(ws.errors(), "server name 'auth1' is already used")


# -- ports -------------------------------------------------------------------------------


def test_port_out_of_range(ws):
    ws.edit(ws.images / "authsvc" / "3.4.yaml", lambda d: d.update(ports=[0]))
    p = only(ws.errors(), "0 is too small: must be at least 1")
    assert p.key_path == "ports[0]"


def test_duplicate_ports(ws):
    ws.edit(ws.images / "mariadb" / "10.11.yaml", lambda d: d.update(ports=[3306, 3306]))
    p = only(ws.errors(), "port 3306/tcp is listed twice")
    assert p.key_path == "ports[1]"


def test_same_port_number_on_tcp_and_udp_is_fine(ws):
    ws.edit(
        ws.images / "mariadb" / "10.11.yaml",
        lambda d: d.update(ports=[3306, {"port": 3306, "proto": "udp"}]),
    )
    assert ws.errors() == []


def test_ssh_needs_an_ssh_port(ws):
    ws.edit(ws.images / "authsvc" / "3.4.yaml", lambda d: d.update(ssh=True))
    p = only(ws.errors(), "SSH is needed but no SSH port is given")
    assert p.key_path == "ssh" and "ssh_port: 22" in p.hint


def test_host_port_remap_must_name_a_container_port(ws):
    set_server(ws, "auth1", ports=[{"container": 9999, "host": 19999}])
    only(ws.errors(), "the application has no port 9999", "auth1.yaml")


def test_host_ports_forwarded_twice(ws):
    set_server(ws, "dedup_cloud1", ports=[{"container": 10102, "host": 10082}])
    only(ws.errors(), "host port 10082/tcp is forwarded twice", "dedup_cloud1.yaml")


# -- mounts ------------------------------------------------------------------------------


def mount_path(ws, path, index=1):
    def change(d):
        d["mounts"][index]["path"] = path

    ws.edit(ws.images / "mariadb" / "10.11.yaml", change)


@pytest.mark.parametrize(
    "path, text",
    [
        ("var/lib/mysql", "is not absolute"),
        ("/var/lib/../mysql", "contains '..'"),
        ("/var/lib//mysql", "is not normalized: write '/var/lib/mysql'"),
        ("/var/lib/mysql/", "is not normalized"),
        ("/etc", "is a system path"),
        ("/", "is a system path"),
    ],
)
def test_container_mount_points(ws, path, text):
    mount_path(ws, path)
    p = only(ws.errors(), text, "10.11.yaml")
    assert p.key_path == "mounts[1].path"


def test_nested_mount_points(ws):
    mount_path(ws, "/var/log/mysql/data")
    p = only(ws.errors(), "are nested in each other", "10.11.yaml")
    # the profile's order: the log mount comes before the data mount nested in it
    assert "'/var/log/mysql' and '/var/log/mysql/data' are nested" in p.message


def test_duplicate_mount_points(ws):
    mount_path(ws, "/var/log/mysql")
    only(ws.errors(), "is used twice", "10.11.yaml")


@pytest.mark.parametrize(
    "host_path, text",
    [
        ("vx/db1/data", "is not absolute"),
        ("/vx/db1/../data", "contains '..'"),
        ("/var/lib/docker", "is a system path"),
        ("/usr", "is a system path"),
    ],
)
def test_host_mount_points(ws, host_path, text):
    ws.edit(ws.server("db1"), lambda d: d["mounts"][1].update(host_path=host_path))
    assert only(ws.errors(), text, "db1.yaml").key_path == "mounts[1].host_path"


def test_host_mount_points_nested(ws):
    ws.edit(ws.server("db1"), lambda d: d["mounts"][1].update(host_path="/vx/db1/log/data"))
    only(ws.errors(), "are nested in each other", "db1.yaml")


def test_required_mount_missing_and_unknown_mount(ws):
    ws.edit(
        ws.server("db1"),
        lambda d: d["mounts"].__setitem__(
            1, {"name": "dta", "diskgroup": "db1dg", "volume": "data"}
        ),
    )
    errors = ws.errors()
    only(errors, "the application has no mount 'dta'", "db1.yaml")
    only(errors, "the application needs mount 'data' (data, 100GiB)", "db1.yaml")


def test_volume_used_by_two_servers(ws):
    ws.edit(ws.server("db1"), lambda d: d["mounts"][1].update(diskgroup="auth1dg", volume="data"))
    only(ws.errors(), "volume auth1dg/data is already used by server auth1", "db1.yaml")


def test_removal_of_a_mount_the_image_lacks(ws):
    path = ws.images / "nbu" / "applications" / "master.yaml"
    ws.edit(path, lambda d: d["remove"].update(mounts=["dat"]))
    p = only(ws.errors(ws.images), "removes 'dat' from mounts, but image 'nbu' has no such entry")
    assert p.key_path == "remove.mounts[0]"


# -- sizes and load ----------------------------------------------------------------------


def test_sizes_parse():
    assert parse_size("500GiB") == 500 * 1024**3
    assert parse_size("2TB") == 2 * 1000**4
    assert parse_size("1.5 GiB") == int(1.5 * 1024**3)
    assert size_mib("1GB") == 954
    for bad in ("500", "lots", "5 parsecs", 12, "-1GiB", "0GiB"):
        with pytest.raises(ValueError):
            parse_size(bad)


def test_bad_min_size(ws):
    ws.edit(ws.images / "mariadb" / "10.11.yaml", lambda d: d["mounts"][1].update(min_size="100"))
    p = only(ws.errors(), "size '100' has no unit")
    assert p.key_path == "mounts[1].min_size" and "500GiB" in p.hint


def test_bad_memory_in_load(ws):
    set_server(ws, "db1", load={"cpus": 2, "memory": "4 gigs"})
    assert only(ws.errors(), "unknown size unit 'gigs'", "db1.yaml").key_path == "load.memory"


def test_load_below_the_application_minimum(ws):
    set_server(ws, "db1", load={"cpus": 0.5, "memory": "1GiB"})
    errors = ws.errors()
    only(errors, "0.5 CPUs is below the application's minimum 1", "db1.yaml")
    only(errors, "1GiB is below the application's minimum 2GiB", "db1.yaml")


def test_load_beyond_every_cluster_system(ws):
    set_server(ws, "db1", load={"cpus": 32, "memory": "4GiB"})
    p = only(ws.errors(), "needs 32 CPUs and 4096 MiB but no system offers that", "db1.yaml")
    assert "n1: 16 CPUs, 65536 MiB" in p.message


def test_load_is_not_checked_without_a_cluster(ws):
    set_server(ws, "db1", load={"cpus": 32, "memory": "4GiB"})
    assert ws.errors(ws.servers) == []


def test_system_not_in_the_cluster(ws):
    set_server(ws, "nbu_media1", systems=["n1", "n9"])
    assert only(ws.errors(), "system 'n9' is not in cluster vxdemo").key_path == "systems[1]"


# -- privileged, relocatable, image types --------------------------------------------------


def test_privileged_implies_not_relocatable(ws):
    set_server(ws, "nbu_mediafc1", relocatable=True)
    p = only(ws.errors(), "privileged implies not relocatable", "nbu_mediafc1.yaml")
    assert p.key_path == "relocatable"


def test_a_mount_given_twice_in_a_server(ws):
    def add(d):
        d["mounts"].append({"name": "data", "diskgroup": "db1dg", "volume": "data2"})

    ws.edit(ws.server("db1"), add)
    p = only(ws.errors(), "mount 'data' is given twice", "db1.yaml")
    assert (p.key_path, p.hint) == ("mounts[3].name", "one entry per application mount")


def test_a_system_listed_twice_in_a_server(ws):
    set_server(ws, "nbu_media1", systems=["n1", "n2", "n1"])
    p = only(ws.errors(), "system 'n1' is listed twice", "nbu_media1.yaml")
    assert (p.key_path, p.hint) == ("systems[2]", "list each system once")


def test_privileged_server_names_one_system(ws):
    set_server(ws, "nbu_mediafc1", systems=["n1", "n3"])
    only(ws.errors(), "the server is privileged, so it runs on exactly one system")


def test_privileged_application_cannot_be_made_unprivileged(ws):
    set_server(ws, "nbu_mediafc1", privileged=False)
    only(ws.errors(), "application 'media-fc' is privileged")


def test_privileged_application_in_image_allowing_none(ws):
    ws.edit(ws.images / "nbu" / "10.3.yaml", lambda d: d["instances"].update(privileged=0))
    only(ws.errors(), "allows no privileged instances", "media-fc.yaml")


def test_only_application_images_run_servers(ws):
    (ws.images / "nbu-s3-plugin" / "applications").mkdir()
    (ws.images / "nbu-s3-plugin" / "applications" / "run.yaml").write_text(
        "schema: 1.0.0\nname: run\nimage: nbu-s3-plugin\ninputs: []\n"
    )
    set_server(ws, "auth1", image="nbu-s3-plugin", image_version="1.0", application="run")
    errors = ws.errors()
    p = only(
        errors,
        "only application images run servers; 'nbu-s3-plugin' is of type add-on",
        "auth1.yaml",
    )
    assert "its addons or hotfixes" in p.hint
    only(errors, "only application images run servers", "run.yaml")


@pytest.mark.parametrize("image", ["nbu-s3-plugin", "nbu-hotfix-10-3-1"])
def test_add_on_and_hotfix_name_an_existing_parent(ws, image):
    (version,) = [p for p in (ws.images / image).glob("*.yaml")]
    ws.edit(version, lambda d: d.update(parent_types=["netbackup"]))
    p = only(ws.errors(ws.images), "parent type 'netbackup' is not an image")
    assert p.key_path == "parent_types[0]" and "nbu" in p.hint


def test_add_on_without_parent(ws):
    ws.edit(ws.images / "nbu-s3-plugin" / "1.0.yaml", lambda d: d.pop("parent_types"))
    only(ws.errors(ws.images), "an add-on image must name its parent type")


def test_internal_dependency_is_always_mandatory(ws):
    def change(d):
        d["override"]["dependencies"][0]["requirement"] = "optional"

    ws.edit(ws.images / "nbu" / "applications" / "master.yaml", change)
    only(ws.errors(), "'authsvc' is an internal image: a dependency on it is always mandatory")


def test_dependency_on_unknown_image(ws):
    ws.edit(ws.images / "dedup" / "2.1.yaml", lambda d: d["dependencies"][0].update(image="mongo"))
    only(ws.errors(ws.images), "depends on image 'mongo', which is not in")


# -- versions ----------------------------------------------------------------------------


def test_server_image_version_must_be_listed(ws):
    set_server(ws, "auth1", image_version="3.5")
    p = only(ws.errors(), "image 'authsvc' has no version '3.5'")
    assert p.hint == "known versions: 3.4" and p.key_path == "image_version"


def test_application_restricting_image_versions(ws):
    set_server(ws, "dedup_cloud1", image_version="2.0")
    only(ws.errors(), "application 'cloud' does not support image version '2.0'")


@pytest.mark.parametrize("key", ["upgrade_from", "downgrade_to"])
def test_upgrade_and_downgrade_lists_refer_to_known_versions(ws, key):
    ws.edit(ws.images / "nbu" / "10.3.yaml", lambda d: d.update({key: ["10.1"]}))
    p = only(ws.errors(ws.images), "version '10.1' is not one of the image's versions (10.2, 10.3)")
    assert p.key_path == f"{key}[0]"


def test_version_file_must_match_its_name(ws):
    ws.edit(ws.images / "nbu" / "10.2.yaml", lambda d: d.update(version="10.9"))
    only(ws.errors(ws.images), "version '10.9' differs from the file name '10.2.yaml'")


def test_version_ordering():
    assert sorted(["10.10", "10.3.1", "10.3", "9"], key=version_key) == [
        "9",
        "10.3",
        "10.3.1",
        "10.10",
    ]


# -- applications and inputs ---------------------------------------------------------------


def test_unknown_application(ws):
    set_server(ws, "auth1", application="server")
    p = only(ws.errors(), "image 'authsvc' has no application 'server'")
    assert "service" in p.hint


def test_unknown_image(ws):
    set_server(ws, "auth1", image="ldap")
    assert "authsvc" in only(ws.errors(), "unknown image 'ldap'").hint


def test_required_input_missing(ws):
    ws.edit(ws.server("nbu_media1"), lambda d: d.pop("inputs"))
    p = only(ws.errors(), "input 'master_server' (hostname) is required but not given")
    assert "Master server hostname" in p.hint


@pytest.mark.parametrize(
    "server, inputs, text",
    [
        ("nbu_master1", {"retention_days": "sixty"}, "'sixty' is not an integer"),
        ("nbu_master1", {"retention_days": 6.5}, "6.5 is not an integer"),
        ("nbu_media1", {"master_server": "not a host"}, "not RFC 1123"),
        ("dedup_cloud1", {"cloud_provider": "ibm", "bucket": "b"}, "'ibm' is not one of: aws"),
        ("db1", {"buffer_pool": "big"}, "'big' is not a size"),
    ],
)
def test_inputs_of_the_wrong_type(ws, server, inputs, text):
    set_server(ws, server, inputs=inputs)
    p = only(ws.errors(), text, f"{server}.yaml")
    assert p.key_path.startswith("inputs.")


def test_unknown_input(ws):
    ws.edit(ws.server("nbu_master1"), lambda d: d["inputs"].update(site="x"))
    only(ws.errors(), "the application has no input 'site'")


def test_input_value_helper():
    assert input_value("boolean", "yes") == (None, "true")
    assert input_value("integer", 7) == (None, "7")
    assert input_value("ip", "10.200.0.1") == (None, "10.200.0.1")
    assert input_value("email", "a@b.example") == (None, "a@b.example")
    assert input_value("string", 12) == (None, "12")
    assert input_value("integer", True)[0] is not None


def test_input_default_must_fit_its_type(ws):
    def change(d):
        d["inputs"][1]["default"] = "thirty"

    ws.edit(ws.images / "nbu" / "applications" / "master.yaml", change)
    p = only(ws.errors(ws.images), "default does not fit type integer")
    assert p.key_path == "inputs[1].default"


# -- dependencies and instance limits ------------------------------------------------------


def test_dependency_bound_to_a_missing_server(ws):
    ws.server("auth1").unlink()
    p = only(ws.errors(), "server 'auth1' is not among the servers loaded")
    assert p.key_path == "dependencies.authsvc"


def test_mandatory_dependency_without_a_server(ws):
    ws.server("auth1").unlink()
    ws.edit(ws.server("nbu_master1"), lambda d: d.pop("dependencies"))
    p = only(ws.errors(), "needs a server of image 'authsvc' (child, local, hard, mandatory)")
    assert p.file.endswith("nbu_master1.yaml")


def test_dependency_bound_to_a_server_of_another_image(ws):
    ws.edit(ws.server("nbu_master1"), lambda d: d["dependencies"].update(authsvc="db1"))
    only(ws.errors(), "server 'db1' runs image 'mariadb', not 'authsvc'")


def test_ambiguous_dependency_must_be_named(ws):
    ws.edit(ws.server("dedup_disk1"), lambda d: d.pop("dependencies"))
    text = ws.server("db1").read_text().replace("db1", "db2").replace("10.200.0.20", "10.200.0.30")
    (ws.servers / "db2.yaml").write_text(text)
    only(ws.errors(), "several servers run image 'mariadb' (db1, db2): name the one")


def test_instance_limit(ws):
    ws.edit(ws.images / "authsvc" / "3.4.yaml", lambda d: d["instances"].update(servers=1))
    text = (
        ws.server("auth1")
        .read_text()
        .replace("auth1", "auth2")
        .replace("10.200.0.10", "10.200.0.40")
    )
    (ws.servers / "auth2.yaml").write_text(text)
    ws.edit(ws.server("nbu_master1"), lambda d: d["dependencies"].update(authsvc="auth1"))
    only(ws.errors(), "image 'authsvc' allows 1 server(s); 2 are defined")


def test_path_helper():
    assert path_problem("/data") is None
    assert path_problem("/etc") is not None
    # every way a path can differ from its normal form (POSIX: "." and empty parts go,
    # two leading slashes are one here), and names that only look like them
    assert path_problem("/srv/./data") == "'/srv/./data' is not normalized: write '/srv/data'"
    assert path_problem("/srv/data/.") == "'/srv/data/.' is not normalized: write '/srv/data'"
    assert path_problem("//srv/data") == "'//srv/data' is not normalized: write '/srv/data'"
    assert path_problem("/srv//data") == "'/srv//data' is not normalized: write '/srv/data'"
    assert path_problem("/srv/.data") is None
    assert path_problem("/srv/data.") is None


def test_load_servers_checks_every_image_it_loads(ws):
    """Images are loaded lazily, server by server: each must still be checked."""
    from vxha.profiles import ProfileError, load_servers

    ws.edit(ws.images / "mariadb" / "10.11.yaml", lambda d: d["mounts"][1].update(path="/etc"))
    with pytest.raises(ProfileError) as info:
        load_servers([str(ws.server("auth1")), str(ws.server("db1"))])
    only(info.value.problems, "'/etc' is a system path", "10.11.yaml")


def test_ethernet_device_needed(ws):
    ws.edit(ws.images / "authsvc" / "3.4.yaml", lambda d: d.update(needs={"ethernet_device": True}))
    only(ws.errors(), "application 'service' needs its own Ethernet device", "auth1.yaml")
    set_server(ws, "auth1", device="eth2")
    assert ws.errors() == []


def test_servers_of_one_application_each_get_their_own_spec(ws):
    # What a server takes from its image version and application is worked out once for
    # all their servers; what each server holds stays its own.
    from vxha.profiles import load_servers

    def second(d):
        d.update(name="dedup_cloud2", hostname="dedup-cloud2.vxdemo.example")
        d.update(address="10.200.0.23/24", inputs={"bucket": "other"})
        d["mounts"] = [dict(m, diskgroup="dedupcloud2dg") for m in d["mounts"]]
        del d["ports"]

    copy = ws.servers / "dedup_cloud2.yaml"
    copy.write_text(ws.server("dedup_cloud1").read_text())
    ws.edit(copy, second)
    servers = load_servers(sorted(str(p) for p in ws.servers.glob("*.yaml")))
    one, two = (s for s in servers if s.application == "cloud")
    assert [(p.host, p.container) for p in one.ports] == [(10082, 10082), (11102, 10102)]
    assert [(p.host, p.container) for p in two.ports] == [(10082, 10082), (10102, 10102)]
    assert (one.labels["vxos.server"], two.labels["vxos.server"]) == (one.name, two.name)
    assert (one.env["DEDUP_BUCKET"], two.env["DEDUP_BUCKET"]) == ("vxdemo-dedup", "other")
    assert (
        one.schemas == two.schemas == {"image": "1.0.0", "application": "1.0.0", "server": "1.0.0"}
    )
    one.env["EXTRA"] = one.labels["extra"] = one.container["extra"] = "x"
    one.dependencies[0].server = "elsewhere"
    one.startup_cmds.append("x")
    assert "EXTRA" not in two.env and "extra" not in two.labels and "extra" not in two.container
    assert two.dependencies[0].server == "db1" and "x" not in two.startup_cmds


def test_labels_stay_out_of_the_container_agents_namespace(ws):
    from vxha.profiles import load_servers

    servers = load_servers(sorted(str(p) for p in ws.servers.glob("*.yaml")))
    for s in servers:
        assert not [k for k in s.labels if k.startswith("vxha.")], s.labels
        assert s.labels["vxos.server"] == s.name
    ws.edit(
        ws.server("auth1"),
        lambda d: d.update(schema="1.1.0", labels={"vxha.resource": "x", "bad key": "y"}),
    )
    errors = ws.errors()
    assert only(errors, "vxha.* labels belong to the Container agent").key_path == (
        "labels.vxha.resource"
    )
    only(errors, "'bad key' is not a label name")


def test_network_interface_names(ws):
    set_server(ws, "auth1", device="eth 1")
    only(ws.errors(), "'eth 1' is not a network interface name", "auth1.yaml")
    ws.edit(ws.cluster, lambda d: d["systems"][1].update(nic="a-very-long-interface0"))
    p = only(ws.errors(), "is not a network interface name", "cluster.yaml")
    assert p.key_path == "systems[1].nic"


# -- system paths: one list, prefix-aware, shared by the profiles and the agents ---------

BELOW_SYSTEM_PATHS = ["/etc/cron.d", "/root/.ssh", "/usr/local/bin", "/boot/efi", "/proc/1"]


@pytest.mark.parametrize("path", BELOW_SYSTEM_PATHS)
def test_paths_below_system_paths_are_refused_by_profiles_and_agent(path):
    from vxha.agents import cfsmount
    from vxha.agents.framework import ConfigError

    assert "system path" in (path_problem(path) or "")
    with pytest.raises(ConfigError, match="system"):
        cfsmount.check_mountpoint(path)


def test_one_list_of_system_paths():
    from vxha.agents import cfsmount
    from vxha.profiles import checks

    assert cfsmount.SYSTEM_PATHS is checks.SYSTEM_PATHS


@pytest.mark.parametrize("path", ["/vx/db1/data", "/srv/data", "/var/lib/pgsql", "/mnt/x"])
def test_paths_below_admin_directories_are_accepted(path):
    from vxha.agents import cfsmount

    assert path_problem(path) is None
    cfsmount.check_mountpoint(path)


def test_application_privilege_needs_the_servers_grant(ws):
    ws.edit(ws.server("nbu_mediafc1"), lambda d: d.pop("privileged"))
    p = only(ws.errors(), "asks to run privileged", "nbu_mediafc1.yaml")
    assert "node_access" in p.hint


# -- container options and node access (schema 1.2.0) -------------------------------------


def ask(ws, **container):
    """The media-net application asks for container options (its profile at schema 1.2.0)."""
    app = ws.images / "nbu" / "applications" / "media-net.yaml"
    ws.edit(app, lambda d: d.update(schema="1.2.0") or d.setdefault("override", {}).update(
        container=container))  # fmt: skip


def grant(ws, **node_access):
    ws.edit(ws.server("nbu_media1"), lambda d: d.update(schema="1.2.0", node_access=node_access))


@pytest.mark.parametrize(
    "asked,granted,text",
    [
        ({"network": "host"}, {}, "the node's network (network: host)"),
        ({"cap_add": ["NET_ADMIN"]}, {}, "capability NET_ADMIN"),
        ({"cap_add": ["cap_sys_admin"]}, {"capabilities": ["NET_ADMIN"]}, "capability SYS_ADMIN"),
        ({"devices": ["/dev/sg0:/dev/tape:rw"]}, {}, "device /dev/sg0"),
        ({"host_paths": {"/var/log/nbu": "/logs:ro"}}, {}, "host path /var/log/nbu"),
        (
            {"host_paths": {"/var/log": "/logs"}},
            {"host_paths": ["/var/log/nbu"]},
            "host path /var/log",
        ),
    ],
)
def test_asked_node_access_needs_a_grant(ws, asked, granted, text):
    ask(ws, **asked)
    if granted:
        grant(ws, **granted)
    p = only(ws.errors(), f"the container asks for {text}", "nbu_media1.yaml")
    assert "node_access" in p.hint


def test_granted_node_access_reaches_the_server(ws):
    from vxha.profiles import load_servers

    ask(
        ws,
        network="host",
        cap_add=["NET_ADMIN"],
        devices=["/dev/sg0"],
        host_paths={"/var/log/nbu": "/logs:ro"},
        read_only=True,
        ulimits={"nofile": "1024:2048"},
    )
    grant(ws, host_network=True, capabilities=["NET_ADMIN"], devices=["/dev/sg0"],
          host_paths=["/var/log"])  # fmt: skip
    assert ws.errors() == []
    servers = {s.name: s for s in load_servers([str(ws.servers)], image_root=str(ws.images))}
    s = servers["nbu_media1"]
    assert s.container["network"] == "host" and s.container["read_only"] is True
    assert s.node_access["capabilities"] == ["NET_ADMIN"] and not s.node_access["privileged"]
    assert s.image_ref == "nbu:10.3" and s.allow_pull is False


@pytest.mark.parametrize(
    "container,key,text",
    [
        ({"network": "-bad"}, "network", "is not none, host or a network name"),
        ({"user": "root;x"}, "user", "is not user[:group]"),
        ({"cap_drop": ["not a cap"]}, "cap_drop", "is not a capability"),
        ({"ulimits": {"nofile": "lots"}}, "ulimits", "is not soft[:hard]"),
        ({"shm_size": "big"}, "shm_size", "big"),
        ({"tmpfs": {"/": "size=1m"}}, "tmpfs", "below /"),
    ],
)
def test_bad_container_options_name_their_key(ws, container, key, text):
    ws.edit(ws.server("auth1"), lambda d: d.update(schema="1.2.0", container=container))
    p = only(ws.errors(), text, "auth1.yaml")
    assert p.key_path == f"container.{key}"


def test_image_reference_may_name_a_registry(ws):
    from vxha.profiles import load_servers

    v = ws.images / "authsvc" / "3.4.yaml"
    ws.edit(v, lambda d: d.update(schema="1.2.0", reference="registry.local:5000/auth:3.4"))
    servers = {s.name: s for s in load_servers([str(ws.servers)], image_root=str(ws.images))}
    assert servers["auth1"].image_ref == "registry.local:5000/auth:3.4"
    ws.edit(v, lambda d: d.update(reference="registry.local/Auth Svc"))
    assert only(ws.errors(), "is not an image reference", "3.4.yaml").key_path == "reference"


def test_a_server_named_by_its_directory_and_by_itself_is_loaded_once(ws):
    """`vxha generate servers servers/db1.yaml`: the same file named twice is one server,
    as `vxha validate` reads it (docs/profiles.md), not a duplicate of itself."""
    from vxha.profiles.api import load_servers

    alone = load_servers([str(ws.servers)], str(ws.images))
    twice = load_servers(
        [str(ws.servers), str(ws.server("db1")), str(ws.server("db1"))], str(ws.images)
    )
    assert [s.name for s in twice] == [s.name for s in alone]
