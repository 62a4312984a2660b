# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The WSGI application: routing, the route pipeline (authentication, rate limiter, parameters, permission gate),
injected faults and the route table. The endpoints live in modules laid out like the server's:

- auth.py: /api/info, login, logout, me; directory.py: users.* and channels.*;
- integrations.py: the integrations.* REST routes; incoming_methods.py and outgoing_methods.py: the integration
  methods they call (integration_methods.py: what both share);
- webhooks.py: /hooks and chat.postMessage; outgoing.py: outgoing deliveries;
- profiles.py: what differs between releases.

"Section N" references name the Rocket.Chat sources each behaviour follows: README.md maps them
(table at the top, and "Fidelity notes").
"""

import json
import logging
import math
import socket
import time
from http import HTTPStatus
from urllib.parse import parse_qsl

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from .auth import AuthRoutes
from .control import ControlApi
from .directory import DirectoryApi
from .errors import ApiError, failure
from .incoming_methods import IncomingMethods
from .integrations import IntegrationsRoutes
from .outgoing import OutgoingDispatcher
from .outgoing_methods import OutgoingMethods
from .permissions import ANY_INTEGRATION_PERMISSION, OUTGOING_PERMISSIONS
from .scripts import require_engine
from .store import now_iso
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
    without_property,
)
from .webhooks import WebhookRoutes


LOG = logging.getLogger('rocketchat_emulator')

TOO_MANY_REQUESTS = ('Error, too many requests. Please slow down. You must wait %d seconds before trying this endpoint again. '
                     '[error-too-many-requests]')
UNKNOWN_ROUTE = {'success': False, 'error': 'API endpoint not found'}


def json_response(status, body, headers=None):
    """Every answer: compact JSON, exactly 'application/json' (no charset), no caching (section 1)."""
    payload = json.dumps(body, separators=(',', ':'), ensure_ascii=False).encode('utf-8')
    response = Response(payload, status=status, content_type='application/json')
    response.headers['Cache-Control'] = 'no-store'
    response.headers['Pragma'] = 'no-cache'
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def reason_phrase(status):
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return 'Error'


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


class EmulatorApp(AuthRoutes, IntegrationsRoutes, IncomingMethods, OutgoingMethods, WebhookRoutes):
    """WSGI application emulating the Rocket.Chat REST API for integrations."""

    def __init__(self, store, profile, shutdown_callback=None):
        self.store = store
        self.profile = profile
        self.control = ControlApi(store, shutdown_callback)
        self.directory = DirectoryApi(store, profile)
        self.outgoing = OutgoingDispatcher(store, self._post_reply, null_writes=profile.null_writes)
        self.started_at = now_iso()
        self.scripts = require_engine()  # fails here, at start, when mini-racer is missing
        engine, skip = profile.script_engine, profile.skip_transpile
        list_schema = LIST_QUERY_SCHEMA if profile.list_filters else None
        history_schema = HISTORY_QUERY_SCHEMA
        if profile.query_parameter_removed:
            list_schema, history_schema = without_property(list_schema, 'query'), without_property(history_schema, 'query')
        if profile.skip_transpile_removed:
            # Section 13.3: the variant is a setting, so the schema is picked per request.
            self.variant_schemas = {'refused': (create_schema(engine, False), update_schema(engine, False)),
                                    'ignored': (create_schema(engine, True), update_schema(engine, True))}
            create_body, update_body = self._variant_create_schema, self._variant_update_schema
        else:
            create_body, update_body = create_schema(engine, skip), update_schema(engine, skip)
        self.routes = {
            '/api/info': RouteSpec(self.info, auth=False, limited=False),
            '/api/v1/login': RouteSpec(self.login, auth=False),
            '/api/v1/logout': RouteSpec(self.logout),
            '/api/v1/me': RouteSpec(self.me),
            '/api/v1/integrations.list': RouteSpec(self.integrations_list, gate=ANY_INTEGRATION_PERMISSION, schema=list_schema),
            '/api/v1/integrations.get': RouteSpec(self.integrations_get, schema=GET_QUERY_SCHEMA),
            '/api/v1/integrations.create': RouteSpec(self.integrations_create, schema=create_body),
            '/api/v1/integrations.update': RouteSpec(self.integrations_update, schema=update_body),
            '/api/v1/integrations.remove': RouteSpec(self.integrations_remove, gate=ANY_INTEGRATION_PERMISSION, schema=REMOVE_SCHEMA),
            '/api/v1/integrations.history': RouteSpec(self.integrations_history, gate=OUTGOING_PERMISSIONS, schema=history_schema),
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
            if endpoint != 'hook':  # the webhook handler answers its own failures (section 13.4)
                refusal = self.profile.refusal(status, body)
                if refusal is not None:
                    status, body = 403, refusal
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
        schema = spec.schema() if callable(spec.schema) else spec.schema
        if schema is not None:
            # Query strings are coerced where the schema wants numbers (integrations.history compiles with
            # coerceTypes in every release); bodies only where the profile's ajv coerces.
            coerce = self.profile.coerce_types if spec.coerce is None else spec.coerce
            messages = validate(schema, params, coerce=where == 'query' or coerce)
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
            raise ApiError(401, self.profile.unauthorized_body(self.breaking_changes()))
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

    def breaking_changes(self):
        """applyBreakingChanges on a 9.x profile: the apply_breaking_changes setting (section 13.5)."""
        return self.profile.breaking_changes_possible and self.store.get_settings()['apply_breaking_changes']

    def skip_transpile_variant(self):
        """What a 9.x profile does with skipTranspile: the skip_transpile_variant setting (section 13.3)."""
        return self.store.get_settings()['skip_transpile_variant']

    def _variant_create_schema(self):
        return self.variant_schemas[self.skip_transpile_variant()][0]

    def _variant_update_schema(self):
        return self.variant_schemas[self.skip_transpile_variant()][1]

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
