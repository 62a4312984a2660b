# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Tests of the Rocket.Chat emulator itself, over real HTTP, against the real server's documented behaviour (sections: see README.md)."""

import hashlib
import json
import os
import re
import subprocess
import sys
import time

import pytest
import requests

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from rocketchat_emulator import EmulatorServer  # noqa: E402  (needs the path above)
from rocketchat_emulator.__main__ import parse_args  # noqa: E402  (needs the path above)

V6, V7, V8, V9 = '6.13.1', '7.10.0', '8.8.1', '9.0.1'
# Profiles with their own behaviour (README.md, "Version profiles").
V63, V72, V83, V85, V86, V89 = '6.3.7', '7.2.0', '8.3.0', '8.5.0', '8.6.1', '8.9.0'
VERSIONS = [V6, V7, V8, V9]
FORBIDDEN_7 = 'User does not have the permissions required for this action [error-unauthorized]'
ONE_OF = 'must match exactly one schema in oneOf'
TIMEOUT = 10


# ---------------------------------------------------------------------------- fixtures and small utilities

@pytest.fixture(scope='module')
def servers():
    """One emulator per version for the whole module; each test gets it reset to the seed."""
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


@pytest.fixture(params=VERSIONS)
def emu(request, servers):
    return _server(servers, request.param)


@pytest.fixture
def emu8(servers):
    return _server(servers, V8)


@pytest.fixture
def emu7(servers):
    return _server(servers, V7)


class Client:
    def __init__(self, emu, user_id=None, token=None):
        self.emu = emu
        self.user_id = user_id if user_id is not None else emu.admin_user_id
        self.token = token if token is not None else emu.admin_token
        self.headers = {'X-User-Id': self.user_id, 'X-Auth-Token': self.token}

    def url(self, endpoint):
        return '%s/api/v1/%s' % (self.emu.url, endpoint)

    def get(self, endpoint, **params):
        return requests.get(self.url(endpoint), params=params, headers=self.headers, timeout=TIMEOUT)

    def post(self, endpoint, body=None):
        return requests.post(self.url(endpoint), json=body if body is not None else {}, headers=self.headers, timeout=TIMEOUT)

    def put(self, endpoint, body):
        return requests.put(self.url(endpoint), json=body, headers=self.headers, timeout=TIMEOUT)


