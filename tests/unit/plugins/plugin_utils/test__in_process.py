# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The in-process launcher: when it runs a task itself, and that what it returns is what the module returns."""

from __future__ import annotations

import os
import sys
from types import SimpleNamespace

import pytest

from ansible.module_utils import basic
from ansible.module_utils.common.parameters import remove_values
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import shell_loader
from ansible.template import Templar

from ansible_collections.community.rocketchat.plugins.action import rocketchat_integration as integration_action
from ansible_collections.community.rocketchat.plugins.action import rocketchat_integration_info as info_action
from ansible_collections.community.rocketchat.plugins.action import rocketchat_integrations as integrations_action
from ansible_collections.community.rocketchat.plugins.module_utils import _run_integrations
from ansible_collections.community.rocketchat.plugins.module_utils._task import InProcessTask, ModuleTask, TaskFailed
from ansible_collections.community.rocketchat.plugins.modules import rocketchat_integration, rocketchat_integration_info, rocketchat_integrations
from ansible_collections.community.rocketchat.plugins.plugin_utils import _in_process
from ansible_collections.community.rocketchat.tests.unit.conftest import BASE_URL, TOKEN_ARGS, ok

SECRET = TOKEN_ARGS['api_token']
INJECT = {'ansible_inject_invocation': True}  # ansible-core 2.21 adds invocation only when asked
# What the controller shows in place of a no_log value: ansible-core 2.22 and later keep it in the result, registered as
# a secret that the controller masks in all it shows; earlier releases replace it in the result.
HIDDEN = '$REDACTED$' if _in_process.SECRETS_MODEL else 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'


def new_secret_masker(monkeypatch):
    """From ansible-core 2.22: a secret masker that knows no secret yet (the shared one holds every secret registered)."""
    if _in_process.SECRETS_MODEL:
        from ansible.module_utils import secrets  # pylint: disable=import-outside-toplevel
        monkeypatch.setattr(secrets, '_secret_masker', type(secrets._secret_masker)())  # pylint: disable=protected-access


@pytest.fixture(autouse=True)
def fresh_secrets(monkeypatch):
    new_secret_masker(monkeypatch)


def masked(text):
    """The text as the controller shows it: from ansible-core 2.22, with the registered secrets masked."""
    if _in_process.SECRETS_MODEL:
        from ansible.module_utils.secrets import mask_secrets  # pylint: disable=import-outside-toplevel
        return mask_secrets(text)
    return text


def shown(value, no_log_values=()):
    """What the controller shows of a result: less no_log_values before 2.22, with registered secrets masked after."""
    if _in_process.SECRETS_MODEL:
        return masked(repr(value))
    return repr(remove_values(value, no_log_values) if no_log_values else value)


def action(plugin, args, transport='local', async_val=0, become=False, environment=None, delegate_to=None,
           check_mode=False, diff=False):
    task = SimpleNamespace(args=args, action=f'community.rocketchat.{plugin.__name__.rsplit(".", 1)[-1]}',
                           async_val=async_val, check_mode=check_mode, diff=diff, delegate_to=delegate_to,
                           environment=environment)
    connection = SimpleNamespace(transport=transport, _shell=shell_loader.get('sh'))
    # shared_loader_obj is required before ansible-core 2.19 and unused since.
    return plugin.ActionModule(task, connection, SimpleNamespace(become=become), DataLoader(),
                               Templar(loader=DataLoader()), shared_loader_obj=None)


@pytest.mark.parametrize('kwargs, task_vars, reason', [
    ({}, {}, None),
    ({}, {'ansible_python_interpreter': sys.executable}, None),
    ({}, {'ansible_python_interpreter': 'auto_silent'}, None),
    ({'transport': 'ssh'}, {}, 'connection ssh'),
    ({'transport': 'community.docker.docker'}, {}, 'connection community.docker.docker'),
    ({'async_val': 30}, {}, 'async'),
    ({'become': True}, {}, 'become'),
    ({}, {'ansible_python_interpreter': '/opt/other/bin/python3'},
     "ansible_python_interpreter /opt/other/bin/python3 is not the controller's Python"),
    ({}, {'rocketchat_in_process': False}, 'rocketchat_in_process/ROCKETCHAT_IN_PROCESS is false'),
    ({'delegate_to': 'localhost'},
     {'ansible_python_interpreter': '/remote/python', 'ansible_delegated_vars': {'localhost': {}}}, None),
    ({'delegate_to': 'localhost'},
     {'ansible_delegated_vars': {'localhost': {'ansible_python_interpreter': '/opt/other/python'}}},
     "ansible_python_interpreter /opt/other/python is not the controller's Python"),
])
def test_which_tasks_run_in_process(kwargs, task_vars, reason, monkeypatch):
    monkeypatch.delenv('ROCKETCHAT_IN_PROCESS', raising=False)
    monkeypatch.delenv('ANSIBLE_PYTHON_INTERPRETER', raising=False)
    assert action(info_action, {}, **kwargs)._module_process_reason(task_vars) == reason


