# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Tests of the emulator's apply_late fault: a write applied after its client got a 504 or gave up waiting."""

import pytest
import requests

# servers and emu8 are fixtures, which pytest finds by name in this module.
from test_emulator import (  # noqa: F401  pylint: disable=unused-import
    TIMEOUT,
    Client,
    control,
    create,
    emu8,
    incoming_body,
    servers,
)

CREATE = '/api/v1/integrations.create'
REMOVE = '/api/v1/integrations.remove'
# Long enough that the client's next requests come before the write lands; tests wait for it, never on a clock.
LATER = 2.0


def late_entries(emu):
    return [entry for entry in control(emu, 'GET', 'requests') if entry.get('fault') == 'apply_late']


def names(emu):
    return [doc['name'] for doc in control(emu, 'GET', 'state')['integrations']]


def test_a_create_answered_504_is_saved_later(emu8):
    admin = Client(emu8)
    control(emu8, 'POST', 'faults', {'route': CREATE, 'method': 'POST', 'kind': 'apply_late', 'delay_s': LATER})
    answer = admin.post('integrations.create', incoming_body(name='late'))
    assert answer.status_code == 504 and answer.headers['Content-Type'].startswith('text/html')
    assert names(emu8) == []  # not yet: a list read now does not show it
    assert admin.get('integrations.list').json()['integrations'] == []
    assert emu8.app.late_writes.wait(TIMEOUT)
    assert names(emu8) == ['late']
    entry, = late_entries(emu8)
    assert entry['status'] == 504 and entry['applied_status'] == 200


def test_a_status_and_body_of_choice(emu8):
    control(emu8, 'POST', 'faults', {'route': CREATE, 'kind': 'apply_late', 'delay_s': 0, 'status': 502,
                                     'body': 'upstream gone'})
    answer = Client(emu8).post('integrations.create', incoming_body(name='late'))
    assert answer.status_code == 502 and answer.text == 'upstream gone'
    assert emu8.app.late_writes.wait(TIMEOUT) and names(emu8) == ['late']


def test_hold_s_drops_the_connection_after_the_client_gave_up_and_the_write_still_lands(emu8):
    admin = Client(emu8)
    control(emu8, 'POST', 'faults', {'route': CREATE, 'kind': 'apply_late', 'hold_s': 1.0, 'delay_s': 1.5})
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.post(admin.url('integrations.create'), json=incoming_body(name='late'), headers=admin.headers,
                      timeout=0.3)
    assert emu8.app.late_writes.wait(TIMEOUT) and names(emu8) == ['late']
    entry, = late_entries(emu8)
    assert entry['status'] is None and entry['applied_status'] == 200


def test_a_remove_sent_again_before_the_late_one_lands_finds_it_and_the_late_one_finds_nothing(emu8):
    admin = Client(emu8)
    doc = create(admin, incoming_body())
    body = {'type': 'webhook-incoming', 'integrationId': doc['_id']}
    control(emu8, 'POST', 'faults', {'route': REMOVE, 'kind': 'apply_late', 'delay_s': LATER})
    assert admin.post('integrations.remove', body).status_code == 504
    assert names(emu8) == ['in-hook']
    assert admin.post('integrations.remove', body).status_code == 200
    assert emu8.app.late_writes.wait(TIMEOUT)
    assert late_entries(emu8)[0]['applied_status'] == 400  # No integration found.


def test_an_update_is_applied_late_with_the_body_it_was_sent(emu8):
    admin = Client(emu8)
    doc = create(admin, incoming_body())
    control(emu8, 'POST', 'faults', {'route': '/api/v1/integrations.update', 'kind': 'apply_late', 'delay_s': 0.2})
    update = dict(incoming_body(emoji=':late:'), integrationId=doc['_id'])
    assert admin.put('integrations.update', update).status_code == 504
    assert emu8.app.late_writes.wait(TIMEOUT)
    assert control(emu8, 'GET', 'state')['integrations'][0]['emoji'] == ':late:'


def test_a_reset_drops_the_writes_still_waiting(emu8):
    control(emu8, 'POST', 'faults', {'route': CREATE, 'kind': 'apply_late', 'delay_s': LATER})
    assert Client(emu8).post('integrations.create', incoming_body(name='late')).status_code == 504
    control(emu8, 'POST', 'reset')
    assert emu8.app.late_writes.wait(TIMEOUT) and names(emu8) == []


@pytest.mark.parametrize('fault', [
    {'route': CREATE, 'kind': 'apply_late', 'delay_s': -1},
    {'route': CREATE, 'kind': 'apply_late', 'hold_s': -1},
    {'route': CREATE, 'kind': 'apply_late', 'hold_s': 'long'},
])
def test_bad_parameters_are_refused(emu8, fault):
    assert requests.post(emu8.url + '/_emulator/faults', json=fault, timeout=TIMEOUT).status_code == 400
