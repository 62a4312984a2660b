# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""users.create, users.delete, channels.create and channels.delete: what a test run against a real server uses to make
a user without integration permissions and a room of its own, and to remove them again (README.md, section 14).

Only these four endpoints of Rocket.Chat's user and room API are emulated, with the checks, messages and effects of
the server's code (api/server/v1/users.ts and channels.ts, saveUser's validateUserData, deleteUser,
helpers/getUserFromParams.ts, createChannelValidator, getValidRoomName.ts and eraseRoom.ts).
"""

import re
from urllib.parse import unquote

from .errors import ApiError, failure, meteor_error
from .store import ROCKET_CAT_ID, ROLE_IDS

# The defaults of the UTF8_User_Names_Validation and UTF8_Channel_Names_Validation settings, anchored.
USERNAME_PATTERN = re.compile(r'^[0-9a-zA-Z-_.]+$')
ROOM_NAME_PATTERN = re.compile(r'^[0-9a-zA-Z-_.]+$')
# validateName: names that mentions use, refused for rooms.
RESERVED_NAMES = ('all', 'here')
# validateEmail (the server's e-mail check before it stores a new user).
EMAIL_PATTERN = re.compile(r'^[^\s@<>()\[\]\\,;:"]+@[^\s@<>()\[\]\\,;:"]+\.[^\s@<>()\[\]\\,;:"]+$')
# What a caller without view-full-other-user-info does not see of another user (parseJsonQuery).
PRIVATE_USER_FIELDS = ('emails', 'roles', 'createdAt', 'lastLogin', 'settings', '_updatedAt', 'requirePasswordChange',
                       'statusConnection', 'phone', 'avatarOrigin', 'statusDefault')
SAVE_USER = {'method': 'insertOrUpdateUser'}


def escape_html(text):
    """escapeHTML of @rocket.chat/string-helpers, which the server applies to names in its messages."""
    return (text.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;').replace('"', '&quot;')
            .replace("'", '&#39;'))


def _blank(value):
    return not isinstance(value, str) or not value.strip()


class DirectoryApi:
    """The four endpoints; each handler takes (call, body) and returns (status, body) or raises ApiError."""

    def __init__(self, store, profile):
        self.store = store
        self.profile = profile

    # ------------------------------------------------------------------ users

    def users_create(self, call, body):
        """users.create: validateNameChars (7.0+), validateUserData, validateEmail, then the new user."""
        if self.profile.major >= 7 and self._invalid_name_chars(body['name']):
            raise failure('Name contains invalid characters')
        self._check_user_data(call, body)
        if not EMAIL_PATTERN.match(body['email']):
            raise meteor_error('error-invalid-email', 'Invalid email %s' % escape_html(body['email']),
                               dict(SAVE_USER, email=body['email']))
        user = self.store.create_user(
            body['username'], body['name'], body['email'], body['password'],
            roles=list(body['roles']) if body.get('roles') else ['user'],
            active=body.get('active') is not False,
            verified=body.get('verified') is True,
            require_password_change=body.get('requirePasswordChange'),
            join_default_channels=body.get('joinDefaultChannels') is not False,
            extra={key: body[key] for key in ('bio', 'nickname', 'customFields') if body.get(key) is not None},
        )
        return 200, {'user': self._user_view(call, user), 'success': True}

    @staticmethod
    def _invalid_name_chars(name):
        decoded = name
        try:
            decoded = unquote(name, errors='strict')
        except UnicodeDecodeError:
            pass
        return any(char in text for text in (name, decoded) for char in '<>/\\')

    def _check_user_data(self, call, body):
        """validateUserData for a new user, in the server's order."""
        if not self.store.has_permission(call.user_id, 'create-user'):
            raise meteor_error('error-action-not-allowed', 'Adding user is not allowed', dict(SAVE_USER, action='Adding_user'))
        roles = body.get('roles')
        if roles and any(role not in ROLE_IDS for role in roles):
            raise meteor_error('error-action-not-allowed', 'The field Roles consist invalid role id',
                               dict(SAVE_USER, action='Assign_role'))
        if roles and 'admin' in roles and not self.store.has_permission(call.user_id, 'assign-admin-role'):
            raise meteor_error('error-action-not-allowed', 'Assigning admin is not allowed', dict(SAVE_USER, action='Assign_admin'))
        # Accounts_RequireNameForSignUp is on by default.
        if _blank(body['name']):
            raise meteor_error('error-the-field-is-required', 'The field Name is required', dict(SAVE_USER, field='Name'))
        username = body['username']
        if _blank(username):
            raise meteor_error('error-the-field-is-required', 'The field Username is required', dict(SAVE_USER, field='Username'))
        if not USERNAME_PATTERN.match(username):
            raise meteor_error('error-input-is-not-a-valid-field', '%s is not a valid username' % escape_html(username),
                               dict(SAVE_USER, input=username, field='Username'))
        if not body['password'] and body.get('setRandomPassword') is not True:
            raise meteor_error('error-the-field-is-required', 'The field Password is required', dict(SAVE_USER, field='Password'))
        if self.store.find_user_ignoring_case(username) is not None:  # checkUsernameAvailability
            raise meteor_error('error-field-unavailable', '%s is already in use :(' % escape_html(username),
                               dict(SAVE_USER, field=username))
        if body['email'] and self.store.find_user(email=body['email']) is not None:
            raise meteor_error('error-field-unavailable', '%s is already in use :(' % escape_html(body['email']),
                               dict(SAVE_USER, field=body['email']))

    def _user_view(self, call, user):
        """The user as users.* routes return it: never services or inviteToken, private fields only to admins."""
        hidden = ('services', 'inviteToken')
        if not self.store.has_permission(call.user_id, 'view-full-other-user-info'):
            hidden += PRIVATE_USER_FIELDS
        return {key: value for key, value in user.items() if key not in hidden}

    def users_delete(self, call, body):
        """users.delete (the route gate checks delete-user): getUserFromParams, then deleteUser."""
        user = self._user_from_params(body if isinstance(body, dict) else {})
        if user['_id'] == ROCKET_CAT_ID:
            raise meteor_error('error-action-not-allowed', 'Deleting the rocket.cat user is not allowed',
                               {'method': 'deleteUser', 'action': 'Delete_user'})
        # 6.x deleted through the deleteUser method, which keeps the last admin; 7.x calls deleteUser() directly.
        if self.profile.major < 7 and self.store.active_admins() == [user['_id']]:
            raise meteor_error('error-action-not-allowed', 'Leaving the app without admins is not allowed',
                               {'method': 'deleteUser', 'action': 'Remove_last_admin'})
        self.store.delete_user(user['_id'])
        if self.profile.major >= 8:
            return 200, {'deletedRooms': [], 'success': True}
        return 200, {'success': True}

    def _user_from_params(self, body):
        """getUserFromParams: userId, else username, else user (the last two ignoring case)."""
        if not _blank(body.get('userId')):
            user = self.store.get_user(body['userId'].strip())
        elif not _blank(body.get('username')):
            user = self.store.find_user_ignoring_case(body['username'].strip())
        elif not _blank(body.get('user')):
            user = self.store.find_user_ignoring_case(body['user'].strip())
        else:
            raise meteor_error('error-user-param-not-provided', 'The required "userId" or "username" param was not provided')
        if user is None:
            raise meteor_error('error-invalid-user', 'The required "userId" or "username" param provided does not match any users')
        return user

    # ------------------------------------------------------------------ rooms

    def channels_create(self, call, body):
        """channels.create: createChannelValidator, getValidRoomName, then the room with its creator as owner."""
        body = body if isinstance(body, dict) else {}
        # API.v1.unauthorized() on 6.x and API.v1.forbidden() later: 403 with the same body.
        if not self.store.has_permission(call.user_id, 'create-c'):
            raise ApiError(403, {'success': False, 'error': 'unauthorized'})
        name = body.get('name')
        if not name:
            raise failure('Param "name" is required')
        members = body.get('members')
        if members is not None and not isinstance(members, list):
            raise failure('Param "members" must be an array if provided')
        name = str(name)
        details = {'function': 'RocketChat.getValidRoomName', 'channel_name': escape_html(name)}
        if not ROOM_NAME_PATTERN.match(name) or name.lower() in RESERVED_NAMES:
            raise meteor_error('error-invalid-room-name', '%s is not a valid room name.' % escape_html(name), details)
        if self.store.find_room(name) is not None:
            raise meteor_error('error-duplicate-channel-name', "A channel with name '%s' exists" % escape_html(name), details)
        # Members that are not users are left out, as createRoom leaves them out.
        known = [member for member in members or [] if isinstance(member, str) and self.store.find_user(username=member)]
        room = self.store.add_room(name, 'c', members=known, creator_id=call.user_id, read_only=body.get('readOnly') is True)
        return 200, {'channel': room, 'success': True}

    def channels_delete(self, call, body):
        """channels.delete: the public channel named by roomId or roomName; eraseRoom checks delete-c (or ownership)."""
        key, field = ('roomId', '_id') if 'roomId' in body else ('roomName', 'name')
        room = self.store.find_room(body[key])
        if room is None or room.get(field) != body[key] or room.get('t') != 'c':
            raise meteor_error('error-room-not-found',
                               'The required "roomId" or "roomName" param provided does not match any channel')
        owner = (room.get('u') or {}).get('_id') == call.user_id
        if not owner and not self.store.has_permission(call.user_id, 'delete-c'):
            raise meteor_error('error-not-allowed', 'Not allowed', {'method': 'eraseRoom'})
        self.store.delete_room(room['_id'])
        return 200, {'success': True}
