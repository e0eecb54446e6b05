"""The configuration language audit (docs/vcs-language.md, "Constructs checked"): each
construct real main.cf and types files hold, as a minimal restatement of our own (its
source named beside it), parsed, verified and written back.

Expected models, findings and texts are written from the rule the row names, not from a
run: a file in hacf's layout comes back byte-identical; any other layout comes back in
hacf's layout, as the text given.
"""

from __future__ import annotations

import pytest

from vxha.vcs_types.cf import CfError, parse, parse_file, write
from vxha.vcs_types.decl import render_type
from vxha.vcs_types.verify import verify

# -- type declarations written back line for line ----------------------------------------


def test_a_type_declared_with_no_lines_is_written_back_with_none():
    # `hatype -add T` makes a type with no attribute and the default (empty) ArgList; a
    # types file holding it reads `type T (` `)`. Chosen: written back as read, since a
    # declaration read from a file renders its lines in the order read (docs/vcs-language.md,
    # "Layout") and this one has none; the model is the same either way.
    text = "type Marker (\n)\n"
    decl = parse(text, "MarkerTypes.cf").types["Marker"]
    assert decl.attrs == {} and decl.arglist == []
    assert render_type(decl) == text
    assert write(parse(text, "MarkerTypes.cf")) == text


def test_an_empty_type_given_an_arglist_in_memory_writes_it():
    # what the rule above must not lose: an ArgList set after reading is written
    decl = parse("type Marker (\n)\n", "MarkerTypes.cf").types["Marker"]
    decl.arglist = ["ResourceInfo"]
    assert render_type(decl) == "type Marker (\n\tstatic str ArgList[] = { ResourceInfo }\n)\n"


def test_a_standard_static_string_default_written_as_a_bare_integer_stays_bare():
    # AgentPriority is a string scalar (Veritas Cluster Server 5.0MP3 User's Guide,
    # Solaris, "Resource type attributes"; decl.STANDARD_STATIC). A string default written
    # as a bare integer stays bare, a quoted one quoted, as for the type's own attributes
    # (docs/vcs-language.md, "Layout": `str StartVolumes = 1`, 6.0 Solaris Administrator's
    # Guide, "About the types.cf file")
    text = (
        'type App (\n\tstatic str AgentPriority = 10\n\tstatic str ScriptPriority = "0"\n'
        "\tstatic str ArgList[] = { Cmd }\n\tstr Cmd\n)\n"
    )
    decl = parse(text, "AppTypes.cf").types["App"]
    assert decl.statics == {"AgentPriority": "10", "ScriptPriority": "0"}
    assert render_type(decl) == text


# -- includes that hold objects -------------------------------------------------------------

# main.cf's include clauses "typically contain type definitions" (Veritas Cluster Server 6.0
# Administrator's Guide, AIX, "About the main.cf file"): typically, not only. VCS keeps the
# file each group, system and cluster was read from (their SourceFile attribute, in
# verify.GROUP_ATTRS, SYSTEM_ATTRS, CLUSTER_ATTRS), so an include may hold them.
APPS_CF = (
    "system n2 (\n\t)\n\n"
    "group app (\n\tSystemList = { n1 = 0, n2 = 1 }\n\t)\n\n"
    "\tNIC app_nic (\n\t\tDevice = eth1\n\t\t)\n"
)
MAIN_WITH_APPS = (
    'include "types.cf"\ninclude "apps.cf"\n\n'
    "cluster c1 (\n\t)\n\n"
    "system n1 (\n\t)\n\n"
    "group web (\n\tSystemList = { n1 = 0, n2 = 1 }\n\t)\n\n"
    "\tNIC web_nic (\n\t\tDevice = eth0\n\t\t)\n\n"
    "\trequires group app online global soft\n\n\n"
    "\t// resource dependency tree\n\t//\n\t//\tgroup web\n\t//\t{\n\t//\tNIC web_nic\n"
    "\t//\t}\n\n\n"
)


def test_groups_and_systems_of_an_include_are_verified_with_main_cf(tmp_path):
    (tmp_path / "main.cf").write_text(MAIN_WITH_APPS)
    (tmp_path / "apps.cf").write_text(APPS_CF)
    config = parse_file(tmp_path / "main.cf")
    assert verify(config) == []
    # the writer writes main.cf's own objects: the include keeps the others
    assert write(config) == MAIN_WITH_APPS
    # a finding inside the include points into it
    (tmp_path / "apps.cf").write_text(
        APPS_CF.replace("Device = eth1", "Device = eth1\n\t\tBogus = 1")
    )
    assert [str(i) for i in verify(parse_file(tmp_path / "main.cf"))] == [
        f"{tmp_path}/apps.cf:10:3: warning: resource app_nic (NIC): unknown attribute Bogus: "
        "not in vxha's built-in declaration of NIC; put Veritas's types.cf beside main.cf "
        "to check it"
    ]


