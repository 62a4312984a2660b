#!/usr/bin/env bash
# Set up everything and run every test: emulator, unit, system (ad-hoc, AWX-style, execution environment, tarball),
# ansible-test sanity, units and integration (with a secret leak check; every emulator profile) on ansible-core
# 2.19/Python 3.11 and 2.21/Python 3.12 (oldest and newest profiles), sanity and units on 2.16, ansible-lint (production profile), changelog lint and sync, docs lint and
# docsite build, build + install + ansible-doc, and galaxy-importer. Prints "N passed, N failed" last; exits non-zero on any failure.
# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
set -uo pipefail
# shellcheck source=tests/run-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/run-lib.sh"

failed_steps=()
run() {  # run NAME COMMAND...: run a step, remember a failure and go on, so one run reports every problem
  local name=$1; shift
  step "$name"
  "$@" || { echo "FAILED: $name"; failed_steps+=("$name"); }
}

step "setup: Python 3.11 + ansible-core 2.19 (.venv)"
setup_main_venv || exit 1
install_pip_shim
PY312=$(find_python 3.12) || PY312=
if [ -n "$PY312" ]; then
  step "setup: Python 3.12 + ansible-core 2.21 (.venv312)"
  make_venv "$ROOT/.venv312" "$PY312" 'ansible-core>=2.21,<2.22' -r "$ROOT/tests/unit/requirements.txt" \
    -r "$ROOT/tests/integration/requirements.txt" pytest-xdist pytest-mock mock || exit 1
fi

PY311=$(find_python 3.11)
step "setup: ansible-core 2.16 (.venv216), docs tools (.venv-docs), galaxy-importer (.venv-importer)"
# Separate environments: galaxy-importer pins its own ansible-core and ansible-lint.
make_venv "$ROOT/.venv216" "$PY311" 'ansible-core>=2.16,<2.17' -r "$ROOT/tests/unit/requirements.txt" \
  -r "$ROOT/tests/integration/requirements.txt" pytest-xdist pytest-mock mock || exit 1
make_venv "$ROOT/.venv-docs" "$PY311" 'ansible-core>=2.19,<2.20' antsibull-docs sphinx sphinx-ansible-theme ansible-pygments || exit 1
make_venv "$ROOT/.venv-importer" "$PY311" galaxy-importer || exit 1

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
COL=$(build_collection_tree "$WORK")
export ANSIBLE_COLLECTIONS_PATH=$WORK
JUNIT=$WORK/junit
mkdir -p "$JUNIT"
cd "$COL" || exit 1

run "emulator tests" python -m pytest -q -p no:cacheprovider --junitxml="$JUNIT/emulator.xml" tests/emulator
run "unit tests (pytest)" env PYTHONPATH="$WORK" python -m pytest -q -p no:cacheprovider --junitxml="$JUNIT/unit.xml" tests/unit
run "system tests: ad-hoc, playbook, AWX-style environment" \
  python -m pytest -q -p no:cacheprovider --junitxml="$JUNIT/system.xml" tests/system
