# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A declared set of integrations: checking the list, then bringing a server's scope to it with one read.

PRIVATE to this collection: the interface may change without notice.
The single integrations are written by _converge, so that the set and the single-integration module agree on what
"unchanged" means. No Ansible imports.
"""

from __future__ import annotations

import os

from ansible_collections.community.rocketchat.plugins.module_utils._client import RocketChatError
from ansible_collections.community.rocketchat.plugins.module_utils._converge import (
    CREATED,
    REMOVED,
    UNCHANGED,
    UPDATED,
    Change,
    create,
    memory_of,
    remove,
    settle_creation,
    update,
)
from ansible_collections.community.rocketchat.plugins.module_utils._diff_text import yaml_text
from ansible_collections.community.rocketchat.plugins.module_utils._fields import (
    FieldError,
    check_event_fields,
    check_fields,
    desired_fields,
    view,
)
from ansible_collections.community.rocketchat.plugins.module_utils._integration import (
    INCOMING,
    OUTGOING,
    IntegrationError,
    api_type,
    list_integrations,
    read_settled,
    same_name_groups,
    short_type,
    webhook_url,
)
from ansible_collections.community.rocketchat.plugins.module_utils._script_verdict import (
    REJECTED,
    ScriptRejected,
    rejections_text,
)


class PlanError(ValueError):
    """The list or the scope cannot be used; the message names the entry or option and the fix."""


class Entry:
    """One entry of the list: the integration of type_ named name, and what it should be."""

    def __init__(self, index, name, type_, state, update_token, desired):
        self.index = index
        self.name = name
        self.type_ = type_
        self.state = state
        self.update_token = update_token
        self.desired = desired

    @property
    def key(self):
        return (self.type_, self.name)


class DesiredSet:
    """The checked list, and the scope it governs: integrations of scope_type (any when None) named prefix*."""

    def __init__(self, entries, scope_type, prefix, purge):
        self.entries = entries
        self.scope_type = scope_type
        self.prefix = prefix
        self.purge = purge
        self.named = {entry.key for entry in entries}

    @property
    def explicit(self):
        """True when the task gave a scope; without one, only the integrations the list names are the task's."""
        return bool(self.purge or self.scope_type or self.prefix)

    def in_scope(self, doc):
        name = doc.get('name')
        return (doc.get('type') in (INCOMING, OUTGOING)
                and (self.scope_type is None or doc.get('type') == self.scope_type)
                and isinstance(name, str) and name.startswith(self.prefix or '')
                and (self.explicit or (doc.get('type'), name) in self.named))

    def describe_scope(self):
        kind = f'{short_type(self.scope_type)} integration' if self.scope_type else 'integration'
        return f'every {kind}' + (f' whose name starts with {self.prefix!r}' if self.prefix else '')


def _label(index, name):
    return f'integrations[{index}] ({name!r})'


def _entry(index, item, scope_type, prefix):
    """Check one item of the list completely, before anything is sent; an Entry, or PlanError."""
    name = item['name']
    if not name.strip():
        raise PlanError(f'integrations[{index}]: name is empty: give the exact name of the integration')
    label = _label(index, name)
    type_ = api_type(item.get('type')) or scope_type
    if not type_:
        raise PlanError(f'{label}: set type (incoming or outgoing) on the entry, or type for the whole task')
    if scope_type and type_ != scope_type:
        raise PlanError(f'{label} is an {short_type(type_)} integration, but type is {short_type(scope_type)}: nothing '
                        'outside the scope of the task can be listed. Remove its type, or manage it in another task')
    if prefix and not name.startswith(prefix):
        raise PlanError(f'{label} does not start with name_prefix {prefix!r}, so it is outside the scope of the task: '
                        'rename it, or manage it in another task')
    desired = {}
    if item['state'] == 'present':
        try:
            # What a creation needs is checked once the server was read, for the entries it does not have.
            check_fields(item, type_, creating=False)
            check_event_fields(item, item.get('event'))
        except FieldError as exc:
            raise PlanError(f'{label}: {exc}') from exc
        desired = desired_fields(item, type_)
    return Entry(index, name, type_, item['state'], item['update_token'], desired)


