# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Tests of the emulator's users.create, users.delete, channels.create and channels.delete (README.md, section 14)."""

import pytest
import requests

# servers and emu8 are fixtures, which pytest finds by name in this module.
from test_emulator import (  # noqa: F401  pylint: disable=unused-import
    TIMEOUT,
    V6,
    V7,
    V8,
    V63,
    V85,
    Client,
    control,
    create,
    emu8,
    forbidden,
    incoming_body,
    make_user,
    params_error,
    servers,
    set_permissions,
    version_tuple,
    _server,
)

PROFILES = [V63, V6, V7, V8, V85]


@pytest.fixture(params=PROFILES)
def profile(request, servers):  # noqa: F811  (the fixture imported above)
    return _server(servers, request.param)


def new_user(**extra):
    body = {'email': 'carol@example.com', 'name': 'Carol', 'password': 'carol-pass-1', 'username': 'carol',
            'roles': ['user'], 'verified': True, 'joinDefaultChannels': False, 'requirePasswordChange': False,
            'sendWelcomeEmail': False}
    body.update(extra)
    return body


def login(emu, username, password):
    return requests.post(emu.url + '/api/v1/login', json={'user': username, 'password': password}, timeout=TIMEOUT)


def state(emu):
    return control(emu, 'GET', 'state')


# ---------------------------------------------------------------------------- users.create

def test_users_create_returns_the_new_user_who_can_log_in(profile):
    answer = Client(profile).post('users.create', new_user())
    assert answer.status_code == 200, answer.text
    user = answer.json()['user']
    assert answer.json()['success'] is True
    assert user['username'] == 'carol' and user['name'] == 'Carol' and user['type'] == 'user'
    assert user['roles'] == ['user'] and user['active'] is True and user['status'] == 'offline'
    assert user['emails'] == [{'address': 'carol@example.com', 'verified': True}]
    assert user['requirePasswordChange'] is False
    assert 'services' not in user and 'carol-pass-1' not in answer.text
    logged_in = login(profile, 'carol', 'carol-pass-1')
    assert logged_in.status_code == 200
    assert logged_in.json()['data']['userId'] == user['_id']
    # Restivus (6.x) sent the body as built; 7.0's API.v1.success() adds success:true.
    assert logged_in.json().get('success') is (None if profile.server_version.startswith('6') else True)


def test_users_create_joins_the_default_channel_unless_told_not_to(emu8):
    client = Client(emu8)
    joined = client.post('users.create', new_user(joinDefaultChannels=True)).json()['user']
    alone = client.post('users.create', new_user(username='dave', email='dave@example.com')).json()['user']
    users = {user['_id']: user for user in state(emu8)['users']}
    general = next(room['_id'] for room in state(emu8)['rooms'] if room['name'] == 'general')
    assert general in users[joined['_id']]['rooms']
    assert users[alone['_id']]['rooms'] == []


@pytest.mark.parametrize('body, message', [
    ({'name': 'Carol', 'password': 'p', 'username': 'carol'}, "must have required property 'email'"),
    (new_user(nickname=5, extra=True), 'must NOT have additional properties'),
    (new_user(roles='user'), 'must be array'),
])
def test_users_create_schema(profile, body, message):
    answer = Client(profile).post('users.create', body)
    assert answer.status_code == 400
    assert answer.json() == params_error(profile.server_version, [message])


def test_users_create_schema_coerces_in_every_release(profile):
    answer = Client(profile).post('users.create', new_user(verified='true', active='true'))
    assert answer.status_code == 200, answer.text
    assert answer.json()['user']['emails'][0]['verified'] is True


def test_users_create_needs_create_user_and_answers_400(profile):
    bob = make_user(profile)
    answer = bob.post('users.create', new_user())
    assert answer.status_code == 400
    assert answer.json() == {'success': False, 'error': 'Adding user is not allowed [error-action-not-allowed]',
                             'errorType': 'error-action-not-allowed',
                             'details': {'method': 'insertOrUpdateUser', 'action': 'Adding_user'}}


