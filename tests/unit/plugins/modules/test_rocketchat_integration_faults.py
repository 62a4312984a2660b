# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What rocketchat_integration reports when a write's answer is lost, and when parallel runs race."""

from __future__ import annotations

import requests

from ansible_collections.community.rocketchat.plugins.modules import rocketchat_integration as module
from ansible_collections.community.rocketchat.tests.unit.conftest import TOKEN_ARGS, diff_of, fail, listing, ok, stored_after
from ansible_collections.community.rocketchat.tests.unit.plugins.modules.test_rocketchat_integrations_late_writes import (
    RATE_LIMITED,
)

DOC = {'_id': 'in1', 'type': 'webhook-incoming', 'name': 'Alerts', 'enabled': True, 'username': 'rocket.cat',
       'channel': ['#alerts'], 'scriptEnabled': False, 'token': 'hook-secret-77', '_createdAt': '2026-11-27T10:00:00.000Z'}
ARGS = dict(TOKEN_ARGS, type='incoming', name='Alerts', channel=['#alerts'], username='rocket.cat')
LOST = requests.exceptions.ConnectionError('Connection aborted: RemoteDisconnected')
GATEWAY = dict(status=502, text='<html>Bad Gateway</html>', headers={'Content-Type': 'text/html'})


def calls(transport):
    return [f"{c['method']} {c['endpoint']}" for c in transport.calls]


def test_lost_answer_to_a_remove_that_happened_reports_the_removal(run_module, transport):
    transport.on('GET', 'integrations.get', ok(integration=DOC), fail(400, 'The integration does not exists.'))
    transport.on('POST', 'integrations.remove', LOST)
    result, failed = run_module(module.main, dict(TOKEN_ARGS, integration_id='in1', state='absent'))
    assert not failed and result['changed'] is True
    assert calls(transport) == ['GET integrations.get', 'POST integrations.remove', 'GET integrations.get']


def test_lost_answer_to_a_remove_that_did_not_happen_sends_it_again(run_module, transport):
    transport.on('GET', 'integrations.get', ok(integration=DOC))
    transport.on('POST', 'integrations.remove', GATEWAY, ok(integration=DOC))
    result, failed = run_module(module.main, dict(TOKEN_ARGS, integration_id='in1', state='absent'))
    assert not failed and result['changed'] is True
    assert calls(transport) == ['GET integrations.get', 'POST integrations.remove', 'GET integrations.get', 'POST integrations.remove']


def test_lost_answer_to_a_create_that_happened_never_creates_twice(run_module, transport):
    transport.on('GET', 'integrations.list', listing(), listing(DOC))
    transport.on('POST', 'integrations.create', LOST)
    result, failed = run_module(module.main, ARGS)
    assert not failed and result['changed'] is True and result['integration']['_id'] == 'in1'
    assert calls(transport).count('POST integrations.create') == 1


def test_lost_answer_to_a_create_the_server_was_still_saving_finds_it_on_a_later_read(run_module, transport, sleeps):
    # The server gave up answering (the client's timeout) but saved the integration a moment later.
    transport.on('GET', 'integrations.list', listing(), listing(), listing(DOC))
    transport.on('POST', 'integrations.create', requests.exceptions.ReadTimeout('read timed out'))
    result, failed = run_module(module.main, ARGS)
    assert not failed and result['changed'] is True and result['integration']['_id'] == 'in1'
    assert 'the answer to the creation was lost' in result['msg']
    assert calls(transport).count('POST integrations.create') == 1 and sleeps == [1]


def test_lost_answer_to_a_create_that_never_shows_fails_saying_what_is_known(run_module, transport, sleeps):
    transport.on('GET', 'integrations.list', listing())
    transport.on('POST', 'integrations.create', GATEWAY)
    result, failed = run_module(module.main, ARGS)
    assert failed and 'it may still be saving it, or it did not create it' in result['msg']
    assert 'looks the integration up by name' in result['msg'] and 'nothing was created' not in result['msg']
    assert calls(transport).count('POST integrations.create') == 1
    # Read again for 15 s (less when the task's timeout is shorter), waits doubling.
    assert sleeps == [1, 2, 4, 8] and calls(transport).count('GET integrations.list') == 6


def test_the_reads_after_a_lost_create_are_bounded_by_the_task_timeout(run_module, transport, sleeps):
    transport.on('GET', 'integrations.list', listing())
    transport.on('POST', 'integrations.create', GATEWAY)
    result, failed = run_module(module.main, dict(ARGS, timeout=5))
    assert failed and 'in the 5 s that followed' in result['msg'] and sleeps == [1, 2, 2]