def plan(params):
    """Check the options and every item of the list before any request; a DesiredSet, or PlanError."""
    scope_type = api_type(params.get('type'))
    prefix = params.get('name_prefix')
    if prefix is not None and not prefix:
        raise PlanError('name_prefix is empty: give the text that the names in scope start with, or leave it out')
    if params['purge'] and not scope_type:
        raise PlanError('purge needs type (incoming or outgoing): it removes only integrations of that type, and with '
                        'name_prefix only those whose name starts with it')
    entries, seen = [], {}
    for index, item in enumerate(params['integrations']):
        entry = _entry(index, item, scope_type, prefix)
        if entry.key in seen:
            raise PlanError(f'integrations[{seen[entry.key]}] and integrations[{index}] both name the '
                            f'{short_type(entry.type_)} integration {entry.name!r}: merge them into one entry')
        seen[entry.key] = index
        entries.append(entry)
    desired_set = DesiredSet(entries, scope_type, prefix, params['purge'])
    if params['purge'] and not params['allow_empty_purge'] and not any(e.state == 'present' for e in entries):
        raise PlanError(f'purge would remove {desired_set.describe_scope()}, because integrations names none to keep'
                        f"{' (it is empty)' if not entries else ''}. If that is what you want, set allow_empty_purge: "
                        'true. Nothing was changed')
    return desired_set


def _key(doc):
    return (doc.get('type'), doc.get('name'))


def _narrowest(names):
    """The longest text every name starts with: a substring of each, so the server's name filter keeps them all."""
    return os.path.commonprefix(list(names)) or None


def _read_scope(client, desired_set, type_=None, name_filter=None):
    """The integrations in scope, grouped by (type, name): one paged read, narrowed by the server where it can."""
    if not desired_set.explicit:
        # Only the named integrations are the task's: ask for just their type and shared prefix, if they have one.
        types = {entry.type_ for entry in desired_set.entries}
        type_ = type_ or (types.pop() if len(types) == 1 else None)
        name_filter = name_filter or _narrowest(entry.name for entry in desired_set.entries)
    # The server's name filter is a case-insensitive substring (7.0 and later; older ones ignore it): a superset of
    # the prefix's names, filtered exactly here.
    listed = list_integrations(client, type_ or desired_set.scope_type, name_filter or desired_set.prefix)
    in_scope = [doc for doc in listed if desired_set.in_scope(doc)]
    groups = {}
    for doc in in_scope:
        groups.setdefault(_key(doc), []).append(doc)
    return in_scope, groups


def _read_scope_settled(client, desired_set):
    """_read_scope(), read again while same-name copies that parallel runs may be settling are in it."""
    in_scope = read_settled(client, lambda: _read_scope(client, desired_set)[0], same_name_groups)
    groups = {}
    for doc in in_scope:
        groups.setdefault(_key(doc), []).append(doc)
    return in_scope, groups


def _check_duplicates(desired_set, groups):
    duplicated = sorted(((key, docs) for key, docs in groups.items() if len(docs) > 1), key=lambda pair: pair[0])
    if duplicated:
        listing = '; '.join(f"{short_type(type_)} {name!r}: {', '.join(str(doc.get('_id')) for doc in docs)}"
                            for (type_, name), docs in duplicated)
        raise IntegrationError(
            f'Rocket.Chat has more than one integration of the same type and name ({listing}), so the task cannot tell '
            'which to keep. Remove the extra ones (for example with community.rocketchat.rocketchat_integration and '
            'integration_id), then run the task again. Nothing was changed')


