# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Bringing one integration to the desired fields: create, update, settle parallel creations.

PRIVATE to this collection: the interface may change without notice.
One implementation for every module that writes integrations, so that they agree on what "unchanged" means and on
how a lost answer or a parallel run is handled. No Ansible imports: check mode and warnings come in as arguments.
"""

from __future__ import annotations

import secrets

from ansible_collections.community.rocketchat.plugins.module_utils._client import RocketChatError
from ansible_collections.community.rocketchat.plugins.module_utils._fields import (
    FieldError,
    adapt_update_payload,
    apply_fields,
    check_fields,
    check_update,
    create_payload,
    differences,
    update_payload,
)
from ansible_collections.community.rocketchat.plugins.module_utils._integration import (
    OUTGOING,
    IntegrationError,
    describe,
    find_by_name,
    find_integration,
    is_permission_error,
    oldest,
    permission_hint,
    remove_integration,
    short_type,
)

CREATED, UPDATED, UNCHANGED, REMOVED = 'created', 'updated', 'unchanged', 'removed'
SKIP_TRANSPILE_SINCE = (8, 4)


def new_token():
    """A random token for an outgoing integration (48 characters, as long as Rocket.Chat's own hook tokens)."""
    return secrets.token_urlsafe(36)


def check_creatable(type_, desired):
    """Raise IntegrationError when the desired fields are not enough to create the integration."""
    try:
        check_fields(desired, type_, creating=True)
    except FieldError as exc:
        raise IntegrationError(f'{exc}. Nothing was changed') from exc


def check_skip_transpile(client, desired, doc=None):
    """Raise IntegrationError when skip_transpile is to be written to a server older than 8.4, which does not know it.

    Asks the server's version only then, and only when the stored integration does not already have the field.
    """
    if not desired.get('skip_transpile') or (doc and 'skipTranspile' in doc):
        return
    version = client.server_version()
    if version is not None and version < SKIP_TRANSPILE_SINCE:
        raise IntegrationError(
            f"skip_transpile needs Rocket.Chat {'.'.join(map(str, SKIP_TRANSPILE_SINCE))} or later, and this server runs "
            f"{'.'.join(map(str, version))}: remove skip_transpile from the task. Nothing was changed")


class Change:
    """What bringing one integration to the desired state did, or would do in check mode.

    before/after are integration documents (with secrets: mask them before output); after of a predicted creation
    has no _id. changed can be true for an UNCHANGED action when a parallel run's copy was removed.
    """

    def __init__(self, action, before, after, msg, changed_options=(), token_changed=False, changed=None):
        self.action = action
        self.before = before or {}
        self.after = after or {}
        self.msg = msg
        self.changed_options = list(changed_options)
        self.token_changed = token_changed
        self.changed = action != UNCHANGED if changed is None else changed
        self.settled = False  # this run's creation was removed in favour of a parallel run's (see settle_creation)


def write_error(exc, action, type_, doc=None, name=None):
    """An IntegrationError for a refused create or update, naming what was refused and why."""
    what = describe(doc) if doc else f'{short_type(type_)} integration' + (f' {name!r}' if name else '')
    if is_permission_error(exc):
        return IntegrationError(f'Rocket.Chat refused to {action} the {what} ({exc.error}): {permission_hint(type_)}. '
                                'Nothing was changed')
    if action == 'update' and exc.has_error('No integration found'):
        # Read a moment ago, gone now (reference §3.2): removed by someone else between the read and the update.
        return IntegrationError(f'{what} was removed on the server while this task was updating it; nothing was '
                                'changed')
    return IntegrationError(f'Rocket.Chat refused to {action} the {what}: {exc.error or exc}. Nothing was changed')


def create(client, type_, desired, check_mode):
    """Create an integration with the desired fields (in check mode, predict it).

    An outgoing integration created without a token gets a random one: Rocket.Chat refuses to update an outgoing
    integration that has none, so without it the integration could never be changed again.
    """
    check_creatable(type_, desired)
    check_skip_transpile(client, desired)
    changed_options = list(desired)
    if type_ == OUTGOING and not desired.get('token'):
        desired = dict(desired, token=new_token())
    predicted = apply_fields({}, desired, type_)
    name = desired.get('name')
    if check_mode:
        return Change(CREATED, None, predicted, f'Would create {short_type(type_)} integration {name!r}', changed_options)
    try:
        created = client.post('integrations.create', create_payload(type_, desired)).get('integration') or predicted
    except RocketChatError as exc:
        if exc.answer_lost:
            # Never create twice: whether the create happened is read from the server, not guessed.
            found = find_by_name(client, name, type_)
            if not found:
                raise IntegrationError(
                    f'The answer to the creation of the {short_type(type_)} integration {name!r} was lost ({exc}), and the '
                    'server does not have it: nothing was created. Run the task again') from exc
            created = oldest(found)
        elif exc.status in (400, 403):
            raise write_error(exc, 'create', type_, name=name) from exc
        else:
            raise
    return Change(CREATED, None, created, f'Created {describe(created)}', changed_options)


def settle_creation(client, change, desired, same_name, update_token='always', warn=None):
    """Make sure one integration of the name is left when other runs created it at the same time.

    Rocket.Chat does not keep names unique. Every run that created one keeps the oldest (same_name: the integrations
    of the created one's type and name, read after the creation) and removes its own, so that parallel runs converge
    on one integration; the kept one is then brought to the desired fields.
    """
    created = change.after
    keeper = oldest(same_name) if same_name else created
    if not created.get('_id') or keeper['_id'] == created['_id']:
        return change
    remove_integration(client, created)
    msg = f'{describe(keeper)} was created at the same time by another run; kept it and removed the copy {created["_id"]}'
    # Record at once that this run's copy is gone, in case bringing the kept one up to date fails.
    change.action, change.after, change.msg, change.changed, change.settled = UNCHANGED, keeper, msg, True, True
    result = update(client, keeper, desired, update_token, check_mode=False, warn=warn)
    result.changed = result.settled = True
    result.msg = msg + ('; ' + result.msg if result.action == UPDATED else '')
    return result


def create_settled(client, type_, desired, check_mode, update_token='always', warn=None):
    """create(), then settle_creation() against a fresh read of the integrations of that name."""
    change = create(client, type_, desired, check_mode)
    if check_mode or not change.after.get('_id'):
        return change
    return settle_creation(client, change, desired, find_by_name(client, desired.get('name'), type_), update_token, warn)


def update(client, doc, desired, update_token='always', check_mode=False, warn=None):
    """Update the fields of doc that differ from desired (in check mode, predict the update)."""
    type_ = doc['type']
    compare_token = update_token == 'always' or not doc.get('token')
    if not compare_token:
        desired = {option: value for option, value in desired.items() if option != 'token'}
    changed_options = differences(doc, desired, compare_token=compare_token)
    if not changed_options:
        return Change(UNCHANGED, doc, doc, f'{describe(doc)} is up to date')
    try:
        check_update(doc, desired)
    except FieldError as exc:
        raise IntegrationError(f'{exc}. Nothing was changed') from exc
    check_skip_transpile(client, {option: desired[option] for option in changed_options if option in desired}, doc)
    token = None
    if type_ == OUTGOING:
        token = desired.get('token') if 'token' in changed_options else doc.get('token')
        if not token:
            # Rocket.Chat refuses to update an outgoing integration without a token (one made elsewhere may lack it).
            token = new_token()
            desired = dict(desired, token=token)
            changed_options.append('token')
            if warn:
                warn(f"{describe(doc)} has no token, which Rocket.Chat requires to update an outgoing integration, so "
                     f"{'the update would set' if check_mode else 'the update set'} a random one; Rocket.Chat sends it with "
                     'every call from now on. To choose it, set token')
    predicted = apply_fields(doc, desired)
    token_changed = 'token' in changed_options
    msg = f"{'Would update' if check_mode else 'Updated'} {describe(predicted)}: {', '.join(changed_options)}"
    if check_mode:
        return Change(UPDATED, doc, predicted, msg, changed_options, token_changed)
    payload = update_payload(doc, desired, token)
    try:
        updated = _put_update(client, payload).get('integration') or predicted
    except RocketChatError as exc:
        if exc.answer_lost:
            # An update carries the whole integration, so sending it again is harmless; first see if it landed.
            updated = find_integration(client, integration_id=doc['_id'], type_=type_)
            if updated is None:
                raise IntegrationError(f'{describe(doc)} disappeared while it was being updated; nothing to update') from exc
            if differences(updated, desired, compare_token=compare_token):
                updated = _put_update(client, payload).get('integration') or predicted
        elif exc.status in (400, 403):
            raise write_error(exc, 'update', type_, doc) from exc
        else:
            raise
    ignored = differences(updated, desired, compare_token=compare_token)
    if ignored and warn:
        # Some Rocket.Chat versions silently drop some changes (for example the post-as user of incoming hooks).
        warn(f"Rocket.Chat accepted the update of {describe(updated)} but did not store: {', '.join(ignored)}; "
             'the next run will try again. Check the server version and its logs')
    return Change(UPDATED, doc, updated, msg, changed_options, token_changed)


def _put_update(client, payload):
    """PUT integrations.update; when an older server's schema refuses the body and says what it wants, adapt it.

    The common case costs one request; a 6.3 server, or a stored field that this server's schema does not know, one
    or two more.
    """
    for _attempt in range(2):
        try:
            return client.put('integrations.update', payload)
        except RocketChatError as exc:
            adapted = adapt_update_payload(payload, exc.error) if exc.status == 400 else None
            if adapted is None:
                raise
            payload = adapted
    return client.put('integrations.update', payload)


def remove(client, doc, check_mode):
    """Remove doc (in check mode, predict it). An UNCHANGED change when someone else removed it first."""
    if not check_mode and not remove_integration(client, doc):
        # Someone else removed it between our read and our remove: the state is as requested, but not by us.
        return Change(UNCHANGED, doc, None, f'{describe(doc)} was already removed')
    return Change(REMOVED, doc, None, f'{"Would remove" if check_mode else "Removed"} {describe(doc)}')
