"""vxha demo-real: the example cluster on three real nodes, a container killed and a node
crashed, with the time each fault cost the client (root; `make demo-real`).

The example profiles, trimmed to what three nodes of this machine can run, are generated
into a verified main.cf; real-node mode builds the nodes (namespaces, an engine each: n1
and n2 Docker, n3 Podman, as the trimmed cluster description says), the shared volumes
and a client that asks every server through its application IP all along. Everything the
run made is removed at the end, on Ctrl-C and on SIGTERM.
"""

from __future__ import annotations

import argparse
import glob
import os
import shutil
import sys
import time

LEFT_OUT = {
    "nbu_mediafc1": "privileged with a fibre-channel HBA on n3 only: it needs the node itself"
    " and can fail over nowhere",
}
LIMITS = {"CPUs": "0.25", "Memory": "128m"}  # the examples' containers ask up to 8 and 32g
PODMAN_NODE = ("n3", "unix:///run/podman/podman.sock")
MONITOR = {"Container": 10, "HostIP": 10, "PortForward": 10, "CFSMount": 60}


def say(text=""):
    print(text, flush=True)


def trim(profiles: str, out: str) -> tuple:
    """Trimmed copies of the example profiles: (cluster.yaml, server files, notes)."""
    import yaml

    os.makedirs(os.path.join(out, "servers"), exist_ok=True)
    with open(os.path.join(profiles, "cluster.yaml")) as f:
        cluster = yaml.safe_load(f)
    cluster["schema"] = "1.2.0"  # the first with a system's docker_host
    for system in cluster["systems"]:
        if system["name"] == PODMAN_NODE[0]:
            system["docker_host"] = PODMAN_NODE[1]
    cluster_file = os.path.join(out, "cluster.yaml")
    with open(cluster_file, "w") as f:
        yaml.safe_dump(cluster, f, sort_keys=False)
    servers, notes = [], []
    for path in sorted(glob.glob(os.path.join(profiles, "servers", "*.yaml"))):
        with open(path) as f:
            server = yaml.safe_load(f)
        if server["name"] in LEFT_OUT:
            notes.append(f"{server['name']} left out: {LEFT_OUT[server['name']]}")
            continue
        target = os.path.join(out, "servers", os.path.basename(path))
        with open(target, "w") as f:
            yaml.safe_dump(server, f, sort_keys=False)
        servers.append(target)
    notes.append(
        f"every container is limited to {LIMITS['CPUs']} CPU and {LIMITS['Memory']} (Container"
        " CPUs and Memory; the examples ask up to 8 CPUs and 32g, beyond this machine; the"
        " groups' Load and the systems' Capacity keep the profiles' numbers); the containers"
        " are stand-ins of the images: busybox serving HTTP on the ports PortForward forwards"
    )
    notes.append(f"{PODMAN_NODE[0]} runs Podman (docker_host {PODMAN_NODE[1]}), n1 and n2 Docker")
    return cluster_file, servers, notes


