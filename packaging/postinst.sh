#!/bin/sh
# vxha postinst (Debian "configure") and RPM %post of both packages: installing or upgrading
# replaces the <Type>Types.cf files, but VCS reads them only when it loads main.cf at its
# next start (Cluster Server 4.1 User's Guide, "The hacf Utility"); a running cluster keeps
# the types it has until `vxha cluster add-types` updates them (docs/packaging.md). Said when main.cf includes one. Also drops the types files a removal
# copied aside (packaging/postrm.sh): the package's own are back.
types="@TYPES@"
root="${DPKG_ROOT:-}"
conf="/etc/VRTSvcs/conf/config"
# the links a removal recorded (packaging/keep-links.sh): the package is back
if [ -e "$root/var/lib/vxha/links" ]; then
    rm -f "$root/var/lib/vxha/links"
    rmdir "$root/var/lib/vxha" 2>/dev/null
fi
for t in $types; do
    if [ -e "$root/var/lib/vxha/removed-types/${t}Types.cf" ]; then
        rm -f "$root/var/lib/vxha/removed-types/${t}Types.cf"
        rmdir "$root/var/lib/vxha/removed-types" "$root/var/lib/vxha" 2>/dev/null
    fi
    if grep -Eqs "^[[:space:]]*include[[:space:]]+\"([^\"]*/)?${t}Types\\.cf\"" "$root$conf/main.cf"; then
        echo "vxha: $conf/${t}Types.cf installed; VCS reads it at its next start."
        echo "vxha: a running cluster keeps its types: 'vxha cluster add-types' (on one node) registers those it lacks and brings an older vxha's up to date."
    fi
done
exit 0
