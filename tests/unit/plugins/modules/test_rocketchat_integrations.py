# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""rocketchat_integrations through main(), against scripted Rocket.Chat answers."""

from __future__ import annotations

import json

import pytest

from ansible_collections.community.rocketchat.plugins.modules import rocketchat_integrations as module
from ansible_collections.community.rocketchat.tests.unit.conftest import BASE_URL, TOKEN_ARGS, fail, ok

HOOK_TOKEN = 'incoming-hook-secret-Ab12Cd34Ef56'
OUT_TOKEN = 'outgoing-hook-secret-Gh78Ij90'
NEW_TOKEN = 'outgoing-hook-secret-NEW-Kl12'


def outgoing_doc(id_, name, **extra):
    doc = {'_id': id_, 'type': 'webhook-outgoing', 'name': name, 'enabled': True, 'username': 'rocket.cat',
           'event': 'sendMessage', 'channel': ['#ops'], 'urls': [f'https://ci.example.com/{name}'],
           'scriptEnabled': False, 'token': OUT_TOKEN, '_createdAt': f'2026-11-20T10:00:00.{id_[-3:]}Z'}
    doc.update(extra)
    return doc


def incoming_doc(id_, name, **extra):
    doc = {'_id': id_, 'type': 'webhook-incoming', 'name': name, 'enabled': True, 'username': 'rocket.cat',
           'channel': ['#alerts'], 'scriptEnabled': False, 'overrideDestinationChannelEnabled': False,
           'token': HOOK_TOKEN, '_createdAt': f'2026-11-20T10:00:00.{id_[-3:]}Z'}
    doc.update(extra)
    return doc


def outgoing_item(name, **extra):
    return dict(dict(name=name, event='sendMessage', channel=['#ops'], urls=[f'https://ci.example.com/{name}'],
                     username='rocket.cat', token=OUT_TOKEN), **extra)


CI_SCOPE = dict(TOKEN_ARGS, type='outgoing', name_prefix='ci-', purge=True)


def listing(*docs):
    return ok(integrations=list(docs), offset=0, items=len(docs), count=len(docs), total=len(docs))


def writes(transport):
    return [(c['method'], c['endpoint'], c['body'].get('integrationId') or c['body'].get('name'))
            for c in transport.calls if c['method'] in ('POST', 'PUT')]


def names(entries):
    return [entry['name'] for entry in entries]


def assert_no_secrets(result):
    text = json.dumps(result)
    for secret in (HOOK_TOKEN, OUT_TOKEN, NEW_TOKEN, TOKEN_ARGS['api_token']):
        assert secret not in text.replace(f'/{HOOK_TOKEN}"', '/<webhook token>"')


@pytest.mark.parametrize('args, message', [
    (dict(TOKEN_ARGS, integrations=[dict(name=' ', type='incoming')]), 'integrations[0]: name is empty'),
    (dict(TOKEN_ARGS, integrations=[dict(name='x', channel='#a', username='u')]),
     "integrations[0] ('x'): set type (incoming or outgoing) on the entry, or type for the whole task"),
    (dict(TOKEN_ARGS, purge=True, integrations=[dict(name='x', type='incoming', channel='#a', username='u')]),
     'purge needs type (incoming or outgoing)'),
    (dict(CI_SCOPE, integrations=[outgoing_item('ci-a'), dict(name='ci-b', type='incoming', channel='#a', username='u')]),
     "integrations[1] ('ci-b') is an incoming integration, but type is outgoing"),
    (dict(CI_SCOPE, integrations=[outgoing_item('ci-a'), outgoing_item('deploy')]),
     "integrations[1] ('deploy') does not start with name_prefix 'ci-'"),
    (dict(CI_SCOPE, integrations=[outgoing_item('ci-a'), outgoing_item('ci-a', emoji=':x:')]),
     "integrations[0] and integrations[1] both name the outgoing integration 'ci-a': merge them into one entry"),
    (dict(CI_SCOPE, integrations=[outgoing_item('ci-a'), outgoing_item('ci-b', urls=None)]),
     "integrations[1] ('ci-b'): To create the outgoing integration 'ci-b', also set urls"),
    (dict(CI_SCOPE, integrations=[outgoing_item('ci-a', event='roomCreated')]),
     "integrations[0] ('ci-a'): Rocket.Chat ignores channel for the event 'roomCreated'"),
    (dict(CI_SCOPE, integrations=[]),
     "purge would remove every outgoing integration whose name starts with 'ci-', because integrations names none to "
     'keep (it is empty). If that is what you want, set allow_empty_purge: true. Nothing was changed'),
    (dict(CI_SCOPE, integrations=[dict(name='ci-a', state='absent')]),
     'because integrations names none to keep. If that is what you want, set allow_empty_purge: true'),
    (dict(CI_SCOPE, name_prefix='', integrations=[outgoing_item('ci-a')]), 'name_prefix is empty'),
])
def test_bad_input_fails_before_any_request(run_module, transport, args, message):
    result, failed = run_module(module.main, args)
    assert failed and message in result['msg']
    assert transport.calls == []


