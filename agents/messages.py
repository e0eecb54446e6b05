"""Message IDs of vxha's agent log lines, kept in one table.

Lines read ``V-16-<CATEGORY>-<id>``. The Agent Developer's Guide's rule for a custom
agent (5.0MP3 to 9.0, "UMI" and "VCSAG_SET_ENVS") is that Veritas assigns its category
ID when the agent is registered with it; vxha has none yet, so it uses 10000, the
category VCS itself shows for messages of agents that set none ("How Pre-VCS 4.0
Messages are Displayed"), which no registered agent holds. A registered ID replaces it
here, and only here. Message IDs are 0-65535 (VCSAG_LOG_MSG).
"""

CATEGORY = 10000

MSG = {
    # framework
    "info": 10001,
    "notice": 10002,
    "warning": 10003,
    "failed": 10004,
    "config": 10005,
    "argv": 10006,
    "deadline": 10007,
    "internal": 10008,
    "preempt": 10009,
    "renamed": 10010,
    "unknown": 10011,
    "attr": 10012,
    "older": 10013,
    # driver and agent outcomes
    "driver": 10020,
    "unavailable": 10021,
    "refused": 10022,
    "state": 10023,
    "health": 10024,
    "foreign": 10025,
    "forced": 10026,
    # Container (agents/container.py)
    "ctr.online": 10401,
    "ctr.offline": 10402,
    "ctr.replaced": 10403,
    "ctr.pull": 10404,
    "ctr.stop": 10405,
    "ctr.config": 10406,
    "ctr.cleaned": 10407,
    "ctr.action": 10408,
    # CFSMount (agents/cfsmount.py)
    "cfs.mounted": 10601,
    "cfs.unmounted": 10602,
    "cfs.busy": 10603,
    "cfs.probe": 10604,
    "cfs.signal": 10605,
    "cfs.readonly": 10606,
    # HostIP and PortForward (agents/hostip.py, agents/portforward.py)
    "net.duplicate": 10501,
    "net.link": 10502,
    "net.announce": 10503,
    "net.partial": 10504,
    "net.stale": 10505,
    "net.sysctl": 10506,
    # notifications (agents/notify.py)
    "notify.sent": 10801,
    "notify.failed": 10802,
}
