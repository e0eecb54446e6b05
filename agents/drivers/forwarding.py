"""Forwarding driver: DNAT from a host address and port to a container, in the network
namespace it runs in.

nftables (default): one table ``inet vxha`` owned by vxha; each resource has its own base
chains ``pf_<res>_pre`` (nat prerouting, clients from outside), ``pf_<res>_out`` (nat
output, clients on the host itself) and, for a loopback address, ``pf_<res>_post``
(masquerade, needs route_localnet). Every rule carries the comment ``vxha:<res>``. Each
change is one ``nft -f -`` transaction, so a resource's rules appear or vanish at once;
a lock file orders installs against the removal of the emptied table.

iptables (fallback where nft is missing): per-resource chains ``VXHA_<res>_P|O|S`` in the
nat table, jumped to from PREROUTING/OUTPUT/POSTROUTING by rules tagged ``vxha:<res>``,
each change one ``iptables-restore --noflush`` transaction.

Nothing outside vxha's table or chains is ever listed for change, flushed or deleted.
"""

from __future__ import annotations

import fcntl
import os
import time

# json's loads and dumps without the import of re that json itself costs a monitor.
from vxha.agents.drivers import jsonscan as json
from vxha.agents.drivers import sysctl
from vxha.agents.drivers.addresses import canonical, is_ipv6
from vxha.agents.drivers.errors import DriverError, DriverUnavailable
from vxha.agents.drivers.proc import run

NFT = "nft"
TABLE = "inet vxha"
BACKENDS = ("nft", "iptables")
_SAFE = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")

# chain role -> (nft hook, priority, iptables built-in chain)
ROLES = {
    "pre": ("prerouting", "dstnat", "PREROUTING"),
    "out": ("output", "-100", "OUTPUT"),
    "post": ("postrouting", "srcnat", "POSTROUTING"),
}


def base_chain(role: str) -> tuple:
    """(type, hook, priority, policy) of a resource's base chain of ``role``, as nft's JSON
    lists a chain: a chain of ours listed otherwise was edited by hand."""
    hook, prio, _ = ROLES[role]
    return ("nat", hook, {"dstnat": -100, "srcnat": 100}.get(prio) or int(prio), "accept")


def tag(name: str, limit: int = 64) -> str:
    """The resource name as it can appear in chain names (hashed when it cannot)."""
    if name and len(name) <= limit and all(c in _SAFE for c in name):
        return name
    import hashlib

    return "h" + hashlib.sha1(name.encode()).hexdigest()[:12]


def is_loopback(address: str) -> bool:
    return address.startswith("127.") or address == "::1"


def expected_rules(spec: dict) -> set:
    """The normalized rules a spec installs: (role, saddr, daddr, proto, dport, action,
    to_addr, to_port) tuples, comparable with what ``rules()`` reads back."""
    a, t = canonical(spec["address"]), canonical(spec["target"])
    out = set()
    for hp, proto, cp in spec["ports"]:
        out.add(("pre", None, a, proto, hp, "dnat", t, cp))
        out.add(("out", None, a, proto, hp, "dnat", t, cp))
        if is_loopback(a) and not is_ipv6(a):
            out.add(("post", "127.0.0.0/8", t, proto, cp, "masquerade", None, None))
    return out


def _check_spec(spec: dict) -> None:
    a, t = spec["address"], spec["target"]
    if is_ipv6(a) != is_ipv6(t):
        raise DriverError(f"address {a} and target {t} are not of the same IP family")


def refuse_taken(spec: dict, others) -> None:
    """Refuse a host address and port another resource forwards: ``others`` are (owner,
    rule tuple) of the other resources' rules. Two DNAT rules for one port would both be
    installed and only the first the kernel walks would be obeyed."""
    # a rule added by hand (an expression _nft_rule does not know) forwards no port of ours
    taken = {(r[2], r[3], r[4]): owner for owner, r in others if r[0] == "pre" and len(r) == 8}
    a = canonical(spec["address"])
    for hp, proto, _ in sorted(spec["ports"], key=lambda p: (p[0], p[1])):
        owner = taken.get((a, proto, hp))
        if owner is not None:
            raise DriverError(
                f"{a} port {hp}/{proto} is already forwarded by resource {owner}:"
                " one host port, one PortForward resource"
            )


