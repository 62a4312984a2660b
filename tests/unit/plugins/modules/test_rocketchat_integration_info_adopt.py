# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""rocketchat_integration_info through main(): name_prefix, format: declaration and history."""

from __future__ import annotations

import json

import pytest

from ansible_collections.community.rocketchat.plugins.modules import rocketchat_integration_info as module
from ansible_collections.community.rocketchat.tests.unit.conftest import TOKEN_ARGS, fail, listing, ok

SECRET = 'outgoing-secret-adopt-5521'


def out(_id, name, **fields):
    return dict({'_id': _id, 'name': name, 'type': 'webhook-outgoing', 'token': SECRET, 'event': 'sendMessage',
                 'channel': ['#ops'], 'urls': ['https://ci.example.com/hook'], 'username': 'rocket.cat',
                 'enabled': True, 'scriptEnabled': False}, **fields)


def incoming(_id, name):
    return {'_id': _id, 'name': name, 'type': 'webhook-incoming', 'token': 'incoming-hook-secret-adopt',
            'channel': ['#general'], 'username': 'rocket.cat', 'enabled': False, 'scriptEnabled': False}


def history(rows, total=None):
    return ok(history=rows, offset=0, items=len(rows), count=len(rows), total=len(rows) if total is None else total)


SERVER = [out('o1', 'ci-deploy'), out('o2', 'CI-other'), incoming('i1', 'ci-alerts'), out('o3', 'dev-ci')]


def test_name_prefix_is_an_exact_case_sensitive_scope_narrowed_by_the_server(run_module, transport):
    transport.on('GET', 'integrations.list', listing(*SERVER))
    result, failed = run_module(module.main, dict(TOKEN_ARGS, name_prefix='ci-'))
    assert not failed and [d['_id'] for d in result['integrations']] == ['o1', 'i1']
    assert transport.calls[0]['params']['name'] == 'ci-'


def test_declaration_is_the_entries_rocketchat_integrations_takes_without_secrets(run_module, transport):
    transport.on('GET', 'integrations.list', listing(*SERVER))
    result, failed = run_module(module.main, dict(TOKEN_ARGS, name_prefix='ci-', format='declaration',
                                                  _ansible_check_mode=True))
    assert not failed and result['changed'] is False
    assert result['integrations'] == [
        {'name': 'ci-deploy', 'type': 'outgoing', 'enabled': True, 'channel': ['#ops'], 'username': 'rocket.cat',
         'script_enabled': False, 'event': 'sendMessage', 'urls': ['https://ci.example.com/hook'],
         'update_token': 'on_create'},
        {'name': 'ci-alerts', 'type': 'incoming', 'enabled': False, 'channel': ['#general'], 'username': 'rocket.cat',
         'script_enabled': False}]
    assert 'secret' not in json.dumps(result)


def test_declaration_of_duplicates_fails_naming_them(run_module, transport):
    transport.on('GET', 'integrations.list', listing(out('o1', 'ci-deploy'), out('o9', 'ci-deploy')))
    result, failed = run_module(module.main, dict(TOKEN_ARGS, format='declaration'))
    assert failed and "outgoing 'ci-deploy': o1, o9" in result['msg']


@pytest.mark.parametrize('args, message', [
    (dict(format='declaration', history=3), 'format: declaration returns entries for rocketchat_integrations, which '
                                            'take no history; leave history out'),
    (dict(format='declaration', return_webhook_url=True), 'take no return_webhook_url'),
    (dict(history=-2), 'history must be 0 or more'),
    (dict(name_prefix=''), 'name_prefix is empty'),
])
def test_options_that_cannot_work_fail_before_any_request(run_module, transport, args, message):
    result, failed = run_module(module.main, dict(TOKEN_ARGS, **args))
    assert failed and message in result['msg'] and transport.calls == []


def test_history_adds_the_latest_deliveries_of_each_outgoing_integration(run_module, transport):
    transport.on('GET', 'integrations.list', listing(*SERVER[:3]))
    rows = [{'_id': f'h{n}', 'step': 'after-http-call', 'event': 'sendMessage', 'httpResult': json.dumps('{}'),
             'integration': out('o1', 'ci-deploy'), 'data': {'token': SECRET}, '_createdAt': f'2026-12-01T0{n}:00:00Z'}
            for n in range(3)]
    transport.on('GET', 'integrations.history', history(rows))
    result, failed = run_module(module.main, dict(TOKEN_ARGS, history=2))
    assert not failed
    by_id = {d['_id']: d for d in result['integrations']}
    assert [d['history_id'] for d in by_id['o1']['deliveries']] == ['h0', 'h1']
    assert by_id['o1']['deliveries'][0]['succeeded'] is True and 'deliveries' not in by_id['i1']
    history_calls = [c for c in transport.calls if c['endpoint'] == 'integrations.history']
    assert [c['params']['id'] for c in history_calls] == ['o1', 'o2']  # the incoming one is not asked for
    assert SECRET not in json.dumps(result)


def test_history_without_an_outgoing_permission_says_which_is_needed(run_module, transport):
    transport.on('GET', 'integrations.list', listing(*SERVER[:1]))
    transport.on('GET', 'integrations.history', fail(403, 'User does not have the permissions required for this '
                                                          'action [error-unauthorized]'))
    result, failed = run_module(module.main, dict(TOKEN_ARGS, history=5))
    assert failed and 'manage-own-outgoing-integrations' in result['msg'] and 'ci-deploy' in result['msg']
