# shellcheck shell=bash
# Sourced by tests/run-tests.sh: integration_against_external_emulator VERSION [ansible-test options] runs the
# integration targets in their real-server mode (tests/integration/run-against-server.sh) against an emulator started as
# if it were an external server, so that the mode itself is tested. The emulator plays Rocket.Chat VERSION with its seeded admin
# (tests/emulator/README.md); the run creates its own room and users through the public API, as against a real server.
# The emulator's own state is read only here, after the run: for the secret leak check, and to see that the run
# removed everything it created.
# Prints the play recaps and the skip messages; returns non-zero if the run, the leak check or the cleanup fails.
# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

integration_against_external_emulator() {
  local version=$1 here dir pid port rc=0 log
  shift
  here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
  dir=$(mktemp -d)
  log=$dir/integration-external.log
  python "$here/../emulator/run_emulator.py" --server-version "$version" --port 0 --port-file "$dir/port" \
    --lifetime 1800 --quiet >"$dir/emulator.json" 2>"$dir/emulator.err" &
  pid=$!
  for _ in $(seq 1 300); do [ -s "$dir/port" ] && break; kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if ! port=$(cat "$dir/port" 2>/dev/null) || [ -z "$port" ]; then
    echo "the emulator did not start:"; cat "$dir/emulator.err"
    kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$dir"; return 1
  fi
  ROCKETCHAT_TEST_URL=http://127.0.0.1:$port ROCKETCHAT_TEST_ADMIN_USERNAME=admin \
    ROCKETCHAT_TEST_ADMIN_PASSWORD=emulator-admin-pass \
    bash "$here/run-against-server.sh" -v "$@" >"$log" 2>&1 || rc=$?
  grep -E '^(PLAY RECAP|testhost|Running .* integration test role)' "$log"
  grep -o '"msg": "Skipped against an external server: [^"]*"' "$log" | sort | uniq -c
  [ "$rc" = 0 ] || tail -n 150 "$log"
  grep -q '"msg": "Skipped against an external server: ' "$log" || { echo "no skip message in the output"; rc=1; }
  # Everything the run created was removed again: the emulator holds only its seed.
  python - "http://127.0.0.1:$port" "$dir/secrets.json" <<'PY' || rc=1
import json
import sys
import urllib.request

with urllib.request.urlopen(sys.argv[1] + '/_emulator/state') as answer:
    state = json.load(answer)
with open(sys.argv[2], 'w', encoding='utf-8') as handle:
    json.dump(state['secrets'], handle)
left = [item['name'] for item in state['integrations']]
left += ['user ' + user['username'] for user in state['users'] if user['username'] not in ('admin', 'rocket.cat')]
left += ['room ' + room['name'] for room in state['rooms'] if room['t'] != 'd' and room['name'] not in ('general', 'random')]
if left:
    sys.exit('left on the server after the run: %s' % left)
print('the run left no integration, user or room on the server')
PY
  python "$here/../check_secrets.py" "$log" "$dir/secrets.json" || rc=1
  kill "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  rm -rf "$dir"
  return "$rc"
}
