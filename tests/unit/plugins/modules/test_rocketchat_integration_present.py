# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""rocketchat_integration state=present through main(), against scripted Rocket.Chat answers."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from ansible_collections.community.rocketchat.plugins.module_utils import _converge
from ansible_collections.community.rocketchat.plugins.modules import rocketchat_integration as module
from ansible_collections.community.rocketchat.tests.unit.conftest import (
    BASE_URL, TOKEN_ARGS, assert_no_secrets, diff_of, fail, listing, ok, stored_after)

HOOK_TOKEN = 'incoming-hook-secret-Zq81x0TkP4m2'
OUT_TOKEN = 'outgoing-hook-secret-Yw55b3'
NEW_TOKEN = 'outgoing-hook-secret-NEW-9k2'
SECRETS = (HOOK_TOKEN, OUT_TOKEN, NEW_TOKEN)
WEBHOOK_URL = f'{BASE_URL}/hooks/in1/{HOOK_TOKEN}'

INCOMING_DOC = {'_id': 'in1', 'type': 'webhook-incoming', 'name': 'Alerts', 'enabled': True, 'username': 'rocket.cat',
                'channel': ['#alerts'], 'scriptEnabled': False, 'overrideDestinationChannelEnabled': False, 'token': HOOK_TOKEN,
                'userId': 'rocket.cat', '_createdAt': '2026-11-20T10:00:00.000Z', '_updatedAt': '2026-11-20T10:00:00.000Z'}
OUTGOING_DOC = {'_id': 'out1', 'type': 'webhook-outgoing', 'name': 'CI', 'enabled': True, 'username': 'rocket.cat',
                'event': 'sendMessage', 'channel': ['#ops'], 'urls': ['https://ci.example.com/hook'], 'triggerWords': ['!deploy'],
                'scriptEnabled': False, 'token': OUT_TOKEN, '_createdAt': '2026-11-20T10:00:00.000Z'}

INCOMING_ARGS = dict(TOKEN_ARGS, type='incoming', name='Alerts', channel=['#alerts'], username='rocket.cat')
OUTGOING_ARGS = dict(TOKEN_ARGS, type='outgoing', name='CI', event='sendMessage', channel='#ops',
                     urls=['https://ci.example.com/hook'], trigger_words=['!deploy'], username='rocket.cat')


def created_from_body(_id):
    """An answer to integrations.create: the integration stored from the body, with an _id (and a hook token)."""
    def answer(call):
        doc = dict(call['body'], _id=_id, _createdAt='2026-11-28T10:00:00.000Z')
        doc['channel'] = [part for part in doc['channel'].split(',') if part]
        if doc['type'] == 'webhook-incoming':
            doc['token'] = HOOK_TOKEN
        return ok(integration=doc)
    return answer


def writes(transport):
    return [(c['method'], c['endpoint'], c['body']) for c in transport.calls if c['method'] in ('POST', 'PUT')]


def test_create_incoming_sends_what_the_api_requires_and_returns_the_webhook_url_when_asked(run_module, transport):
    transport.on('GET', 'integrations.list', listing())
    transport.on('POST', 'integrations.create', ok(integration=INCOMING_DOC))
    result, failed = run_module(module.main, dict(INCOMING_ARGS, channel='#alerts, ', return_webhook_url=True,
                                                  _ansible_diff=True))
    assert not failed and result['changed'] is True
    assert writes(transport) == [('POST', 'integrations.create', {
        'type': 'webhook-incoming', 'name': 'Alerts', 'enabled': True, 'channel': '#alerts', 'username': 'rocket.cat',
        'scriptEnabled': False, 'overrideDestinationChannelEnabled': False})]
    assert result['webhook_url'] == WEBHOOK_URL
    assert result['integration']['token'] == '********' and diff_of(result)['before'] == {}
    assert diff_of(result)['after']['name'] == 'Alerts' and HOOK_TOKEN not in json.dumps(diff_of(result))
    assert_no_secrets(result, SECRETS, webhook_urls=[WEBHOOK_URL])


def test_create_in_check_mode_predicts_without_writing(run_module, transport):
    transport.on('GET', 'integrations.list', listing())
    result, failed = run_module(module.main, dict(INCOMING_ARGS, _ansible_check_mode=True, _ansible_diff=True))
    assert not failed and result['changed'] is True and writes(transport) == []
    assert result['msg'] == "Would create incoming integration 'Alerts'" and 'webhook_url' not in result
    assert diff_of(result) == {'before': {}, 'after': {
        'type': 'incoming', 'name': 'Alerts', 'enabled': True, 'channel': ['#alerts'], 'username': 'rocket.cat',
        'script_enabled': False, 'override_destination_channel_enabled': False}}


def test_unchanged_integration_is_not_written(run_module, transport):
    transport.on('GET', 'integrations.list', listing(INCOMING_DOC, dict(INCOMING_DOC, _id='in2', name='Alerts old')))
    result, failed = run_module(module.main, INCOMING_ARGS)
    assert not failed and result['changed'] is False and result['changed_options'] == []
    assert writes(transport) == [] and len(transport.calls) == 1


