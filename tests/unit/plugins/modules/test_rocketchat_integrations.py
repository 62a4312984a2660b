# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""rocketchat_integrations through main(), against scripted Rocket.Chat answers."""

from __future__ import annotations

import json

import pytest

from ansible.module_utils import basic

from ansible_collections.community.rocketchat.plugins.module_utils import _converge
from ansible_collections.community.rocketchat.plugins.modules import rocketchat_integrations as module
from ansible_collections.community.rocketchat.tests.unit.conftest import (
    BASE_URL, TOKEN_ARGS, assert_no_secrets, diff_of, fail, listing, ok, stored_after)

HOOK_TOKEN = 'incoming-hook-secret-Ab12Cd34Ef56'
OUT_TOKEN = 'outgoing-hook-secret-Gh78Ij90'
NEW_TOKEN = 'outgoing-hook-secret-NEW-Kl12'
SECRETS = (HOOK_TOKEN, OUT_TOKEN, NEW_TOKEN)


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


def writes(transport):
    return [(c['method'], c['endpoint'], c['body'].get('integrationId') or c['body'].get('name'))
            for c in transport.calls if c['method'] in ('POST', 'PUT')]


def names(entries):
    return [entry['name'] for entry in entries]


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
              outgoing_doc('o004', 'old-ci-x'), outgoing_doc('o005', 'CI-upper'),
              # A server that ignores the type filter returns this one too: another type, with a hook token.
              incoming_doc('i007', 'ci-hook')]
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
    assert_no_secrets(result, SECRETS)


def test_converged_server_costs_one_request_and_reports_no_change(run_module, transport):
    transport.on('GET', 'integrations.list', listing(outgoing_doc('o001', 'ci-a'), incoming_doc('i001', 'Alerts')))
    items = [outgoing_item('ci-a', type='outgoing'),
             dict(name='Alerts', type='incoming', channel='#alerts', username='rocket.cat')]
    result, failed = run_module(module.main, dict(TOKEN_ARGS, integrations=items, _ansible_diff=True))
    assert not failed and result['changed'] is False and 'diff' not in result
    assert len(transport.calls) == 1 and result['msg'] == 'Nothing to change; 2 unchanged'
    # Two types and no shared prefix: the read cannot be narrowed on the server.
    assert transport.calls[0]['params'] == {'count': '100', 'offset': '0'}
    assert result['unchanged'] == [dict(name='ci-a', type='outgoing', integration_id='o001'),
                                   dict(name='Alerts', type='incoming', integration_id='i001')]
    assert_no_secrets(result, SECRETS)


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
    assert diff_of(check)['before'] == diff_of(real)['before']
    without_ids = {label: {k: v for k, v in shown.items() if k != 'integration_id'}
                   for label, shown in diff_of(real)['after'].items()}
    assert {label: {k: v for k, v in shown.items() if k != 'integration_id'}
            for label, shown in diff_of(check)['after'].items()} == without_ids


def test_diff_shows_the_whole_scope_with_tokens_masked(run_module, transport):
    server = [outgoing_doc('o001', 'ci-a'), outgoing_doc('o002', 'ci-b'), incoming_doc('i003', 'ci-hook')]
    transport.on('GET', 'integrations.list', listing(*server))
    transport.on('PUT', 'integrations.update', ok(integration=dict(server[0], token=NEW_TOKEN)))
    items = [outgoing_item('ci-a', token=NEW_TOKEN), outgoing_item('ci-b')]
    result, failed = run_module(module.main, dict(CI_SCOPE, integrations=items, _ansible_diff=True))
    assert not failed and result['updated'][0]['changed_options'] == ['token']
    diff = diff_of(result)
    assert list(diff['before']) == ['ci-a (outgoing)', 'ci-b (outgoing)'] == list(diff['after'])
    assert diff['before']['ci-a (outgoing)']['token'] == '********'
    assert diff['after']['ci-a (outgoing)']['token'] == '******** (changed)'
    assert diff['before']['ci-b (outgoing)'] == diff['after']['ci-b (outgoing)']
    assert_no_secrets(result, SECRETS)


