# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Tests of the emulator's outgoing deliveries (README.md, section 13): chat.postMessage, trigger selection,
the payload the receiver gets, the history rows and integrations.history over them."""

import json
import os
import socket
import subprocess
import sys
import tempfile
import time

import pytest
import requests

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from rocketchat_emulator import EmulatorServer, ReceiverServer  # noqa: E402  (needs the path above)

V6, V7, V8 = '6.13.1', '7.10.0', '8.8.1'
TIMEOUT = 10


@pytest.fixture(scope='module')
def receiver():
    with ReceiverServer() as server:
        yield server


@pytest.fixture(scope='module')
def servers():
    started = {}
    yield started
    for server in started.values():
        server.stop()


def _server(servers, version):
    if version not in servers:
        servers[version] = EmulatorServer(server_version=version, rate_limit=False).start()
    server = servers[version]
    server.store.reset()
    return server


@pytest.fixture(params=[V6, V7, V8])
def emu(request, servers, receiver):
    receiver.reset()
    return _server(servers, request.param)


@pytest.fixture
def emu8(servers, receiver):
    receiver.reset()
    return _server(servers, V8)


class Client:
    def __init__(self, emu, user_id=None, token=None):
        self.emu = emu
        self.headers = {'X-User-Id': user_id or emu.admin_user_id, 'X-Auth-Token': token or emu.admin_token}

    def get(self, endpoint, **params):
        return requests.get('%s/api/v1/%s' % (self.emu.url, endpoint), params=params, headers=self.headers, timeout=TIMEOUT)

    def post(self, endpoint, body):
        return requests.post('%s/api/v1/%s' % (self.emu.url, endpoint), json=body, headers=self.headers, timeout=TIMEOUT)

    def say(self, text, channel='#general'):
        response = self.post('chat.postMessage', {'channel': channel, 'text': text})
        assert response.status_code == 200, response.text
        return response.json()

    def history(self, integration_id, **params):
        response = self.get('integrations.history', id=integration_id, **params)
        assert response.status_code == 200, response.text
        return response.json()


def control(emu, method, path, body=None):
    response = requests.request(method, emu.url + '/_emulator/' + path, json=body, timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    return response.json()


def outgoing(client, receiver, path, **extra):
    body = {'type': 'webhook-outgoing', 'name': 'out-' + path.strip('/').replace('/', '-'), 'enabled': True,
            'username': 'rocket.cat', 'channel': '#general', 'event': 'sendMessage', 'urls': [receiver.url + path],
            'scriptEnabled': False, 'token': 'secret-outgoing-token'}
    body.update(extra)
    response = client.post('integrations.create', body)
    assert response.status_code == 200, response.text
    return response.json()['integration']


def paths(receiver):
    return sorted(entry['path'] for entry in receiver.requests())


# ---------------------------------------------------------------------------- chat.postMessage

def test_post_message_answer_and_stored_message(emu):
    admin = Client(emu)
    body = admin.say('hello there')
    assert body['success'] is True and body['channel'] == '#general' and isinstance(body['ts'], int)
    message = body['message']
    assert (message['rid'], message['msg'], message['u']['username']) == ('GENERAL', 'hello there', 'admin')
    assert 'bot' not in message
    assert [m['_id'] for m in control(emu, 'GET', 'state')['messages']] == [message['_id']]
    by_id = admin.post('chat.postMessage', {'roomId': 'GENERAL', 'text': 'by id'})
    assert by_id.status_code == 200 and by_id.json()['channel'] == 'GENERAL'


def test_post_message_errors(emu8):
    admin = Client(emu8)
    missing = admin.post('chat.postMessage', {'text': 'x'})
    assert missing.status_code == 400 and missing.json()['errorType'] == 'invalid-params'
    unknown_key = admin.post('chat.postMessage', {'channel': '#general', 'text': 'x', 'bogus': 1})
    assert unknown_key.status_code == 400
    assert admin.post('chat.postMessage', {'channel': '#nowhere', 'text': 'x'}).json() == {
        'success': False, 'error': 'invalid-channel'}
    too_long = admin.post('chat.postMessage', {'channel': '#general', 'text': 'x' * 5001})
    assert (too_long.status_code, too_long.json()) == (400, {'success': False, 'error': 'error-message-size-exceeded'})
    anonymous = requests.post(emu8.url + '/api/v1/chat.postMessage', json={'channel': '#general', 'text': 'x'}, timeout=TIMEOUT)
    assert anonymous.status_code == 401
    assert control(emu8, 'GET', 'state')['messages'] == []


def test_post_message_to_private_group_needs_membership(emu8):
    bob = control(emu8, 'POST', 'users', {'username': 'bob', 'password': 'bob-pass'})
    control(emu8, 'POST', 'rooms', {'name': 'secret', 'type': 'p'})
    as_bob = Client(emu8, bob['userId'], bob['authToken'])
    response = as_bob.post('chat.postMessage', {'channel': '#secret', 'text': 'let me in'})
    assert (response.status_code, response.json()) == (400, {'success': False, 'error': 'error-not-allowed'})


# ---------------------------------------------------------------------------- which integrations fire

def test_message_fires_exactly_the_matching_integrations(emu, receiver):
    admin = Client(emu)
    control(emu, 'POST', 'rooms', {'name': 'team', 'type': 'p'})
    outgoing(admin, receiver, '/room-and-word', triggerWords=['!go'])
    outgoing(admin, receiver, '/all-public', channel='all_public_channels')
    outgoing(admin, receiver, '/other-room', channel='#random')
    outgoing(admin, receiver, '/disabled', enabled=False)
    outgoing(admin, receiver, '/other-word', triggerWords=['!stop'])
    outgoing(admin, receiver, '/private-groups', channel='all_private_groups')
    outgoing(admin, receiver, '/room-joined', event='roomJoined')
    outgoing(admin, receiver, '/by-name-and-id', channel='#GENERAL, #general')

    sent = admin.say('!go now')
    assert paths(receiver) == ['/all-public', '/by-name-and-id', '/room-and-word']

    payload = next(e['json'] for e in receiver.requests() if e['path'] == '/room-and-word')
    assert payload == {
        'token': 'secret-outgoing-token', 'bot': False, 'trigger_word': '!go', 'channel_id': 'GENERAL',
        'channel_name': 'general', 'message_id': sent['message']['_id'], 'timestamp': sent['message']['ts'],
        'user_id': emu.admin_user_id, 'user_name': 'admin', 'text': '!go now', 'siteUrl': emu.url}
    headers = next(e['headers'] for e in receiver.requests() if e['path'] == '/room-and-word')
    assert headers['Content-Type'] == 'application/json'

    receiver.reset()
    admin.say('news', channel='#team')
    assert paths(receiver) == ['/private-groups']


def test_empty_channel_means_public_channels(emu8, receiver):
    admin = Client(emu8)
    doc = outgoing(admin, receiver, '/anything')
    emu8.store.update_integration(doc['_id'], {'channel': []})
    control(emu8, 'POST', 'rooms', {'name': 'team', 'type': 'p'})
    admin.say('in a group', channel='#team')
    assert paths(receiver) == []
    admin.say('in random', channel='#random')
    assert paths(receiver) == ['/anything']


def test_trigger_word_at_the_start_or_anywhere(emu8, receiver):
    admin = Client(emu8)
    outgoing(admin, receiver, '/start', triggerWords=['!go'])
    outgoing(admin, receiver, '/anywhere', triggerWords=['!go'], triggerWordAnywhere=True)
    admin.say('please !go')
    assert paths(receiver) == ['/anywhere']


def test_direct_messages_by_user_and_all(emu8, receiver):
    admin = Client(emu8)
    bob = control(emu8, 'POST', 'users', {'username': 'bob', 'password': 'bob-pass'})
    outgoing(admin, receiver, '/to-bob', channel='@bob')
    outgoing(admin, receiver, '/all-direct', channel='all_direct_messages')
    outgoing(admin, receiver, '/to-admin', channel='@admin')
    sent = admin.say('psst', channel='@bob')
    # "@admin" is the sender's own name: the username rule skips the sender (getTriggersToExecute).
    assert paths(receiver) == ['/all-direct', '/to-bob']
    payload = receiver.requests()[0]['json']
    assert payload['channel_id'] == sent['message']['rid'] and 'channel_name' not in payload
    receiver.reset()
    as_bob = Client(emu8, bob['userId'], bob['authToken'])
    as_bob.say('hi back', channel='@admin')
    assert paths(receiver) == ['/all-direct', '/to-admin']


@pytest.mark.parametrize('version, stored', [(V6, 'absent'), (V7, None), (V8, None)])
def test_direct_room_channel_name_in_the_row(servers, receiver, version, stored):
    emu = _server(servers, version)
    receiver.reset()
    admin = Client(emu)
    control(emu, 'POST', 'users', {'username': 'bob', 'password': 'bob-pass'})
    doc = outgoing(admin, receiver, '/dm', channel='@bob')
    admin.say('psst', channel='@bob')
    assert 'channel_name' not in receiver.requests()[0]['json']
    [row] = admin.history(doc['_id'])['history']
    assert row['data'].get('channel_name', 'absent') == stored  # 7.3+ stores the undefined key as null


def test_incoming_webhook_message_fires_with_bot_flag(emu, receiver):
    admin = Client(emu)
    hook = admin.post('integrations.create', {'type': 'webhook-incoming', 'name': 'in', 'enabled': True,
                                              'username': 'rocket.cat', 'channel': '#general', 'scriptEnabled': False,
                                              'overrideDestinationChannelEnabled': False}).json()['integration']
    outgoing(admin, receiver, '/from-hook')
    answer = requests.post('%s/hooks/%s/%s' % (emu.url, hook['_id'], hook['token']), json={'text': 'from outside'}, timeout=TIMEOUT)
    assert answer.status_code == 200, answer.text
    payload = receiver.requests()[0]['json']
    assert (payload['bot'], payload['user_name'], payload['text']) == (True, 'rocket.cat', 'from outside')


# ---------------------------------------------------------------------------- history rows

def test_successful_delivery_row(emu, receiver):
    admin = Client(emu)
    doc = outgoing(admin, receiver, '/fine', triggerWords=['!go'])
    sent = admin.say('!go')
    rows = admin.history(doc['_id'])['history']
    assert len(rows) == 1
    row = rows[0]
    assert row['step'] == 'after-http-call'  # a 2xx answer without text leaves the row at this step
    assert 'error' not in row and 'finished' not in row and 'httpError' not in row
    assert row['httpResult'] == json.dumps('{"success":true}')
    assert (row['type'], row['event'], row['url'], row['triggerWord']) == ('outgoing-webhook', 'sendMessage', receiver.url + '/fine', '!go')
    assert row['ranPrepareScript'] is True
    assert row['data']['message_id'] == sent['message']['_id'] and row['data']['token'] == 'secret-outgoing-token'
    assert row['httpCallData'] == row['data']
    assert row['integration']['_id'] == doc['_id']
    assert row['_createdAt'] <= row['_updatedAt']


@pytest.mark.parametrize('path, step', [
    ('/status/500', 'after-process-http-status-500'),
    ('/status/404', 'failed-and-not-configured-to-retry'),
    ('/status/200/empty', 'failed-and-not-configured-to-retry'),
])
def test_failed_delivery_rows(emu8, receiver, path, step):
    admin = Client(emu8)
    doc = outgoing(admin, receiver, path)
    admin.say('hello')
    [row] = admin.history(doc['_id'])['history']
    assert (row['step'], row['error']) == (step, True)
    assert 'finished' not in row
    assert control(emu8, 'GET', 'state')['integrations'][0]['enabled'] is True


def test_410_disables_the_integration(emu8, receiver):
    admin = Client(emu8)
    doc = outgoing(admin, receiver, '/status/410')
    admin.say('one')
    admin.say('two')
    [row] = admin.history(doc['_id'])['history']
    assert (row['step'], row['error']) == ('after-process-http-status-410', True)
    assert admin.get('integrations.get', integrationId=doc['_id']).json()['integration']['enabled'] is False
    assert len(receiver.requests()) == 1


def test_retries_write_one_row_per_attempt(emu8, receiver):
    admin = Client(emu8)
    doc = outgoing(admin, receiver, '/status/503', retryFailedCalls=True, retryCount=2, retryDelay='powers-of-ten')
    admin.say('hello')
    steps = [row['step'] for row in admin.history(doc['_id'])['history']]
    assert steps == ['too-many-retries', 'going-to-retry-2', 'going-to-retry-1']
    assert len(receiver.requests()) == 3


def test_unreachable_target_records_the_fetch_error(emu8, receiver):
    admin = Client(emu8)
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        closed_port = probe.getsockname()[1]
    doc = outgoing(admin, receiver, '/x', urls=['http://127.0.0.1:%d/gone' % closed_port], retryFailedCalls=True)
    admin.say('hello')
    [row] = admin.history(doc['_id'])['history']
    assert (row['step'], row['httpResult'], row['httpError']['code']) == ('after-http-call', 'null', 'ECONNREFUSED')
    assert 'error' not in row  # the rejected fetch is recorded, not retried


def test_targets_outside_loopback_are_never_called(emu8, receiver):
    admin = Client(emu8)
    doc = outgoing(admin, receiver, '/x', urls=['https://example.com/hook'])
    admin.say('hello')
    [row] = admin.history(doc['_id'])['history']
    assert (row['step'], row['httpResult'], row['httpError']['code']) == ('after-http-call', 'null', 'ENOTFOUND')


def test_answer_with_text_is_posted_back(emu8, receiver):
    admin = Client(emu8)
    doc = outgoing(admin, receiver, '/reply/pong', triggerWords=['ping'])
    admin.say('ping')
    [row] = admin.history(doc['_id'])['history']
    assert (row['step'], row['finished']) == ('url-response-sent-message', True)
    reply = row['resultMessage'][0]['message']
    assert (reply['msg'], reply['bot'], reply['u']['username']) == ('pong', {'i': doc['_id']}, 'rocket.cat')
    assert [m['msg'] for m in control(emu8, 'GET', 'state')['messages']] == ['ping', 'pong']


# ---------------------------------------------------------------------------- integrations.history over fired rows

def test_history_pages_past_one_hundred_rows_newest_first(emu8, receiver):
    admin = Client(emu8)
    doc = outgoing(admin, receiver, '/fine')
    for number in range(105):
        admin.say('message %d' % number)
    first = admin.history(doc['_id'], count=500)
    assert (first['count'], first['items'], first['total'], first['offset']) == (100, 100, 105, 0)
    assert first['history'][0]['data']['text'] == 'message 104'
    rest = admin.history(doc['_id'], count=100, offset=100)
    assert [row['data']['text'] for row in rest['history']] == ['message %d' % n for n in range(4, -1, -1)]


def test_history_own_permission_sees_only_own_integrations(emu, receiver):
    admin = Client(emu)
    control(emu, 'POST', 'permissions', {'manage-own-outgoing-integrations': ['admin', 'user']})
    bob_login = control(emu, 'POST', 'users', {'username': 'bob', 'password': 'bob-pass'})
    bob = Client(emu, bob_login['userId'], bob_login['authToken'])
    mine = outgoing(bob, receiver, '/bob')
    theirs = outgoing(admin, receiver, '/admin')
    admin.say('hello')
    assert bob.history(mine['_id'])['total'] == 1
    assert bob.history(theirs['_id'])['total'] == 0
    assert admin.history(theirs['_id'])['total'] == admin.history(mine['_id'])['total'] == 1
    control(emu, 'POST', 'permissions', {'manage-own-outgoing-integrations': ['admin']})
    assert bob.get('integrations.history', id=mine['_id']).status_code == 403


def test_history_of_an_unknown_id_is_an_empty_page(emu):
    # The handler queries IntegrationHistory by integration._id and never looks the integration up.
    body = Client(emu).history('no-such-integration')
    assert (body['history'], body['total'], body['success']) == ([], 0, True)


def test_clear_history_then_new_rows(servers, receiver):
    emu = _server(servers, V8)
    receiver.reset()
    admin = Client(emu)
    doc = outgoing(admin, receiver, '/fine')
    admin.say('one')
    assert admin.post('integrations.clearHistory', {'integrationId': doc['_id']}).status_code == 200
    assert admin.history(doc['_id'])['total'] == 0
    admin.say('two')
    assert [row['data']['text'] for row in admin.history(doc['_id'])['history']] == ['two']


def test_replay_sends_the_message_again(emu8, receiver):
    admin = Client(emu8)
    doc = outgoing(admin, receiver, '/status/404', triggerWords=['!go'])
    sent = admin.say('!go again')
    [row] = admin.history(doc['_id'])['history']
    answer = admin.post('integrations.replayOutgoing', {'integrationId': doc['_id'], 'historyId': row['_id']})
    assert (answer.status_code, answer.json()) == (200, {'success': True})
    rows = admin.history(doc['_id'])['history']
    assert [r['step'] for r in rows] == ['failed-and-not-configured-to-retry'] * 2 and rows[0]['_id'] != row['_id']
    assert [e['json']['message_id'] for e in receiver.requests()] == [sent['message']['_id']] * 2


# ---------------------------------------------------------------------------- the receiver's command line

def test_receiver_command_line():
    with tempfile.TemporaryDirectory() as directory:
        port_file = os.path.join(directory, 'port')
        process = subprocess.Popen([sys.executable, os.path.join(HERE, 'run_receiver.py'), '--port', '0',
                                    '--port-file', port_file, '--lifetime', '60'], stdout=subprocess.PIPE, text=True)
        try:
            banner = json.loads(process.stdout.readline())
            deadline = time.monotonic() + 10
            while not os.path.exists(port_file) and time.monotonic() < deadline:
                time.sleep(0.05)
            with open(port_file) as handle:
                assert int(handle.read()) == banner['port']
            answer = requests.post(banner['url'] + '/status/502', json={'a': 1}, timeout=TIMEOUT)
            assert (answer.status_code, answer.json()) == (502, {'status': 502})
            recorded = requests.get(banner['url'] + '/_receiver/requests', timeout=TIMEOUT).json()['requests']
            assert [(r['method'], r['path'], r['json']) for r in recorded] == [('POST', '/status/502', {'a': 1})]
            assert requests.post(banner['url'] + '/_receiver/shutdown', timeout=TIMEOUT).status_code == 200
            assert process.wait(10) == 0
            assert not os.path.exists(port_file)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            process.stdout.close()
