# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Finding, describing and removing Rocket.Chat integrations.

PRIVATE to this collection: the interface may change without notice.
Shared by every module that handles integrations, so that they all agree on what "the integration" is.
No Ansible imports: errors are raised as exceptions and turned into task failures by the caller.
"""

from __future__ import annotations

from datetime import datetime, timezone

from ansible_collections.community.rocketchat.plugins.module_utils._client import RocketChatError

INCOMING = 'webhook-incoming'
OUTGOING = 'webhook-outgoing'
TYPE_CHOICES = ['incoming', 'outgoing', INCOMING, OUTGOING]
_API_TYPES = {'incoming': INCOMING, 'outgoing': OUTGOING, INCOMING: INCOMING, OUTGOING: OUTGOING}

# Rocket.Chat returns these in clear text; they must never reach task output, diffs or messages.
SECRET_FIELDS = ('token',)
MASK = '********'

PERMISSIONS = {
    INCOMING: ('manage-incoming-integrations', 'manage-own-incoming-integrations'),
    OUTGOING: ('manage-outgoing-integrations', 'manage-own-outgoing-integrations'),
}

# Rocket.Chat's answers for an id it does not know (remove/update and get respectively).
NOT_FOUND_ERRORS = ('No integration found.', 'The integration does not exists.')

# Runs that create the same name at once each keep the oldest copy and remove their own moments later. Copies created
# this close together may be such a settlement in progress, so they are read again (after these waits, in seconds)
# before they count as duplicates; copies created further apart are duplicates at once.
PARALLEL_COPIES_WINDOW = 60
SETTLE_WAITS = (0.2, 0.4, 0.8, 1.6, 3.2)


class IntegrationError(Exception):
    """A problem the user has to fix before anything can be changed; the message says how."""


def api_type(value):
    """The API spelling ('webhook-incoming'/'webhook-outgoing') of a type option, or None."""
    return _API_TYPES.get(value) if value else None


def short_type(value):
    """'incoming' or 'outgoing' for an API type, for messages."""
    return {INCOMING: 'incoming', OUTGOING: 'outgoing'}.get(value, str(value))


def describe(doc):
    """A short, secret-free way to name an integration in a message."""
    return f"{short_type(doc.get('type'))} integration {doc.get('name')!r} (id {doc.get('_id')})"


def mask_secrets(doc):
    """A copy of an integration document with its secrets replaced by a mask."""
    if not doc:
        return {}
    masked = dict(doc)
    for field in SECRET_FIELDS:
        if masked.get(field):
            masked[field] = MASK
    return masked


def webhook_url(client, doc):
    """The address senders post to for an incoming integration: it contains the hook's token, so it is a secret."""
    if doc.get('type') != INCOMING or not doc.get('_id') or not doc.get('token'):
        return None
    return f"{client.base_url}/hooks/{doc['_id']}/{doc['token']}"


def permission_hint(type_=None):
    """Which permissions a user needs to manage integrations of a type (of either type when it is unknown)."""
    types = [type_] if type_ in PERMISSIONS else [INCOMING, OUTGOING]
    parts = [f'{PERMISSIONS[t][0]} (or {PERMISSIONS[t][1]} for integrations the user created)' for t in types]
    return 'the Rocket.Chat user needs the permission ' + ' / '.join(parts)


def is_not_found(exc):
    """True when Rocket.Chat says that the integration does not exist (HTTP 400 with a fixed message)."""
    return exc.status == 400 and (exc.error or '').strip() in NOT_FOUND_ERRORS


def is_permission_error(exc):
    """True for a route gate (403) or a method-level permission failure (400; 403 error-forbidden from 9.0).

    Never for a failed login, which the first request of a task may run into: Rocket.Chat 9 answers one with
    {error: 'unauthorized'} only (reference §13.5), and explain_error() says what to do about it.
    """
    if exc.endpoint == 'login':
        return False
    return exc.status == 403 or any(exc.has_error(code) for code in (
        'not_authorized', 'not-authorized', 'error-unauthorized', 'error-invalid-integration', 'unauthorized'))


def get_integration(client, integration_id, type_=None):
    """The integration with this id, or None when the server does not have it."""
    try:
        return client.get('integrations.get', params={'integrationId': integration_id}).get('integration') or None
    except RocketChatError as exc:
        if is_not_found(exc):
            return None
        if is_permission_error(exc):
            raise IntegrationError(
                f'Rocket.Chat refused to read integration {integration_id} ({exc.error}): {permission_hint(type_)}. '
                'Nothing was changed') from exc
        raise


def list_integrations(client, type_=None, name=None):
    """Every integration the user may see, optionally narrowed by type and (server-side, loosely) by name.

    Servers from 7.0 on filter by a case-insensitive substring of the name and by exact type; older ones ignore both
    parameters, so callers always filter exactly themselves.
    """
    params = {}
    if type_:
        params['type'] = type_
    if name:
        params['name'] = name
    try:
        return list(client.paginate('integrations.list', 'integrations', params))
    except RocketChatError as exc:
        if is_permission_error(exc):
            raise IntegrationError(
                f'Rocket.Chat refused to list integrations ({exc.error}): {permission_hint(type_)}. Nothing was changed') from exc
        raise


def find_by_name(client, name, type_=None):
    """Integrations whose name is exactly `name` (case-sensitive), of `type_` when given."""
    return [doc for doc in list_integrations(client, type_, name)
            if doc.get('name') == name and (type_ is None or doc.get('type') == type_)]