# Created a day apart: duplicates, not copies that parallel runs are settling.
OLD_COPIES = (outgoing_doc('o002', 'ci-old'), outgoing_doc('o003', 'ci-old', _createdAt='2026-11-21T10:00:00.000Z'))


def test_duplicates_inside_the_scope_fail_with_their_ids_and_change_nothing(run_module, transport, sleeps):
    transport.on('GET', 'integrations.list', listing(outgoing_doc('o001', 'ci-a'), *OLD_COPIES))
    result, failed = run_module(module.main, dict(CI_SCOPE, integrations=[outgoing_item('ci-a', emoji=':x:')]))
    assert failed and writes(transport) == []
    assert "outgoing 'ci-old': o002, o003" in result['msg'] and 'Nothing was changed' in result['msg']
    assert transport.endpoints() == ['GET integrations.list'] and sleeps == []  # failed after exactly one read


def test_duplicates_inside_a_given_scope_fail_even_without_purge(run_module, transport):
    transport.on('GET', 'integrations.list', listing(outgoing_doc('o001', 'ci-a'), *OLD_COPIES))
    result, failed = run_module(module.main, dict(CI_SCOPE, purge=False, integrations=[outgoing_item('ci-a')]))
    assert failed and "outgoing 'ci-old': o002, o003" in result['msg'] and writes(transport) == []


def test_without_a_scope_duplicates_the_list_does_not_name_are_left_alone(run_module, transport, sleeps):
    # Even fresh copies: they are not the task's, so nothing waits for them to settle.
    transport.on('GET', 'integrations.list', listing(outgoing_doc('o001', 'ci-a'), outgoing_doc('o002', 'ci-old'),
                                                     outgoing_doc('o003', 'ci-old')))
    result, failed = run_module(module.main, dict(TOKEN_ARGS, integrations=[outgoing_item('ci-a', type='outgoing')],
                                                  _ansible_diff=True))
    assert not failed and result['changed'] is False and 'ci-old' not in json.dumps(result)
    assert transport.endpoints() == ['GET integrations.list'] and sleeps == []


@pytest.mark.parametrize('items, message', [
    ([outgoing_item('ci-a'), None], "Elements value for option 'integrations' is of type"),
    ([outgoing_item('ci-a', enabled='maybe')], "integrations[0] ('ci-a'): argument 'enabled' is of type"),
    ([outgoing_item('ci-a', colour='red')], "integrations[0] ('ci-a'): unsupported option colour. Supported parameters include: alias"),
    ([outgoing_item('ci-a', state='gone')], "integrations[0] ('ci-a'): value of state must be one of: absent, present"),
])
def test_malformed_items_fail_naming_the_item_and_never_show_a_secret(run_module, transport, items, message):
    result, failed = run_module(module.main, dict(CI_SCOPE, integrations=items))
    assert failed and message in result['msg'] and transport.calls == []
    assert TOKEN_ARGS['api_token'] not in json.dumps(result) and OUT_TOKEN not in json.dumps(result)


def test_item_tokens_are_no_log_values(run_module, transport, monkeypatch):
    transport.on('GET', 'integrations.list', listing(outgoing_doc('o001', 'ci-a')))
    captured = {}
    original = basic.AnsibleModule.exit_json  # run_module's

    def exit_json(self, **result):
        captured['no_log_values'] = set(self.no_log_values)
        return original(self, **result)

    monkeypatch.setattr(basic.AnsibleModule, 'exit_json', exit_json)
    result, failed = run_module(module.main, dict(CI_SCOPE, integrations=[outgoing_item('ci-a')]))
    assert not failed and {OUT_TOKEN, TOKEN_ARGS['api_token']} <= captured['no_log_values']


def test_a_refused_write_fails_and_reports_what_was_done_before(run_module, transport):
    transport.on('GET', 'integrations.list', listing(incoming_doc('i009', 'ci-hook')))
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
    assert_no_secrets(result, SECRETS)


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


CANNOT_CREATE_CI_B = [outgoing_item('ci-a'), outgoing_item('ci-b', urls=None), dict(name='ci-c', emoji=':x:')]