def test_a_group_declared_in_main_cf_and_in_an_include_is_declared_twice(tmp_path):
    (tmp_path / "main.cf").write_text(MAIN_WITH_APPS.replace("group web", "group app"))
    (tmp_path / "apps.cf").write_text(APPS_CF)
    messages = [i.message for i in verify(parse_file(tmp_path / "main.cf"))]
    assert f"group app is declared twice (first at {tmp_path}/main.cf:10:1)" in messages


# -- the constructs table ---------------------------------------------------------------------

HEAD = (
    'include "types.cf"\n\ncluster c1 (\n\t)\n\nsystem n1 (\n\t)\n\nsystem n2 (\n\t)\n\n'
    "group g1 (\n\tSystemList = { n1 = 0, n2 = 1 }\n\t)\n\n"
)


def tree(group, *lines):
    """hacf's `// resource dependency tree` comment closing a group (the writer's layout)."""
    body = "".join(f"\t//\t{line}\n" for line in lines)
    head = f"\n\n\t// resource dependency tree\n\t//\n\t//\tgroup {group}\n\t//\t{{\n"
    return head + body + "\t//\t}\n\n\n"


DOTTED = (
    HEAD.replace("system n2", 'system "n2.example.com"')
    .replace("n2 = 1", '"n2.example.com" = 1')
    .replace("group g1", "group app-sg")
)
NIC = "\tNIC nic1 (\n\t\tDevice = eth0\n\t\t)\n\n"
NIC_TREE = tree("g1", "NIC nic1")

