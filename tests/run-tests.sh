#!/usr/bin/env bash
# Set up everything and run every test: emulator, unit, system (ad-hoc, AWX-style through ansible-runner, execution
# environment, tarball), ansible-test sanity, units and integration on every ansible-core minor the collection claims
# (2.18-2.22; see the README's support policy; on 2.18 and 2.22 once more with every task a module process), the
# parity and warning system tests on each of them, integration at -vvvv on every emulator profile with a secret leak
# check (on the other cores at -vvvv on the oldest and newest profiles, with the same check), a check that no run shows
# a warning the collection causes, the integration targets in external-server mode (8.9.0 and 9.0.1), compile and
# import on every module Python
# from 3.9, ansible-lint (production profile, also from a plain checkout), changelog lint and sync, docs lint and
# docsite build, REUSE, actionlint, shellcheck, build + install + ansible-doc, and galaxy-importer. The main
# environment is ansible-core 2.21 on Python 3.12. Prints "N passed, N failed" last; exits non-zero on any failure.
# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# Steps are functions handed to run() by name (SC2329: shellcheck sees no call); each core_leg sets PATH in its own
# subshell, for that leg alone (SC2030, SC2031).
# shellcheck disable=SC2329,SC2030,SC2031
set -uo pipefail
# shellcheck source=tests/run-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/run-lib.sh"

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
FAILED=$WORK/failed-steps  # a file, so that steps run in a background leg are counted too
: >"$FAILED"
run() {  # run NAME COMMAND...: run a step, remember a failure and go on, so one run reports every problem
  local name=$1; shift
  step "$name"
  "$@" || { echo "FAILED: $name"; echo "$name" >>"$FAILED"; }
}
missing() { echo "$*" >>"$FAILED"; }

PY311=$(find_python 3.11) || { echo "Python 3.11 is required (ansible-core 2.18 and 2.19)" >&2; exit 1; }
PY313=$(find_python 3.13) || PY313=
UNIT_DEPS=(-r "$ROOT/tests/unit/requirements.txt" -r "$ROOT/tests/integration/requirements.txt" pytest-xdist pytest-mock mock)
step "setup: .venv (Python 3.12, ansible-core 2.21: the main environment) and one environment per other ansible-core"
setup_main_venv requirements-dev.txt || exit 1
PY312=$(find_python 3.12)
install_pip_shim
# The other environments install in parallel. -U: each takes the newest release of its ansible-core minor at every run.
setup_pids=()
make_venv "$ROOT/.venv218" "$PY311" -U 'ansible-core>=2.18,<2.19' "${UNIT_DEPS[@]}" >"$WORK/setup-218.log" 2>&1 & setup_pids+=($!)
make_venv "$ROOT/.venv219" "$PY311" -U 'ansible-core>=2.19,<2.20' "${UNIT_DEPS[@]}" >"$WORK/setup-219.log" 2>&1 & setup_pids+=($!)
make_venv "$ROOT/.venv220" "$PY312" -U 'ansible-core>=2.20,<2.21' "${UNIT_DEPS[@]}" >"$WORK/setup-220.log" 2>&1 & setup_pids+=($!)
if [ -n "$PY313" ]; then
  # The newest 2.22 release: the final releases once there are any, else the pre-releases (a specifier that names a
  # pre-release admits them for that package alone; --pre would admit them for every package).
  make_venv_2_22() {
    make_venv "$ROOT/.venv222" "$PY313" -U 'ansible-core>=2.22,<2.23' "${UNIT_DEPS[@]}" ||
      make_venv "$ROOT/.venv222" "$PY313" -U 'ansible-core>=2.22.0rc1,<2.23' "${UNIT_DEPS[@]}"
  }
  make_venv_2_22 >"$WORK/setup-222.log" 2>&1 & setup_pids+=($!)
fi
# Separate environments: galaxy-importer pins its own ansible-core and ansible-lint.
make_venv "$ROOT/.venv-docs" "$PY312" -U 'ansible-core>=2.21,<2.22' antsibull-docs sphinx sphinx-ansible-theme ansible-pygments \
  >"$WORK/setup-docs.log" 2>&1 & setup_pids+=($!)
