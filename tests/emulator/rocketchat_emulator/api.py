# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The WSGI application: routing, authentication, rate limiter, version profiles and the endpoints.

"Section N" references name the Rocket.Chat sources each behaviour follows: README.md maps them
(table at the top, and "Fidelity notes").
"""

import hashlib
import json
import logging
import math
import os
import platform
import re
import socket
import time
from http import HTTPStatus
from urllib.parse import parse_qsl

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from .control import ControlApi
from .directory import DirectoryApi
from .errors import ApiError, failure, meteor_error
from .outgoing import OutgoingDispatcher
from .store import copy_doc, dotted_get, now_iso, random_string
from .validation import (
    CHAT_POST_MESSAGE_SCHEMA,
    CLEAR_HISTORY_SCHEMA,
    GET_QUERY_SCHEMA,
    HISTORY_QUERY_SCHEMA,
    LIST_QUERY_SCHEMA,
    REMOVE_SCHEMA,
    REPLAY_OUTGOING_SCHEMA,
    CHANNELS_DELETE_SCHEMA,
    USERS_DELETE_SCHEMA,
    create_schema,
    update_schema,
    users_create_schema,
    validate,
)

LOG = logging.getLogger('rocketchat_emulator')

MANAGE_INCOMING = 'manage-incoming-integrations'
MANAGE_OWN_INCOMING = 'manage-own-incoming-integrations'
MANAGE_OUTGOING = 'manage-outgoing-integrations'
MANAGE_OWN_OUTGOING = 'manage-own-outgoing-integrations'
ANY_INTEGRATION_PERMISSION = (MANAGE_INCOMING, MANAGE_OWN_INCOMING, MANAGE_OUTGOING, MANAGE_OWN_OUTGOING)
OUTGOING_PERMISSIONS = (MANAGE_OUTGOING, MANAGE_OWN_OUTGOING)

# Section 4.2: which outgoing events use a channel, trigger words and a target room.
OUTGOING_EVENTS = {
    'sendMessage': {'channel': True, 'triggerWords': True, 'targetRoom': False},
    'fileUploaded': {'channel': True, 'triggerWords': False, 'targetRoom': False},
    'roomArchived': {'channel': False, 'triggerWords': False, 'targetRoom': False},
    'roomCreated': {'channel': False, 'triggerWords': False, 'targetRoom': False},
    'roomJoined': {'channel': True, 'triggerWords': False, 'targetRoom': False},
    'roomLeft': {'channel': True, 'triggerWords': False, 'targetRoom': False},
    'userCreated': {'channel': False, 'triggerWords': False, 'targetRoom': True},
}
ALL_CHANNEL_KEYWORDS = ('all_public_channels', 'all_private_groups', 'all_direct_messages')

FORBIDDEN_MESSAGE = 'User does not have the permissions required for this action [error-unauthorized]'
LOGGED_OUT_MESSAGE = 'You must be logged in to do this.'
TOO_MANY_REQUESTS = ('Error, too many requests. Please slow down. You must wait %d seconds before trying this endpoint again. '
                     '[error-too-many-requests]')
UNKNOWN_ROUTE = {'success': False, 'error': 'API endpoint not found'}
MESSAGE_MAX_ALLOWED_SIZE = 5000  # the Message_MaxAllowedSize setting's default


class VersionProfile:
    """What differs between Rocket.Chat releases, by major.minor (README.md, "Version profiles").

    Any 6.x, 7.x or 8.x version is accepted; each property names the release a behaviour starts in.
    """

    def __init__(self, version):
        match = re.match(r'^(\d+)\.(\d+)(?:\.(\d+))?$', str(version).strip())
        if not match:
            raise ValueError('server version must look like 8.8.1, got %r' % (version,))
        self.major, self.minor, self.patch = int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)
        if self.major not in (6, 7, 8):
            raise ValueError('unsupported server version %s: the emulator has profiles for 6.x, 7.x and 8.x' % version)
        self.version = '%d.%d.%d' % (self.major, self.minor, self.patch)
        self.short_version = '%d.%d' % (self.major, self.minor)

    def at_least(self, major, minor=0):
        return (self.major, self.minor) >= (major, minor)

    @property
    def object_ids(self):
        """8.x inserts through BaseRaw with ObjectId hex strings; earlier servers use 17-char Meteor ids (section 4.1)."""
        return self.major >= 8

    @property
    def list_filters(self):
        """name/type filters and the list query schema arrived in 7.0.0 (section 3.3)."""
        return self.major >= 7

    @property
    def script_engine(self):
        # rest-typings 6.3.0 and 6.3.7 have no scriptEngine and make overrideDestinationChannelEnabled
        # required on update (and addIncomingIntegration's check() on create); 6.13.1 has the newer
        # schemas. Both changes are 6.4.0 entries of rest-typings' CHANGELOG.md: 203304782f (PR #30202,
        # the parameter optional on create and update, refused in the outgoing update) and 1041d4d361
        # (scriptEngine).
        return self.at_least(6, 4)

    @property
    def null_writes(self):
        """PR #31497 set the Mongo driver's ignoreUndefined to false: omitted update fields become null (section 12.1).

        Still in review on 2025-01-24 and released without a changeset; 7.3 is the release the emulator picks
        (UNCONFIRMED: it may be 7.4).
        """
        return self.at_least(7, 3)

    @property
    def typed_routes(self):
        # PR #39553 moved integrations.* from addRoute to typed http-router routes (PR #39374's description,
        # March 2026, still lists all six as addRoute) and made the incoming update write avatar, emoji,
        # alias and script only when sent. Merged between 8.3.0-rc.0 and 8.4.0-rc.0; the emulator picks
        # 8.4 (UNCONFIRMED). Typed routes: no ' [invalid-params]' suffix, permission middleware before
        # parameter validation (packages/http-router/src/Router.ts, middlewares/permissions.ts).
        return self.at_least(8, 4)

    @property
    def incoming_update_sent_only(self):
        return self.typed_routes

    @property
    def free_switch_extension(self):
        """users.create's freeSwitchExtension: rest-typings 7.13.9 has it, 7.10.0 not (7.11 to 7.13; UNCONFIRMED)."""
        return self.at_least(7, 13)

    @property
    def skip_transpile(self):
        """skipTranspile, PR #40160, 8.4.0 (the Open API description's changelog rows; core-typings 8.3.x lack it)."""
        return self.at_least(8, 4)

    @property
    def remove_empty(self):
        """8.x create runs removeEmpty(), dropping null keys (section 4.1)."""
        return self.major >= 8

    @property
    def coerce_types(self):
        # Section 12.2: rest-typings 8.0.0 compiled the body schemas with new Ajv() (no coercion), 8.6.1 with
        # the shared coercing ajv (PR #38404, opened 2026-01-28, no changeset). 8.1-8.5 were not published, so
        # the release is 8.1 to 8.6; the emulator coerces from 8.6 (UNCONFIRMED).
        return self.at_least(8, 6)

    @property
    def history_actions(self):
        """integrations.clearHistory and integrations.replayOutgoing were added in 8.7.0 (section 3.7)."""
        return self.at_least(8, 7)

    @property
    def hook_impersonate_check(self):
        # PR #41017 (merged 2026-06-19) makes /hooks refuse users without message-impersonate; it rode the 8.6.0
        # release (8.6.0-rc.1 carries its follow-ups, client libraries had to grant the permission on 8.6.0). Whether
        # the security backports of the older minors' patch releases include it is UNCONFIRMED.
        return self.at_least(8, 6)

    def unauthorized_body(self):
        """401 for a missing or bad X-User-Id / X-Auth-Token (section 6)."""
        if self.major >= 7:
            return {'success': False, 'error': LOGGED_OUT_MESSAGE, 'status': 'error', 'message': LOGGED_OUT_MESSAGE}
        return {'status': 'error', 'message': LOGGED_OUT_MESSAGE}

    def forbidden_body(self):
        """403 of a route permission gate (section 2; 6.x answered {error:'unauthorized'}).

        No errorType: ApiClass.ts maps Meteor.Error('error-unauthorized') to API.v1.forbidden(e.message) on
        addRoute routes (7.x), and middlewares/permissions.ts calls API.v1.forbidden(msg) on typed ones;
        forbidden() sends only {success, error}.
        """
        if self.major >= 7:
            return {'success': False, 'error': FORBIDDEN_MESSAGE}
        return {'success': False, 'error': 'unauthorized'}

    def login_failure_body(self, error, message, details=None):
        body = {'status': 'error', 'error': error, 'message': message}
        if details is not None:
            body['details'] = details
        if self.major >= 7:
            body = dict({'success': False}, **body)
        return body

    def params_error(self, messages, where, typed=None):
        """ajv failure in the legacy (suffix) or typed-route format (section 1); typed: the route's own style."""
        text = '\n '.join(messages)
        if self.typed_routes if typed is None else typed:
            return ApiError(400, {'success': False, 'errorType': 'invalid-params' if where == 'body' else 'error-invalid-params',
                                  'error': text})
        return ApiError(400, {'success': False, 'error': text + ' [invalid-params]', 'errorType': 'invalid-params'})