class _Lock:
    """flock on <lock_dir>/forwarding.lock, waited for until the timeout."""

    def __init__(self, ctx, timeout: float):
        self.dir = ctx.lock_dir
        self.timeout = timeout
        self.fd = None

    def __enter__(self):
        from vxha.agents.statefile import open_in

        try:  # a private file, never reached through a link (agents/statefile.py)
            self.fd = open_in(self.dir, "forwarding.lock", os.O_RDWR)
        except OSError as exc:
            raise DriverError(f"cannot open the forwarding lock: {exc}") from None
        end = time.monotonic() + self.timeout
        while True:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return self
            except BlockingIOError:
                if time.monotonic() > end:
                    os.close(self.fd)
                    raise DriverUnavailable(
                        "another change of the forwarding rules is stuck"
                    ) from None
                time.sleep(0.01)

    def __exit__(self, *exc):
        os.close(self.fd)


class ForwardingDriver:
    """Port forwarding of the current network namespace (nft, or iptables)."""

    def __init__(self, ctx):
        self.ctx = ctx

    # -- the driver interface --------------------------------------------------------

    def install(self, name: str, spec: dict, timeout: float, backend: str = "nft") -> None:
        """Make the resource's rules exactly ``spec``, atomically."""
        _check_spec(spec)
        end = time.monotonic() + timeout
        with _Lock(self.ctx, timeout):
            left = max(0.1, end - time.monotonic())
            if backend == "iptables":
                self._ipt_install(name, spec, left)
            else:
                table = self._nft_table(left / 2)
                mine = f"pf_{tag(name)}_pre"
                refuse_taken(spec, [
                    (c[3:-4], _nft_rule("pre", r)) for c, r in (table or {}).get("rules", ())
                    if c.startswith("pf_") and c.endswith("_pre") and c != mine
                ])  # fmt: skip
                edited = self._nft_edited(name, table)
                text = self._nft_install_text(name, spec, edited)
                self._nft(text, max(0.1, end - time.monotonic()))

    def remove(self, name: str, timeout: float, backend: str = "nft") -> None:
        """Delete the resource's rules (and vxha's table once it is empty)."""
        end = time.monotonic() + timeout
        with _Lock(self.ctx, timeout):
            left = max(0.1, end - time.monotonic())
            if backend == "iptables":
                self._ipt_remove(name, left)
                return
            table = self._nft_table(left)
            if table is None:
                return
            mine = {f"pf_{tag(name)}_{r}" for r in ROLES}
            chains = [c for c in table["chains"] if c in mine]
            if not chains:
                return
            lines = []
            for c in chains:
                lines += [f"flush chain {TABLE} {c}", f"delete chain {TABLE} {c}"]
            if set(table["chains"]) <= mine:
                lines.append(f"delete table {TABLE}")
            self._nft("\n".join(lines) + "\n", max(0.1, end - time.monotonic()))

    def rules(self, name: str, timeout: float, backend: str = "nft"):
        """The resource's rules as normalized tuples; None when it has none at all."""
        if backend == "iptables":
            return self._ipt_rules(name, timeout)
        table = self._nft_table(timeout)
        if table is None:
            return None
        prefix = f"pf_{tag(name)}_"
        found = None
        for chain in table["chains"]:
            if chain.startswith(prefix) and chain[len(prefix) :] in ROLES:
                found = found or set()
                role = chain[len(prefix) :]
                base = table["bases"][chain]
                if base != base_chain(role):  # no longer hooked, or its policy changed
                    found.add((role, "chain", *base))
        for chain, rule in table["rules"]:
            if not chain.startswith(prefix) or chain[len(prefix) :] not in ROLES:
                continue
            found = found or set()
            found.add(_nft_rule(chain[len(prefix) :], rule))
        return found

    def forget_flows(self, address: str, ports, timeout: float) -> None:
        """Delete the kernel's connection-tracking entries of flows to ``address`` on
        ``ports`` ((host port, protocol, ...)) that a DNAT rule rewrote: an entry keeps
        sending a flow where the rule that made it pointed, whatever the rules say now.
        Entries of flows nobody rewrote (the host's own services) stay."""
        end = time.monotonic() + timeout
        a = canonical(address)
        family = "ipv6" if is_ipv6(a) else "ipv4"
        for hp, proto, *_ in ports:
            argv = ["conntrack", "-D", "-f", family, "-p", proto, "--orig-dst", a,
                    "--orig-port-dst", str(hp), "--dst-nat"]  # fmt: skip
            rc, _, err = run(argv, max(0.1, end - time.monotonic()))
            # exit 1 with "0 flow entries have been deleted" when there were none
            if rc != 0 and "flow entries have been deleted" not in err:
                raise DriverError(f"conntrack -D: {' '.join(err.split())}")

    def get_sysctl(self, key: str) -> str:
        return sysctl.read(sysctl.path_of(key), key)

    def set_sysctl(self, key: str, value: str) -> None:
        sysctl.write(sysctl.path_of(key), value, key)

    # -- nftables ----------------------------------------------------------------------

    def _nft(self, text: str, timeout: float) -> None:
        rc, _, err = run([NFT, "-f", "-"], timeout, stdin=text)
        if rc != 0:
            raise DriverError(f"nft transaction failed: {' '.join(err.split())}")

    def _nft_table(self, timeout: float):
        """{"chains": [names], "rules": [(chain, rule json)]} of vxha's table, or None."""
        rc, out, err = run([NFT, "-j", "list", "table", *TABLE.split()], timeout)
        if rc != 0:
            if "No such file or directory" in err:
                return None
            raise DriverError(f"nft list table {TABLE}: {' '.join(err.split())}")
        chains, rules, bases = [], [], {}
        for obj in json.loads(out).get("nftables", []):
            if "chain" in obj:
                c = obj["chain"]
                chains.append(c["name"])
                bases[c["name"]] = (c.get("type"), c.get("hook"), c.get("prio"), c.get("policy"))
            elif "rule" in obj:
                rules.append((obj["rule"]["chain"], obj["rule"]))
        return {"chains": chains, "rules": rules, "bases": bases}

    @staticmethod
    def _nft_edited(name: str, table) -> set:
        """The resource's chains whose type, hook or priority was changed by hand: an
        existing chain's hook cannot be changed, so the install deletes them first."""
        if table is None:
            return set()
        prefix = f"pf_{tag(name)}_"
        return {
            c
            for c, base in table["bases"].items()
            if c.startswith(prefix)
            and c[len(prefix) :] in ROLES
            and base[:3] != base_chain(c[len(prefix) :])[:3]
        }

    def _nft_install_text(self, name: str, spec: dict, edited=()) -> str:
        t = tag(name)
        comment = f'comment "vxha:{t}"'
        a, target = canonical(spec["address"]), canonical(spec["target"])
        v6 = is_ipv6(a)
        fam = "ip6" if v6 else "ip"
        to = f"[{target}]" if v6 else target
        lines = [f"add table {TABLE}"]
        by_role = {"pre": [], "out": [], "post": []}
        for role, saddr, daddr, proto, dport, action, _to_addr, to_port in sorted(
            expected_rules(spec), key=lambda r: tuple(str(x) for x in r)
        ):
            match = f"{fam} saddr {saddr} " if saddr else ""
            match += f"{fam} daddr {daddr} {proto} dport {dport}"
            verdict = f"dnat {fam} to {to}:{to_port}" if action == "dnat" else action
            by_role[role].append(f"{match} {verdict} {comment}")
        for role, (hook, prio, _) in ROLES.items():
            chain = f"pf_{t}_{role}"
            if chain in edited:
                lines += [f"flush chain {TABLE} {chain}", f"delete chain {TABLE} {chain}"]
            lines.append(
                f"add chain {TABLE} {chain} "
                f"{{ type nat hook {hook} priority {prio}; policy accept; }}"
            )
            lines.append(f"flush chain {TABLE} {chain}")
            if by_role[role]:
                lines += [f"add rule {TABLE} {chain} {r}" for r in by_role[role]]
            else:
                lines.append(f"delete chain {TABLE} {chain}")
        return "\n".join(lines) + "\n"

    # -- iptables ----------------------------------------------------------------------

    def _ipt_tools(self, v6: bool):
        p = "ip6tables" if v6 else "iptables"
        return f"{p}-save", f"{p}-restore"

    def _ipt_save(self, v6: bool, timeout: float) -> list:
        save, _ = self._ipt_tools(v6)
        rc, out, err = run([save, "-t", "nat"], timeout)
        if rc != 0:
            raise DriverError(f"{save}: {' '.join(err.split())}")
        return out.splitlines()

    def _ipt_restore(self, v6: bool, text: str, timeout: float) -> None:
        _, restore = self._ipt_tools(v6)
        rc, _, err = run([restore, "--noflush", "-w", str(max(1, int(timeout)))], timeout, text)
        if rc != 0:
            raise DriverError(f"{restore} failed: {' '.join(err.split())}")

    def _ipt_chain(self, name, role):
        return f"VXHA_{tag(name, 18)}_{ {'pre': 'P', 'out': 'O', 'post': 'S'}[role] }"

    def _ipt_install(self, name, spec, timeout):
        v6 = is_ipv6(spec["address"])
        other = self._ipt_remove_text(name, not v6, timeout / 3)
        if other:
            self._ipt_restore(not v6, other, timeout / 3)
        lines = self._ipt_save(v6, timeout / 3)
        mine = self._ipt_chain(name, "pre")
        refuse_taken(spec, [
            (w[1][5:-2], _ipt_rule("pre", w)) for w in map(str.split, lines)
            if len(w) > 1 and w[0] == "-A" and w[1].startswith("VXHA_")
            and w[1].endswith("_P") and w[1] != mine
        ])  # fmt: skip
        c = f'-m comment --comment "vxha:{tag(name)}"'
        text = ["*nat"]
        body = []
        wanted = {role: [] for role in ROLES}
        for role, saddr, daddr, proto, dport, action, to_addr, to_port in sorted(
            expected_rules(spec), key=lambda r: tuple(str(x) for x in r)
        ):
            wanted[role].append((saddr, daddr, proto, dport, action, to_addr, to_port))
        plen = 128 if v6 else 32
        for role in ROLES:
            chain = self._ipt_chain(name, role)
            jump = f"-A {ROLES[role][2]} {c} -j {chain}"
            exists = any(line.startswith(f":{chain} ") for line in lines)
            if not wanted[role]:
                if exists:
                    body += [f"-D {ROLES[role][2]} {c} -j {chain}", f"-F {chain}", f"-X {chain}"]
                continue
            text.append(f":{chain} - [0:0]")
            for saddr, daddr, proto, dport, action, to_addr, to_port in wanted[role]:
                m = f"-s {saddr} " if saddr else ""
                m += f"-d {daddr}/{plen} -p {proto} -m {proto} --dport {dport} {c}"
                if action == "dnat":
                    dest = f"[{to_addr}]:{to_port}" if v6 else f"{to_addr}:{to_port}"
                    body.append(f"-A {chain} {m} -j DNAT --to-destination {dest}")
                else:
                    body.append(f"-A {chain} {m} -j MASQUERADE")
            if jump not in lines:
                body.append(jump)
        self._ipt_restore(v6, "\n".join(text + body + ["COMMIT", ""]), timeout / 3)

    def _ipt_remove_text(self, name, v6, timeout) -> str:
        lines = self._ipt_save(v6, timeout)
        c = f'-m comment --comment "vxha:{tag(name)}"'
        body = []
        for role in ROLES:
            chain = self._ipt_chain(name, role)
            jump = f"-A {ROLES[role][2]} {c} -j {chain}"
            if jump in lines:
                body.append("-D" + jump[2:])
            if any(line.startswith(f":{chain} ") for line in lines):
                body += [f"-F {chain}", f"-X {chain}"]
        return "\n".join(["*nat"] + body + ["COMMIT", ""]) if body else ""

    def _ipt_remove(self, name, timeout):
        for v6 in (False, True):
            text = self._ipt_remove_text(name, v6, timeout / 4)
            if text:
                self._ipt_restore(v6, text, timeout / 4)

    def _ipt_rules(self, name, timeout):
        found = None
        roles = {self._ipt_chain(name, r): r for r in ROLES}
        c = f'-m comment --comment "vxha:{tag(name)}"'
        for v6 in (False, True):
            lines = self._ipt_save(v6, timeout / 2)
            present = set(lines)
            for line in lines:
                words = line.split()
                if line.startswith(":") and words[0][1:] in roles:
                    found = found or set()
                    role = roles[words[0][1:]]
                    if f"-A {ROLES[role][2]} {c} -j {words[0][1:]}" not in present:
                        found.add((role, "unreached"))  # its jump was deleted by hand
                if len(words) < 2 or words[0] != "-A" or words[1] not in roles:
                    continue
                found = found or set()
                found.add(_ipt_rule(roles[words[1]], words))
        return found