@pytest.mark.parametrize('check_mode', [False, True])
def test_an_entry_the_server_does_not_have_and_cannot_create_fails_before_the_first_write(
        run_module, transport, check_mode):
    # ci-c exists, so it needs nothing but the option it changes; ci-b does not, and lacks urls.
    transport.on('GET', 'integrations.list', listing(outgoing_doc('o001', 'ci-c')))
    result, failed = run_module(module.main, dict(CI_SCOPE, integrations=CANNOT_CREATE_CI_B, _ansible_check_mode=check_mode))
    assert failed and result['changed'] is False
    assert transport.endpoints() == ['GET integrations.list']  # one read, no write
    assert result['msg'] == ("integrations[1] ('ci-b'): To create the outgoing integration 'ci-b', also set urls. "
                             'Nothing was changed')
    assert result['created'] == [] and 'Before that' not in result['msg']


def test_a_string_item_of_options_is_an_entry_checked_against_the_server(run_module, transport):
    transport.on('GET', 'integrations.list', listing())
    result, failed = run_module(module.main, dict(CI_SCOPE, integrations=['name=ci-a']))
    assert failed and result['msg'] == ("integrations[0] ('ci-a'): To create the outgoing integration 'ci-a', also set "
                                        'username, event, urls, channel. Nothing was changed')
    assert transport.endpoints() == ['GET integrations.list']


# -- Only the options an entry sets are compared and written ---------------------------------------------------


def test_an_existing_entry_is_updated_with_just_the_options_it_gives(run_module, transport):
    stored = outgoing_doc('o001', 'ci-a', futureField='x', triggerWords=['!go'], _updatedAt='2026-11-21T00:00:00.000Z')
    transport.on('GET', 'integrations.list', listing(stored))
    transport.on('PUT', 'integrations.update', stored_after(stored))
    result, failed = run_module(module.main, dict(CI_SCOPE, integrations=[dict(name='ci-a', enabled=False)]))
    assert not failed and result['updated'] == [dict(name='ci-a', type='outgoing', integration_id='o001',
                                                     changed_options=['enabled'])]
    body, = [c['body'] for c in transport.calls if c['method'] == 'PUT']
    assert body == {'type': 'webhook-outgoing', 'integrationId': 'o001', 'name': 'ci-a', 'enabled': False,
                    'username': 'rocket.cat', 'event': 'sendMessage', 'channel': '#ops',
                    'urls': ['https://ci.example.com/ci-a'], 'triggerWords': ['!go'], 'scriptEnabled': False,
                    'token': OUT_TOKEN, 'futureField': 'x'}
    assert transport.endpoints() == ['GET integrations.list', 'PUT integrations.update']


def test_an_entry_that_leaves_enabled_out_keeps_a_disabled_integration_disabled(run_module, transport):
    transport.on('GET', 'integrations.list', listing(outgoing_doc('o001', 'ci-a', enabled=False)))
    result, failed = run_module(module.main, dict(CI_SCOPE, integrations=[outgoing_item('ci-a')]))
    assert not failed and result['changed'] is False and writes(transport) == []


def test_a_6_3_server_gets_the_override_flag_in_a_second_update(run_module, transport):
    stored = outgoing_doc('o001', 'ci-a')
    transport.on('GET', 'integrations.list', listing(stored))
    transport.on('PUT', 'integrations.update', fail(400, "must have required property 'overrideDestinationChannelEnabled' "
                                                         '[invalid-params]', 'invalid-params'), stored_after(stored))
    result, failed = run_module(module.main, dict(CI_SCOPE, integrations=[outgoing_item('ci-a', emoji=':x:')]))
    assert not failed and names(result['updated']) == ['ci-a']
    first, second = [c['body'] for c in transport.calls if c['method'] == 'PUT']
    assert second == dict(first, overrideDestinationChannelEnabled=False)


# -- Without type and name_prefix, only what the list names ------------------------------------------------------


