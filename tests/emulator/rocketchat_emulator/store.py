# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""In-memory data of the emulator: users, tokens, rooms, permissions, integrations, history, messages.

Every public method takes the single store lock, so the threaded HTTP server can call it from any
thread. Documents are never mutated in place once stored (updates store a new dict), and getters hand
out copies, so callers cannot corrupt the store by accident.
"""

import hashlib
import itertools
import os
import threading
import time
from datetime import datetime, timedelta, timezone

ADMIN_USER_ID = 'aobEdbYhXfu5hkeqG'
ROCKET_CAT_ID = 'rocket.cat'  # the real server gives rocket.cat this literal _id
DEFAULT_ADMIN_USERNAME = 'admin'
DEFAULT_ADMIN_PASSWORD = 'emulator-admin-pass'
DEFAULT_ADMIN_TOKEN = 'emulator-admin-pat-0000000000000000000000'
DEFAULT_TOTP_CODE = '123456'

INTEGRATION_PERMISSIONS = (
    'manage-incoming-integrations',
    'manage-own-incoming-integrations',
    'manage-outgoing-integrations',
    'manage-own-outgoing-integrations',
)

# The roles a new server has (Rocket.Chat's default roles, Community Edition): users.create refuses any other.
ROLE_IDS = ('admin', 'moderator', 'leader', 'owner', 'user', 'bot', 'app', 'guest', 'anonymous', 'livechat-agent',
            'livechat-manager', 'livechat-monitor')

DEFAULT_SETTINGS = {
    'rate_limiter_enabled': True,
    'rate_limit_calls': 10,
    'rate_limit_window_ms': 60000,
    'default_count': 50,
    'upper_count_limit': 100,
    'allow_infinite_count': True,
    # 9.x profiles only (README.md, "Version profiles"): section 13.5's applyBreakingChanges, section 13.3's variants.
    'apply_breaking_changes': False,
    'skip_transpile_variant': 'refused',
}
SETTING_CHOICES = {'skip_transpile_variant': ('refused', 'ignored')}

# Meteor's Random.id() alphabet, and the base64url alphabet of Random.secret().
_METEOR_CHARS = '23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz'
_SECRET_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'


def _byte_table(alphabet):
    return bytes(ord(alphabet[i % len(alphabet)]) for i in range(256))


_METEOR_TABLE = _byte_table(_METEOR_CHARS)
_SECRET_TABLE = _byte_table(_SECRET_CHARS)


def random_string(length, secret=False):
    """Random string over Meteor's id alphabet (or base64url); byte translation keeps bulk seeding fast."""
    return os.urandom(length).translate(_SECRET_TABLE if secret else _METEOR_TABLE).decode('ascii')


_OBJECT_ID_COUNTER = itertools.count(int.from_bytes(os.urandom(3), 'big'))
_OBJECT_ID_PROCESS = os.urandom(5).hex()


def object_id():
    """24-hex id shaped like a MongoDB ObjectId (time, process random, counter)."""
    return '%08x%s%06x' % (int(time.time()), _OBJECT_ID_PROCESS, next(_OBJECT_ID_COUNTER) & 0xFFFFFF)


