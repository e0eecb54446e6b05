"""Fixtures of the CFSMount tests (helpers live in cfsmount_helpers.py)."""

from cfsmount_helpers import agent_root, loopdev, real_launcher  # noqa: F401