class Outcome:
    """What converging the set did (or would do): the changes in order, and the scope as it was read."""

    def __init__(self, desired_set, check_mode):
        self.desired_set = desired_set
        self.check_mode = check_mode
        self.before = []
        self.changes = []  # (entry or None for a purge, Change)
        self.error = None
        self.current = None  # the entry or purge being written, named when a write fails
        self.read_at = None  # when the scope was read (RunMemory.mark())
        self.rejected = []  # (entry, ScriptRejected): the entries whose script the server cannot compile, left as they were

    @property
    def changed(self):
        return any(change.changed for _entry_, change in self.changes)

    def _count(self, action, purged=None):
        return sum(1 for entry, change in self.changes
                   if change.action == action and (purged is None or (entry is None) == purged))

    def summary(self, include_unchanged=True):
        """'Created 1, updated 2, removed 3 (2 by purge); 4 unchanged', or in check mode 'Would create ...'."""
        created, updated, removed = self._count(CREATED), self._count(UPDATED), self._count(REMOVED)
        purged = self._count(REMOVED, purged=True)
        settled = sum(1 for _entry_, change in self.changes if change.settled)
        if not (created or updated or removed or settled):
            return f'Nothing to change; {self._count(UNCHANGED, purged=False)} unchanged' if include_unchanged else ''
        verbs = ('would create', 'update', 'remove') if self.check_mode else ('created', 'updated', 'removed')
        text = f'{verbs[0]} {created}, {verbs[1]} {updated}, {verbs[2]} {removed}'
        if purged:
            text += f' ({purged} by purge)'
        if settled:
            text += f'; kept {settled} that parallel runs created at the same time, removing this run\'s copies'
        if include_unchanged:
            text += f'; {self._count(UNCHANGED, purged=False)} unchanged'
        return text[0].upper() + text[1:] if include_unchanged else text

    def _listed(self, entry, change, client, with_urls):
        doc = change.after or change.before
        shown = dict(name=entry.name if entry else doc.get('name'),
                     type=short_type(entry.type_ if entry else doc.get('type')))
        if doc.get('_id'):
            shown['integration_id'] = doc['_id']
        if change.action == UPDATED:
            shown['changed_options'] = change.changed_options
        if change.action == REJECTED:
            shown.update(script_error=dict(self.rejected)[entry].script_error, changed=change.changed, msg=change.msg)
        if change.action == REMOVED:
            shown['purged'] = entry is None
        elif with_urls and webhook_url(client, change.after):
            shown['webhook_url'] = webhook_url(client, change.after)
        return shown

    def _diff(self):
        counts = {}
        for doc in self.before:
            counts[_key(doc)] = counts.get(_key(doc), 0) + 1

        def label(doc):
            text = f"{doc.get('name')} ({short_type(doc.get('type'))})"
            return text + f" [{doc.get('_id')}]" if counts.get(_key(doc), 0) > 1 else text

        before = {label(doc): view(doc) for doc in self.before}
        for _entry_, change in self.changes:
            if change.action == UPDATED and label(change.before) in before:
                # Read again before the update (the task had waited): what it was built on is what it changed.
                before[label(change.before)] = view(change.before)
        after = dict(before)
        for _entry_, change in self.changes:
            if change.action == REMOVED:
                after.pop(label(change.before), None)
            elif change.changed:
                after[label(change.after)] = view(change.after, token_changed=change.token_changed)
        # As text (YAML, labels sorted, options in table order): one changed line of a script is one changed line.
        return dict(before=yaml_text(dict(sorted(before.items()))), after=yaml_text(dict(sorted(after.items()))))

    def result(self, client, with_diff=False, with_urls=False):
        """The task result: the four lists, changed, msg, and the diff of the scope.

        with_urls adds the incoming integrations' webhook URLs (secrets); never to the result of a failed run.
        """
        with_urls = with_urls and self.error is None and not self.rejected
        lists = {CREATED: [], UPDATED: [], REMOVED: [], UNCHANGED: [], REJECTED: []}
        for entry, change in self.changes:
            if entry is None and change.action == UNCHANGED:
                continue  # a purge found the integration already removed by someone else
            lists[change.action].append(self._listed(entry, change, client, with_urls))
        result = dict(changed=self.changed, msg=self.summary(), **lists)
        if with_diff and self.changed:
            result['diff'] = self._diff()
        return result

    def rejection_message(self):
        """The failure message when scripts did not compile: each such entry with its error, then the others' summary."""
        labelled = [(_label(entry.index, entry.name), exc) for entry, exc in self.rejected]
        summary = self.summary()
        return f'{rejections_text(labelled)} The other entries: {summary[0].lower()}{summary[1:]}'