# id, source, files (main.cf first), findings (file:line:column: message, as printed by
# vxha verify), the text main.cf is written back as (None: byte-identical)
CONSTRUCTS = [
    (
        "installer ClusterService with notifier",
        "AG 7.0 (Linux) 'About the notifier process'; UG 5.0.1 (HP-UX) 'About VCS event "
        "notification' (severity names as association values)",
        {
            "main.cf": HEAD.replace("group g1", "group ClusterService")
            + NIC
            + "\tNotifierMngr ntfr (\n\t\tSnmpConsoles = { snmpserv = Information }\n"
            '\t\tSmtpServer = "smtp.example.com"\n'
            '\t\tSmtpRecipients = { "admin@example.com" = SevereError }\n\t\t)\n\n'
            "\tntfr requires nic1\n"
            + tree("ClusterService", "NotifierMngr ntfr", "    {", "    NIC nic1", "    }")
        },
        [],
        None,
    ),
    (
        "cluster attributes of a secure, fenced cluster",
        "AG 6.0 (AIX, Linux) 'Cluster attributes' (vxha's CLUSTER_ATTRS); AG 6.0 (AIX) "
        "'About the main.cf file' (UserNames)",
        {
            "main.cf": HEAD.replace(
                "cluster c1 (\n",
                "cluster c1 (\n\tSecureClus = 1\n\tUseFence = SCSI3\n"
                '\tClusterAddress = "10.10.10.10"\n\tHacliUserLevel = COMMANDROOT\n'
                '\tUserNames = { "root@n1.example.com" = 0, admin = cDRpdxPmHzpS }\n'
                '\tAdministrators = { "root@n1.example.com", admin }\n',
            )
            + NIC
            + NIC_TREE
        },
        [],
        None,
    ),
    (
        "values localized per system, a link and its tree",
        "AG 7.0 (Linux) 'About attribute dimensions' (Attr @system); AG 6.0 (AIX) 'About "
        "the main.cf file' (resource dependency clause)",
        {
            "main.cf": HEAD + "\tIP ip1 (\n\t\tDevice @n1 = eth0\n\t\tDevice @n2 = eth1\n"
            '\t\tAddress = "10.0.0.1"\n\t\tNetMask = "255.255.255.0"\n\t\t)\n\n'
            "\tNIC nic1 (\n\t\tDevice @n1 = eth0\n\t\tDevice @n2 = eth1\n"
            '\t\tNetworkHosts @n1 = { "10.0.0.254" }\n\t\t)\n\n'
            "\tip1 requires nic1\n" + tree("g1", "IP ip1", "    {", "    NIC nic1", "    }")
        },
        [],
        None,
    ),
    (
        "a resource overrides static attributes, IMF among them",
        "ADG 4.1 and 9.0 'Overriding static type attributes'; SFCFS 5.1SP1 (HP-UX) "
        "'CFSMount agent attributes' (IMF keys Mode, MonitorFreq, RegisterRetryLimit)",
        {
            "main.cf": HEAD
            + '\tMount m1 (\n\t\tMountPoint = "/data"\n\t\tBlockDevice = "/dev/vx/dsk/dg1/v1"\n'
            '\t\tFSType = vxfs\n\t\tFsckOpt = "-y"\n\t\tMonitorInterval = 30\n'
            "\t\tOfflineMonitorInterval = 120\n"
            "\t\tIMF = { Mode = 3, MonitorFreq = 5, RegisterRetryLimit = 3 }\n\t\t)\n\n"
            + tree("g1", "Mount m1")
        },
        [],
        None,
    ),
    (
        "group dependencies of every allowed location",
        "AG 7.4.1 (Linux) service group dependencies; docs/generator.md 'Verify'",
        {
            "main.cf": HEAD
            + NIC
            + NIC_TREE
            + "".join(
                f"group g{i} (\n\tSystemList = {{ n1 = 0, n2 = 1 }}\n\t)\n\n"
                f"\trequires group g1 {dep}\n" + tree(f"g{i}")
                for i, dep in enumerate(
                    (
                        "online local soft",
                        "online local firm",
                        "online local hard",
                        "online global soft",
                        "online remote firm",
                        "offline local firm",
                    ),
                    start=2,
                )
            )
        },
        [],
        None,
    ),
    (
        "a global cluster: remote cluster, heartbeat localized per cluster",
        "UG 5.0MP3 (Solaris) 'Global cluster management' (heartbeat sample); UG 4.1 "
        "'Heartbeat Attributes'",
        {
            "main.cf": 'include "types.cf"\n\ncluster c1 (\n\tClusterAddress = "10.0.0.1"\n\t)\n\n'
            'remotecluster c2 (\n\tClusterAddress = "10.0.0.2"\n\tConnectTimeout = 300\n\t)\n\n'
            'heartbeat Icmp (\n\tClusterList = { c2 }\n\tArguments @c2 = { "10.0.0.2" }\n\t)\n\n'
            "system n1 (\n\t)\n\n"
            "group g1 (\n\tSystemList = { n1 = 0 }\n\tClusterList = { c1 = 0, c2 = 1 }\n"
            "\tAuthority = 1\n\tClusterFailOverPolicy = Auto\n\t)\n\n" + NIC + NIC_TREE
        },
        [],
        None,
    ),
    (
        "ArgList passes State, IState, MonitorOnly, ConfidenceLevel and Attr:Other",
        "ADG 5.0MP3 'ArgList' (Attr:Other); decl.RESOURCE_ARGS (Veritas's types pass them)",
        {
            "main.cf": 'include "types.cf"\ninclude "WebTypes.cf"\n\ncluster c1 (\n\t)\n\n'
            "system n1 (\n\t)\n\ngroup g1 (\n\tSystemList = { n1 = 0 }\n\t)\n\n"
            "\tWeb w1 (\n\t\tHome = x\n\t\t)\n\n" + tree("g1", "Web w1"),
            "WebTypes.cf": "type Web (\n"
            "\tstatic str ArgList[] = { Home, State, IState, MonitorOnly, ConfidenceLevel, "
            '"Home:Probed" }\n\tstr Home\n)\n',
        },
        [],
        None,
    ),
    (
        "a types file with every declaration form",
        "ADG 7.2 (Linux) 'Entry point examples' (type layout); AG 7.0 (Linux) 'About "
        "attribute dimensions' (scalar, [] vector, {} association, keylist); ADG 7.3 "
        "'About attributes' (static); NameRule, temp, i18nstr: docs/vcs-language.md 'Grammar'",
        {
            "main.cf": 'include "types.cf"\ninclude "AllTypes.cf"\n\ncluster c1 (\n\t)\n\n'
            "system n1 (\n\t)\n\ngroup g1 (\n\tSystemList = { n1 = 0 }\n\t)\n\n"
            "\tAll a1 (\n\t\tA = x\n\t\tB = { a, b }\n\t\tC = { k = 1 }\n\t\tD = { u, v }\n"
            '\t\tE = 1\n\t\tF = "t\u00e9l\u00e9phone"\n\t\t)\n\n' + tree("g1", "All a1"),
            "AllTypes.cf": "type All (\n"
            '\tstatic keylist SupportedActions = { "check.vfd", refresh }\n'
            "\tstatic int IMF{} = { Mode = 3, MonitorFreq = 5, RegisterRetryLimit = 3 }\n"
            "\tstatic str IMFRegList[] = { A }\n"
            "\tstatic str ArgList[] = { A, B, C, D, E, F }\n"
            "\tstatic int NumThreads = 1\n"
            "\tNameRule = resource.A\n"
            "\tstr A\n\tstr B[]\n\tint C{}\n\tkeylist D\n\tboolean E = 0\n\ti18nstr F\n"
            '\tstr G = "say \\"hi\\""\n\tstr H = 1\n\tint I[] = { 1, 2 }\n'
            '\tstr J{} = { a = b, c = "d e" }\n\ttemp str K\n\tstatic temp str L = ""\n)\n',
        },
        [],
        None,
    ),
    (
        "group attributes localized per system",
        "AG 7.0 (Linux) 'About attribute dimensions' (Attr @system); AG 6.0 'Service group "
        "attributes' (PreOnline, ContainerInfo, TriggersEnabled)",
        {
            "main.cf": HEAD.replace(
                "\tSystemList = { n1 = 0, n2 = 1 }\n",
                "\tSystemList = { n1 = 0, n2 = 1 }\n\tPreOnline @n1 = 1\n\tPreOnline @n2 = 0\n"
                "\tTriggersEnabled @n1 = { PREONLINE }\n"
                "\tContainerInfo @n1 = { Name = z1, Type = Zone, Enabled = 1 }\n",
            )
            + NIC
            + NIC_TREE
        },
        [],
        None,
    ),
    (
        "a '/* */' comment over lines and a '#' line inside a value list",
        "chosen (docs/vcs-language.md 'Grammar': comments)",
        {
            "main.cf": HEAD + "\tNIC nic1 (\n\t\t/* the public\n\t\t   interface */ Device = eth0\n"
            '\t\tNetworkHosts = {\n# the router\n\t\t\t"10.0.0.254" }\n\t\t)\n'
        },
        [],
        HEAD
        + '\tNIC nic1 (\n\t\tDevice = eth0\n\t\tNetworkHosts = { "10.0.0.254" }\n\t\t)\n\n'
        + NIC_TREE,
    ),
    (
        "strings with escaped quotes, backslashes and a line break",
        "UG 5.0MP3 (Solaris) 'Attribute data types' (\\\" and \\\\); chosen: a raw line "
        "break is written \\n",
        {
            "main.cf": HEAD
            + '\tApplication a1 (\n\t\tStartProgram = "/bin/start \\"a b\\" C:\\\\dir\n'
            'x"\n\t\tStopProgram = "/bin/stop"\n\t\tPidFiles = { "/run/a.pid" }\n\t\t)\n'
        },
        [],
        HEAD + '\tApplication a1 (\n\t\tStartProgram = "/bin/start \\"a b\\" C:\\\\dir\\nx"\n'
        '\t\tStopProgram = "/bin/stop"\n\t\tPidFiles = { "/run/a.pid" }\n\t\t)\n\n'
        + tree("g1", "Application a1"),
    ),
    (
        "an include after the groups that use its types, and an include written twice",
        "AG 6.0 (AIX) 'About the main.cf file' (include clauses); chosen: read once",
        {
            "main.cf": HEAD.replace('include "types.cf"\n\n', "")
            + NIC
            + '\ninclude "types.cf"\n'
            + 'include "types.cf"\n'
        },
        [],
        HEAD.replace('include "types.cf"\n', 'include "types.cf"\ninclude "types.cf"\n')
        + NIC
        + NIC_TREE,
    ),
    (
        "names with hyphens and a dotted system name, bare",
        "UG 5.0MP3 (Solaris) 'Attribute data types' (letters, digits, '-', '_' go without "
        "quotes, a value with periods is quoted); UG 4.1 'System Definition' (system names "
        "as uname returns them)",
        {
            "main.cf": DOTTED.replace('system "n2.example.com"', "system n2.example.com")
            + "\tNIC app-nic (\n\t\tDevice = eth0\n\t\t)\n\n"
            + tree("app-sg", "NIC app-nic")
        },
        [],
        DOTTED + "\tNIC app-nic (\n\t\tDevice = eth0\n\t\t)\n\n" + tree("app-sg", "NIC app-nic"),
    ),
    (
        "a resource name with a dot is no legal name",
        "UG 4.1 'Attribute Data Types' (the bare-word rule, docs/vcs-language.md 'names')",
        {"main.cf": HEAD + '\tNIC "nic.1" (\n\t\tDevice = eth0\n\t\t)\n'},
        ["main.cf:16:2: resource name 'nic.1' is not a legal VCS name"],
        HEAD + '\tNIC "nic.1" (\n\t\tDevice = eth0\n\t\t)\n\n' + tree("g1", "NIC nic.1"),
    ),
    (
        "a keylist names a value twice",
        "UG 5.0MP3 (Solaris) 'Attribute dimensions' (a keylist's strings are unique)",
        {
            "main.cf": HEAD
            + "\tNIC nic1 (\n\t\tDevice = eth0\n\t\tLogDbg = { DBG_1, DBG_1 }\n\t\t)\n\n"
            + NIC_TREE
        },
        ["main.cf:18:3: resource nic1 (NIC): attribute LogDbg: keylist names 'DBG_1' twice"],
        None,
    ),
]