def control(emu, method, path, body=None):
    response = requests.request(method, emu.url + '/_emulator/' + path, json=body, timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    return response.json()


def make_user(emu, username='bob', roles=None, **extra):
    body = dict(username=username, password='bob-pass', roles=roles or ['user'], **extra)
    created = control(emu, 'POST', 'users', body)
    return Client(emu, created['userId'], created['authToken'])


def set_permissions(emu, **permissions):
    control(emu, 'POST', 'permissions', {name.replace('_', '-'): roles for name, roles in permissions.items()})


def incoming_body(**extra):
    body = {'type': 'webhook-incoming', 'name': 'in-hook', 'enabled': True, 'username': 'rocket.cat',
            'channel': '#general', 'scriptEnabled': False}
    body.update(extra)
    return body


def outgoing_body(**extra):
    body = {'type': 'webhook-outgoing', 'name': 'out-hook', 'enabled': True, 'username': 'rocket.cat', 'channel': '#general',
            'event': 'sendMessage', 'urls': ['https://example.com/hook'], 'triggerWords': ['!go'], 'scriptEnabled': False,
            'token': 'outgoing-token'}
    body.update(extra)
    return body


def create(client, body):
    response = client.post('integrations.create', body)
    assert response.status_code == 200, response.text
    return response.json()['integration']


def version_tuple(version):
    return tuple(int(part) for part in version.split('.')[:2])


def params_error(version, messages, where='body'):
    """The expected 400 body of an ajv failure on this profile (section 1; typed routes from 8.4)."""
    text = '\n '.join(messages)
    if version_tuple(version) >= (8, 4):
        return {'success': False, 'errorType': 'invalid-params' if where == 'body' else 'error-invalid-params', 'error': text}
    return {'success': False, 'error': text + ' [invalid-params]', 'errorType': 'invalid-params'}


def forbidden(version):
    """403 of the route gate: API.v1.forbidden() sends no errorType (ApiClass.ts, middlewares/permissions.ts)."""
    if version.startswith('6'):
        return {'success': False, 'error': 'unauthorized'}
    return {'success': False, 'error': FORBIDDEN_7}


NO_INTEGRATION_PERMISSIONS = {
    'manage_incoming_integrations': [], 'manage_own_incoming_integrations': [],
    'manage_outgoing_integrations': [], 'manage_own_outgoing_integrations': [],
}


# ---------------------------------------------------------------------------- conventions, /api/info, unknown routes

def test_info_anonymous_and_headers(emu):
    response = requests.get(emu.url + '/api/info', timeout=TIMEOUT)
    assert response.status_code == 200
    assert response.json() == {'version': emu.server_version.rsplit('.', 1)[0], 'success': True}
    assert response.headers['Content-Type'] == 'application/json'
    assert response.headers['Cache-Control'] == 'no-store'
    assert response.headers['Pragma'] == 'no-cache'


def test_info_with_view_statistics(emu8):
    body = Client(emu8).get('../info').json()
    assert body['version'] == '8.8.1'
    assert body['info']['version'] == '8.8.1'
    assert {'build', 'commit', 'marketplaceApiVersion'} <= set(body['info'])


def test_info_without_view_statistics_is_anonymous(emu8):
    bob = make_user(emu8)
    assert bob.get('../info').json() == {'version': '8.8', 'success': True}


def test_unknown_route_and_wrong_method(emu8):
    admin = Client(emu8)
    for response in (admin.get('integrations.nope'), admin.get('integrations.create')):
        assert response.status_code == 404
        assert response.json() == {'success': False, 'error': 'API endpoint not found'}


# ---------------------------------------------------------------------------- authentication

def test_unauthenticated_body_per_profile(emu):
    response = requests.get(emu.url + '/api/v1/integrations.list', timeout=TIMEOUT)
    assert response.status_code == 401
    message = 'You must be logged in to do this.'
    if emu.server_version.startswith('6'):
        assert response.json() == {'status': 'error', 'message': message}
    else:
        assert response.json() == {'success': False, 'error': message, 'status': 'error', 'message': message}


def test_token_must_belong_to_user(emu8):
    bob = make_user(emu8)
    assert Client(emu8, emu8.admin_user_id, bob.token).get('me').status_code == 401
    assert Client(emu8, emu8.admin_user_id, 'wrong').get('me').status_code == 401
    assert bob.get('me').status_code == 200


@pytest.mark.parametrize('body', [
    {'user': 'admin', 'password': 'emulator-admin-pass'},
    {'user': 'admin@example.com', 'password': 'emulator-admin-pass'},
    {'username': 'admin', 'password': 'emulator-admin-pass'},
    {'email': 'admin@example.com', 'password': 'emulator-admin-pass'},
    {'user': {'username': 'admin'}, 'password': 'emulator-admin-pass'},
    {'user': {'email': 'admin@example.com'}, 'password': 'emulator-admin-pass'},
    {'user': 'admin', 'password': {'digest': hashlib.sha256(b'emulator-admin-pass').hexdigest(), 'algorithm': 'sha-256'}},
], ids=['user', 'user-email', 'username', 'email', 'wrapped-username', 'wrapped-email', 'digest'])
def test_login_forms(emu8, body):
    response = requests.post(emu8.url + '/api/v1/login', json=body, timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    data = response.json()
    assert data['status'] == 'success' and data['success'] is True
    assert data['data']['userId'] == emu8.admin_user_id
    assert data['data']['me']['username'] == 'admin'
    token = data['data']['authToken']
    assert token != emu8.admin_token
    assert Client(emu8, data['data']['userId'], token).get('me').status_code == 200


def test_each_login_creates_a_new_token(emu8):
    body = {'user': 'admin', 'password': 'emulator-admin-pass'}
    first = requests.post(emu8.url + '/api/v1/login', json=body, timeout=TIMEOUT).json()['data']['authToken']
    second = requests.post(emu8.url + '/api/v1/login', json=body, timeout=TIMEOUT).json()['data']['authToken']
    assert first != second


def test_login_failure_body(emu):
    response = requests.post(emu.url + '/api/v1/login', json={'user': 'admin', 'password': 'nope'}, timeout=TIMEOUT)
    assert response.status_code == 401
    expected = {'status': 'error', 'error': 'Unauthorized', 'message': 'Unauthorized'}
    if not emu.server_version.startswith('6'):
        expected['success'] = False
    assert response.json() == expected


def test_login_resume(emu8):
    response = requests.post(emu8.url + '/api/v1/login', json={'resume': emu8.admin_token}, timeout=TIMEOUT)
    assert response.status_code == 200
    assert response.json()['data']['userId'] == emu8.admin_user_id
    bad = requests.post(emu8.url + '/api/v1/login', json={'resume': 'nope'}, timeout=TIMEOUT)
    assert bad.status_code == 401


def test_login_totp(emu8):
    make_user(emu8, 'carol', totp_required=True, totp_code='654321')
    url = emu8.url + '/api/v1/login'
    body = {'user': 'carol', 'password': 'bob-pass'}
    required = requests.post(url, json=body, timeout=TIMEOUT)
    assert required.status_code == 401
    assert required.json()['error'] == 'totp-required'
    assert required.json()['message'] == 'TOTP Required'
    assert required.json()['details'] == {'method': 'totp', 'availableMethods': ['totp']}
    invalid = requests.post(url, json=dict(body, code='000000'), timeout=TIMEOUT)
    assert invalid.status_code == 401 and invalid.json()['error'] == 'totp-invalid'
    assert requests.post(url, json=dict(body, code='654321'), timeout=TIMEOUT).status_code == 200
    assert requests.post(url, json=body, headers={'x-2fa-code': '654321'}, timeout=TIMEOUT).status_code == 200


def test_me(emu8):
    body = Client(emu8).get('me').json()
    assert body['success'] is True
    assert body['_id'] == emu8.admin_user_id and body['username'] == 'admin'
    assert 'admin' in body['roles']
    assert 'password' not in json.dumps(body)


def test_logout_removes_login_token(emu8):
    login = requests.post(emu8.url + '/api/v1/login', json={'user': 'admin', 'password': 'emulator-admin-pass'},
                          timeout=TIMEOUT).json()['data']
    client = Client(emu8, login['userId'], login['authToken'])
    response = client.post('logout')
    assert response.json() == {'status': 'success', 'data': {'message': "You've been logged out!"}}
    assert client.get('me').status_code == 401
    assert Client(emu8).get('me').status_code == 200


def test_logout_revokes_personal_access_token_and_is_recorded(emu8):
    admin = Client(emu8)
    assert admin.get('logout').status_code == 200  # GET works too
    assert admin.get('me').status_code == 401
    logouts = control(emu8, 'GET', 'state')['logouts']
    assert [(entry['userId'], entry['tokenType']) for entry in logouts] == [(emu8.admin_user_id, 'personal')]
    control(emu8, 'POST', 'reset')
    assert admin.get('me').status_code == 200


# ---------------------------------------------------------------------------- integrations.create

def test_create_incoming_document(emu):
    doc = create(Client(emu), incoming_body(alias='Bot', emoji=':robot:'))
    assert len(doc['_id']) == (24 if version_tuple(emu.server_version) >= (8, 0) else 17)
    if version_tuple(emu.server_version) >= (8, 0):
        assert re.match('^[0-9a-f]{24}$', doc['_id'])
    assert len(doc['token']) == 48
    assert doc['channel'] == ['#general']
    assert doc['userId'] == 'rocket.cat'
    assert doc['_createdBy'] == {'_id': emu.admin_user_id, 'username': 'admin'}
    assert doc['overrideDestinationChannelEnabled'] is False
    assert doc['scriptEngine'] == 'isolated-vm'
    assert {'_createdAt', '_updatedAt'} <= set(doc)
    assert 'scriptCompiled' not in doc
    assert Client(emu).get('integrations.get', integrationId=doc['_id']).json()['integration'] == doc


def test_create_incoming_gives_post_as_user_bot_role(emu8):
    make_user(emu8, 'poster')
    create(Client(emu8), incoming_body(username='poster'))
    user = [u for u in control(emu8, 'GET', 'state')['users'] if u['username'] == 'poster'][0]
    assert 'bot' in user['roles']


def test_create_with_script_sets_script_compiled(emu8):
    doc = create(Client(emu8), incoming_body(scriptEnabled=True, script='class Script {}'))
    assert doc['scriptCompiled']
    blank = create(Client(emu8), incoming_body(scriptEnabled=True, script='   '))
    assert 'scriptCompiled' not in blank


def test_create_channel_list_keeps_entries_as_typed(emu8):
    make_user(emu8, 'dave')
    doc = create(Client(emu8), incoming_body(channel=' #general , @dave,#random'))
    assert doc['channel'] == ['#general', '@dave', '#random']


@pytest.mark.parametrize('bad_type', ['webhook-incoming-invalid', 'webhook-outgoing-invalid'])
def test_create_unanchored_type_pattern(emu, bad_type):
    body = incoming_body(type=bad_type) if 'incoming' in bad_type else outgoing_body(type=bad_type)
    response = Client(emu).post('integrations.create', body)
    assert response.status_code == 400
    assert response.json() == {'success': False, 'error': 'Invalid integration type.'}


def test_create_unknown_key_fails_schema(emu):
    response = Client(emu).post('integrations.create', incoming_body(urls=['https://example.com']))
    assert response.status_code == 400
    assert response.json() == params_error(emu.server_version, [
        'must NOT have additional properties', "must have required property 'event'", ONE_OF])


def test_create_outgoing_rejects_override_flag(emu8):
    response = Client(emu8).post('integrations.create', outgoing_body(overrideDestinationChannelEnabled=False))
    assert response.status_code == 400
    # ajv checks additionalProperties before properties, so both branches report the extra key.
    assert response.json()['error'] == 'must NOT have additional properties\n must NOT have additional properties\n ' + ONE_OF


def test_create_type_error_message(emu7):
    response = Client(emu7).post('integrations.create', incoming_body(enabled='yes'))
    assert response.json()['error'] == ("must be boolean\n must have required property 'event'\n %s [invalid-params]" % ONE_OF)


@pytest.mark.parametrize('version,coerced', [(V85, False), (V86, True), (V8, True), (V89, True)])
def test_create_coerces_body_types_from_86(servers, version, coerced):
    """Section 12.2: rest-typings 8.6.1 compiles the body schemas with the shared coercing ajv; 8.0.0 used
    new Ajv() and 8.1-8.5 were never published, so 8.5 not coercing is the emulator's choice."""
    response = Client(_server(servers, version)).post('integrations.create', incoming_body(enabled='false'))
    if coerced:
        assert response.status_code == 200 and response.json()['integration']['enabled'] is False
    else:
        assert response.json() == params_error(version, ['must be boolean', "must have required property 'event'", ONE_OF])


def test_create_6x_does_not_require_override_flag(servers):
    emu6 = _server(servers, V6)
    doc = create(Client(emu6), incoming_body())
    assert doc['overrideDestinationChannelEnabled'] is False


def test_create_63_requires_override_flag(servers):
    """6.3: addIncomingIntegration's check() has overrideDestinationChannelEnabled: Boolean (section 3.1, 12.2);
    a Match.Error carries no error code, so the REST failure is its message alone. rest-typings 6.3.0 has no
    scriptEngine in the create schema, and the 6.3 methods store none."""
    emu = _server(servers, V63)
    admin = Client(emu)
    response = admin.post('integrations.create', incoming_body())
    assert response.status_code == 400
    assert response.json() == {'success': False, 'error': "Match error: Missing key 'overrideDestinationChannelEnabled'"}
    doc = create(admin, incoming_body(overrideDestinationChannelEnabled=False))
    assert doc['overrideDestinationChannelEnabled'] is False and 'scriptEngine' not in doc
    assert 'scriptEngine' not in create(admin, outgoing_body())
    engine = admin.post('integrations.create', incoming_body(overrideDestinationChannelEnabled=False, scriptEngine='isolated-vm'))
    assert engine.json() == params_error(V63, ['must NOT have additional properties', "must have required property 'event'", ONE_OF])


def test_create_permission_errors(emu8):
    bob = make_user(emu8)
    response = bob.post('integrations.create', incoming_body())
    assert response.status_code == 400
    assert response.json() == {'success': False, 'error': 'Unauthorized [not_authorized]', 'errorType': 'not_authorized',
                               'details': {'method': 'addIncomingIntegration'}}
    response = bob.post('integrations.create', outgoing_body())
    assert response.json() == {'success': False, 'error': '[not_authorized]', 'errorType': 'not_authorized'}


@pytest.mark.parametrize('changes,code,reason', [
    ({'channel': ' '}, 'error-invalid-channel', 'Invalid channel'),
    ({'channel': 'general'}, 'error-invalid-channel-start-with-chars', 'Invalid channel. Start with @ or #'),
    ({'channel': '#general,'}, 'error-invalid-channel-start-with-chars', 'Invalid channel. Start with @ or #'),
    ({'username': ' '}, 'error-invalid-username', 'Invalid username'),
    ({'username': 'nobody'}, 'error-invalid-user', 'Invalid user'),
    ({'channel': '#nowhere'}, 'error-invalid-room', 'Invalid room'),
    ({'channel': '@nobody'}, 'error-invalid-room', 'Invalid room'),
])
def test_create_incoming_validation(emu8, changes, code, reason):
    response = Client(emu8).post('integrations.create', incoming_body(**changes))
    assert response.status_code == 400
    assert response.json() == {'success': False, 'error': '%s [%s]' % (reason, code), 'errorType': code,
                               'details': {'method': 'addIncomingIntegration'}}


def test_create_needs_subscription_without_both_permissions(emu8):
    control(emu8, 'POST', 'rooms', {'name': 'secret', 'type': 'p'})
    set_permissions(emu8, manage_own_incoming_integrations=['user'])
    bob = make_user(emu8)
    response = bob.post('integrations.create', incoming_body(channel='#secret'))
    assert response.json()['error'] == 'Invalid Channel [error-invalid-channel]'
    assert create(bob, incoming_body(channel='#general'))['_createdBy']['username'] == 'bob'
    set_permissions(emu8, manage_incoming_integrations=['user'], manage_own_incoming_integrations=['user'])
    assert create(bob, incoming_body(channel='#secret'))['channel'] == ['#secret']


def test_create_outgoing_document(emu8):
    doc = create(Client(emu8), outgoing_body(urls=['https://example.com/a', ' '], triggerWords=['!go', '  '],
                                             retryFailedCalls=True, runOnEdits=True))
    assert doc['urls'] == ['https://example.com/a']
    assert doc['triggerWords'] == ['!go']
    assert doc['retryCount'] == 4 and doc['retryDelay'] == 'powers-of-ten'
    assert doc['channel'] == ['#general'] and doc['token'] == 'outgoing-token'
    assert doc['event'] == 'sendMessage' and doc['username'] == 'rocket.cat' and doc['userId'] == 'rocket.cat'


def test_create_outgoing_event_rules(emu8):
    admin = Client(emu8)
    doc = create(admin, outgoing_body(event='roomCreated', channel='#general', triggerWords=['x']))
    assert doc['channel'] == [] and 'triggerWords' not in doc
    assert 'triggerWords' not in create(admin, outgoing_body(event='roomJoined'))
    response = admin.post('integrations.create', outgoing_body(event='userCreated'))
    assert response.json()['error'] == 'Invalid Target Room [error-invalid-targetRoom]'
    assert response.json()['details'] == {'function': 'validateOutgoing'}
    assert create(admin, outgoing_body(event='userCreated', targetRoom='#general'))['targetRoom'] == '#general'


@pytest.mark.parametrize('changes,error', [
    ({'event': 'messageEdited'}, 'Invalid event type [error-invalid-event-type]'),
    ({'urls': [' ']}, 'Invalid URLs [error-invalid-urls]'),
    ({'urls': None}, 'Invalid URLs [error-invalid-urls]'),
    ({'channel': 'general'}, 'Invalid channel. Start with @ or # [error-invalid-channel-start-with-chars]'),
    ({'username': 'nobody'}, 'Invalid user (did you delete the `rocket.cat` user?) [error-invalid-user]'),
    ({'channel': '#nowhere'}, 'Invalid room [error-invalid-room]'),
])
def test_create_outgoing_validation(emu8, changes, error):
    response = Client(emu8).post('integrations.create', outgoing_body(**changes))
    assert response.status_code == 400
    assert response.json()['error'] == error


def test_create_outgoing_channelless_event_needs_manage_outgoing(emu8):
    set_permissions(emu8, manage_own_outgoing_integrations=['user'])
    bob = make_user(emu8)
    response = bob.post('integrations.create', outgoing_body(event='roomArchived'))
    assert response.json()['error'] == 'Invalid permission for required Integration creation. [error-invalid-permissions]'
    assert create(bob, outgoing_body(channel='all_public_channels'))['channel'] == ['all_public_channels']
    assert bob.post('integrations.create', outgoing_body(channel='all_private_groups')).json()['errorType'] == 'error-invalid-channel'


def test_remove_empty_only_on_8x(servers):
    emu7, emu8 = _server(servers, V7), _server(servers, V8)
    assert create(Client(emu7), incoming_body(alias=None))['alias'] is None
    assert 'alias' not in create(Client(emu8), incoming_body(alias=None))


def test_skip_transpile_needs_84(servers):
    assert Client(_server(servers, V7)).post('integrations.create', incoming_body(skipTranspile=True)).status_code == 400
    assert Client(_server(servers, V83)).post('integrations.create', incoming_body(skipTranspile=True)).status_code == 400
    doc = create(Client(_server(servers, V8)), incoming_body(skipTranspile=True, scriptEnabled=True, script='x'))
    assert doc['skipTranspile'] is True and doc['scriptCompiled'] == 'x'


@pytest.mark.parametrize('version', [V63, V6, V7, V83, V85, V8])
def test_create_defaults_per_version(servers, version):
    """Section 12.2. addIncomingIntegration and validateOutgoingIntegration store scriptEngine
    (sent ?? 'isolated-vm') from the releases with a scriptEngine (not 6.3); addIncomingIntegration stores
    skipTranspile as (sent === true) from 8.4 (PR #40160); outgoing create keeps skipTranspile as sent."""
    admin = Client(_server(servers, version))
    extra = {'overrideDestinationChannelEnabled': False} if version == V63 else {}
    incoming, outgoing = create(admin, incoming_body(**extra)), create(admin, outgoing_body())
    engine = None if version == V63 else 'isolated-vm'
    assert incoming.get('scriptEngine') == engine and outgoing.get('scriptEngine') == engine
    if version_tuple(version) >= (8, 4):
        assert incoming['skipTranspile'] is False
        assert 'skipTranspile' not in outgoing
    else:
        assert 'skipTranspile' not in incoming and 'skipTranspile' not in outgoing


# ---------------------------------------------------------------------------- integrations.list

def test_list_pagination(emu8):
    control(emu8, 'POST', 'integrations', {'generate': {'count': 120, 'name_prefix': 'gen-'}})
    admin = Client(emu8)
    body = admin.get('integrations.list').json()
    assert (body['count'], body['items'], body['total'], body['offset']) == (50, 50, 120, 0)
    assert body['integrations'][0]['name'] == 'gen-1'
    clamped = admin.get('integrations.list', count=500).json()
    assert clamped['count'] == 100 and clamped['items'] == 100
    everything = admin.get('integrations.list', count=0).json()
    assert everything['count'] == 120
    tail = admin.get('integrations.list', offset=110, count=50).json()
    assert tail['count'] == 10 and tail['offset'] == 110 and tail['integrations'][0]['name'] == 'gen-111'


def test_list_page_size_settings(emu8):
    control(emu8, 'POST', 'integrations', {'generate': {'count': 30}})
    control(emu8, 'POST', 'settings', {'default_count': 7, 'upper_count_limit': 20, 'allow_infinite_count': False})
    admin = Client(emu8)
    assert admin.get('integrations.list').json()['count'] == 7
    assert admin.get('integrations.list', count=25).json()['count'] == 20
    assert admin.get('integrations.list', count=0).json()['count'] == 7


def test_list_name_and_type_filters(emu):
    admin = Client(emu)
    create(admin, incoming_body(name='Alpha (prod)'))
    create(admin, incoming_body(name='beta'))
    create(admin, outgoing_body(name='alpha-out'))
    by_name = admin.get('integrations.list', name='ALPHA').json()
    by_regex_chars = admin.get('integrations.list', name='(prod)').json()
    by_type = admin.get('integrations.list', type='webhook-outgoing').json()
    if emu.server_version.startswith('6'):
        assert by_name['total'] == by_regex_chars['total'] == by_type['total'] == 3
    else:
        assert sorted(i['name'] for i in by_name['integrations']) == ['Alpha (prod)', 'alpha-out']
        assert [i['name'] for i in by_regex_chars['integrations']] == ['Alpha (prod)']
        assert [i['name'] for i in by_type['integrations']] == ['alpha-out']


def test_list_unknown_query_key(emu):
    response = Client(emu).get('integrations.list', fields='{"name":1}')
    if emu.server_version.startswith('6'):
        assert response.status_code == 200
    else:
        assert response.status_code == 400
        assert response.json() == params_error(emu.server_version, ['must NOT have additional properties'], 'query')


def test_list_route_gate(emu):
    response = make_user(emu).get('integrations.list')
    assert response.status_code == 403
    assert response.json() == forbidden(emu.server_version)


def test_list_own_permission_filter(emu8):
    admin = Client(emu8)
    set_permissions(emu8, manage_own_incoming_integrations=['user'], manage_own_outgoing_integrations=['user'])
    bob = make_user(emu8)
    create(admin, incoming_body(name='admins'))
    create(bob, incoming_body(name='bobs'))
    assert [i['name'] for i in bob.get('integrations.list').json()['integrations']] == ['bobs']
    set_permissions(emu8, manage_incoming_integrations=['user'], manage_own_outgoing_integrations=[])
    create(admin, outgoing_body(name='admins-out'))
    assert sorted(i['name'] for i in bob.get('integrations.list').json()['integrations']) == ['admins', 'bobs']


def test_list_sort(emu8):
    admin = Client(emu8)
    for name in ('b', 'c', 'a'):
        create(admin, incoming_body(name=name))
    names = [i['name'] for i in admin.get('integrations.list', sort='{"name":-1}').json()['integrations']]
    assert names == ['c', 'b', 'a']
    bad = admin.get('integrations.list', sort='{"name":2}')
    assert bad.status_code == 400
    assert bad.json() == {'success': False, 'error': 'Invalid sort parameter provided: "{"name":2}" [error-invalid-sort]',
                          'errorType': 'error-invalid-sort', 'details': {'helperMethod': 'parseJsonQuery'}}


def test_ten_thousand_integrations_page_quickly(emu8):
    started = time.time()
    seeded = control(emu8, 'POST', 'integrations', {'generate': {'count': 10000, 'type': 'webhook-outgoing'}})
    assert seeded['count'] == 10000
    admin, seen, offset = Client(emu8), 0, 0
    while True:
        page = admin.get('integrations.list', offset=offset, count=100).json()
        seen += page['count']
        offset += page['count']
        if not page['count'] or offset >= page['total']:
            break
    assert seen == 10000
    assert time.time() - started < 15


# ---------------------------------------------------------------------------- integrations.get

@pytest.mark.parametrize('version', [V63, V6, V7, V8])
def test_get_accepts_extra_query_parameters(servers, version):
    """The integrations.get query schema has no additionalProperties keyword in rest-typings 6.3.0 to 8.8.1."""
    response = Client(_server(servers, version)).get('integrations.get', integrationId='nope', fields='{"name":1}', extra='x')
    assert response.status_code == 400
    assert response.json() == {'success': False, 'error': 'The integration does not exists.'}


def test_get_missing_parameter(emu):
    response = Client(emu).get('integrations.get')
    assert response.status_code == 400
    assert response.json() == params_error(emu.server_version, ["must have required property 'integrationId'"], 'query')


def test_get_errors_and_own_rules(emu8):
    admin = Client(emu8)
    doc = create(admin, incoming_body())
    set_permissions(emu8, manage_own_incoming_integrations=['user'])
    bob = make_user(emu8)
    mine = create(bob, incoming_body(name='mine'))
    assert admin.get('integrations.get', integrationId='invalid').json() == {
        'success': False, 'error': 'The integration does not exists.'}
    denied = bob.get('integrations.get', integrationId=doc['_id'])
    assert denied.status_code == 400 and denied.json() == {'success': False, 'error': 'not-authorized'}
    assert bob.get('integrations.get', integrationId=mine['_id']).json()['integration']['_id'] == mine['_id']
    assert admin.get('integrations.get', integrationId=mine['_id'], createdBy=emu8.admin_user_id).status_code == 400
    assert admin.get('integrations.get', integrationId=mine['_id'], createdBy=bob.user_id).status_code == 200


# ---------------------------------------------------------------------------- integrations.update

def test_update_incoming(emu8):
    admin = Client(emu8)
    doc = create(admin, incoming_body())
    make_user(emu8, 'newbot')
    response = admin.put('integrations.update', incoming_body(integrationId=doc['_id'], name='renamed', alias='A', username='newbot',
                                                              overrideDestinationChannelEnabled=True))
    assert response.status_code == 200
    updated = response.json()['integration']
    assert updated['name'] == 'renamed' and updated['alias'] == 'A'
    assert updated['username'] == 'newbot' and updated['userId'] != 'rocket.cat'
    assert updated['token'] == doc['token'] and updated['overrideDestinationChannelEnabled'] is True
    assert updated['_updatedBy'] == {'_id': emu8.admin_user_id, 'username': 'admin'}
    assert admin.get('integrations.get', integrationId=doc['_id']).json()['integration'] == updated


def test_update_errors(emu8):
    admin = Client(emu8)
    doc = create(admin, incoming_body())
    out = create(admin, outgoing_body())
    missing = admin.put('integrations.update', incoming_body(integrationId='nope'))
    assert missing.status_code == 400 and missing.json() == {'success': False, 'error': 'No integration found.'}
    post_as = admin.put('integrations.update', incoming_body(integrationId=doc['_id'], username='ghost'))
    assert post_as.json()['error'] == 'Invalid Post As User [error-invalid-post-as-user]'
    no_token = admin.put('integrations.update', outgoing_body(integrationId=out['_id'], token=''))
    assert no_token.json() == {'success': False, 'error': 'Invalid token [error-invalid-token]', 'errorType': 'error-invalid-token',
                               'details': {'method': 'updateOutgoingIntegration'}}


def test_update_outgoing_by_target_url(emu8):
    admin = Client(emu8)
    out = create(admin, outgoing_body(urls=['https://example.com/x']))
    body = outgoing_body(target_url='https://example.com/x', integrationId='ignored', name='moved', urls=['https://example.com/y'])
    updated = admin.put('integrations.update', body).json()['integration']
    assert updated['_id'] == out['_id'] and updated['name'] == 'moved' and updated['urls'] == ['https://example.com/y']
    assert updated['_createdAt'] == out['_createdAt']


def test_update_schema_63_requires_override_flag(servers):
    """rest-typings 6.3.0 and 6.3.7: overrideDestinationChannelEnabled is required in both update branches and
    allowed in the outgoing one, which has no scriptEngine (section 3.2, 12.2)."""
    emu = _server(servers, V63)
    admin = Client(emu)
    incoming = create(admin, incoming_body(overrideDestinationChannelEnabled=False))
    outgoing = create(admin, outgoing_body())
    missing = admin.put('integrations.update', incoming_body(integrationId=incoming['_id']))
    assert missing.json() == params_error(V63, ["must have required property 'overrideDestinationChannelEnabled'",
                                                "must have required property 'event'", ONE_OF])
    missing = admin.put('integrations.update', outgoing_body(integrationId=outgoing['_id']))
    assert missing.json() == params_error(V63, ["must have required property 'overrideDestinationChannelEnabled'"] * 2 + [ONE_OF])
    assert admin.put('integrations.update', outgoing_body(integrationId=outgoing['_id'], overrideDestinationChannelEnabled=True,
                                                          name='renamed')).json()['integration']['name'] == 'renamed'
    engine = admin.put('integrations.update', outgoing_body(integrationId=outgoing['_id'], overrideDestinationChannelEnabled=True,
                                                            scriptEngine='isolated-vm'))
    assert engine.json() == params_error(V63, ['must match pattern "webhook-incoming"', 'must NOT have additional properties', ONE_OF])


@pytest.mark.parametrize('version', [V6, V7, V8])
def test_update_schema_from_6_13(servers, version):
    """From rest-typings 6.13.1 the outgoing update branch has no overrideDestinationChannelEnabled
    (additionalProperties:false refuses it) and scriptEngine is a non-nullable string in both branches."""
    emu = _server(servers, version)
    admin = Client(emu)
    incoming, outgoing = create(admin, incoming_body()), create(admin, outgoing_body())
    refused = admin.put('integrations.update', outgoing_body(integrationId=outgoing['_id'], overrideDestinationChannelEnabled=True))
    assert refused.json() == params_error(version, ['must match pattern "webhook-incoming"', 'must NOT have additional properties', ONE_OF])
    assert admin.put('integrations.update', incoming_body(integrationId=incoming['_id'])).status_code == 200
    null_engine = admin.put('integrations.update', incoming_body(integrationId=incoming['_id'], scriptEngine=None))
    if version_tuple(version) >= (8, 6):  # ajv coerces null to '' for a string
        assert null_engine.status_code == 200
    else:
        assert null_engine.json() == params_error(version, ['must be string', "must have required property 'event'", ONE_OF])


# Every optional field an outgoing integration can carry, as the web UI saves it.
FULL_OUTGOING = dict(alias='Bot', avatar='https://example.com/a.png', emoji=':robot:', targetRoom='#random', impersonateUser=True,
                     retryFailedCalls=True, retryCount=3, retryDelay='powers-of-two', triggerWordAnywhere=True, runOnEdits=True,
                     scriptEnabled=True, script='class Script {}')
OUTGOING_NULLED = ('alias', 'avatar', 'emoji', 'targetRoom', 'impersonateUser', 'retryFailedCalls', 'retryCount', 'retryDelay',
                   'triggerWordAnywhere', 'runOnEdits', 'script', 'triggerWords', 'scriptError')


@pytest.mark.parametrize('version', [V63, V6, V72, V7, V83, V85, V8, V89])
def test_update_outgoing_writes_null_for_omitted_fields_from_73(servers, version):
    """Section 12.1: updateOutgoingIntegration.ts $sets a fixed list of fields; since PR #31497
    (ignoreUndefined:false, 7.3 chosen) every one the body omits is stored as null, and scriptError too
    when no script compiled ($unset scriptCompiled). Before, the driver dropped undefined: omitted fields keep
    their value. skipTranspile (8.4+) is in the list, as sent."""
    emu = _server(servers, version)
    admin = Client(emu)
    extra = {'overrideDestinationChannelEnabled': False} if version == V63 else {}
    full = dict(FULL_OUTGOING, skipTranspile=True) if version_tuple(version) >= (8, 4) else FULL_OUTGOING
    before = create(admin, outgoing_body(**full))
    assert before['scriptCompiled']
    body = outgoing_body(integrationId=before['_id'], name='renamed', **extra)
    del body['triggerWords']
    response = admin.put('integrations.update', body)
    assert response.status_code == 200, response.text
    after = admin.get('integrations.get', integrationId=before['_id']).json()['integration']
    assert after == response.json()['integration']
    assert after['name'] == 'renamed' and after['token'] == 'outgoing-token' and after['urls'] == ['https://example.com/hook']
    assert 'scriptCompiled' not in after
    nulled = OUTGOING_NULLED + (('skipTranspile',) if version_tuple(version) >= (8, 4) else ())
    if version_tuple(version) >= (7, 3):
        assert {key: after[key] for key in nulled} == dict.fromkeys(nulled)
    else:
        assert {key: after[key] for key in FULL_OUTGOING if key != 'scriptEnabled'} == {
            key: value for key, value in FULL_OUTGOING.items() if key != 'scriptEnabled'}
        assert after['triggerWords'] == ['!go'] and 'scriptError' not in after
    assert after['scriptEnabled'] is False and after.get('scriptEngine') == (None if version == V63 else 'isolated-vm')


@pytest.mark.parametrize('version', [V6, V72, V7, V83, V85, V8, V89])
def test_update_incoming_omitted_fields_per_version(servers, version):
    """Section 12.1, updateIncomingIntegration.ts: enabled, name, channel, scriptEnabled and scriptEngine
    (sent ?? stored ?? 'isolated-vm') always; avatar, emoji, alias and script unconditionally before PR #39553
    (null on 7.3+, kept before), only when sent after it (8.4 chosen); skipTranspile as (sent === true) from
    8.4, so omitting it resets it; overrideDestinationChannelEnabled only when sent; token never."""
    emu = _server(servers, version)
    admin = Client(emu)
    skip = version_tuple(version) >= (8, 4)
    fields = dict(alias='Bot', avatar='https://example.com/a.png', emoji=':robot:', script='class Script {}', scriptEnabled=True,
                  overrideDestinationChannelEnabled=True)
    before = create(admin, incoming_body(skipTranspile=True, **fields) if skip else incoming_body(**fields))
    response = admin.put('integrations.update', incoming_body(integrationId=before['_id'], name='renamed'))
    assert response.status_code == 200, response.text
    after = admin.get('integrations.get', integrationId=before['_id']).json()['integration']
    assert after['name'] == 'renamed' and after['token'] == before['token'] and after['scriptEnabled'] is False
    assert after['scriptEngine'] == 'isolated-vm' and after['overrideDestinationChannelEnabled'] is True
    four = ('alias', 'avatar', 'emoji', 'script')
    if version_tuple(version) >= (7, 3) and not skip:
        assert {key: after[key] for key in four} == dict.fromkeys(four)
    else:
        assert {key: after[key] for key in four} == {key: fields[key] for key in four}
    if skip:
        assert after['skipTranspile'] is False
        sent_null = admin.put('integrations.update', incoming_body(integrationId=before['_id'], alias=None)).json()['integration']
        assert sent_null['alias'] is None and sent_null['emoji'] == ':robot:'


@pytest.mark.parametrize('version', [V63, V6, V7, V83, V85, V8])
def test_update_of_integration_the_user_may_not_see(servers, version):
    """Only manage-own-*: the methods look up {_id, _createdBy._id} and find nothing. updateOutgoingIntegration.ts
    throws Meteor.Error('invalid_integration', '[methods] updateOutgoingIntegration -> integration not found')
    with no details (the same in every version read, 1.x to 8.x); updateIncomingIntegration.ts throws
    error-invalid-integration 'Invalid integration' with details."""
    emu = _server(servers, version)
    admin = Client(emu)
    extra = {'overrideDestinationChannelEnabled': False} if version == V63 else {}
    incoming = create(admin, incoming_body(**extra))
    outgoing = create(admin, outgoing_body())
    set_permissions(emu, manage_own_incoming_integrations=['user'], manage_own_outgoing_integrations=['user'])
    bob = make_user(emu)
    response = bob.put('integrations.update', outgoing_body(integrationId=outgoing['_id'], **extra))
    assert response.status_code == 400
    assert response.json() == {'success': False, 'error': '[methods] updateOutgoingIntegration -> integration not found [invalid_integration]',
                               'errorType': 'invalid_integration'}
    response = bob.put('integrations.update', incoming_body(integrationId=incoming['_id'], **extra))
    assert response.json() == {'success': False, 'error': 'Invalid integration [error-invalid-integration]',
                               'errorType': 'error-invalid-integration', 'details': {'method': 'updateIncomingIntegration'}}
    assert admin.get('integrations.get', integrationId=outgoing['_id']).json()['integration'] == outgoing


def test_update_permission_lookup_by_requested_type(emu8):
    set_permissions(emu8, manage_own_incoming_integrations=['user'])
    bob = make_user(emu8)
    admins = create(Client(emu8), incoming_body())
    response = bob.put('integrations.update', incoming_body(integrationId=admins['_id']))
    assert response.json()['error'] == 'Invalid integration [error-invalid-integration]'
    assert bob.put('integrations.update', outgoing_body(integrationId=admins['_id'])).json()['error'] == 'Unauthorized [not_authorized]'


# ---------------------------------------------------------------------------- integrations.remove

def test_remove_returns_document_then_not_found(emu):
    admin = Client(emu)
    doc = create(admin, incoming_body())
    response = admin.post('integrations.remove', {'type': 'webhook-incoming', 'integrationId': doc['_id']})
    assert response.status_code == 200
    assert response.json() == {'integration': doc, 'success': True}
    again = admin.post('integrations.remove', {'type': 'webhook-incoming', 'integrationId': doc['_id']})
    assert again.status_code == 400
    assert again.json() == {'success': False, 'error': 'No integration found.'}


def test_remove_invalid_type(emu):
    response = Client(emu).post('integrations.remove', {'type': 'invalid-type', 'integrationId': 'x'})
    assert response.status_code == 400
    assert response.json() == params_error(emu.server_version, [
        'must match pattern "webhook-incoming"', "must have required property 'target_url'", 'must match pattern "webhook-outgoing"',
        ONE_OF])


def test_remove_missing_integration_id(emu7):
    response = Client(emu7).post('integrations.remove', {'type': 'webhook-incoming'})
    assert response.json()['error'] == ("must have required property 'integrationId'\n must have required property 'target_url'\n "
                                        "must have required property 'integrationId'\n %s [invalid-params]" % ONE_OF)


def test_remove_with_both_ids_fails(emu8):
    out = create(Client(emu8), outgoing_body())
    response = Client(emu8).post('integrations.remove', {'type': 'webhook-outgoing', 'integrationId': out['_id'],
                                                         'target_url': out['urls'][0]})
    assert response.status_code == 400
    assert response.json()['error'] == 'must match pattern "webhook-incoming"\n ' + ONE_OF


def test_remove_allows_extra_keys_and_suffixed_type(emu8):
    admin = Client(emu8)
    doc = create(admin, incoming_body())
    suffixed = admin.post('integrations.remove', {'type': 'webhook-incoming-x', 'integrationId': doc['_id']})
    assert suffixed.json() == {'success': False, 'error': 'Invalid integration type.'}
    extra = admin.post('integrations.remove', {'type': 'webhook-incoming', 'integrationId': doc['_id'], 'name': 'whatever'})
    assert extra.status_code == 200


def test_remove_route_gate(emu):
    doc = create(Client(emu), incoming_body())
    response = make_user(emu).post('integrations.remove', {'type': 'webhook-incoming', 'integrationId': doc['_id']})
    assert response.status_code == 403
    assert response.json() == forbidden(emu.server_version)


@pytest.mark.parametrize('version,gate_first', [(V6, False), (V7, False), (V83, False), (V85, True), (V8, True), (V89, True)])
def test_gate_and_parameter_order(servers, version, gate_first):
    """addRoute routes (6.x to 8.3) validate parameters in the action wrapper before permissionsRequired
    (ApiClass.ts); typed routes (PR #39553, 8.4 chosen) run the permissions middleware before http-router's
    Router.ts validates query and body. The 403 body never has an errorType."""
    emu = _server(servers, version)
    bob = make_user(emu)
    remove = bob.post('integrations.remove', {'type': 'invalid-type'})
    history = bob.get('integrations.history')
    if gate_first:
        assert (remove.status_code, history.status_code) == (403, 403)
        assert remove.json() == history.json() == {'success': False, 'error': FORBIDDEN_7}
    else:
        assert (remove.status_code, history.status_code) == (400, 400)
        assert history.json() == params_error(version, ["must have required property 'id'"], 'query')


def test_remove_method_level_permission_errors(emu8):
    admins = create(Client(emu8), incoming_body())
    set_permissions(emu8, manage_own_incoming_integrations=['user'], manage_outgoing_integrations=['user'])
    bob = make_user(emu8)
    not_own = bob.post('integrations.remove', {'type': 'webhook-incoming', 'integrationId': admins['_id']})
    assert not_own.json() == {'success': False, 'error': 'Invalid integration [error-invalid-integration]',
                              'errorType': 'error-invalid-integration', 'details': {'method': 'deleteIncomingIntegration'}}
    set_permissions(emu8, manage_own_incoming_integrations=[])
    no_perm = bob.post('integrations.remove', {'type': 'webhook-incoming', 'integrationId': admins['_id']})
    assert no_perm.json() == {'success': False, 'error': 'Unauthorized [not_authorized]', 'errorType': 'not_authorized',
                              'details': {'method': 'deleteIncomingIntegration'}}


def test_remove_has_no_type_check(emu8):
    admin = Client(emu8)
    out = create(admin, outgoing_body())
    control(emu8, 'POST', 'history', {'integrationId': out['_id'], 'count': 2})
    response = admin.post('integrations.remove', {'type': 'webhook-incoming', 'integrationId': out['_id']})
    assert response.status_code == 200 and response.json()['integration']['type'] == 'webhook-outgoing'
    assert len(control(emu8, 'GET', 'state')['history']) == 2  # the incoming path keeps history rows
    doc = create(admin, incoming_body())
    response = admin.post('integrations.remove', {'type': 'webhook-outgoing', 'integrationId': doc['_id']})
    assert response.status_code == 200 and response.json()['integration']['type'] == 'webhook-incoming'
    assert control(emu8, 'GET', 'state')['integrations'] == []


def test_remove_by_target_url_takes_first_match_of_any_type(emu8):
    admin = Client(emu8)
    first = control(emu8, 'POST', 'integrations', {'integrations': [
        {'type': 'webhook-incoming', 'name': 'odd', 'urls': ['https://example.com/same']}]})['integrations'][0]
    second = create(admin, outgoing_body(urls=['https://example.com/same']))
    control(emu8, 'POST', 'history', {'integrationId': second['_id']})
    response = admin.post('integrations.remove', {'type': 'webhook-outgoing', 'target_url': 'https://example.com/same'})
    assert response.json()['integration']['_id'] == first['_id']
    response = admin.post('integrations.remove', {'type': 'webhook-outgoing', 'target_url': 'https://example.com/same'})
    assert response.json()['integration']['_id'] == second['_id']
    assert control(emu8, 'GET', 'state')['history'] == []


# ---------------------------------------------------------------------------- integrations.history, clearHistory, replayOutgoing

def test_history_route_gate(emu):
    set_permissions(emu, manage_outgoing_integrations=[], manage_own_outgoing_integrations=[])
    response = Client(emu).get('integrations.history', id='x')
    assert response.status_code == 403
    assert response.json() == forbidden(emu.server_version)


@pytest.mark.parametrize('version', [V63, V6, V7, V8])
def test_history_query_schema_on_every_version(servers, version):
    """rest-typings 6.3.0 and 6.13.1 already have the history query schema (id required, minLength 1,
    offset/count numbers, compiled with coerceTypes); the 6.x route validates it before its handler
    (apps/meteor/app/api/server/v1/integrations.ts, validateParams). A blank id still reaches the
    handler's own check."""
    emu = _server(servers, version)
    admin = Client(emu)
    assert admin.get('integrations.history').json() == params_error(version, ["must have required property 'id'"], 'query')
    too_short = params_error(version, ['must NOT have fewer than 1 characters'], 'query')
    assert admin.get('integrations.history', id='').json() == too_short
    assert admin.get('integrations.history', id='x', count='abc').json() == params_error(version, ['must be number'], 'query')
    assert admin.get('integrations.history', id='x', count='5', offset='0').json()['success'] is True
    assert admin.get('integrations.history', id='  ').json() == {'success': False, 'error': 'Invalid integration id.'}
    assert admin.get('integrations.history', id='x', fields='{}').json() == params_error(
        version, ['must NOT have additional properties'], 'query')


def test_history_listing_and_own_filter(emu8):
    admin = Client(emu8)
    out = create(admin, outgoing_body())
    incoming = create(admin, incoming_body())
    control(emu8, 'POST', 'history', {'integrationId': out['_id'], 'count': 3})
    body = admin.get('integrations.history', id=out['_id'], count=2).json()
    assert (body['count'], body['items'], body['total'], body['offset']) == (2, 2, 3, 0)
    assert body['history'][0]['integration']['_id'] == out['_id']
    assert admin.get('integrations.history', id=incoming['_id']).json()['total'] == 0
    set_permissions(emu8, manage_own_outgoing_integrations=['user'])
    assert make_user(emu8).get('integrations.history', id=out['_id']).json()['total'] == 0


@pytest.mark.parametrize('version,present', [(V89, True), (V8, True), ('8.7.0', True), ('8.6.2', False), (V85, False), (V7, False)])
def test_history_actions_exist_from_87(servers, version, present):
    response = Client(_server(servers, version)).post('integrations.clearHistory', {'integrationId': 'x'})
    assert (response.status_code != 404) is present


def test_clear_history(emu8):
    admin = Client(emu8)
    out = create(admin, outgoing_body())
    control(emu8, 'POST', 'history', {'integrationId': out['_id'], 'count': 2})
    assert requests.post(emu8.url + '/api/v1/integrations.clearHistory', json={}, timeout=TIMEOUT).status_code == 401
    assert admin.post('integrations.clearHistory', {}).status_code == 400
    unknown = admin.post('integrations.clearHistory', {'integrationId': 'nope'})
    assert unknown.status_code == 400 and unknown.json()['errorType'] == 'error-invalid-integration'
    no_perm = make_user(emu8).post('integrations.clearHistory', {'integrationId': out['_id']})
    assert no_perm.json()['errorType'] == 'not_authorized'
    assert admin.post('integrations.clearHistory', {'integrationId': out['_id']}).json() == {'success': True}
    assert control(emu8, 'GET', 'state')['history'] == []


def test_replay_outgoing(emu8):
    admin = Client(emu8)
    out = create(admin, outgoing_body())
    row = control(emu8, 'POST', 'history', {'integrationId': out['_id']})['history'][0]
    missing = admin.post('integrations.replayOutgoing', {'integrationId': out['_id']})
    assert missing.json() == params_error(V8, ["must have required property 'historyId'"])
    unknown = admin.post('integrations.replayOutgoing', {'integrationId': 'nope', 'historyId': row['_id']})
    assert unknown.json()['error'] == 'Invalid integration [error-invalid-integration]'
    no_row = admin.post('integrations.replayOutgoing', {'integrationId': out['_id'], 'historyId': 'nope'})
    assert no_row.json()['error'] == 'Invalid Integration History [error-invalid-integration-history]'
    no_perm = make_user(emu8).post('integrations.replayOutgoing', {'integrationId': out['_id'], 'historyId': row['_id']})
    assert no_perm.json()['errorType'] == 'not_authorized'
    assert admin.post('integrations.replayOutgoing', {'integrationId': out['_id'], 'historyId': row['_id']}).status_code == 200
    # The seeded row names no message, so the replay finds no trigger word and runs nothing (triggerHandler.replay).
    assert len(control(emu8, 'GET', 'state')['history']) == 1


# ---------------------------------------------------------------------------- rate limiter

def limit(emu, calls=3, window_ms=60000):
    control(emu, 'POST', 'settings', {'rate_limiter_enabled': True, 'rate_limit_calls': calls, 'rate_limit_window_ms': window_ms})


def test_rate_limit_headers_and_429(emu8):
    limit(emu8)
    set_permissions(emu8, manage_incoming_integrations=['user'])
    bob = make_user(emu8)
    before = int(time.time() * 1000)
    responses = [bob.get('integrations.list') for dummy in range(4)]
    assert [r.status_code for r in responses] == [200, 200, 200, 429]
    assert [r.headers['X-RateLimit-Remaining'] for r in responses] == ['2', '1', '0', '0']
    assert all(r.headers['X-RateLimit-Limit'] == '3' for r in responses)
    reset = int(responses[0].headers['X-RateLimit-Reset'])
    assert before + 60000 <= reset <= int(time.time() * 1000) + 60000
    assert 'Retry-After' not in responses[3].headers
    assert responses[3].json() == {'success': False, 'error': (
        'Error, too many requests. Please slow down. You must wait 60 seconds before trying this endpoint again. '
        '[error-too-many-requests]')}


def test_rate_limit_bypass_permission(emu8):
    limit(emu8, calls=1)
    admin = Client(emu8)
    responses = [admin.get('integrations.list') for dummy in range(3)]
    assert all(r.status_code == 200 and 'X-RateLimit-Limit' not in r.headers for r in responses)
    control(emu8, 'POST', 'permissions', {'api-bypass-rate-limit': []})
    assert [admin.get('integrations.list').status_code for dummy in range(2)] == [200, 429]


def test_rate_limit_key_and_order(emu8):
    limit(emu8, calls=1)
    bob = make_user(emu8)
    assert requests.get(emu8.url + '/api/v1/me', timeout=TIMEOUT).status_code == 401  # not counted: auth comes first
    assert bob.get('me').status_code == 200
    assert bob.get('me').status_code == 429
    assert bob.get('integrations.list').status_code == 403  # another route has its own counter; the gate comes after
    assert bob.get('integrations.list').status_code == 429
    assert bob.get('integrations.get').status_code == 400  # params are checked after the limiter
    assert bob.get('integrations.get').status_code == 429


def test_rate_limit_window_expires(emu8):
    limit(emu8, calls=1, window_ms=300)
    bob = make_user(emu8)
    assert [bob.get('me').status_code for dummy in range(2)] == [200, 429]
    time.sleep(0.35)
    assert bob.get('me').status_code == 200


def test_login_is_rate_limited(emu8):
    limit(emu8, calls=2)
    body = {'user': 'admin', 'password': 'emulator-admin-pass'}
    codes = [requests.post(emu8.url + '/api/v1/login', json=body, timeout=TIMEOUT).status_code for dummy in range(3)]
    assert codes == [200, 200, 429]


# ---------------------------------------------------------------------------- /hooks

def hook_url(emu, doc):
    return '%s/hooks/%s/%s' % (emu.url, doc['_id'], doc['token'])


def test_hook_posts_message(emu):
    doc = create(Client(emu), incoming_body(alias='Alerts'))
    response = requests.post(hook_url(emu, doc), json={'text': 'Example message'}, timeout=TIMEOUT)
    assert response.status_code == 200 and response.json() == {'success': True}
    message = control(emu, 'GET', 'state')['messages'][-1]
    assert (message['rid'], message['msg'], message['u']['username'], message['alias']) == ('GENERAL', 'Example message', 'rocket.cat',
                                                                                            'Alerts')
    assert message['bot'] == {'i': doc['_id']}


def test_hook_errors(emu8):
    doc = create(Client(emu8), incoming_body())
    bad = requests.post('%s/hooks/%s/wrong' % (emu8.url, doc['_id']), json={'text': 'x'}, timeout=TIMEOUT)
    assert bad.status_code == 404 and bad.json() == {'success': False, 'error': 'Invalid integration id or token provided.'}
    for override in ({'channel': ['#random']}, {'roomId': 'GENERAL'}):
        response = requests.post(hook_url(emu8, doc), json=dict(text='x', **override), timeout=TIMEOUT)
        assert response.status_code == 400
        assert response.json() == {'success': False, 'error': 'overriding destination channel is disabled for this integration'}
    assert control(emu8, 'GET', 'state')['messages'] == []


@pytest.mark.parametrize('version,checked', [(V7, False), (V85, False), (V86, True), (V8, True), (V89, True)])
def test_hook_needs_message_impersonate(servers, version, checked):
    """PR #41017 (api.ts): after the enabled check, a post is refused unless the integration's user holds
    message-impersonate, whatever the body carries (the webhook API unit test posts only {text}); the answer is
    API.v1.failure('error-user-lacks-message-impersonate-permission'). Default roles ['bot', 'app'], and the
    post-as user gets the bot role at create. The release is UNCONFIRMED (8.6 chosen)."""
    emu = _server(servers, version)
    doc = create(Client(emu), incoming_body())
    assert control(emu, 'GET', 'state')['permissions']['message-impersonate'] == ['bot', 'app']
    control(emu, 'POST', 'permissions', {'message-impersonate': ['admin']})
    response = requests.post(hook_url(emu, doc), json={'text': 'x'}, timeout=TIMEOUT)
    if checked:
        assert response.status_code == 400
        assert response.json() == {'success': False, 'error': 'error-user-lacks-message-impersonate-permission'}
        assert control(emu, 'GET', 'state')['messages'] == []
        empty = requests.post(hook_url(emu, doc), json={}, timeout=TIMEOUT)
        assert empty.status_code == 400  # checked before the empty-body shortcut
    else:
        assert response.status_code == 200
    control(emu, 'POST', 'permissions', {'message-impersonate': ['bot', 'app']})
    assert requests.post(hook_url(emu, doc), json={'text': 'y'}, timeout=TIMEOUT).status_code == 200


def test_hook_disabled_integration(emu8):
    doc = create(Client(emu8), incoming_body(enabled=False))
    response = requests.post(hook_url(emu8, doc), json={'text': 'x'}, timeout=TIMEOUT)
    assert response.status_code == 503 and response.json() == {'success': False, 'error': 'Service Unavailable'}


def test_hook_override_enabled_joins_public_rooms_only(emu8):
    admin = Client(emu8)
    doc = create(admin, incoming_body())
    admin.put('integrations.update', incoming_body(integrationId=doc['_id'], overrideDestinationChannelEnabled=True))
    assert requests.post(hook_url(emu8, doc), json={'text': 'hi', 'channel': ['#random']}, timeout=TIMEOUT).status_code == 200
    state = control(emu8, 'GET', 'state')
    random_id = [r['_id'] for r in state['rooms'] if r.get('name') == 'random'][0]
    assert random_id in [u for u in state['users'] if u['username'] == 'rocket.cat'][0]['rooms']
    control(emu8, 'POST', 'rooms', {'name': 'private', 'type': 'p'})
    response = requests.post(hook_url(emu8, doc), json={'text': 'hi', 'channel': '#private'}, timeout=TIMEOUT)
    assert response.status_code == 400 and response.json() == {'success': False, 'error': 'error-not-allowed'}
    assert len(control(emu8, 'GET', 'state')['messages']) == 1


def test_hook_form_bodies_and_user_route(emu8):
    doc = create(Client(emu8), incoming_body())
    url = hook_url(emu8, doc)
    assert requests.post(url, data={'payload': json.dumps({'text': 'form payload'})}, timeout=TIMEOUT).status_code == 200
    raw = requests.post(url, data=json.dumps({'text': 'raw form'}), timeout=TIMEOUT,
                        headers={'Content-Type': 'application/x-www-form-urlencoded'})
    assert raw.status_code == 200
    user_route = '%s/hooks/%s/%s/%s' % (emu8.url, doc['_id'], doc['userId'], doc['token'])
    assert requests.post(user_route, json={'text': 'user route'}, timeout=TIMEOUT).status_code == 200
    assert [m['msg'] for m in control(emu8, 'GET', 'state')['messages']] == ['form payload', 'raw form', 'user route']


def test_hook_posts_as_updated_user(emu8):
    admin = Client(emu8)
    doc = create(admin, incoming_body())
    make_user(emu8, 'newbot')
    admin.put('integrations.update', incoming_body(integrationId=doc['_id'], username='newbot'))
    requests.post(hook_url(emu8, doc), json={'text': 'x'}, timeout=TIMEOUT)
    assert control(emu8, 'GET', 'state')['messages'][-1]['u']['username'] == 'newbot'


def test_hook_limiter_has_no_bypass(emu8):
    limit(emu8, calls=1)
    doc = create(Client(emu8), incoming_body())
    codes = [requests.post(hook_url(emu8, doc), json={'text': 'x'}, timeout=TIMEOUT).status_code for dummy in range(2)]
    assert codes == [200, 429]
    assert requests.get(hook_url(emu8, doc), timeout=TIMEOUT).status_code == 200  # the method is part of the key


# ---------------------------------------------------------------------------- control endpoints

def test_control_reset_restores_seed(emu8):
    create(Client(emu8), incoming_body())
    make_user(emu8)
    control(emu8, 'POST', 'reset')
    state = control(emu8, 'GET', 'state')
    assert state['integrations'] == [] and state['server_version'] == '8.8.1'
    assert sorted(u['username'] for u in state['users']) == ['admin', 'rocket.cat']
    assert sorted(r['name'] for r in state['rooms']) == ['general', 'random']
    assert state['permissions']['manage-incoming-integrations'] == ['admin']
    assert state['permissions']['api-bypass-rate-limit'] == ['admin', 'bot', 'app']
    assert 'password' not in json.dumps(state['users'])


def test_control_users_and_rooms(emu8):
    room = control(emu8, 'POST', 'rooms', {'name': 'ops', 'type': 'p'})
    bob = make_user(emu8, 'bob', roles=['user', 'ops'], rooms=['ops'])
    user = [u for u in control(emu8, 'GET', 'state')['users'] if u['username'] == 'bob'][0]
    assert user['roles'] == ['user', 'ops'] and user['rooms'] == [room['_id']]
    assert bob.get('me').json()['username'] == 'bob'
    duplicate = requests.post(emu8.url + '/_emulator/users', json={'username': 'bob'}, timeout=TIMEOUT)
    assert duplicate.status_code == 400


def test_control_request_log(emu8):
    control(emu8, 'DELETE', 'requests')
    Client(emu8).get('integrations.list')
    requests.get(emu8.url + '/api/info', timeout=TIMEOUT)
    log = control(emu8, 'GET', 'requests')
    assert log == [
        {'method': 'GET', 'path': '/api/v1/integrations.list', 'status': 200, 'user_id': emu8.admin_user_id},
        {'method': 'GET', 'path': '/api/info', 'status': 200, 'user_id': None},
    ]


@pytest.mark.parametrize('version', [V7, V8])
def test_control_seed_integration_as_the_web_ui_leaves_it(servers, version):
    """POST /_emulator/integrations stores every field it is given, unvalidated and unchanged (nulls included),
    so tests can start from documents a real server holds; GET returns them as seeded."""
    emu = _server(servers, version)
    outgoing = dict(FULL_OUTGOING, type='webhook-outgoing', name='ui-out', enabled=False, event='sendMessage', channel=['#general'],
                    urls=['https://example.com/hook'], triggerWords=['!go', '!run'], token='ui-token', scriptEngine='isolated-vm',
                    scriptCompiled='"use strict";\n\nclass Script {}', skipTranspile=False, username='rocket.cat', userId='rocket.cat')
    incoming = dict(type='webhook-incoming', name='ui-in', enabled=False, channel=['#general', '@admin'], alias='Bot', emoji=':robot:',
                    avatar=None, script='class Script {}', scriptEnabled=True, scriptCompiled='x', scriptEngine='isolated-vm',
                    skipTranspile=True, overrideDestinationChannelEnabled=True, token='t' * 48)
    seeded = control(emu, 'POST', 'integrations', {'integrations': [outgoing, incoming]})['integrations']
    admin = Client(emu)
    for given, doc in zip((outgoing, incoming), seeded):
        assert {key: doc[key] for key in given} == given
        assert admin.get('integrations.get', integrationId=doc['_id']).json()['integration'] == doc


def test_control_seed_raw_integrations(emu8):
    docs = control(emu8, 'POST', 'integrations', {'integrations': [
        {'name': 'raw', 'channel': '#general,#random'}, {'type': 'webhook-outgoing', 'name': 'raw-out', 'urls': ['https://x']}]})
    incoming, outgoing = docs['integrations']
    assert incoming['channel'] == ['#general', '#random'] and len(incoming['token']) == 48
    assert incoming['_createdBy']['_id'] == emu8.admin_user_id and len(incoming['_id']) == 24
    assert outgoing['channel'] == [] and 'token' not in outgoing


def test_faults_answer_without_processing(emu8):
    admin = Client(emu8)
    control(emu8, 'POST', 'faults', {'route': '/api/v1/integrations.create', 'kind': 'status', 'status': 502})
    control(emu8, 'POST', 'faults', {'route': '/api/v1/integrations.create', 'kind': 'html'})
    control(emu8, 'POST', 'faults', {'route': '/api/v1/integrations.create', 'kind': 'non_json'})
    control(emu8, 'POST', 'faults', {'route': '/api/v1/integrations.create', 'kind': 'redirect', 'location': '/elsewhere'})
    first = admin.post('integrations.create', incoming_body())
    assert first.status_code == 502 and first.json() == {'success': False, 'error': 'Bad Gateway'}
    html = admin.post('integrations.create', incoming_body())
    assert html.status_code == 502 and html.headers['Content-Type'].startswith('text/html')
    text = admin.post('integrations.create', incoming_body())
    assert text.status_code == 200 and not text.headers['Content-Type'].startswith('application/json')
    redirect = requests.post(admin.url('integrations.create'), json=incoming_body(), headers=admin.headers, timeout=TIMEOUT,
                             allow_redirects=False)
    assert redirect.status_code == 302 and redirect.headers['Location'].endswith('/elsewhere')
    assert control(emu8, 'GET', 'state')['integrations'] == []
    assert admin.post('integrations.create', incoming_body()).status_code == 200


def test_faults_drop_connections(emu8):
    admin = Client(emu8)
    doc = create(admin, incoming_body())
    control(emu8, 'POST', 'faults', {'route': '/api/v1/integrations.remove', 'method': 'post', 'kind': 'reset_before'})
    with pytest.raises(requests.ConnectionError):
        admin.post('integrations.remove', {'type': 'webhook-incoming', 'integrationId': doc['_id']})
    assert len(control(emu8, 'GET', 'state')['integrations']) == 1
    control(emu8, 'POST', 'faults', {'route': '/api/v1/integrations.remove', 'kind': 'drop_after_processing'})
    with pytest.raises(requests.ConnectionError):
        admin.post('integrations.remove', {'type': 'webhook-incoming', 'integrationId': doc['_id']})
    assert control(emu8, 'GET', 'state')['integrations'] == []
    assert [entry.get('fault') for entry in control(emu8, 'GET', 'requests')[-2:]] == ['reset_before', 'drop_after_processing']


def test_fault_delay_and_times(emu8):
    control(emu8, 'POST', 'faults', {'route': '/api/v1/me', 'kind': 'delay', 'delay_s': 0.15, 'times': 2})
    started = time.time()
    assert all(Client(emu8).get('me').status_code == 200 for dummy in range(3))
    assert 0.3 <= time.time() - started < 1.5
    assert control(emu8, 'GET', 'faults') == []


def test_control_validation_errors(emu8):
    bad_fault = requests.post(emu8.url + '/_emulator/faults', json={'route': '/x', 'kind': 'explode'}, timeout=TIMEOUT)
    assert bad_fault.status_code == 400
    bad_setting = requests.post(emu8.url + '/_emulator/settings', json={'rate_limit_calls': 'many'}, timeout=TIMEOUT)
    assert bad_setting.status_code == 400
    assert requests.get(emu8.url + '/_emulator/nothing', timeout=TIMEOUT).status_code == 404


def test_shutdown_endpoint():
    server = EmulatorServer().start()
    assert requests.post(server.url + '/_emulator/shutdown', timeout=TIMEOUT).json() == {'success': True}
    assert server.wait(5)
    with pytest.raises(requests.ConnectionError):
        requests.get(server.url + '/api/info', timeout=TIMEOUT)


# ---------------------------------------------------------------------------- save-time script check (section 13.3)

BROKEN_SCRIPT = 'class Script {\n  process_incoming_request({ request }) {\n    return { content: { text: request.content.text } };\n'
FIXED_SCRIPT = BROKEN_SCRIPT + '  }\n}\n'


def get_integration(client, integration_id):
    return client.get('integrations.get', integrationId=integration_id).json()['integration']


def update_body(doc, **extra):
    """An update body that carries the stored document's fields (both branches accept it)."""
    if doc['type'] == 'webhook-incoming':
        return incoming_body(integrationId=doc['_id'], **extra)
    return outgoing_body(integrationId=doc['_id'], **extra)


@pytest.mark.parametrize('version', [V7, V83, V8, V9])
@pytest.mark.parametrize('make_body', [incoming_body, outgoing_body])
def test_broken_script_is_saved_with_script_error(servers, version, make_body):
    """Section 13.3 (compileIntegrationScript, updateIncomingIntegration.ts, validateOutgoingIntegration.ts):
    a script that does not compile is still saved, 200; the document gets scriptError {name, message, stack}
    and no scriptCompiled. Saving a script that compiles sets scriptCompiled and removes scriptError."""
    admin = Client(_server(servers, version))
    response = admin.post('integrations.create', make_body(scriptEnabled=True, script=BROKEN_SCRIPT))
    assert response.status_code == 200, response.text
    doc = get_integration(admin, response.json()['integration']['_id'])
    assert 'scriptCompiled' not in doc
    assert doc['scriptError']['name'] == 'SyntaxError'
    # V8's wording for the server's wrapper '(function(){' + script + '})': the wrapper's ')' is unexpected.
    assert doc['scriptError']['message'] == "Unexpected token ')'"
    assert doc['scriptError']['stack'].startswith("SyntaxError: Unexpected token ')'")
    assert doc['script'] == BROKEN_SCRIPT

    response = admin.put('integrations.update', update_body(doc, scriptEnabled=True, script=FIXED_SCRIPT))
    assert response.status_code == 200, response.text
    fixed = get_integration(admin, doc['_id'])
    assert 'scriptError' not in fixed or fixed['scriptError'] is None
    assert fixed['scriptCompiled'].endswith(FIXED_SCRIPT)

    response = admin.put('integrations.update', update_body(doc, scriptEnabled=True, script=BROKEN_SCRIPT))
    assert response.status_code == 200, response.text
    broken = get_integration(admin, doc['_id'])
    assert 'scriptCompiled' not in broken and broken['scriptError']['name'] == 'SyntaxError'


def test_script_not_checked_unless_enabled(emu8):
    """Section 4.1: compiled only when scriptEnabled is true and script.trim() is not empty."""
    doc = create(Client(emu8), incoming_body(scriptEnabled=False, script=BROKEN_SCRIPT))
    assert 'scriptError' not in doc and 'scriptCompiled' not in doc


STRICT_ONLY = 'var mode = 0777;\nclass Script {}'
ALWAYS_BROKEN = {
    'class Script { prepare_outgoing_request({ request }) { return 0777; } }': 'Octal literals are not allowed in strict mode.',
    'class Script { x(a, a) {} }': 'Duplicate parameter name not allowed in this context',
}


@pytest.mark.parametrize('version, skip, strict', [(V83, None, False), (V8, None, True), (V8, True, False), (V9, None, False)])
def test_script_check_strictness_per_path(servers, version, skip, strict):
    """How each release parses (scripts.py, sections 13.2 and 13.3): class bodies are strict on every path; the
    top level is strict only on 8.4+'s @babel/core path (a module), sloppy under Meteor's Babel (up to 8.3) and
    on the validate-only path (8.4+ with skipTranspile: true: new vm.Script('(function(){' + script + '})'))."""
    admin = Client(_server(servers, version))
    extra = {} if skip is None else {'skipTranspile': skip}
    doc = create(admin, incoming_body(scriptEnabled=True, script=STRICT_ONLY, **extra))
    if strict:
        assert doc['scriptError']['message'] == 'Octal literals are not allowed in strict mode.'
    else:
        assert doc['scriptCompiled'] and 'scriptError' not in doc
    for script, message in ALWAYS_BROKEN.items():
        doc = create(admin, incoming_body(scriptEnabled=True, script=script, **extra))
        assert doc['scriptError']['message'] == message and 'scriptCompiled' not in doc


def test_emulator_refuses_to_start_without_mini_racer():
    """The script check has no fallback: without the package the emulator exits at start, naming it."""
    code = ('import sys; sys.modules["py_mini_racer"] = None; sys.path.insert(0, %r); '
            'from rocketchat_emulator.__main__ import main; sys.exit(main(["--quiet"]))' % HERE)
    result = subprocess.run([sys.executable, '-c', code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            universal_newlines=True, timeout=30, check=False)
    assert result.returncode == 2 and '"mini-racer"' in result.stderr, result.stderr


# ---------------------------------------------------------------------------- Rocket.Chat 9.x (section 13)

def refused(error):
    """Section 13.4 (#43214): the 9.x shape of a refusal the API error switch maps."""
    return {'success': False, 'error': error, 'errorType': 'error-forbidden'}


@pytest.fixture
def emu9(servers):
    return _server(servers, V9)


def test_info_9(emu9):
    """Section 13.8 (getServerInfo.ts): version trimmed to X.Y for everyone, the full one and info with view-statistics."""
    assert requests.get(emu9.url + '/api/info', timeout=TIMEOUT).json() == {'version': '9.0', 'success': True}
    body = Client(emu9).get('../info').json()
    assert body['version'] == '9.0.1' and body['info']['version'] == '9.0.1'


def test_9_create_refusals_are_403(emu9):
    """Section 13.4: create without manage(-own)-<type> answers 403 error-forbidden (400 not_authorized before)."""
    bob = make_user(emu9)
    incoming = bob.post('integrations.create', incoming_body())
    assert incoming.status_code == 403 and incoming.json() == refused('Unauthorized [not_authorized]')
    outgoing = bob.post('integrations.create', outgoing_body())
    assert outgoing.status_code == 403 and outgoing.json() == refused('[not_authorized]')
    assert control(emu9, 'GET', 'state')['integrations'] == []


@pytest.mark.parametrize('version, status, body', [
    (V89, 400, {'success': False, 'error': 'not-authorized'}),
    (V9, 403, {'success': False, 'error': 'not-authorized', 'errorType': 'error-forbidden'}),
])
def test_get_of_another_users_integration(servers, version, status, body):
    """Section 13.4: get of someone else's integration holding only manage-own-* (plain Error('not-authorized'))."""
    emu = _server(servers, version)
    set_permissions(emu, manage_own_incoming_integrations=['admin', 'user'])
    doc = create(Client(emu), incoming_body())
    response = make_user(emu).get('integrations.get', integrationId=doc['_id'])
    assert response.status_code == status and response.json() == body


def test_9_update_remove_refusals(emu9):
    """Section 13.4: update or remove of a type the user has neither permission for: 403 error-forbidden; of someone
    else's integration with only the own-permission: still 400 (those codes are not mapped); unknown ids unchanged."""
    admin = Client(emu9)
    incoming, outgoing = create(admin, incoming_body()), create(admin, outgoing_body())
    set_permissions(emu9, manage_own_outgoing_integrations=['admin', 'user'])
    bob = make_user(emu9)
    update = bob.put('integrations.update', incoming_body(integrationId=incoming['_id']))
    assert update.status_code == 403 and update.json() == refused('Unauthorized [not_authorized]')
    remove = bob.post('integrations.remove', {'type': 'webhook-incoming', 'integrationId': incoming['_id']})
    assert remove.status_code == 403 and remove.json() == refused('Unauthorized [not_authorized]')
    others = bob.put('integrations.update', outgoing_body(integrationId=outgoing['_id']))
    assert others.status_code == 400 and others.json()['errorType'] == 'invalid_integration'
    others = bob.post('integrations.remove', {'type': 'webhook-outgoing', 'integrationId': outgoing['_id']})
    assert others.status_code == 400 and others.json()['errorType'] == 'error-invalid-integration'
    unknown = admin.post('integrations.remove', {'type': 'webhook-incoming', 'integrationId': 'nope'})
    assert unknown.status_code == 400 and unknown.json() == {'success': False, 'error': 'No integration found.'}
    unknown = admin.get('integrations.get', integrationId='nope')
    assert unknown.status_code == 400 and unknown.json() == {'success': False, 'error': 'The integration does not exists.'}
    assert len(control(emu9, 'GET', 'state')['integrations']) == 2


def test_9_history_action_refusals_and_route_gate(emu9):
    """Section 13.4: clearHistory and replayOutgoing without an outgoing permission: 403 error-forbidden; the route
    gate's 403 (middleware, not the switch) keeps its 8.x body without errorType."""
    admin = Client(emu9)
    out = create(admin, outgoing_body())
    row = control(emu9, 'POST', 'history', {'integrationId': out['_id']})['history'][0]
    gate = make_user(emu9, 'carol').get('integrations.list')
    assert gate.status_code == 403 and gate.json() == forbidden(V9)
    set_permissions(emu9, manage_incoming_integrations=['admin', 'user'])
    bob = make_user(emu9)
    clear = bob.post('integrations.clearHistory', {'integrationId': out['_id']})
    assert clear.status_code == 403 and clear.json() == refused('Unauthorized [not_authorized]')
    replay = bob.post('integrations.replayOutgoing', {'integrationId': out['_id'], 'historyId': row['_id']})
    assert replay.status_code == 403 and replay.json() == refused('Unauthorized [not_authorized]')
    assert len(control(emu9, 'GET', 'state')['history']) == 1


def test_9_hook_refusal_keeps_its_400(emu9):
    """Section 13.4: the webhook handler answers its own failures, so error-not-allowed stays a 400 there."""
    admin = Client(emu9)
    doc = create(admin, incoming_body())
    admin.put('integrations.update', incoming_body(integrationId=doc['_id'], overrideDestinationChannelEnabled=True))
    control(emu9, 'POST', 'rooms', {'name': 'private', 'type': 'p'})
    response = requests.post(hook_url(emu9, doc), json={'text': 'hi', 'channel': '#private'}, timeout=TIMEOUT)
    assert response.status_code == 400 and response.json() == {'success': False, 'error': 'error-not-allowed'}


@pytest.mark.parametrize('version, status, body', [
    (V89, 400, {'success': False, 'error': 'error-not-allowed'}),
    (V9, 403, {'success': False, 'error': 'error-not-allowed', 'errorType': 'error-forbidden'}),
])
def test_chat_post_message_to_a_foreign_private_room(servers, version, status, body):
    """Section 13.4: chat endpoints are named among those whose error-not-allowed becomes 403 error-forbidden."""
    emu = _server(servers, version)
    control(emu, 'POST', 'rooms', {'name': 'private', 'type': 'p', 'members': []})
    response = make_user(emu).post('chat.postMessage', {'channel': '#private', 'text': 'hi'})
    assert response.status_code == status and response.json() == body


SKIP_REFUSED = 'must NOT have additional properties'


def test_9_skip_transpile_refused_by_default(emu9):
    """Section 13.3, variant 'refused' (the property deleted from rest-typings): create (both branches) and the
    outgoing update answer 400 invalid-params; the incoming update (additionalProperties:true) accepts and ignores it."""
    admin = Client(emu9)
    for body in (incoming_body(skipTranspile=True), outgoing_body(skipTranspile=True)):
        response = admin.post('integrations.create', body)
        assert response.status_code == 400 and response.json()['errorType'] == 'invalid-params'
        assert SKIP_REFUSED in response.json()['error']
    incoming, outgoing = create(admin, incoming_body()), create(admin, outgoing_body())
    assert 'skipTranspile' not in incoming and 'skipTranspile' not in outgoing
    response = admin.put('integrations.update', outgoing_body(integrationId=outgoing['_id'], skipTranspile=False))
    assert response.status_code == 400 and SKIP_REFUSED in response.json()['error']
    response = admin.put('integrations.update', incoming_body(integrationId=incoming['_id'], skipTranspile=True))
    assert response.status_code == 200 and 'skipTranspile' not in response.json()['integration']


def test_9_skip_transpile_ignored_variant(emu9):
    """Section 13.3, variant 'ignored' (kept as a deprecated no-op): accepted everywhere, never stored, and the
    script is stored as it is (no Babel on 9.0, section 13.2)."""
    control(emu9, 'POST', 'settings', {'skip_transpile_variant': 'ignored'})
    admin = Client(emu9)
    script = 'class Script { process_incoming_request() { return {}; } }'
    incoming = create(admin, incoming_body(skipTranspile=False, scriptEnabled=True, script=script))
    outgoing = create(admin, outgoing_body(skipTranspile=True))
    assert 'skipTranspile' not in incoming and 'skipTranspile' not in outgoing
    assert incoming['scriptCompiled'] == script
    for body in (incoming_body(integrationId=incoming['_id'], skipTranspile=True),
                 outgoing_body(integrationId=outgoing['_id'], skipTranspile=True)):
        response = admin.put('integrations.update', body)
        assert response.status_code == 200 and 'skipTranspile' not in response.json()['integration']
    control(emu9, 'POST', 'reset')
    assert control(emu9, 'GET', 'settings')['skip_transpile_variant'] == 'refused'  # back to the start-up value


def test_9_seeded_skip_transpile_survives_updates(emu9):
    """Section 13.3: a 9.x update no longer writes skipTranspile, so an old document's key stays (no migration seen)."""
    admin = Client(emu9)
    doc = control(emu9, 'POST', 'integrations', {'integrations': [{'name': 'old', 'skipTranspile': True}]})['integrations'][0]
    response = admin.put('integrations.update', incoming_body(integrationId=doc['_id'], name='old'))
    assert response.status_code == 200 and response.json()['integration']['skipTranspile'] is True


@pytest.mark.parametrize('version, breaking, minimal', [(V9, False, False), (V9, True, True), (V89, True, False)])
def test_apply_breaking_changes_401_bodies(servers, version, breaking, minimal):
    """Section 13.5: with applyBreakingChanges (9.x only: semver.gte(version, '9.0.0')) a failed login answers only
    {success:false, error:'unauthorized'} and an unauthenticated call {success:false, error:<logged out>}."""
    emu = _server(servers, version)
    control(emu, 'POST', 'settings', {'apply_breaking_changes': breaking})
    login = requests.post(emu.url + '/api/v1/login', json={'user': 'admin', 'password': 'nope'}, timeout=TIMEOUT)
    anonymous = requests.get(emu.url + '/api/v1/integrations.list', timeout=TIMEOUT)
    assert login.status_code == 401 and anonymous.status_code == 401
    message = 'You must be logged in to do this.'
    if minimal:
        assert login.json() == {'success': False, 'error': 'unauthorized'}
        assert anonymous.json() == {'success': False, 'error': message}
    else:
        assert login.json() == {'success': False, 'status': 'error', 'error': 'Unauthorized', 'message': 'Unauthorized'}
        assert anonymous.json() == {'success': False, 'error': message, 'status': 'error', 'message': message}
    assert Client(emu).get('me').status_code == 200


def test_9_totp_hidden_with_breaking_changes(emu9):
    """Section 13.5: the minimal login body carries no details, so totp-required is not visible."""
    make_user(emu9, 'tina', totp_required=True, totp_code='123456')
    control(emu9, 'POST', 'settings', {'apply_breaking_changes': True})
    response = requests.post(emu9.url + '/api/v1/login', json={'user': 'tina', 'password': 'bob-pass'}, timeout=TIMEOUT)
    assert response.status_code == 401 and response.json() == {'success': False, 'error': 'unauthorized'}


@pytest.mark.parametrize('version, status', [(V89, 200), (V9, 400)])
def test_query_parameter_removed_in_9(servers, version, status):
    """Section 13.6: `query` is gone from integrations.list and integrations.history on 9.x (400 from their
    additionalProperties:false schemas); integrations.get has no such keyword and ignores it."""
    emu = _server(servers, version)
    admin = Client(emu)
    out = create(admin, outgoing_body())
    for response in (admin.get('integrations.list', query='{}'), admin.get('integrations.history', id=out['_id'], query='{}')):
        assert response.status_code == status
        if status == 400:
            assert response.json() == params_error(version, ['must NOT have additional properties'], 'query')
    assert admin.get('integrations.get', integrationId=out['_id'], query='{}').status_code == 200


def test_9_switches_settings_and_cli(emu9):
    """The two 9.x switches: settings of the control API (validated) and start options."""
    assert control(emu9, 'GET', 'settings')['apply_breaking_changes'] is False
    bad = requests.post(emu9.url + '/_emulator/settings', json={'skip_transpile_variant': 'maybe'}, timeout=TIMEOUT)
    assert bad.status_code == 400 and 'refused, ignored' in bad.json()['error']
    bad = requests.post(emu9.url + '/_emulator/settings', json={'apply_breaking_changes': 'yes'}, timeout=TIMEOUT)
    assert bad.status_code == 400
    args = parse_args(['--server-version', '9.0.1', '--apply-breaking-changes', '--skip-transpile-variant', 'ignored'])
    assert args.apply_breaking_changes is True and args.skip_transpile_variant == 'ignored'
    with EmulatorServer(server_version='9.0.1', apply_breaking_changes=True, skip_transpile_variant='ignored') as server:
        settings = requests.get(server.url + '/_emulator/settings', timeout=TIMEOUT).json()
        assert settings['apply_breaking_changes'] is True and settings['skip_transpile_variant'] == 'ignored'


# ---------------------------------------------------------------------------- python API and CLI

@pytest.mark.parametrize('version', ['6.0', '6.3.7', '6.13.1', '7.10.0', '7.13.9', '8.5.0', '8.8.1', '8.9.0', '8.12', '9.0.1', '9.1'])
def test_server_accepts_any_6_to_9_version(version):
    """Profiles go by major.minor (README.md, "Version profiles"); /api/info reports the version given."""
    with EmulatorServer(server_version=version) as server:
        body = requests.get(server.url + '/api/info', timeout=TIMEOUT).json()
        assert body['version'] == '.'.join(version.split('.')[:2])


def test_server_rejects_bad_arguments():
    with pytest.raises(ValueError):
        EmulatorServer(host='8.8.8.8')
    with pytest.raises(ValueError):
        EmulatorServer(server_version='5.4.0')
    with pytest.raises(ValueError):
        EmulatorServer(server_version='10.0.0')
    with pytest.raises(ValueError):
        EmulatorServer(server_version='9.0.1', skip_transpile_variant='maybe')


def test_store_python_api(emu8):
    store = emu8.store
    created = store.add_user('erin', password='pw', roles=['user'])
    store.set_permissions({'manage-incoming-integrations': ['user']})
    store.seed_integrations([{'name': 'py'}])
    erin = Client(emu8, created['userId'], created['authToken'])
    assert [i['name'] for i in erin.get('integrations.list').json()['integrations']] == ['py']
    assert store.state()['integrations'][0]['name'] == 'py'


def test_cli(tmp_path):
    port_file = tmp_path / 'port'
    process = subprocess.Popen([sys.executable, os.path.join(HERE, 'run_emulator.py'), '--server-version', '7.2.0', '--quiet',
                                '--port-file', str(port_file), '--lifetime', '20'],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    try:
        banner = json.loads(process.stdout.readline())
        assert banner['server_version'] == '7.2.0' and banner['admin_user_id'] == 'aobEdbYhXfu5hkeqG'
        assert banner['admin_token'] == 'emulator-admin-pat-0000000000000000000000'
        for dummy in range(50):  # the port file is written right after the banner line
            if port_file.exists():
                break
            time.sleep(0.05)
        assert int(port_file.read_text()) == banner['port']
        assert requests.get(banner['url'] + '/api/info', timeout=TIMEOUT).json()['version'] == '7.2'
    finally:
        process.terminate()
        assert process.wait(10) == 0
    assert not port_file.exists()


def test_cli_refuses_non_loopback_host():
    result = subprocess.run([sys.executable, os.path.join(HERE, 'run_emulator.py'), '--host', '0.0.0.0'],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=30, check=False)
    assert result.returncode == 2 and 'loopback' in result.stderr
