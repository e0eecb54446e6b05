"""vxha demo: profiles -> main.cf -> a simulated 3-system cluster, through its failures.

The example profiles are generated into a verified main.cf; the simulator runs it with the
real entry points on fake drivers, in virtual time. The demo kills a container (detected,
cleaned, failed over), crashes a system, then puts a server into maintenance with the same
ha commands an admin types (disable and freeze), shows a failure being left alone, brings
it back, and upgrades a server to a new version of its image.
"""

from __future__ import annotations

import argparse
import glob
import os
import re
import shlex
import sys
import time

STEP_SECONDS = 10  # virtual seconds per poll while waiting for the cluster
UPGRADE = ("dedup_disk1", "dedup", "2.2")  # the server the demo upgrades, to what


class Demo:
    def __init__(self, out_dir: str, quiet: bool = False):
        self.out_dir = os.path.abspath(out_dir)
        self.quiet = quiet
        self.sim = None
        self.mark = 0
        self.findings = {}

    # -- printing -------------------------------------------------------------------------
    def say(self, text=""):
        print(text, flush=True)

    def heading(self, n, text):
        self.say()
        self.say(f"== {n}. {text}")

    def new_lines(self, *names):
        """Transcript lines since the last call about the named groups/resources."""
        lines = self.sim.transcript.since(self.mark)
        self.mark = len(self.sim.transcript)
        if not names:
            return lines
        keep = []
        for line in lines:
            words = line.split()
            obj = words[2] if len(words) > 2 else ""
            if any(obj == n or obj.startswith(n + "_") for n in names) or obj == "system":
                keep.append(line)
        return keep

    def show(self, *names, limit=40):
        lines = self.new_lines(*names)
        for line in lines[:limit]:
            self.say("   " + line)
        if len(lines) > limit:
            self.say(f"   ... {len(lines) - limit} more transcript lines")

    def table(self, servers):
        states = self.sim.states()
        systems = sorted({s for g in states.values() for s in g})
        self.say("   " + "group".ljust(24) + "".join(s.ljust(18) for s in systems))
        for name in servers:
            for g in (name + "_storage", name):
                if g in states:
                    row = "".join(states[g].get(s, "-").ljust(18) for s in systems)
                    self.say("   " + g.ljust(24) + row)

    # -- the ha command route ----------------------------------------------------------
    def client(self, advance=0, echo=True):
        """An HaClient on the simulator; ``advance``: virtual seconds each state poll lets
        pass (the plan runner's waits poll in real time); ``echo``: print each change."""
        from vxha.generators.hacli import HaClient

        def runner(argv, timeout):
            if advance and argv[1:2] == ["-state"]:
                self.sim.advance(advance)
            return self.sim.command(argv)

        log = (lambda argv: self.say("   $ " + shlex.join(argv))) if echo else None
        return HaClient(runner=runner, log=log)

    def online_on(self, group):
        return [s for s, v in self.sim.states().get(group, {}).items() if v == "ONLINE"]

    def wait(self, seconds):
        self.sim.advance(seconds)
        self.sim.settle(600)

    def data_containers(self, attached):
        """Where a server with add-ons runs, the data containers its online made there."""
        for res in dict.fromkeys(r for r, _, _ in attached):
            group = res[: -len("_ctr")] if res.endswith("_ctr") else res
            for system in self.online_on(group):
                docker = self.sim.world.driver(system, "docker")
                made = [c["name"] for c in docker.labelled({"vxha.resource": res}, 5)]
                made = [n for n in made if n != group]
                self.say(f"   {group} on {system} mounts the volumes of {', '.join(made)}")

    # -- the story ----------------------------------------------------------------------
    def run(self, profiles_dir: str) -> int:
        from vxha.generators.build import Options
        from vxha.generators.generate import generate_from_files
        from vxha.simulator.api import Simulator
        from vxha.vcs_types.verify import verify

        os.makedirs(self.out_dir, exist_ok=True)
        self.heading(1, "Generate main.cf from the example profiles")
        servers = sorted(glob.glob(os.path.join(profiles_dir, "servers", "*.yaml")))
        result = generate_from_files(
            os.path.join(profiles_dir, "cluster.yaml"),
            servers,
            image_root=os.path.join(profiles_dir, "images"),
            options=Options(cfsmount="vxha"),
            directory=self.out_dir,
        )
        main_cf = os.path.join(self.out_dir, "main.cf")
        with open(main_cf, "w") as f:
            f.write(result.text)
        cfg = result.config
        names = [g.name for g in cfg.groups if _tag(g) and not g.name.endswith("_storage")]
        n_res = sum(len(g.resources) for g in cfg.groups)
        self.say(
            f"   {len(servers)} server profiles -> {len(cfg.groups)} service groups, "
            f"{n_res} resources on {len(cfg.systems)} systems: {main_cf}"
        )
        issues = verify(main_cf)
        self.say(f"   vxha verify: {len(issues)} issue(s)")
        if issues:
            for i in issues:
                self.say(f"   {i}")
            return 1
        attached = _attached(cfg)
        if attached:
            self.say("   add-ons and hotfixes their containers receive, read-only (main.cf):")
            for res, attr, value in attached:
                self.say(f"     {res}: {attr} = {value}")

        self.heading(2, "Start the simulated cluster (probe every resource, autostart)")
        self.sim = Simulator.from_file(main_cf, os.path.join(self.out_dir, "run"))
        self.sim.start()
        self.wait(300)
        self.new_lines()
        self.table(names)
        self.data_containers(attached)

        movable = [
            g.name
            for g in cfg.groups
            if g.name in names
            and str(g.attrs.get("AutoFailOver", 1)) != "0"
            and len(g.attrs.get("SystemList", {})) > 1
            and self.online_on(g.name)
        ]
        if len(movable) < 2:
            self.say("   not enough relocatable servers online to continue the demo")
            return 1
        victim = movable[0]
        where = self.online_on(victim)[0]

        self.heading(3, f"Kill the container of {victim} on {where}")
        self.sim.event("container_dies", resource=f"{victim}_ctr", system=where)
        self.wait(600)
        self.show(victim)
        self.say(
            f"   => detected by monitor and restarted in place on {where} "
            "(Container and PortForward RestartLimit = 1)"
            if self.online_on(victim) == [where]
            else f"   => {victim} is now {self.sim.states()[victim]}"
        )
        self.say("   Kill it again: the restart is used up, so VCS cleans and fails over")
        self.sim.event("container_dies", resource=f"{victim}_ctr", system=where)
        self.wait(600)
        self.show(victim)
        now_on = self.online_on(victim)
        self.findings["failover"] = (victim, where, now_on)
        if now_on and now_on[0] != where:
            self.say(f"   => {victim}: detected, cleaned and failed over {where} -> {now_on[0]}")
        else:
            self.say(f"   => {victim}: now online on {now_on or 'no system'}")

        crash = self.online_on(movable[1])[0] if self.online_on(movable[1]) else where
        self.heading(4, f"Crash system {crash}")
        before = {n: self.online_on(n) for n in names}
        self.sim.event("crash", system=crash)
        self.wait(600)
        self.show(*[n for n in names if crash in before[n]])
        for n in names:
            if crash in before[n]:
                after = self.online_on(n)
                self.say(f"   => {n}: {crash} -> {after[0] if after else 'offline'}")
        self.table(names)

        target = next((n for n in movable[1:] if self.online_on(n)), movable[0])
        on = self.online_on(target)[0]
        self.heading(5, f"Put {target} into maintenance, then kill its container on {on}")
        from vxha.generators.operations import maintenance

        client = self.client()
        where = {"config": self.sim.engine.config, "state": self.sim.run_dir}
        maintenance(client, target, True, reason="demo: upgrade in progress", out=self.say, **where)
        self.new_lines()
        self.sim.event("container_dies", resource=f"{target}_ctr", system=on)
        self.wait(600)
        lines = self.new_lines(target)
        for line in lines:
            self.say("   " + line)
        # Frozen, VCS still monitors: the fault is shown, but no entry point acts on it.
        acted = [ln for ln in lines if re.search(r" (clean\(\d\)|offline|online) exit ", ln)]
        states = self.sim.states()[target]
        moved = [s for s, v in states.items() if s != on and v != "OFFLINE"]
        ignored = not acted and not moved and "FAULTED" in states.get(on, "")
        self.findings["ignored"] = ignored
        self.say(
            f"   => the container is gone but VCS does not act: {target} is shown "
            f"{states[on]} on {on}, no clean, no failover (frozen by vxha: monitored, "
            "no action)"
            if ignored
            else f"   => unexpected: {target} is {states}"
        )

        self.heading(6, f"Back out of maintenance: the admin clears the fault, {target} is back")
        maintenance(client, target, False, out=self.say, **where)
        self.wait(60)
        self.show(target)
        if "FAULTED" in self.sim.states()[target].get(on, ""):
            self.say("   Thawing does not act on a fault seen while frozen; the admin clears it:")
            client.run("hagrp", "-clear", target, "-sys", on, change=True)
            client.run("hagrp", "-online", target, "-sys", on, change=True)
            self.wait(300)
            self.show(target)
        self.say(f"   => {target} is online on {', '.join(self.online_on(target)) or 'no system'}")
        self.table(names)
        if UPGRADE[0] in names:
            return self.upgrade(profiles_dir, *UPGRADE)
        return 0

    def upgrade(self, profiles_dir: str, server: str, image: str, version: str) -> int:
        """The admin loads the new image on every node and runs vxha upgrade (a copy of
        the profiles: the move records the version in the server's profile)."""
        import shutil

        import yaml

        from vxha.cli.ops_cmd import _local_actions
        from vxha.generators.plan import Journal, PlanStopped, Runner
        from vxha.generators.upgrade import upgrade_plan
        from vxha.generators.view import ADMIN_ATTRS, ClusterView
        from vxha.profiles import load_cluster
        from vxha.profiles.moves import plan_move
        from vxha.simulator.world import World

        self.heading(7, f"Upgrade {server} to {image} {version} (vxha upgrade)")
        os.environ.setdefault("VXHA_POLL", "0")  # each poll lets virtual time pass instead
        profiles = os.path.join(self.out_dir, "profiles")
        shutil.rmtree(profiles, ignore_errors=True)
        shutil.copytree(os.path.join(profiles_dir, "servers"), profiles)
        with open(os.path.join(profiles_dir, "cluster.yaml"), encoding="utf-8") as f:
            described = yaml.safe_load(f)
        world = World(self.sim.run_dir)
        for system in described["systems"]:
            system.setdefault("images", []).append(f"{image}:{version}")
            world.driver(system["name"], "docker").add_image(f"{image}:{version}")
        cluster_file = os.path.join(self.out_dir, "cluster.yaml")
        with open(cluster_file, "w", encoding="utf-8") as f:
            yaml.safe_dump(described, f, sort_keys=False)
        self.say(f"   {image}:{version} loaded on every system and listed in {cluster_file}")

        client = self.client(advance=STEP_SECONDS, echo=False)  # the runner prints its steps
        view = ClusterView(self.sim.engine.config, "", client)
        view.group_states, view.admin = client.group_display(ADMIN_ATTRS)
        move = plan_move(
            "upgrade",
            os.path.join(profiles, f"{server}.yaml"),
            version,
            os.path.join(profiles_dir, "images"),
            load_cluster(cluster_file),
        )
        plan = upgrade_plan(view, move, load_cluster(cluster_file))
        self.say(f"   {plan.summary}")
        self.new_lines()
        runner = Runner(
            client,
            Journal(os.path.join(self.out_dir, "state")),
            out=lambda text: self.say("  " + text),
            local_actions=_local_actions(),
        )
        try:
            runner.run(plan)
        except PlanStopped as exc:
            self.say(f"   => the upgrade stopped: {exc}")
            return 1
        self.wait(60)
        self.show(server, limit=30)
        ctr = self.sim.engine.config.group(server).resource(f"{server}_ctr")
        where = self.online_on(server)
        self.findings["upgrade"] = (server, ctr.attrs.get("Image"), where)
        self.say(
            f"   => {server} runs {ctr.attrs.get('Image')} on {', '.join(where) or 'no system'}; "
            f"its profile records image_version {move.target}"
        )
        return 0