def _addr(value):
    if isinstance(value, dict) and "prefix" in value:
        return f"{value['prefix']['addr']}/{value['prefix']['len']}"
    return value


def _nft_rule(role: str, rule: dict) -> tuple:
    """One nft JSON rule as a normalized tuple (unknown expressions make it unmatchable)."""
    saddr = daddr = proto = dport = action = to_addr = to_port = None
    for e in rule.get("expr", []):
        if "match" in e:
            m = e["match"]
            p = (m.get("left") or {}).get("payload") or {}
            if m.get("op") != "==" or not p:
                return (role, "unknown", json.dumps(e, sort_keys=True))
            field = (p.get("protocol"), p.get("field"))
            if field in (("ip", "saddr"), ("ip6", "saddr")):
                saddr = _addr(m["right"])
            elif field in (("ip", "daddr"), ("ip6", "daddr")):
                daddr = _addr(m["right"])
            elif field[1] == "dport" and field[0] in ("tcp", "udp"):
                proto, dport = field[0], m["right"]
            else:
                return (role, "unknown", json.dumps(e, sort_keys=True))
        elif "dnat" in e:
            action, to_addr, to_port = "dnat", e["dnat"].get("addr"), e["dnat"].get("port")
        elif "masquerade" in e:
            action = "masquerade"
        else:
            return (role, "unknown", json.dumps(e, sort_keys=True))
    return (role, saddr, daddr, proto, dport, action, to_addr, to_port)


def _ipt_rule(role: str, words: list) -> tuple:
    saddr = daddr = proto = dport = action = to_addr = to_port = None
    i = 2
    while i < len(words):
        w = words[i]
        nxt = words[i + 1] if i + 1 < len(words) else ""
        if w == "-s":
            saddr = nxt
        elif w == "-d":
            daddr = nxt.split("/")[0]
        elif w == "-p":
            proto = nxt
        elif w == "--dport":
            dport = int(nxt)
        elif w == "-j":
            action = {"DNAT": "dnat", "MASQUERADE": "masquerade"}.get(nxt, nxt)
        elif w == "--to-destination":
            host, _, port = nxt.rpartition(":")
            to_addr, to_port = host.strip("[]"), int(port)
        i += 1
    return (role, saddr, daddr, proto, dport, action, to_addr, to_port)