def test_update_changes_one_option_and_keeps_the_rest(run_module, transport):
    transport.on('GET', 'integrations.list', listing(OUTGOING_DOC))
    transport.on('PUT', 'integrations.update', ok(integration=dict(OUTGOING_DOC, emoji=':rocket:')))
    result, failed = run_module(module.main, dict(OUTGOING_ARGS, emoji=':rocket:', _ansible_diff=True))
    assert not failed and result['changed'] is True and result['changed_options'] == ['emoji']
    (method, endpoint, body), = writes(transport)
    assert (method, endpoint) == ('PUT', 'integrations.update')
    assert body == {'type': 'webhook-outgoing', 'integrationId': 'out1', 'name': 'CI', 'enabled': True, 'channel': '#ops',
                    'username': 'rocket.cat', 'emoji': ':rocket:', 'scriptEnabled': False, 'event': 'sendMessage',
                    'urls': ['https://ci.example.com/hook'], 'triggerWords': ['!deploy'], 'token': OUT_TOKEN}
    assert 'emoji' not in diff_of(result)['before'] and diff_of(result)['after']['emoji'] == ':rocket:'
    assert diff_of(result)['before']['token'] == diff_of(result)['after']['token'] == '********'
    assert_no_secrets(result, SECRETS)


def test_check_mode_predicts_the_same_change_and_diff_as_the_real_run(run_module, transport):
    transport.on('GET', 'integrations.list', listing(OUTGOING_DOC))
    transport.on('PUT', 'integrations.update', ok(integration=dict(OUTGOING_DOC, channel=['#ops', '#dev'], enabled=False,
                                                                   _updatedAt='2026-11-27T00:00:00.000Z')))
    args = dict(OUTGOING_ARGS, channel=['#dev', '#ops'], enabled=False, _ansible_diff=True)
    predicted, dummy = run_module(module.main, dict(args, _ansible_check_mode=True))
    assert writes(transport) == []
    real, dummy = run_module(module.main, args)
    assert len(writes(transport)) == 1
    assert predicted['changed'] is True and real['changed'] is True
    assert predicted['changed_options'] == real['changed_options'] == ['enabled', 'channel']
    assert diff_of(predicted)['after']['channel'] == ['#dev', '#ops'] and diff_of(real)['after']['channel'] == ['#ops', '#dev']
    # The server keeps the channel order it was given; everything else is predicted to the letter.
    for key in ('before', 'after'):
        assert set(diff_of(predicted)[key]) == set(diff_of(real)[key])
        for option, value in diff_of(predicted)[key].items():
            expected = diff_of(real)[key][option]
            assert (sorted(value) == sorted(expected)) if option == 'channel' else (value == expected)


def test_token_always_is_compared_and_changed_without_showing_it(run_module, transport):
    transport.on('GET', 'integrations.list', listing(OUTGOING_DOC))
    transport.on('PUT', 'integrations.update', ok(integration=dict(OUTGOING_DOC, token=NEW_TOKEN)))
    result, failed = run_module(module.main, dict(OUTGOING_ARGS, token=NEW_TOKEN, _ansible_diff=True))
    assert not failed and result['changed_options'] == ['token']
    assert writes(transport)[0][2]['token'] == NEW_TOKEN
    assert diff_of(result)['after']['token'] == '******** (changed)' and diff_of(result)['before']['token'] == '********'
    assert_no_secrets(result, SECRETS)


def test_token_on_create_leaves_an_existing_token_alone(run_module, transport):
    transport.on('GET', 'integrations.list', listing(OUTGOING_DOC))
    result, failed = run_module(module.main, dict(OUTGOING_ARGS, token=NEW_TOKEN, update_token='on_create'))
    assert not failed and result['changed'] is False and writes(transport) == []


def test_token_on_create_is_sent_when_creating(run_module, transport):
    transport.on('GET', 'integrations.list', listing())
    transport.on('POST', 'integrations.create', ok(integration=dict(OUTGOING_DOC, token=NEW_TOKEN)))
    result, failed = run_module(module.main, dict(OUTGOING_ARGS, token=NEW_TOKEN, update_token='on_create'))
    assert not failed and result['changed'] is True and writes(transport)[0][2]['token'] == NEW_TOKEN
    assert_no_secrets(result, SECRETS)


def test_rename_by_integration_id_keeps_everything_else_even_a_disabled_state(run_module, transport):
    disabled = dict(INCOMING_DOC, enabled=False)
    transport.on('GET', 'integrations.get', ok(integration=disabled))
    transport.on('PUT', 'integrations.update', stored_after(disabled))
    result, failed = run_module(module.main, dict(TOKEN_ARGS, integration_id='in1', name='Alerts (old)'))
    assert not failed and result['changed_options'] == ['name']
    (dummy, dummy, body), = writes(transport)
    assert body['name'] == 'Alerts (old)' and body['integrationId'] == 'in1' and body['enabled'] is False
    assert result['integration']['enabled'] is False


def test_unknown_integration_id_is_not_created(run_module, transport):
    transport.on('GET', 'integrations.get', fail(400, 'The integration does not exists.'))
    result, failed = run_module(module.main, dict(TOKEN_ARGS, integration_id='nope', name='x'))
    assert failed and 'does not exist' in result['msg'] and writes(transport) == []


def test_integration_id_of_the_other_type_fails(run_module, transport):
    transport.on('GET', 'integrations.get', ok(integration=OUTGOING_DOC))
    result, failed = run_module(module.main, dict(TOKEN_ARGS, integration_id='out1', type='incoming', name='x'))
    assert failed and 'type: outgoing' in result['msg'] and writes(transport) == []


def test_options_of_the_found_type_are_checked_after_reading(run_module, transport):
    transport.on('GET', 'integrations.get', ok(integration=INCOMING_DOC))
    result, failed = run_module(module.main, dict(TOKEN_ARGS, integration_id='in1', urls=['https://a']))
    assert failed and 'urls only applies to outgoing integrations' in result['msg'] and writes(transport) == []