def test_a_remove_retried_while_the_server_still_removes_it_reports_this_runs_removal(run_module, transport):
    # The first remove's answer is lost while the server is still working on it: the integration is still listed,
    # and the retry finds it gone.
    transport.on('GET', 'integrations.get', ok(integration=DOC))
    transport.on('POST', 'integrations.remove', GATEWAY, fail(400, 'No integration found.'))
    result, failed = run_module(module.main, dict(TOKEN_ARGS, integration_id='in1', state='absent'))
    assert not failed and result['changed'] is True
    assert 'the answer to the removal was lost' in result['msg'] and 'already removed' not in result['msg']
    assert calls(transport).count('POST integrations.remove') == 2


def test_a_retried_remove_that_meets_the_first_one_deleting_reports_this_runs_removal(run_module, transport):
    transport.on('GET', 'integrations.get', ok(integration=DOC), ok(integration=DOC),
                 fail(400, 'The integration does not exists.'))
    transport.on('POST', 'integrations.remove', LOST,
                 fail(400, 'Invalid integration [error-invalid-integration]', 'error-invalid-integration'))
    result, failed = run_module(module.main, dict(TOKEN_ARGS, integration_id='in1', state='absent'))
    assert not failed and result['changed'] is True and 'the answer to the removal was lost' in result['msg']


def test_a_remove_that_was_already_done_by_someone_else_is_no_change(run_module, transport):
    transport.on('GET', 'integrations.get', ok(integration=DOC))
    transport.on('POST', 'integrations.remove', fail(400, 'No integration found.'))
    result, failed = run_module(module.main, dict(TOKEN_ARGS, integration_id='in1', state='absent'))
    assert not failed and result['changed'] is False and 'was already removed' in result['msg']


def test_lost_answer_to_an_update_that_landed_is_not_sent_again(run_module, transport):
    transport.on('GET', 'integrations.list', listing(DOC))
    transport.on('PUT', 'integrations.update', requests.exceptions.ReadTimeout('read timed out'))
    transport.on('GET', 'integrations.get', ok(integration=dict(DOC, emoji=':x:')))
    result, failed = run_module(module.main, dict(ARGS, emoji=':x:'))
    assert not failed and result['changed'] is True and result['integration']['emoji'] == ':x:'
    assert calls(transport).count('PUT integrations.update') == 1


def test_lost_answer_to_an_update_that_did_not_land_is_sent_again(run_module, transport):
    transport.on('GET', 'integrations.list', listing(DOC))
    transport.on('PUT', 'integrations.update', GATEWAY, ok(integration=dict(DOC, emoji=':x:')))
    transport.on('GET', 'integrations.get', ok(integration=DOC))
    result, failed = run_module(module.main, dict(ARGS, emoji=':x:'))
    assert not failed and result['changed'] is True
    assert calls(transport).count('PUT integrations.update') == 2


def test_an_update_sent_again_after_a_lost_answer_carries_what_the_server_holds_then(run_module, transport):
    edited = dict(DOC, alias='set in the web UI')  # edited while the first update's answer was lost
    transport.on('GET', 'integrations.list', listing(DOC))
    transport.on('PUT', 'integrations.update', GATEWAY, stored_after(edited))
    transport.on('GET', 'integrations.get', ok(integration=edited))
    result, failed = run_module(module.main, dict(ARGS, emoji=':x:', _ansible_diff=True))
    assert not failed and result['changed'] is True and result['changed_options'] == ['emoji']
    first, again = [c['body'] for c in transport.calls if c['method'] == 'PUT']
    assert 'alias' not in first and again['alias'] == 'set in the web UI' and again['emoji'] == ':x:'
    assert result['integration']['alias'] == 'set in the web UI'
    diff = diff_of(result)  # the alias was not this run's change: the diff shows it on both sides
    assert diff['before']['alias'] == diff['after']['alias'] == 'set in the web UI'


def test_parallel_creators_keep_the_oldest_and_remove_their_own_copy(run_module, transport):
    mine = dict(DOC, _id='in2', _createdAt='2026-11-27T10:00:00.001Z')
    transport.on('GET', 'integrations.list', listing(), listing(DOC, mine))
    transport.on('POST', 'integrations.create', ok(integration=mine))
    transport.on('POST', 'integrations.remove', ok(integration=mine))
    result, failed = run_module(module.main, ARGS)
    assert not failed and result['changed'] is True and result['integration']['_id'] == 'in1'
    removed = [c['body'] for c in transport.calls if c['endpoint'] == 'integrations.remove']
    assert removed == [{'type': 'webhook-incoming', 'integrationId': 'in2'}]