make_venv "$ROOT/.venv-importer" "$PY311" galaxy-importer >"$WORK/setup-importer.log" 2>&1 & setup_pids+=($!)
setup_rc=0
for pid in "${setup_pids[@]}"; do wait "$pid" || setup_rc=1; done
[ "$setup_rc" = 0 ] || { cat "$WORK"/setup-*.log; echo "setting up an environment failed" >&2; exit 1; }

COL=$(build_collection_tree "$WORK")
export ANSIBLE_COLLECTIONS_PATH=$WORK
JUNIT=$WORK/junit
mkdir -p "$JUNIT"

# No integration run may show a warning that the collection causes (tests/check_warnings.py): these are the warnings
# the targets provoke and assert (skip_transpile on 9.x, a script broken before the task that the task leaves alone).
EXPECTED_WARNINGS=(--expect 'has no token, which Rocket.Chat requires' --expect "API rate limiter made the task wait"
  --expect 'has no effect on Rocket.Chat 9' --expect 'The task did not change the script, so it went ahead')
check_warnings() { python "$ROOT/tests/check_warnings.py" "$1" "${EXPECTED_WARNINGS[@]}"; }

# integration_logged PYTHON LOG [OPTIONS...]: ansible-test integration into LOG, then the recap (the end of the log when
# it failed) and the warning check.
integration_logged() {
  local python=$1 log=$2 rc=0; shift 2
  ansible-test integration --local --python "$python" --color no "$@" >"$log" 2>&1 || rc=1
  grep -E '^(PLAY RECAP|testhost|Running .* integration test role)' "$log"
  [ "$rc" = 0 ] || tail -n 200 "$log"
  check_warnings "$log" || rc=1
  return "$rc"
}

# At -vvvv every module argument, result and diff is printed: the leak check reads all of it.
integration_with_leak_check() {
  local python=$1 log rc=0
  log=$(mktemp "$WORK/integration-vvvv-XXXXXX")
  integration_logged "$python" "$log" -vvvv || rc=1
  python "$ROOT/tests/check_secrets.py" "$log" tests/output/.tmp/rocketchat-secrets-*.json || rc=1
  return "$rc"
}

# At -vvv each task of the collection logs which way it ran: prove that none ran in-process.
integration_as_module_processes() {
  local log rc=0
  log=$(mktemp "$WORK/integration-module-XXXXXX")
  integration_logged "$1" "$log" -vvv || rc=1
  python "$ROOT/tests/check_secrets.py" "$log" tests/output/.tmp/rocketchat-secrets-*.json || rc=1
  echo "$(grep -c ': running as a module process on ' "$log") collection tasks ran as module processes," \
    "$(grep -c ': running in-process on ' "$log") in-process"
  grep -q ': running as a module process on ' "$log" || rc=1
  ! grep -q ': running in-process on ' "$log" || rc=1
  return "$rc"
}