@pytest.mark.parametrize(
    "files, findings, written", [c[2:] for c in CONSTRUCTS], ids=[c[0] for c in CONSTRUCTS]
)
def test_each_construct_parses_verifies_and_writes_back(tmp_path, files, findings, written):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    config = parse_file(tmp_path / "main.cf")
    assert [str(i).replace(f"{tmp_path}/", "") for i in verify(config)] == findings
    main = files["main.cf"]
    assert write(config) == (main if written is None else written)
    # the written text reads back to the same model
    assert parse(write(config), "main.cf") == parse(main, "main.cf")
    for name, text in files.items():
        if name != "main.cf":
            assert write(parse(text, name)) == text


# -- a real types file beside a built-in one ----------------------------------------------------

APACHE_MAIN = (
    'include "types.cf"\ninclude "ApacheTypes.cf"\n\ncluster c1 (\n\t)\n\nsystem n1 (\n\t)\n\n'
    "group g1 (\n\tSystemList = { n1 = 0 }\n\t)\n\n"
    '\tApache web (\n\t\thttpdDir = "/usr/sbin"\n\t\tPidFile = "/run/httpd.pid"\n\t\t)\n'
)
# an Apache agent shipped with its own types file (a release whose types.cf lacked Apache):
# PidFile is in this file, not in vxha's built-in Apache
APACHE_TYPES = (
    "type Apache (\n\tstatic str ArgList[] = { httpdDir, PidFile }\n"
    "\tstr httpdDir\n\tstr PidFile\n)\n"
)