def find_by_target_url(client, target_url):
    """Outgoing integrations that call exactly `target_url`."""
    return [doc for doc in list_integrations(client, OUTGOING)
            if doc.get('type') == OUTGOING and target_url in (doc.get('urls') or [])]


def oldest(docs):
    """The integration that was created first: what concurrent creators of the same name all agree to keep."""
    return min(docs, key=lambda doc: (str(doc.get('_createdAt') or ''), str(doc.get('_id'))))


def _created_at(doc):
    value = doc.get('_createdAt')
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace('Z', '+00:00'))
    except ValueError:
        return None
    # JSON dates are UTC; one written without an offset is read as UTC too, so that any two can be compared.
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def may_be_parallel_copies(docs):
    """True when integrations of one type and name were all created within PARALLEL_COPIES_WINDOW of each other."""
    times = [_created_at(doc) for doc in docs]
    if None in times:
        return False
    return (max(times) - min(times)).total_seconds() <= PARALLEL_COPIES_WINDOW


def same_name_groups(docs):
    """The lists of two or more integrations that share a type and a name."""
    groups = {}
    for doc in docs:
        groups.setdefault((doc.get('type'), doc.get('name')), []).append(doc)
    return [group for group in groups.values() if len(group) > 1]


def read_settled(client, read, groups=same_name_groups):
    """read(), and read again while it shows copies that parallel runs may still be settling (bounded by SETTLE_WAITS).

    What is left after the waits is returned as it is: the caller reports real duplicates.
    """
    docs = read()
    for wait in SETTLE_WAITS:
        pending = groups(docs)
        if not pending or not all(may_be_parallel_copies(group) for group in pending):
            break
        client.sleep(wait)
        docs = read()
    return docs


def _one(matches, what):
    if len(matches) > 1:
        found = ', '.join(f"{m.get('_id')} ({short_type(m.get('type'))})" for m in matches)
        hint = 'set type, or integration_id,' if len({m.get('type') for m in matches}) > 1 else 'set integration_id'
        raise IntegrationError(
            f'{len(matches)} integrations match {what}: {found}. To pick one, {hint} instead; nothing was changed')
    return matches[0] if matches else None


def find_integration(client, integration_id=None, name=None, target_url=None, type_=None):
    """Find the one integration the user named, or None when there is none.

    Lookup order: integration_id, else exact name (within type_ when given), else an outgoing target URL.
    Raises IntegrationError when the name is ambiguous or the stored type is not the requested one.
    """
    if integration_id:
        doc = get_integration(client, integration_id, type_)
        what = f'integration_id {integration_id!r}'
    elif name:
        matches = read_settled(client, lambda: find_by_name(client, name, type_))
        doc = _one(matches, f'name {name!r}' + (f' and type {short_type(type_)}' if type_ else ''))
        what = f'name {name!r}'
    else:
        doc = _one(find_by_target_url(client, target_url), f'target_url {target_url!r}')
        what = f'target_url {target_url!r}'
    if doc and type_ and doc.get('type') != type_:
        # Rocket.Chat's remove and update trust the type they are given: acting on a mismatch would hit the wrong kind.
        raise IntegrationError(
            f"type is {short_type(type_)!r} but {what} is an {describe(doc)}. Set type: {short_type(doc.get('type'))} "
            '(or leave type out) if you mean this integration; nothing was changed')
    return doc


# What remove_integration() found: the server removed the integration and said so; the answer to this run's removal
# was lost and the server no longer has it (this run's removal, possibly applied after the answer was given up on);
# or the integration was gone before this run sent anything.
REMOVED_ANSWERED, REMOVED_ANSWER_LOST, ALREADY_REMOVED = 'removed', 'removed, answer lost', 'already removed'


def remove_integration(client, doc):
    """Remove an integration found by find_integration(); REMOVED_ANSWERED, REMOVED_ANSWER_LOST or ALREADY_REMOVED.

    When the answer to the remove is lost, the server is read again: if the integration is gone, the remove happened.
    Otherwise it is sent once more; a server still working on the first one then answers that it finds no such
    integration, or that the integration is invalid (the delete method's own lookup missed it), and either means that
    this run's removal happened.
    """
    try:
        return REMOVED_ANSWERED if _remove(client, doc) else ALREADY_REMOVED
    except RocketChatError as exc:
        if not exc.answer_lost:
            raise
    if _gone(client, doc):
        return REMOVED_ANSWER_LOST
    try:
        return REMOVED_ANSWERED if _remove(client, doc, after_lost_answer=True) else REMOVED_ANSWER_LOST
    except RocketChatError as exc:
        if exc.answer_lost and _gone(client, doc):
            return REMOVED_ANSWER_LOST
        raise


def _gone(client, doc):
    return get_integration(client, doc['_id'], doc['type']) is None


def _remove(client, doc, after_lost_answer=False):
    """Send the remove: True when the server removed it, False when it finds no such integration."""
    try:
        client.post('integrations.remove', {'type': doc['type'], 'integrationId': doc['_id']})
    except RocketChatError as exc:
        if is_not_found(exc):
            return False
        if after_lost_answer and exc.has_error('error-invalid-integration') and _gone(client, doc):
            return False  # the first removal deleted it between the route's lookup and the delete method's
        if is_permission_error(exc):
            own_only = exc.has_error('error-invalid-integration')
            detail = (f'the user may only remove integrations it created and did not create {describe(doc)}; '
                      if own_only else '')
            raise IntegrationError(
                f'Rocket.Chat refused to remove {describe(doc)} ({exc.error}): {detail}{permission_hint(doc["type"])}. '
                'Nothing was changed') from exc
        raise
    return True
