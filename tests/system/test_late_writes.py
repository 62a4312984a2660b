# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes that land after their answer was lost, and edits made while a task waits: rocketchat_integration and
rocketchat_integrations must never create a duplicate, must report changed truthfully, must say what is known, and
must never revert what they did not read recently. The emulator's apply_late fault answers 504 at once and applies
the request later, as a busy server behind a gateway does."""

from __future__ import annotations

import json
import threading
import time

import pytest

from conftest import Rocket, connection_env
from rocketchat_emulator import EmulatorServer

SINGLE = 'community.rocketchat.rocketchat_integration'
SET = 'community.rocketchat.rocketchat_integrations'
LIST = '/api/v1/integrations.list'
CREATE = '/api/v1/integrations.create'
UPDATE = '/api/v1/integrations.update'
REMOVE = '/api/v1/integrations.remove'
# The server saves a late write this long after the 504: after the module's first read, before its later ones.
LATER = 1.5
WAIT = 30  # bound on waiting for the emulator's late writes

INCOMING = dict(type='incoming', name='late-in', channel='#general', username='rocket.cat')
OUTGOING = dict(type='outgoing', name='late-out', event='sendMessage', channel='#general',
                urls=['https://ci.example.com/late'], username='rocket.cat')
CASES = [(SINGLE, INCOMING), (SINGLE, OUTGOING), (SET, INCOMING), (SET, OUTGOING)]
IDS = ['single-incoming', 'single-outgoing', 'set-incoming', 'set-outgoing']


def run(ansible, rocket, module, item, env=None, **options):
    """The module's task for one integration (the set: a list of one entry), ad hoc; (status, result)."""
    args = dict(item, **options) if module == SINGLE else dict(options, integrations=[item])
    done = ansible('adhoc', '-m', module, '-a', json.dumps(args), env=dict(connection_env(rocket.emu), **(env or {})))
    return done.result()


def hits(rocket, path, method='POST'):
    return [entry for entry in rocket.requests_log() if entry['path'] == path and entry['method'] == method]


def settled(rocket):
    assert rocket.emu.app.late_writes.wait(WAIT), 'the late writes did not land'
    return rocket.integrations()


def assert_created_once(ansible, rocket, module, item):
    """Once the late creation landed, the server has exactly that one, and the next run finds it and changes nothing."""
    assert [doc['name'] for doc in settled(rocket)] == [item['name']]
    status, result = run(ansible, rocket, module, item)
    assert status == 'SUCCESS' and result['changed'] is False
    assert len(rocket.integrations()) == 1 and len(hits(rocket, CREATE)) == 1


def create_stored(rocket, item):
    if item['type'] == 'incoming':
        return rocket.create_incoming(item['name'])
    return rocket.create_outgoing(item['name'], urls=item['urls'], token='late-out-token-1')


@pytest.mark.parametrize('module, item', CASES, ids=IDS)
def test_a_create_saved_after_its_504_is_found_and_never_duplicated(ansible, rocket8, module, item):
    rocket8.fault(CREATE, 'apply_late', method='POST', delay_s=LATER)
    status, result = run(ansible, rocket8, module, item)
    assert status == 'CHANGED', result
    if module == SINGLE:
        assert 'the answer to the creation was lost' in result['msg']
    else:
        assert [entry['name'] for entry in result['created']] == [item['name']]
    assert_created_once(ansible, rocket8, module, item)


@pytest.mark.parametrize('module, item', CASES, ids=IDS)
def test_a_create_saved_after_the_task_gave_up_is_found_by_the_next_run(ansible, rocket8, module, item):
    # The task reads for at most its timeout (1 s here) and the server saves the integration later still.
    rocket8.fault(CREATE, 'apply_late', method='POST', delay_s=3 * LATER)
    status, result = run(ansible, rocket8, module, item, timeout=1)
    assert status == 'FAILED' and 'it may still be saving it' in result['msg'], result['msg']
    assert 'looks the integration up by name' in result['msg']
    assert_created_once(ansible, rocket8, module, item)


