"""What a monitor imports, on a regular (non-editable) install as a node runs it.

The development venv's editable install keeps ``site`` in its launchers (its import hook
needs it), which imports more than any node's monitor would: these helpers lay out a
regular install without pip (a venv holding a copy of vxha's agents and types) and run a
monitor through its ``-IS`` launcher with ``-X importtime``. Importable from any test
module (tests/ is on sys.path, as for realtier).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

# Modules a monitor does without (docs/framework.md, "What a monitor imports"): each costs
# a monitor more than its own work, or pulls in modules that do.
HEAVY = (
    "re",
    "enum",
    "json",
    "subprocess",
    "socket",
    "signal",
    "contextlib",
    "functools",
    "collections",
    "typing",
    "importlib",
    "urllib.parse",
    "ipaddress",
)
# What os costs (its _collections_abc): monitors whose calls are all posix's go without.
OS = ("os", "_collections_abc")


class RegularInstall:
    """A venv with vxha's agents and types copied in, and the launchers of ``types``
    installed from it under ``root``."""

    def __init__(self, tmp, types):
        import vxha
        import vxha.agents
        import vxha.vcs_types

        venv = tmp / "venv"
        subprocess.run([sys._base_executable, "-m", "venv", "--without-pip", str(venv)],
                       check=True, capture_output=True, timeout=60)  # fmt: skip
        pyver = f"python{sys.version_info[0]}.{sys.version_info[1]}"
        self.site = str(venv / "lib" / pyver / "site-packages")
        skip = shutil.ignore_patterns("__pycache__")
        shutil.copytree(os.path.dirname(vxha.__file__), f"{self.site}/vxha", ignore=skip)
        for pkg in (vxha.agents, vxha.vcs_types):
            where = f"{self.site}/vxha/{pkg.__name__.split('.')[1]}"
            shutil.copytree(os.path.dirname(pkg.__file__), where, ignore=skip)
        self.python = str(venv / "bin" / "python")
        self.root = tmp / "root"
        code = (
            "import sys; from vxha.agents.install import install_agents as i; "
            "i(*sys.argv[1:3], sys.argv[3:])"
        )
        subprocess.run([self.python, "-I", "-c", code, str(self.root), self.python, *types],
                       check=True, capture_output=True, timeout=120)  # fmt: skip

    def launcher(self, type_name: str, entry_point: str) -> str:
        return str(self.root / "opt/VRTSvcs/bin" / type_name / entry_point)

    def imports(self, type_name, entry_point, argv, env, prefix=()):
        """(exit code, names of the modules imported) of one run of the launcher, started
        as its #! line starts it, with -X importtime; ``prefix`` runs it inside something
        (nsenter)."""
        return self.imports_of(self.launcher(type_name, entry_point), argv, env, prefix)

    @staticmethod
    def imports_of(launcher, argv, env, prefix=()):
        """(exit code, names of the modules imported) of one run of any ``launcher``."""
        with open(launcher) as f:
            shebang = f.readline()[2:].split()
        cmd = [*prefix, *shebang[:1], "-X", "importtime", *shebang[1:], str(launcher), *argv]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=env)
        names = set()
        for line in proc.stderr.splitlines():
            if line.startswith("import time:") and "|" in line:
                names.add(line.rsplit("|", 1)[1].strip())
        return proc.returncode, names


def heavy(names, without_os: bool = True) -> list:
    """The modules of ``HEAVY`` (and ``OS`` when asked) among ``names``."""
    return sorted(n for n in names if n in HEAVY or (without_os and n in OS))
