# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""rocketchat_integration state=present through main(), against scripted Rocket.Chat answers."""

from __future__ import annotations

import json

import pytest

from ansible_collections.community.rocketchat.plugins.modules import rocketchat_integration as module
from ansible_collections.community.rocketchat.tests.unit.conftest import BASE_URL, TOKEN_ARGS, fail, ok

HOOK_TOKEN = 'incoming-hook-secret-Zq81x0TkP4m2'
OUT_TOKEN = 'outgoing-hook-secret-Yw55b3'
NEW_TOKEN = 'outgoing-hook-secret-NEW-9k2'

INCOMING_DOC = {'_id': 'in1', 'type': 'webhook-incoming', 'name': 'Alerts', 'enabled': True, 'username': 'rocket.cat',
                'channel': ['#alerts'], 'scriptEnabled': False, 'overrideDestinationChannelEnabled': False, 'token': HOOK_TOKEN,
                'userId': 'rocket.cat', '_createdAt': '2026-11-20T10:00:00.000Z', '_updatedAt': '2026-11-20T10:00:00.000Z'}
OUTGOING_DOC = {'_id': 'out1', 'type': 'webhook-outgoing', 'name': 'CI', 'enabled': True, 'username': 'rocket.cat',
                'event': 'sendMessage', 'channel': ['#ops'], 'urls': ['https://ci.example.com/hook'], 'triggerWords': ['!deploy'],
                'scriptEnabled': False, 'token': OUT_TOKEN, '_createdAt': '2026-11-20T10:00:00.000Z'}

INCOMING_ARGS = dict(TOKEN_ARGS, type='incoming', name='Alerts', channel=['#alerts'], username='rocket.cat')
OUTGOING_ARGS = dict(TOKEN_ARGS, type='outgoing', name='CI', event='sendMessage', channel='#ops',
                     urls=['https://ci.example.com/hook'], trigger_words=['!deploy'], username='rocket.cat')


def listing(*docs):
    return ok(integrations=list(docs), offset=0, items=len(docs), count=len(docs), total=len(docs))


def writes(transport):
    return [(c['method'], c['endpoint'], c['body']) for c in transport.calls if c['method'] in ('POST', 'PUT')]


def assert_no_secrets(result, *extra):
    text = json.dumps({k: v for k, v in result.items() if k != 'webhook_url'})
    for secret in (HOOK_TOKEN, OUT_TOKEN, NEW_TOKEN, TOKEN_ARGS['api_token']) + extra:
        assert secret not in text


def test_create_incoming_sends_what_the_api_requires_and_returns_the_webhook_url(run_module, transport):
    transport.on('GET', 'integrations.list', listing())
    transport.on('POST', 'integrations.create', ok(integration=INCOMING_DOC))
    result, failed = run_module(module.main, dict(INCOMING_ARGS, channel='#alerts, ', _ansible_diff=True))
    assert not failed and result['changed'] is True
    assert writes(transport) == [('POST', 'integrations.create', {
        'type': 'webhook-incoming', 'name': 'Alerts', 'enabled': True, 'channel': '#alerts', 'username': 'rocket.cat',
        'scriptEnabled': False, 'overrideDestinationChannelEnabled': False})]
    assert result['webhook_url'] == f'{BASE_URL}/hooks/in1/{HOOK_TOKEN}'
    assert result['integration']['token'] == '********' and result['diff']['before'] == {}
    assert result['diff']['after']['name'] == 'Alerts' and HOOK_TOKEN not in json.dumps(result['diff'])
    assert_no_secrets(result)


def test_create_in_check_mode_predicts_without_writing(run_module, transport):
    transport.on('GET', 'integrations.list', listing())
    result, failed = run_module(module.main, dict(INCOMING_ARGS, _ansible_check_mode=True, _ansible_diff=True))
    assert not failed and result['changed'] is True and writes(transport) == []
    assert result['msg'] == "Would create incoming integration 'Alerts'" and 'webhook_url' not in result
    assert result['diff'] == {'before': {}, 'after': {
        'type': 'incoming', 'name': 'Alerts', 'enabled': True, 'channel': ['#alerts'], 'username': 'rocket.cat',
        'script_enabled': False, 'override_destination_channel_enabled': False}}