@pytest.mark.parametrize('extra, error, error_type, details', [
    ({'roles': ['ghost']}, 'The field Roles consist invalid role id', 'error-action-not-allowed', {'action': 'Assign_role'}),
    ({'name': '  '}, 'The field Name is required', 'error-the-field-is-required', {'field': 'Name'}),
    ({'username': ''}, 'The field Username is required', 'error-the-field-is-required', {'field': 'Username'}),
    ({'username': 'car ol'}, 'car ol is not a valid username', 'error-input-is-not-a-valid-field',
     {'input': 'car ol', 'field': 'Username'}),
    ({'password': ''}, 'The field Password is required', 'error-the-field-is-required', {'field': 'Password'}),
    ({'username': 'ADMIN'}, 'ADMIN is already in use :(', 'error-field-unavailable', {'field': 'ADMIN'}),
    ({'email': 'admin@example.com'}, 'admin@example.com is already in use :(', 'error-field-unavailable',
     {'field': 'admin@example.com'}),
    ({'email': 'not-an-address'}, 'Invalid email not-an-address', 'error-invalid-email', {'email': 'not-an-address'}),
])
def test_users_create_validates_the_user_in_the_servers_order(emu8, extra, error, error_type, details):
    answer = Client(emu8).post('users.create', new_user(**extra))
    assert answer.status_code == 400
    assert answer.json() == {'success': False, 'error': '%s [%s]' % (error, error_type), 'errorType': error_type,
                             'details': dict({'method': 'insertOrUpdateUser'}, **details)}
    assert [user['username'] for user in state(emu8)['users']] == ['admin', 'rocket.cat']


def test_users_create_admin_role_needs_assign_admin_role(emu8):
    set_permissions(emu8, create_user=['admin', 'user'])
    answer = make_user(emu8).post('users.create', new_user(roles=['admin']))
    assert answer.status_code == 400
    assert answer.json()['error'] == 'Assigning admin is not allowed [error-action-not-allowed]'


def test_users_create_name_characters_from_7(profile):
    answer = Client(profile).post('users.create', new_user(name='Carol <b>'))
    if profile.server_version.startswith('6'):
        assert answer.status_code == 200
    else:
        assert answer.status_code == 400
        assert answer.json() == {'success': False, 'error': 'Name contains invalid characters'}


def test_users_create_hides_private_fields_from_callers_without_full_user_info(emu8):
    set_permissions(emu8, create_user=['admin', 'user'])
    user = make_user(emu8).post('users.create', new_user()).json()['user']
    assert user['username'] == 'carol'
    assert 'emails' not in user and 'roles' not in user and 'createdAt' not in user


def test_an_inactive_user_cannot_log_in(emu8):
    Client(emu8).post('users.create', new_user(active=False))
    answer = login(emu8, 'carol', 'carol-pass-1')
    assert answer.status_code == 401
    assert answer.json()['error'] == 'error-user-is-not-activated'


# ---------------------------------------------------------------------------- users.delete

def test_users_delete_removes_the_user_its_logins_and_disables_what_posts_as_it(profile):
    admin = Client(profile)
    carol = admin.post('users.create', new_user(joinDefaultChannels=True)).json()['user']
    token = login(profile, 'carol', 'carol-pass-1').json()['data']['authToken']
    hook = create(admin, incoming_body(username='carol', overrideDestinationChannelEnabled=False))
    other = create(admin, incoming_body(name='other-hook', overrideDestinationChannelEnabled=False))
    answer = admin.post('users.delete', {'userId': carol['_id']})
    assert answer.status_code == 200, answer.text
    expected = {'deletedRooms': [], 'success': True} if profile.server_version.startswith('8') else {'success': True}
    assert answer.json() == expected
    assert Client(profile, carol['_id'], token).get('me').status_code == 401
    assert 'carol' not in [user['username'] for user in state(profile)['users']]
    enabled = {doc['_id']: doc['enabled'] for doc in state(profile)['integrations']}
    assert enabled == {hook['_id']: False, other['_id']: True}


def test_users_delete_by_username_ignores_case(emu8):
    Client(emu8).post('users.create', new_user())
    assert Client(emu8).post('users.delete', {'username': 'CAROL'}).status_code == 200


def test_users_delete_unknown_and_missing_user(profile):
    client = Client(profile)
    unknown = client.post('users.delete', {'userId': 'nobody'})
    assert unknown.status_code == 400
    assert unknown.json()['errorType'] == 'error-invalid-user'
    assert unknown.json()['error'] == ('The required "userId" or "username" param provided does not match any users '
                                       '[error-invalid-user]')
    missing = client.post('users.delete', {})
    assert missing.status_code == 400
    if version_tuple(profile.server_version) >= (8, 4):  # a typed route: its schema wants one of the three
        assert missing.json() == params_error(profile.server_version, [
            "must have required property 'userId'", "must have required property 'username'",
            "must have required property 'user'", 'must match a schema in anyOf'])
    else:
        assert missing.json()['errorType'] == 'error-user-param-not-provided'


