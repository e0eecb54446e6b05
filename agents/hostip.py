"""HostIP agent: the application's IP address on a host network device.

Modelled on ClusterLabs' IPaddr2: the link must be up, duplicate address detection runs
before the address is added (arping -D for IPv4, the kernel's DAD for IPv6), and the
neighbours are told after (gratuitous ARP / unsolicited neighbour advertisement).
Only the resource's own address is ever added or removed.
"""

from vxha.agents.drivers.addresses import check_address, is_ipv6
from vxha.agents.drivers.errors import DriverError, DriverUnavailable
from vxha.agents.framework import OFFLINE, ONLINE, AgentError, ConfigError, report_attr_change

IFNAMSIZ = 16  # the kernel's limit, terminating NUL included


def check_device_name(name: str, attr: str) -> None:
    """The kernel's dev_valid_name(): 1-15 characters, no '/', ':' or white space."""
    if not name:
        raise ConfigError("a network device name is required", attr)
    if len(name) >= IFNAMSIZ:
        raise ConfigError(f"device name {name!r} is longer than {IFNAMSIZ - 1} characters", attr)
    if name in (".", "..") or any(c in "/:" or c.isspace() for c in name):
        raise ConfigError(f"{name!r} is not a valid device name (no '/', ':' or spaces)", attr)