def test_duplicate_names_fail_on_present_too(run_module, transport, sleeps):
    # Created a day apart: not copies that parallel runs are settling, so the task fails at once.
    transport.on('GET', 'integrations.list', listing(INCOMING_DOC, dict(INCOMING_DOC, _id='in2',
                                                                        _createdAt='2026-11-21T10:00:00.000Z')))
    result, failed = run_module(module.main, INCOMING_ARGS)
    assert failed and 'in1' in result['msg'] and 'in2' in result['msg'] and writes(transport) == []
    assert transport.endpoints() == ['GET integrations.list'] and sleeps == []


@pytest.mark.parametrize('options, fragment', [
    (dict(TOKEN_ARGS, name='x'), 'type is required with name'),
    (dict(TOKEN_ARGS, type='incoming'), 'state=present needs name'),
    (dict(INCOMING_ARGS, urls=['https://a']), 'urls only applies to outgoing'),
    (dict(INCOMING_ARGS, channel=['general']), "'#general'"),
    (dict(OUTGOING_ARGS, event='roomCreated'), "ignores channel and trigger_words for the event 'roomCreated'"),
    (dict(OUTGOING_ARGS, target_url='https://a'), 'target_url only finds an integration to remove'),
    (dict(OUTGOING_ARGS, event='messageSent'), 'event'),
    (dict(OUTGOING_ARGS, retry_delay='fibonacci'), 'retry_delay'),
])
def test_bad_options_fail_before_any_request(run_module, transport, options, fragment):
    result, failed = run_module(module.main, options)
    assert failed and fragment in result['msg'] and transport.calls == []


def test_server_validation_errors_are_passed_on(run_module, transport):
    transport.on('GET', 'integrations.list', listing())
    refused = fail(400, 'Invalid Channel [error-invalid-channel]', 'error-invalid-channel', details={'method': 'addIncomingIntegration'})
    transport.on('POST', 'integrations.create', refused)
    result, failed = run_module(module.main, INCOMING_ARGS)
    assert failed and 'Invalid Channel [error-invalid-channel]' in result['msg'] and 'Nothing was changed' in result['msg']


# Rocket.Chat 8.x refuses with 400 not_authorized; 9.0 with 403 errorType error-forbidden, the refusal in error, whose
# exact text is not known (reference §13.4): the message names the permission either way.
REFUSALS = [
    fail(400, '[not_authorized]', 'not_authorized'),
    fail(403, '[not_authorized]', 'error-forbidden'),
    fail(403, 'Unauthorized', 'error-forbidden'),
    fail(403, 'not_authorized', 'error-forbidden'),
]


@pytest.mark.parametrize('answer', REFUSALS)
def test_create_without_permission_names_it(run_module, transport, answer):
    transport.on('GET', 'integrations.list', listing())
    transport.on('POST', 'integrations.create', answer)
    result, failed = run_module(module.main, OUTGOING_ARGS)
    assert failed and result['msg'].startswith("Rocket.Chat refused to create the outgoing integration 'CI'")
    assert 'manage-outgoing-integrations (or manage-own-outgoing-integrations' in result['msg']
    assert result['msg'].endswith('Nothing was changed')


@pytest.mark.parametrize('answer', REFUSALS)
def test_update_without_permission_names_it(run_module, transport, answer):
    transport.on('GET', 'integrations.list', listing(INCOMING_DOC))
    transport.on('PUT', 'integrations.update', answer)
    result, failed = run_module(module.main, dict(INCOMING_ARGS, emoji=':x:'))
    assert failed and result['msg'].startswith("Rocket.Chat refused to update the incoming integration 'Alerts'")
    assert 'manage-incoming-integrations (or manage-own-incoming-integrations' in result['msg']
    assert len(writes(transport)) == 1 and result['msg'].endswith('Nothing was changed')
    assert_no_secrets(result, SECRETS)


def test_a_change_the_server_does_not_store_is_a_warning(run_module, transport):
    transport.on('GET', 'integrations.list', listing(INCOMING_DOC))
    transport.on('PUT', 'integrations.update', ok(integration=INCOMING_DOC))  # the post-as user did not persist
    result, failed = run_module(module.main, dict(INCOMING_ARGS, username='alerts.bot'))
    assert not failed and result['changed'] is True
    assert any('did not store: username' in warning for warning in result.get('warnings', []))


# -- Only the options a task sets are compared and written ------------------------------------------------------


@pytest.mark.parametrize('extra', [dict(), dict(return_webhook_url=False)])
@pytest.mark.parametrize('server', ['creates', 'has it', 'updates'])
def test_the_webhook_url_is_returned_only_when_asked(run_module, transport, extra, server):
    transport.on('GET', 'integrations.list', listing() if server == 'creates' else listing(INCOMING_DOC))
    transport.on('POST', 'integrations.create', ok(integration=INCOMING_DOC))
    transport.on('PUT', 'integrations.update', stored_after(INCOMING_DOC))
    result, failed = run_module(module.main, dict(INCOMING_ARGS, _ansible_diff=True, **extra,
                                                  **({'emoji': ':x:'} if server == 'updates' else {})))
    assert not failed and result['changed'] is (server != 'has it')
    assert 'webhook_url' not in result
    assert_no_secrets(result, SECRETS)


