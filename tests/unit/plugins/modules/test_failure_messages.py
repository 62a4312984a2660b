# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The failure and warning messages a user meets when the server answers unusually, each produced through main()."""

from __future__ import annotations

import requests

from ansible_collections.community.rocketchat.plugins.modules import rocketchat_integration as module
from ansible_collections.community.rocketchat.tests.unit.conftest import BASE_URL, TOKEN_ARGS, fail, listing, ok

PASSWORD = 'unit-secret-password-91b2'
LOGIN_TOKEN = 'login-token-secret-Lq72'
DOC = {'_id': 'in1', 'type': 'webhook-incoming', 'name': 'Alerts', 'enabled': True, 'username': 'rocket.cat',
       'channel': ['#alerts'], 'scriptEnabled': False, 'token': 'hook-secret-77'}
ARGS = dict(TOKEN_ARGS, type='incoming', name='Alerts', channel=['#alerts'], username='rocket.cat', emoji=':x:')
PASSWORD_ARGS = dict(api_url=BASE_URL, api_username='deploy', api_password=PASSWORD, state='absent', integration_id='x')
LOGGED_IN = ok(status='success', data={'userId': 'u9', 'authToken': LOGIN_TOKEN})


def test_a_login_answer_without_user_id_and_token(run_module, transport):
    transport.on('POST', 'login', ok(status='success', data={'me': {'username': 'deploy'}}))
    result, failed = run_module(module.main, PASSWORD_ARGS)
    assert failed and result['msg'] == (
        f'Rocket.Chat answered the login at {BASE_URL}/api/v1/login without a user id and token')
    assert transport.endpoints() == ['POST login']  # nothing to log out of
    assert PASSWORD not in repr(result)


def test_a_blocked_login_says_to_wait(run_module, transport):
    # Reference §7: a lockout answers 401 with error-login-blocked-for-user (or -ip).
    transport.on('POST', 'login', dict(status=401, json_body={
        'success': False, 'status': 'error', 'error': 'error-login-blocked-for-user',
        'message': 'Login has been temporarily blocked'}))
    result, failed = run_module(module.main, dict(PASSWORD_ARGS, api_username='deploy\n'))
    assert failed and result['status'] == 401
    assert result['msg'] == ("Rocket.Chat has blocked logins for user 'deploy' after failed attempts "
                             '(error-login-blocked-for-user); wait, then retry')
    assert transport.endpoints() == ['POST login'] and PASSWORD not in repr(result)


def test_a_failed_logout_is_a_warning_without_the_login_token(run_module, transport):
    transport.on('POST', 'login', LOGGED_IN)
    transport.on('GET', 'integrations.get', fail(400, 'The integration does not exists.'))
    transport.on('POST', 'logout', dict(status=500, text=f'<pre>Error: token {LOGIN_TOKEN} could not be removed</pre>',
                                        headers={'Content-Type': 'text/html'}))
    result, failed = run_module(module.main, PASSWORD_ARGS)
    assert not failed and result['changed'] is False
    warning, = result['warnings']
    assert warning.startswith('Could not log out of Rocket.Chat, so the login token of api_username stays valid')
    assert f'{BASE_URL}/api/v1/logout' in warning and 'HTTP 500' in warning
    assert LOGIN_TOKEN not in warning and 'token ******** could not' in warning


def test_a_generic_request_failure_names_api_url(run_module, transport):
    result, failed = run_module(module.main, dict(TOKEN_ARGS, api_url='https://chat.example.com:99999',
                                                  state='absent', integration_id='x'))
    assert failed and result['msg'].startswith('GET https://chat.example.com:99999/api/v1/integrations.get failed: ')
    assert result['msg'].endswith('Check api_url') and transport.calls == []


def test_a_refused_update_names_the_integration_and_the_reason(run_module, transport):
    transport.on('GET', 'integrations.list', listing(DOC))
    transport.on('PUT', 'integrations.update', fail(400, 'Invalid Post As User [error-invalid-post-as-user]',
                                                    'error-invalid-post-as-user'))
    result, failed = run_module(module.main, ARGS)
    assert failed and result['msg'] == ("Rocket.Chat refused to update the incoming integration 'Alerts' (id in1): "
                                        'Invalid Post As User [error-invalid-post-as-user]. Nothing was changed')
    assert transport.endpoints().count('PUT integrations.update') == 1


def test_an_integration_removed_before_its_update_says_so(run_module, transport):
    # Reference §3.2: integrations.update of an id that no longer exists answers 400 'No integration found.'
    transport.on('GET', 'integrations.list', listing(DOC))
    transport.on('PUT', 'integrations.update', fail(400, 'No integration found.'))
    result, failed = run_module(module.main, ARGS)
    assert failed and result['msg'] == ("incoming integration 'Alerts' (id in1) was removed on the server while this "
                                        'task was updating it; nothing was changed')
    assert transport.endpoints().count('PUT integrations.update') == 1


def test_an_integration_removed_while_an_update_answer_was_lost_is_not_written_again(run_module, transport):
    transport.on('GET', 'integrations.list', listing(DOC))
    transport.on('PUT', 'integrations.update', requests.exceptions.ConnectionError('Connection aborted'))
    transport.on('GET', 'integrations.get', fail(400, 'The integration does not exists.'))
    result, failed = run_module(module.main, ARGS)
    assert failed and result['msg'].startswith("incoming integration 'Alerts' (id in1) ")
    assert 'nothing' in result['msg']
    assert transport.endpoints().count('PUT integrations.update') == 1
    assert 'POST integrations.create' not in transport.endpoints()