def json_response(status, body, headers=None):
    """Every answer: compact JSON, exactly 'application/json' (no charset), no caching (section 1)."""
    payload = json.dumps(body, separators=(',', ':'), ensure_ascii=False).encode('utf-8')
    response = Response(payload, status=status, content_type='application/json')
    response.headers['Cache-Control'] = 'no-store'
    response.headers['Pragma'] = 'no-cache'
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def js_truthy(value):
    """JavaScript truthiness ([] and {} are true, '' and 0 are false)."""
    if value is None or value is False:
        return False
    if isinstance(value, (int, float)):
        return value != 0 and not math.isnan(value)
    if isinstance(value, str):
        return value != ''
    return True


def js_parse_int(value):
    """parseInt(String(value)): leading integer or None for NaN."""
    match = re.match(r'^\s*([+-]?\d+)', str(value))
    return int(match.group(1)) if match else None


def integration_kind(integration_type):
    return 'incoming' if integration_type == 'webhook-incoming' else 'outgoing'


def created_by_id(doc):
    created_by = doc.get('_createdBy')
    return created_by.get('_id') if isinstance(created_by, dict) else None


def reason_phrase(status):
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return 'Error'


def _sort_key(value):
    # Mongo's cross-type order, roughly: null < numbers < strings < objects < arrays < booleans.
    if value is None:
        return (0, 0)
    if isinstance(value, bool):
        return (5, value)
    if isinstance(value, (int, float)):
        return (1, value)
    if isinstance(value, str):
        return (2, value)
    return (3 if isinstance(value, dict) else 4, json.dumps(value, sort_keys=True))


def sort_documents(docs, sort):
    for field, direction in reversed(list(sort.items())):
        docs = sorted(docs, key=lambda doc, name=field: _sort_key(dotted_get(doc, name)), reverse=direction == -1)
    return docs


def compile_script(script, skip_transpile):
    """Stand-in for the Babel transpile: any non-empty string derived from the script (scripts never run here)."""
    return script if skip_transpile else '"use strict";\n\n' + script


class Call:
    """One request on its way through the pipeline."""

    def __init__(self, request, route):
        self.request = request
        self.route = route
        self.user = None
        self.user_id = None
        self.token = None
        self.headers = {}


class RouteSpec:
    """How a route is guarded: authentication, rate limiting, parameter schema, permission gate."""

    def __init__(self, handler, auth=True, gate=None, schema=None, limited=True, typed=None, coerce=None):
        self.handler = handler
        self.auth = auth
        self.gate = gate
        self.schema = schema
        # None: as the profile's integrations routes (typed http-router routes or addRoute, body coercion by release);
        # False / True: a route that keeps addRoute's check order and messages, or whose schema always coerces.
        self.typed = typed
        self.coerce = coerce
        self.limited = limited


