# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Credentials given in a spelling the server cannot use stay out of every result, both ways a task runs.

A password in api_url (or ROCKETCHAT_URL), which is not a no_log option, and a token or password copied with a stray
line break (ansible-vault encrypt_string keeps the newline it read from the standard input).
"""

from __future__ import annotations

import pytest

from ansible.module_utils import basic
from ansible.module_utils.common.parameters import remove_values

from ansible_collections.community.rocketchat.plugins.action import rocketchat_integration as integration_action
from ansible_collections.community.rocketchat.plugins.action import rocketchat_integration_info as info_action
from ansible_collections.community.rocketchat.plugins.action import rocketchat_integrations as integrations_action
from ansible_collections.community.rocketchat.plugins.modules import rocketchat_integration, rocketchat_integration_info, rocketchat_integrations
from ansible_collections.community.rocketchat.tests.unit.conftest import BASE_URL, TOKEN_ARGS, ok, spellings
from ansible_collections.community.rocketchat.tests.unit.plugins.plugin_utils.test__in_process import INJECT, action

URL_PASSWORD = 'url-secret-pass-55'
URL_WITH_PASSWORD = f'https://deploy:{URL_PASSWORD}@chat.example.com'
TOKEN = TOKEN_ARGS['api_token']
PASSWORD = 'unit-secret-password-91b2'
# Each module with its action plugin and options that pass its own checks.
LAUNCHERS = {
    'rocketchat_integration': (rocketchat_integration, integration_action, dict(state='absent', integration_id='x')),
    'rocketchat_integration_info': (rocketchat_integration_info, info_action, {}),
    'rocketchat_integrations': (rocketchat_integrations, integrations_action, dict(integrations=[])),
}
EMPTY_LIST = ok(integrations=[], count=0, offset=0, total=0)


def as_shown(text):
    """A text as the controller shows it: from ansible-core 2.22 it masks every registered secret in what it shows
    (earlier releases removed the no_log values from the result already)."""
    try:
        from ansible.module_utils.secrets import mask_secrets  # pylint: disable=import-outside-toplevel
    except ImportError:
        return text
    return mask_secrets(text)


@pytest.fixture
def module_output(monkeypatch):
    """What the controller shows of what the module process returns (its result and invocation, less its no_log
    values), and what the module writes to the system log, for each module run of the test."""
    shown = []

    def leave(self, msg=None, **result):
        if msg is not None:
            result['msg'] = msg
        shown.append(as_shown(repr(remove_values(dict(result, invocation={'module_args': self.params}),
                                                 self.no_log_values))))
        raise RuntimeError('module exited')

    def log(self, msg, log_args=None):  # pylint: disable=unused-argument
        shown.append(as_shown(repr(remove_values(msg, self.no_log_values))))

    monkeypatch.setattr(basic.AnsibleModule, 'fail_json', leave)
    monkeypatch.setattr(basic.AnsibleModule, 'exit_json', leave)
    monkeypatch.setattr(basic.AnsibleModule, 'log', log)
    return shown


def run_both_ways(name, args, run_module, module_output, environment=None):
    """The texts that the module process and the in-process run show of a task, and the in-process result."""
    module, plugin, options = LAUNCHERS[name]
    with pytest.raises(RuntimeError):
        run_module(module.main, dict(options, **args))
    result = action(plugin, dict(options, **args), environment=environment)._run_in_process(INJECT)
    return module_output + [as_shown(repr(result))], result


@pytest.mark.parametrize('name', sorted(LAUNCHERS))
def test_a_password_in_api_url_is_refused_and_shown_nowhere(name, run_module, transport, module_output):
    texts, result = run_both_ways(name, dict(TOKEN_ARGS, api_url=URL_WITH_PASSWORD), run_module, module_output)
    assert result['failed'] and 'must not contain a user name or password' in result['msg']
    assert 'chat.example.com' in result['invocation']['module_args']['api_url']  # the rest of the URL stays readable
    assert len(texts) >= 3  # the log line, the module's failure, the in-process failure
    for text in texts:
        assert URL_PASSWORD not in text and TOKEN not in text
    assert transport.calls == []


@pytest.mark.parametrize('name', sorted(LAUNCHERS))
def test_a_password_in_rocketchat_url_is_refused_and_shown_nowhere(name, run_module, transport, module_output, monkeypatch):
    args = {key: value for key, value in TOKEN_ARGS.items() if key != 'api_url'}
    monkeypatch.setenv('ROCKETCHAT_URL', URL_WITH_PASSWORD)  # the module process sees it in its environment
    texts, result = run_both_ways(name, args, run_module, module_output,
                                  environment=[{'ROCKETCHAT_URL': URL_WITH_PASSWORD}])
    assert result['failed'] and 'must not contain a user name or password' in result['msg']
    for text in texts:
        assert URL_PASSWORD not in text
    assert transport.calls == []


def test_a_token_with_a_trailing_newline_is_used_without_it(run_module, transport, module_output):
    transport.on('GET', 'integrations.list', EMPTY_LIST)
    texts, result = run_both_ways('rocketchat_integration_info', dict(TOKEN_ARGS, api_token=TOKEN + '\n'),
                                  run_module, module_output)
    assert not result.get('failed') and result['integrations'] == []
    assert [call['headers']['X-Auth-Token'] for call in transport.calls] == [TOKEN, TOKEN]
    for text in texts:
        for spelling in spellings(TOKEN + '\n'):
            assert spelling not in text


def test_a_token_of_blanks_counts_as_missing(run_module, transport, module_output):
    texts, result = run_both_ways('rocketchat_integration_info', dict(TOKEN_ARGS, api_token=' \n'),
                                  run_module, module_output)
    assert result['failed'] and 'api_user_id is set but api_token is missing' in result['msg']
    assert 'api_user_id is set but api_token is missing' in texts[-2]
    assert transport.calls == []


@pytest.mark.parametrize('given, sent', [
    (PASSWORD + '\n', PASSWORD),
    (PASSWORD + '\r\n', PASSWORD),
    (' ' + PASSWORD + ' ', ' ' + PASSWORD + ' '),  # a space may belong to a password: kept
])
def test_a_password_loses_line_breaks_but_keeps_spaces(given, sent, transport):
    transport.on('POST', 'login', ok(status='success', data={'userId': 'u9', 'authToken': 'login-token-xyz'}))
    transport.on('GET', 'integrations.list', EMPTY_LIST)
    transport.on('POST', 'logout', ok(status='success'))
    args = dict(api_url=BASE_URL, api_username='deploy\n', api_password=given)
    result = action(info_action, args)._run_in_process(INJECT)
    assert not result.get('failed'), result
    assert transport.calls[0]['body'] == {'user': 'deploy', 'password': sent}
    for spelling in spellings(given):
        assert spelling not in as_shown(repr(result))