def test_converge_reads_once_writes_what_differs_and_purges_inside_the_scope_only(run_module, transport):
    server = [outgoing_doc('o001', 'ci-keep'), outgoing_doc('o002', 'ci-change'), outgoing_doc('o003', 'ci-stale'),
              # The server's substring name filter returns these too; they are outside the scope.
              outgoing_doc('o004', 'old-ci-x'), outgoing_doc('o005', 'CI-upper')]
    created = outgoing_doc('o006', 'ci-new')
    transport.on('GET', 'integrations.list', listing(*server), listing(*server[:3], created, *server[3:]))
    transport.on('POST', 'integrations.create', ok(integration=created))
    transport.on('PUT', 'integrations.update', ok(integration=outgoing_doc('o002', 'ci-change', emoji=':x:')))
    transport.on('POST', 'integrations.remove', ok(integration=server[2]))
    items = [outgoing_item('ci-keep'), outgoing_item('ci-change', emoji=':x:'), outgoing_item('ci-new')]
    result, failed = run_module(module.main, dict(CI_SCOPE, integrations=items))
    assert not failed and result['changed'] is True
    assert writes(transport) == [('PUT', 'integrations.update', 'o002'), ('POST', 'integrations.create', 'ci-new'),
                                 ('POST', 'integrations.remove', 'o003')]
    reads = [c for c in transport.calls if c['endpoint'] == 'integrations.list']
    # One read for the task, one after creating (parallel creators); narrowed by type and prefix on the server.
    assert len(reads) == 2 and reads[0]['params']['type'] == 'webhook-outgoing' and reads[0]['params']['name'] == 'ci-'
    assert reads[1]['params']['name'] == 'ci-new'  # the read after creating asks only for what was created
    assert result['created'] == [dict(name='ci-new', type='outgoing', integration_id='o006')]
    assert result['updated'] == [dict(name='ci-change', type='outgoing', integration_id='o002', changed_options=['emoji'])]
    assert result['removed'] == [dict(name='ci-stale', type='outgoing', integration_id='o003', purged=True)]
    assert result['unchanged'] == [dict(name='ci-keep', type='outgoing', integration_id='o001')]
    assert result['msg'] == 'Created 1, updated 1, removed 1 (1 by purge); 1 unchanged'
    assert_no_secrets(result)


def test_converged_server_costs_one_request_and_reports_no_change(run_module, transport):
    transport.on('GET', 'integrations.list', listing(outgoing_doc('o001', 'ci-a'), incoming_doc('i001', 'Alerts')))
    items = [outgoing_item('ci-a', type='outgoing'),
             dict(name='Alerts', type='incoming', channel='#alerts', username='rocket.cat')]
    result, failed = run_module(module.main, dict(TOKEN_ARGS, integrations=items, _ansible_diff=True))
    assert not failed and result['changed'] is False and 'diff' not in result
    assert len(transport.calls) == 1 and result['msg'] == 'Nothing to change; 2 unchanged'
    assert result['unchanged'][1] == dict(name='Alerts', type='incoming', integration_id='i001',
                                          webhook_url=f'{BASE_URL}/hooks/i001/{HOOK_TOKEN}')


def test_without_purge_unlisted_integrations_survive(run_module, transport):
    transport.on('GET', 'integrations.list', listing(outgoing_doc('o001', 'ci-a'), outgoing_doc('o002', 'ci-b')))
    result, failed = run_module(module.main, dict(CI_SCOPE, purge=False, integrations=[outgoing_item('ci-a')]))
    assert not failed and result['changed'] is False and writes(transport) == []


def test_absent_entries_remove_and_missing_ones_are_unchanged(run_module, transport):
    transport.on('GET', 'integrations.list', listing(incoming_doc('i001', 'Old')))
    transport.on('POST', 'integrations.remove', ok())
    items = [dict(name='Old', type='incoming', state='absent'), dict(name='Never', type='incoming', state='absent')]
    result, failed = run_module(module.main, dict(TOKEN_ARGS, integrations=items))
    assert not failed and result['changed'] is True
    assert result['removed'] == [dict(name='Old', type='incoming', integration_id='i001', purged=False)]
    assert result['unchanged'] == [dict(name='Never', type='incoming')]
    assert writes(transport) == [('POST', 'integrations.remove', 'i001')]