@pytest.mark.parametrize('items, params', [
    ([outgoing_item('ci-a', type='outgoing'), outgoing_item('ci-b', type='outgoing')],
     {'type': 'webhook-outgoing', 'name': 'ci-'}),
    ([outgoing_item('deploy-web', type='outgoing'), dict(name='deploy-db', type='incoming', state='absent')],
     {'name': 'deploy-'}),
    ([outgoing_item('ci-a', type='outgoing'), outgoing_item('deploy', type='outgoing')], {'type': 'webhook-outgoing'}),
    ([dict(name='Alerts', type='incoming', state='absent')], {'type': 'webhook-incoming', 'name': 'Alerts'}),
])
def test_without_a_scope_the_read_asks_for_the_entries_type_and_shared_prefix(run_module, transport, items, params):
    transport.on('GET', 'integrations.list', listing(*[outgoing_doc(f'o00{i}', item['name']) for i, item in enumerate(items)
                                                       if item['type'] == 'outgoing']))
    result, failed = run_module(module.main, dict(TOKEN_ARGS, integrations=items))
    assert not failed and result['changed'] is False
    read, = transport.calls
    assert read['params'] == dict(params, count='100', offset='0')


def test_without_a_scope_integrations_the_list_does_not_name_never_appear(run_module, transport):
    # The server's substring filter (or an older server, which ignores it) returns more than the list names.
    server = [outgoing_doc('o001', 'ci-a'), outgoing_doc('o002', 'ci-unrelated'), incoming_doc('i003', 'ci-a'),
              outgoing_doc('o004', 'ci-a (old)')]
    transport.on('GET', 'integrations.list', listing(*server))
    transport.on('PUT', 'integrations.update', stored_after(server[0]))
    result, failed = run_module(module.main, dict(TOKEN_ARGS, integrations=[outgoing_item('ci-a', type='outgoing', emoji=':x:')],
                                                  _ansible_diff=True))
    assert not failed and result['changed'] is True
    assert list(diff_of(result)['before']) == ['ci-a (outgoing)'] == list(diff_of(result)['after'])
    text = json.dumps(result)
    assert all(doc['_id'] not in text for doc in server[1:]) and 'unrelated' not in text and '(old)' not in text
    assert result['msg'] == 'Created 0, updated 1, removed 0; 0 unchanged'


# -- return_webhook_url -------------------------------------------------------------------------------------


HOOKS = [dict(name='Alerts', type='incoming', channel='#alerts', username='rocket.cat'),
         dict(name='Backups', type='incoming', channel='#alerts', username='rocket.cat', emoji=':floppy_disk:'),
         dict(name='New', type='incoming', channel='#alerts', username='rocket.cat'),
         dict(outgoing_item('ci-a'), type='outgoing')]


def script_hooks(transport):
    server = [incoming_doc('i001', 'Alerts'), incoming_doc('i002', 'Backups'), outgoing_doc('o003', 'ci-a')]
    new = incoming_doc('i004', 'New', token='incoming-hook-secret-of-the-new-one')
    transport.on('GET', 'integrations.list', listing(*server), listing(*server, new))
    transport.on('POST', 'integrations.create', ok(integration=new))
    transport.on('PUT', 'integrations.update', stored_after(server[1]))
    return new['token']


def test_webhook_urls_of_created_updated_and_unchanged_incoming_entries_when_asked(run_module, transport):
    new_token = script_hooks(transport)
    result, failed = run_module(module.main, dict(TOKEN_ARGS, integrations=HOOKS, return_webhook_url=True))
    assert not failed
    assert result['created'] == [dict(name='New', type='incoming', integration_id='i004',
                                      webhook_url=f'{BASE_URL}/hooks/i004/{new_token}')]
    assert result['updated'] == [dict(name='Backups', type='incoming', integration_id='i002', changed_options=['emoji'],
                                      webhook_url=f'{BASE_URL}/hooks/i002/{HOOK_TOKEN}')]
    assert result['unchanged'] == [dict(name='Alerts', type='incoming', integration_id='i001',
                                        webhook_url=f'{BASE_URL}/hooks/i001/{HOOK_TOKEN}'),
                                   dict(name='ci-a', type='outgoing', integration_id='o003')]
    assert_no_secrets(result, SECRETS + (new_token,), webhook_urls=[
        f'{BASE_URL}/hooks/i004/{new_token}', f'{BASE_URL}/hooks/i002/{HOOK_TOKEN}', f'{BASE_URL}/hooks/i001/{HOOK_TOKEN}'])