@pytest.mark.parametrize('module, item', CASES, ids=IDS)
def test_a_remove_retried_while_the_server_still_removes_it_reports_this_runs_removal(ansible, rocket8, module, item):
    create_stored(rocket8, item)
    # The first remove is answered 504 and applied later; the retry reaches the server after that.
    rocket8.fault(REMOVE, 'apply_late', method='POST', delay_s=LATER)
    rocket8.fault(REMOVE, 'delay', method='POST', delay_s=2 * LATER)
    status, result = run(ansible, rocket8, module, dict(name=item['name'], type=item['type'], state='absent'))
    assert status == 'CHANGED' and result['changed'] is True, result
    if module == SINGLE:
        assert 'the answer to the removal was lost' in result['msg']
    else:
        assert [entry['name'] for entry in result['removed']] == [item['name']]
    assert settled(rocket8) == [] and len(hits(rocket8, REMOVE)) == 2


@pytest.mark.parametrize('module, item', CASES, ids=IDS)
def test_an_update_applied_after_its_504_is_reported_once_and_kept(ansible, rocket8, module, item):
    create_stored(rocket8, item)
    rocket8.fault(UPDATE, 'apply_late', method='PUT', delay_s=LATER)
    status, result = run(ansible, rocket8, module, dict(item, emoji=':hourglass:'))
    assert status == 'CHANGED' and result['changed'] is True, result
    doc, = settled(rocket8)
    assert doc['emoji'] == ':hourglass:'
    status, result = run(ansible, rocket8, module, dict(item, emoji=':hourglass:'))
    assert status == 'SUCCESS' and result['changed'] is False


def test_an_edit_made_while_the_set_waits_on_the_rate_limiter_survives(ansible, rocket8):
    user = rocket8.add_user('limited', ['user'])
    rocket8.set_permissions(manage_outgoing_integrations=['admin', 'user'])
    rocket8.settings(rate_limiter_enabled=True, rate_limit_calls=1, rate_limit_window_ms=3000)
    stored = create_stored(rocket8, OUTGOING)
    items = [dict(OUTGOING, name='wait-new-1', urls=['https://ci.example.com/1']),
             dict(OUTGOING, name='wait-new-2', urls=['https://ci.example.com/2']),  # waits on the rate limiter
             dict(name=OUTGOING['name'], emoji=':tada:')]
    env = {'ROCKETCHAT_USER_ID': user['userId'], 'ROCKETCHAT_AUTH_TOKEN': user['authToken']}
    args = json.dumps({'type': 'outgoing', 'integrations': items})
    outcome = {}
    task = threading.Thread(target=lambda: outcome.update(run=ansible(
        'adhoc', '-m', SET, '-a', args, env=dict(connection_env(rocket8.emu), **env))))
    task.start()
    deadline = time.monotonic() + WAIT
    while not any(entry['status'] == 429 for entry in hits(rocket8, CREATE)):
        assert time.monotonic() < deadline and task.is_alive(), 'the task was never rate-limited'
        time.sleep(0.05)
    # In the web UI, during the wait: a field the task does not set (an outgoing update writes every field it has,
    # null for what its body leaves out, from 7.3 on).
    edit = {key: value for key, value in stored.items() if not key.startswith('_') and key not in ('userId', 'type')}
    edit.update(type='webhook-outgoing', integrationId=stored['_id'], channel='#general', alias='Set meanwhile')
    answer = rocket8.api('PUT', 'integrations.update', json=edit)
    assert answer.status_code == 200, answer.text
    task.join(WAIT * 4)
    status, result = outcome['run'].result()
    assert status == 'CHANGED', result
    doc, = [doc for doc in rocket8.integrations() if doc['name'] == OUTGOING['name']]
    assert doc['emoji'] == ':tada:' and doc['alias'] == 'Set meanwhile'


@pytest.fixture(scope='module')
def rocket63():
    with EmulatorServer(server_version='6.3.0') as emu:
        yield Rocket(emu)


def test_a_set_on_6_3_has_one_update_refused_not_one_per_entry(ansible, rocket63):
    rocket63.reset()
    items = [dict(OUTGOING, name=f'old-{n}', urls=[f'https://ci.example.com/{n}']) for n in range(3)]
    for item in items:
        create_stored(rocket63, item)
    status, result = run_set(ansible, rocket63, [dict(item, emoji=':x:') for item in items])
    assert status == 'CHANGED' and [entry['name'] for entry in result['updated']] == ['old-0', 'old-1', 'old-2']
    assert [entry['status'] for entry in hits(rocket63, UPDATE, 'PUT')] == [400, 200, 200, 200]


def run_set(ansible, rocket, items):
    done = ansible('adhoc', '-m', SET, '-a', json.dumps({'integrations': items}), env=connection_env(rocket.emu))
    return done.result()
