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
import time
import weakref

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
    ALREADY_REMOVED,
    OUTGOING,
    REMOVED_ANSWER_LOST,
    IntegrationError,
    describe,
    find_by_name,
    get_integration,
    is_permission_error,
    oldest,
    permission_hint,
    remove_integration,
    short_type,
)
from ansible_collections.community.rocketchat.plugins.module_utils._script_verdict import (
    VERDICT_KEYS,
    carries_script,
    check_created,
    check_updated,
    script_error,
    untouched_script_warning,
)

CREATED, UPDATED, UNCHANGED, REMOVED = 'created', 'updated', 'unchanged', 'removed'
SKIP_TRANSPILE_SINCE = (8, 4)
# An integration read longer ago than this (seconds) is read again before it is updated, as after any wait of the
# client: an edit made meanwhile (in the web UI, say) to a field the task does not set would otherwise be reverted,
# since every update carries the whole document.
STALE_AFTER = 10
# After a lost answer to a create, the name is read again after waits of 1, 2, 4, 8 seconds, until the integration
# shows or the waits add up to LOST_CREATE_WINDOW (or the task's timeout, when that is shorter): a server that was
# still saving it when the answer was lost lists it moments later.
FIRST_LOST_CREATE_WAIT = 1
LOST_CREATE_WINDOW = 15


class RunMemory:
    """What one client's task has been through, for the writes that follow.

    waits counts the client's waits (rate limiter, settling; every one goes through client.sleep): after one, what
    was read before it may be stale. required and refused are what this server's update schema asked for in a
    refusal (Rocket.Chat 6.3 requires overrideDestinationChannelEnabled; an outgoing update refuses keys the release
    does not know), applied to every later update body so that each refusal is met once per task, not per integration.
    """

    def __init__(self, client):
        self.waits = 0
        self.required = {}
        self.refused = {}
        sleep = client.sleep

        def counted_sleep(seconds):
            self.waits += 1
            sleep(seconds)

        client.sleep = counted_sleep

    def mark(self):
        """A moment to compare with later: see stale()."""
        return (self.waits, time.monotonic())

    def stale(self, mark):
        """True when the client waited since mark, or when mark is older than STALE_AFTER."""
        return self.waits > mark[0] or time.monotonic() - mark[1] > STALE_AFTER

    def adapted(self, body):
        """The update body with what this server's schema asked for so far."""
        body = dict(body)
        for key, value in self.required.items():
            body.setdefault(key, value)
        for key in self.refused.get(body.get('type'), ()):
            body.pop(key, None)
        return body

    def learn(self, body, error):
        """Remember what the refusal `error` of an update body asks for; False when it asks for nothing known."""
        body = self.adapted(body)
        adapted = adapt_update_payload(body, error)
        if adapted is None:
            return False
        self.required.update({key: value for key, value in adapted.items() if key not in body})
        self.refused.setdefault(body.get('type'), set()).update(key for key in body if key not in adapted)
        return True


_MEMORIES = weakref.WeakKeyDictionary()


def memory_of(client):
    """The RunMemory of a client (a client serves one task), made on first use."""
    memory = _MEMORIES.get(client)
    if memory is None:
        memory = _MEMORIES[client] = RunMemory(client)
    return memory


def lost_create_waits(timeout):
    """The waits (seconds) before each new read of a name after a lost answer to its creation: doubling from
    FIRST_LOST_CREATE_WAIT, the last one shortened so that they add up to LOST_CREATE_WINDOW or the task's timeout."""
    window = min(LOST_CREATE_WINDOW, timeout)
    waits, total, wait = [], 0, FIRST_LOST_CREATE_WAIT
    while total < window:
        waits.append(min(wait, window - total))
        total += waits[-1]
        wait *= 2
    return waits


# Rocket.Chat 9.0 removed the transpilation that skip_transpile skips (#40142).
SKIP_TRANSPILE_UNTIL = (9, 0)


def new_token():
    """A random token for an outgoing integration (48 characters, as long as Rocket.Chat's own hook tokens)."""
    return secrets.token_urlsafe(36)


def check_creatable(type_, desired):
    """Raise IntegrationError when the desired fields are not enough to create the integration."""
    try:
        check_fields(desired, type_, creating=True)
    except FieldError as exc:
        raise IntegrationError(f'{exc}. Nothing was changed') from exc