class EmulatorApp:
    """WSGI application emulating the Rocket.Chat REST API for integrations."""

    def __init__(self, store, profile, shutdown_callback=None):
        self.store = store
        self.profile = profile
        self.control = ControlApi(store, shutdown_callback)
        self.directory = DirectoryApi(store, profile)
        self.outgoing = OutgoingDispatcher(store, self._post_reply, null_writes=profile.null_writes)
        self.started_at = now_iso()
        engine, skip = profile.script_engine, profile.skip_transpile
        list_schema = LIST_QUERY_SCHEMA if profile.list_filters else None
        self.routes = {
            '/api/info': RouteSpec(self.info, auth=False, limited=False),
            '/api/v1/login': RouteSpec(self.login, auth=False),
            '/api/v1/logout': RouteSpec(self.logout),
            '/api/v1/me': RouteSpec(self.me),
            '/api/v1/integrations.list': RouteSpec(self.integrations_list, gate=ANY_INTEGRATION_PERMISSION, schema=list_schema),
            '/api/v1/integrations.get': RouteSpec(self.integrations_get, schema=GET_QUERY_SCHEMA),
            '/api/v1/integrations.create': RouteSpec(self.integrations_create, schema=create_schema(engine, skip)),
            '/api/v1/integrations.update': RouteSpec(self.integrations_update, schema=update_schema(engine, skip)),
            '/api/v1/integrations.remove': RouteSpec(self.integrations_remove, gate=ANY_INTEGRATION_PERMISSION, schema=REMOVE_SCHEMA),
            '/api/v1/integrations.history': RouteSpec(self.integrations_history, gate=OUTGOING_PERMISSIONS, schema=HISTORY_QUERY_SCHEMA),
            '/api/v1/chat.postMessage': RouteSpec(self.chat_post_message, schema=CHAT_POST_MESSAGE_SCHEMA),
            # Section 14. users.* moved to typed routes with integrations.* (PR #39553); the users.create schema
            # coerces in every release; users.delete has a schema only as a typed route; channels.create validates
            # in its handler, channels.delete stays an addRoute route.
            '/api/v1/users.create': RouteSpec(self.directory.users_create, coerce=True,
                                              schema=users_create_schema(profile.free_switch_extension)),
            '/api/v1/users.delete': RouteSpec(self.directory.users_delete, gate=('delete-user',),
                                              schema=USERS_DELETE_SCHEMA if profile.typed_routes else None),
            '/api/v1/channels.create': RouteSpec(self.directory.channels_create),
            '/api/v1/channels.delete': RouteSpec(self.directory.channels_delete, schema=CHANNELS_DELETE_SCHEMA, typed=False),
        }
        methods = {
            '/api/info': ['GET'], '/api/v1/login': ['POST'], '/api/v1/logout': ['GET', 'POST'], '/api/v1/me': ['GET'],
            '/api/v1/integrations.list': ['GET'], '/api/v1/integrations.get': ['GET'], '/api/v1/integrations.create': ['POST'],
            '/api/v1/integrations.update': ['PUT'], '/api/v1/integrations.remove': ['POST'], '/api/v1/integrations.history': ['GET'],
            '/api/v1/chat.postMessage': ['POST'], '/api/v1/users.create': ['POST'], '/api/v1/users.delete': ['POST'],
            '/api/v1/channels.create': ['POST'], '/api/v1/channels.delete': ['POST'],
        }
        if profile.history_actions:
            self.routes['/api/v1/integrations.clearHistory'] = RouteSpec(self.integrations_clear_history, schema=CLEAR_HISTORY_SCHEMA)
            self.routes['/api/v1/integrations.replayOutgoing'] = RouteSpec(self.integrations_replay_outgoing, schema=REPLAY_OUTGOING_SCHEMA)
            methods['/api/v1/integrations.clearHistory'] = ['POST']
            methods['/api/v1/integrations.replayOutgoing'] = ['POST']
        rules = [Rule(path, endpoint=path, methods=methods[path]) for path in self.routes]
        rules.append(Rule('/hooks/<integration_id>/<token>', endpoint='hook', methods=['GET', 'POST']))
        rules.append(Rule('/hooks/<integration_id>/<user_id>/<token>', endpoint='hook', methods=['GET', 'POST']))
        self.url_map = Map(rules, strict_slashes=False, merge_slashes=False)

    # ------------------------------------------------------------------ WSGI entry and pipeline

    def __call__(self, environ, start_response):
        request = Request(environ)
        if request.path == '/_emulator' or request.path.startswith('/_emulator/'):
            status, body = self.control.handle(request)
            return json_response(status, body)(environ, start_response)

        entry = {'method': request.method, 'path': request.path, 'status': None, 'user_id': None}
        fault = self.store.take_fault(request.path, request.method)
        kind = fault['kind'] if fault else None
        if fault:
            entry['fault'] = kind
        if kind == 'delay':
            time.sleep(float(fault.get('delay_s', 1.0)))
        if kind == 'reset_before':
            self.store.log_request(entry)
            return self._drop_connection(environ)(environ, start_response)
        if kind in ('status', 'html', 'non_json', 'redirect'):
            response = self._fault_response(fault, request)
            entry['status'] = response.status_code
            self.store.log_request(entry)
            return response(environ, start_response)

        call = Call(request, None)
        response = self._serve(call)
        entry['status'] = response.status_code
        entry['user_id'] = call.user_id
        self.store.log_request(entry)
        if kind == 'drop_after_processing':
            return self._drop_connection(environ)(environ, start_response)
        return response(environ, start_response)

    def _serve(self, call):
        try:
            endpoint, args = self.url_map.bind_to_environ(call.request.environ).match()
        except HTTPException:
            # Section 10: the shape of an unknown route's answer is UNCONFIRMED; wrong methods are treated alike.
            return json_response(404, UNKNOWN_ROUTE)
        call.route = endpoint
        try:
            if endpoint == 'hook':
                status, body = self.hook(call, **args)
            else:
                status, body = self._run_route(call, self.routes[endpoint])
        except ApiError as err:
            status, body = err.status, err.body
        except Exception:
            LOG.exception('internal error on %s %s', call.request.method, call.request.path)
            status, body = 500, {'success': False, 'error': 'Internal server error'}
        return json_response(status, body, call.headers)

    def _run_route(self, call, spec):
        """auth -> rate limit -> params -> permission gate -> handler on addRoute routes (ApiClass.ts);
        typed routes run the permission middleware before http-router validates the parameters."""
        if spec.auth:
            self._authenticate(call)
        if spec.limited:
            self._rate_limit(call, honour_bypass=True)
        typed = self.profile.typed_routes if spec.typed is None else spec.typed  # typed routes gate first
        if typed:
            self._gate(call, spec)
        if call.request.method in ('GET', 'HEAD'):
            params = {key: call.request.args.get(key) for key in call.request.args}
            where = 'query'
        else:
            params = self._json_body(call.request)
            where = 'body'
        if spec.schema is not None:
            # Query strings are coerced where the schema wants numbers (integrations.history compiles with
            # coerceTypes in every release); bodies only where the profile's ajv coerces.
            coerce = self.profile.coerce_types if spec.coerce is None else spec.coerce
            messages = validate(spec.schema, params, coerce=where == 'query' or coerce)
            if messages:
                raise self.profile.params_error(messages, where, typed)
        if not typed:
            self._gate(call, spec)
        return spec.handler(call, params)

    def _gate(self, call, spec):
        if spec.gate and not any(self.store.has_permission(call.user_id, perm) for perm in spec.gate):
            raise ApiError(403, self.profile.forbidden_body())

    def _authenticate(self, call):
        user_id = call.request.headers.get('X-User-Id')
        token = call.request.headers.get('X-Auth-Token')
        user = self.store.authenticate(user_id, token) if user_id and token else None
        if user is None:
            raise ApiError(401, self.profile.unauthorized_body())
        call.user, call.user_id, call.token = user, user_id, token

    def _optional_user(self, request):
        user_id = request.headers.get('X-User-Id')
        token = request.headers.get('X-Auth-Token')
        return self.store.authenticate(user_id, token) if user_id and token else None

    def _rate_limit(self, call, honour_bypass, key_route=None):
        """Section 7: per client IP + route + method; headers on every counted call; 429 when exceeded."""
        settings = self.store.get_settings()
        limit, window = settings['rate_limit_calls'], settings['rate_limit_window_ms']
        if not settings['rate_limiter_enabled'] or limit <= 0 or window <= 0:
            return
        if honour_bypass and call.user_id and self.store.has_permission(call.user_id, 'api-bypass-rate-limit'):
            return
        now_ms = int(time.time() * 1000)
        key = '%s%s%s' % (call.request.remote_addr, key_route or call.route, call.request.method.lower())
        allowed, remaining, reset_at = self.store.rate_limit_hit(key, limit, window, now_ms)
        call.headers.update({'X-RateLimit-Limit': str(limit), 'X-RateLimit-Remaining': str(remaining),
                             'X-RateLimit-Reset': str(reset_at)})
        if not allowed:
            raise ApiError(429, {'success': False, 'error': TOO_MANY_REQUESTS % max(math.ceil((reset_at - now_ms) / 1000.0), 0)})

    @staticmethod
    def _json_body(request):
        raw = request.get_data(cache=True)
        if request.mimetype == 'application/x-www-form-urlencoded':
            return dict(parse_qsl(raw.decode('utf-8', 'replace'), keep_blank_values=True))
        if not raw.strip():
            return {}
        try:
            return json.loads(raw.decode('utf-8'))
        except ValueError as exc:
            # The exact answer of the real server to malformed JSON is not covered by the sources (README.md, section 10).
            raise failure('Invalid JSON in request body: %s' % exc)

    def has(self, call, permission):
        return self.store.has_permission(call.user_id, permission)

    # ------------------------------------------------------------------ faults (reliability tests)

    @staticmethod
    def _drop_connection(environ):
        sock = environ.get('werkzeug.socket')
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        # Writing this to the shut socket fails and the server treats it as a dropped connection.
        return Response(b'', status=500)

    @staticmethod
    def _fault_response(fault, request):
        kind = fault['kind']
        if kind == 'redirect':
            location = fault.get('location') or request.url.replace('http://', 'https://', 1)
            response = Response(b'', status=fault.get('status') or 302)
            response.headers['Location'] = location
            return response
        if kind == 'html':
            status = fault.get('status') or 502
            reason = reason_phrase(status)
            default = '<html><head><title>%d %s</title></head><body><h1>%d %s</h1></body></html>' % (status, reason, status, reason)
            return Response(fault.get('body', default), status=status, content_type=fault.get('content_type') or 'text/html')
        if kind == 'non_json':
            return Response(fault.get('body', 'OK (not JSON)'), status=fault.get('status') or 200,
                            content_type=fault.get('content_type') or 'text/plain')
        status = fault.get('status') or 502
        body = fault.get('body')
        if body is None:
            body = {'success': False, 'error': reason_phrase(status)}
        if isinstance(body, str):
            return Response(body, status=status, content_type=fault.get('content_type') or 'application/json')
        return json_response(status, body)

    # ------------------------------------------------------------------ /api/info, login, logout, me

    def _public_user(self, user):
        user = copy_doc(user)
        emails = user.get('emails') or []
        if emails:
            user['email'] = emails[0].get('address')
        user['avatarUrl'] = '/avatar/%s' % user['username']
        return user

    def info(self, call, dummy_params):
        """Section 6: X.Y for everyone, X.Y.Z plus info{} for holders of view-statistics."""
        user = self._optional_user(call.request)
        call.user_id = user['_id'] if user else None
        if user and self.store.has_permission(user['_id'], 'view-statistics'):
            digest = hashlib.sha1(self.profile.version.encode('ascii')).hexdigest()
            return 200, {
                'info': {
                    'version': self.profile.version,
                    'build': {
                        'date': self.started_at, 'nodeVersion': 'v22.16.0', 'arch': platform.machine() or 'x64',
                        'platform': 'linux', 'osRelease': platform.release(), 'totalMemory': 0, 'freeMemory': 0,
                        'cpus': os.cpu_count() or 1,
                    },
                    'commit': {
                        'hash': digest, 'date': self.started_at, 'author': 'community.rocketchat emulator',
                        'subject': 'emulated build', 'tag': self.profile.version, 'branch': 'emulator',
                    },
                    'marketplaceApiVersion': '1.x',
                },
                'version': self.profile.version,
                'success': True,
            }
        return 200, {'version': self.profile.short_version, 'success': True}

    def _login_failure(self, error='Unauthorized', message='Unauthorized', details=None):
        return ApiError(401, self.profile.login_failure_body(error, message, details))

    def login(self, call, body):
        """Section 6 login forms; each password login creates a new login token."""
        if not isinstance(body, dict):
            body = {}
        if 'resume' in body:
            user_id = self.store.user_id_for_token(body['resume']) if isinstance(body['resume'], str) else None
            if user_id is None:
                raise self._login_failure()
            token = body['resume']
        else:
            user = self._login_user(body)
            if user is None or not self.store.check_password(user['_id'], body.get('password')):
                raise self._login_failure()
            user_id = user['_id']
            if not user.get('active', True):
                raise self._login_failure('error-user-is-not-activated', 'User is not activated')
            required, expected = self.store.totp(user_id)
            code = body.get('code') or call.request.headers.get('x-2fa-code')
            if required and not code:
                raise self._login_failure('totp-required', 'TOTP Required', {'method': 'totp', 'availableMethods': ['totp']})
            if required and str(code) != expected:
                raise self._login_failure('totp-invalid', 'TOTP Invalid', {'method': 'totp'})
            token = self.store.new_login_token(user_id)
        call.user_id = user_id
        me = self._public_user(self.store.get_user(user_id))
        body = {'status': 'success', 'data': {'userId': user_id, 'authToken': token, 'me': me}}
        # 6.x (Restivus) sent the body as built; 7.0's API.v1.success() adds success:true.
        if self.profile.major >= 7:
            body['success'] = True
        return 200, body

    def _login_user(self, body):
        who = body.get('user')
        if isinstance(who, str):
            return self.store.find_user(email=who) if '@' in who else self.store.find_user(username=who)
        if isinstance(who, dict):
            if isinstance(who.get('username'), str):
                return self.store.find_user(username=who['username'])
            if isinstance(who.get('email'), str):
                return self.store.find_user(email=who['email'])
            return None
        if isinstance(body.get('username'), str):
            return self.store.find_user(username=body['username'])
        if isinstance(body.get('email'), str):
            return self.store.find_user(email=body['email'])
        return None

    def logout(self, call, dummy_params):
        """Removes the token in use, personal access tokens included (section 6)."""
        self.store.logout(call.token)
        return 200, {'status': 'success', 'data': {'message': "You've been logged out!"}}

    def me(self, call, dummy_params):
        body = self._public_user(call.user)
        body['success'] = True
        return 200, body

    # ------------------------------------------------------------------ shared by the integration endpoints

    def _pagination(self, params):
        """getPaginationItems (section 3.3)."""
        settings = self.store.get_settings()
        upper = settings['upper_count_limit'] if settings['upper_count_limit'] > 0 else 100
        default = settings['default_count'] if settings['default_count'] > 0 else 50
        offset = js_parse_int(params['offset']) if js_truthy(params.get('offset')) else 0
        offset = max(offset or 0, 0)
        if params.get('count') is not None:
            count = js_parse_int(params['count'] or 0)
            count = default if count is None else abs(count)
        else:
            count = default
        count = min(count, upper)
        if count == 0 and not settings['allow_infinite_count']:
            count = default
        return offset, count

    @staticmethod
    def _sort(params):
        """parseJsonQuery's sort: a JSON object whose values are 1 or -1 (section 3.3)."""
        raw = params.get('sort')
        if not raw:
            return None
        try:
            sort = json.loads(raw)
        except ValueError:
            sort = None
        if not isinstance(sort, dict) or any(value not in (1, -1) or isinstance(value, bool) for value in sort.values()):
            raise meteor_error('error-invalid-sort', 'Invalid sort parameter provided: "%s"' % raw, {'helperMethod': 'parseJsonQuery'})
        return sort

    @staticmethod
    def _page(docs, offset, count):
        page = docs[offset:offset + count] if count else docs[offset:]
        return [copy_doc(doc) for doc in page]

    def _check_target(self, call, channel, can_add_to_all, details):
        """#room by _id or name, @user by _id or username; non-members need both permissions (section 2, 4.3)."""
        name = channel[1:]
        if channel[0] == '#':
            record = self.store.find_room(name)
        else:
            record = self.store.find_user_by_id_or_username(name)
        if record is None:
            raise meteor_error('error-invalid-room', 'Invalid room', details)
        # For @user the real server looks for a subscription whose room id is the user's id, which never
        # exists, so @user targets need both permissions; kept as is.
        if not can_add_to_all and not self.store.is_subscribed(record['_id'], call.user_id):
            raise meteor_error('error-invalid-channel', 'Invalid Channel', details)

    def _script_fields(self, integration):
        """(set, unset) for scriptCompiled/scriptError: set only when scriptEnabled and script.trim() (section 4.1)."""
        script = integration.get('script')
        if integration.get('scriptEnabled') is True and isinstance(script, str) and script.strip():
            skip = integration.get('skipTranspile') is True and self.profile.skip_transpile
            return {'scriptCompiled': compile_script(script, skip)}, ('scriptError',)
        return {}, ()

    def _created_by(self, call):
        return {'_id': call.user['_id'], 'username': call.user['username']}

    def _insert(self, doc):
        if self.profile.remove_empty:
            doc = {key: value for key, value in doc.items() if value is not None}
        return self.store.insert_integration(doc)

    def _find_for_method(self, call, integration_id, kind, method):
        """Lookup of the update/delete methods: all-permission -> by _id, own-permission -> also _createdBy (section 2)."""
        details = {'method': method}
        if method == 'updateOutgoingIntegration':
            # updateOutgoingIntegration.ts (every release read): its own code and reason, and no details.
            missing = meteor_error('invalid_integration', '[methods] updateOutgoingIntegration -> integration not found')
        else:
            missing = meteor_error('error-invalid-integration', 'Invalid integration', details)
        if self.has(call, 'manage-%s-integrations' % kind):
            current = self.store.get_integration(integration_id)
        elif self.has(call, 'manage-own-%s-integrations' % kind):
            current = self.store.get_integration(integration_id)
            if current is not None and created_by_id(current) != call.user_id:
                current = None
        else:
            raise meteor_error('not_authorized', 'Unauthorized', details)
        if current is None:
            raise missing
        return current

    # ------------------------------------------------------------------ integrations.list / get / history

    def _list_filter(self, call):
        """mountIntegrationsQueryBasedOnPermission (section 2)."""
        uid = call.user_id
        all_in, own_in = self.has(call, MANAGE_INCOMING), self.has(call, MANAGE_OWN_INCOMING)
        all_out, own_out = self.has(call, MANAGE_OUTGOING), self.has(call, MANAGE_OWN_OUTGOING)
        if all_in and all_out:
            return lambda doc: True
        if own_in and own_out:
            return lambda doc: created_by_id(doc) == uid
        clauses = []
        for integration_type, every, own in (('webhook-incoming', all_in, own_in), ('webhook-outgoing', all_out, own_out)):
            if every:
                clauses.append((integration_type, False))
            if own:
                clauses.append((integration_type, True))
        return lambda doc: any(doc.get('type') == t and (not mine or created_by_id(doc) == uid) for t, mine in clauses)

    def integrations_list(self, call, params):
        offset, count = self._pagination(params)
        sort = self._sort(params)
        visible = self._list_filter(call)
        # Before 7.0 the handler ignored name and type (section 3.3). The deprecated `query` parameter is
        # ignored on every profile: 7.0+ servers disable it by default, and clients must not rely on it.
        name = params.get('name') if self.profile.list_filters else None
        wanted_type = params.get('type') if self.profile.list_filters else None
        needle = name.lower() if isinstance(name, str) and name else None
        docs = []
        for doc in self.store.integrations_snapshot():
            if not visible(doc):
                continue
            if needle is not None and not (isinstance(doc.get('name'), str) and needle in doc['name'].lower()):
                continue
            if wanted_type and doc.get('type') != wanted_type:
                continue
            docs.append(doc)
        if sort:
            docs = sort_documents(docs, sort)
        page = self._page(docs, offset, count)
        return 200, {'integrations': page, 'offset': offset, 'items': len(page), 'count': len(page), 'total': len(docs),
                     'success': True}

    def integrations_get(self, call, params):
        """Section 3.4: plain Error messages, 400, no errorType; permission judged on the document's type."""
        doc = self.store.get_integration(params.get('integrationId'))
        created_by = params.get('createdBy')
        if doc is not None and created_by and created_by_id(doc) != created_by:
            doc = None
        if doc is None:
            raise failure('The integration does not exists.')
        kind = integration_kind(doc.get('type'))
        if self.has(call, 'manage-%s-integrations' % kind) or (
                self.has(call, 'manage-own-%s-integrations' % kind) and created_by_id(doc) == call.user_id):
            return 200, {'integration': doc, 'success': True}
        raise failure('not-authorized')

    def integrations_history(self, call, params):
        """Section 3.5; own-only users see rows of their own integrations."""
        integration_id = params.get('id')
        if not isinstance(integration_id, str) or not integration_id.strip():
            raise failure('Invalid integration id.')
        offset, count = self._pagination(params)
        sort = self._sort(params) or {'_updatedAt': -1}
        own_only = not self.has(call, MANAGE_OUTGOING)
        rows = [row for row in self.store.history_snapshot()
                if row['integration'].get('_id') == integration_id
                and (not own_only or created_by_id(row['integration']) == call.user_id)]
        rows = sort_documents(rows, sort)
        page = self._page(rows, offset, count)
        return 200, {'history': page, 'offset': offset, 'items': len(page), 'count': len(page), 'total': len(rows),
                     'success': True}

    # ------------------------------------------------------------------ integrations.create

    def integrations_create(self, call, body):
        integration_type = body.get('type')
        if integration_type == 'webhook-incoming':
            doc = self._add_incoming(call, body)
        elif integration_type == 'webhook-outgoing':
            doc = self._add_outgoing(call, body)
        else:
            # The unanchored schema pattern lets e.g. "webhook-incoming-invalid" through to here (section 1).
            raise failure('Invalid integration type.')
        return 200, {'integration': doc, 'success': True}

    def _incoming_channels(self, body, details):
        channel = body.get('channel')
        if not isinstance(channel, str) or not channel.strip():
            raise meteor_error('error-invalid-channel', 'Invalid channel', details)
        channels = [part.strip() for part in channel.split(',')]
        if any(not part or part[0] not in '@#' for part in channels):
            raise meteor_error('error-invalid-channel-start-with-chars', 'Invalid channel. Start with @ or #', details)
        return channels

    def _add_incoming(self, call, body):
        """addIncomingIntegration, checks in the order of section 4.4."""
        details = {'method': 'addIncomingIntegration'}
        if not self.profile.script_engine and 'overrideDestinationChannelEnabled' not in body:
            # 6.3: check() with overrideDestinationChannelEnabled: Boolean (section 3.1); a Match.Error has no
            # error code, so the REST layer sends only its message.
            raise failure("Match error: Missing key 'overrideDestinationChannelEnabled'")
        if not (self.has(call, MANAGE_INCOMING) or self.has(call, MANAGE_OWN_INCOMING)):
            raise meteor_error('not_authorized', 'Unauthorized', details)
        channels = self._incoming_channels(body, details)
        username = body.get('username')
        if not isinstance(username, str) or not username.strip():
            raise meteor_error('error-invalid-username', 'Invalid username', details)
        post_as = self.store.find_user(username=username)
        if post_as is None:
            raise meteor_error('error-invalid-user', 'Invalid user', details)
        can_add_to_all = self.has(call, MANAGE_INCOMING) and self.has(call, MANAGE_OWN_INCOMING)
        for channel in channels:
            self._check_target(call, channel, can_add_to_all, details)
        doc = dict(body)
        # 8.x defaults the flag to false; 6.11-6.13 did not require it either (section 3.1, section 11).
        override = body.get('overrideDestinationChannelEnabled')
        if self.profile.script_engine:
            doc['scriptEngine'] = body['scriptEngine'] if body.get('scriptEngine') is not None else 'isolated-vm'
        if self.profile.skip_transpile:
            doc['skipTranspile'] = body.get('skipTranspile') is True  # addIncomingIntegration.ts: sent === true
        doc.update({
            'type': 'webhook-incoming',
            'channel': channels,
            'overrideDestinationChannelEnabled': False if override is None else override,
            'token': random_string(48),
            'userId': post_as['_id'],
            '_createdAt': now_iso(),
            '_createdBy': self._created_by(call),
        })
        doc.update(self._script_fields(doc)[0])
        self.store.add_user_roles(post_as['_id'], ['bot'])
        return self._insert(doc)

    def _validate_outgoing(self, call, body):
        """validateOutgoingIntegration, in the order of section 4.4; returns the normalised fields."""
        details = {'function': 'validateOutgoing'}
        integration = dict(body)
        channel = integration.get('channel')
        if isinstance(channel, str) and not channel.strip():
            integration.pop('channel')
            channel = None
        # parseCSV: trims entries and (UNCONFIRMED, section 4.3) drops empty ones.
        channels = [part.strip() for part in channel.split(',') if part.strip()] if isinstance(channel, str) else []
        event = integration.get('event')
        if not isinstance(event, str) or event not in OUTGOING_EVENTS:
            raise meteor_error('error-invalid-event-type', 'Invalid event type', details)
        uses = OUTGOING_EVENTS[event]
        username = integration.get('username')
        if not isinstance(username, str) or not username.strip():
            raise meteor_error('error-invalid-username', 'Invalid username', details)
        if uses['targetRoom'] and not js_truthy(integration.get('targetRoom')):
            raise meteor_error('error-invalid-targetRoom', 'Invalid Target Room', details)
        urls = integration.get('urls')
        if not isinstance(urls, list) or not all(isinstance(url, str) for url in urls):
            raise meteor_error('error-invalid-urls', 'Invalid URLs', details)
        integration['urls'] = [url for url in urls if url.strip()]
        if not integration['urls']:
            raise meteor_error('error-invalid-urls', 'Invalid URLs', details)
        if uses['channel']:
            if any(part[0] not in '@#' and part not in ALL_CHANNEL_KEYWORDS for part in channels):
                raise meteor_error('error-invalid-channel-start-with-chars', 'Invalid channel. Start with @ or #', details)
        else:
            if not self.has(call, MANAGE_OUTGOING):
                raise meteor_error('error-invalid-permissions', 'Invalid permission for required Integration creation.', details)
            channels = []  # section 4.2: events without a channel store []
        post_as = self.store.find_user(username=username)
        if post_as is None:
            raise meteor_error('error-invalid-user', 'Invalid user (did you delete the `rocket.cat` user?)', details)
        trigger_words = integration.get('triggerWords')
        if uses['triggerWords'] and js_truthy(trigger_words):
            if not isinstance(trigger_words, list) or not all(isinstance(word, str) for word in trigger_words):
                raise meteor_error('error-invalid-triggerWords', 'Invalid triggerWords', details)
            integration['triggerWords'] = [word for word in trigger_words if word.strip()]
        else:
            integration.pop('triggerWords', None)
        can_add_to_all = self.has(call, MANAGE_OUTGOING) and self.has(call, MANAGE_OWN_OUTGOING)
        for part in channels:
            if part in ALL_CHANNEL_KEYWORDS:
                if part != 'all_public_channels' and not self.has(call, MANAGE_OUTGOING):
                    raise meteor_error('error-invalid-channel', 'Invalid Channel', details)
            else:
                self._check_target(call, part, can_add_to_all, details)
        if 'runOnEdits' in integration:
            integration['runOnEdits'] = integration['runOnEdits'] is True
        if integration.get('retryFailedCalls'):
            count = integration.get('retryCount')
            count = js_parse_int(count) if isinstance(count, (int, float)) and not isinstance(count, bool) else None
            integration['retryCount'] = count if count and count > 0 else 4
            delay = integration.get('retryDelay')
            # Section 4.2: lower-cased; the accepted values are UNCONFIRMED, so any string is kept.
            integration['retryDelay'] = delay.lower() if isinstance(delay, str) and delay.strip() else 'powers-of-ten'
        integration['channel'] = channels
        integration['userId'] = post_as['_id']
        if self.profile.script_engine:
            # validateOutgoingIntegration: scriptEngine ?? 'isolated-vm' (absent from the 6.3-era version).
            engine = integration.get('scriptEngine')
            integration['scriptEngine'] = engine if engine is not None else 'isolated-vm'
        integration.update(self._script_fields(integration)[0])
        return integration

    def _add_outgoing(self, call, body):
        if not (self.has(call, MANAGE_OUTGOING) or self.has(call, MANAGE_OWN_OUTGOING)):
            raise meteor_error('not_authorized')  # derived: no reason given, so "[not_authorized]" (section 3.1)
        doc = self._validate_outgoing(call, body)
        doc.update({
            'type': 'webhook-outgoing',
            '_createdAt': now_iso(),
            '_createdBy': self._created_by(call),
        })
        return self._insert(doc)

    # ------------------------------------------------------------------ integrations.update

    def integrations_update(self, call, body):
        """Section 3.2: no type check; outgoing by target_url (wins) or integrationId."""
        integration_type = body.get('type')
        if integration_type == 'webhook-outgoing':
            if body.get('target_url'):
                doc = self.store.find_integration_by_url(body['target_url'])
            elif body.get('integrationId'):
                doc = self.store.get_integration(body['integrationId'])
            else:
                doc = None
            if doc is None:
                raise failure('No integration found.')
            self._update_outgoing(call, doc['_id'], body)
        elif integration_type == 'webhook-incoming':
            doc = self.store.get_integration(body.get('integrationId'))
            if doc is None:
                raise failure('No integration found.')
            self._update_incoming(call, doc['_id'], body)
        else:
            raise failure('Invalid integration type.')
        return 200, {'integration': self.store.get_integration(doc['_id']), 'success': True}

    def _update_incoming(self, call, integration_id, body):
        """updateIncomingIntegration (sections 3.2 and 12.1), version by version."""
        details = {'method': 'updateIncomingIntegration'}
        channels = self._incoming_channels(body, details)
        current = self._find_for_method(call, integration_id, 'incoming', 'updateIncomingIntegration')
        script_set, script_unset = self._script_fields(body)
        can_add_to_all = self.has(call, MANAGE_INCOMING) and self.has(call, MANAGE_OWN_INCOMING)
        for channel in channels:
            self._check_target(call, channel, can_add_to_all, details)
        username = body['username'] if 'username' in body else current.get('username')
        post_as = self.store.find_user(username=username) if isinstance(username, str) else None
        if post_as is None:
            raise meteor_error('error-invalid-post-as-user', 'Invalid Post As User', details)
        self.store.add_user_roles(post_as['_id'], ['bot'])
        changes = {'enabled': body.get('enabled'), 'name': body.get('name'), 'channel': channels,
                   'scriptEnabled': body.get('scriptEnabled')}
        for key in ('avatar', 'emoji', 'alias', 'script'):
            # 8.4+ (PR #39553): only when sent. Before: always in the $set, so null on 7.3+ (ignoreUndefined
            # false) and left alone before (the driver dropped undefined).
            if key in body:
                changes[key] = body[key]
            elif self.profile.null_writes and not self.profile.incoming_update_sent_only:
                changes[key] = None
        if 'overrideDestinationChannelEnabled' in body:
            changes['overrideDestinationChannelEnabled'] = body['overrideDestinationChannelEnabled']
        if self.profile.script_engine:
            # sent ?? stored ?? 'isolated-vm'
            engine = body.get('scriptEngine')
            if engine is None:
                engine = current.get('scriptEngine')
            changes['scriptEngine'] = engine if engine is not None else 'isolated-vm'
        if self.profile.skip_transpile:
            changes['skipTranspile'] = body.get('skipTranspile') is True  # written on every update
        if 'username' in body:
            changes.update({'username': post_as['username'], 'userId': post_as['_id']})
        changes.update(script_set)
        changes['_updatedBy'] = self._created_by(call)
        self.store.update_integration(integration_id, changes, script_unset)

    # updateOutgoingIntegration.ts: the fixed $set list (section 12.1); scriptCompiled or scriptError is added below.
    OUTGOING_UPDATE_FIELDS = ('event', 'enabled', 'name', 'avatar', 'emoji', 'alias', 'channel', 'targetRoom', 'impersonateUser',
                              'username', 'userId', 'urls', 'token', 'script', 'scriptEnabled', 'scriptEngine', 'skipTranspile',
                              'triggerWords', 'retryFailedCalls', 'retryCount', 'retryDelay', 'triggerWordAnywhere', 'runOnEdits')

    def _update_outgoing(self, call, integration_id, body):
        details = {'method': 'updateOutgoingIntegration'}
        integration = self._validate_outgoing(call, body)
        token = integration.get('token')
        if not isinstance(token, str) or not token.strip():
            raise meteor_error('error-invalid-token', 'Invalid token', details)
        self._find_for_method(call, integration_id, 'outgoing', 'updateOutgoingIntegration')
        fields = [key for key in self.OUTGOING_UPDATE_FIELDS
                  if (key != 'scriptEngine' or self.profile.script_engine) and (key != 'skipTranspile' or self.profile.skip_transpile)]
        compiled = 'scriptCompiled' in integration
        if self.profile.null_writes:
            # 7.3+: the driver writes undefined as null, so every field the body left out becomes null,
            # scriptError included when no script compiled.
            changes = {key: integration.get(key) for key in fields}
            if not compiled:
                changes['scriptError'] = None
        else:
            changes = {key: integration[key] for key in fields if key in integration}
        if compiled:
            changes['scriptCompiled'] = integration['scriptCompiled']
        changes['_updatedBy'] = self._created_by(call)
        self.store.update_integration(integration_id, changes, ('scriptError',) if compiled else ('scriptCompiled',))

    # ------------------------------------------------------------------ integrations.remove

    def integrations_remove(self, call, body):
        """Section 5, including the missing type check: the requested type picks the permission, not the document."""
        integration_type = body.get('type')
        if integration_type == 'webhook-outgoing':
            target_url, integration_id = body.get('target_url'), body.get('integrationId')
            if not target_url and not integration_id:
                raise failure('An integrationId or target_url needs to be provided.')
            doc = self.store.find_integration_by_url(target_url) if target_url else self.store.get_integration(integration_id)
            kind = 'outgoing'
        elif integration_type == 'webhook-incoming':
            doc = self.store.get_integration(body.get('integrationId'))
            kind = 'incoming'
        else:
            raise failure('Invalid integration type.')
        if doc is None:
            raise failure('No integration found.')
        method = 'deleteOutgoingIntegration' if kind == 'outgoing' else 'deleteIncomingIntegration'
        self._find_for_method(call, doc['_id'], kind, method)
        self.store.delete_integration(doc['_id'])
        if kind == 'outgoing':
            self.store.delete_history(doc['_id'])
        return 200, {'integration': doc, 'success': True}

    # ------------------------------------------------------------------ 8.7+: clearHistory, replayOutgoing

    def _outgoing_for_history(self, call, integration_id, method):
        details = {'method': method}
        if not (self.has(call, MANAGE_OUTGOING) or self.has(call, MANAGE_OWN_OUTGOING)):
            raise meteor_error('not_authorized', 'Unauthorized', details)
        doc = self.store.get_integration(integration_id)
        if doc is not None and not self.has(call, MANAGE_OUTGOING) and created_by_id(doc) != call.user_id:
            doc = None
        if doc is None:
            raise meteor_error('error-invalid-integration', 'Invalid integration', details)
        return doc

    def integrations_clear_history(self, call, body):
        doc = self._outgoing_for_history(call, body['integrationId'], 'clearIntegrationHistory')
        self.store.delete_history(doc['_id'])
        return 200, {'success': True}

    def integrations_replay_outgoing(self, call, body):
        method = 'replayOutgoingIntegration'
        doc = self._outgoing_for_history(call, body['integrationId'], method)
        row = self.store.get_history(doc['_id'], body['historyId'])
        if row is None:
            raise meteor_error('error-invalid-integration-history', 'Invalid Integration History', {'method': method})
        # triggerHandler.replay (no details on its errors): the type check, then the row's data must exist ({} counts).
        if doc.get('type') != 'webhook-outgoing':
            raise meteor_error('integration-type-must-be-outgoing', 'The integration type to replay must be an outgoing webhook.')
        if row.get('data') is None:
            raise meteor_error('history-data-must-be-defined', 'The history data must be defined to replay an integration.')
        self.outgoing.replay(doc, row, self._site_url(call.request))
        return 200, {'success': True}

    # ------------------------------------------------------------------ /hooks (incoming webhooks)

    def _hook_body(self, request):
        raw = request.get_data(cache=True)
        # Like the real middleware: only this exact content type, and only a single form key.
        if request.headers.get('Content-Type') == 'application/x-www-form-urlencoded':
            text = raw.decode('utf-8', 'replace')
            form = dict(parse_qsl(text, keep_blank_values=True))
            if len(form) == 1:
                try:
                    return json.loads(form['payload'] if form.get('payload') else text)
                except ValueError as exc:
                    raise failure(str(exc))
            return form
        return self._json_body(request)

    def hook(self, call, integration_id, token, user_id=None):
        """Incoming webhook execution (section 8.1; api.ts). Scripts are stored but never executed here."""
        body = self._hook_body(call.request)
        doc = self.store.get_integration(integration_id)
        if doc is None or doc.get('token') != token:
            # Status and text of the 6.x-era source and of real servers' answers; newer sources throw an
            # Error here instead and the resulting status is UNCONFIRMED.
            raise ApiError(404, {'success': False, 'error': 'Invalid integration id or token provided.'})
        user = self.store.get_user(doc.get('userId'))
        if user is None:
            raise ApiError(401, self.profile.unauthorized_body())
        call.user, call.user_id = user, user['_id']
        # WebHookAPI has its own limiter, keyed on the hook URL, with no api-bypass-rate-limit exemption (section 7).
        self._rate_limit(call, honour_bypass=False, key_route=call.request.path)
        if doc.get('enabled') is not True:
            raise ApiError(503, {'success': False, 'error': 'Service Unavailable'})
        if self.profile.hook_impersonate_check and not self.store.has_permission(user['_id'], 'message-impersonate'):
            # PR #41017 (api.ts): checked for every post, whatever the body; API.v1.failure(<code>).
            raise failure('error-user-lacks-message-impersonate-permission')
        if not isinstance(body, dict) or not body:
            return 200, {'success': True}
        if (js_truthy(body.get('channel')) or js_truthy(body.get('roomId'))) and not doc.get('overrideDestinationChannelEnabled'):
            raise failure('overriding destination channel is disabled for this integration')
        target = body.get('channel') if js_truthy(body.get('channel')) else body.get('roomId')
        if not js_truthy(target):
            target = doc.get('channel') or []
        channels = target if isinstance(target, list) else [target]
        seen = []
        for channel in channels:
            if channel not in seen:
                seen.append(channel)
        site_url = self._site_url(call.request)
        for channel in seen:
            self._post_webhook_message(user, body, channel, site_url, integration=doc)
        return 200, {'success': True}

    def _hook_room(self, user, channel):
        """processWebhookMessage's room lookup; errors come back as 400 {error:<code>}."""
        if not isinstance(channel, str) or not channel:
            raise failure('invalid-channel')
        kind, value = channel[0], channel[1:]
        if kind == '@':
            target = self.store.find_user_by_id_or_username(value)
            if target is None:
                raise failure('invalid-channel')
            return self.store.direct_room(user['_id'], target['_id'])
        room = self.store.find_room(value if kind == '#' else channel)
        if room is None and kind != '#':
            target = self.store.get_user(channel)
            if target is not None:
                return self.store.direct_room(user['_id'], target['_id'])
        if room is None:
            raise failure('invalid-channel')
        if not self.store.is_subscribed(room['_id'], user['_id']):
            if room.get('t') != 'c':
                raise failure('error-not-allowed')  # section 8.1: private room, not a member
            self.store.subscribe(room['_id'], user['_id'])  # public rooms are joined on the way
        return room

    @staticmethod
    def _site_url(request):
        """The Site_Url setting the outgoing payload carries: the address this emulator was reached at."""
        return request.host_url.rstrip('/')

    def _post_webhook_message(self, user, body, channel, site_url, integration=None, depth=0):
        """processWebhookMessage for one channel, then the afterSaveMessage callback that fires the outgoing
        integrations (triggers.ts). Incoming webhooks and outgoing replies pass their integration: its alias,
        avatar and emoji are the defaults and the message gets bot {i: <integration _id>}."""
        doc = integration or {}
        room = self._hook_room(user, channel)
        text = body.get('text') or body.get('msg') or ''
        message = {
            'rid': room['_id'],
            'msg': text.strip() if isinstance(text, str) else str(text),
            'alias': body.get('username') or body.get('alias') or doc.get('alias') or '',
            'groupable': False,
            'attachments': body.get('attachments') or [],
            'u': {'_id': user['_id'], 'username': user['username'], 'name': user.get('name', user['username'])},
        }
        if integration is not None:
            message['bot'] = {'i': doc['_id']}
        if body.get('icon_url') or body.get('avatar'):
            message['avatar'] = body.get('icon_url') or body.get('avatar')
        elif body.get('icon_emoji') or body.get('emoji'):
            message['emoji'] = body.get('icon_emoji') or body.get('emoji')
        elif doc.get('avatar'):
            message['avatar'] = doc['avatar']
        elif doc.get('emoji'):
            message['emoji'] = doc['emoji']
        if body.get('tmid'):
            message['tmid'] = body['tmid']
        if isinstance(body.get('customFields'), dict):
            message['customFields'] = body['customFields']
        stored = self.store.add_message(message)
        self.outgoing.send_message_event(stored, self.store.find_room(room['_id']) or room, site_url, depth)
        return stored

    def _post_reply(self, trigger, user, payload, room, site_url, depth):
        """triggerHandler.sendMessage -> processWebhookMessage; the target's answer may name a channel."""
        channel = payload.get('channel') if isinstance(payload.get('channel'), str) and payload.get('channel') else '#' + room['_id']
        message = self._post_webhook_message(user, payload, channel, site_url, integration=trigger, depth=depth)
        return [{'channel': channel, 'message': message}]

    # ------------------------------------------------------------------ chat.postMessage

    def chat_post_message(self, call, body):
        """chat.ts: size check against Message_MaxAllowedSize (5000), processWebhookMessage as the caller,
        answer {ts, channel, message} for the first channel."""
        text, attachments = body.get('text'), body.get('attachments')
        if isinstance(text, str) and len(text) > MESSAGE_MAX_ALLOWED_SIZE:
            raise failure('error-message-size-exceeded')
        for attachment in attachments or []:
            if isinstance(attachment.get('text'), str) and len(attachment['text']) > MESSAGE_MAX_ALLOWED_SIZE:
                raise failure('error-message-size-exceeded')
        target = body.get('channel') or body.get('roomId') or ''
        channels = []
        for channel in target if isinstance(target, list) else [target]:
            if channel not in channels:
                channels.append(channel)
        site_url = self._site_url(call.request)
        sent = [(channel, self._post_webhook_message(call.user, body, channel, site_url)) for channel in channels]
        if not sent:
            raise failure('unknown-error')
        channel, message = sent[0]
        return 200, {'ts': int(time.time() * 1000), 'channel': channel, 'message': message, 'success': True}