def test_a_kept_integration_updated_after_a_wait_while_settling_is_read_again(run_module, transport, sleeps):
    # The removal of this run's copy is rate-limited; during the wait someone edits the kept integration, so its
    # update is built on a new read, not on the one that found the copies.
    mine = dict(DOC, _id='in2', emoji=':x:', _createdAt='2026-11-27T10:00:00.001Z')
    edited = dict(DOC, alias='set in the web UI')
    transport.on('GET', 'integrations.list', listing(), listing(DOC, mine))
    transport.on('POST', 'integrations.create', ok(integration=mine))
    transport.on('POST', 'integrations.remove', RATE_LIMITED, ok(integration=mine))
    transport.on('GET', 'integrations.get', ok(integration=edited))
    transport.on('PUT', 'integrations.update', stored_after(edited))
    result, failed = run_module(module.main, dict(ARGS, emoji=':x:'))
    assert sleeps and not failed and result['changed'] is True and result['integration']['_id'] == 'in1'
    update = [c['body'] for c in transport.calls if c['method'] == 'PUT'][0]
    assert update['emoji'] == ':x:' and update['alias'] == 'set in the web UI'


def test_settling_a_creation_on_9_x_warns_once_about_skip_transpile(run_module, transport):
    mine = dict(DOC, _id='in2', emoji=':x:', _createdAt='2026-11-27T10:00:00.001Z')
    transport.on('GET', 'integrations.list', listing(), listing(DOC, mine))
    transport.on('GET', '/api/info', ok(version='9.0.1'))
    transport.on('POST', 'integrations.create', ok(integration=mine))
    transport.on('POST', 'integrations.remove', ok(integration=mine))
    transport.on('PUT', 'integrations.update', stored_after(DOC))
    result, failed = run_module(module.main, dict(ARGS, emoji=':x:', skip_transpile=True))
    assert not failed and result['integration']['_id'] == 'in1'
    warning, = result['warnings']
    assert warning.startswith("skip_transpile (set for 'Alerts') has no effect on Rocket.Chat 9.0")
    assert 'skipTranspile' not in [c['body'] for c in transport.calls if c['method'] == 'PUT'][0]


def test_the_oldest_creator_keeps_its_integration(run_module, transport):
    younger = dict(DOC, _id='in2', _createdAt='2026-11-27T10:00:00.001Z')
    transport.on('GET', 'integrations.list', listing(), listing(DOC, younger))
    transport.on('POST', 'integrations.create', ok(integration=DOC))
    result, failed = run_module(module.main, ARGS)
    assert not failed and result['integration']['_id'] == 'in1'
    assert 'POST integrations.remove' not in calls(transport)


def test_http_to_another_machine_warns(run_module, transport):
    transport.on('GET', 'integrations.get', fail(400, 'The integration does not exists.'))
    result, failed = run_module(module.main, dict(TOKEN_ARGS, api_url='http://chat.example.com', integration_id='x', state='absent'))
    assert not failed and any('unencrypted' in warning for warning in result['warnings'])
    result, failed = run_module(module.main, dict(TOKEN_ARGS, api_url='http://127.0.0.1:3000', integration_id='x', state='absent'))
    assert not failed and 'warnings' not in result


def test_negative_rate_limit_wait_is_refused_before_any_request(run_module, transport):
    result, failed = run_module(module.main, dict(TOKEN_ARGS, rate_limit_max_wait=-1, integration_id='x', state='absent'))
    assert failed and 'rate_limit_max_wait' in result['msg'] and transport.calls == []


def test_a_rate_limit_wait_is_a_warning_naming_the_wait_and_the_permission(run_module, transport, sleeps):
    limited = dict(status=429, json_body={'success': False, 'error': 'Error, too many requests. Please slow down. You must '
                                          'wait 7 seconds before trying this endpoint again. [error-too-many-requests]'})
    transport.on('GET', 'integrations.get', limited, fail(400, 'The integration does not exists.'))
    result, failed = run_module(module.main, dict(TOKEN_ARGS, integration_id='x', state='absent'))
    assert not failed and result['changed'] is False and sleeps == [7.1]
    warning, = result['warnings']
    assert warning.startswith("Rocket.Chat's API rate limiter made the task wait 7.1 s before GET integrations.get")
    assert "'api-bypass-rate-limit'" in warning
    assert TOKEN_ARGS['api_token'] not in warning


def test_a_task_that_is_not_rate_limited_does_not_warn(run_module, transport, sleeps):
    transport.on('GET', 'integrations.get', fail(400, 'The integration does not exists.'))
    result, failed = run_module(module.main, dict(TOKEN_ARGS, integration_id='x', state='absent'))
    assert not failed and 'warnings' not in result and sleeps == []