def test_no_webhook_url_and_no_hook_token_without_return_webhook_url(run_module, transport):
    new_token = script_hooks(transport)
    result, failed = run_module(module.main, dict(TOKEN_ARGS, integrations=HOOKS, _ansible_diff=True))
    assert not failed and result['changed'] is True
    assert 'webhook_url' not in json.dumps(result)
    assert_no_secrets(result, SECRETS + (new_token,))


def test_no_webhook_url_in_a_failed_result_even_when_asked(run_module, transport):
    transport.on('GET', 'integrations.list', listing(incoming_doc('i001', 'Alerts')))
    transport.on('POST', 'integrations.create', fail(400, 'Invalid Channel [error-invalid-channel]', 'error-invalid-channel'))
    items = [HOOKS[0], HOOKS[2]]
    result, failed = run_module(module.main, dict(TOKEN_ARGS, integrations=items, return_webhook_url=True))
    assert failed and 'Invalid Channel' in result['msg']
    assert result['unchanged'] == [dict(name='Alerts', type='incoming', integration_id='i001')]
    assert 'webhook_url' not in json.dumps(result)
    assert_no_secrets(result, SECRETS)


# -- Outgoing tokens ---------------------------------------------------------------------------------------


def test_an_outgoing_entry_created_without_a_token_gets_a_random_one_that_is_never_shown(run_module, transport):
    def created(call):
        return ok(integration=dict(outgoing_doc('o009', 'ci-a'), token=call['body']['token']))
    transport.on('GET', 'integrations.list', listing())
    transport.on('POST', 'integrations.create', created)
    result, failed = run_module(module.main, dict(CI_SCOPE, integrations=[outgoing_item('ci-a', token=None)],
                                                  _ansible_diff=True))
    assert not failed and result['created'] == [dict(name='ci-a', type='outgoing', integration_id='o009')]
    body, = [c['body'] for c in transport.calls if c['method'] == 'POST']
    assert len(body['token']) == 48 and body['token'] != OUT_TOKEN
    assert diff_of(result)['after']['ci-a (outgoing)']['token'] == '********'
    assert body['token'] not in json.dumps(result)


TOKENLESS_CI_B = outgoing_doc('o001', 'ci-b', token=None, emoji=':old:')
RANDOM_TOKEN = 'random-token-from-the-module-0123456789abcdefgh'


def test_an_outgoing_integration_without_a_token_gets_a_random_one_and_one_warning(run_module, transport):
    transport.on('GET', 'integrations.list', listing(TOKENLESS_CI_B))
    transport.on('PUT', 'integrations.update', stored_after(TOKENLESS_CI_B))
    items = [outgoing_item('ci-b', token=None, emoji=':new:')]
    result, failed = run_module(module.main, dict(CI_SCOPE, integrations=items, _ansible_diff=True))
    assert not failed and result['updated'] == [dict(name='ci-b', type='outgoing', integration_id='o001',
                                                     changed_options=['emoji', 'token'])]
    body, = [c['body'] for c in transport.calls if c['method'] == 'PUT']
    assert len(body['token']) == 48
    warning, = result['warnings']  # the dry pass before the writes does not warn
    assert "outgoing integration 'ci-b' (id o001) has no token" in warning and 'the update set a random one' in warning
    assert 'set token' in warning
    assert diff_of(result)['after']['ci-b (outgoing)']['token'] == '******** (changed)'
    assert body['token'] not in json.dumps(result)


def test_check_mode_warns_that_it_would_set_a_random_token(run_module, transport, monkeypatch):
    monkeypatch.setattr(_converge, 'new_token', lambda: RANDOM_TOKEN)
    transport.on('GET', 'integrations.list', listing(TOKENLESS_CI_B))
    items = [outgoing_item('ci-b', token=None, emoji=':new:')]
    result, failed = run_module(module.main, dict(CI_SCOPE, integrations=items, _ansible_check_mode=True, _ansible_diff=True))
    assert not failed and writes(transport) == [] and result['updated'][0]['changed_options'] == ['emoji', 'token']
    warning, = result['warnings']
    assert 'has no token' in warning and 'the update would set a random one' in warning
    assert RANDOM_TOKEN not in json.dumps(result)


# -- skip_transpile ------------------------------------------------------------------------------------------


