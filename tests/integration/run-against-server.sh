#!/usr/bin/env bash
# Run the integration targets against a real Rocket.Chat server (see tests/integration/README.md):
#   ROCKETCHAT_TEST_URL=https://chat.example.com ROCKETCHAT_TEST_ADMIN_USERNAME=admin \
#   ROCKETCHAT_TEST_ADMIN_PASSWORD=... tests/integration/run-against-server.sh [ansible-test options] [targets]
# ansible-test passes the targets only a fixed set of environment variables, so the variables are written to the
# integration_config.yml of a copy of the collection, which ansible-test hands to the targets as extra vars.
# Exits with ansible-test's status.
# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
set -uo pipefail
# shellcheck source=tests/run-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../run-lib.sh"

missing=()
for name in ROCKETCHAT_TEST_URL ROCKETCHAT_TEST_ADMIN_USERNAME ROCKETCHAT_TEST_ADMIN_PASSWORD; do
  [ -n "${!name:-}" ] || missing+=("$name")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "run-against-server.sh: set ${missing[*]} (see tests/integration/README.md)" >&2
  exit 2
fi
case "${ROCKETCHAT_TEST_VALIDATE_CERTS:-true}" in
  true | yes | 1) validate_certs=true ;;
  false | no | 0) validate_certs=false ;;
  *) echo "run-against-server.sh: ROCKETCHAT_TEST_VALIDATE_CERTS must be true or false" >&2; exit 2 ;;
esac
if [ -n "${ROCKETCHAT_TEST_CA_PATH:-}" ] && [ ! -r "$ROCKETCHAT_TEST_CA_PATH" ]; then
  echo "run-against-server.sh: ROCKETCHAT_TEST_CA_PATH ($ROCKETCHAT_TEST_CA_PATH) is not a readable file" >&2
  exit 2
fi
ansible_test=$(command -v ansible-test) || { echo "run-against-server.sh: ansible-test is not on PATH" >&2; exit 2; }
# The Python that ansible-test runs on: the one its script starts (a virtual environment's, usually).
python=$(head -n 1 "$ansible_test" | sed -n 's|^#! *\([^ ]*\).*$|\1|p')
[ -x "$python" ] || python=$(command -v python3)
python_version=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])') || exit 2

tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
collection=$(build_collection_tree "$tree") || exit 1

# Values go through JSON (a subset of YAML) so that any character in them is quoted correctly.
umask 077
"$python" - "$collection/tests/integration/integration_config.yml" "$validate_certs" <<'PY' || exit 1
import json
import os
import sys

ca_path = os.environ.get('ROCKETCHAT_TEST_CA_PATH') or None
config = {
    'rocketchat_external_server': True,
    'rocketchat_external_url': os.environ['ROCKETCHAT_TEST_URL'].rstrip('/'),
    'rocketchat_external_admin_username': os.environ['ROCKETCHAT_TEST_ADMIN_USERNAME'],
    'rocketchat_external_admin_password': os.environ['ROCKETCHAT_TEST_ADMIN_PASSWORD'],
    'rocketchat_external_room': os.environ.get('ROCKETCHAT_TEST_ROOM', ''),
    'rocketchat_validate_certs': sys.argv[2] == 'true',
    'rocketchat_ca_path': os.path.abspath(ca_path) if ca_path else None,
}
with open(sys.argv[1], 'w', encoding='utf-8') as handle:
    json.dump(config, handle)
    handle.write('\n')
PY

cd "$collection" || exit 1
ansible-test integration --local --python "$python_version" --color no "$@"