@pytest.mark.parametrize('value, in_process', [('0', False), ('false', False), ('no', False), ('1', True), ('', True)])
def test_the_controller_environment_switch(value, in_process, monkeypatch):
    monkeypatch.setenv('ROCKETCHAT_IN_PROCESS', value)
    assert (action(info_action, {})._module_process_reason({}) is None) is in_process


def test_the_variable_wins_over_the_environment_switch(monkeypatch):
    monkeypatch.setenv('ROCKETCHAT_IN_PROCESS', '0')
    assert action(info_action, {})._module_process_reason({'rocketchat_in_process': True}) is None


def test_a_configured_interpreter_counts_like_the_variable(monkeypatch):
    monkeypatch.delenv('ROCKETCHAT_IN_PROCESS', raising=False)
    monkeypatch.setenv('ANSIBLE_PYTHON_INTERPRETER', '/opt/other/bin/python3')
    assert action(info_action, {})._module_process_reason({}) == (
        "ansible_python_interpreter /opt/other/bin/python3 is not the controller's Python")
    monkeypatch.setenv('ANSIBLE_PYTHON_INTERPRETER', sys.executable)
    assert action(info_action, {})._module_process_reason({}) is None


@pytest.mark.skipif(_in_process.ansible_version.startswith('2.18.') is False,
                    reason='ansible-core 2.18 hands action plugins vault objects; later releases hand plain strings')
def test_an_inline_vault_value_is_used_and_masked_as_in_a_module(transport):
    from ansible.parsing.vault import VaultLib, VaultSecret  # pylint: disable=import-outside-toplevel
    from ansible.parsing.yaml.objects import AnsibleVaultEncryptedUnicode  # pylint: disable=import-outside-toplevel
    vault = VaultLib([('default', VaultSecret(b'vault-password'))])
    vaulted = AnsibleVaultEncryptedUnicode(vault.encrypt(SECRET))
    vaulted.vault = vault
    transport.on('GET', 'integrations.list', ok(integrations=[], count=0, offset=0, total=0))
    result = action(info_action, dict(TOKEN_ARGS, api_token=vaulted))._run_in_process(INJECT)
    assert result.get('failed') is not True, result
    assert SECRET not in shown(result) and shown(result['invocation']['module_args']['api_token']) == repr(HIDDEN)
    assert transport.calls[0]['headers']['X-Auth-Token'] == SECRET


def test_missing_requests_hands_the_task_to_the_module(monkeypatch):
    monkeypatch.setattr(_in_process, 'HAS_REQUESTS', False)
    assert 'requests is missing' in action(info_action, {})._module_process_reason({})


def test_task_environment_reaches_the_fallbacks_and_is_restored(transport, monkeypatch):
    monkeypatch.delenv('ROCKETCHAT_URL', raising=False)
    monkeypatch.setenv('ROCKETCHAT_TIMEOUT', '21')  # the controller's own environment counts too
    transport.on('GET', 'integrations.list', ok(integrations=[], count=0, offset=0, total=0))
    args = {key: value for key, value in TOKEN_ARGS.items() if key != 'api_url'}
    result = action(info_action, args, environment=[{'ROCKETCHAT_URL': BASE_URL}])._run_in_process(INJECT)
    assert result['changed'] is False and result['integrations'] == []
    assert result['invocation']['module_args']['api_url'] == BASE_URL
    assert result['invocation']['module_args']['timeout'] == 21
    assert shown(result['invocation']['module_args']['api_token']) == repr(HIDDEN)
    assert SECRET not in shown(result)
    assert 'ROCKETCHAT_URL' not in os.environ and os.environ['ROCKETCHAT_TIMEOUT'] == '21'
    assert transport.calls[0]['url'].startswith(BASE_URL)


