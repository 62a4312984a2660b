# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""rocketchat_integration through main(), against scripted Rocket.Chat answers shaped like the real server's."""

from __future__ import annotations

import pytest

from ansible_collections.community.rocketchat.plugins.modules import rocketchat_integration as module
from ansible_collections.community.rocketchat.tests.unit.conftest import TOKEN_ARGS, assert_no_secrets, diff_of, fail, listing, ok

HOOK_TOKEN = 'incoming-hook-secret-Zq81x0TkP4m2'
OUT_TOKEN = 'outgoing-hook-secret-Yw55b3'
PASSWORD = 'unit-secret-password-91b2'
SECRETS = (HOOK_TOKEN, OUT_TOKEN, PASSWORD)


def incoming(_id='in1', name='Alerts', **extra):
    return dict({'_id': _id, 'type': 'webhook-incoming', 'name': name, 'enabled': True, 'username': 'rocket.cat',
                 'channel': ['#general'], 'scriptEnabled': False, 'token': HOOK_TOKEN,
                 '_createdBy': {'_id': 'uid-1', 'username': 'admin'}}, **extra)


def outgoing(_id='out1', name='CI', urls=('https://ci.example.com/hook',), **extra):
    return dict({'_id': _id, 'type': 'webhook-outgoing', 'name': name, 'enabled': True, 'username': 'rocket.cat',
                 'event': 'sendMessage', 'urls': list(urls), 'channel': ['#general'], 'scriptEnabled': False,
                 'token': OUT_TOKEN, '_createdBy': {'_id': 'uid-1', 'username': 'admin'}}, **extra)


def args(**extra):
    return dict(TOKEN_ARGS, state='absent', **extra)


def run_absent(run_module, **extra):
    return run_module(module.main, args(**extra))


def removes(transport):
    return [c['body'] for c in transport.calls if c['endpoint'] == 'integrations.remove']


def test_remove_by_id_learns_the_type_and_masks_the_token(run_module, transport):
    transport.on('GET', 'integrations.get', ok(integration=incoming()))
    transport.on('POST', 'integrations.remove', ok(integration=incoming()))
    result, failed = run_module(module.main, dict(args(integration_id='in1'), _ansible_diff=True))
    assert not failed and result['changed'] is True
    assert removes(transport) == [{'type': 'webhook-incoming', 'integrationId': 'in1'}]
    assert transport.calls[0]['params'] == {'integrationId': 'in1'}
    assert result['integration']['name'] == 'Alerts' and result['integration']['token'] == '********'
    assert diff_of(result) == {'after': {}, 'before': {
        'type': 'incoming', 'integration_id': 'in1', 'name': 'Alerts', 'enabled': True, 'channel': ['#general'],
        'username': 'rocket.cat', 'script_enabled': False}}
    assert_no_secrets(result, SECRETS)


def test_remove_by_id_that_is_gone_is_unchanged_after_one_request(run_module, transport):
    transport.on('GET', 'integrations.get', fail(400, 'The integration does not exists.'))
    result, failed = run_absent(run_module, integration_id='gone', type='incoming')
    assert not failed and result['changed'] is False and result['integration'] == {}
    assert transport.endpoints() == ['GET integrations.get']


@pytest.mark.parametrize('requested, stored', [('incoming', outgoing()), ('webhook-outgoing', incoming())])
def test_remove_by_id_with_the_wrong_type_fails_and_removes_nothing(run_module, transport, requested, stored):
    transport.on('GET', 'integrations.get', ok(integration=stored))
    result, failed = run_absent(run_module, integration_id=stored['_id'], type=requested)
    assert failed and removes(transport) == []
    assert 'nothing was changed' in result['msg'] and stored['_id'] in result['msg']
    assert f"type: {stored['type'].split('-')[1]}" in result['msg']
    assert_no_secrets(result, SECRETS)


def test_remove_by_name_matches_the_exact_case_sensitive_name_only(run_module, transport):
    # The server's name filter is a case-insensitive substring match: it returns near misses too.
    transport.on('GET', 'integrations.list', listing(
        outgoing('o1', 'deploy'), outgoing('o2', 'Deploy'), outgoing('o3', 'Deploy hook'), outgoing('o4', 'old Deploy')))
    transport.on('POST', 'integrations.remove', ok(integration=outgoing('o2', 'Deploy')))
    result, failed = run_absent(run_module, name='Deploy', type='outgoing')
    assert not failed and result['changed'] is True
    assert removes(transport) == [{'type': 'webhook-outgoing', 'integrationId': 'o2'}]
    assert transport.calls[0]['params']['name'] == 'Deploy'
    assert transport.calls[0]['params']['type'] == 'webhook-outgoing'