@pytest.mark.parametrize("first", ["types.cf", "ApacheTypes.cf"])
def test_a_real_types_file_wins_over_a_type_of_the_built_in_types_cf(tmp_path, first):
    # DECISIONS.md 10: a real types file always wins over the built-in declarations. The
    # built-in types.cf follows one release (Linux 7.3.1, with Apache); whether the node's
    # own types.cf declares Apache too, which hacf would refuse, cannot be told: a warning
    main = APACHE_MAIN
    if first == "ApacheTypes.cf":
        main = main.replace(
            'include "types.cf"\ninclude "ApacheTypes.cf"\n',
            'include "ApacheTypes.cf"\ninclude "types.cf"\n',
        )
    (tmp_path / "main.cf").write_text(main)
    (tmp_path / "ApacheTypes.cf").write_text(APACHE_TYPES)
    config = parse_file(tmp_path / "main.cf")
    assert config.types["Apache"] == parse(APACHE_TYPES, "ApacheTypes.cf").types["Apache"]
    assert config.type_origin["Apache"] == "ApacheTypes.cf"
    assert "NIC" in config.types  # the built-in file's other types stay
    line = 2 if first == "types.cf" else 1
    assert [str(i).replace(f"{tmp_path}/", "") for i in verify(config)] == [
        f"main.cf:{line}:1: warning: type Apache: declared by ApacheTypes.cf and by vxha's "
        "built-in types.cf: ApacheTypes.cf's declaration is used; if the cluster's own "
        "types.cf declares Apache too, hacf refuses the second declaration"
    ]


def test_two_real_files_declaring_one_type_stay_an_error(tmp_path):
    (tmp_path / "main.cf").write_text(APACHE_MAIN)
    (tmp_path / "ApacheTypes.cf").write_text(APACHE_TYPES)
    (tmp_path / "types.cf").write_text(APACHE_TYPES.replace("PidFile", "PidFiles"))
    with pytest.raises(CfError) as e:
        parse_file(tmp_path / "main.cf")
    assert (e.value.line, e.value.column) == (2, 1)
    assert e.value.message == (
        "expected each type declared once, found type Apache of ApacheTypes.cf already "
        "declared in types.cf"
    )
