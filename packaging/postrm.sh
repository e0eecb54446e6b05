#!/bin/sh
# vxha postrm (Debian; rpm's %preun and %postun run it as "remove" and "purge" on an erase,
# which deletes the %config files at once). The <Type>Types.cf files are conffiles: dpkg
# keeps them on "dpkg -r" and deletes them on purge *before* running "postrm purge", and a
# purge of a removed package runs no prerm (deb-postrm(5), dpkg 1.22: "postrm purge: After the package was purged";
# tests/packaging/test_packaging_remove_running.py shows the order), so the removal
# check cannot stop it. A main.cf that still includes one (removed with
# VXHA_REMOVE_CONFIGURED=1) would leave VCS unable to load its configuration at its next
# start. "postrm remove" therefore copies each types file main.cf still includes aside, and
# "postrm purge" puts the copy back where main.cf still includes it and the file is gone,
# saying so: the configuration keeps loading; the file is then the admin's.
# "postrm remove" also puts back the links of the package's directories that dpkg removed,
# as recorded by the Debian prerm (packaging/keep-links.sh), with the parents dpkg removed
# once empty. The record stays until the purge (or an install: packaging/postinst.sh). A
# purge removes the conffiles' directory and its parents once more, *after* "postrm purge"
# (dpkg 1.21, tests/packaging/test_packaging_nodes.py): nothing of the package runs then, so
# "postrm purge" names each such link and the command that puts it back.
types="@TYPES@"
root="${DPKG_ROOT:-}"
conf="/etc/VRTSvcs/conf/config"
kept="/var/lib/vxha/removed-types"
links="/var/lib/vxha/links"
put_back_links() {
    [ -f "$root$links" ] || return 0
    while read -r d target; do
        [ -e "$root$d" ] || [ -L "$root$d" ] && continue
        mkdir -p "$root${d%/*}" && ln -s "$target" "$root$d" \
            || echo "vxha: could not put back the link $d -> $target: put it back by hand." >&2
    done <"$root$links"
}
included() { # $1: a type; main.cf includes its types file
    grep -Eqs "^[[:space:]]*include[[:space:]]+\"([^\"]*/)?${1}Types\\.cf\"" "$root$conf/main.cf"
}
case "${1:-}" in
    remove)
        put_back_links
        for t in $types; do
            if included "$t" && [ -f "$root$conf/${t}Types.cf" ]; then
                mkdir -p "$root$kept" && cp -p "$root$conf/${t}Types.cf" "$root$kept/"
            fi
        done
        ;;
    purge)
        put_back_links
        if [ -f "$root$links" ]; then
            while read -r d target; do
                case "$conf/" in
                    "$d"/*)
                        echo "vxha: dpkg removes the link $d -> $target once this purge ends: put it back with: ln -s '$target' $d" >&2
                        ;;
                esac
            done <"$root$links"
            rm -f "$root$links"
        fi
        for t in $types; do
            copy="$root$kept/${t}Types.cf"
            [ -f "$copy" ] || continue
            if included "$t" && [ ! -e "$root$conf/${t}Types.cf" ]; then
                cp -p "$copy" "$root$conf/${t}Types.cf"
                echo "vxha: kept $conf/${t}Types.cf: main.cf includes it, and VCS does not load a configuration whose included files are missing."
                echo "vxha: delete it once main.cf no longer includes it."
            fi
            rm -f "$copy"
        done
        rmdir "$root$kept" "$root/var/lib/vxha" 2>/dev/null
        ;;
esac
exit 0