def test_remove_by_name_filters_the_type_itself_when_the_server_ignores_the_filter(run_module, transport):
    transport.on('GET', 'integrations.list', listing(incoming('i1', 'Shared'), outgoing('o1', 'Shared')))
    transport.on('POST', 'integrations.remove', ok(integration=incoming('i1', 'Shared')))
    result, failed = run_absent(run_module, name='Shared', type='incoming')
    assert not failed and result['changed'] is True
    assert removes(transport) == [{'type': 'webhook-incoming', 'integrationId': 'i1'}]


def test_duplicate_names_fail_with_their_ids_and_remove_nothing(run_module, transport):
    transport.on('GET', 'integrations.list', listing(incoming('i1', 'Dup'), incoming('i2', 'Dup')))
    result, failed = run_absent(run_module, name='Dup', type='incoming')
    assert failed and removes(transport) == []
    assert 'i1' in result['msg'] and 'i2' in result['msg'] and 'integration_id' in result['msg']


def test_same_name_in_both_types_without_type_asks_for_type(run_module, transport):
    transport.on('GET', 'integrations.list', listing(incoming('i1', 'Both'), outgoing('o1', 'Both')))
    result, failed = run_absent(run_module, name='Both')
    assert failed and removes(transport) == [] and 'set type' in result['msg']


def test_name_lookup_pages_through_everything(run_module, transport):
    first = [incoming(f'x{i}', f'hook {i}') for i in range(100)]
    transport.on('GET', 'integrations.list',
                 ok(integrations=first, offset=0, items=100, count=100, total=101),
                 ok(integrations=[incoming('target', 'hook')], offset=100, items=1, count=1, total=101))
    transport.on('POST', 'integrations.remove', ok(integration=incoming('target', 'hook')))
    result, failed = run_absent(run_module, name='hook', type='incoming')
    assert not failed and removes(transport) == [{'type': 'webhook-incoming', 'integrationId': 'target'}]


def test_remove_by_target_url_removes_by_id(run_module, transport):
    transport.on('GET', 'integrations.list', listing(
        outgoing('o1', urls=['https://ci.example.com/hook/other']), outgoing('o2', urls=['https://a', 'https://ci.example.com/hook'])))
    transport.on('POST', 'integrations.remove', ok(integration=outgoing('o2')))
    result, failed = run_absent(run_module, target_url='https://ci.example.com/hook')
    assert not failed and result['changed'] is True
    assert removes(transport) == [{'type': 'webhook-outgoing', 'integrationId': 'o2'}]


def test_target_url_shared_by_two_integrations_fails(run_module, transport):
    transport.on('GET', 'integrations.list', listing(outgoing('o1'), outgoing('o2')))
    result, failed = run_absent(run_module, target_url='https://ci.example.com/hook')
    assert failed and removes(transport) == [] and 'o1' in result['msg'] and 'o2' in result['msg']


def test_check_mode_predicts_without_removing(run_module, transport):
    transport.on('GET', 'integrations.list', listing(incoming('i1', 'Alerts')))
    result, failed = run_module(module.main, dict(args(name='Alerts', type='incoming'), _ansible_check_mode=True, _ansible_diff=True))
    assert not failed and result['changed'] is True and removes(transport) == []
    assert result['msg'].startswith('Would remove') and diff_of(result)['after'] == {}
    assert diff_of(result)['before']['name'] == 'Alerts' and 'token' not in diff_of(result)['before']


def test_check_mode_when_absent_is_unchanged(run_module, transport):
    transport.on('GET', 'integrations.list', listing())
    result, failed = run_module(module.main, dict(args(name='Alerts', type='incoming'), _ansible_check_mode=True))
    assert not failed and result['changed'] is False


def test_removed_concurrently_is_unchanged(run_module, transport):
    transport.on('GET', 'integrations.get', ok(integration=incoming()))
    transport.on('POST', 'integrations.remove', fail(400, 'No integration found.'))
    result, failed = run_absent(run_module, integration_id='in1')
    assert not failed and result['changed'] is False and 'already removed' in result['msg']


@pytest.mark.parametrize('answer, fragment', [
    (fail(403, 'User does not have the permissions required for this action [error-unauthorized]', 'error-unauthorized'),
     'manage-incoming-integrations'),
    (fail(403, 'unauthorized'), 'manage-incoming-integrations'),
    (fail(400, 'Unauthorized [not_authorized]', 'not_authorized'), 'manage-own-incoming-integrations'),
    (fail(400, 'Invalid integration [error-invalid-integration]', 'error-invalid-integration'), 'did not create'),
    # Rocket.Chat 9.0: 403 with errorType error-forbidden and the refusal in error (reference §13.4); another user's
    # integration with only the own permission stays 400 error-invalid-integration there (above).
    (fail(403, 'Unauthorized [not_authorized]', 'error-forbidden'), 'manage-own-incoming-integrations'),
    (fail(403, 'not_authorized', 'error-forbidden'), 'manage-own-incoming-integrations'),
])
def test_permission_failures_on_remove_name_the_permission(run_module, transport, answer, fragment):
    transport.on('GET', 'integrations.get', ok(integration=incoming()))
    transport.on('POST', 'integrations.remove', answer)
    result, failed = run_absent(run_module, integration_id='in1')
    assert failed and fragment in result['msg'] and 'Nothing was changed' in result['msg']
    assert_no_secrets(result, SECRETS)