def test_the_webhook_url_of_an_existing_integration_when_asked(run_module, transport):
    transport.on('GET', 'integrations.list', listing(INCOMING_DOC))
    result, failed = run_module(module.main, dict(INCOMING_ARGS, return_webhook_url=True))
    assert not failed and result['changed'] is False
    assert result['webhook_url'] == WEBHOOK_URL
    assert_no_secrets(result, SECRETS, webhook_urls=[WEBHOOK_URL])


def test_an_existing_integration_found_by_name_is_updated_with_just_the_options_given(run_module, transport):
    transport.on('GET', 'integrations.list', listing(OUTGOING_DOC))
    transport.on('PUT', 'integrations.update', stored_after(OUTGOING_DOC))
    result, failed = run_module(module.main, dict(TOKEN_ARGS, type='outgoing', name='CI', enabled=False))
    assert not failed and result['changed'] is True and result['changed_options'] == ['enabled']
    assert transport.endpoints() == ['GET integrations.list', 'PUT integrations.update']
    (dummy, dummy, body), = writes(transport)
    assert body == {'type': 'webhook-outgoing', 'integrationId': 'out1', 'name': 'CI', 'enabled': False,
                    'username': 'rocket.cat', 'event': 'sendMessage', 'channel': '#ops',
                    'urls': ['https://ci.example.com/hook'], 'triggerWords': ['!deploy'], 'scriptEnabled': False,
                    'token': OUT_TOKEN}
    assert_no_secrets(result, SECRETS)


def test_an_option_left_out_is_not_compared(run_module, transport):
    # enabled used to default to true: a disabled integration would have been enabled again by every run.
    transport.on('GET', 'integrations.list', listing(dict(INCOMING_DOC, enabled=False)))
    result, failed = run_module(module.main, INCOMING_ARGS)
    assert not failed and result['changed'] is False and writes(transport) == []


def test_an_option_left_out_keeps_its_stored_value_in_an_update(run_module, transport):
    disabled = dict(INCOMING_DOC, enabled=False, overrideDestinationChannelEnabled=True, alias='Monitoring')
    transport.on('GET', 'integrations.list', listing(disabled))
    transport.on('PUT', 'integrations.update', stored_after(disabled))
    result, failed = run_module(module.main, dict(INCOMING_ARGS, emoji=':x:'))
    assert not failed and result['changed_options'] == ['emoji']
    (dummy, dummy, body), = writes(transport)
    assert body['enabled'] is False and body['overrideDestinationChannelEnabled'] is True and body['alias'] == 'Monitoring'


def test_a_creation_is_enabled_unless_the_task_says_otherwise(run_module, transport):
    transport.on('GET', 'integrations.list', listing())
    transport.on('POST', 'integrations.create', created_from_body('in9'))
    result, failed = run_module(module.main, dict(INCOMING_ARGS, enabled=False))
    assert not failed and writes(transport)[0][2]['enabled'] is False
    assert result['changed_options'] == ['name', 'enabled', 'channel', 'username']


@pytest.mark.parametrize('options, message', [
    (dict(type='outgoing', name='X'), "To create the outgoing integration 'X', also set username, event, urls, channel. "
                                      'Nothing was changed'),
    (dict(type='outgoing', name='X', enabled=False, event='roomCreated', urls=['https://a']),
     "To create the outgoing integration 'X', also set username. Nothing was changed"),
    (dict(type='incoming', name='X', emoji=':x:'), "To create the incoming integration 'X', also set username, channel. "
                                                   'Nothing was changed'),
])
def test_what_a_creation_needs_is_checked_once_the_lookup_found_nothing(run_module, transport, options, message):
    transport.on('GET', 'integrations.list', listing(dict(OUTGOING_DOC, name='Y'), dict(INCOMING_DOC, name='Y')))
    result, failed = run_module(module.main, dict(TOKEN_ARGS, **options))
    assert failed and result['msg'] == message
    assert transport.endpoints() == ['GET integrations.list']  # one read, no write


@pytest.mark.parametrize('options, doc', [(dict(type='outgoing', name='CI', emoji=':x:'), OUTGOING_DOC),
                                          (dict(type='incoming', name='Alerts', emoji=':x:'), INCOMING_DOC)])
def test_what_a_creation_needs_is_not_required_to_update(run_module, transport, options, doc):
    transport.on('GET', 'integrations.list', listing(doc))
    transport.on('PUT', 'integrations.update', stored_after(doc))
    result, failed = run_module(module.main, dict(TOKEN_ARGS, **options))
    assert not failed and result['changed_options'] == ['emoji'] and len(writes(transport)) == 1


# -- Updates carry every stored field, and adapt to older schemas --------------------------------------------------


def test_an_update_sends_back_every_stored_field_even_unknown_ones(run_module, transport):
    stored = dict(INCOMING_DOC, futureField='x', nested={'a': 1}, alias='', scriptCompiled='compiled', scriptError=None,
                  emptyList=[], nothing=None, _rid='room1')
    transport.on('GET', 'integrations.list', listing(stored))
    transport.on('PUT', 'integrations.update', stored_after(stored))
    result, failed = run_module(module.main, dict(INCOMING_ARGS, emoji=':x:'))
    assert not failed and result['changed_options'] == ['emoji']
    (dummy, dummy, body), = writes(transport)
    # Not sent: _-prefixed metadata, what the server manages (userId, scriptCompiled), nulls, empty lists, the hook token.
    assert body == {'type': 'webhook-incoming', 'integrationId': 'in1', 'name': 'Alerts', 'enabled': True,
                    'username': 'rocket.cat', 'channel': '#alerts', 'scriptEnabled': False,
                    'overrideDestinationChannelEnabled': False, 'emoji': ':x:', 'futureField': 'x', 'nested': {'a': 1},
                    'alias': ''}


