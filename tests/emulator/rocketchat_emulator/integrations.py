# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The integrations.* REST routes: list, get, history, create, update, remove, and from 8.7 clearHistory and
replayOutgoing (apps/meteor/app/api/server/v1/integrations.ts, api/server/lib/integrations.ts; sections 2, 3, 5).

The handlers find the document and pick the method; the methods themselves live in incoming_methods.py and
outgoing_methods.py.
"""

import json

from .errors import failure, meteor_error
from .jsvalues import js_parse_int, js_truthy
from .permissions import MANAGE_INCOMING, MANAGE_OUTGOING, MANAGE_OWN_INCOMING, MANAGE_OWN_OUTGOING, created_by_id
from .store import copy_doc, dotted_get


def integration_kind(integration_type):
    return 'incoming' if integration_type == 'webhook-incoming' else 'outgoing'


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


class IntegrationsRoutes:
    """The integrations.* endpoints; mixed into EmulatorApp."""

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