def test_unchanged_integration_is_not_written(run_module, transport):
    transport.on('GET', 'integrations.list', listing(INCOMING_DOC, dict(INCOMING_DOC, _id='in2', name='Alerts old')))
    result, failed = run_module(module.main, INCOMING_ARGS)
    assert not failed and result['changed'] is False and result['changed_options'] == []
    assert writes(transport) == [] and len(transport.calls) == 1
    assert result['webhook_url'] == f'{BASE_URL}/hooks/in1/{HOOK_TOKEN}'


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
    assert 'emoji' not in result['diff']['before'] and result['diff']['after']['emoji'] == ':rocket:'
    assert result['diff']['before']['token'] == result['diff']['after']['token'] == '********'
    assert_no_secrets(result)


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
    assert predicted['diff']['after']['channel'] == ['#dev', '#ops'] and real['diff']['after']['channel'] == ['#ops', '#dev']
    # The server keeps the channel order it was given; everything else is predicted to the letter.
    for key in ('before', 'after'):
        assert set(predicted['diff'][key]) == set(real['diff'][key])
        for option, value in predicted['diff'][key].items():
            expected = real['diff'][key][option]
            assert (sorted(value) == sorted(expected)) if option == 'channel' else (value == expected)


def test_token_always_is_compared_and_changed_without_showing_it(run_module, transport):
    transport.on('GET', 'integrations.list', listing(OUTGOING_DOC))
    transport.on('PUT', 'integrations.update', ok(integration=dict(OUTGOING_DOC, token=NEW_TOKEN)))
    result, failed = run_module(module.main, dict(OUTGOING_ARGS, token=NEW_TOKEN, _ansible_diff=True))
    assert not failed and result['changed_options'] == ['token']
    assert writes(transport)[0][2]['token'] == NEW_TOKEN
    assert result['diff']['after']['token'] == '******** (changed)' and result['diff']['before']['token'] == '********'
    assert_no_secrets(result)


def test_token_on_create_leaves_an_existing_token_alone(run_module, transport):
    transport.on('GET', 'integrations.list', listing(OUTGOING_DOC))
    result, failed = run_module(module.main, dict(OUTGOING_ARGS, token=NEW_TOKEN, update_token='on_create'))
    assert not failed and result['changed'] is False and writes(transport) == []


def test_token_on_create_is_sent_when_creating(run_module, transport):
    transport.on('GET', 'integrations.list', listing())
    transport.on('POST', 'integrations.create', ok(integration=dict(OUTGOING_DOC, token=NEW_TOKEN)))
    result, failed = run_module(module.main, dict(OUTGOING_ARGS, token=NEW_TOKEN, update_token='on_create'))
    assert not failed and result['changed'] is True and writes(transport)[0][2]['token'] == NEW_TOKEN
    assert_no_secrets(result)


def test_outgoing_update_without_any_token_fails_before_writing(run_module, transport):
    stored = {k: v for k, v in OUTGOING_DOC.items() if k != 'token'}
    transport.on('GET', 'integrations.list', listing(stored))
    result, failed = run_module(module.main, dict(OUTGOING_ARGS, emoji=':x:'))
    assert failed and 'requires a token' in result['msg'] and 'set token' in result['msg'] and writes(transport) == []


def test_rename_by_integration_id(run_module, transport):
    transport.on('GET', 'integrations.get', ok(integration=INCOMING_DOC))
    transport.on('PUT', 'integrations.update', ok(integration=dict(INCOMING_DOC, name='Alerts (old)')))
    result, failed = run_module(module.main, dict(TOKEN_ARGS, integration_id='in1', name='Alerts (old)'))
    assert not failed and result['changed_options'] == ['name']
    assert writes(transport)[0][2]['name'] == 'Alerts (old)' and writes(transport)[0][2]['integrationId'] == 'in1'


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


def test_duplicate_names_fail_on_present_too(run_module, transport):
    transport.on('GET', 'integrations.list', listing(INCOMING_DOC, dict(INCOMING_DOC, _id='in2')))
    result, failed = run_module(module.main, INCOMING_ARGS)
    assert failed and 'in1' in result['msg'] and 'in2' in result['msg'] and writes(transport) == []


@pytest.mark.parametrize('options, fragment', [
    (dict(TOKEN_ARGS, name='x'), 'type is required with name'),
    (dict(TOKEN_ARGS, type='incoming'), 'state=present needs name'),
    (dict(TOKEN_ARGS, type='incoming', name='x'), 'also set username, channel'),
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


def test_create_without_permission_names_it(run_module, transport):
    transport.on('GET', 'integrations.list', listing())
    transport.on('POST', 'integrations.create', fail(400, '[not_authorized]', 'not_authorized'))
    result, failed = run_module(module.main, OUTGOING_ARGS)
    assert failed and 'manage-outgoing-integrations' in result['msg']


def test_a_change_the_server_does_not_store_is_a_warning(run_module, transport):
    transport.on('GET', 'integrations.list', listing(INCOMING_DOC))
    transport.on('PUT', 'integrations.update', ok(integration=INCOMING_DOC))  # the post-as user did not persist
    result, failed = run_module(module.main, dict(INCOMING_ARGS, username='alerts.bot'))
    assert not failed and result['changed'] is True
    assert any('did not store: username' in warning for warning in result.get('warnings', []))