def test_permission_failure_on_list_names_the_permission(run_module, transport):
    transport.on('GET', 'integrations.list', fail(403, 'User does not have the permissions required for this action '
                                                       '[error-unauthorized]', 'error-unauthorized'))
    result, failed = run_absent(run_module, name='x', type='outgoing')
    assert failed and 'manage-outgoing-integrations' in result['msg'] and 'manage-incoming' not in result['msg']


# A user with only manage-own-* that reads another user's integration: 400 on 8.x, 403 error-forbidden on 9.0
# (reference §13.4). The server says it exists, so it is never "already absent".
READ_REFUSALS = [fail(400, 'not-authorized'), fail(403, 'not-authorized', 'error-forbidden')]


@pytest.mark.parametrize('answer', READ_REFUSALS)
@pytest.mark.parametrize('check_mode', [False, True])
def test_not_authorized_to_read_is_an_error_not_absent(run_module, transport, answer, check_mode):
    transport.on('GET', 'integrations.get', answer)
    result, failed = run_module(module.main, dict(args(integration_id='in1'), _ansible_check_mode=check_mode))
    assert failed and result['msg'].startswith('Rocket.Chat refused to read integration in1 (not-authorized)')
    assert 'manage-incoming-integrations' in result['msg'] and 'manage-own-outgoing-integrations' in result['msg']
    assert 'already' not in result['msg'] and 'No such' not in result['msg'] and removes(transport) == []


@pytest.mark.parametrize('answer', READ_REFUSALS)
def test_not_authorized_to_read_fails_an_update_by_id_naming_the_permission(run_module, transport, answer):
    transport.on('GET', 'integrations.get', answer)
    result, failed = run_module(module.main, dict(TOKEN_ARGS, integration_id='in1', type='outgoing', emoji=':x:'))
    assert failed and 'manage-outgoing-integrations (or manage-own-outgoing-integrations' in result['msg']
    assert transport.endpoints() == ['GET integrations.get']


def test_bad_token_says_which_options_to_check(run_module, transport):
    transport.on('GET', 'integrations.get', dict(status=401, json_body={
        'success': False, 'status': 'error', 'error': 'You must be logged in to do this.', 'message': 'You must be logged in to do this.'}))
    result, failed = run_absent(run_module, integration_id='in1')
    assert failed and result['status'] == 401 and 'api_token' in result['msg'] and 'api_user_id' in result['msg']
    assert_no_secrets(result, SECRETS)


def password_args(**extra):
    return dict(api_url='https://chat.example.com', api_username='deploy', api_password=PASSWORD, state='absent', **extra)


def test_password_login_is_logged_out_after_success(run_module, transport):
    transport.on('POST', 'login', ok(status='success', data={'userId': 'u9', 'authToken': 'login-token-xyz'}))
    transport.on('GET', 'integrations.get', fail(400, 'The integration does not exists.'))
    transport.on('POST', 'logout', ok(status='success'))
    result, failed = run_module(module.main, password_args(integration_id='x'))
    assert not failed and transport.endpoints() == ['POST login', 'GET integrations.get', 'POST logout']
    assert_no_secrets(result, SECRETS)


def test_password_login_is_logged_out_after_a_failure(run_module, transport):
    transport.on('POST', 'login', ok(status='success', data={'userId': 'u9', 'authToken': 'login-token-xyz'}))
    transport.on('GET', 'integrations.get', ok(integration=outgoing()))
    transport.on('POST', 'logout', ok(status='success'))
    result, failed = run_module(module.main, password_args(integration_id='out1', type='incoming'))
    assert failed and transport.endpoints() == ['POST login', 'GET integrations.get', 'POST logout']


def test_two_factor_user_is_told_to_use_a_personal_access_token(run_module, transport):
    transport.on('POST', 'login', dict(status=401, json_body={
        'success': False, 'status': 'error', 'error': 'totp-required', 'message': 'TOTP Required', 'details': {'method': 'totp'}}))
    result, failed = run_module(module.main, password_args(integration_id='x'))
    assert failed and 'personal access token' in result['msg'] and 'api_token' in result['msg']
    assert transport.endpoints() == ['POST login']
    assert_no_secrets(result, SECRETS)


