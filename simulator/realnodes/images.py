"""Stand-in images for the images a configuration names (there is no registry here).

Each is busybox with a small service: HTTP on every container port its PortForwards
forward to (busybox httpd), ``/`` answering who serves, ``/cgi-bin/put?key=value`` storing
the value in the server's data directory (the first of its container mount paths that is
mounted, so on the shared volume) and ``/cgi-bin/get?key`` reading it back; and, at each
path a Container's HealthCmd starts with, a health check asking the service on its first
port; at each path its StartupCmds start with, a script that succeeds.
"""

from __future__ import annotations

import io
import os
import tarfile

from vxha.simulator.realnodes.engines import busybox_rootfs

CMD = '["/bin/sh", "/srv/serve"]'
DEFAULT_PORT = 80

SERVE = """#!/bin/sh
# Stand-in for {ref}: HTTP on the container ports the configuration forwards to.
echo "server $(hostname) image {ref}" > /www/index.html
for p in {more}; do httpd -p "$p" -h /www; done
exec httpd -f -p {first} -h /www
"""
DATADIR = """#!/bin/sh
# The first of the server's data directories that is a mount (its shared volume).
for d in {dirs}; do
    if grep -q " $d " /proc/mounts; then echo "$d"; exit 0; fi
done
echo /tmp
"""
PUT = """#!/bin/sh
key=${QUERY_STRING%%=*}; value=${QUERY_STRING#*=}
case "$key" in ''|*[!A-Za-z0-9_.-]*) printf 'Status: 400\\r\\n\\r\\nbad key\\n'; exit 0;; esac
d=$(/srv/datadir)
printf '%s' "$value" > "$d/$key" && sync
printf 'Content-Type: text/plain\\r\\n\\r\\nstored %s in %s\\n' "$key" "$d"
"""
GET = """#!/bin/sh
key=$QUERY_STRING
case "$key" in ''|*[!A-Za-z0-9_.-]*) printf 'Status: 400\\r\\n\\r\\nbad key\\n'; exit 0;; esac
d=$(/srv/datadir)
if [ -f "$d/$key" ]; then printf 'Content-Type: text/plain\\r\\n\\r\\n'; cat "$d/$key"
else printf 'Status: 404\\r\\n\\r\\nno %s in %s\\n' "$key" "$d"; fi
"""
STARTUP = """#!/bin/sh
# Stand-in for a startup execution of the image: the service needs none.
exit 0
"""
HEALTH = """#!/bin/sh
exec wget -q -O /dev/null http://127.0.0.1:{port}/
"""  # not wget -T: Debian's busybox-static 1.35 crashes with it (HealthTimeout bounds it)


class ImageNeeds:
    """What the containers of one image need of it: ports, data directories, health paths."""

    def __init__(self):
        self.ports = set()
        self.data_dirs = []
        self.health_paths = set()
        self.startup_paths = set()

    def add(self, ports=(), data_dirs=(), health_cmd="", startup_cmds=()):
        self.ports.update(int(p) for p in ports)
        for d in data_dirs:
            if d not in self.data_dirs:
                self.data_dirs.append(d)
        for cmd, paths in [(health_cmd, self.health_paths)] + [
            (c, self.startup_paths) for c in startup_cmds
        ]:
            first = (cmd or "").split()
            if first and first[0].startswith("/"):
                paths.add(first[0])


def standin_tar(rootfs: str, ref: str, needs: ImageNeeds) -> bytes:
    """The image's root file system as a tar stream for `docker import`."""
    ports = sorted(needs.ports) or [DEFAULT_PORT]
    files = {
        "srv/serve": SERVE.format(ref=ref, first=ports[0], more=" ".join(map(str, ports[1:]))),
        "srv/datadir": DATADIR.format(dirs=" ".join(needs.data_dirs) or "/tmp"),
        "www/cgi-bin/put": PUT,
        "www/cgi-bin/get": GET,
    }
    for path in sorted(needs.startup_paths):
        files[path.lstrip("/")] = STARTUP
    for path in sorted(needs.health_paths):
        files[path.lstrip("/")] = HEALTH.format(port=ports[0])
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        tar.add(busybox_rootfs(rootfs), arcname=".")
        dirs = set()
        for name in sorted(files):
            parts = name.split("/")[:-1]
            for i in range(1, len(parts) + 1):
                d = "/".join(parts[:i])
                if d not in dirs and not os.path.isdir(os.path.join(rootfs, d)):
                    info = tarfile.TarInfo(d)
                    info.type = tarfile.DIRTYPE
                    info.mode = 0o755
                    tar.addfile(info)
                dirs.add(d)
            data = files[name].encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o755
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()
