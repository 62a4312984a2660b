# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Emulator-only control endpoints under /_emulator/ (no authentication; not part of Rocket.Chat).

They let tests inspect and arrange the emulator's state: users, permissions, rooms, bulk integrations,
history rows, settings, injected faults and the request log.
"""

import json

from .store import StoreError

FAULT_KINDS = ('status', 'drop_after_processing', 'reset_before', 'delay', 'html', 'non_json', 'redirect', 'apply_late')


class ControlError(Exception):
    """Bad control request; answered with HTTP 400."""


def _require_dict(body):
    if not isinstance(body, dict):
        raise ControlError('expected a JSON object')
    return body


def _optional(body, key, expected, default=None):
    value = body.get(key, default)
    if value is not None and (not isinstance(value, expected) or (expected is int and isinstance(value, bool))):
        raise ControlError('%s has the wrong type' % key)
    return value


class ControlApi:
    """Dispatches /_emulator/* requests; returns (status, JSON-able body)."""

    def __init__(self, store, shutdown_callback=None, reset_callback=None):
        self.store = store
        self.shutdown_callback = shutdown_callback
        self.reset_callback = reset_callback
        self.handlers = {
            ('GET', '/_emulator/state'): self.state,
            ('POST', '/_emulator/reset'): self.reset,
            ('POST', '/_emulator/users'): self.users,
            ('POST', '/_emulator/permissions'): self.permissions,
            ('POST', '/_emulator/rooms'): self.rooms,
            ('POST', '/_emulator/integrations'): self.integrations,
            ('POST', '/_emulator/history'): self.history,
            ('GET', '/_emulator/requests'): self.requests,
            ('DELETE', '/_emulator/requests'): self.clear_requests,
            ('GET', '/_emulator/settings'): self.get_settings,
            ('POST', '/_emulator/settings'): self.settings,
            ('GET', '/_emulator/faults'): self.list_faults,
            ('POST', '/_emulator/faults'): self.faults,
            ('DELETE', '/_emulator/faults'): self.clear_faults,
            ('POST', '/_emulator/shutdown'): self.shutdown,
        }

    def handle(self, request):
        handler = self.handlers.get((request.method, request.path.rstrip('/')))
        if handler is None:
            return 404, {'success': False, 'error': 'Unknown emulator control endpoint: %s %s' % (request.method, request.path)}
        body = None
        if request.method == 'POST':
            raw = request.get_data()
            try:
                body = json.loads(raw.decode('utf-8')) if raw.strip() else {}
            except ValueError as exc:
                return 400, {'success': False, 'error': 'Invalid JSON: %s' % exc}
        try:
            return 200, handler(body)
        except (ControlError, StoreError) as exc:
            return 400, {'success': False, 'error': str(exc)}

    # ------------------------------------------------------------------ handlers

    def state(self, dummy_body):
        return self.store.state()

    def reset(self, dummy_body):
        if self.reset_callback is not None:
            self.reset_callback()
        self.store.reset()
        return {'success': True}

    def users(self, body):
        body = _require_dict(body)
        return self.store.add_user(
            body.get('username'),
            password=_optional(body, 'password', str),
            roles=body.get('roles'),
            totp_required=bool(body.get('totp_required', False)),
            totp_code=_optional(body, 'totp_code', str),
            rooms=_optional(body, 'rooms', list),
            name=_optional(body, 'name', str),
            email=_optional(body, 'email', str),
        )

    def permissions(self, body):
        return {'permissions': self.store.set_permissions(_require_dict(body))}

    def rooms(self, body):
        body = _require_dict(body)
        return self.store.add_room(body.get('name'), room_type=body.get('type', 'c'), members=_optional(body, 'members', list))

    def integrations(self, body):
        body = _require_dict(body)
        if 'generate' in body:
            spec = _require_dict(body['generate'])
            docs = self.store.generate_integrations(
                _optional(spec, 'count', int, 1),
                integration_type=_optional(spec, 'type', str, 'webhook-incoming'),
                name_prefix=_optional(spec, 'name_prefix', str, 'generated-'),
            )
        else:
            docs = self.store.seed_integrations(_optional(body, 'integrations', list, []))
        return {'integrations': docs, 'count': len(docs)}

    def history(self, body):
        body = _require_dict(body)
        count = _optional(body, 'count', int, 1)
        rows = self.store.add_history(body.get('integrationId'), count=count, fields=_optional(body, 'fields', dict))
        return {'history': rows, 'count': len(rows)}

    def requests(self, dummy_body):
        return self.store.requests()

    def clear_requests(self, dummy_body):
        self.store.clear_requests()
        return {'success': True}

    def get_settings(self, dummy_body):
        return self.store.get_settings()

    def settings(self, body):
        return self.store.update_settings(_require_dict(body))

    def list_faults(self, dummy_body):
        return self.store.list_faults()

    def faults(self, body):
        body = _require_dict(body)
        route = _optional(body, 'route', str)
        kind = _optional(body, 'kind', str)
        if not route:
            raise ControlError('route is required (a request path such as /api/v1/integrations.remove, or "*")')
        if kind not in FAULT_KINDS:
            raise ControlError('kind must be one of: %s' % ', '.join(FAULT_KINDS))
        method = _optional(body, 'method', str)
        times = _optional(body, 'times', int, 1)
        if times < 1:
            raise ControlError('times must be at least 1')
        delay = _optional(body, 'delay_s', (int, float), 1.0)
        hold = _optional(body, 'hold_s', (int, float))
        if delay < 0 or (hold is not None and hold < 0):
            raise ControlError('delay_s and hold_s must not be negative')
        fault = {
            'route': route,
            'method': method.upper() if method else None,
            'kind': kind,
            'status': _optional(body, 'status', int),
            'times': times,
            'delay_s': float(delay),
            'hold_s': None if hold is None else float(hold),
            'location': _optional(body, 'location', str),
            'content_type': _optional(body, 'content_type', str),
        }
        if 'body' in body:
            fault['body'] = body['body']
        self.store.add_fault(fault)
        return {'success': True, 'faults': self.store.list_faults()}

    def clear_faults(self, dummy_body):
        self.store.clear_faults()
        return {'success': True}

    def shutdown(self, dummy_body):
        if self.shutdown_callback is None:
            raise ControlError('this emulator cannot be shut down over HTTP')
        self.shutdown_callback()
        return {'success': True}
