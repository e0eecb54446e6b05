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
way_out="vxha: VXHA_REMOVE_CONFIGURED=1 removes anyway."
# 1. The saved configuration. DPKG_ROOT: dpkg installing into another root without chroot;
# rpm --root chroots instead.
main="${DPKG_ROOT:-}/etc/VRTSvcs/conf/config/main.cf"
used=""
if [ -f "$main" ]; then
    for t in $types; do
        # include "XTypes.cf" (or a path ending so), or a resource: X name (
        if grep -Eq "^[[:space:]]*include[[:space:]]+\"([^\"]*/)?${t}Types\\.cf\"" "$main" \
            || grep -Eq "^[[:space:]]*${t}[[:space:]]+[^[:space:]=(]+[[:space:]]*\\(" "$main"; then
            used="$used $t"
        fi
    done
fi
if [ -n "$used" ]; then
    echo "vxha: not removed: /etc/VRTSvcs/conf/config/main.cf uses$used (an include of its types file or a resource)." >&2
    echo "vxha: delete vxha's resources and those includes first (docs/packaging.md, Uninstalling);" >&2
    echo "$way_out" >&2
    exit 1
fi
# 2. The running engine, whose configuration may be open and not yet saved (haconf -makerw,
# hares -add): asked when VCS's commands are here. A command that fails (VCS down: it cannot
# connect to the engine) leaves the decision to main.cf; one that does not answer within
# VXHA_VCS_TIMEOUT seconds refuses, as nothing then says the types are unused.
PATH="$PATH:/opt/VRTSvcs/bin"
if [ -z "$(command -v hatype)" ]; then
    exit 0
fi
wait="${VXHA_VCS_TIMEOUT:-20}"
case "$wait" in
    "" | *[!0-9]* | 0)
        echo "vxha: not removed: VXHA_VCS_TIMEOUT=$wait is not a number of seconds (default 20)." >&2
        exit 1
        ;;
esac
hung() { # $1: the command that did not answer
    echo "vxha: not removed: VCS's engine did not answer '$1' within ${wait}s, so it may use vxha's types." >&2
    echo "vxha: retry when it answers (or with VCS stopped: main.cf alone then decides);" >&2
    echo "$way_out" >&2
    exit 1
}
ask() { # the engine's answer to "$@" on stdout; status 124 when it did not answer in time
    if [ -z "$(command -v timeout)" ]; then
        return 124 # no way to bound the wait
    fi
    timeout -k 5 "$wait" "$@" 2>/dev/null
    rc=$?
    case $rc in
        124 | 137 | 143) return 124 ;; # timed out (coreutils 124; busybox 143; KILLed 137)
    esac
    return $rc
}
listed=$(ask hatype -list)
case $? in
    0) ;;
    124) hung "hatype -list" ;;
    *) exit 0 ;; # VCS down or the command unusable
esac
for t in $types; do
    if ! printf '%s\n' "$listed" | grep -Eq "^[[:space:]]*${t}[[:space:]]*\$"; then
        continue
    fi
    res=""
    out=$(ask hares -list "Type=$t")
    case $? in
        0) ;;
        124) hung "hares -list Type=$t" ;;
        *) out="" ;; # no resource of the type
    esac
    for r in $(printf '%s\n' "$out" | while read -r name _; do echo "$name"; done); do
        case " $res " in *" $r "*) ;; *) res="$res $r" ;; esac
    done
    used="$used $t${res:+ (resources:$res)}"
done
if [ -n "$used" ]; then
    echo "vxha: not removed: the running VCS configuration has the types$used." >&2
    echo "vxha: delete those resources (hares -delete) and types (hatype -delete), then haconf -dump -makero (docs/packaging.md, Uninstalling);" >&2
    echo "$way_out" >&2
    exit 1
fi
exit 0