class RealDemo:
    def __init__(self, out_dir: str, watch: bool = False):
        self.out = os.path.abspath(out_dir)
        self.watch = watch
        self.sim = None
        self.times = []  # (what, server, seconds or None)

    def run(self, profiles: str) -> int:
        from vxha.generators.build import Options
        from vxha.generators.generate import generate_from_files
        from vxha.simulator.realnodes.sim import RealSimulator, monitor_intervals
        from vxha.vcs_types.verify import errors, verify

        say("== 1. Generate main.cf from the example profiles, trimmed for three real nodes")
        cluster_file, servers, notes = trim(profiles, os.path.join(self.out, "profiles"))
        for note in notes:
            say(f"   {note}")
        result = generate_from_files(
            cluster_file,
            servers,
            image_root=os.path.join(profiles, "images"),
            options=Options(cfsmount="vxha"),
            directory=self.out,
        )
        from vxha.vcs_types.writer import write

        for g in result.config.groups:
            for r in g.resources:
                if r.type == "Container":
                    r.attrs.update(LIMITS)
        main_cf = os.path.join(self.out, "main.cf")
        with open(main_cf, "w") as f:
            f.write(write(result.config))
        issues = errors(verify(main_cf))
        n_res = sum(len(g.resources) for g in result.config.groups)
        say(f"   {len(servers)} servers -> {len(result.config.groups)} groups, {n_res} resources;"
            f" vxha verify: {len(issues)} error(s)")  # fmt: skip
        if issues:
            return 1

        say("\n== 2. Build three real nodes and start the cluster")
        intervals = ", ".join(f"{t} {s} s" for t, s in MONITOR.items())
        say(f"   MonitorInterval: {intervals} (VCS's default is 60 s)")
        run_dir = os.path.join(self.out, "run")
        shutil.rmtree(run_dir, ignore_errors=True)
        start = time.monotonic()
        self.sim = sim = RealSimulator.from_file(main_cf, run_dir)
        monitor_intervals(sim, MONITOR)
        sim.start()
        if self.watch:
            sim.start_watches()
            say("   vxha watch runs on every node: a container's death is probed at once")
        names = sorted(sim.cluster.plan.targets)
        self.wait("every server online", lambda: all(self.online(s) for s in names), 300)
        cluster = sim.cluster
        engines = ", ".join(f"{n.system} {n.engine_kind}" for n in cluster.nodes.values())
        say(f"   built and started in {time.monotonic() - start:.0f} s: nodes {engines};"
            f" {len(cluster.volumes.devices)} shared volumes;"
            f" images {', '.join(cluster.images)}")  # fmt: skip
        self.table(names)
        for name in names:
            address, port = cluster.plan.targets[name]
            cluster.request(name, f"/cgi-bin/put?token={name}-written-before")
            say(f"   client -> {name} at {address}:{port}: {cluster.request(name).strip()}")

        target = "auth1" if "auth1" in names else names[0]
        on = self.online(target)
        say(f"\n== 3. Kill the container of {target} on {on}")
        mark = len(sim.transcript)
        since = time.monotonic()
        sim.event("container_dies", resource=f"{target}_ctr", system=on)
        self.served_again("container killed", target, since)
        self.show(mark, [target])
        where = self.online(target)
        say(f"   => {target} is online on {where} (RestartLimit 1: restarted in place)")

        counts = {}
        for name in names:
            counts.setdefault(self.online(name), []).append(name)
        victim = max(sorted(counts), key=lambda s: len(counts[s]))
        say(f"\n== 4. Crash {victim}, which runs {', '.join(counts[victim])}")
        mark = len(sim.transcript)
        since = time.monotonic()
        sim.event("crash", system=victim)
        for name in counts[victim]:
            self.served_again(f"{victim} crashed", name, since)
        self.show(mark, counts[victim])
        for name in counts[victim]:
            say(f"   => {name} is online on {self.online(name)}")

        say("\n== 5. Time from the fault to the client served again")
        for what, name, seconds in self.times:
            shown = f"{seconds:6.1f} s" if seconds is not None else "   not served again"
            say(f"   {what:<18} {name:<14} {shown}")
        kept = [n for n in names if self.data(n) == f"{n}-written-before"]
        say(f"   data written before the faults read back through {len(kept)}/{len(names)}"
            " servers")  # fmt: skip
        return 0 if len(kept) == len(names) and all(t[2] is not None for t in self.times) else 1

    # -- helpers -----------------------------------------------------------------------------

    def online(self, group):
        on = [s for s, st in self.sim.states()[group].items() if st == "ONLINE"]
        return on[0] if len(on) == 1 else None

    def data(self, name):
        try:
            return self.sim.cluster.request(name, "/cgi-bin/get?token").strip()
        except RuntimeError:
            return None

    def wait(self, what, cond, seconds):
        end = time.monotonic() + seconds
        while not cond():
            if time.monotonic() > end:
                say(f"   (gave up waiting for {what} after {seconds} s)")
                return False
            self.sim.advance(1)
        return True

    def served_again(self, what, name, since, seconds=180):
        def back():
            fail, ok = self.sim.cluster.served_again(name, since)
            return ok is not None and self.online(name)

        ok = self.wait(f"{name} served again", back, seconds)
        took = self.sim.cluster.served_again(name, since)[1] - since if ok else None
        self.times.append((what, name, took))
        if took is not None:
            say(f"   client served by {name} again {took:.1f} s after the fault")

    def show(self, mark, names, limit=30):
        lines = [ln for ln in self.sim.transcript.lines[mark:]
                 if any(f" {n}" in ln for n in names) or " system " in ln]  # fmt: skip
        for line in lines[:limit]:
            say("   " + line)
        if len(lines) > limit:
            say(f"   ... {len(lines) - limit} more transcript lines")

    def table(self, names):
        states = self.sim.states()
        systems = sorted({s for g in states.values() for s in g})
        say("   " + "group".ljust(22) + "".join(s.ljust(12) for s in systems))
        for name in names:
            say("   " + name.ljust(22) + "".join(states[name].get(s, "-").ljust(12)
                                             for s in systems))  # fmt: skip


def main(argv) -> int:
    from vxha.cli.demo_cmd import default_profiles

    p = argparse.ArgumentParser(prog="vxha demo-real", description=__doc__)
    p.add_argument("--profiles", default=None, help="profiles directory (default: examples)")
    p.add_argument("--out", default="out/demo-real", help="where main.cf and the run go")
    s_watch = "run `vxha watch` on every node, as on a real cluster (docs/watch.md)"
    p.add_argument("--watch", action="store_true", help=s_watch)
    args = p.parse_args(argv[1:])
    if os.geteuid() != 0:
        print("vxha demo-real: needs root (namespaces, mounts, loop devices, engines)",
              file=sys.stderr)  # fmt: skip
        return 2
    from vxha.cli.sim_cmd import close_real, terminate_as_interrupt

    demo = RealDemo(args.out, args.watch)
    code = 1
    try:
        with terminate_as_interrupt():
            code = demo.run(args.profiles or default_profiles())
    except KeyboardInterrupt:
        say("\ninterrupted")
        code = 130
    except Exception as exc:  # noqa: BLE001 - said in one line, never a traceback
        print(f"vxha demo-real: {exc}", file=sys.stderr)
    finally:
        if demo.sim is not None:
            with open(os.path.join(demo.out, "transcript.txt"), "w") as f:
                f.write(demo.sim.transcript.text())
            shutil.rmtree(os.path.join(demo.out, "logs"), ignore_errors=True)
            demo.sim.cluster.keep_logs(os.path.join(demo.out, "logs"))
            left = close_real(demo.sim, "vxha demo-real")
            say(f"\nremoved everything the run made{'' if not left else ' (not all: above)'};"
                f" transcript: {os.path.join(demo.out, 'transcript.txt')}, agents' logs:"
                f" {os.path.join(demo.out, 'logs')}")  # fmt: skip
            code = code or left
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv))