def test_a_login_refused_without_a_reason_says_what_to_do(run_module, transport):
    # Rocket.Chat 9 answers a failed login with this body only, also when two-factor authentication stopped it
    # (reference §13.5).
    transport.on('POST', 'login', dict(status=401, json_body={'success': False, 'error': 'unauthorized'}))
    result, failed = run_module(module.main, password_args(integration_id='x'))
    assert failed and result['status'] == 401 and transport.endpoints() == ['POST login']
    assert result['msg'].startswith("Rocket.Chat rejected the login of user 'deploy' without saying why")
    assert 'api_username and api_password' in result['msg'] and 'two-factor authentication' in result['msg']
    assert 'personal access token' in result['msg'] and 'api_user_id and api_token' in result['msg']
    assert_no_secrets(result, SECRETS)


def test_wrong_password_names_the_options(run_module, transport):
    transport.on('POST', 'login', dict(status=401, json_body={
        'success': False, 'status': 'error', 'error': 'Unauthorized', 'message': 'Unauthorized'}))
    result, failed = run_module(module.main, password_args(integration_id='x'))
    assert failed and 'api_username' in result['msg'] and 'api_password' in result['msg']
    assert 'two-factor' not in result['msg']  # a server that says why is not second-guessed
    assert_no_secrets(result, SECRETS)


def test_connection_options_come_from_the_environment(run_module, transport, monkeypatch):
    monkeypatch.setenv('ROCKETCHAT_URL', 'https://env.example.com/chat/api/v1/')
    monkeypatch.setenv('ROCKETCHAT_USER_ID', 'env-user')
    monkeypatch.setenv('ROCKETCHAT_AUTH_TOKEN', 'env-secret-token-55')
    transport.on('GET', 'integrations.get', fail(400, 'The integration does not exists.'))
    result, failed = run_module(module.main, {'integration_id': 'x', 'state': 'absent'})
    assert not failed and result['changed'] is False
    call = transport.calls[0]
    assert call['url'].startswith('https://env.example.com/chat/api/v1/integrations.get')
    assert call['headers']['X-User-Id'] == 'env-user' and call['headers']['X-Auth-Token'] == 'env-secret-token-55'


def test_empty_environment_variables_count_as_unset(run_module, transport, monkeypatch):
    # AWX injects every field of a credential, blank ones as empty strings.
    monkeypatch.setenv('ROCKETCHAT_USERNAME', '')
    monkeypatch.setenv('ROCKETCHAT_PASSWORD', '')
    transport.on('GET', 'integrations.get', fail(400, 'The integration does not exists.'))
    result, failed = run_absent(run_module, integration_id='x')
    assert not failed and result['changed'] is False


@pytest.mark.parametrize('options, fragment', [
    (dict(state='absent'), 'exactly one of integration_id, name and target_url'),
    (dict(state='absent', name='x', integration_id='y'), 'got integration_id, name'),
    (dict(state='absent', name='x', target_url='https://a'), 'got name, target_url'),
    (dict(state='absent', name='  '), 'name is empty'),
    (dict(state='absent', target_url='https://a', type='incoming'), 'target_url finds outgoing integrations only'),
    (dict(state='absent', name='x', type='sideways'), 'type'),
])
def test_bad_module_options_fail_before_any_request(run_module, transport, options, fragment):
    result, failed = run_module(module.main, dict(TOKEN_ARGS, **options))
    assert failed and fragment in result['msg'] and transport.calls == []


@pytest.mark.parametrize('connection, fragment', [
    (dict(api_user_id='u', api_token='t'), 'api_url is required'),
    (dict(api_url='https://chat.example.com'), 'No Rocket.Chat credentials'),
    (dict(api_url='https://chat.example.com', api_user_id='u', api_token='t', api_username='a', api_password=PASSWORD),
     'not both'),
    (dict(api_url='https://chat.example.com', api_token='t'), 'api_token is set but api_user_id is missing'),
    (dict(api_url='https://chat.example.com', api_username='a'), 'api_username is set but api_password is missing'),
    (dict(api_url='chat.example.com', api_user_id='u', api_token='t'), 'api_url must be'),
])
def test_bad_connection_options_fail_before_any_request(run_module, transport, monkeypatch, connection, fragment):
    for var in ('ROCKETCHAT_URL', 'ROCKETCHAT_USER_ID', 'ROCKETCHAT_AUTH_TOKEN', 'ROCKETCHAT_USERNAME', 'ROCKETCHAT_PASSWORD'):
        monkeypatch.delenv(var, raising=False)
    result, failed = run_module(module.main, dict(connection, state='absent', integration_id='x'))
    assert failed and fragment in result['msg'] and transport.calls == []
    assert PASSWORD not in result['msg']
