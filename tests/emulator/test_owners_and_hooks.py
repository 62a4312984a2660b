# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Tests of what the emulator does around the integrations the modules manage, on every profile the integration
targets start: a message posted to an incoming hook reaches its channel, an incoming update keeps the hook's token,
an integration records the user who created it, and a user with only manage-own-outgoing-integrations sees its own
integrations and deliveries and no one else's (sections 2, 3, 4 and 8: see README.md)."""

import pytest
import requests

import test_emulator as emulator
# servers and emu8 are fixtures, which pytest finds by name in this module.
from test_emulator import _server, emu8, servers  # noqa: F401  pylint: disable=unused-import

PROFILES = [emulator.V63, emulator.V6, emulator.V7, emulator.V85, emulator.V8, emulator.V89]


@pytest.fixture(params=PROFILES)
def profile(request, servers):  # noqa: F811  (the fixture imported above)
    return _server(servers, request.param)


def test_a_message_posted_to_an_incoming_hook_reaches_its_channel(profile):
    # 6.3 requires overrideDestinationChannelEnabled on an incoming create (sections 3.1, 12.2).
    doc = emulator.create(emulator.Client(profile), emulator.incoming_body(overrideDestinationChannelEnabled=False))
    hook = '%s/hooks/%s/%s' % (profile.url, doc['_id'], doc['token'])
    answer = requests.post(hook, json={'text': 'deploy finished'}, timeout=emulator.TIMEOUT)
    assert answer.status_code == 200 and answer.json() == {'success': True}
    messages = emulator.control(profile, 'GET', 'state')['messages']
    posted = [message for message in messages if message['msg'] == 'deploy finished']
    assert [message['rid'] for message in posted] == ['GENERAL']


def test_an_incoming_update_without_a_token_keeps_the_hook_token_and_stays_disabled(profile):
    admin = emulator.Client(profile)
    doc = emulator.create(admin, emulator.incoming_body(enabled=False, alias='Pager', emoji=':pager:',
                                                        overrideDestinationChannelEnabled=False))
    # An update as the module sends it: the whole stored document, renamed, without the hook's token (section 3.2).
    answer = admin.put('integrations.update', emulator.incoming_body(
        integrationId=doc['_id'], name='renamed', enabled=False, alias='Pager', emoji=':zzz:',
        overrideDestinationChannelEnabled=False))
    assert answer.status_code == 200, answer.text
    stored = admin.get('integrations.get', integrationId=doc['_id']).json()['integration']
    assert (stored['name'], stored['enabled'], stored['emoji']) == ('renamed', False, ':zzz:')
    assert stored['token'] == doc['token']


def test_an_integration_records_the_user_who_created_it(emu8):  # noqa: F811  (the fixture imported above)
    emulator.set_permissions(emu8, manage_incoming_integrations=['admin', 'integrator'])
    integrator = emulator.make_user(emu8, 'integrator', roles=['user', 'integrator'])
    doc = emulator.create(integrator, emulator.incoming_body(name='rl-0'))
    assert doc['_createdBy'] == {'_id': integrator.user_id, 'username': 'integrator'}
    stored = emulator.Client(emu8).get('integrations.get', integrationId=doc['_id']).json()['integration']
    assert stored['_createdBy'] == doc['_createdBy']


def test_a_user_who_manages_only_its_own_outgoing_integrations_sees_only_those_and_their_deliveries(emu8):  # noqa: F811
    emulator.set_permissions(emu8, manage_own_outgoing_integrations=['admin', 'user'])
    theirs = emulator.create(emulator.Client(emu8), emulator.outgoing_body(name='admins-out'))
    owner = emulator.make_user(emu8, 'hist-owner')
    mine = emulator.create(owner, emulator.outgoing_body(name='hist-own'))
    for doc in (theirs, mine):
        emulator.control(emu8, 'POST', 'history', {'integrationId': doc['_id'], 'count': 2})
    assert [doc['name'] for doc in owner.get('integrations.list').json()['integrations']] == ['hist-own']
    assert owner.get('integrations.history', id=mine['_id']).json()['total'] == 2
    assert owner.get('integrations.history', id=theirs['_id']).json()['total'] == 0