def converge(client, desired_set, check_mode, warn=None):
    """Bring the server's scope to the desired set: one read, then only the writes needed. Never raises for server
    problems: they end in Outcome.error, with the changes done before it."""
    outcome = Outcome(desired_set, check_mode)
    memory = memory_of(client)  # counts the waits from here on: an update after one reads its integration again
    try:
        outcome.before, groups = _read_scope_settled(client, desired_set)
        outcome.read_at = memory.mark()
        _check_duplicates(desired_set, groups)
        # A dry pass first: what only the server's state reveals (an entry it does not have, without what a creation
        # needs) fails the task before the first write. It sends nothing (and warns only when it is the check run),
        # and its predictions count only once it is complete, so a check run fails as the real run would.
        predicted = []
        _write(client, outcome, groups, True, warn if check_mode else None, predicted)
        if check_mode:
            outcome.changes = predicted
        else:
            _write(client, outcome, groups, False, warn, outcome.changes)
            _settle_creations(client, desired_set, outcome, warn)
        outcome.current = None
    except (IntegrationError, RocketChatError) as exc:
        outcome.error = exc
    return outcome


def _write(client, outcome, groups, check_mode, warn, changes):
    """Create, update and remove what differs, entries in order and purges last; each Change is appended as it is
    made, so that a failure leaves the record of what was done."""
    desired_set = outcome.desired_set
    for entry in desired_set.entries:
        outcome.current = _label(entry.index, entry.name)
        doc = (groups.get(entry.key) or [None])[0]
        try:
            if entry.state == 'absent':
                change = remove(client, doc, check_mode) if doc else Change(
                    UNCHANGED, None, None, f'{short_type(entry.type_)} integration {entry.name!r} does not exist')
            elif doc is None:
                change = create(client, entry.type_, entry.desired, check_mode, warn)
            else:
                change = update(client, doc, entry.desired, entry.update_token, check_mode, warn, outcome.read_at)
        except ScriptRejected as exc:
            # A script the server cannot compile fails this entry only (its write was undone); the others go on.
            change = Change(REJECTED, exc.before, exc.after, str(exc), changed=exc.changed)
            outcome.rejected.append((entry, exc))
        changes.append((entry, change))
    if desired_set.purge:
        named = {entry.key for entry in desired_set.entries}
        for doc in outcome.before:
            if _key(doc) not in named:
                outcome.current = f"the purge of {short_type(doc.get('type'))} integration {doc.get('name')!r}"
                changes.append((None, remove(client, doc, check_mode)))


def _settle_creations(client, desired_set, outcome, warn):
    """After creating, read the scope once more; where parallel runs created the same name, keep the oldest."""
    created = [i for i, (_entry_, change) in enumerate(outcome.changes)
               if change.action == CREATED and change.after.get('_id')]
    if outcome.check_mode or not created:
        return
    outcome.current = 'the read after the creations (to settle parallel runs)'
    # Only the created names matter now: narrow the read to their type and the longest prefix they share (a substring
    # of each, so the server's filter keeps them all), which for a single creation is its name.
    entries = [outcome.changes[i][0] for i in created]
    types = {entry.type_ for entry in entries}
    common = _narrowest(entry.name for entry in entries) or ''
    _in_scope, groups = _read_scope(client, desired_set, types.pop() if len(types) == 1 else None,
                                    common if len(common) > len(desired_set.prefix or '') else None)
    read_at = memory_of(client).mark()  # a settlement after a wait (say, another's removal) reads its keeper again
    for i in created:
        entry, change = outcome.changes[i]
        outcome.current = _label(entry.index, entry.name)
        outcome.changes[i] = (entry, settle_creation(client, change, entry.desired, groups.get(entry.key, []),
                                                     entry.update_token, warn, read_at))