SCHEMA_6_3 = fail(400, "must have required property 'overrideDestinationChannelEnabled' [invalid-params]", 'invalid-params')
ADDITIONAL = fail(400, 'must NOT have additional properties [invalid-params]', 'invalid-params')


def test_a_6_3_server_gets_the_override_flag_in_a_second_update(run_module, transport):
    transport.on('GET', 'integrations.list', listing(OUTGOING_DOC))
    transport.on('PUT', 'integrations.update', SCHEMA_6_3, stored_after(OUTGOING_DOC))
    result, failed = run_module(module.main, dict(OUTGOING_ARGS, emoji=':x:'))
    assert not failed and result['changed_options'] == ['emoji']
    first, second = (body for dummy, dummy, body in writes(transport))
    assert 'overrideDestinationChannelEnabled' not in first
    assert second == dict(first, overrideDestinationChannelEnabled=False)
    assert 'warnings' not in result


def test_an_outgoing_update_refused_for_an_unknown_stored_field_is_sent_again_without_it(run_module, transport):
    stored = dict(OUTGOING_DOC, futureField='x', scriptEngine='isolated-vm')
    transport.on('GET', 'integrations.list', listing(stored))
    transport.on('PUT', 'integrations.update', ADDITIONAL, stored_after(stored))
    result, failed = run_module(module.main, dict(OUTGOING_ARGS, emoji=':x:'))
    assert not failed and result['changed_options'] == ['emoji']
    first, second = (body for dummy, dummy, body in writes(transport))
    assert first['futureField'] == 'x' and first['emoji'] == ':x:'
    assert second == {key: value for key, value in first.items() if key != 'futureField'}
    assert second['scriptEngine'] == 'isolated-vm'  # known to the schema, so kept


def test_an_older_outgoing_schema_gets_a_third_update_without_the_newer_keys(run_module, transport):
    stored = dict(OUTGOING_DOC, futureField='x', scriptEngine='isolated-vm', skipTranspile=True)
    transport.on('GET', 'integrations.list', listing(stored))
    transport.on('GET', '/api/info', ok(version='8.3'))  # asked because the stored skipTranspile is carried
    transport.on('PUT', 'integrations.update', ADDITIONAL, ADDITIONAL, stored_after(stored))
    result, failed = run_module(module.main, dict(OUTGOING_ARGS, emoji=':x:'))
    assert not failed
    first, second, third = (body for dummy, dummy, body in writes(transport))
    assert 'futureField' not in second and {'scriptEngine', 'skipTranspile'} <= set(second)
    assert third == {key: value for key, value in second.items() if key not in ('scriptEngine', 'skipTranspile')}


def test_an_incoming_update_refused_for_additional_properties_is_not_sent_again(run_module, transport):
    stored = dict(INCOMING_DOC, futureField='x')
    transport.on('GET', 'integrations.list', listing(stored))
    transport.on('PUT', 'integrations.update', ADDITIONAL)
    result, failed = run_module(module.main, dict(INCOMING_ARGS, emoji=':x:'))
    assert failed and 'must NOT have additional properties' in result['msg'] and 'Nothing was changed' in result['msg']
    assert len(writes(transport)) == 1


def test_an_update_refused_for_another_reason_is_not_sent_again(run_module, transport):
    transport.on('GET', 'integrations.list', listing(OUTGOING_DOC))
    transport.on('PUT', 'integrations.update', fail(400, 'Invalid Channel [error-invalid-channel]', 'error-invalid-channel'))
    result, failed = run_module(module.main, dict(OUTGOING_ARGS, emoji=':x:'))
    assert failed and 'Invalid Channel' in result['msg'] and result['msg'].endswith('Nothing was changed')
    assert len(writes(transport)) == 1


# -- Outgoing integrations always get a token ------------------------------------------------------------------


def test_an_outgoing_integration_created_without_a_token_gets_a_random_one_that_is_never_shown(run_module, transport):
    transport.on('GET', 'integrations.list', listing(), listing(dict(OUTGOING_DOC, _id='out9')))
    transport.on('POST', 'integrations.create', created_from_body('out9'))
    result, failed = run_module(module.main, dict(OUTGOING_ARGS, _ansible_diff=True))
    assert not failed and result['changed'] is True
    (dummy, dummy, body), = writes(transport)
    token = body['token']
    assert isinstance(token, str) and len(token) == 48
    assert result['integration']['token'] == '********' and 'token' not in result['changed_options']
    assert diff_of(result)['after']['token'] == '********'
    assert_no_secrets(result, SECRETS + (token,))


def test_each_outgoing_creation_gets_its_own_random_token(run_module, transport):
    transport.on('GET', 'integrations.list', listing())
    transport.on('POST', 'integrations.create', created_from_body('out9'))
    for dummy in range(2):
        run_module(module.main, OUTGOING_ARGS)
    first, second = (body['token'] for dummy, dummy, body in writes(transport))
    assert first != second


def test_an_outgoing_creation_predicted_in_check_mode_shows_no_token(run_module, transport, monkeypatch):
    monkeypatch.setattr(_converge, 'new_token', lambda: RANDOM_TOKEN)
    transport.on('GET', 'integrations.list', listing())
    result, failed = run_module(module.main, dict(OUTGOING_ARGS, _ansible_check_mode=True, _ansible_diff=True))
    assert not failed and result['changed'] is True and writes(transport) == []
    assert 'token' not in result['changed_options'] and result['integration']['token'] == '********'
    assert RANDOM_TOKEN not in json.dumps(result)


