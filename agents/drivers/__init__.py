"""OS drivers behind small interfaces, each with a fake that keeps one simulated node's
state in a directory (DESIGN.md, "Drivers and fakes").

``VXHA_DRIVERS=fake`` selects the fakes; unset selects the real drivers.
"""

# kind -> (real "module:factory", fake "module:factory"); each factory takes the Context.
DRIVERS = {
    "docker": (
        "vxha.agents.drivers.docker:DockerDriver",
        "vxha.agents.drivers.docker_fake:FakeDocker",
    ),
    "addresses": (
        "vxha.agents.drivers.addresses:AddressDriver",
        "vxha.agents.drivers.addresses_fake:FakeAddresses",
    ),
    "forwarding": (
        "vxha.agents.drivers.forwarding:ForwardingDriver",
        "vxha.agents.drivers.forwarding_fake:FakeForwarding",
    ),
    "mounts": (
        "vxha.agents.drivers.mounts:MountDriver",
        "vxha.agents.drivers.mounts_fake:FakeMounts",
    ),
}


def get_driver(kind: str, ctx):
    real, fake = DRIVERS[kind]
    module, _, factory = (fake if ctx.fake else real).partition(":")
    # __import__, not importlib: its package costs every monitor an import of warnings.
    return getattr(__import__(module, fromlist=[factory]), factory)(ctx)
