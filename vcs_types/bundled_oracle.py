"""Built-in declarations of the Oracle agents' type files and SF Oracle RAC's PrivNIC.cf
(what the guides' excerpts document: docs/vcs-language.md, "Built-in declarations")."""

from __future__ import annotations

from vxha.vcs_types.bundled_files import int_attr, str_attr, type_decl

RELEASES = {
    "OracleTypes.cf": "Cluster Server 7.3 Agent for Oracle Installation and Configuration "
    "Guide - AIX",
    "OracleASMTypes.cf": "Cluster Server 7.3 Agent for Oracle Installation and Configuration "
    "Guide - AIX (ASM agents)",
    "PrivNIC.cf": "Storage Foundation for Oracle RAC 5.0 Installation and Configuration "
    "Guide - HP-UX (PrivNIC agent)",
}

ORACLE = type_decl("Oracle", "Starts, stops and monitors an Oracle database.", [], arglist=[])

NETLSNR = type_decl("Netlsnr", "Starts, stops and monitors an Oracle listener.", [], arglist=[])

ASMINST = type_decl("ASMInst", "Starts, stops and monitors an Oracle ASM instance.", [], arglist=[])

ASMDG = type_decl(
    "ASMDG",
    "Mounts, unmounts and monitors Oracle ASM disk groups.",
    # A vector reads every list written, a name given twice included: no false error.
    [str_attr("DiskGroups", dim="vector")],
)

PRIVNIC = type_decl(
    "PrivNIC",
    "Keeps a private IP address on one of the LLT links for Oracle RAC.",
    [
        str_attr("Device", dim="association"),
        str_attr("Address"),
        # The table says association, its example and the configurations a scalar.
        str_attr("NetMask"),
        str_attr("DeviceTag", dim="association"),
        str_attr("GabPort", default="o"),
        int_attr("UseVirtualIP"),
    ],
)

BUNDLED_FILES = {
    "OracleTypes.cf": [ORACLE, NETLSNR],
    "OracleASMTypes.cf": [ASMINST, ASMDG],
    "PrivNIC.cf": [PRIVNIC],
}
