# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Scripts the server cannot compile: the verdict read after each write, writes undone, failures and warnings.

Rocket.Chat 8.x saves such a script anyway, answers 200 and stores scriptError {name, message, stack}
(compileIntegrationScript; the create and update handlers answer with the stored document).
"""

from __future__ import annotations

import json

import pytest
import requests

from ansible_collections.community.rocketchat.plugins.module_utils._fields import update_payload
from ansible_collections.community.rocketchat.plugins.module_utils._script_verdict import error_text, script_error
from ansible_collections.community.rocketchat.plugins.modules import rocketchat_integration as module
from ansible_collections.community.rocketchat.plugins.modules import rocketchat_integration_info as info_module
from ansible_collections.community.rocketchat.plugins.modules import rocketchat_integrations as set_module
from ansible_collections.community.rocketchat.tests.unit.conftest import TOKEN_ARGS, assert_no_secrets, fail, listing, ok
from ansible_collections.community.rocketchat.tests.unit.plugins.modules.test_rocketchat_integrations_late_writes import (
    GATEWAY_TIMEOUT,
    RATE_LIMITED,
)

HOOK_TOKEN = 'incoming-hook-secret-Vx04Lm77Qa'
OUT_TOKEN = 'outgoing-hook-secret-Pe31Rt'
GOOD = "class Script {\n  process_incoming_request({ request }) {\n    return { content: { text: 'ok' } };\n  }\n}\n"
BROKEN = "class Script {\n  process_incoming_request({ request }) {\n    return { content: { text: 'x' }; }\n  }\n}\n"
# What 8.x (validating with vm.Script) stores for BROKEN: the stack starts with "<file>:<line>" and repeats the line.
BROKEN_ERROR = {'name': 'SyntaxError', 'message': "Unexpected token ';'",
                'stack': "evalmachine.<anonymous>:3\n    return { content: { text: 'x' }; }\n"
                         "                                  ^\n\nSyntaxError: Unexpected token ';'\n    at new Script (node:vm:117:7)"}
BROKEN_TEXT = "SyntaxError: Unexpected token ';' (line 3)"

HOOK = {'_id': 'in1', 'type': 'webhook-incoming', 'name': 'Alerts', 'enabled': True, 'username': 'rocket.cat',
        'channel': ['#alerts'], 'scriptEnabled': True, 'script': GOOD, 'scriptCompiled': GOOD, 'scriptEngine': 'isolated-vm',
        'overrideDestinationChannelEnabled': False, 'token': HOOK_TOKEN, 'userId': 'rc1',
        '_createdAt': '2026-11-20T10:00:00.000Z', '_updatedAt': '2026-11-20T10:00:00.000Z'}
BROKEN_HOOK = dict({k: v for k, v in HOOK.items() if k != 'scriptCompiled'}, script=BROKEN, scriptError=BROKEN_ERROR)
CALL = {'_id': 'out1', 'type': 'webhook-outgoing', 'name': 'CI', 'enabled': True, 'username': 'rocket.cat',
        'event': 'sendMessage', 'channel': ['#ops'], 'urls': ['https://ci.example.com/hook'], 'scriptEnabled': True,
        'script': GOOD, 'scriptCompiled': GOOD, 'token': OUT_TOKEN, '_createdAt': '2026-11-20T10:00:00.000Z'}
SECRETS = (HOOK_TOKEN, OUT_TOKEN)
HOOK_ARGS = dict(TOKEN_ARGS, type='incoming', name='Alerts', channel=['#alerts'], username='rocket.cat',
                 script_enabled=True)


def calls(transport):
    return [f"{c['method']} {c['endpoint']}" for c in transport.calls]


# The readable error -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize('stored, readable', [
    (BROKEN_ERROR, {'name': 'SyntaxError', 'message': "Unexpected token ';'", 'line': 3}),
    # Babel (8.x transpiling) gives the line in the message, followed by a code frame.
    ({'name': 'SyntaxError', 'message': 'unknown file: Unexpected token, expected "," (2:12)\n\n  1 | class Script {\n> 2 | x',
      'stack': 'SyntaxError: unknown file: Unexpected token'},
     {'name': 'SyntaxError', 'message': 'unknown file: Unexpected token, expected "," (2:12)', 'line': 2}),
    ({'name': 'SyntaxError', 'message': 'Duplicate parameter name not allowed in this context'},
     {'name': 'SyntaxError', 'message': 'Duplicate parameter name not allowed in this context'}),
    ({'message': 'Octal literals are not allowed in strict mode.', 'stack': 'evalmachine.<anonymous>:12\n  0777'},
     {'name': 'Error', 'message': 'Octal literals are not allowed in strict mode.', 'line': 12}),
    ('Unexpected end of input', {'name': 'Error', 'message': 'Unexpected end of input'}),
    ({}, None), (None, None), ({'name': '', 'message': None}, None),
])
def test_the_stored_error_is_read_as_name_message_and_line(stored, readable):
    assert script_error({'scriptError': stored}) == readable


def test_the_error_text_names_the_error_its_message_and_the_line():
    assert error_text(script_error({'scriptError': BROKEN_ERROR})) == BROKEN_TEXT
    assert error_text({'name': 'SyntaxError', 'message': 'x'}) == 'SyntaxError: x'


# rocketchat_integration -------------------------------------------------------------------------------------------

def test_a_created_integration_whose_script_does_not_compile_is_removed_again(run_module, transport):
    transport.on('GET', 'integrations.list', listing())
    transport.on('POST', 'integrations.create', ok(integration=BROKEN_HOOK))
    transport.on('POST', 'integrations.remove', ok(integration=BROKEN_HOOK))
    result, failed = run_module(module.main, dict(HOOK_ARGS, script=BROKEN))
    assert failed and result['changed'] is False and result['integration'] == {}
    assert result['msg'] == (f"Rocket.Chat cannot compile the script of the new incoming integration 'Alerts': {BROKEN_TEXT}. "
                             'The integration was removed again, so nothing was changed: fix the script')
    assert result['script_error'] == {'name': 'SyntaxError', 'message': "Unexpected token ';'", 'line': 3}
    # The create's answer carried the verdict: no read in between.
    assert calls(transport) == ['GET integrations.list', 'POST integrations.create', 'POST integrations.remove']
    assert transport.calls[2]['body'] == {'type': 'webhook-incoming', 'integrationId': 'in1'}
    assert_no_secrets(result, SECRETS)


def test_a_creation_that_cannot_be_removed_again_says_what_the_server_holds(run_module, transport):
    transport.on('GET', 'integrations.list', listing())
    transport.on('POST', 'integrations.create', ok(integration=BROKEN_HOOK))
    transport.on('POST', 'integrations.remove', fail(403, 'User does not have the permissions required for this action '
                                                          '[error-unauthorized]'))
    result, failed = run_module(module.main, dict(HOOK_ARGS, script=BROKEN))
    assert failed and result['changed'] is True and result['integration']['_id'] == 'in1'
    assert result['msg'].startswith(f"Rocket.Chat cannot compile the script of the new incoming integration 'Alerts': "
                                    f"{BROKEN_TEXT}. Removing it again failed (Rocket.Chat refused to remove")
    assert result['msg'].endswith('so the server holds it (id in1) with that script: fix the script and run the task '
                                  'again, or remove the integration')
    assert_no_secrets(result, SECRETS)


def test_an_update_whose_script_does_not_compile_is_undone_in_full(run_module, transport):
    transport.on('GET', 'integrations.list', listing(HOOK))
    transport.on('PUT', 'integrations.update', ok(integration=dict(BROKEN_HOOK, emoji=':x:')), ok(integration=HOOK))
    result, failed = run_module(module.main, dict(HOOK_ARGS, script=BROKEN, emoji=':x:'))
    assert failed and result['changed'] is False
    assert result['msg'] == (f"Rocket.Chat cannot compile the script of incoming integration 'Alerts' (id in1): {BROKEN_TEXT}. "
                             'The previous integration was written back, so nothing was changed: fix the script')
    assert calls(transport) == ['GET integrations.list', 'PUT integrations.update', 'PUT integrations.update']
    write, undo = [c['body'] for c in transport.calls[1:]]
    assert write['script'] == BROKEN and write['emoji'] == ':x:'
    # The whole previous integration, as every update sends it, and the emoji it did not have cleared: 8.4+ incoming
    # updates keep what the body leaves out.
    assert undo == dict(update_payload(HOOK, {}), emoji='') and undo['script'] == GOOD
    assert result['integration']['script'] == GOOD and result['integration']['token'] == '********'
    assert_no_secrets(result, SECRETS)


@pytest.mark.parametrize('stored, args', [
    # Enabling a stored script makes the server compile it: the verdict is the task's.
    (dict(BROKEN_HOOK, scriptEnabled=False), dict(script_enabled=True)),
    # So does switching skip_transpile (8.4+: vm.Script instead of Babel, strict mode).
    (dict(HOOK, skipTranspile=False), dict(skip_transpile=True)),
])
def test_enabling_a_script_or_switching_skip_transpile_is_undone_when_it_does_not_compile(
        run_module, transport, stored, args):
    transport.on('GET', 'integrations.list', listing(stored))
    transport.on('GET', '/api/info', ok(version='8.9'))  # asked when a task sets skip_transpile
    # The server holds the stored script, now judged anew (the task does not change the script itself).
    judged = dict({key: value for key, value in stored.items() if key != 'scriptCompiled'}, scriptError=BROKEN_ERROR)
    transport.on('PUT', 'integrations.update', ok(integration=dict(judged, **args_as_fields(args))),
                 ok(integration=stored))
    result, failed = run_module(module.main, dict(dict(HOOK_ARGS, script_enabled=None), **args))
    assert failed and result['changed'] is False and 'The previous integration was written back' in result['msg']
    assert transport.calls[-1]['body'] == update_payload(stored, {})  # the undo


def args_as_fields(args):
    return {'scriptEnabled' if key == 'script_enabled' else 'skipTranspile': value for key, value in args.items()}


def test_an_outgoing_update_is_undone_with_the_previous_token(run_module, transport):
    transport.on('GET', 'integrations.list', listing(CALL))
    broken = dict({k: v for k, v in CALL.items() if k != 'scriptCompiled'}, script=BROKEN, scriptError=BROKEN_ERROR,
                  token='outgoing-new-secret-Zz9')
    transport.on('PUT', 'integrations.update', ok(integration=broken), ok(integration=CALL))
    result, failed = run_module(module.main, dict(TOKEN_ARGS, type='outgoing', name='CI', script=BROKEN,
                                                  token='outgoing-new-secret-Zz9'))
    assert failed and result['changed'] is False
    assert transport.calls[2]['body'] == update_payload(CALL, {}, OUT_TOKEN) and transport.calls[2]['body']['token'] == OUT_TOKEN
    assert 'outgoing-new-secret-Zz9' not in json.dumps(result)
    assert_no_secrets(result, SECRETS)


@pytest.mark.parametrize('undo_answer, state', [
    (fail(400, 'Invalid Post As User [error-invalid-post-as-user]', 'error-invalid-post-as-user'),
     'so the server holds the update with that script: fix the script and run the task again, or put the previous '
     'script back'),
    (dict(status=504, text='Gateway Timeout'),
     'whether it was written back is unknown, so the server holds either the previous integration or the update with '
     'that script: read it before running the task again'),
])
def test_an_update_that_cannot_be_undone_says_what_the_server_holds(run_module, transport, undo_answer, state):
    transport.on('GET', 'integrations.list', listing(HOOK))
    transport.on('PUT', 'integrations.update', ok(integration=BROKEN_HOOK), undo_answer)
    result, failed = run_module(module.main, dict(HOOK_ARGS, script=BROKEN))
    assert failed and result['changed'] is True and result['integration']['script'] == BROKEN
    assert result['msg'].startswith(f"Rocket.Chat cannot compile the script of incoming integration 'Alerts' (id in1): "
                                    f'{BROKEN_TEXT}. Writing the previous integration back failed (')
    assert result['msg'].endswith(state)
    assert_no_secrets(result, SECRETS)


def test_an_answer_without_the_verdict_costs_one_read(run_module, transport):
    transport.on('GET', 'integrations.list', listing(HOOK))
    without = {k: v for k, v in BROKEN_HOOK.items() if k != 'scriptError'}
    transport.on('PUT', 'integrations.update', ok(integration=without), ok(integration=HOOK))
    transport.on('GET', 'integrations.get', ok(integration=BROKEN_HOOK))
    result, failed = run_module(module.main, dict(HOOK_ARGS, script=BROKEN))
    assert failed and result['changed'] is False and result['script_error']['line'] == 3
    assert calls(transport) == ['GET integrations.list', 'PUT integrations.update', 'GET integrations.get',
                                'PUT integrations.update']
    assert transport.calls[2]['params'] == {'integrationId': 'in1'}


def test_an_answer_without_the_verdict_of_a_script_that_compiles_costs_one_read_and_succeeds(run_module, transport):
    transport.on('GET', 'integrations.list', listing(dict(HOOK, script='')))
    transport.on('PUT', 'integrations.update', ok(integration={k: v for k, v in HOOK.items() if k != 'scriptCompiled'}))
    transport.on('GET', 'integrations.get', ok(integration=HOOK))
    result, failed = run_module(module.main, dict(HOOK_ARGS, script=GOOD))
    assert not failed and result['changed'] is True and 'warnings' not in result
    assert calls(transport) == ['GET integrations.list', 'PUT integrations.update', 'GET integrations.get']


def test_an_answer_with_the_verdict_costs_no_read(run_module, transport):
    transport.on('GET', 'integrations.list', listing(dict(HOOK, script='')))
    transport.on('PUT', 'integrations.update', ok(integration=HOOK))
    result, failed = run_module(module.main, dict(HOOK_ARGS, script=GOOD))
    assert not failed and result['changed'] is True and 'warnings' not in result
    assert calls(transport) == ['GET integrations.list', 'PUT integrations.update']


def test_a_write_without_an_enabled_script_reads_no_verdict(run_module, transport):
    stored = dict(BROKEN_HOOK, scriptEnabled=True)
    transport.on('GET', 'integrations.list', listing(stored))
    # Disabling the script: the server does not compile it, and keeps the error it stored before.
    transport.on('PUT', 'integrations.update', ok(integration=dict(stored, scriptEnabled=False)))
    result, failed = run_module(module.main, dict(HOOK_ARGS, script_enabled=False))
    assert not failed and result['changed'] is True and 'warnings' not in result
    assert calls(transport) == ['GET integrations.list', 'PUT integrations.update']


def test_a_script_broken_before_that_the_task_does_not_change_only_warns(run_module, transport):
    transport.on('GET', 'integrations.list', listing(BROKEN_HOOK))
    transport.on('PUT', 'integrations.update', ok(integration=dict(BROKEN_HOOK, enabled=False)))
    result, failed = run_module(module.main, dict(HOOK_ARGS, enabled=False))
    assert not failed and result['changed'] is True and result['integration']['enabled'] is False
    assert result['warnings'] == [
        f"Rocket.Chat cannot compile the script of incoming integration 'Alerts' (id in1): {BROKEN_TEXT}. The task did "
        'not change the script, so it went ahead; fix the script (option script) so that Rocket.Chat can run it']
    assert calls(transport) == ['GET integrations.list', 'PUT integrations.update']  # nothing undone
    assert_no_secrets(result, SECRETS)


def test_a_server_that_refuses_the_script_fails_naming_the_integration_and_its_error(run_module, transport):
    transport.on('GET', 'integrations.list', listing(HOOK))
    refusal = fail(400, "SyntaxError: Unexpected token ';' [error-invalid-script]", 'error-invalid-script')
    transport.on('PUT', 'integrations.update', refusal)
    result, failed = run_module(module.main, dict(HOOK_ARGS, script=BROKEN))
    assert failed and result['msg'] == (
        "Rocket.Chat refused to update the incoming integration 'Alerts' (id in1): SyntaxError: Unexpected token ';' "
        '[error-invalid-script]. Nothing was changed')
    assert calls(transport) == ['GET integrations.list', 'PUT integrations.update']


def test_check_mode_cannot_know_the_verdict_and_writes_nothing(run_module, transport):
    transport.on('GET', 'integrations.list', listing(HOOK))
    result, failed = run_module(module.main, dict(HOOK_ARGS, script=BROKEN, _ansible_check_mode=True))
    assert not failed and result['changed'] is True and calls(transport) == ['GET integrations.list']


def test_stored_verdict_and_skip_transpile_never_report_a_change(run_module, transport):
    stored = dict(BROKEN_HOOK, skipTranspile=False)
    transport.on('GET', 'integrations.list', listing(stored))
    transport.on('GET', '/api/info', ok(version='8.9'))  # asked when a task sets skip_transpile
    result, failed = run_module(module.main, dict(HOOK_ARGS, script=BROKEN, skip_transpile=False))
    assert not failed and result['changed'] is False and calls(transport) == ['GET integrations.list', 'GET /api/info']
    result, failed = run_module(module.main, dict(HOOK_ARGS, script=BROKEN))
    assert not failed and result['changed'] is False


# rocketchat_integrations ------------------------------------------------------------------------------------------

def hook(_id, name, **extra):
    return dict(HOOK, _id=_id, name=name, _createdAt=f'2026-11-20T10:00:00.{_id[-3:]}Z', **extra)


def test_a_set_fails_only_the_entries_whose_script_does_not_compile_and_reports_the_others(run_module, transport):
    server = [hook('i002', 'ci-b'), hook('i003', 'ci-c')]
    created_a = hook('i001', 'ci-a')
    broken_b = dict({k: v for k, v in hook('i002', 'ci-b').items() if k != 'scriptCompiled'}, script=BROKEN,
                    scriptError=BROKEN_ERROR)
    broken_d = dict(broken_b, _id='i004', name='ci-d')
    transport.on('GET', 'integrations.list', listing(*server), listing(created_a, *server))
    transport.on('POST', 'integrations.create', ok(integration=created_a), ok(integration=broken_d))
    transport.on('PUT', 'integrations.update', ok(integration=broken_b), ok(integration=server[0]))
    transport.on('POST', 'integrations.remove', ok(integration=broken_d))
    entry = dict(type='incoming', channel=['#alerts'], username='rocket.cat', script_enabled=True, script=GOOD)
    items = [dict(entry, name='ci-a'), dict(entry, name='ci-b', script=BROKEN), dict(entry, name='ci-c'),
             dict(entry, name='ci-d', script=BROKEN)]
    result, failed = run_module(set_module.main, dict(TOKEN_ARGS, integrations=items, return_webhook_url=True))
    assert failed and result['changed'] is True
    undone_b = (f"Rocket.Chat cannot compile the script of incoming integration 'ci-b' (id i002): {BROKEN_TEXT}. The "
                'previous integration was written back, so nothing was changed: fix the script')
    removed_d = (f"Rocket.Chat cannot compile the script of the new incoming integration 'ci-d': {BROKEN_TEXT}. The "
                 'integration was removed again, so nothing was changed: fix the script')
    assert result['msg'] == (f"integrations[1] ('ci-b'): {undone_b}. integrations[3] ('ci-d'): {removed_d}. "
                             'The other entries: created 1, updated 0, removed 0; 1 unchanged')
    readable = {'name': 'SyntaxError', 'message': "Unexpected token ';'", 'line': 3}
    assert result['rejected'] == [
        dict(name='ci-b', type='incoming', integration_id='i002', script_error=readable, changed=False, msg=undone_b),
        dict(name='ci-d', type='incoming', script_error=readable, changed=False, msg=removed_d)]
    assert result['created'] == [dict(name='ci-a', type='incoming', integration_id='i001')]  # no webhook URL: it failed
    assert result['unchanged'] == [dict(name='ci-c', type='incoming', integration_id='i003')]
    assert calls(transport) == ['GET integrations.list', 'POST integrations.create', 'PUT integrations.update',
                                'PUT integrations.update', 'POST integrations.create', 'POST integrations.remove',
                                'GET integrations.list']
    assert transport.calls[3]['body'] == update_payload(server[0], {})  # ci-b written back in full
    assert_no_secrets(result, SECRETS)


def test_a_set_entry_that_cannot_be_undone_counts_as_a_change(run_module, transport):
    broken = dict({k: v for k, v in hook('i002', 'ci-b').items() if k != 'scriptCompiled'}, script=BROKEN,
                  scriptError=BROKEN_ERROR)
    transport.on('GET', 'integrations.list', listing(hook('i002', 'ci-b')))
    transport.on('PUT', 'integrations.update', ok(integration=broken), fail(400, 'Invalid channel [error-invalid-channel]'))
    items = [dict(name='ci-b', type='incoming', script=BROKEN)]
    result, failed = run_module(set_module.main, dict(TOKEN_ARGS, integrations=items, _ansible_diff=True))
    assert failed and result['changed'] is True and result['rejected'][0]['changed'] is True
    assert 'Writing the previous integration back failed (' in result['msg']
    assert result['msg'].endswith('The other entries: nothing to change; 0 unchanged')
    assert 'diff' in result
    assert_no_secrets(result, SECRETS)


def test_a_set_entry_whose_script_was_broken_before_only_warns(run_module, transport):
    broken = dict({k: v for k, v in hook('i002', 'ci-b').items() if k != 'scriptCompiled'}, script=BROKEN,
                  scriptError=BROKEN_ERROR)
    transport.on('GET', 'integrations.list', listing(broken))
    transport.on('PUT', 'integrations.update', ok(integration=dict(broken, enabled=False)))
    result, failed = run_module(set_module.main, dict(TOKEN_ARGS, integrations=[dict(name='ci-b', type='incoming',
                                                                                     enabled=False)]))
    assert not failed and result['changed'] is True and result['rejected'] == []
    assert len(result['warnings']) == 1 and BROKEN_TEXT in result['warnings'][0]


def test_set_check_mode_reads_no_verdict(run_module, transport):
    transport.on('GET', 'integrations.list', listing(hook('i002', 'ci-b')))
    items = [dict(name='ci-b', type='incoming', script=BROKEN),
             dict(name='ci-n', type='incoming', script=BROKEN, script_enabled=True, channel='#a', username='u')]
    result, failed = run_module(set_module.main, dict(TOKEN_ARGS, integrations=items, _ansible_check_mode=True))
    assert not failed and result['changed'] is True and calls(transport) == ['GET integrations.list']


# rocketchat_integration_info ----------------------------------------------------------------------------------------

def test_info_shows_each_stored_script_error_readably_and_the_declaration_leaves_it_out(run_module, transport):
    transport.on('GET', 'integrations.list', listing(BROKEN_HOOK, dict(CALL, name='Fine')))
    result, failed = run_module(info_module.main, TOKEN_ARGS)
    assert not failed
    broken, fine = result['integrations']
    assert broken['script_error'] == {'name': 'SyntaxError', 'message': "Unexpected token ';'", 'line': 3}
    assert broken['scriptError'] == BROKEN_ERROR and 'script_error' not in fine
    assert_no_secrets(result, SECRETS)
    result, failed = run_module(info_module.main, dict(TOKEN_ARGS, format='declaration'))
    assert not failed and all('script_error' not in entry and 'scriptError' not in entry
                              for entry in result['integrations'])
    assert result['integrations'][0]['script'] == BROKEN


# Lost answers and the document written back ----------------------------------------------------------------------

def test_an_update_that_landed_in_part_after_a_lost_answer_writes_back_the_integration_read_before_it(
        run_module, transport):
    # The first PUT landed although its answer was lost, and the release dropped the username silently: the re-read
    # holds this run's broken script, so writing it back would keep the script the server refused.
    landed = dict(BROKEN_HOOK)
    transport.on('GET', 'integrations.list', listing(HOOK))
    transport.on('PUT', 'integrations.update', GATEWAY_TIMEOUT, ok(integration=landed), ok(integration=HOOK))
    transport.on('GET', 'integrations.get', ok(integration=landed))
    result, failed = run_module(module.main, dict(HOOK_ARGS, script=BROKEN, username='ops.bot'))
    assert failed and result['changed'] is False and result['integration']['script'] == GOOD
    undo = [c['body'] for c in transport.calls if c['method'] == 'PUT'][-1]
    assert undo['script'] == GOOD and undo['username'] == 'rocket.cat'
    assert_no_secrets(result, SECRETS)


def test_an_update_that_lands_during_a_rate_limit_wait_after_a_lost_answer_writes_back_the_integration_read_before_it(
        run_module, transport, sleeps):
    # The server was still saving the first PUT: the re-read shows nothing, the resend is rate-limited, and the first
    # PUT lands during the wait, so the read before the resend holds this run's broken script.
    transport.on('GET', 'integrations.list', listing(HOOK))
    transport.on('PUT', 'integrations.update', GATEWAY_TIMEOUT, RATE_LIMITED, ok(integration=BROKEN_HOOK),
                 ok(integration=HOOK))
    transport.on('GET', 'integrations.get', ok(integration=HOOK), ok(integration=BROKEN_HOOK))
    result, failed = run_module(module.main, dict(HOOK_ARGS, script=BROKEN))
    assert sleeps and failed and result['changed'] is False and result['integration']['script'] == GOOD
    undo = [c['body'] for c in transport.calls if c['method'] == 'PUT'][-1]
    assert undo['script'] == GOOD
    assert_no_secrets(result, SECRETS)


def test_a_rerun_with_nothing_to_change_warns_about_the_stored_script_error(run_module, transport):
    # A creation whose answer was lost and whose script the server saved late (broken): the rerun finds the
    # integration as the task declares it, so it writes nothing, but it does not pass the stored error over.
    transport.on('GET', 'integrations.list', listing(BROKEN_HOOK))
    result, failed = run_module(module.main, dict(HOOK_ARGS, script=BROKEN))
    assert not failed and result['changed'] is False
    assert result['warnings'] == [
        f"Rocket.Chat cannot compile the script of incoming integration 'Alerts' (id in1): {BROKEN_TEXT}. The task did "
        'not change the script, so it went ahead; fix the script (option script) so that Rocket.Chat can run it']
    assert calls(transport) == ['GET integrations.list']  # the stored document carries the verdict: no more requests
    set_result, failed = run_module(set_module.main, dict(TOKEN_ARGS, integrations=[
        dict(name='Alerts', type='incoming', channel=['#alerts'], username='rocket.cat', script_enabled=True,
             script=BROKEN)]))
    assert not failed and set_result['changed'] is False and set_result['warnings'] == result['warnings']
    assert_no_secrets(result, SECRETS)


def test_a_rerun_with_nothing_to_change_on_a_script_that_compiles_does_not_warn(run_module, transport):
    transport.on('GET', 'integrations.list', listing(HOOK))
    result, failed = run_module(module.main, dict(HOOK_ARGS, script=GOOD))
    assert not failed and result['changed'] is False and 'warnings' not in result


# A verdict that cannot be read ------------------------------------------------------------------------------------

READ_FAILED = requests.exceptions.ConnectionError('Connection aborted: RemoteDisconnected')
UNREAD_WARNING = ("Rocket.Chat wrote incoming integration 'Alerts' (id in1), but its verdict on the script could not "
                  'be read (')


def test_an_update_whose_verdict_cannot_be_read_is_reported_as_changed_with_a_warning(run_module, transport):
    transport.on('GET', 'integrations.list', listing(dict(HOOK, script='')))
    transport.on('PUT', 'integrations.update', ok(integration={k: v for k, v in HOOK.items() if k != 'scriptCompiled'}))
    transport.on('GET', 'integrations.get', READ_FAILED)
    result, failed = run_module(module.main, dict(HOOK_ARGS, script=GOOD))
    assert not failed and result['changed'] is True and result['integration']['script'] == GOOD
    assert len(result['warnings']) == 1 and result['warnings'][0].startswith(UNREAD_WARNING)
    assert calls(transport) == ['GET integrations.list', 'PUT integrations.update', 'GET integrations.get']
    assert_no_secrets(result, SECRETS)


def test_a_creation_whose_verdict_cannot_be_read_is_recorded_by_the_set_as_a_change(run_module, transport):
    transport.on('GET', 'integrations.list', listing(), listing(HOOK))
    transport.on('POST', 'integrations.create', ok(integration={k: v for k, v in HOOK.items() if k != 'scriptCompiled'}))
    transport.on('GET', 'integrations.get', READ_FAILED)
    result, failed = run_module(set_module.main, dict(TOKEN_ARGS, integrations=[
        dict(name='Alerts', type='incoming', channel=['#alerts'], username='rocket.cat', script_enabled=True,
             script=GOOD)]))
    assert not failed and result['changed'] is True and result['rejected'] == []
    assert [entry['name'] for entry in result['created']] == ['Alerts']
    assert len(result['warnings']) == 1 and result['warnings'][0].startswith(UNREAD_WARNING)
    assert_no_secrets(result, SECRETS)


# The write-back keeps what others changed meanwhile ---------------------------------------------------------------

def test_the_write_back_keeps_a_field_edited_meanwhile_and_sets_back_only_what_the_task_changed(run_module, transport):
    edited = dict(BROKEN_HOOK, alias='set in the web UI')  # edited between the update and the verdict's read
    transport.on('GET', 'integrations.list', listing(HOOK))
    transport.on('PUT', 'integrations.update', ok(integration={k: v for k, v in BROKEN_HOOK.items() if k != 'scriptError'}),
                 ok(integration=dict(HOOK, alias='set in the web UI')))
    transport.on('GET', 'integrations.get', ok(integration=edited))
    result, failed = run_module(module.main, dict(HOOK_ARGS, script=BROKEN))
    assert failed and result['changed'] is False
    undo = transport.calls[-1]['body']
    assert undo == dict(update_payload(HOOK, {}), alias='set in the web UI') and undo['script'] == GOOD


def test_a_write_back_after_a_rate_limit_wait_is_built_on_a_fresh_read(run_module, transport, sleeps):
    edited = dict(BROKEN_HOOK, alias='set in the web UI')  # edited while the write-back waited
    transport.on('GET', 'integrations.list', listing(HOOK))
    transport.on('PUT', 'integrations.update', ok(integration=BROKEN_HOOK), RATE_LIMITED,
                 ok(integration=dict(HOOK, alias='set in the web UI')))
    transport.on('GET', 'integrations.get', ok(integration=edited))
    result, failed = run_module(module.main, dict(HOOK_ARGS, script=BROKEN))
    assert sleeps and failed and result['changed'] is False
    assert calls(transport)[-2:] == ['GET integrations.get', 'PUT integrations.update']
    assert transport.calls[-1]['body'] == dict(update_payload(HOOK, {}), alias='set in the web UI')


# Answers without the document -------------------------------------------------------------------------------------

def test_an_update_sent_again_whose_answer_lacks_the_document_reads_the_verdict(run_module, transport):
    # The prediction built on the re-read carries the previous script's scriptCompiled: no verdict on this script.
    transport.on('GET', 'integrations.list', listing(HOOK))
    transport.on('PUT', 'integrations.update', GATEWAY_TIMEOUT, ok(), ok(integration=HOOK))
    transport.on('GET', 'integrations.get', ok(integration=HOOK), ok(integration=BROKEN_HOOK))
    result, failed = run_module(module.main, dict(HOOK_ARGS, script=BROKEN))
    assert failed and result['changed'] is False and result['script_error']['line'] == 3
    assert calls(transport) == ['GET integrations.list', 'PUT integrations.update', 'GET integrations.get',
                                'PUT integrations.update', 'GET integrations.get', 'PUT integrations.update']
    assert transport.calls[-1]['body']['script'] == GOOD


def test_a_creation_whose_answer_lacks_the_document_is_read_by_name_and_judged(run_module, transport):
    transport.on('GET', 'integrations.list', listing(), listing(BROKEN_HOOK))
    transport.on('POST', 'integrations.create', ok())
    transport.on('POST', 'integrations.remove', ok(integration=BROKEN_HOOK))
    result, failed = run_module(module.main, dict(HOOK_ARGS, script=BROKEN))
    assert failed and result['changed'] is False and result['script_error']['line'] == 3
    assert calls(transport) == ['GET integrations.list', 'POST integrations.create', 'GET integrations.list',
                                'POST integrations.remove']