def test_skip_transpile_on_an_older_server_fails_in_the_dry_pass_naming_the_entry(run_module, transport):
    transport.on('GET', 'integrations.list', listing())
    transport.on('GET', '/api/info', ok(version='7.10.0'))
    items = [outgoing_item('ci-a'), outgoing_item('ci-b', skip_transpile=True)]
    result, failed = run_module(module.main, dict(CI_SCOPE, integrations=items))
    assert failed and result['changed'] is False and result['created'] == []
    assert result['msg'].startswith("integrations[1] ('ci-b'): skip_transpile needs Rocket.Chat 8.4 or later, and this "
                                    'server runs 7.10')
    assert transport.endpoints() == ['GET integrations.list', 'GET /api/info']


def test_skip_transpile_on_8_4_is_written_and_the_version_read_once(run_module, transport):
    transport.on('GET', 'integrations.list', listing(), listing(outgoing_doc('o001', 'ci-a'), outgoing_doc('o002', 'ci-b')))
    transport.on('GET', '/api/info', ok(version='8.4.1'))
    transport.on('POST', 'integrations.create', ok(integration=outgoing_doc('o001', 'ci-a')),
                 ok(integration=outgoing_doc('o002', 'ci-b')))
    items = [outgoing_item('ci-a', skip_transpile=True), outgoing_item('ci-b', skip_transpile=True)]
    result, failed = run_module(module.main, dict(CI_SCOPE, integrations=items))
    assert not failed and names(result['created']) == ['ci-a', 'ci-b']
    assert [c['body']['skipTranspile'] for c in transport.calls if c['method'] == 'POST'] == [True, True]
    assert transport.endpoints().count('GET /api/info') == 1


def test_a_login_refused_without_a_reason_is_not_called_a_missing_permission(run_module, transport):
    # Rocket.Chat 9's body for any failed login (reference §13.5); the first request of the task runs into it.
    transport.on('POST', 'login', dict(status=401, json_body={'success': False, 'error': 'unauthorized'}))
    args = dict(CI_SCOPE, integrations=[outgoing_item('ci-a')], api_username='deploy', api_password='unit-pw-77c1')
    del args['api_user_id'], args['api_token']
    result, failed = run_module(module.main, args)
    assert failed and result['status'] == 401 and transport.endpoints() == ['POST login']
    assert 'two-factor authentication' in result['msg'] and 'api_user_id and api_token' in result['msg']
    assert 'permission' not in result['msg'] and 'unit-pw-77c1' not in json.dumps(result)


def test_skip_transpile_on_9_x_is_never_sent_nor_compared_and_each_entry_that_sets_it_warns(run_module, transport):
    # Rocket.Chat 9.0 dropped the flag with the transpilation (reference §13.2, §13.3).
    kept = outgoing_doc('o001', 'ci-a', skipTranspile=True)
    transport.on('GET', 'integrations.list', listing(kept), listing(kept, outgoing_doc('o002', 'ci-b')))
    transport.on('GET', '/api/info', ok(version='9.0'))
    transport.on('POST', 'integrations.create', ok(integration=outgoing_doc('o002', 'ci-b')))
    transport.on('PUT', 'integrations.update', stored_after(kept))
    items = [outgoing_item('ci-a', skip_transpile=False, emoji=':x:'), outgoing_item('ci-b', skip_transpile=True)]
    result, failed = run_module(module.main, dict(CI_SCOPE, integrations=items))
    assert not failed and names(result['created']) == ['ci-b'] and names(result['updated']) == ['ci-a']
    assert result['updated'][0]['changed_options'] == ['emoji']
    assert not any('skipTranspile' in c['body'] for c in transport.calls if c['method'] in ('POST', 'PUT'))
    assert transport.endpoints().count('GET /api/info') == 1
    assert [w.split(' has no effect')[0] for w in result['warnings']] == [
        "skip_transpile (set for 'ci-a')", "skip_transpile (set for 'ci-b')"]


def test_no_version_is_read_without_skip_transpile(run_module, transport):
    transport.on('GET', 'integrations.list', listing(), listing(outgoing_doc('o001', 'ci-a')))
    transport.on('POST', 'integrations.create', ok(integration=outgoing_doc('o001', 'ci-a')))
    result, failed = run_module(module.main, dict(CI_SCOPE, integrations=[outgoing_item('ci-a')]))
    assert not failed and 'GET /api/info' not in transport.endpoints()


