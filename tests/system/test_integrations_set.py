# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""rocketchat_integrations the three ways people run it: ad hoc from a shell (JSON arguments, credentials from the
environment), and an AWX-style job (injected environment, high verbosity, diff) that must show no secret."""

from __future__ import annotations

import json

from conftest import connection_env

MODULE = 'community.rocketchat.rocketchat_integrations'
HOOK_SECRET = 'outgoing-set-secret-5Jq2'

PLAYBOOK = """
- name: Declare the CI hooks with credentials injected by the job's credential
  hosts: localhost
  gather_facts: false
  vars:
    ci_hooks:
      - {name: ci-deploy, event: sendMessage, channel: "#general", trigger_words: ["!deploy"],
         urls: ["https://ci.example.com/deploy"], username: rocket.cat, token: "{{ hook_secret }}"}
      - {name: ci-build, event: sendMessage, channel: "#general", urls: ["https://ci.example.com/build"],
         username: rocket.cat, token: "{{ hook_secret }}"}
  tasks:
    - name: Converge the scope (check mode)
      community.rocketchat.rocketchat_integrations: &hooks
        type: outgoing
        name_prefix: ci-
        purge: true
        integrations: "{{ ci_hooks }}"
      check_mode: true
      register: predicted

    - name: Converge the scope
      community.rocketchat.rocketchat_integrations: *hooks
      register: converged

    - name: Converge again
      community.rocketchat.rocketchat_integrations: *hooks
      register: again

    - name: Write the registered results for the test to read
      ansible.builtin.copy:
        content: "{{ {'predicted': predicted, 'converged': converged, 'again': again} | to_json }}"
        dest: "{{ results_file }}"
        mode: "0600"
"""


def test_adhoc_with_json_arguments_creates_then_reports_no_change(ansible, rocket):
    args = json.dumps({'type': 'incoming', 'integrations': [
        {'name': 'adhoc-set-a', 'channel': '#general', 'username': 'rocket.cat'},
        {'name': 'adhoc-set-b', 'channel': ['#general'], 'username': 'rocket.cat', 'emoji': ':ghost:'}]})
    first = ansible('adhoc', '-m', MODULE, '-a', args, env=connection_env(rocket.emu))
    status, result = first.result()
    assert first.rc == 0 and status == 'CHANGED'
    assert [entry['name'] for entry in result['created']] == ['adhoc-set-a', 'adhoc-set-b']
    stored = {doc['name']: doc for doc in rocket.integrations()}
    assert sorted(stored) == ['adhoc-set-a', 'adhoc-set-b'] and stored['adhoc-set-b']['emoji'] == ':ghost:'
    assert 'webhook_url' not in result['created'][0] and stored['adhoc-set-a']['token'] not in first.output
    assert rocket.emu.admin_token not in first.output
    second = ansible('adhoc', '-m', MODULE, '-a', args, env=connection_env(rocket.emu))
    status, result = second.result()
    assert second.rc == 0 and status == 'SUCCESS' and result['changed'] is False and len(result['unchanged']) == 2


def test_adhoc_bad_entry_fails_naming_it_and_writes_nothing(ansible, rocket):
    args = json.dumps({'type': 'outgoing', 'integrations': [
        {'name': 'ok', 'event': 'sendMessage', 'channel': '#general', 'urls': ['https://x.example.com'],
         'username': 'rocket.cat'},
        {'name': 'broken', 'event': 'sendMessage', 'channel': '#general', 'username': 'rocket.cat'}]})
    run = ansible('adhoc', '-m', MODULE, '-a', args, env=connection_env(rocket.emu))
    status, result = run.result()
    assert run.rc != 0 and status == 'FAILED'
    assert result['msg'] == ("integrations[1] ('broken'): To create the outgoing integration 'broken', also set urls. "
                             'Nothing was changed')
    # The server is read to see whether 'broken' exists (then it would not need urls); nothing is written.
    assert rocket.integrations() == []
    assert [entry['path'] for entry in rocket.requests_log()] == ['/api/v1/integrations.list']


def test_job_template_style_run_converges_and_shows_no_secret(ansible, rocket, tmp_path):
    stale = rocket.create_outgoing('ci-stale', token='outgoing-stale-secret-91')
    outside = rocket.create_outgoing('deploy-ci-x', token='outgoing-outside-secret-92')
    (tmp_path / 'play.yml').write_text(PLAYBOOK)
    results_file = tmp_path / 'results.json'
    run = ansible('playbook', '-vvvv', '--diff', 'play.yml', '-i', 'localhost,', '-c', 'local',
                  '-e', f'results_file={results_file}', '-e', f'hook_secret={HOOK_SECRET}',
                  env=connection_env(rocket.emu))
    assert run.rc == 0, run.output
    results = json.loads(results_file.read_text())
    predicted, converged, again = results['predicted'], results['converged'], results['again']
    for key in ('created', 'updated', 'removed'):
        assert [e['name'] for e in predicted[key]] == [e['name'] for e in converged[key]]
    assert [e['name'] for e in converged['created']] == ['ci-deploy', 'ci-build']
    assert converged['removed'] == [dict(name='ci-stale', type='outgoing', integration_id=stale['_id'], purged=True)]
    assert again['changed'] is False
    assert sorted(doc['name'] for doc in rocket.integrations()) == ['ci-build', 'ci-deploy', 'deploy-ci-x']
    assert [doc for doc in rocket.integrations() if doc['_id'] == outside['_id']] == [outside]
    for secret in (rocket.emu.admin_token, HOOK_SECRET, 'outgoing-stale-secret-91', 'outgoing-outside-secret-92'):
        assert secret not in run.output.replace(f'hook_secret={HOOK_SECRET}', '')
        assert secret not in results_file.read_text()


def test_an_item_that_is_not_a_dictionary_fails_without_showing_the_api_token(ansible, rocket):
    # Ansible drops every no_log value from the output when a list item it must check is not a dictionary.
    args = json.dumps({'type': 'incoming', 'integrations': [
        {'name': 'fine', 'channel': '#general', 'username': 'rocket.cat'}, None]})
    # invocation injected (off by default from ansible-core 2.21): it must not show the token either.
    run = ansible('adhoc', '-vvv', '-m', MODULE, '-a', args, env=dict(connection_env(rocket.emu), ANSIBLE_INJECT_INVOCATION='1'))
    status, result = run.result()
    assert run.rc != 0 and status == 'FAILED' and "option 'integrations'" in result['msg']
    assert result['invocation']['module_args']['api_token'] == 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'
    assert rocket.emu.admin_token not in run.output and rocket.integrations() == []