def _attached(cfg) -> list:
    """(resource, attribute, main.cf value) of every Container receiving add-ons or hotfixes."""
    from vxha.vcs_types.decl import format_value

    out = []
    for g in cfg.groups:
        for r in g.resources:
            for attr in ("AddOns", "Hotfixes"):
                if r.type == "Container" and r.attrs.get(attr):
                    out.append((r.name, attr, format_value(r.attrs[attr], "str", "vector")))
    return out


def _tag(group) -> bool:
    return str(group.attrs.get("UserStrGlobal", "")).startswith("vxha:server=")


def default_profiles() -> str:
    import vxha.profiles

    return os.path.join(os.path.dirname(os.path.abspath(vxha.profiles.__file__)), "examples")


def main(argv) -> int:
    p = argparse.ArgumentParser(prog="vxha demo", description=__doc__)
    p.add_argument("--profiles", default=None, help="profiles directory (default: examples)")
    p.add_argument("--out", default="out/demo", help="where main.cf and the run go")
    p.add_argument("--html", help="also write a timeline of every state as an HTML page")
    args = p.parse_args(argv[1:])
    start = time.monotonic()
    demo = Demo(args.out)
    code = demo.run(args.profiles or default_profiles())
    if demo.sim is not None:
        with open(os.path.join(demo.out_dir, "transcript.txt"), "w") as f:
            f.write(demo.sim.transcript.text())
        if args.html:
            from vxha.cli.report import write_report

            write_report(demo.sim.transcript.lines, args.html, title="vxha demo")
            demo.say(f"\ntimeline written to {args.html}")
        demo.say(
            f"\ntranscript: {os.path.join(demo.out_dir, 'transcript.txt')} "
            f"({len(demo.sim.transcript)} lines, {demo.sim.now} s of cluster time "
            f"in {time.monotonic() - start:.1f} s)"
        )
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv))
