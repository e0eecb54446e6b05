"""vxha.watch: ``vxha watch``, faults detected as they happen (docs/watch.md).

Container engine events, netlink address and link events and mount table changes are
mapped to the vxha resources they concern, and VCS is asked to probe those resources at
once (``hares -probe``); the monitor entry point stays the only judge of a state.
"""