def test_environment_is_restored_when_the_task_fails(monkeypatch):
    monkeypatch.setenv('ROCKETCHAT_USERNAME', 'controller-user')
    result = action(info_action, {}, environment=[{'ROCKETCHAT_USERNAME': 'task-user', 'ROCKETCHAT_NEW': 'x'}]) \
        ._run_in_process(INJECT)
    assert result['failed'] is True and result['msg'].startswith('api_url is required')
    assert os.environ['ROCKETCHAT_USERNAME'] == 'controller-user' and 'ROCKETCHAT_NEW' not in os.environ


@pytest.mark.parametrize('args', [
    dict(TOKEN_ARGS, colour='red', type='incoming', name='x'),
    dict(TOKEN_ARGS, type='sideways', name='x'),
    dict(TOKEN_ARGS, timeout='soon', type='incoming', name='x'),
    dict(TOKEN_ARGS, state='absent', name='x', integration_id='y'),
    dict(TOKEN_ARGS, name='x'),
])
def test_bad_input_fails_with_the_module_message(args, run_module, transport):  # pylint: disable=unused-argument
    module_name = {'_ansible_module_name': 'community.rocketchat.rocketchat_integration'}
    module_result, failed = run_module(rocketchat_integration.main, dict(args, **module_name))
    result = action(integration_action, dict(args))._run_in_process(INJECT)
    assert failed and result['failed'] is True
    assert result['msg'] == module_result['msg']
    assert SECRET not in shown(result)
    assert transport.calls == []  # nothing sent to the server


ITEM_TOKEN, LATER_ITEM_TOKEN = 'item-token-secret-Qw12', 'later-item-token-secret-Er34'
ITEMS = [dict(name='a', type='outgoing', token=ITEM_TOKEN), dict(name='b', type='outgoing', token=LATER_ITEM_TOKEN)]


@pytest.mark.parametrize('args', [
    dict(TOKEN_ARGS, purge='maybe', integrations=ITEMS),  # the task's own options fail first
    dict(TOKEN_ARGS, integrations=[dict(ITEMS[0], retry_count='many'), ITEMS[1]]),  # an item before a token fails
])
def test_item_tokens_stay_out_of_a_failed_invocation_both_ways(args, run_module, transport, monkeypatch):
    def fail_json(self, msg, **result):  # what AnsibleModule returns with the invocation, as the controller shows it
        texts.append(shown(dict(result, msg=msg, invocation={'module_args': self.params}), self.no_log_values))
        raise RuntimeError(msg)

    texts = []
    monkeypatch.setattr(basic.AnsibleModule, 'fail_json', fail_json)
    with pytest.raises(RuntimeError):
        run_module(rocketchat_integrations.main, dict(args))
    new_secret_masker(monkeypatch)  # each launcher registers its own secrets
    texts.append(shown(action(integrations_action, dict(args))._run_in_process(INJECT)))
    assert len(texts) == 2 and 'invocation' in texts[1]
    for text in texts:
        assert ITEM_TOKEN not in text and LATER_ITEM_TOKEN not in text and SECRET not in text
    assert transport.calls == []


def test_item_tokens_never_reach_the_system_log(run_module, transport, monkeypatch):
    logged = []
    # ansible-core 2.22 and later: log() masks the registered secrets itself; earlier releases sanitise the invocation
    # with no_log_values before log().
    monkeypatch.setattr(basic.AnsibleModule, 'log', lambda self, msg, log_args=None: logged.append(masked(msg)))
    transport.on('GET', 'integrations.list', ok(integrations=[], count=0, offset=0, total=0))
    run_module(rocketchat_integrations.main, dict(TOKEN_ARGS, integrations=ITEMS, _ansible_check_mode=True))
    assert logged and 'Invoked with' in logged[0] and "'name': 'a'" in logged[0]
    assert ITEM_TOKEN not in logged[0] and LATER_ITEM_TOKEN not in logged[0]


