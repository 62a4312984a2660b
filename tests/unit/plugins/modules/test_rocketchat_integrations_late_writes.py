# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""rocketchat_integrations when time passes between its read and its writes: an update after a wait is built on a
fresh read, a lost answer is settled by reading the server, and an older server's update schema is learned once."""

from __future__ import annotations

import requests

from ansible_collections.community.rocketchat.plugins.modules import rocketchat_integrations as module
from ansible_collections.community.rocketchat.tests.unit.conftest import fail, ok, stored_after
from ansible_collections.community.rocketchat.tests.unit.plugins.modules.test_rocketchat_integrations import (
    CI_SCOPE,
    listing,
    outgoing_doc,
    outgoing_item,
    writes,
)

RATE_LIMITED = dict(status=429, json_body={'success': False, 'error': 'Error, too many requests. Please slow down. You '
                                           'must wait 7 seconds before trying this endpoint again. [error-too-many-requests]'})
SCHEMA_6_3 = fail(400, "must have required property 'overrideDestinationChannelEnabled' [invalid-params]", 'invalid-params')
GATEWAY_TIMEOUT = dict(status=504, text='<html>Gateway Time-out</html>', headers={'Content-Type': 'text/html'})


def names_of(entries):
    return [entry['name'] for entry in entries]


def put_bodies(transport):
    return [c['body'] for c in transport.calls if c['method'] == 'PUT']


def test_an_update_after_a_rate_limit_wait_keeps_an_edit_made_during_the_wait(run_module, transport, sleeps):
    stored = outgoing_doc('o001', 'ci-a')
    edited = dict(stored, alias='set in the web UI')  # a field the task does not set, edited while it waited
    created = outgoing_doc('o002', 'ci-new')
    transport.on('GET', 'integrations.list', listing(stored), listing(edited, created))
    transport.on('POST', 'integrations.create', RATE_LIMITED, ok(integration=created))
    transport.on('GET', 'integrations.get', ok(integration=edited))
    transport.on('PUT', 'integrations.update', stored_after(edited))
    items = [outgoing_item('ci-new'), outgoing_item('ci-a', emoji=':x:')]
    result, failed = run_module(module.main, dict(CI_SCOPE, integrations=items, _ansible_diff=True))
    assert not failed and sleeps == [7.1]
    body, = put_bodies(transport)
    assert body['alias'] == 'set in the web UI' and body['emoji'] == ':x:'
    assert result['updated'] == [dict(name='ci-a', type='outgoing', integration_id='o001', changed_options=['emoji'])]
    assert 'set in the web UI' in result['diff']['before']  # the diff starts from what the update was built on


def test_an_update_sent_again_after_its_own_rate_limit_wait_is_built_on_a_fresh_read(run_module, transport, sleeps):
    stored = outgoing_doc('o001', 'ci-a')
    edited = dict(stored, alias='set in the web UI')
    transport.on('GET', 'integrations.list', listing(stored))
    transport.on('GET', 'integrations.get', ok(integration=edited))
    transport.on('PUT', 'integrations.update', RATE_LIMITED, stored_after(edited))
    result, failed = run_module(module.main, dict(CI_SCOPE, integrations=[outgoing_item('ci-a', emoji=':x:')]))
    assert not failed and sleeps == [7.1] and names_of(result['updated']) == ['ci-a']
    refused, sent = put_bodies(transport)
    assert 'alias' not in refused and sent['alias'] == 'set in the web UI' and sent['emoji'] == ':x:'


def test_without_a_wait_an_update_reads_nothing_more(run_module, transport, sleeps):
    stored = outgoing_doc('o001', 'ci-a')
    transport.on('GET', 'integrations.list', listing(stored))
    transport.on('PUT', 'integrations.update', stored_after(stored))
    items = [outgoing_item('ci-a', emoji=':x:'), outgoing_item('ci-b')]
    transport.on('POST', 'integrations.create', ok(integration=outgoing_doc('o002', 'ci-b')))
    result, failed = run_module(module.main, dict(CI_SCOPE, integrations=items))
    assert not failed and sleeps == []
    assert transport.endpoints() == ['GET integrations.list', 'PUT integrations.update', 'POST integrations.create',
                                     'GET integrations.list']


