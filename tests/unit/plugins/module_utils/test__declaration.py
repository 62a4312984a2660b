# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Adoption: the declaration of a server's integrations, fed back to the declared set with the same scope and purge,
changes nothing; changing one entry changes exactly that integration; no secret is in it."""

from __future__ import annotations

import json

import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.community.rocketchat.plugins.module_utils._declaration import declaration, entry, in_scope
from ansible_collections.community.rocketchat.plugins.module_utils._integration import INCOMING, OUTGOING, IntegrationError
from ansible_collections.community.rocketchat.plugins.module_utils._integration_set import converge, plan
from ansible_collections.community.rocketchat.plugins.module_utils._run_integrations import ITEM_SPEC
from ansible_collections.community.rocketchat.tests.unit.plugins.module_utils.test__integration_set import MemoryServer

SCRIPT = 'class Script {\n  process_incoming_request({ request }) {\n    return { content: { text: request.content.text } };\n  }\n}\n'
# As the web UI leaves them: every optional field, null where a 7.3+ update wrote one, scripts, tokens, disabled ones.
UI_MADE = [
    {'_id': 'in1', '_createdAt': '2026-11-01T00:00:00.000Z', 'type': INCOMING, 'name': 'adopt-alerts', 'enabled': True,
     'username': 'rocket.cat', 'userId': 'rocket.cat', 'channel': ['#general', '@alice'], 'alias': 'Alerts',
     'avatar': 'https://example.com/a.png', 'emoji': ':bell:', 'scriptEnabled': True, 'script': SCRIPT,
     'scriptCompiled': 'compiled', 'scriptEngine': 'isolated-vm', 'skipTranspile': False,
     'overrideDestinationChannelEnabled': True, 'token': 'incoming-hook-secret-48'},
    {'_id': 'in2', '_createdAt': '2026-11-02T00:00:00.000Z', 'type': INCOMING, 'name': 'adopt-off', 'enabled': False,
     'username': 'rocket.cat', 'channel': ['#general'], 'alias': '', 'avatar': None, 'emoji': None,
     'scriptEnabled': False, 'script': '', 'overrideDestinationChannelEnabled': False, 'token': 'incoming-hook-secret-2'},
    {'_id': 'out1', '_createdAt': '2026-11-03T00:00:00.000Z', 'type': OUTGOING, 'name': 'adopt-ci', 'enabled': True,
     'event': 'sendMessage', 'username': 'rocket.cat', 'channel': ['#ops', 'all_public_channels'],
     'urls': ['https://ci.example.com/hook', 'https://backup.example.com/hook'], 'triggerWords': ['!deploy', '!ci'],
     'triggerWordAnywhere': True, 'alias': 'CI', 'avatar': '', 'emoji': ':rocket:', 'impersonateUser': True,
     'runOnEdits': False, 'retryFailedCalls': True, 'retryCount': 6, 'retryDelay': 'powers-of-two',
     'scriptEnabled': True, 'script': SCRIPT, 'scriptEngine': 'isolated-vm', 'token': 'outgoing-secret-ci',
     'targetRoom': ''},
    {'_id': 'out2', '_createdAt': '2026-11-04T00:00:00.000Z', 'type': OUTGOING, 'name': 'adopt-users', 'enabled': False,
     'event': 'userCreated', 'username': 'rocket.cat', 'channel': [], 'targetRoom': '#welcome', 'triggerWords': None,
     'urls': ['https://hr.example.com/new'], 'retryFailedCalls': False, 'retryCount': None, 'retryDelay': None,
     'alias': None, 'scriptEnabled': False, 'token': 'outgoing-secret-users'},
    {'_id': 'out3', '_createdAt': '2026-11-05T00:00:00.000Z', 'type': OUTGOING, 'name': 'adopt-tokenless', 'enabled': True,
     'event': 'roomArchived', 'username': 'rocket.cat', 'channel': [], 'urls': ['https://audit.example.com/'],
     'scriptEnabled': False},
    {'_id': 'other', '_createdAt': '2026-11-06T00:00:00.000Z', 'type': INCOMING, 'name': 'other-hook', 'enabled': True,
     'username': 'rocket.cat', 'channel': ['#general'], 'scriptEnabled': False, 'token': 'incoming-hook-secret-3'},
]
SECRETS = ('incoming-hook-secret', 'outgoing-secret')


def checked(entries):
    """The entries as rocketchat_integrations checks them (types, choices, defaults); fails on anything it refuses."""
    result = []
    for item in entries:
        validated = ArgumentSpecValidator(ITEM_SPEC).validate(item)
        assert not validated.error_messages, (item, validated.error_messages)
        result.append(validated.validated_parameters)
    return result


def run(server, entries, type_, prefix, check_mode=False):
    desired_set = plan(dict(integrations=checked(entries), type=type_, name_prefix=prefix, purge=True,
                            allow_empty_purge=False))
    outcome = converge(server, desired_set, check_mode)
    assert outcome.error is None, outcome.error
    return outcome


@pytest.mark.parametrize('type_', [INCOMING, OUTGOING])
def test_the_declaration_fed_back_with_the_same_scope_and_purge_changes_nothing(type_):
    server = MemoryServer(UI_MADE)
    entries = declaration(in_scope(server.paginate('integrations.list', 'integrations'), type_, 'adopt-'))
    assert len(entries) == (2 if type_ == INCOMING else 3)
    outcome = run(server, entries, type_, 'adopt-')
    assert not outcome.changed and server.writes == 0
    assert all(change.action == 'unchanged' for _entry, change in outcome.changes)
    assert not any(secret in json.dumps(entries) for secret in SECRETS)


@pytest.mark.parametrize('type_, name, option, value', [
    (INCOMING, 'adopt-alerts', 'script', SCRIPT.replace('text }', 'text.trim() }')),
    (OUTGOING, 'adopt-ci', 'retry_count', 2),
    (OUTGOING, 'adopt-users', 'enabled', True),
])
def test_changing_one_entry_changes_exactly_that_integration(type_, name, option, value):
    server = MemoryServer(UI_MADE)
    entries = declaration(in_scope(server.paginate('integrations.list', 'integrations'), type_, 'adopt-'))
    for item in entries:
        if item['name'] == name:
            item[option] = value
    outcome = run(server, entries, type_, 'adopt-')
    changed = [(change.before['name'], change.changed_options) for _entry, change in outcome.changes if change.changed]
    assert changed == [(name, [option])] and server.writes == 1
    assert run(server, entries, type_, 'adopt-').changed is False  # and the new state is now the declaration's


def test_an_entry_has_every_option_with_a_value_and_none_without():
    incoming, off, ci, users, tokenless, _other = (entry(doc) for doc in UI_MADE)
    assert incoming == {
        'name': 'adopt-alerts', 'type': 'incoming', 'enabled': True, 'channel': ['#general', '@alice'],
        'username': 'rocket.cat', 'alias': 'Alerts', 'avatar': 'https://example.com/a.png', 'emoji': ':bell:',
        'script_enabled': True, 'script': SCRIPT, 'override_destination_channel_enabled': True}
    assert off == {'name': 'adopt-off', 'type': 'incoming', 'enabled': False, 'channel': ['#general'],
                   'username': 'rocket.cat', 'script_enabled': False, 'override_destination_channel_enabled': False}
    assert ci['update_token'] == 'on_create' and 'token' not in ci and ci['retry_delay'] == 'powers-of-two'
    assert ci['trigger_words'] == ['!deploy', '!ci'] and 'avatar' not in ci and 'target_room' not in ci
    assert users == {'name': 'adopt-users', 'type': 'outgoing', 'enabled': False, 'username': 'rocket.cat',
                     'script_enabled': False, 'event': 'userCreated', 'urls': ['https://hr.example.com/new'],
                     'target_room': '#welcome', 'retry_failed_calls': False, 'update_token': 'on_create'}
    assert 'channel' not in tokenless and tokenless['update_token'] == 'on_create'


def test_the_declaration_would_recreate_the_integrations_on_an_empty_server():
    entries = declaration(UI_MADE[:5])
    empty = MemoryServer([])
    outcome = run(empty, [e for e in entries if e['type'] == 'outgoing'], OUTGOING, 'adopt-')
    assert [change.action for _entry, change in outcome.changes] == ['created'] * 3
    assert run(empty, [e for e in entries if e['type'] == 'outgoing'], OUTGOING, 'adopt-').changed is False


def test_options_an_event_ignores_and_values_the_module_refuses_are_left_out():
    doc = dict(UI_MADE[2], event='fileUploaded', retryCount=0, retryDelay='sometimes')
    shown = entry(doc)
    assert 'trigger_words' not in shown and 'retry_count' not in shown and 'retry_delay' not in shown
    assert shown['channel'] == ['#ops', 'all_public_channels']
    assert 'channel' not in entry(dict(UI_MADE[2], event='roomCreated', channel=['#ops']))


def test_an_event_or_post_as_user_the_module_refuses_is_left_out_and_the_round_trip_holds():
    odd = [dict(UI_MADE[2], event='messageEdited'), dict(UI_MADE[3], _id='out9', name='adopt-blank', username=' ')]
    entries = declaration(odd)
    assert 'event' not in entries[0] and entries[0]['trigger_words'] == ['!deploy', '!ci']
    assert 'username' not in entries[1] and entries[1]['event'] == 'userCreated'
    server = MemoryServer(odd)
    outcome = run(server, entries, OUTGOING, 'adopt-')
    assert not outcome.changed and server.writes == 0


def test_duplicates_cannot_be_declared_and_nothing_else_is_listed():
    with pytest.raises(IntegrationError, match=r"more than one integration of the same type and name \(incoming "
                                               r"'adopt-off': in2, copy\)"):
        declaration(UI_MADE + [dict(UI_MADE[1], _id='copy')])
    assert declaration([{'_id': 'x', 'type': 'webhook-unknown', 'name': 'x'}]) == []


def test_scope_is_exact_and_case_sensitive():
    docs = UI_MADE + [dict(UI_MADE[5], _id='upper', name='ADOPT-x')]
    assert [d['_id'] for d in in_scope(docs, INCOMING, 'adopt-')] == ['in1', 'in2']
    assert [d['_id'] for d in in_scope(docs, None, 'adopt-')] == ['in1', 'in2', 'out1', 'out2', 'out3']
    assert len(in_scope(docs)) == len(docs)