def _release(version):
    return '.'.join(map(str, version))


def check_skip_transpile(client, desired, doc=None, warn=None):
    """The desired fields as this server can take them, as far as skip_transpile goes.

    Asks the server's version (once per client) only when the task sets skip_transpile. Rocket.Chat 9.0 runs every
    script untranspiled and dropped the flag (reference §13.2, §13.3): there the option is left out, so that it is
    neither compared nor sent, with a warning. Before 8.4, which does not know the field, skip_transpile: true fails
    (IntegrationError) unless the stored integration has the field already.
    """
    if desired.get('skip_transpile') is None:
        return desired
    version = client.server_version()
    if version is not None and version >= SKIP_TRANSPILE_UNTIL:
        if warn:
            name = f" (set for {desired['name']!r})" if desired.get('name') else ''
            warn(f"skip_transpile{name} has no effect on Rocket.Chat {_release(version)}: from "
                 f"{_release(SKIP_TRANSPILE_UNTIL)} on, every script runs as it is, never transpiled, so the option is "
                 'neither compared nor sent. Remove it from the task')
        return {option: value for option, value in desired.items() if option != 'skip_transpile'}
    if desired['skip_transpile'] and not (doc and 'skipTranspile' in doc) and version is not None \
            and version < SKIP_TRANSPILE_SINCE:
        raise IntegrationError(
            f"skip_transpile needs Rocket.Chat {_release(SKIP_TRANSPILE_SINCE)} or later, and this server runs "
            f"{_release(version)}: remove skip_transpile from the task. Nothing was changed")
    return desired


def keeps_stored_skip_transpile(client, doc, desired):
    """Whether an update may carry the integration's stored skipTranspile back to the server.

    Only a stored true needs carrying (a 7.3+ server stores what an update leaves out as null, and null, false and no
    field all mean the same), and only to a server before 9.0, which dropped the flag (reference §13.3: whether 9.0
    refuses the key or ignores it is not known, so it never gets it). The version is asked only then.
    """
    if doc.get('skipTranspile') is not True or 'skip_transpile' in desired:
        return 'skip_transpile' in desired
    version = client.server_version()
    return version is None or version < SKIP_TRANSPILE_UNTIL


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


def create(client, type_, desired, check_mode, warn=None):
    """Create an integration with the desired fields (in check mode, predict it).

    An outgoing integration created without a token gets a random one: Rocket.Chat refuses to update an outgoing
    integration that has none, so without it the integration could never be changed again.
    """
    check_creatable(type_, desired)
    desired = check_skip_transpile(client, desired, warn=warn)
    changed_options = list(desired)
    if type_ == OUTGOING and not desired.get('token'):
        desired = dict(desired, token=new_token())
    predicted = apply_fields({}, desired, type_)
    name = desired.get('name')
    if check_mode:
        return Change(CREATED, None, predicted, f'Would create {short_type(type_)} integration {name!r}', changed_options)
    try:
        created = client.post('integrations.create', create_payload(type_, desired)).get('integration')
    except RocketChatError as exc:
        if exc.answer_lost:
            created = check_created(client, _created_unanswered(client, type_, name, exc), predicted, warn)
            return Change(CREATED, None, created, f'Created {describe(created)}; the answer to the creation was lost, '
                          'and the server listed the integration when read again', changed_options)
        if exc.status in (400, 403):
            raise write_error(exc, 'create', type_, name=name) from exc
        raise
    if not created:
        # An answer without the document (another release's shape): read it by name, as after a lost answer, so that
        # its script is judged and parallel copies are settled (a name not listed leaves the prediction).
        found = find_by_name(client, name, type_)
        created = oldest(found) if found else predicted
    created = check_created(client, created, predicted, warn)
    return Change(CREATED, None, created, f'Created {describe(created)}', changed_options)