def test_a_result_is_the_module_result(run_module, transport):
    doc = {'_id': 'i1', 'type': 'webhook-incoming', 'name': 'x', 'token': 'hook-token-secret', 'channel': ['#general']}
    transport.on('GET', 'integrations.list', ok(integrations=[doc], count=1, offset=0, total=1))
    args = dict(TOKEN_ARGS, name='x', return_webhook_url=True)
    module_result, failed = run_module(rocketchat_integration_info.main, dict(args))
    result = action(info_action, dict(args))._run_in_process(INJECT)
    assert not failed
    invocation = result.pop('invocation')
    # From ansible-core 2.22 the controller marks a module's parsed result in the registered variable.
    assert result.pop('ansible_parsed', None) is (True if _in_process.SECRETS_MODEL else None)
    assert result == module_result
    assert invocation['module_args']['return_webhook_url'] is True
    assert 'hook-token-secret' not in repr(result['integrations'][0]['token'])


def test_warnings_are_returned():
    task = InProcessTask({'a': 1})
    task.warn('first')
    task.warn('second')
    assert task.warnings == ['first', 'second']
    with pytest.raises(TaskFailed) as info:
        task.fail('broken', status=500)
    assert info.value.msg == 'broken' and info.value.result == {'status': 500}


def test_module_task_forwards_to_the_module():
    calls = []
    module = SimpleNamespace(params={'x': 1}, check_mode=True, _diff=True, no_log_values={'s'},
                             warn=calls.append, fail_json=lambda **kwargs: calls.append(kwargs))
    task = ModuleTask(module)
    assert task.params == {'x': 1} and task.check_mode and task.diff and task.no_log_values == {'s'}
    task.warn('w')
    task.fail('m', status=1)
    assert calls == ['w', {'msg': 'm', 'status': 1}]


DEPRECATED = ("Param '{}' is deprecated. See the module docs for more information", '3.0.0', 'community.rocketchat')


@pytest.mark.parametrize('plugin, args, option', [
    (integration_action, dict(TOKEN_ARGS, integration_id='i1', skip_transpile=False), 'skip_transpile'),
    (integrations_action, dict(TOKEN_ARGS, integrations=[{'name': 'a', 'type': 'incoming', 'skip_transpile': True},
                                                         {'name': 'b', 'type': 'incoming', 'skip_transpile': False}]),
     'integrations[].skip_transpile'),
])
def test_a_deprecated_option_is_reported_in_process_as_a_module_reports_it(plugin, args, option, transport, monkeypatch):
    shown = []
    monkeypatch.setattr(_in_process.display, 'deprecated',
                        lambda msg, version=None, collection_name=None, **kwargs: shown.append((msg, version, collection_name)))
    transport.on('GET', 'integrations.get', ok(integration={'_id': 'i1', 'type': 'webhook-incoming', 'name': 'x'}))
    transport.on('GET', 'integrations.list', ok(integrations=[], count=0, offset=0, total=0))
    result = action(plugin, args, check_mode=True)._run_in_process()
    # Before ansible-core 2.19 in the result, as a module's (the callback shows them, as action_warnings says);
    # later through display, which the action's run captures into the result.
    in_result = [(item['msg'], item.get('version'), item.get('collection_name')) for item in result.get('deprecations', [])]
    ours = [deprecation for deprecation in (in_result if _in_process.CORE < (2, 19) else shown)
            if deprecation[2] == 'community.rocketchat']
    assert ours == [(DEPRECATED[0].format(option),) + DEPRECATED[1:]]  # once per task, not once per item
    assert not (shown if _in_process.CORE < (2, 19) else in_result)


def test_the_deprecated_option_is_in_the_argument_spec_the_module_process_validates():
    for spec in (rocketchat_integration.argument_spec(), _run_integrations.ITEM_SPEC):
        assert spec['skip_transpile']['removed_in_version'] == '3.0.0'
        assert spec['skip_transpile']['removed_from_collection'] == 'community.rocketchat'


def test_module_task_forwards_deprecations_to_the_module():
    calls = []
    module = SimpleNamespace(deprecate=lambda msg, **kwargs: calls.append((msg, kwargs)))
    ModuleTask(module).deprecate('gone', version='3.0.0', collection_name='community.rocketchat')
    assert calls == [('gone', {'version': '3.0.0', 'collection_name': 'community.rocketchat'})]