RANDOM_TOKEN = 'random-token-from-the-module-0123456789abcdefgh'
TOKENLESS = {key: value for key, value in OUTGOING_DOC.items() if key != 'token'}


def test_an_outgoing_integration_without_a_token_gets_a_random_one_when_it_changes(run_module, transport):
    transport.on('GET', 'integrations.list', listing(TOKENLESS))
    transport.on('PUT', 'integrations.update', stored_after(TOKENLESS))
    result, failed = run_module(module.main, dict(OUTGOING_ARGS, emoji=':x:', _ansible_diff=True))
    assert not failed and result['changed'] is True and result['changed_options'] == ['emoji', 'token']
    (dummy, dummy, body), = writes(transport)
    token = body['token']
    assert isinstance(token, str) and len(token) == 48
    warning, = result['warnings']
    assert "outgoing integration 'CI' (id out1) has no token" in warning and 'the update set a random one' in warning
    assert warning.endswith('To choose it, set token')
    assert diff_of(result)['after']['token'] == '******** (changed)' and 'token' not in diff_of(result)['before']
    assert token not in json.dumps(result)


def test_check_mode_says_it_would_set_a_random_token(run_module, transport, monkeypatch):
    monkeypatch.setattr(_converge, 'new_token', lambda: RANDOM_TOKEN)
    transport.on('GET', 'integrations.list', listing(TOKENLESS))
    result, failed = run_module(module.main, dict(OUTGOING_ARGS, emoji=':x:', _ansible_check_mode=True))
    assert not failed and result['changed'] is True and writes(transport) == []
    assert result['changed_options'] == ['emoji', 'token']
    warning, = result['warnings']
    assert 'has no token' in warning and 'the update would set a random one' in warning and 'set token' in warning
    assert RANDOM_TOKEN not in json.dumps(result)


def test_an_outgoing_integration_without_a_token_is_left_alone_when_nothing_changes(run_module, transport):
    transport.on('GET', 'integrations.list', listing(TOKENLESS))
    result, failed = run_module(module.main, OUTGOING_ARGS)
    assert not failed and result['changed'] is False and writes(transport) == [] and 'warnings' not in result


def test_a_token_given_for_an_integration_without_one_is_used_without_a_warning(run_module, transport):
    transport.on('GET', 'integrations.list', listing(TOKENLESS))
    transport.on('PUT', 'integrations.update', stored_after(TOKENLESS))
    result, failed = run_module(module.main, dict(OUTGOING_ARGS, token=NEW_TOKEN, update_token='on_create'))
    assert not failed and result['changed_options'] == ['token'] and 'warnings' not in result
    assert writes(transport)[0][2]['token'] == NEW_TOKEN
    assert_no_secrets(result, SECRETS)


# -- skip_transpile ----------------------------------------------------------------------------------------------


def test_skip_transpile_on_a_server_older_than_8_4_fails_naming_its_version_before_creating(run_module, transport):
    transport.on('GET', 'integrations.list', listing())
    transport.on('GET', '/api/info', ok(version='7.10.0'))
    result, failed = run_module(module.main, dict(OUTGOING_ARGS, skip_transpile=True))
    assert failed and result['msg'].startswith('skip_transpile needs Rocket.Chat 8.4 or later, and this server runs 7.10')
    assert result['msg'].endswith('Nothing was changed')
    assert transport.endpoints() == ['GET integrations.list', 'GET /api/info']


@pytest.mark.parametrize('version', ['8.4.0', '8.9.2'])
def test_skip_transpile_is_created_on_8_4_and_later(run_module, transport, version):
    transport.on('GET', 'integrations.list', listing())
    transport.on('GET', '/api/info', ok(version=version))
    transport.on('POST', 'integrations.create', created_from_body('in9'))
    result, failed = run_module(module.main, dict(INCOMING_ARGS, skip_transpile=True))
    assert not failed and writes(transport)[0][2]['skipTranspile'] is True
    assert transport.endpoints().count('GET /api/info') == 1
    assert 'skip_transpile' in result['changed_options'] and 'warnings' not in result


def test_skip_transpile_update_of_an_integration_that_lacks_the_field_asks_the_version(run_module, transport):
    transport.on('GET', 'integrations.list', listing(OUTGOING_DOC))
    transport.on('GET', '/api/info', ok(version='8.3.2'))
    result, failed = run_module(module.main, dict(TOKEN_ARGS, type='outgoing', name='CI', skip_transpile=True))
    assert failed and 'this server runs 8.3' in result['msg'] and writes(transport) == []


def test_skip_transpile_update_of_an_integration_that_has_the_field_is_written_on_8_x(run_module, transport):
    stored = dict(OUTGOING_DOC, skipTranspile=False)
    transport.on('GET', 'integrations.list', listing(stored))
    transport.on('GET', '/api/info', ok(version='8.9'))
    transport.on('PUT', 'integrations.update', stored_after(stored))
    result, failed = run_module(module.main, dict(TOKEN_ARGS, type='outgoing', name='CI', skip_transpile=True))
    assert not failed and result['changed_options'] == ['skip_transpile']
    assert transport.endpoints() == ['GET integrations.list', 'GET /api/info', 'PUT integrations.update']
    assert writes(transport)[0][2]['skipTranspile'] is True