def _created_unanswered(client, type_, name, exc):
    """The integration a create whose answer was lost made, read back by name; IntegrationError when it never shows.

    Never create twice: whether the create happened is read from the server, not guessed. A server that gave up
    answering (a gateway's 504, the client's timeout) may still be saving it, so one read that misses it proves
    nothing: the name is read again for a while (lost_create_waits).
    """
    found = find_by_name(client, name, type_)
    waits = lost_create_waits(client.timeout)
    for wait in waits:
        if found:
            break
        client.sleep(wait)
        found = find_by_name(client, name, type_)
    if not found:
        raise IntegrationError(
            f'The answer to the creation of the {short_type(type_)} integration {name!r} was lost ({exc}), and the server '
            f'did not list it in the {sum(waits):g} s that followed: it may still be saving it, or it did not create it. '
            'Nothing else was changed. Run the task again once the server answers normally: it looks the integration up '
            'by name, so it updates the one the server saved rather than create a second, and creates it only if the '
            'server has none') from exc
    return oldest(found)


def settle_creation(client, change, desired, same_name, update_token='always', warn=None, read_at=None):
    """Make sure one integration of the name is left when other runs created it at the same time.

    Rocket.Chat does not keep names unique. Every run that created one keeps the oldest (same_name: the integrations
    of the created one's type and name, read after the creation) and removes its own, so that parallel runs converge
    on one integration; the kept one is then brought to the desired fields. read_at: the RunMemory.mark() taken when
    same_name was read (the kept one is read again before its update when the client waited since).
    """
    created = change.after
    keeper = oldest(same_name) if same_name else created
    if not created.get('_id') or keeper['_id'] == created['_id']:
        return change
    remove_integration(client, created)
    msg = f'{describe(keeper)} was created at the same time by another run; kept it and removed the copy {created["_id"]}'
    # Record at once that this run's copy is gone, in case bringing the kept one up to date fails.
    change.action, change.after, change.msg, change.changed, change.settled = UNCHANGED, keeper, msg, True, True
    # desired as create() sent it (the warning about skip_transpile on 9.0+ was given there, once).
    desired = check_skip_transpile(client, desired, keeper)
    result = update(client, keeper, desired, update_token, check_mode=False, warn=warn, read_at=read_at)
    result.changed = result.settled = True
    result.msg = msg + ('; ' + result.msg if result.action == UPDATED else '')
    return result


def create_settled(client, type_, desired, check_mode, update_token='always', warn=None):
    """create(), then settle_creation() against a fresh read of the integrations of that name."""
    change = create(client, type_, desired, check_mode, warn)
    if check_mode or not change.after.get('_id'):
        return change
    same_name = find_by_name(client, desired.get('name'), type_)
    return settle_creation(client, change, desired, same_name, update_token, warn, memory_of(client).mark())