class HostIPAgent:
    def validate(self, res):
        check_device_name(res.Device, "Device")
        address = check_address(res.Address, "Address")
        top = 128 if is_ipv6(address) else 32
        if not 1 <= res.PrefixLen <= top:
            raise ConfigError(
                f"{res.PrefixLen} is not a prefix length for {address} (1-{top})", "PrefixLen"
            )
        if res.Label:
            if is_ipv6(address):
                raise ConfigError("labels exist for IPv4 addresses only", "Label")
            if not res.Label.startswith(res.Device) or len(res.Label) >= IFNAMSIZ:
                raise ConfigError(
                    f"{res.Label!r} must start with the device name {res.Device!r} "
                    f"and have at most {IFNAMSIZ - 1} characters",
                    "Label",
                )
            if any(c == "/" or c.isspace() for c in res.Label):
                raise ConfigError(f"{res.Label!r} may not hold '/' or spaces", "Label")
        if not 0 <= res.ArpCount <= 100:
            raise ConfigError(f"{res.ArpCount} is not 0-100", "ArpCount")
        if not 10 <= res.ArpInterval <= 10000:
            raise ConfigError(f"{res.ArpInterval} ms is not 10-10000", "ArpInterval")
        res.values["Address"] = address

    # -- helpers -----------------------------------------------------------------------

    def _drv(self, res):
        return res.driver("addresses")

    def _call(self, res, what, fn, *args, **kw):
        try:
            return fn(*args, **kw)
        except DriverUnavailable as exc:
            raise AgentError(f"{what}: {exc}") from None
        except DriverError as exc:
            raise AgentError(f"{what}: {exc}") from None

    def _mine(self, res, dev):
        for e in (dev or {}).get("addresses", []):
            if e["address"] == res.Address:
                return e
        return None

    def _delete(self, res, what, prefixlen):
        """Remove the address; the driver keeps the other addresses of its subnet and says
        what that took (docs/network.md, "Removing an address")."""
        notes = self._call(res, what, self._drv(res).delete, res.Device, res.Address, prefixlen,
                           res.timeout(8))  # fmt: skip
        for level, text in notes or ():
            getattr(res.log, level)(text, "net.secondaries")

    def _device(self, res, cap=5):
        return self._call(
            res, f"reading device {res.Device}", self._drv(res).device, res.Device, res.timeout(cap)
        )

    # -- entry points ------------------------------------------------------------------

    def online(self, res):
        drv = self._drv(res)
        dev = self._device(res)
        if dev is None:
            raise AgentError(f"device {res.Device} does not exist", "Device")
        if not dev["up"]:
            raise AgentError(f"device {res.Device} is administratively down", "Device")
        if res.CheckLinkStatus and not dev["carrier"]:
            raise AgentError(f"device {res.Device} has no link (carrier down)", "Device")
        mine = self._mine(res, dev)
        if mine is not None and not mine["dadfailed"]:
            res.log.info(f"{res.Address} is already on {res.Device}", "state")
            return None
        others = self._call(res, "looking for the address", drv.find, res.Address, res.timeout(5))
        elsewhere = [e["device"] for e in others if e["device"] != res.Device]
        if elsewhere:
            raise AgentError(
                f"{res.Address} is already on device {', '.join(elsewhere)} of this system; "
                "refusing to add it to a second device",
                "Address",
            )
        v6 = is_ipv6(res.Address)
        # On the loopback device the address is on no network: nobody to ask or to tell
        # (IPaddr2 sends no ARP on lo either).
        onlink = not dev["loopback"]
        if res.DadCheck and not v6 and onlink:
            taken = self._call(
                res, "duplicate address detection", drv.duplicate, res.Device, res.Address,
                res.timeout(3),
            )  # fmt: skip
            if taken:
                res.log.error(
                    f"{res.Address} already answers on the network of {res.Device}: "
                    "refusing to create a duplicate address",
                    "net.duplicate",
                )
                raise AgentError(f"duplicate address {res.Address} (arping -D)", "Address")
        if mine is not None:  # left over with dadfailed: start again
            self._delete(res, "removing a failed address", mine["prefixlen"])
        self._call(
            res, f"adding {res.Address}/{res.PrefixLen} to {res.Device}", drv.add, res.Device,
            res.Address, res.PrefixLen, res.Label, res.timeout(5), nodad=not res.DadCheck,
        )  # fmt: skip
        if v6 and res.DadCheck:
            dad = self._call(
                res, "IPv6 duplicate address detection", drv.wait_dad, res.Device, res.Address,
                res.timeout(5),
            )  # fmt: skip
            if dad == "tentative":  # nobody answered, but uniqueness is not known
                self._delete(res, "removing the tentative address", res.PrefixLen)
                raise AgentError(
                    f"IPv6 duplicate address detection of {res.Address} on {res.Device} did "
                    "not finish in time (the address stayed tentative; the kernel starts it "
                    "once the link has carrier): removed it again",
                    "Address",
                )
            if dad != "ok":
                self._delete(res, "removing the duplicate", res.PrefixLen)
                res.log.error(
                    f"{res.Address} failed IPv6 duplicate address detection on {res.Device} "
                    f"({dad}): removed it again",
                    "net.duplicate",
                )
                raise AgentError(f"duplicate address {res.Address} (IPv6 DAD: {dad})", "Address")
        if res.ArpCount and onlink:
            try:
                drv.announce(
                    res.Device, res.Address, res.ArpCount, res.ArpInterval, res.timeout(10)
                )
            except DriverError as exc:  # the address is up: a lost announcement is not fatal
                res.log.warning(f"announcing {res.Address} failed: {exc}", "net.announce")
        res.log.info(f"{res.Address}/{res.PrefixLen} is up on {res.Device}", "state")
        return None

    def monitor(self, res):
        dev = self._device(res)
        mine = self._mine(res, dev)  # None as well when the device is missing
        if mine is None:  # elsewhere? (Device renamed: its addresses went with it)
            others = self._call(
                res, "looking for the address", self._drv(res).find, res.Address, res.timeout(5)
            )
            if others:
                where = ", ".join(e["device"] for e in others)
                res.log.warning(
                    f"{res.Address} is on device {where}, not on {res.Device}: reporting offline",
                    "net.partial",
                )
            return OFFLINE
        if mine["dadfailed"]:
            res.log.warning(f"{res.Address} failed duplicate address detection", "net.partial")
            return OFFLINE
        if not dev["up"]:  # VCS's IP agent: OFFLINE "indicates that the device is down"
            res.log.warning(
                f"{res.Address} is on {res.Device} but the device is administratively down",
                "net.link",
            )
            return OFFLINE
        if res.CheckLinkStatus and not dev["carrier"]:
            res.log.warning(f"{res.Address} is on {res.Device} but its link is down", "net.link")
            return OFFLINE
        if mine["prefixlen"] != res.PrefixLen:
            res.log.warning(
                f"{res.Address} is on {res.Device} with prefix {mine['prefixlen']}, "
                f"declared {res.PrefixLen}",
                "net.partial",
            )
        return ONLINE

    def _remove(self, res):
        # First end the gratuitous ARP still running from online (arping in the
        # background, ArpCount intervals): it would go on claiming the address for this
        # system after it left, and another system's online would take it for a duplicate.
        ended = self._call(res, "ending the announcements", self._drv(res).quiet, res.Device,
                           res.Address)  # fmt: skip
        if ended:
            res.log.info(f"ended the announcement of {res.Address} still running (pid "
                         f"{', '.join(map(str, ended))})", "net.announce")  # fmt: skip
        dev = self._device(res)
        mine = self._mine(res, dev)
        if mine is None:
            return True
        self._delete(res, f"removing {res.Address} from {res.Device}", mine["prefixlen"])
        return self._mine(res, self._device(res)) is None

    def offline(self, res):
        if not self._remove(res):
            raise AgentError(f"{res.Address} is still on {res.Device} after removing it")
        return None

    def clean(self, res):
        # An AgentError is logged and mapped to 1 by the framework: VCS retries clean.
        return self._remove(res)

    def info(self, res):
        dev = self._device(res)
        if dev is None:
            return {"Device": res.Device, "State": "device absent"}
        mine = self._mine(res, dev)
        return {
            "Device": res.Device,
            "MAC": dev["mac"] or "none",
            "Link": ("up" if dev["up"] else "down") + ("" if dev["carrier"] else ", no carrier"),
            "Address": res.Address,
            "Prefix": mine["prefixlen"] if mine else "not configured",
        }

    attr_changed = report_attr_change