# -- Parallel creators ---------------------------------------------------------------------------------------


@pytest.mark.parametrize('emoji, action', [(None, 'unchanged'), (':x:', 'updated')])
def test_the_scope_read_waits_for_copies_that_parallel_creators_are_settling(run_module, transport, sleeps, emoji, action):
    kept, copy = outgoing_doc('o001', 'ci-a'), outgoing_doc('o002', 'ci-a', _createdAt='2026-11-20T10:00:30.000Z')
    transport.on('GET', 'integrations.list', listing(kept, copy), listing(kept))
    transport.on('PUT', 'integrations.update', stored_after(kept))
    items = [outgoing_item('ci-a', **({'emoji': emoji} if emoji else {}))]
    result, failed = run_module(module.main, dict(CI_SCOPE, integrations=items))
    assert not failed and [entry['integration_id'] for entry in result[action]] == ['o001']
    assert sleeps == [0.2]
    assert transport.endpoints() == ['GET integrations.list'] * 2 + (['PUT integrations.update'] if emoji else [])


def test_copies_that_stay_fail_the_task_after_the_bounded_waits(run_module, transport, sleeps):
    copies = [outgoing_doc('o001', 'ci-a'), outgoing_doc('o002', 'ci-a', _createdAt='2026-11-20T10:00:59.000Z')]
    transport.on('GET', 'integrations.list', listing(*copies))
    result, failed = run_module(module.main, dict(CI_SCOPE, integrations=[outgoing_item('ci-a', emoji=':x:')]))
    assert failed and "outgoing 'ci-a': o001, o002" in result['msg'] and writes(transport) == []
    assert sleeps == [0.2, 0.4, 0.8, 1.6, 3.2] and transport.endpoints() == ['GET integrations.list'] * 6


def test_copies_created_more_than_a_minute_apart_fail_after_one_read(run_module, transport, sleeps):
    copies = [outgoing_doc('o001', 'ci-a'), outgoing_doc('o002', 'ci-a', _createdAt='2026-11-20T10:01:01.000Z')]
    transport.on('GET', 'integrations.list', listing(*copies), listing(copies[0]))
    result, failed = run_module(module.main, dict(CI_SCOPE, integrations=[outgoing_item('ci-a')]))
    assert failed and "outgoing 'ci-a': o001, o002" in result['msg'] and writes(transport) == []
    assert sleeps == [] and transport.endpoints() == ['GET integrations.list']


def test_without_a_scope_the_read_also_waits_for_settling_copies_of_a_named_entry(run_module, transport, sleeps):
    kept, copy = outgoing_doc('o001', 'ci-a'), outgoing_doc('o002', 'ci-a', _createdAt='2026-11-20T10:00:01.000Z')
    transport.on('GET', 'integrations.list', listing(kept, copy), listing(kept, copy), listing(kept))
    result, failed = run_module(module.main, dict(TOKEN_ARGS, integrations=[outgoing_item('ci-a', type='outgoing')]))
    assert not failed and result['unchanged'] == [dict(name='ci-a', type='outgoing', integration_id='o001')]
    assert sleeps == [0.2, 0.4]


def test_the_items_deprecated_option_is_reported_once_by_the_module(run_module, transport, monkeypatch):
    shown = []
    monkeypatch.setattr(basic.AnsibleModule, 'deprecate', lambda self, msg, **kwargs: shown.append((msg, kwargs)))
    transport.on('GET', 'integrations.list', listing())
    items = [outgoing_item('ci-a', skip_transpile=False), outgoing_item('ci-b', skip_transpile=False), outgoing_item('ci-c')]
    transport.on('GET', '/api/info', ok(version='8.9'))
    result, failed = run_module(module.main, dict(CI_SCOPE, integrations=items, _ansible_check_mode=True))
    assert not failed and shown == [("Param 'integrations[].skip_transpile' is deprecated. See the module docs for more "
                                     'information', {'version': '3.0.0', 'collection_name': 'community.rocketchat'})]
