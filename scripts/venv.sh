#!/usr/bin/env bash
# Creates the development venv (editable install of vxha with its test tools) and keeps
# pip's own chatter in a log file: a newcomer sees one line, or the log when it fails.
# Usage: scripts/venv.sh PYTHON VENV_DIR [editable|regular]
set -euo pipefail
python=$1 venv=$2 mode=${3:-editable}
if ! "$python" -c 'import venv, ensurepip' 2>/dev/null; then
    echo "error: creating $venv needs Python's venv module: on Debian run 'apt-get install python3-venv'" >&2
    exit 1
fi
rm -rf "$venv"
"$python" -m venv "$venv"
log=$venv/install.log
target=".[test]"
[ "$mode" = editable ] && target="-e .[test]"
echo "installing vxha and its test tools into $venv (log: $log)"
# The editable install's notice about same-named folders is informational for this layout
# (each top-level folder is mapped to its subpackage on purpose).
# shellcheck disable=SC2086
if ! { "$venv/bin/pip" install -q --upgrade pip \
       && PYTHONWARNINGS="ignore:Editable installation" "$venv/bin/pip" install -q $target; } \
       >"$log" 2>&1; then
    cat "$log" >&2
    echo "error: installing into $venv failed (log above, kept in $log)" >&2
    exit 1
fi