# core_leg NAME VENV PYTHON CHECK...: ansible-test with another ansible-core, in its own copy of the collection (so it
# can run beside the main leg); CHECK is sanity, sanity-without-pylint, units, integration (the oldest and the newest
# emulator profiles; the main leg runs every profile), integration-leak-check (the same at -vvvv, with the leak check),
# integration-module-process (the same, as module processes), warnings (the warning system test) or parity (the
# parity and warning system tests).
core_leg() {
  local name=$1 venv=$2 python=$3 check col; shift 3
  col=$(build_collection_tree "$WORK/leg-$name")
  (
    cd "$col" && export PATH="$venv/bin:$PATH" ANSIBLE_COLLECTIONS_PATH="$WORK/leg-$name" || exit 1
    for check; do
      case $check in
        sanity) run "ansible-test sanity (core $name, py$python)" ansible-test sanity --local --python "$python" --color no ;;
        # Its pylint requirements pin an archive from a code host that these machines cannot reach.
        sanity-without-pylint) run "ansible-test sanity without pylint (core $name, py$python)" \
          ansible-test sanity --local --python "$python" --skip-test pylint --color no ;;
        units) run "ansible-test units (core $name, py$python)" ansible-test units --local --python "$python" --color no ;;
        integration)
          leg_integration_config
          run "ansible-test integration + warning check (core $name, py$python; Rocket.Chat ${LEG_PROFILES[*]})" \
            integration_logged "$python" "$(mktemp "$WORK/integration-XXXXXX")" ;;
        integration-leak-check)
          leg_integration_config
          run "ansible-test integration -vvvv + secret leak check + warning check (core $name, py$python; Rocket.Chat ${LEG_PROFILES[*]})" \
            integration_with_leak_check "$python" ;;
        # The same targets with every task a module process (the action plugins hand over), so both launchers
        # run every integration scenario. The variable, not ROCKETCHAT_IN_PROCESS: ansible-test filters the environment.
        integration-module-process)
          leg_integration_config 'rocketchat_in_process: false'
          run "ansible-test integration as module processes + warning check (core $name, py$python; Rocket.Chat ${LEG_PROFILES[*]})" \
            integration_as_module_processes "$python" ;;
        warnings) run "warning system test, both launchers (core $name, py$python)" \
          python -m pytest -q -p no:cacheprovider --junitxml="$JUNIT/core$name-warnings.xml" tests/system/test_warnings.py ;;
        parity) run "parity and warning system tests, both launchers (core $name, py$python)" \
          python -m pytest -q -p no:cacheprovider --junitxml="$JUNIT/core$name-parity.xml" tests/system/test_parity.py \
            tests/system/test_warnings.py ;;
      esac
    done
    for f in tests/output/junit/*.xml; do [ -e "$f" ] && cp "$f" "$JUNIT/core$name-$(basename "$f")"; done
  )
}
# The legs' emulator profiles: the oldest and the newest (the main leg runs every profile).
LEG_PROFILES=(6.3.0 9.0.1)
leg_integration_config() {  # leg_integration_config [YAML-LINE...]: the targets' settings for a leg's integration run
  local profiles
  profiles=$(printf '"%s", ' "${LEG_PROFILES[@]}")
  printf 'rocketchat_versions: [%s]\n' "${profiles%, }"
  [ "$#" = 0 ] || printf '%s\n' "$@"
} >tests/integration/integration_config.yml
# The other ansible-core minors run one after another in the background while the main leg (2.21) runs (2 cores).
# 2.18 and 2.19 are out of support: sanity, units and integration (2.18 also as module processes, being the oldest).
# Every integration run of a leg reads its output for secrets: 2.22 masks output but no longer cleans results, and both
# launchers run every integration scenario there.
other_legs() {
  core_leg 2.18 "$ROOT/.venv218" 3.11 sanity units integration-leak-check integration-module-process parity
  core_leg 2.19 "$ROOT/.venv219" 3.11 sanity units integration-leak-check warnings
  core_leg 2.20 "$ROOT/.venv220" 3.12 sanity units warnings
  if [ -n "$PY313" ]; then
    core_leg 2.22 "$ROOT/.venv222" 3.13 sanity-without-pylint units integration-leak-check integration-module-process parity
  else
    missing "Python 3.13 not found: ansible-core 2.22 was not tested"
  fi
}
other_legs >"$WORK/other-legs.log" 2>&1 &
other_legs_pid=$!

cd "$COL" || exit 1
run "emulator tests" python -m pytest -q -p no:cacheprovider --junitxml="$JUNIT/emulator.xml" tests/emulator
run "unit tests (pytest)" env PYTHONPATH="$WORK" python -m pytest -q -p no:cacheprovider --junitxml="$JUNIT/unit.xml" tests/unit
run "system tests: ad-hoc, playbook, AWX-style environment" \
  python -m pytest -q -p no:cacheprovider --junitxml="$JUNIT/system.xml" tests/system
run "ansible-test sanity (py3.12, core 2.21)" ansible-test sanity --local --python 3.12 --color no
run "ansible-test units (py3.12, core 2.21)" ansible-test units --local --python 3.12 --color no
run "ansible-test integration -vvvv on every profile (py3.12, core 2.21) + secret leak check + warning check" \
  integration_with_leak_check 3.12
cp tests/output/junit/*.xml "$JUNIT/" 2>/dev/null
# The targets' real-server mode (public API only), against an emulator started as if it were an external server.
# shellcheck source=tests/integration/external-emulator.sh
. "$ROOT/tests/integration/external-emulator.sh"
for version in 8.9.0 9.0.1; do
  run "ansible-test integration in real-server mode, against an emulator started as an external server ($version)" \
    integration_against_external_emulator "$version"
done
# --offline: the tree is already on ANSIBLE_COLLECTIONS_PATH (without it, ansible-lint would install the collection
# into the user's ~/.ansible, because that variable is set).
run "ansible-lint (production profile)" ansible-lint --nocolor --offline
# As a contributor runs it: from a plain checkout (no ansible_collections tree around it, no ANSIBLE_COLLECTIONS_PATH)
# with the newest ansible-lint and ansible-core; ansible-lint installs the collection into the checkout's .ansible
# (.ansible-lint: offline: false), which it does only when no ANSIBLE_*_PATH or ANSIBLE_HOME variable is set.
lint_plain_checkout() {
  copy_checkout "$WORK/plain-checkout" &&
    (cd "$WORK/plain-checkout" && env -u ANSIBLE_COLLECTIONS_PATH -u ANSIBLE_HOME -u ANSIBLE_ROLES_PATH -u ANSIBLE_LIBRARY ansible-lint --nocolor)
}
run "ansible-lint (production profile; plain checkout, newest ansible-lint, ansible-core 2.21)" lint_plain_checkout
# REUSE: every file of a clean checkout carries copyright and licence information (SPDX headers or REUSE.toml); a
# fresh copy, because the steps above leave test output in the tree.
reuse_lint() {
  rm -rf "$WORK/reuse-checkout" && copy_checkout "$WORK/reuse-checkout" && reuse --root "$WORK/reuse-checkout" lint
}
run "reuse lint" reuse_lint
# The GitHub Actions workflow (it cannot run here; actionlint proves it is well-formed, and has its run: steps checked
# by shellcheck). The tree has no .git, so name the files.
run "actionlint (.github/workflows)" actionlint -no-color .github/workflows/*.yml
# The shell scripts, following what they source (ansible-test's shellcheck test does not).
run "shellcheck (.ci/run, tests/*.sh)" shellcheck -x .ci/run tests/*.sh tests/integration/*.sh
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
    ! grep -v -E "undefined label: '(common_return_values|ansible_configuration_settings|action_plugins)'" "$site/warnings.log" &&
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
  [ "$rc" -eq 0 ] && grep -q '^Importer processing completed successfully' "$WORK/importer.log" && ! grep -q -E '(WARNING|ERROR)' "$WORK/importer.log"
}
run "galaxy-importer (no warnings)" galaxy_import

# The modules claim Python 3.9 to 3.13 on the host that runs them: compile and import them on each (3.12 had the full
# sanity run above), and run the unit tests on the oldest (the legs run them on 3.11 and 3.13).
module_pythons_path=$PATH
for version in 3.9 3.10 3.11 3.13; do
  python_path=$(find_python "$version") || { missing "Python $version not found: the modules were not compiled and imported on it"; continue; }
  module_pythons_path="$(dirname "$python_path"):$module_pythons_path"
done
rm -rf tests/output/junit
for version in 3.9 3.10 3.11 3.13; do
  run "ansible-test sanity compile+import (py$version, core 2.21)" env PATH="$module_pythons_path" \
    ansible-test sanity --local --python "$version" --test compile --test import --color no
done
run "ansible-test units (py3.9, core 2.21)" env PATH="$module_pythons_path" ansible-test units --venv --python 3.9 --color no
for f in tests/output/junit/*.xml; do [ -e "$f" ] && cp "$f" "$JUNIT/py39-$(basename "$f")"; done

step "ansible-core 2.18, 2.19, 2.20 and 2.22 (run in the background beside the steps above)"
wait "$other_legs_pid"
cat "$WORK/other-legs.log"

step "summary"
python "$ROOT/tests/junit_summary.py" "$JUNIT"/*.xml
summary_rc=$?
if [ -s "$FAILED" ]; then
  printf 'Failed steps:\n'; sed 's/^/- /' "$FAILED"
  exit 1
fi
exit $summary_rc