run "ansible-test sanity (py3.11, core 2.19)" ansible-test sanity --local --python 3.11 --color no
run "ansible-test units (py3.11, core 2.19)" ansible-test units --local --python 3.11 --color no
# At -vvvv every module argument, result and diff is printed: the leak check reads all of it.
integration_with_leak_check() {
  local log=$WORK/integration-py311-vvvv.log rc=0
  ansible-test integration --local --python 3.11 --color no -vvvv >"$log" 2>&1 || rc=$?
  grep -E '^(PLAY RECAP|testhost|Running .* integration test role)' "$log"
  [ "$rc" = 0 ] || tail -n 150 "$log"
  python "$ROOT/tests/check_secrets.py" "$log" tests/output/.tmp/rocketchat-secrets-*.json || rc=1
  return "$rc"
}
run "ansible-test integration -vvvv (py3.11, core 2.19) + secret leak check" integration_with_leak_check
cp tests/output/junit/*.xml "$JUNIT/" 2>/dev/null
run "ansible-lint (production profile)" ansible-lint --nocolor
run "changelog lint" antsibull-changelog lint
changelog_in_sync() {
  antsibull-changelog generate --output "$WORK/CHANGELOG.md" --output-format md && diff -u CHANGELOG.md "$WORK/CHANGELOG.md" &&
    echo "CHANGELOG.md matches changelogs/changelog.yaml"
}
run "CHANGELOG.md matches changelogs/changelog.yaml" changelog_in_sync
# Offline: intersphinx cannot reach its inventories, so it is left out and the labels it would resolve are tolerated.
docs_check() {
  local site=$WORK/docsite docs_path="$ROOT/.venv-docs/bin:$PATH"
  PATH=$docs_path antsibull-docs lint-collection-docs --plugin-docs . || return 1
  mkdir -p "$site" && PATH=$docs_path antsibull-docs sphinx-init --use-current --dest-dir "$site" community.rocketchat >/dev/null &&
    (cd "$site" && mkdir -p rst && chmod og-w rst &&
      PATH=$docs_path antsibull-docs --config-file antsibull-docs.cfg collection --cleanup everything --use-current --dest-dir rst \
        community.rocketchat >/dev/null &&
      PATH=$docs_path sphinx-build -M html rst build -c . -q -D extensions=sphinx.ext.autodoc,sphinx_antsibull_ext -w warnings.log \
        --keep-going 2>/dev/null) &&
    ! grep -v -E "undefined label: '(common_return_values|ansible_configuration_settings)'" "$site/warnings.log" &&
    echo "docsite built: $site/build/html"
}
run "antsibull-docs lint + docsite build" docs_check
build_and_document() {
  rm -rf "$WORK/dist" && ansible-galaxy collection build --output-path "$WORK/dist" . &&
    ansible-galaxy collection install -p "$WORK/dist/installed" "$WORK"/dist/community-rocketchat-*.tar.gz &&
    ANSIBLE_COLLECTIONS_PATH=$WORK/dist/installed ansible-doc community.rocketchat.rocketchat_integration community.rocketchat.rocketchat_integration_info \
      community.rocketchat.rocketchat_integrations >/dev/null &&
    echo "built and installed $(basename "$WORK"/dist/community-rocketchat-*.tar.gz); ansible-doc renders"
}
run "galaxy build + install + ansible-doc" build_and_document
galaxy_import() {  # galaxy-importer exits 0 even with warnings: fail on any WARNING or ERROR line
  mkdir -p "$WORK/importer" &&
    printf '[galaxy-importer]\nRUN_ANSIBLE_TEST = False\nRUN_ANSIBLE_LINT = True\nRUN_ANSIBLE_DOC = True\nTMP_ROOT_DIR = %s\n' \
      "$WORK/importer" >"$WORK/importer.cfg" &&
    (cd "$WORK/importer" && PATH="$ROOT/.venv-importer/bin:$PATH" GALAXY_IMPORTER_CONFIG="$WORK/importer.cfg" \
      python -m galaxy_importer.main "$WORK"/dist/community-rocketchat-*.tar.gz) >"$WORK/importer.log" 2>&1
  local rc=$?
  cat "$WORK/importer.log"
  [ $rc -eq 0 ] && grep -q '^Importer processing completed successfully' "$WORK/importer.log" && ! grep -q -E '(WARNING|ERROR)' "$WORK/importer.log"
}
run "galaxy-importer (no warnings)" galaxy_import

# The modules claim Python 3.9 and later: compile and import them on the oldest and newest Pythons here, and run the
# unit tests on the oldest.
PY39=$(find_python 3.9) || PY39=
PY313=$(find_python 3.13) || PY313=
if [ -n "$PY39" ] && [ -n "$PY313" ]; then
  oldest_newest_path="$(dirname "$PY39"):$(dirname "$PY313"):$PATH"
  run "ansible-test sanity compile+import (py3.9 and py3.13, core 2.19)" env PATH="$oldest_newest_path" \
    sh -c 'ansible-test sanity --local --python 3.9 --test compile --test import --color no &&
           ansible-test sanity --local --python 3.13 --test compile --test import --color no'
  run "ansible-test units (py3.9, core 2.19)" env PATH="$oldest_newest_path" ansible-test units --venv --python 3.9 --color no
  for f in tests/output/junit/*.xml; do [ -e "$f" ] && cp "$f" "$JUNIT/py39-$(basename "$f")"; done
else
  failed_steps+=("Python 3.9 or 3.13 not found: the oldest and newest module Pythons were not tested")
fi

rm -rf tests/output
run "ansible-test sanity (py3.11, core 2.16)" env PATH="$ROOT/.venv216/bin:$PATH" ansible-test sanity --local --python 3.11 --color no
run "ansible-test units (py3.11, core 2.16)" env PATH="$ROOT/.venv216/bin:$PATH" ansible-test units --local --python 3.11 --color no
for f in tests/output/junit/*.xml; do [ -e "$f" ] && cp "$f" "$JUNIT/core216-$(basename "$f")"; done

if [ -n "$PY312" ]; then
  rm -rf tests/output
  run "ansible-test sanity (py3.12, core 2.21)" env PATH="$ROOT/.venv312/bin:$PATH" ansible-test sanity --local --python 3.12 --color no
  run "ansible-test units (py3.12, core 2.21)" env PATH="$ROOT/.venv312/bin:$PATH" ansible-test units --local --python 3.12 --color no
  # Every profile runs in the -vvvv leg above; this leg runs the oldest and the newest (ansible-test passes
  # integration_config.yml to the targets as extra vars).
  printf 'rocketchat_versions: ["6.3.0", "8.9.0"]\n' >tests/integration/integration_config.yml
  run "ansible-test integration (py3.12, core 2.21; Rocket.Chat 6.3.0 and 8.9.0 profiles)" env PATH="$ROOT/.venv312/bin:$PATH" \
    ansible-test integration --local --python 3.12 --color no
  rm -f tests/integration/integration_config.yml
  for f in tests/output/junit/*.xml; do [ -e "$f" ] && cp "$f" "$JUNIT/py312-$(basename "$f")"; done
else
  failed_steps+=("Python 3.12 not found: the ansible-core 2.21 leg did not run")
fi

step "summary"
python "$ROOT/tests/junit_summary.py" "$JUNIT"/*.xml
summary_rc=$?
if [ ${#failed_steps[@]} -gt 0 ]; then
  printf 'Failed steps:\n'; printf -- '- %s\n' "${failed_steps[@]}"
  exit 1
fi
exit $summary_rc