@pytest.mark.parametrize('stored, wanted, changed', [
    ({}, False, False),  # unset compares as false, like other booleans
    ({'skipTranspile': True}, True, False),
    ({'skipTranspile': True}, False, True),
])
def test_skip_transpile_is_compared_like_other_booleans_on_8_x(run_module, transport, stored, wanted, changed):
    doc = dict(INCOMING_DOC, **stored)
    transport.on('GET', 'integrations.list', listing(doc))
    transport.on('GET', '/api/info', ok(version='8.8'))
    transport.on('PUT', 'integrations.update', stored_after(doc))
    result, failed = run_module(module.main, dict(INCOMING_ARGS, skip_transpile=wanted))
    assert not failed and result['changed'] is changed
    assert result['changed_options'] == (['skip_transpile'] if changed else [])
    if changed:
        assert writes(transport)[0][2]['skipTranspile'] is False


@pytest.mark.parametrize('stored', [{}, {'skipTranspile': False}])
def test_without_skip_transpile_no_version_is_asked_and_a_stored_false_is_not_sent(run_module, transport, stored):
    # false, null and no field all mean the same to every server; 9.0 dropped the flag, so it is not carried back.
    doc = dict(INCOMING_DOC, **stored)
    transport.on('GET', 'integrations.list', listing(doc))
    transport.on('PUT', 'integrations.update', stored_after(doc))
    result, failed = run_module(module.main, dict(INCOMING_ARGS, emoji=':x:'))
    assert not failed and result['changed_options'] == ['emoji']
    assert 'skipTranspile' not in writes(transport)[0][2] and 'GET /api/info' not in transport.endpoints()


def test_skip_transpile_false_is_not_sent_in_an_update_of_an_integration_without_the_field(run_module, transport):
    transport.on('GET', 'integrations.list', listing(INCOMING_DOC))
    transport.on('GET', '/api/info', ok(version='8.3'))
    transport.on('PUT', 'integrations.update', stored_after(INCOMING_DOC))
    result, failed = run_module(module.main, dict(INCOMING_ARGS, skip_transpile=False, emoji=':x:'))
    assert not failed and result['changed_options'] == ['emoji']
    assert 'skipTranspile' not in writes(transport)[0][2]


def test_skip_transpile_false_on_creation_is_not_sent(run_module, transport):
    # false is what an integration without the field means already, and servers before 8.4 refuse the key.
    transport.on('GET', 'integrations.list', listing())
    transport.on('GET', '/api/info', ok(version='8.3'))
    transport.on('POST', 'integrations.create', created_from_body('in9'))
    result, failed = run_module(module.main, dict(INCOMING_ARGS, skip_transpile=False))
    assert not failed and 'skipTranspile' not in writes(transport)[0][2] and 'warnings' not in result


# -- skip_transpile on Rocket.Chat 9 (reference §13.2, §13.3: the flag is gone with the transpilation) --------------


def assert_no_effect_warning(result):
    warning, = result['warnings']
    assert warning.startswith("skip_transpile (set for 'Alerts') has no effect on Rocket.Chat 9.0")
    assert 'Remove it from the task' in warning


@pytest.mark.parametrize('version', ['9.0', '9.0.1', '9.1.0-rc.2', '10.0'])
@pytest.mark.parametrize('wanted', [True, False])
def test_skip_transpile_on_9_x_is_not_sent_on_creation_and_warns(run_module, transport, version, wanted):
    transport.on('GET', 'integrations.list', listing())
    transport.on('GET', '/api/info', ok(version=version))
    transport.on('POST', 'integrations.create', created_from_body('in9'))
    result, failed = run_module(module.main, dict(INCOMING_ARGS, skip_transpile=wanted))
    assert not failed and result['changed'] is True and 'skip_transpile' not in result['changed_options']
    assert 'skipTranspile' not in writes(transport)[0][2]
    warning, = result['warnings']
    assert warning.startswith(f"skip_transpile (set for 'Alerts') has no effect on Rocket.Chat {version[:3]}")


@pytest.mark.parametrize('stored', [{}, {'skipTranspile': True}, {'skipTranspile': False}, {'skipTranspile': None},
                                    {'skipTranspile': True, 'scriptCompiled': 'x', 'scriptError': {'name': 'SyntaxError'}}])
@pytest.mark.parametrize('wanted', [True, False])
def test_skip_transpile_on_9_x_is_never_a_change(run_module, transport, stored, wanted):
    doc = dict(INCOMING_DOC, **stored)
    transport.on('GET', 'integrations.list', listing(doc))
    transport.on('GET', '/api/info', ok(version='9.0'))
    for check_mode in (True, False):
        result, failed = run_module(module.main, dict(INCOMING_ARGS, skip_transpile=wanted, _ansible_check_mode=check_mode))
        assert not failed and result['changed'] is False and writes(transport) == []
        assert_no_effect_warning(result)


@pytest.mark.parametrize('stored', [{'skipTranspile': True}, {'skipTranspile': False}])
@pytest.mark.parametrize('options', [{'skip_transpile': True}, {'skip_transpile': False}, {}])
def test_an_update_on_9_x_never_carries_skip_transpile(run_module, transport, stored, options):
    # Whether 9.0 refuses the key (400 invalid-params) or ignores it is not known (reference §13.3): it never gets it.
    doc = dict(INCOMING_DOC, **stored)
    transport.on('GET', 'integrations.list', listing(doc))
    transport.on('GET', '/api/info', ok(version='9.0'))
    transport.on('PUT', 'integrations.update', stored_after(doc))
    result, failed = run_module(module.main, dict(INCOMING_ARGS, emoji=':x:', **options))
    assert not failed and result['changed_options'] == ['emoji']
    assert 'skipTranspile' not in writes(transport)[0][2]
    assert transport.endpoints().count('GET /api/info') == (1 if options or stored['skipTranspile'] else 0)
    assert ('warnings' in result) is bool(options)


