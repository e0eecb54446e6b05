"""The ha* command shims: small executables that send their argv to ``vxha sim serve``.

``install_shims(bin_dir)`` writes them; the package never puts them on PATH
(DECISIONS.md 7): tests and the demo prepend ``bin_dir`` to PATH themselves.
"""

from __future__ import annotations

import os
import sys

COMMANDS = (
    "hagrp",
    "hares",
    "hasys",
    "haclus",
    "haconf",
    "hacf",
    "hatype",
    "haattr",
    "hastatus",
    "hastart",
    "hastop",
    "haagent",
)


def shim_text(python, command):
    return (
        f"#!{python} -I\n"
        f"# vxha simulator shim for {command}: talks to 'vxha sim serve' at $VXHA_SIM_SOCKET\n"
        "from vxha.simulator.shims.shim import main\n"
        f"main({command!r})\n"
    )


def install_shims(bin_dir, python=None) -> None:
    """Write the ha* shims (``COMMANDS``) into ``bin_dir``."""
    python = python or sys.executable
    os.makedirs(bin_dir, exist_ok=True)
    for command in COMMANDS:
        path = os.path.join(bin_dir, command)
        tmp = f"{path}.tmp.{os.getpid()}"
        with open(tmp, "w") as f:
            f.write(shim_text(python, command))
        os.chmod(tmp, 0o755)
        os.replace(tmp, path)
