#!/usr/bin/env bash
# Find a Python 3.10 interpreter ($PYTHON, python3.10, pyenv's 3.10.x), make the venv, install.
set -euo pipefail
VENV=${1:-.venv}

is_py310() { "$@" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' >/dev/null 2>&1; }

find_python() {
    if [ -n "${PYTHON:-}" ]; then
        if is_py310 "$PYTHON"; then echo "$PYTHON"; return; fi
        echo "setup: \$PYTHON=$PYTHON is not a working Python 3.10" >&2; exit 1
    fi
    if command -v python3.10 >/dev/null 2>&1 && is_py310 python3.10; then
        command -v python3.10; return
    fi
    if command -v pyenv >/dev/null 2>&1; then
        local root; root=$(pyenv root)
        for d in $(ls -d "$root"/versions/3.10.* 2>/dev/null | sort -V -r); do
            if is_py310 "$d/bin/python"; then echo "$d/bin/python"; return; fi
        done
    fi
    cat >&2 <<MSG
setup: no Python 3.10 found (lava-nc 0.10.0 supports only Python 3.10).
Install one, e.g. 'pyenv install 3.10.13' or your system's python3.10 package,
or point PYTHON at it: make setup PYTHON=/path/to/python3.10
MSG
    exit 1
}

PY=$(find_python)
echo "setup: using $PY ($("$PY" --version 2>&1))"
if [ ! -x "$VENV/bin/python" ] || ! is_py310 "$VENV/bin/python"; then
    rm -rf "$VENV"
    "$PY" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet -e ".[dev,dist,nir,data]"
echo "setup: done ($VENV)"
