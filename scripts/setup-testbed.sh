#!/usr/bin/env bash
# Installs the Debian packages the real-component tests use (see TESTBED.md; libc-l10n:
# glibc's translations, for the test that commands run in the C locale).
# Only as root where apt-get exists; elsewhere the real-component tests skip with a reason.
set -euo pipefail
PKGS=(docker.io containerd runc tini iproute2 iptables nftables python3-nftables
      iputils-arping iputils-ping socat conntrack xfsprogs e2fsprogs busybox-static psmisc
      util-linux graphviz rpm dpkg-dev fakeroot podman catatonit netavark docker-registry
      resource-agents kmod systemd libc-l10n)
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "testbed: not root or no apt-get; real-component tests will skip" >&2
    exit 0
fi
missing=()
for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
    echo "testbed: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    log=$(mktemp /tmp/vxha-testbed.XXXXXX.log)
    if ! { timeout 900 apt-get update -qq && timeout 1800 apt-get install -y -qq \
            --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
        cat "$log" >&2
        echo "testbed: installing packages failed (log above, kept in $log)" >&2
        exit 1
    fi
    rm -f "$log"
fi
