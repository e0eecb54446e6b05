"""Built-in declarations of the DB2 and Sybase agents' type files (what the guides'
excerpts document: docs/vcs-language.md, "Built-in declarations")."""

from __future__ import annotations

from vxha.vcs_types.bundled_files import str_attr, type_decl

RELEASES = {
    "Db2udbTypes.cf": "InfoScale 9.0 Cluster Server Agent for DB2 Installation and "
    "Configuration Guide - Linux",
    "SybaseTypes.cf": "Cluster Server 4.1 Enterprise Agent for Sybase Installation and "
    "Configuration Guide",
}

DB2UDB = type_decl(
    "Db2udb",
    "Starts, stops and monitors DB2 instances and database partitions.",
    # The guide sets it to 1; a string reads every scalar written, so no false error.
    [str_attr("IndepthMonitor")],
)

SYBASE = type_decl("Sybase", "Starts, stops and monitors a Sybase SQL server.", [], arglist=[])

SYBASEBK = type_decl(
    "SybaseBk", "Starts, stops and monitors a Sybase Backup Server.", [], arglist=[]
)

BUNDLED_FILES = {
    "Db2udbTypes.cf": [DB2UDB],
    "SybaseTypes.cf": [SYBASE, SYBASEBK],
}