def test_users_delete_needs_delete_user(profile):
    profile_client = Client(profile)
    carol = profile_client.post('users.create', new_user()).json()['user']
    answer = make_user(profile).post('users.delete', {'userId': carol['_id']})
    assert answer.status_code == 403
    assert answer.json() == forbidden(profile.server_version)


def test_users_delete_keeps_rocket_cat(emu8):
    answer = Client(emu8).post('users.delete', {'userId': 'rocket.cat'})
    assert answer.status_code == 400
    assert answer.json()['error'] == 'Deleting the rocket.cat user is not allowed [error-action-not-allowed]'


def test_users_delete_of_the_last_admin_only_6x(servers):
    for version, status in ((V6, 400), (V7, 200)):
        emu = _server(servers, version)
        answer = Client(emu).post('users.delete', {'userId': emu.admin_user_id})
        assert answer.status_code == status, version
    assert 'Leaving the app without admins' in Client(_server(servers, V6)).post(
        'users.delete', {'userId': _server(servers, V6).admin_user_id}).json()['error']


# ---------------------------------------------------------------------------- channels.create and channels.delete

def test_channels_create_and_delete(profile):
    client = Client(profile)
    make_user(profile, username='erin')
    answer = client.post('channels.create', {'name': 'ops-room', 'members': ['erin', 'nobody'], 'readOnly': True})
    assert answer.status_code == 200, answer.text
    channel = answer.json()['channel']
    assert answer.json()['success'] is True
    assert channel['name'] == 'ops-room' and channel['t'] == 'c' and channel['ro'] is True
    assert channel['u']['username'] == 'admin'
    # The room can now be an incoming integration's channel.
    assert client.post('integrations.create', incoming_body(channel='#ops-room', overrideDestinationChannelEnabled=False)).status_code == 200
    deleted = client.post('channels.delete', {'roomId': channel['_id']})
    assert deleted.status_code == 200 and deleted.json() == {'success': True}
    assert 'ops-room' not in [room.get('name') for room in state(profile)['rooms']]


@pytest.mark.parametrize('body, error', [
    ({}, 'Param "name" is required'),
    ({'name': 'x', 'members': 'erin'}, 'Param "members" must be an array if provided'),
])
def test_channels_create_checks_its_parameters_itself(emu8, body, error):
    answer = Client(emu8).post('channels.create', body)
    assert answer.status_code == 400
    assert answer.json() == {'success': False, 'error': error}


def test_channels_create_refuses_bad_and_taken_names(emu8):
    client = Client(emu8)
    bad = client.post('channels.create', {'name': 'ops room'})
    assert bad.status_code == 400
    assert bad.json() == {'success': False, 'error': 'ops room is not a valid room name. [error-invalid-room-name]',
                          'errorType': 'error-invalid-room-name',
                          'details': {'function': 'RocketChat.getValidRoomName', 'channel_name': 'ops room'}}
    taken = client.post('channels.create', {'name': 'general'})
    assert taken.status_code == 400
    assert taken.json()['error'] == "A channel with name 'general' exists [error-duplicate-channel-name]"


def test_channels_create_needs_create_c(profile):
    set_permissions(profile, create_c=['admin'])
    answer = make_user(profile).post('channels.create', {'name': 'mine'})
    assert answer.status_code == 403
    assert answer.json() == {'success': False, 'error': 'unauthorized'}


def test_channels_delete_schema_keeps_the_addroute_format(servers):
    for version in (V7, V85):
        answer = Client(_server(servers, version)).post('channels.delete', {})
        assert answer.status_code == 400
        assert answer.json() == {'success': False, 'errorType': 'invalid-params', 'error': (
            "must have required property 'roomId'\n must have required property 'roomName'\n "
            "must match exactly one schema in oneOf [invalid-params]")}


def test_channels_delete_unknown_room_and_permissions(emu8):
    client = Client(emu8)
    unknown = client.post('channels.delete', {'roomName': 'nowhere'})
    assert unknown.status_code == 400
    assert unknown.json()['errorType'] == 'error-room-not-found'
    bob = make_user(emu8)
    assert bob.post('channels.delete', {'roomName': 'random'}).json() == {
        'success': False, 'error': 'Not allowed [error-not-allowed]', 'errorType': 'error-not-allowed',
        'details': {'method': 'eraseRoom'}}
    # The owner (the creator) may delete the room without delete-c.
    assert bob.post('channels.create', {'name': 'bobs-room'}).status_code == 200
    assert bob.post('channels.delete', {'roomName': 'bobs-room'}).status_code == 200
