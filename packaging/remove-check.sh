#!/bin/sh
# vxha removal check (Debian prerm and RPM %preun of both packages): refuses to remove the
# agents and <Type>Types.cf files of types the node's configuration still uses. VCS does not
# load a configuration whose included files are missing (Cluster Server 4.1 User's Guide,
# "Managing the VCS Configuration File: The hacf Utility"), and a resource whose entry points
# are gone cannot be monitored. packaging/build.py sets the types of each package below.
# An upgrade replaces the files, it removes nothing: dpkg calls prerm with "upgrade", rpm
# calls %preun with 1 (one version stays); only "remove" and 0 are checked.
types="@TYPES@"
case "${1:-}" in
    remove | 0) ;;
    *) exit 0 ;;
esac
if [ "${VXHA_REMOVE_CONFIGURED:-}" = "1" ]; then
    exit 0
fi
# DPKG_ROOT: dpkg installing into another root without chroot; rpm --root chroots instead.
main="${DPKG_ROOT:-}/etc/VRTSvcs/conf/config/main.cf"
if [ ! -f "$main" ]; then
    exit 0
fi
used=""
for t in $types; do
    # include "XTypes.cf" (or a path ending so), or a resource: X name (
    if grep -Eq "^[[:space:]]*include[[:space:]]+\"([^\"]*/)?${t}Types\\.cf\"" "$main" \
        || grep -Eq "^[[:space:]]*${t}[[:space:]]+[^[:space:]=(]+[[:space:]]*\\(" "$main"; then
        used="$used $t"
    fi
done
if [ -n "$used" ]; then
    echo "vxha: not removed: /etc/VRTSvcs/conf/config/main.cf uses$used (an include of its types file or a resource)." >&2
    echo "vxha: delete vxha's resources and those includes first (docs/packaging.md, Uninstalling);" >&2
    echo "vxha: VXHA_REMOVE_CONFIGURED=1 removes anyway." >&2
    exit 1
fi
exit 0