def test_a_stored_skip_transpile_true_is_kept_by_an_update_on_8_x(run_module, transport):
    doc = dict(OUTGOING_DOC, skipTranspile=True)
    transport.on('GET', 'integrations.list', listing(doc))
    transport.on('GET', '/api/info', ok(version='8.9'))
    transport.on('PUT', 'integrations.update', stored_after(doc))
    result, failed = run_module(module.main, dict(OUTGOING_ARGS, emoji=':x:'))
    assert not failed and writes(transport)[0][2]['skipTranspile'] is True
    assert result['integration']['skipTranspile'] is True


# -- Parallel creators -----------------------------------------------------------------------------------------


def copy_of(doc, _id, seconds_later):
    created = datetime.fromisoformat(doc['_createdAt'].replace('Z', '+00:00')) + timedelta(seconds=seconds_later)
    return dict(doc, _id=_id, _createdAt=created.isoformat(timespec='milliseconds').replace('+00:00', 'Z'))


@pytest.mark.parametrize('emoji, action', [(None, 'unchanged'), (':x:', 'updated')])
def test_copies_that_parallel_creators_are_settling_are_read_again_until_one_is_left(
        run_module, transport, sleeps, emoji, action):
    fresh = copy_of(INCOMING_DOC, 'in2', 0.5)
    transport.on('GET', 'integrations.list', listing(INCOMING_DOC, fresh), listing(INCOMING_DOC))
    transport.on('PUT', 'integrations.update', stored_after(INCOMING_DOC))
    result, failed = run_module(module.main, dict(INCOMING_ARGS, **({'emoji': emoji} if emoji else {})))
    assert not failed and result['integration']['_id'] == 'in1'
    assert sleeps == [0.2]
    expected = ['GET integrations.list'] * 2 + (['PUT integrations.update'] if action == 'updated' else [])
    assert transport.endpoints() == expected
    assert [body['integrationId'] for dummy, dummy, body in writes(transport)] == (['in1'] if emoji else [])


def test_copies_that_stay_are_duplicates_after_the_bounded_waits(run_module, transport, sleeps):
    transport.on('GET', 'integrations.list', listing(INCOMING_DOC, copy_of(INCOMING_DOC, 'in2', 59)))
    result, failed = run_module(module.main, dict(INCOMING_ARGS, emoji=':x:'))
    assert failed and 'in1' in result['msg'] and 'in2' in result['msg'] and writes(transport) == []
    assert sleeps == [0.2, 0.4, 0.8, 1.6, 3.2]
    assert transport.endpoints() == ['GET integrations.list'] * 6


def test_copies_created_more_than_a_minute_apart_fail_at_once(run_module, transport, sleeps):
    transport.on('GET', 'integrations.list', listing(INCOMING_DOC, copy_of(INCOMING_DOC, 'in2', 61)), listing(INCOMING_DOC))
    result, failed = run_module(module.main, dict(INCOMING_ARGS, emoji=':x:'))
    assert failed and 'in1' in result['msg'] and 'in2' in result['msg'] and 'set integration_id' in result['msg']
    assert transport.endpoints() == ['GET integrations.list'] and sleeps == []


def test_an_empty_token_is_not_set_and_keeps_the_stored_one(run_module, transport):
    # A vault variable that defaults to '' must not rotate the token on every run.
    transport.on('GET', 'integrations.list', listing(OUTGOING_DOC))
    result, failed = run_module(module.main, dict(OUTGOING_ARGS, token=''))
    assert not failed and result['changed'] is False and writes(transport) == [] and 'warnings' not in result


def test_an_event_that_needs_a_target_room_fails_before_writing_when_there_is_none(run_module, transport):
    # Rocket.Chat validates the whole outgoing integration again on update and refuses userCreated without targetRoom.
    transport.on('GET', 'integrations.list', listing(OUTGOING_DOC))
    for check_mode in (True, False):
        result, failed = run_module(module.main, dict(TOKEN_ARGS, type='outgoing', name='CI', event='userCreated',
                                                      channel=[], trigger_words=[], _ansible_check_mode=check_mode))
        assert failed and result['msg'] == ("The event 'userCreated' needs a target room, which outgoing integration 'CI' "
                                            '(id out1) does not have: also set target_room. Nothing was changed')
    assert writes(transport) == []


def test_check_mode_predicts_the_retry_defaults_over_fields_a_partial_update_left_null(run_module, transport):
    # A 7.3+ server stores null for retryCount and retryDelay after an update without them; retrying fills them in.
    stored = dict(OUTGOING_DOC, retryFailedCalls=False, retryCount=None, retryDelay=None)
    transport.on('GET', 'integrations.list', listing(stored))
    predicted, _failed = run_module(module.main, dict(OUTGOING_ARGS, retry_failed_calls=True, _ansible_check_mode=True,
                                                      _ansible_diff=True))
    assert diff_of(predicted)['after']['retry_count'] == 4 and diff_of(predicted)['after']['retry_delay'] == 'powers-of-ten'