def update(client, doc, desired, update_token='always', check_mode=False, warn=None, read_at=None):
    """Update the fields of doc that differ from desired (in check mode, predict the update).

    read_at is the RunMemory.mark() taken when doc was read (None: doc is fresh). When the client waited since, doc
    is read again before the update is planned: every update carries the whole document, so one built on a stale
    read would revert an edit made meanwhile to a field the task does not set.
    """
    memory = memory_of(client)
    if not check_mode and read_at is not None and memory.stale(read_at):
        doc = _read_again(client, doc)
    type_ = doc['type']
    desired = check_skip_transpile(client, desired, doc, warn)
    compare_token = update_token == 'always' or not doc.get('token')
    if not compare_token:
        desired = {option: value for option, value in desired.items() if option != 'token'}
    changed_options = differences(doc, desired, compare_token=compare_token)
    if not changed_options:
        # Nothing to write, so no verdict is asked; the one the server stored (say, on a script saved late after a lost
        # answer to its creation) is in doc already.
        error = script_error(doc) if carries_script(doc) else None
        if error and warn:
            warn(untouched_script_warning(doc, error))
        return Change(UNCHANGED, doc, doc, f'{describe(doc)} is up to date')
    try:
        check_update(doc, desired)
    except FieldError as exc:
        raise IntegrationError(f'{exc}. Nothing was changed') from exc
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
    # before: the document the update is built on; current: the server's latest, which the body is built from.
    # lost: an answer to this update was lost, so what the server holds may already carry it (in part).
    state = dict(before=doc, current=doc, read_at=memory.mark(), lost=False)

    def body():
        if memory.stale(state['read_at']):
            # The client waited (the rate limiter) before sending this again: build it on what the server holds now.
            state['current'] = _read_again(client, state['current'])
            state['read_at'] = memory.mark()
            if not state['lost']:
                # Nothing was sent that may have landed (a 429 comes before the request is processed).
                state['before'] = state['current']
        current = state['current']
        kept_token = token if token_changed else current.get('token') or token
        return update_payload(current, desired, kept_token if type_ == OUTGOING else None,
                              keeps_stored_skip_transpile(client, current, desired))

    try:
        updated = _put_update(client, memory, body).get('integration') or predicted
    except RocketChatError as exc:
        if exc.answer_lost:
            # An update carries the whole integration, so sending it again is harmless; first see if it landed, and
            # if not, build it again on what the server holds now.
            state['lost'] = True
            updated = state['current'] = _read_again(client, state['current'])
            state['read_at'] = memory.mark()
            missing = differences(updated, desired, compare_token=compare_token)
            if missing:
                if set(missing) == set(changed_options):
                    # No change shows: it did not land (yet), so what the server holds is what this run changes. When
                    # some show (the server may drop one option silently), before stays the read the update was
                    # built on, so that what is written back after a refused script is never this run's update.
                    state['before'] = updated
                # Without the document in the answer, the prediction: with no verdict, which would be the previous
                # script's, so that check_updated reads the server's verdict on this one.
                updated = _put_update(client, memory, body).get('integration') or {
                    key: value for key, value in apply_fields(updated, desired).items() if key not in VERDICT_KEYS}
        elif exc.status in (400, 403):
            raise write_error(exc, 'update', type_, doc) from exc
        else:
            raise

    def write_back(stored, values, cleared):
        # Undoing a script the server cannot compile: the fields this update changed get back their values of before
        # (values; cleared: the options to empty) on what the server holds now (stored, read again after a wait), so
        # that an edit made meanwhile to another field is kept. A stored skipTranspile goes back only where the update
        # itself could carry it (not to 9.0 and later).
        state['current'], state['read_at'] = stored, memory.mark()

        def build():
            if memory.stale(state['read_at']):
                state['current'] = _read_again(client, state['current'])
                state['read_at'] = memory.mark()
            previous = dict(state['current'], **values)
            return update_payload(previous, cleared, (previous.get('token') or token) if type_ == OUTGOING else None,
                                  keeps_stored_skip_transpile(client, previous, {}))

        return _put_update(client, memory, build)

    updated = check_updated(client, state['before'], updated, predicted, changed_options, write_back, warn)
    ignored = differences(updated, desired, compare_token=compare_token)
    if ignored and warn:
        # Some Rocket.Chat versions silently drop some changes (for example the post-as user of incoming hooks).
        warn(f"Rocket.Chat accepted the update of {describe(updated)} but did not store: {', '.join(ignored)}; "
             'the next run will try again. Check the server version and its logs')
    return Change(UPDATED, state['before'], updated, msg, changed_options, token_changed)


def _read_again(client, doc):
    """doc as the server holds it now; IntegrationError when it was removed meanwhile."""
    current = get_integration(client, doc['_id'], doc['type'])
    if current is None:
        raise IntegrationError(f'{describe(doc)} was removed on the server while this task was updating it; nothing '
                               'is left to update')
    return current


def _put_update(client, memory, build):
    """PUT integrations.update with the body build() makes, adapted to what this server's update schema asked for
    so far; a refusal that says what the schema wants is remembered (RunMemory.learn) and the body sent again.

    The common case costs one request; the task's first refusal one more (two for an outgoing integration that has
    a stored field this server's schema does not know), and later updates are adapted before they are sent.
    """
    for attempt in range(3):
        try:
            return client.put('integrations.update', lambda: memory.adapted(build()))
        except RocketChatError as exc:
            if attempt == 2 or exc.status != 400 or not memory.learn(build(), exc.error):
                raise
    return None  # not reached: the last attempt returns or raises


def remove(client, doc, check_mode):
    """Remove doc (in check mode, predict it). An UNCHANGED change when someone else removed it first."""
    if check_mode:
        return Change(REMOVED, doc, None, f'Would remove {describe(doc)}')
    removal = remove_integration(client, doc)
    if removal == ALREADY_REMOVED:
        # Someone else removed it between our read and our remove: the state is as requested, but not by us.
        return Change(UNCHANGED, doc, None, f'{describe(doc)} was already removed')
    if removal == REMOVED_ANSWER_LOST:
        return Change(REMOVED, doc, None, f'Removed {describe(doc)}; the answer to the removal was lost, and the server '
                      'no longer has the integration')
    return Change(REMOVED, doc, None, f'Removed {describe(doc)}')
