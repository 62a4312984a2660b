#!/usr/bin/env bash
# Set up, start the bundled Rocket.Chat emulator on a free port, run the demo playbook against it, stop the emulator.
# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
set -euo pipefail
# shellcheck source=tests/run-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/run-lib.sh"

step "setup: .venv (Python 3.12, ansible-core 2.21, and what the modules and the emulator need)"
setup_main_venv requirements-demo.txt

WORK=$(mktemp -d)
emulator_pid=
cleanup() {
  [ -n "$emulator_pid" ] && kill "$emulator_pid" 2>/dev/null && wait "$emulator_pid" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
build_collection_tree "$WORK" >/dev/null
export ANSIBLE_COLLECTIONS_PATH=$WORK ANSIBLE_PYTHON_INTERPRETER=$ROOT/.venv/bin/python

step "start the Rocket.Chat emulator"
python "$ROOT/tests/emulator/run_emulator.py" --server-version 9.0.1 --port 0 --port-file "$WORK/port" --lifetime 600 --quiet >"$WORK/emulator.json" &
emulator_pid=$!
for _ in $(seq 100); do [ -s "$WORK/port" ] && break; sleep 0.1; done
[ -s "$WORK/port" ] || { echo "the emulator did not start" >&2; exit 1; }
info=$(head -n 1 "$WORK/emulator.json")
field() { python -c 'import json, sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$info" "$1"; }
ROCKETCHAT_URL=$(field url)
ROCKETCHAT_USER_ID=$(field admin_user_id)
ROCKETCHAT_AUTH_TOKEN=$(field admin_token)
export ROCKETCHAT_URL ROCKETCHAT_USER_ID ROCKETCHAT_AUTH_TOKEN
echo "emulated Rocket.Chat $(field server_version) at $ROCKETCHAT_URL"

step "ansible-playbook docs/examples/demo.yml"
ansible-playbook -i localhost, -c local "$ROOT/docs/examples/demo.yml"

step "the same removal as an ad-hoc command (already gone, so no change)"
ansible localhost -i localhost, -c local -m community.rocketchat.rocketchat_integration -a 'type=incoming name="Demo alerts" state=absent'