def test_check_mode_predicts_the_real_run_and_writes_nothing(run_module, transport):
    server = [outgoing_doc('o001', 'ci-change'), outgoing_doc('o002', 'ci-stale')]
    items = [outgoing_item('ci-change', urls=['https://ci.example.com/v2']), outgoing_item('ci-new', token=NEW_TOKEN)]
    transport.on('GET', 'integrations.list', listing(*server))
    check, failed = run_module(module.main, dict(CI_SCOPE, integrations=items, _ansible_check_mode=True,
                                                 _ansible_diff=True))
    assert not failed and writes(transport) == []
    assert check['msg'] == 'Would create 1, update 1, remove 1 (1 by purge); 0 unchanged'
    assert check['created'] == [dict(name='ci-new', type='outgoing')]
    created = outgoing_doc('o003', 'ci-new', token=NEW_TOKEN)
    updated = outgoing_doc('o001', 'ci-change', urls=['https://ci.example.com/v2'])
    transport.calls.clear()
    transport.on('GET', 'integrations.list', listing(*server), listing(updated, created))
    transport.on('POST', 'integrations.create', ok(integration=created))
    transport.on('PUT', 'integrations.update', ok(integration=updated))
    transport.on('POST', 'integrations.remove', ok())
    real, failed = run_module(module.main, dict(CI_SCOPE, integrations=items, _ansible_diff=True))
    assert not failed
    for key in ('created', 'updated', 'removed'):
        assert names(check[key]) == names(real[key])
    assert check['diff']['before'] == real['diff']['before']
    without_ids = {label: {k: v for k, v in shown.items() if k != 'integration_id'}
                   for label, shown in real['diff']['after'].items()}
    assert {label: {k: v for k, v in shown.items() if k != 'integration_id'}
            for label, shown in check['diff']['after'].items()} == without_ids


def test_diff_shows_the_whole_scope_with_tokens_masked(run_module, transport):
    server = [outgoing_doc('o001', 'ci-a'), outgoing_doc('o002', 'ci-b')]
    transport.on('GET', 'integrations.list', listing(*server))
    transport.on('PUT', 'integrations.update', ok(integration=dict(server[0], token=NEW_TOKEN)))
    items = [outgoing_item('ci-a', token=NEW_TOKEN), outgoing_item('ci-b')]
    result, failed = run_module(module.main, dict(CI_SCOPE, integrations=items, _ansible_diff=True))
    assert not failed and result['updated'][0]['changed_options'] == ['token']
    diff = result['diff']
    assert list(diff['before']) == ['ci-a (outgoing)', 'ci-b (outgoing)'] == list(diff['after'])
    assert diff['before']['ci-a (outgoing)']['token'] == '********'
    assert diff['after']['ci-a (outgoing)']['token'] == '******** (changed)'
    assert diff['before']['ci-b (outgoing)'] == diff['after']['ci-b (outgoing)']
    assert_no_secrets(result)


def test_duplicates_inside_the_scope_fail_with_their_ids_and_change_nothing(run_module, transport):
    transport.on('GET', 'integrations.list', listing(outgoing_doc('o001', 'ci-a'), outgoing_doc('o002', 'ci-old'),
                                                     outgoing_doc('o003', 'ci-old')))
    result, failed = run_module(module.main, dict(CI_SCOPE, integrations=[outgoing_item('ci-a', emoji=':x:')]))
    assert failed and writes(transport) == []
    assert "outgoing 'ci-old': o002, o003" in result['msg'] and 'Nothing was changed' in result['msg']


def test_duplicates_inside_a_given_scope_fail_even_without_purge(run_module, transport):
    transport.on('GET', 'integrations.list', listing(outgoing_doc('o001', 'ci-a'), outgoing_doc('o002', 'ci-old'),
                                                     outgoing_doc('o003', 'ci-old')))
    result, failed = run_module(module.main, dict(CI_SCOPE, purge=False, integrations=[outgoing_item('ci-a')]))
    assert failed and "outgoing 'ci-old': o002, o003" in result['msg'] and writes(transport) == []


def test_without_a_scope_duplicates_the_list_does_not_name_are_left_alone(run_module, transport):
    transport.on('GET', 'integrations.list', listing(outgoing_doc('o001', 'ci-a'), outgoing_doc('o002', 'ci-old'),
                                                     outgoing_doc('o003', 'ci-old')))
    result, failed = run_module(module.main, dict(TOKEN_ARGS, integrations=[outgoing_item('ci-a', type='outgoing')]))
    assert not failed and result['changed'] is False


