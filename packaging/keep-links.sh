#!/bin/sh
# vxha prerm, Debian only, after the removal check let a removal through. dpkg removes
# each directory of the package's list that no other package lists; where the node has a
# symbolic link instead (/opt/VRTSvcs/bin or /var/VRTSvcs/log moved to another disk), rmdir
# fails with ENOTDIR and dpkg unlinks the link, whatever it points to, cutting VCS off from
# its files (tests/packaging/test_packaging_nodes.py). Each such link of VCS's directories
# is recorded here and put back by postrm "remove" (packaging/postrm.sh). rpm owns none of
# them (docs/packaging.md). packaging/build.py sets the directories below.
root="${DPKG_ROOT:-}"
links="/var/lib/vxha/links"
if [ "${1:-}" = "remove" ]; then
    rm -f "$root$links"
    for d in @DIRS@; do
        [ -L "$root$d" ] || continue
        if ! { mkdir -p "$root/var/lib/vxha" && printf '%s %s\n' "$d" "$(readlink "$root$d")" >>"$root$links"; }; then
            echo "vxha: not removed: cannot record the link $d in $links (dpkg would remove the link)." >&2
            exit 1
        fi
    done
fi
exit 0