def test_a_6_3_server_refuses_one_update_per_task_not_one_per_entry(run_module, transport):
    docs = {f'o00{n}': outgoing_doc(f'o00{n}', f'ci-{n}') for n in (1, 2, 3)}

    def update(call):
        if 'overrideDestinationChannelEnabled' not in call['body']:
            return SCHEMA_6_3
        return stored_after(docs[call['body']['integrationId']])(call)

    transport.on('GET', 'integrations.list', listing(*docs.values()))
    transport.on('PUT', 'integrations.update', update)
    items = [outgoing_item(f'ci-{n}', emoji=':x:') for n in (1, 2, 3)]
    result, failed = run_module(module.main, dict(CI_SCOPE, integrations=items))
    assert not failed and names_of(result['updated']) == ['ci-1', 'ci-2', 'ci-3']
    bodies = put_bodies(transport)
    assert len(bodies) == 4 and ['overrideDestinationChannelEnabled' in body for body in bodies] == [False, True, True, True]


def test_a_lost_create_that_the_server_saves_late_is_reported_created_once(run_module, transport, sleeps):
    created = outgoing_doc('o009', 'ci-new')
    transport.on('GET', 'integrations.list', listing(), listing(), listing(created))
    transport.on('POST', 'integrations.create', GATEWAY_TIMEOUT)
    result, failed = run_module(module.main, dict(CI_SCOPE, integrations=[outgoing_item('ci-new')]))
    assert not failed and result['changed'] is True and sleeps == [1]
    assert result['created'] == [dict(name='ci-new', type='outgoing', integration_id='o009')]
    assert writes(transport) == [('POST', 'integrations.create', 'ci-new')]


def test_a_lost_create_that_never_shows_fails_naming_the_entry_and_what_is_known(run_module, transport, sleeps):
    transport.on('GET', 'integrations.list', listing())
    transport.on('POST', 'integrations.create', requests.exceptions.ReadTimeout('read timed out'))
    result, failed = run_module(module.main, dict(CI_SCOPE, integrations=[outgoing_item('ci-new')]))
    assert failed and result['msg'].startswith("integrations[0] ('ci-new'): The answer to the creation")
    assert 'it may still be saving it' in result['msg'] and sleeps == [1, 2, 4, 8]
    assert writes(transport) == [('POST', 'integrations.create', 'ci-new')]


def test_a_remove_retried_while_the_server_still_removes_it_counts_as_removed(run_module, transport):
    stored = outgoing_doc('o001', 'ci-old')
    transport.on('GET', 'integrations.list', listing(stored))
    transport.on('GET', 'integrations.get', ok(integration=stored))
    transport.on('POST', 'integrations.remove', GATEWAY_TIMEOUT, fail(400, 'No integration found.'))
    result, failed = run_module(module.main, dict(CI_SCOPE, purge=False, integrations=[dict(name='ci-old', state='absent')]))
    assert not failed, result['msg']
    assert result['changed'] is True
    assert result['removed'] == [dict(name='ci-old', type='outgoing', integration_id='o001', purged=False)]
    assert result['msg'] == 'Created 0, updated 0, removed 1; 0 unchanged'


def test_a_kept_integration_updated_after_a_wait_while_settling_is_read_again(run_module, transport, sleeps):
    # A parallel run created ci-new too, first: this run removes its own copy (rate-limited: it waits), and then
    # updates the kept one on a new read, keeping the edit made during the wait.
    keeper = outgoing_doc('o001', 'ci-new')
    mine = outgoing_doc('o002', 'ci-new', emoji=':x:')
    edited = dict(keeper, alias='set in the web UI')
    transport.on('GET', 'integrations.list', listing(), listing(keeper, mine))
    transport.on('POST', 'integrations.create', ok(integration=mine))
    transport.on('POST', 'integrations.remove', RATE_LIMITED, ok(integration=mine))
    transport.on('GET', 'integrations.get', ok(integration=edited))
    transport.on('PUT', 'integrations.update', stored_after(edited))
    result, failed = run_module(module.main, dict(CI_SCOPE, integrations=[outgoing_item('ci-new', emoji=':x:')]))
    assert not failed and sleeps == [7.1] and result['changed'] is True
    body, = put_bodies(transport)
    assert body['integrationId'] == 'o001' and body['alias'] == 'set in the web UI' and body['emoji'] == ':x:'