@pytest.mark.parametrize('items, message', [
    ([outgoing_item('ci-a'), None], "Elements value for option 'integrations' is of type"),
    (['name=ci-a'], "integrations[0] ('ci-a'): "),
    ([outgoing_item('ci-a', enabled='maybe')], "integrations[0] ('ci-a'): argument 'enabled' is of type"),
    ([outgoing_item('ci-a', colour='red')], "integrations[0] ('ci-a'): unsupported option colour. Supported parameters include: alias"),
    ([outgoing_item('ci-a', state='gone')], "integrations[0] ('ci-a'): value of state must be one of: absent, present"),
])
def test_malformed_items_fail_naming_the_item_and_never_show_a_secret(run_module, transport, items, message):
    result, failed = run_module(module.main, dict(CI_SCOPE, integrations=items))
    assert failed and message in result['msg'] and transport.calls == []
    assert TOKEN_ARGS['api_token'] not in json.dumps(result) and OUT_TOKEN not in json.dumps(result)


def test_item_tokens_are_no_log_values(run_module, transport):
    transport.on('GET', 'integrations.list', listing(outgoing_doc('o001', 'ci-a')))
    captured = {}
    original = module.AnsibleModule.exit_json

    def exit_json(self, **result):
        captured['no_log_values'] = set(self.no_log_values)
        return original(self, **result)

    module.AnsibleModule.exit_json = exit_json
    try:
        result, failed = run_module(module.main, dict(CI_SCOPE, integrations=[outgoing_item('ci-a')]))
    finally:
        module.AnsibleModule.exit_json = original
    assert not failed and {OUT_TOKEN, TOKEN_ARGS['api_token']} <= captured['no_log_values']


def test_a_refused_write_fails_and_reports_what_was_done_before(run_module, transport):
    transport.on('GET', 'integrations.list', listing())
    transport.on('POST', 'integrations.create', ok(integration=outgoing_doc('o001', 'ci-a')),
                 fail(403, 'User does not have the permissions required for this action [error-unauthorized]'))
    items = [outgoing_item('ci-a'), outgoing_item('ci-b'), outgoing_item('ci-c')]
    result, failed = run_module(module.main, dict(CI_SCOPE, integrations=items))
    assert failed and result['changed'] is True
    assert result['msg'].startswith("integrations[1] ('ci-b'): Rocket.Chat refused to create the outgoing "
                                    "integration 'ci-b' (User does not have the permissions")
    assert result['msg'].endswith('manage-own-outgoing-integrations for integrations the user created). Before that, '
                                  'the task created 1, updated 0, removed 0')
    assert 'Nothing was changed' not in result['msg']
    assert result['created'] == [dict(name='ci-a', type='outgoing', integration_id='o001')]
    assert [w[2] for w in writes(transport)] == ['ci-a', 'ci-b']  # stopped at the first refusal
    assert_no_secrets(result)


def test_a_parallel_creator_of_the_same_name_is_settled_on_the_oldest(run_module, transport):
    mine = outgoing_doc('o009', 'ci-a')
    theirs = outgoing_doc('o001', 'ci-a')
    transport.on('GET', 'integrations.list', listing(), listing(theirs, mine))
    transport.on('POST', 'integrations.create', ok(integration=mine))
    transport.on('POST', 'integrations.remove', ok())
    result, failed = run_module(module.main, dict(CI_SCOPE, integrations=[outgoing_item('ci-a')]))
    assert not failed and result['changed'] is True
    assert writes(transport) == [('POST', 'integrations.create', 'ci-a'), ('POST', 'integrations.remove', 'o009')]
    assert result['unchanged'] == [dict(name='ci-a', type='outgoing', integration_id='o001')]
    assert result['msg'] == ("Created 0, updated 0, removed 0; kept 1 that parallel runs created at the same time, "
                             "removing this run's copies; 1 unchanged")


def test_a_failed_read_fails_the_task_with_the_permission_needed(run_module, transport):
    transport.on('GET', 'integrations.list', fail(403, 'User does not have the permissions required for this action '
                                                       '[error-unauthorized]'))
    result, failed = run_module(module.main, dict(CI_SCOPE, integrations=[outgoing_item('ci-a')]))
    assert failed and 'manage-outgoing-integrations' in result['msg'] and writes(transport) == []
    assert result['changed'] is False and 'Before that' not in result['msg']


def test_an_update_the_server_state_forbids_fails_before_the_first_write(run_module, transport):
    # Rocket.Chat needs a token to update an outgoing integration; this one has none and the entry gives none.
    no_token = outgoing_doc('o001', 'ci-b', token=None, emoji=':old:')
    transport.on('GET', 'integrations.list', listing(no_token))
    items = [outgoing_item('ci-a'), outgoing_item('ci-b', token=None, emoji=':new:')]
    result, failed = run_module(module.main, dict(CI_SCOPE, integrations=items))
    assert failed and writes(transport) == [] and result['changed'] is False
    assert result['msg'].startswith("integrations[1] ('ci-b'): Rocket.Chat requires a token to update an outgoing "
                                    "integration, and outgoing integration 'ci-b'")
    assert result['msg'].endswith('Nothing was changed')
    assert result['created'] == [] and 'Before that' not in result['msg']
