# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The same tasks give the same results in-process (the action plugins) and as module processes.

Each scenario runs twice against a freshly reset server: once as Ansible runs it by default on localhost (in-process,
in the controller's worker) and once with ROCKETCHAT_IN_PROCESS=0 (every task a module process, as without the action
plugins). The registered results are compared field by field, after replacing what the server generates anew each
time (ids, timestamps, generated tokens) and where a traceback's frames live (the module's payload or the collection).
The test command runs these tests on several ansible-core releases: the shape of a result differs between releases,
and the launchers must agree on each.
"""

from __future__ import annotations

import json
import re
import sys

from ansible.release import __version__ as ansible_version
from conftest import connection_env

# From ansible-core 2.22 no_log values are registered secrets: results keep them and the controller masks them in
# what it shows. Earlier releases replace them in the results.
SECRETS_MODEL = tuple(int(part) for part in ansible_version.split('.')[:2]) >= (2, 22)

PATH_LINE = re.compile(r'community\.rocketchat\.(\w+): running (in-process|as a module process)')
GENERATED = [
    (re.compile(r'\b[0-9a-f]{24}\b'), '<id>'),  # integration ids
    (re.compile(r'\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z\b'), '<time>'),
    (re.compile(r'/hooks/[^"\s]+'), '/hooks/<id>/<token>'),
    # Tracebacks (ansible-core 2.18 at -vvv): the module's payload directory, or the collection's.
    (re.compile(r'File \\"[^"]*?/ansible_collections/'), r'File \\"<path>/ansible_collections/'),
]

SCENARIOS = """
- name: parity
  hosts: localhost
  gather_facts: false
  environment:
    ROCKETCHAT_URL: "{{ api_url }}"
  module_defaults:
    group/community.rocketchat.rocketchat:
      api_user_id: "{{ api_user_id }}"
      api_token: "{{ api_token }}"
  tasks:
    - name: create with diff
      community.rocketchat.rocketchat_integration:
        type: incoming
        name: parity-in
        channel: "#general"
        username: rocket.cat
        script_enabled: true
        script: "class Script { process_incoming_request() { return {}; } }"
      diff: true
      register: create
    - name: unchanged
      community.rocketchat.rocketchat_integration:
        type: incoming
        name: parity-in
        channel: "#general"
        username: rocket.cat
      register: unchanged
    - name: update with diff
      community.rocketchat.rocketchat_integration:
        type: incoming
        name: parity-in
        channel: "#general"
        username: rocket.cat
        alias: Parity
      diff: true
      register: update
    - name: update in check mode
      community.rocketchat.rocketchat_integration:
        type: incoming
        name: parity-in
        channel: "#random"
        username: rocket.cat
      check_mode: true
      diff: true
      register: check
    - name: outgoing with a token of its own (no_log)
      community.rocketchat.rocketchat_integration:
        type: outgoing
        name: parity-out
        channel: "#general"
        username: rocket.cat
        event: sendMessage
        urls: [https://ci.example.com/parity]
        token: parity-outgoing-secret-19
      diff: true
      register: outgoing
    - name: failure, unknown id
      community.rocketchat.rocketchat_integration:
        integration_id: ffffffffffffffffffffffff
        alias: nobody
      register: unknown_id
      ignore_errors: true
    - name: bad input, unsupported option
      community.rocketchat.rocketchat_integration:
        type: incoming
        name: parity-in
        colour: red
      register: unsupported
      ignore_errors: true
    - name: bad input, wrong type and choice
      community.rocketchat.rocketchat_integration:
        type: sideways
        name: parity-in
        timeout: soon
      register: bad_type
      ignore_errors: true
    - name: bad input, conflicting options
      community.rocketchat.rocketchat_integration:
        state: absent
        name: parity-in
        integration_id: ffffffffffffffffffffffff
      register: conflicting
      ignore_errors: true
    - name: failure, wrong password (no_log value in the invocation)
      community.rocketchat.rocketchat_integration:
        api_user_id: "{{ omit }}"
        api_token: "{{ omit }}"
        api_username: "{{ api_username }}"
        api_password: wrong-password-parity-55
        type: incoming
        name: parity-in
        channel: "#general"
        username: rocket.cat
      register: wrong_password
      ignore_errors: true
    - name: info
      community.rocketchat.rocketchat_integration_info:
        name: parity-out
      register: info
    - name: info with the webhook URL
      community.rocketchat.rocketchat_integration_info:
        type: incoming
        return_webhook_url: true
      register: info_url
    - name: a set, with purge and diff
      community.rocketchat.rocketchat_integrations:
        type: incoming
        name_prefix: parity-
        purge: true
        integrations:
          - name: parity-in
            type: incoming
            channel: "#general"
            username: rocket.cat
            alias: Changed
          - name: parity-set-in
            channel: "#general"
            username: rocket.cat
      diff: true
      register: set
    - name: a set with a bad item
      community.rocketchat.rocketchat_integrations:
        integrations:
          - name: parity-bad
            type: incoming
            channel: 7
            colour: red
            token: parity-bad-item-secret-31
      register: bad_item
      ignore_errors: true
    - name: remove by name
      community.rocketchat.rocketchat_integration:
        type: outgoing
        name: parity-out
        state: absent
      register: remove
    - name: remove again, absent
      community.rocketchat.rocketchat_integration:
        type: outgoing
        name: parity-out
        state: absent
      register: absent
    - name: keep the results
      ansible.builtin.copy:
        dest: "{{ results_file }}"
        content: "{{ dict(names | zip(query('ansible.builtin.vars', *names))) | to_json }}"
        mode: "0600"
      vars:
        names: "{{ task_names }}"
"""

SECRETS = ('parity-outgoing-secret-19', 'wrong-password-parity-55', 'parity-bad-item-secret-31')


NAMES = ['create', 'unchanged', 'update', 'check', 'outgoing', 'unknown_id', 'unsupported', 'bad_type', 'conflicting',
         'wrong_password', 'info', 'info_url', 'set', 'bad_item', 'remove', 'absent']


def shown_results(run):
    """The results the callback printed at -vvv, invocation included, by task (the last task's left out)."""
    blocks = re.findall(r'=> (\{.*?^\})', run.stdout, re.M | re.S)
    assert len(blocks) == len(NAMES) + 1, run.output
    return dict(zip(NAMES, (json.loads(block) for block in blocks)))


def normalized(value):
    text = json.dumps(value, sort_keys=True)
    for pattern, replacement in GENERATED:
        text = pattern.sub(replacement, text)
    return json.loads(text)


def run_both_ways(ansible, rocket, tmp_path, playbook, extra_env=None, verbosity='-v'):
    """{way: (results, AnsibleRun)} for the playbook run in-process and as module processes, each on a reset server."""
    (tmp_path / 'play.yml').write_text(playbook, encoding='utf-8')
    emu = rocket.emu
    extra_vars = json.dumps({'api_url': emu.url, 'api_user_id': emu.admin_user_id, 'api_token': emu.admin_token,
                             'api_username': emu.admin_username, 'task_names': NAMES})
    outcome = {}
    for way, switch in (('in-process', '1'), ('module', '0')):
        rocket.reset()
        results_file = tmp_path / f'results-{way}.json'
        run = ansible('playbook', verbosity, 'play.yml', '-e', extra_vars, '-e', f'results_file={results_file}',
                      env=dict(extra_env or {}, ROCKETCHAT_IN_PROCESS=switch, ROCKETCHAT_TIMEOUT='17',
                               ANSIBLE_INJECT_INVOCATION='1'))
        assert run.rc == 0, run.output
        outcome[way] = (json.loads(results_file.read_text()), run)
    return outcome


def test_every_scenario_gives_the_same_result_both_ways(ansible, rocket8, tmp_path):
    outcome = run_both_ways(ansible, rocket8, tmp_path, SCENARIOS, verbosity='-vvv')
    (inproc, inproc_run), (module, module_run) = outcome['in-process'], outcome['module']
    # Each run took the path it was asked to take, for every task of the collection (16 of them).
    assert [way for dummy, way in PATH_LINE.findall(inproc_run.output)] == ['in-process'] * 16
    assert [way for dummy, way in PATH_LINE.findall(module_run.output)] == ['as a module process'] * 16
    assert set(inproc) == set(module) == set(NAMES)
    for name in NAMES:
        assert normalized(inproc[name]) == normalized(module[name]), name
    # What the callback shows at -vvv, invocation (the validated options, no_log values removed) included.
    shown_inproc, shown_module = shown_results(inproc_run), shown_results(module_run)
    for name in NAMES:
        assert normalized(shown_inproc[name]) == normalized(shown_module[name]), name
    # What the comparison covers is what a user checks: a few of the results spelled out.
    assert inproc['create']['changed'] and inproc['create']['diff']['before'] != inproc['create']['diff']['after']
    assert not inproc['unchanged']['changed'] and inproc['update']['changed_options'] == ['alias']
    assert inproc['check']['msg'].startswith('Would update')
    assert inproc['unsupported']['msg'].startswith(
        'Unsupported parameters for (community.rocketchat.rocketchat_integration) module: colour')
    assert "argument 'timeout' is of type" in inproc['bad_type']['msg'] and inproc['bad_type']['failed']
    assert inproc['unknown_id']['failed'] and 'does not exist' in inproc['unknown_id']['msg']
    assert inproc['wrong_password']['failed'] and 'api_password' in inproc['wrong_password']['msg']
    assert inproc['conflicting']['failed'] and not inproc['conflicting']['changed']
    assert 'Give exactly one of integration_id, name and target_url' in inproc['conflicting']['msg']
    assert inproc['set']['changed'] and [entry['name'] for entry in inproc['set']['created']] == ['parity-set-in']
    assert [(entry['name'], entry['changed_options']) for entry in inproc['set']['updated']] == [('parity-in', ['alias'])]
    assert inproc['set']['removed'] == [] and inproc['set']['unchanged'] == []
    # The environment keyword and the controller's environment both reach the connection options' fallbacks.
    assert shown_inproc['info']['invocation']['module_args']['api_url'] == rocket8.emu.url
    assert shown_inproc['info']['invocation']['module_args']['timeout'] == 17
    # no_log values are removed from the invocation and everywhere else (from 2.22: masked in all that is shown).
    shown_token = shown_inproc['info']['invocation']['module_args']['api_token']
    assert shown_token == ('$REDACTED$' if SECRETS_MODEL else 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER')
    assert inproc['bad_item']['failed'] and inproc['bad_item']['msg'].startswith("integrations[0] ('parity-bad')")
    assert [i['name'] for i in inproc['info']['integrations']] == ['parity-out']
    assert inproc['info_url']['integrations'][0]['webhook_url'].startswith(rocket8.emu.url + '/hooks/')
    assert not inproc['absent']['changed'] and inproc['remove']['changed']
    for secret in SECRETS + (rocket8.emu.admin_token, rocket8.emu.admin_password):
        for results, run in outcome.values():
            assert secret not in run.output, secret
            if not SECRETS_MODEL:
                assert secret not in json.dumps(results), secret


def test_adhoc_both_ways(ansible, rocket8):
    """`ansible -m` with the AWX-style environment variables: the same result in-process and as a module process."""
    results = {}
    for switch in ('1', '0'):
        rocket8.reset()
        rocket8.create_incoming('parity-adhoc')
        run = ansible('adhoc', '-vvv', '-m', 'community.rocketchat.rocketchat_integration', '-a',
                      'type=incoming name=parity-adhoc state=absent', '--diff',
                      env=dict(connection_env(rocket8.emu), ROCKETCHAT_IN_PROCESS=switch))
        status, result = run.result()
        assert status == 'CHANGED' and rocket8.integrations() == [], run.output
        assert ('running in-process' in run.output) is (switch == '1')
        assert rocket8.emu.admin_token not in run.output
        results[switch] = normalized(result)
    assert results['1'] == results['0']


HANDOVER = """
- name: handover
  hosts: localhost
  gather_facts: false
  tasks:
    - name: async runs as a module process
      community.rocketchat.rocketchat_integration_info:
        name: parity-handover
      async: 60
      poll: 1
      register: with_async
    - name: another interpreter runs as a module process
      community.rocketchat.rocketchat_integration_info:
        name: parity-handover
      vars:
        ansible_python_interpreter: "{{ other_python }}"
      register: other_interpreter
    - name: the variable switch runs as a module process
      community.rocketchat.rocketchat_integration_info:
        name: parity-handover
      vars:
        rocketchat_in_process: false
      register: switched_off
    - name: delegated to localhost runs in-process
      community.rocketchat.rocketchat_integration_info:
        name: parity-handover
      delegate_to: localhost
      register: delegated
"""


def test_tasks_the_fast_path_cannot_honour_run_as_module_processes(ansible, rocket8, tmp_path):
    rocket8.create_incoming('parity-handover')
    # The same interpreter behind a wrapper script: for the action plugin, another Python.
    other = tmp_path / 'bin' / 'python3'
    other.parent.mkdir()
    other.write_text(f'#!/bin/sh\nexec {sys.executable} "$@"\n', encoding='utf-8')
    other.chmod(0o755)
    (tmp_path / 'play.yml').write_text(HANDOVER, encoding='utf-8')
    run = ansible('playbook', '-vvv', 'play.yml', '-e', f'other_python={other}', env=connection_env(rocket8.emu))
    assert run.rc == 0, run.output
    lines = [line for line in run.output.splitlines() if PATH_LINE.search(line)]
    assert len(lines) == 4, lines
    assert '(async)' in lines[0] and 'ansible_python_interpreter' in lines[1] and 'is false' in lines[2]
    assert 'running in-process' in lines[3]
