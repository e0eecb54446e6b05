"""The VCS event triggers vxha's groups use to tell a server's admin, where they live, and
the recipients field of the groups' marker.

A group names its own trigger directory (``TriggerPath``, relative to ``$VCS_HOME``) and
the triggers VCS calls for it (``TriggersEnabled``), from VCS 6.0 on (Veritas KB 100041122,
"VCS service group specific trigger path"). In that directory each trigger is a directory
named after it, whose ``T<number><name>`` scripts VCS runs in ascending order (VCS 7.0
Administrator's Guide, "Performing multiple actions using a trigger").
"""

from __future__ import annotations

from typing import List

TRIGGER_PATH = "bin/vxha/triggers"  # under $VCS_HOME: /opt/VRTSvcs/bin/vxha/triggers
SCRIPT = "T0vxha_notify"

# trigger -> (its arguments after the trigger type, source)
EVENTS = {
    "resfault": (
        ("system", "resource", "previous_state"),
        "VCS 7.0 Administrator's Guide, About the resfault event trigger",
    ),
    "postonline": (
        ("system", "group"),
        "VCS 7.0 Administrator's Guide, About the postonline event trigger",
    ),
    "postoffline": (
        ("system", "group"),
        "VCS 7.0 Administrator's Guide, About the postoffline event trigger",
    ),
    "nofailover": (
        ("system", "group"),
        "VCS 5.0MP3 User's Guide, nofailover event trigger",
    ),
}

# TriggersEnabled keys: the trigger's name in capitals, as the KB's example writes
# PREONLINE, POSTONLINE, POSTOFFLINE (chosen for RESFAULT and NOFAILOVER by the same rule:
# no stored document lists the keys).
FAILOVER_TRIGGERS = ("NOFAILOVER", "POSTOFFLINE", "POSTONLINE", "RESFAULT")
# A parallel storage group neither fails over nor needs a message each time it starts on
# a system: its faults only.
STORAGE_TRIGGERS = ("RESFAULT",)

# The recipients travel in the group's marker, ``vxha:server=<srv>;notify=a@x,b@y``, so a
# trigger needs nothing but the cluster to find them (not the profiles on shared storage,
# which may be what just failed).
NOTIFY_FIELD = "notify="


def marker(server: str, recipients=()) -> str:
    """``UserStrGlobal`` of a server's groups."""
    text = f"vxha:server={server}"
    if recipients:
        text += f";{NOTIFY_FIELD}{','.join(recipients)}"
    return text


def recipients(tag: str) -> List[str]:
    """The addresses the marker ``tag`` names: none for a group without the field, and none
    for a ``UserStrGlobal`` that is not vxha's marker (an admin's own text there, even one
    with a ``notify=`` field, is not an address list vxha wrote)."""
    tag = str(tag or "")
    if not tag.startswith("vxha:"):
        return []
    for field in tag.split(";")[1:]:
        if field.startswith(NOTIFY_FIELD):
            return [a for a in field[len(NOTIFY_FIELD) :].split(",") if a]
    return []