def now_iso():
    """A JS Date serialised by JSON.stringify: ISO 8601 with milliseconds and Z."""
    now = datetime.now(timezone.utc)
    return now.strftime('%Y-%m-%dT%H:%M:%S.') + '%03dZ' % (now.microsecond // 1000)


def copy_doc(value):
    """Deep copy for JSON-like data; much faster than copy.deepcopy on large lists."""
    if isinstance(value, dict):
        return {key: copy_doc(item) for key, item in value.items()}
    if isinstance(value, list):
        return [copy_doc(item) for item in value]
    return value


def dotted_get(doc, path):
    """Value at a Mongo-style dotted path, or None."""
    value = doc
    for part in path.split('.'):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


class StoreError(Exception):
    """Invalid request to the store (reported as HTTP 400 by the control API)."""


class Store:
    """Thread-safe state of one emulated server."""

    def __init__(self, server_version='8.8.1', object_ids=True, admin_username=DEFAULT_ADMIN_USERNAME,
                 admin_password=DEFAULT_ADMIN_PASSWORD, admin_token=DEFAULT_ADMIN_TOKEN, settings=None):
        self._lock = threading.RLock()
        self.server_version = server_version
        self.admin_user_id = ADMIN_USER_ID
        self.admin_username = admin_username
        self.admin_password = admin_password
        self.admin_token = admin_token
        self._object_ids = object_ids
        self._initial_settings = dict(DEFAULT_SETTINGS)
        self._initial_settings.update(settings or {})
        # Every secret the server ever issued or was given, kept across resets: tests grep outputs for them.
        self._secrets = set()
        self.reset()

    def _remember_secret(self, *values):
        self._secrets.update(value for value in values if isinstance(value, str) and value)

    # ------------------------------------------------------------------ seeding

    def reset(self):
        """Back to the seed: admin, rocket.cat, #general, #random, default permissions."""
        with self._lock:
            self.settings = dict(self._initial_settings)
            self._users = {}
            self._by_username = {}
            self._tokens = {}
            self._rooms = {}
            self._subscriptions = set()
            self._integrations = {}
            self._history = {}
            self._messages = []
            self._logouts = []
            self._rate_counters = {}
            self._faults = []
            self._requests = []
            self._permissions = {name: ['admin'] for name in INTEGRATION_PERMISSIONS}
            self._permissions['api-bypass-rate-limit'] = ['admin', 'bot', 'app']
            self._permissions['view-statistics'] = ['admin']
            # Default roles of message-impersonate in the permissions list: not admin (section 12.2).
            self._permissions['message-impersonate'] = ['bot', 'app']
            # The users and rooms the tests' real-server mode creates and deletes (default roles of a new server).
            self._permissions['create-user'] = ['admin']
            self._permissions['delete-user'] = ['admin']
            self._permissions['assign-admin-role'] = ['admin']
            self._permissions['view-full-other-user-info'] = ['admin']
            self._permissions['create-c'] = ['admin', 'user', 'bot', 'app']
            self._permissions['delete-c'] = ['admin', 'owner']
            self._insert_user(ADMIN_USER_ID, self.admin_username, password=self.admin_password, roles=['admin', 'user'],
                              name='Administrator', email='%s@example.com' % self.admin_username)
            self._insert_user(ROCKET_CAT_ID, 'rocket.cat', roles=['bot'], name='Rocket.Cat', user_type='bot')
            self._tokens[self.admin_token] = {'user_id': ADMIN_USER_ID, 'type': 'personal', 'created_at': now_iso()}
            self._remember_secret(self.admin_token, self.admin_password)
            self._insert_room('GENERAL', 'general', 'c', default=True)
            self._insert_room(random_string(17), 'random', 'c')

    def _insert_user(self, user_id, username, password=None, roles=None, name=None, email=None, user_type='user',
                     totp_required=False, totp_code=None, verified=True, status='online', active=True):
        doc = {
            '_id': user_id,
            'username': username,
            'name': name or username,
            'emails': [{'address': email, 'verified': verified}] if email else [],
            'status': status,
            'statusConnection': status,
            'active': active,
            'type': user_type,
            'roles': list(roles or ['user']),
            'utcOffset': 0,
            'settings': {'preferences': {}},
            'createdAt': now_iso(),
            '_updatedAt': now_iso(),
        }
        if not doc['emails']:
            del doc['emails']
        self._users[user_id] = {
            'doc': doc,
            'password': password,
            'totp_required': bool(totp_required),
            'totp_code': totp_code or DEFAULT_TOTP_CODE,
        }
        self._by_username[username] = user_id
        return doc

    def _insert_room(self, room_id, name, room_type, default=False, creator_id=ADMIN_USER_ID):
        creator = self._users[creator_id]['doc']
        doc = {
            '_id': room_id,
            'name': name,
            'fname': name,
            't': room_type,
            'msgs': 0,
            'usersCount': 0,
            'default': default,
            'ro': False,
            'sysMes': True,
            'u': {'_id': creator['_id'], 'username': creator['username']},
            'ts': now_iso(),
            '_updatedAt': now_iso(),
        }
        self._rooms[room_id] = doc
        # The seed admin belongs to every room (also rooms created through the control API).
        self._subscribe(room_id, ADMIN_USER_ID)
        return doc

    def _subscribe(self, room_id, user_id):
        if (room_id, user_id) not in self._subscriptions:
            self._subscriptions.add((room_id, user_id))
            room = dict(self._rooms[room_id])
            room['usersCount'] = room.get('usersCount', 0) + 1
            self._rooms[room_id] = room

    def new_id(self):
        """Id for integrations and history rows: ObjectId-like on 8.x, 17-char Meteor id before."""
        return object_id() if self._object_ids else random_string(17)

    # ------------------------------------------------------------------ users and tokens

    def add_user(self, username, password=None, roles=None, totp_required=False, totp_code=None, rooms=None,
                 name=None, email=None):
        """Create a user with a personal-access-token-like login token; returns {userId, username, authToken}."""
        with self._lock:
            if not username or not isinstance(username, str):
                raise StoreError('username is required')
            if username in self._by_username:
                raise StoreError('Username is already in use')
            if roles is not None and (not isinstance(roles, list) or not all(isinstance(r, str) for r in roles)):
                raise StoreError('roles must be a list of strings')
            # Like the real server, new users join the default channel unless rooms are given.
            room_ids = []
            for room_name in (['general'] if rooms is None else rooms):
                room = self._find_room(room_name)
                if room is None:
                    raise StoreError('Unknown room: %s' % room_name)
                room_ids.append(room['_id'])
            user_id = random_string(17)
            self._insert_user(user_id, username, password=password, roles=roles if roles is not None else ['user'],
                              name=name, email=email or '%s@example.com' % username, totp_required=totp_required,
                              totp_code=totp_code)
            for room_id in room_ids:
                self._subscribe(room_id, user_id)
            token = random_string(43, secret=True)
            self._tokens[token] = {'user_id': user_id, 'type': 'personal', 'created_at': now_iso()}
            self._remember_secret(token, password)
            return {'userId': user_id, 'username': username, 'authToken': token}

    def create_user(self, username, name, email, password, roles, active=True, verified=False,
                    require_password_change=None, join_default_channels=True, extra=None):
        """A user as users.create stores it (checked by the caller); returns its document."""
        with self._lock:
            user_id = random_string(17)
            self._insert_user(user_id, username, password=password, roles=roles, name=name, email=email,
                              verified=verified, status='offline', active=active)
            doc = self._users[user_id]['doc']
            doc['settings'] = {}
            if require_password_change is not None:
                doc['requirePasswordChange'] = require_password_change
            doc.update(extra or {})
            if join_default_channels:
                for room in list(self._rooms.values()):
                    if room.get('default') and room.get('t') == 'c':
                        self._subscribe(room['_id'], user_id)
            self._remember_secret(password)
            return copy_doc(doc)

    def delete_user(self, user_id):
        """deleteUser: the user, its login tokens and subscriptions go; the integrations that post as the user are
        disabled (Integrations.disableByUserId)."""
        with self._lock:
            entry = self._users.pop(user_id)
            self._by_username.pop(entry['doc']['username'], None)
            for token in [token for token, info in self._tokens.items() if info['user_id'] == user_id]:
                del self._tokens[token]
            for room_id, member in list(self._subscriptions):
                if member == user_id:
                    self._subscriptions.discard((room_id, member))
                    room = dict(self._rooms[room_id])
                    room['usersCount'] = max(room.get('usersCount', 1) - 1, 0)
                    self._rooms[room_id] = room
            for integration_id, doc in list(self._integrations.items()):
                if doc.get('userId') == user_id:
                    self._integrations[integration_id] = dict(doc, enabled=False, _updatedAt=now_iso())

    def active_admins(self):
        with self._lock:
            return [entry['doc']['_id'] for entry in self._users.values()
                    if entry['doc'].get('active') and 'admin' in entry['doc']['roles']]

    def get_user(self, user_id):
        with self._lock:
            entry = self._users.get(user_id)
            return copy_doc(entry['doc']) if entry else None

    def find_user(self, username=None, email=None):
        """User document by exact username or by e-mail address (case-insensitive), or None."""
        with self._lock:
            if username is not None:
                user_id = self._by_username.get(username)
                return copy_doc(self._users[user_id]['doc']) if user_id else None
            if email is not None:
                wanted = email.lower()
                for entry in self._users.values():
                    if any(e.get('address', '').lower() == wanted for e in entry['doc'].get('emails', [])):
                        return copy_doc(entry['doc'])
            return None

    def find_user_by_id_or_username(self, value):
        with self._lock:
            entry = self._users.get(value)
            if entry is None and value in self._by_username:
                entry = self._users[self._by_username[value]]
            return copy_doc(entry['doc']) if entry else None

    def find_user_ignoring_case(self, username):
        """Users.findOneByUsernameIgnoringCase."""
        with self._lock:
            wanted = username.lower()
            for entry in self._users.values():
                if (entry['doc'].get('username') or '').lower() == wanted:
                    return copy_doc(entry['doc'])
            return None

    def check_password(self, user_id, password):
        """Plain text, or Meteor's {digest, algorithm:'sha-256'} / {hashed} forms (SHA-256 hex)."""
        with self._lock:
            entry = self._users.get(user_id)
            stored = entry['password'] if entry else None
        if not stored:
            return False
        if isinstance(password, str):
            return password == stored
        if isinstance(password, dict):
            digest = password.get('digest', password.get('hashed'))
            return isinstance(digest, str) and digest.lower() == hashlib.sha256(stored.encode('utf-8')).hexdigest()
        return False

    def totp(self, user_id):
        """(totp_required, totp_code) of a user."""
        with self._lock:
            entry = self._users[user_id]
            return entry['totp_required'], entry['totp_code']

    def new_login_token(self, user_id):
        with self._lock:
            token = random_string(43, secret=True)
            self._tokens[token] = {'user_id': user_id, 'type': 'login', 'created_at': now_iso()}
            self._remember_secret(token)
            return token

    def authenticate(self, user_id, token):
        """The user owning this token if it matches user_id, else None."""
        with self._lock:
            entry = self._tokens.get(token) if token else None
            if entry is None or entry['user_id'] != user_id or user_id not in self._users:
                return None
            return copy_doc(self._users[user_id]['doc'])

    def user_id_for_token(self, token):
        with self._lock:
            entry = self._tokens.get(token)
            return entry['user_id'] if entry else None

    def logout(self, token):
        """Remove the token (login or personal) and record the logout; the real server revokes PATs the same way."""
        with self._lock:
            entry = self._tokens.pop(token, None)
            if entry is None:
                return None
            record = {
                'userId': entry['user_id'],
                'username': self._users[entry['user_id']]['doc']['username'],
                'tokenType': entry['type'],
                'token': token,
                'at': now_iso(),
            }
            self._logouts.append(record)
            return dict(record)

    def user_roles(self, user_id):
        with self._lock:
            entry = self._users.get(user_id)
            return list(entry['doc']['roles']) if entry else []

    def add_user_roles(self, user_id, roles):
        with self._lock:
            entry = self._users.get(user_id)
            if entry is None:
                return
            doc = dict(entry['doc'])
            doc['roles'] = doc['roles'] + [role for role in roles if role not in doc['roles']]
            entry['doc'] = doc

    # ------------------------------------------------------------------ permissions

    def has_permission(self, user_id, permission):
        with self._lock:
            entry = self._users.get(user_id)
            if entry is None:
                return False
            allowed = self._permissions.get(permission, [])
            return any(role in allowed for role in entry['doc']['roles'])

    def set_permissions(self, mapping):
        with self._lock:
            if not isinstance(mapping, dict):
                raise StoreError('expected an object of permission: [roles]')
            for name, roles in mapping.items():
                if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
                    raise StoreError('roles of %s must be a list of strings' % name)
            for name, roles in mapping.items():
                self._permissions[name] = list(roles)
            return copy_doc(self._permissions)

    # ------------------------------------------------------------------ rooms

    def _find_room(self, id_or_name):
        room = self._rooms.get(id_or_name)
        if room is None:
            room = next((r for r in self._rooms.values() if r.get('name') == id_or_name), None)
        return room

    def find_room(self, id_or_name):
        """Room by _id or name (the lookup the integration methods use), or None."""
        with self._lock:
            room = self._find_room(id_or_name)
            return copy_doc(room) if room else None

    def delete_room(self, room_id):
        with self._lock:
            del self._rooms[room_id]
            self._subscriptions = {(rid, uid) for rid, uid in self._subscriptions if rid != room_id}

    def add_room(self, name, room_type='c', members=None, creator_id=ADMIN_USER_ID, read_only=False):
        with self._lock:
            if not name or not isinstance(name, str):
                raise StoreError('name is required')
            if room_type not in ('c', 'p'):
                raise StoreError('type must be "c" or "p"')
            if self._find_room(name) is not None:
                raise StoreError('A room named %s already exists' % name)
            member_ids = []
            for username in members or []:
                if username not in self._by_username:
                    raise StoreError('Unknown user: %s' % username)
                member_ids.append(self._by_username[username])
            room = self._insert_room(random_string(17), name, room_type, creator_id=creator_id)
            self._rooms[room['_id']] = dict(self._rooms[room['_id']], ro=bool(read_only))
            self._subscribe(room['_id'], creator_id)
            for user_id in member_ids:
                self._subscribe(room['_id'], user_id)
            return copy_doc(self._rooms[room['_id']])

    def direct_room(self, user_a, user_b):
        """The direct-message room of two users, created on first use (id = both ids sorted and joined)."""
        with self._lock:
            members = sorted({user_a, user_b})
            room_id = ''.join(members) if len(members) == 2 else members[0] * 2
            if room_id not in self._rooms:
                usernames = sorted(self._users[uid]['doc']['username'] for uid in members)
                self._rooms[room_id] = {'_id': room_id, 't': 'd', 'usernames': usernames, 'uids': members, 'msgs': 0,
                                        'usersCount': len(usernames), 'ts': now_iso(), '_updatedAt': now_iso()}
                for user_id in members:
                    self._subscriptions.add((room_id, user_id))
            return copy_doc(self._rooms[room_id])

    def is_subscribed(self, room_id, user_id):
        with self._lock:
            return (room_id, user_id) in self._subscriptions

    def subscribe(self, room_id, user_id):
        with self._lock:
            self._subscribe(room_id, user_id)

    # ------------------------------------------------------------------ integrations

    def get_integration(self, integration_id):
        with self._lock:
            doc = self._integrations.get(integration_id)
            return copy_doc(doc) if doc else None

    def find_integration_by_url(self, url):
        """First integration (insertion order, any type) whose urls contain url, like findOne({urls})."""
        with self._lock:
            for doc in self._integrations.values():
                urls = doc.get('urls')
                if isinstance(urls, list) and url in urls:
                    return copy_doc(doc)
            return None

    def integrations_snapshot(self):
        """All integration documents in insertion order. Read-only: stored dicts are never mutated."""
        with self._lock:
            return list(self._integrations.values())

    def insert_integration(self, doc):
        """Store a new document; fills _id and _updatedAt like BaseRaw.insertOne. Returns a copy."""
        with self._lock:
            ident = doc.get('_id') or self.new_id()
            doc = dict({'_id': ident}, **copy_doc(doc))
            doc['_id'] = ident
            doc['_updatedAt'] = now_iso()
            self._integrations[doc['_id']] = doc
            self._remember_secret(doc.get('token'))
            return copy_doc(doc)

    def update_integration(self, integration_id, set_fields, unset_fields=()):
        """$set / $unset on one document (absent keys untouched); None if it no longer exists."""
        with self._lock:
            current = self._integrations.get(integration_id)
            if current is None:
                return None
            doc = dict(current)
            doc.update(copy_doc(set_fields))
            for key in unset_fields:
                doc.pop(key, None)
            doc['_updatedAt'] = now_iso()
            self._integrations[integration_id] = doc
            self._remember_secret(doc.get('token'))
            return copy_doc(doc)

    def delete_integration(self, integration_id):
        with self._lock:
            doc = self._integrations.pop(integration_id, None)
            return copy_doc(doc) if doc else None

    def seed_integrations(self, docs):
        """Insert raw documents without validation (control API); fills the metadata the server would set."""
        with self._lock:
            admin = self._users[ADMIN_USER_ID]['doc']
            created_by = {'_id': admin['_id'], 'username': admin['username']}
            stored = []
            stamp = now_iso()
            for position, partial in enumerate(docs):
                if not isinstance(partial, dict):
                    raise StoreError('integration #%d is not an object' % position)
                ident = partial.get('_id') or self.new_id()
                doc = dict({'_id': ident}, **copy_doc(partial))
                doc['_id'] = ident
                doc.setdefault('type', 'webhook-incoming')
                doc.setdefault('name', 'integration-%d' % (len(self._integrations) + 1))
                doc.setdefault('enabled', True)
                doc.setdefault('username', 'rocket.cat')
                doc.setdefault('scriptEnabled', False)
                channel = doc.get('channel', '#general' if doc['type'] == 'webhook-incoming' else [])
                if isinstance(channel, str):
                    channel = [part.strip() for part in channel.split(',') if part.strip()]
                doc['channel'] = channel
                if 'userId' not in doc:
                    user_id = self._by_username.get(doc['username'])
                    if user_id:
                        doc['userId'] = user_id
                if doc['type'] == 'webhook-incoming':
                    doc.setdefault('token', random_string(48))
                    doc.setdefault('overrideDestinationChannelEnabled', False)
                doc.setdefault('_createdAt', stamp)
                doc.setdefault('_createdBy', dict(created_by))
                doc['_updatedAt'] = doc.get('_updatedAt') or stamp
                if doc['_id'] in self._integrations:
                    raise StoreError('duplicate integration _id %s' % doc['_id'])
                self._integrations[doc['_id']] = doc
                self._remember_secret(doc.get('token'))
                stored.append(doc)
            return [copy_doc(doc) for doc in stored]

    def generate_integrations(self, count, integration_type='webhook-incoming', name_prefix='generated-'):
        """Bulk-create count integrations named <prefix><n> (n from 1)."""
        if not isinstance(count, int) or count < 0:
            raise StoreError('count must be a non-negative integer')
        if integration_type not in ('webhook-incoming', 'webhook-outgoing'):
            raise StoreError('type must be webhook-incoming or webhook-outgoing')
        docs = []
        for number in range(1, count + 1):
            doc = {'type': integration_type, 'name': '%s%d' % (name_prefix, number)}
            if integration_type == 'webhook-outgoing':
                doc.update({'event': 'sendMessage', 'channel': '#general', 'urls': ['https://example.com/hook/%d' % number],
                            'token': random_string(24), 'triggerWords': []})
            docs.append(doc)
        return self.seed_integrations(docs)

    # ------------------------------------------------------------------ integration history

    def history_snapshot(self):
        with self._lock:
            return list(self._history.values())

    def get_history(self, integration_id, history_id):
        with self._lock:
            row = self._history.get(history_id)
            if row is None or row['integration'].get('_id') != integration_id:
                return None
            return copy_doc(row)

    def _history_stamp(self):
        # Strictly increasing milliseconds, so "newest first" (_updatedAt -1) is deterministic even when
        # several rows are written within one millisecond (a real server's clock gives no such promise).
        stamp = now_iso()
        last = getattr(self, '_last_history_stamp', '')
        if stamp <= last:
            moment = datetime.strptime(last, '%Y-%m-%dT%H:%M:%S.%fZ') + timedelta(milliseconds=1)
            stamp = moment.strftime('%Y-%m-%dT%H:%M:%S.') + '%03dZ' % (moment.microsecond // 1000)
        self._last_history_stamp = stamp
        return stamp

    def insert_history(self, row):
        with self._lock:
            row = copy_doc(row)
            row['_id'] = row.get('_id') or self.new_id()
            stamp = self._history_stamp()
            row.setdefault('_createdAt', stamp)
            row['_updatedAt'] = stamp
            self._history[row['_id']] = row
            return copy_doc(row)

    def update_history(self, history_id, set_fields):
        """IntegrationHistory.updateOne({_id}, {$set}); None if the row is gone (cleared meanwhile)."""
        with self._lock:
            current = self._history.get(history_id)
            if current is None:
                return None
            row = dict(current)
            row.update(copy_doc(set_fields))
            row['_updatedAt'] = self._history_stamp()
            self._history[history_id] = row
            return copy_doc(row)

    def add_history(self, integration_id, count=1, fields=None):
        """Control API: fake rows as if the outgoing integration had fired count times."""
        with self._lock:
            doc = self._integrations.get(integration_id)
            if doc is None:
                raise StoreError('Unknown integration: %s' % integration_id)
            rows = []
            for dummy in range(count):
                row = {
                    'type': 'outgoing-webhook',
                    'step': 'finished',
                    'integration': copy_doc(doc),
                    'event': doc.get('event', 'sendMessage'),
                    'data': {},
                    'ranPrepareScript': False,
                    'finished': True,
                    'triggerWord': '',
                    'url': (doc.get('urls') or [''])[0],
                    'httpResult': '{"success":true}',
                }
                row.update(copy_doc(fields or {}))
                rows.append(self.insert_history(row))
            return rows

    def delete_history(self, integration_id):
        """IntegrationHistory.removeByIntegrationId."""
        with self._lock:
            doomed = [hid for hid, row in self._history.items() if row['integration'].get('_id') == integration_id]
            for history_id in doomed:
                del self._history[history_id]
            return len(doomed)

    # ------------------------------------------------------------------ messages

    def add_message(self, message):
        with self._lock:
            message = copy_doc(message)
            message.setdefault('_id', random_string(17))
            message.setdefault('ts', now_iso())
            message['_updatedAt'] = message['ts']
            self._messages.append(message)
            room = self._rooms.get(message.get('rid'))
            if room is not None:
                room = dict(room)
                room['msgs'] = room.get('msgs', 0) + 1
                room['lastMessage'] = {'_id': message['_id'], 'msg': message.get('msg', ''), 'ts': message['ts']}
                self._rooms[room['_id']] = room
            return copy_doc(message)

    # ------------------------------------------------------------------ settings, rate limits, faults, request log

    def get_settings(self):
        with self._lock:
            return dict(self.settings)

    def update_settings(self, changes):
        types = {'rate_limiter_enabled': bool, 'allow_infinite_count': bool, 'rate_limit_calls': int,
                 'rate_limit_window_ms': int, 'upper_count_limit': int, 'default_count': int,
                 'apply_breaking_changes': bool, 'skip_transpile_variant': str}
        with self._lock:
            if not isinstance(changes, dict):
                raise StoreError('expected an object')
            for key, value in changes.items():
                if key not in types:
                    raise StoreError('Unknown setting: %s' % key)
                if not isinstance(value, types[key]) or (types[key] is int and isinstance(value, bool)):
                    raise StoreError('%s must be %s' % (key, types[key].__name__))
                if key in SETTING_CHOICES and value not in SETTING_CHOICES[key]:
                    raise StoreError('%s must be one of: %s' % (key, ', '.join(SETTING_CHOICES[key])))
            self.settings.update(changes)
            # Changing the limiter rebuilds its rules on the real server, which forgets earlier counts.
            if any(key.startswith('rate_') for key in changes):
                self._rate_counters = {}
            return dict(self.settings)

    def rate_limit_hit(self, key, limit, window_ms, now_ms):
        """Count one call against key; returns (allowed, remaining, reset_at_ms). Fixed window from the first call."""
        with self._lock:
            counter = self._rate_counters.get(key)
            if counter is None or now_ms >= counter[0] + window_ms:
                counter = [now_ms, 0]
                self._rate_counters[key] = counter
            counter[1] += 1
            return counter[1] <= limit, max(limit - counter[1], 0), counter[0] + window_ms

    def clear_rate_limits(self):
        with self._lock:
            self._rate_counters = {}

    def add_fault(self, fault):
        with self._lock:
            self._faults.append(dict(fault))

    def list_faults(self):
        with self._lock:
            return [dict(f) for f in self._faults]

    def clear_faults(self):
        with self._lock:
            self._faults = []

    def take_fault(self, path, method):
        """Consume one use of the first queued fault matching this request, or return None."""
        with self._lock:
            for fault in self._faults:
                if fault['route'] not in (path, '*') or fault.get('method') not in (None, method):
                    continue
                fault['times'] -= 1
                if fault['times'] <= 0:
                    self._faults.remove(fault)
                return dict(fault)
            return None

    def log_request(self, entry):
        with self._lock:
            self._requests.append(entry)

    def requests(self):
        with self._lock:
            return [dict(entry) for entry in self._requests]

    def clear_requests(self):
        with self._lock:
            self._requests = []

    # ------------------------------------------------------------------ inspection

    def logouts(self):
        with self._lock:
            return [dict(entry) for entry in self._logouts]

    def messages(self):
        with self._lock:
            return copy_doc(self._messages)

    def get_message(self, message_id):
        with self._lock:
            message = next((m for m in self._messages if m.get('_id') == message_id), None)
            return copy_doc(message) if message else None

    def state(self):
        """Everything a test may want to inspect, JSON-ready (tokens included; passwords never)."""
        with self._lock:
            users = []
            for user_id, entry in self._users.items():
                doc = copy_doc(entry['doc'])
                doc['totp_required'] = entry['totp_required']
                doc['tokens'] = [{'type': t['type'], 'created_at': t['created_at']}
                                 for t in self._tokens.values() if t['user_id'] == user_id]
                doc['rooms'] = sorted(rid for rid, uid in self._subscriptions if uid == user_id)
                users.append(doc)
            return {
                'server_version': self.server_version,
                'settings': dict(self.settings),
                'integrations': copy_doc(list(self._integrations.values())),
                'users': users,
                'rooms': copy_doc(list(self._rooms.values())),
                'permissions': copy_doc(self._permissions),
                'messages': copy_doc(self._messages),
                'history': copy_doc(list(self._history.values())),
                'logouts': [dict(entry) for entry in self._logouts],
                'secrets': sorted(self._secrets),
            }
