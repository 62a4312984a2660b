# shellcheck shell=bash
# Shared by tests/run-tests.sh and tests/run-demo.sh: set up the Python environment and the collection tree.
# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 PY_COLORS=0 PIP_DISABLE_PIP_VERSION_CHECK=1

step() { printf '\n=== %s (%s)\n' "$*" "$(date +%T)"; }

# The real interpreter of a Python version: pyenv shims for versions that are not global fail, so look behind them.
find_python() {
  local version=$1 candidate
  for candidate in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$version".*/bin/python"$version"; do
    [ -x "$candidate" ] && { echo "$candidate"; return 0; }
  done
  candidate=$(command -v "python$version" 2>/dev/null) || return 1
  "$candidate" -c 'import sys' 2>/dev/null && echo "$candidate"
}

# make_venv DIR PYTHON PIP-ARGS...: create (once, and again when PYTHON is another version than the one it was made
# with) and update a virtual environment.
make_venv() {
  local dir=$1 python=$2 version='import sys; print(sys.version_info[:2])'; shift 2
  if [ -x "$dir/bin/python" ] && [ "$("$dir/bin/python" -c "$version")" != "$("$python" -c "$version")" ]; then
    rm -rf "$dir"
  fi
  [ -x "$dir/bin/python" ] || "$python" -m venv "$dir"
  "$dir/bin/python" -m pip install -q "$@"
}

# ansible-test bootstraps pip with a script it downloads; install the offline stand-in where it looks first.
install_pip_shim() {
  local version
  for version in 23_1_2 24_2 25_2; do
    install -D -m 0644 "$ROOT/.ci/get_pip_shim.py" "$HOME/.ansible/test/cache/get_pip_$version.py"
  done
}

# setup_main_venv REQUIREMENTS-FILE: .venv, the main environment (Python 3.12; the file pins ansible-core 2.21), with
# the newest releases the file allows, first on PATH.
setup_main_venv() {
  local requirements=$1 python
  python=$(find_python 3.12) || { echo "Python 3.12 is required" >&2; return 1; }
  make_venv "$ROOT/.venv" "$python" -U -r "$ROOT/$requirements"
  export PATH="$ROOT/.venv/bin:$PATH"
}

# copy_checkout DEST: copy the checkout's files (those git tracks or would track) into DEST.
copy_checkout() {
  local dest=$1
  mkdir -p "$dest"
  if git -C "$ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    # shellcheck disable=SC2016  # "$f" is expanded by the inner sh, once per file
    (cd "$ROOT" && git ls-files -z --cached --others --exclude-standard | xargs -0 -r sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh \
      | tar --null -T - -cf -) | tar -xf - -C "$dest"
  else
    (cd "$ROOT" && tar --exclude=./.venv* --exclude=./dist --exclude=./tests/output --exclude='*/__pycache__' -cf - .) | tar -xf - -C "$dest"
  fi
}

# Copy the collection into DIR/ansible_collections/community/rocketchat, the layout ansible-test and ansible-galaxy
# need, and print that path.
build_collection_tree() {
  local dest=$1/ansible_collections/community/rocketchat
  copy_checkout "$dest"
  echo "$dest"
}
