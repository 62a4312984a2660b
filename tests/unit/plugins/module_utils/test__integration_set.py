# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Property-based tests of the declared set: for any server state and any list, one run converges, a second run
changes nothing, check mode predicts the run, nothing outside the scope changes, options an entry leaves out keep
their stored values, and no token reaches the result."""

from __future__ import annotations

import copy
import itertools
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.community.rocketchat.plugins.module_utils._client import RocketChatError
from ansible_collections.community.rocketchat.plugins.module_utils._fields import FIELD_ARGUMENT_SPEC
from ansible_collections.community.rocketchat.plugins.module_utils._integration import INCOMING, OUTGOING
from ansible_collections.community.rocketchat.plugins.module_utils._integration_set import converge, plan
from ansible_collections.community.rocketchat.tests.unit.conftest import judge_script, updated_doc

NAMES = ['ci-a', 'ci-b', 'ci-c', 'old-ci-a', 'CI-a', 'dev']
ROOMS = ['#general', '#ops', '@alice']


class MemoryServer:
    """A minimal in-memory stand-in for the client, with Rocket.Chat's list filters (substring name, exact type)
    and storage rules (channel strings split on commas). Counts writes, and records waits instead of sleeping."""

    def __init__(self, docs):
        self.docs = copy.deepcopy(docs)
        self.ids = itertools.count(1000)
        self.writes = 0
        self.sleeps = []
        self.base_url = 'https://chat.example.com'

    def sleep(self, seconds):
        self.sleeps.append(seconds)

    def paginate(self, endpoint, key, params=None):
        assert (endpoint, key) == ('integrations.list', 'integrations')
        params = params or {}
        for doc in self.docs:
            if params.get('type') and doc['type'] != params['type']:
                continue
            if params.get('name') and params['name'].lower() not in doc['name'].lower():
                continue
            yield copy.deepcopy(doc)

    def _store(self, body, doc):
        for key, value in body.items():
            if key in ('integrationId',):
                continue
            doc[key] = [part.strip() for part in value.split(',') if part.strip()] if key == 'channel' else value
        return judge_script(doc)

    def post(self, endpoint, body):
        self.writes += 1
        if endpoint == 'integrations.create':
            number = next(self.ids)
            doc = self._store(body, {'_id': f'id{number}', '_createdAt': f'2026-11-28T00:{number % 60:02d}:00.000Z'})
            if doc['type'] == INCOMING:
                doc['token'] = f'hook-token-{number}'
            self.docs.append(doc)
            return {'integration': copy.deepcopy(doc)}
        assert endpoint == 'integrations.remove'
        before = len(self.docs)
        self.docs = [doc for doc in self.docs if doc['_id'] != body['integrationId']]
        if len(self.docs) == before:
            raise RocketChatError('No integration found.', status=400, error='No integration found.')
        return {}

    def put(self, endpoint, body):
        assert endpoint == 'integrations.update'
        self.writes += 1
        body = body() if callable(body) else body  # as RocketChatClient.request takes it
        index = next(index for index, doc in enumerate(self.docs) if doc['_id'] == body['integrationId'])
        self.docs[index] = judge_script(updated_doc(self.docs[index], copy.deepcopy(body)))
        return {'integration': copy.deepcopy(self.docs[index])}

    def get(self, endpoint, params=None):
        raise AssertionError(f'converge does not need {endpoint} {params}')


def stored(number, name, type_, emoji, enabled, with_token):
    # Seeds were created days apart: two of one name are duplicates, never copies that parallel runs are settling.
    doc = {'_id': f'seed{number}', '_createdAt': f'2026-11-{number + 1:02d}T00:00:00.000Z', 'type': type_, 'name': name,
           'enabled': enabled, 'username': 'rocket.cat', 'channel': ['#general'], 'scriptEnabled': False, 'emoji': emoji,
           'token': f'token-{number}', 'futureField': f'kept-{number}'}
    if type_ == OUTGOING:
        doc.update(event='sendMessage', urls=['https://ci.example.com/hook'])
        if not with_token:
            del doc['token']  # made elsewhere without one: an update needs one
    else:
        doc['overrideDestinationChannelEnabled'] = False
    return doc


ROWS = st.tuples(st.sampled_from(NAMES), st.sampled_from([INCOMING, OUTGOING]), st.sampled_from(['', ':x:']), st.booleans(),
                 st.booleans())
# Mostly one integration per type and name (so that most runs get past the duplicate check), sometimes duplicates.
SERVER = st.one_of(st.lists(ROWS, max_size=8, unique_by=lambda row: row[:2]), st.lists(ROWS, max_size=8)).map(
    lambda rows: [stored(i, *row) for i, row in enumerate(rows)])


def item(name, type_, state, emoji, rooms, enabled, complete, token):
    """An entry; a complete one has what a creation needs, others only the name and maybe emoji and enabled."""
    entry = {key: spec.get('default') for key, spec in FIELD_ARGUMENT_SPEC.items()}
    entry.update(name=name, type=type_, state=state, emoji=emoji or None, enabled=enabled)
    if complete:
        entry.update(channel=rooms, username='rocket.cat')
        if type_ == 'outgoing':
            entry.update(event='sendMessage', urls=['https://ci.example.com/hook'])
    if type_ == 'outgoing':
        entry['token'] = token
    return entry


ITEMS = st.lists(st.builds(item, st.sampled_from(NAMES), st.sampled_from(['incoming', 'outgoing']),
                           st.sampled_from(['present', 'present', 'absent']), st.sampled_from(['', ':x:', ':y:']),
                           st.lists(st.sampled_from(ROOMS), min_size=1, max_size=2), st.sampled_from([None, None, True, False]),
                           st.sampled_from([True, True, False]), st.sampled_from([None, 'set-by-the-task'])),
                 max_size=6, unique_by=lambda entry: (entry['type'], entry['name']))


def params(items, scope_type, prefix, purge):
    chosen = [dict(entry, type=None) if scope_type else entry for entry in items
              if (not scope_type or entry['type'] == scope_type) and entry['name'].startswith(prefix or '')]
    return dict(integrations=chosen, type=scope_type, name_prefix=prefix, purge=purge, allow_empty_purge=True)


@settings(max_examples=300, deadline=None)
@given(SERVER, ITEMS, st.sampled_from([None, 'incoming', 'outgoing']), st.sampled_from([None, 'ci-']), st.booleans())
def test_one_run_converges_check_mode_predicts_it_and_nothing_outside_the_scope_changes(docs, items, scope_type,
                                                                                        prefix, purge):
    purge = purge and scope_type is not None
    desired_set = plan(params(items, scope_type, prefix, purge))
    server = MemoryServer(docs)

    predicted = converge(server, desired_set, check_mode=True)
    assert server.writes == 0 and server.docs == docs
    real = converge(server, desired_set, check_mode=False)
    assert server.sleeps == []  # no copies that parallel runs could be settling: nothing waits
    if real.error is not None:
        # Only duplicates the task would touch, or an entry the server lacks without what a creation needs, may stop
        # it, and then before any write.
        assert ('more than one integration' in str(real.error) or 'To create the' in str(real.error))
        assert predicted.error is not None
        assert server.writes == 0 and server.docs == docs
        return
    assert predicted.error is None

    def names(outcome):
        result = outcome.result(server)
        return {key: [(e['name'], e['type']) for e in result[key]] for key in ('created', 'updated', 'removed', 'unchanged')}

    assert names(predicted) == names(real)
    assert predicted.changed == real.changed

    outside_before = [doc for doc in docs if not desired_set.in_scope(doc)]
    assert [doc for doc in server.docs if not desired_set.in_scope(doc)] == outside_before

    keys_after = [(doc['type'], doc['name']) for doc in server.docs if desired_set.in_scope(doc)]
    for entry in desired_set.entries:
        assert keys_after.count(entry.key) == (1 if entry.state == 'present' else 0)
    if purge:
        assert sorted(keys_after) == sorted(e.key for e in desired_set.entries if e.state == 'present')
    else:
        named = {entry.key for entry in desired_set.entries}
        untouched = [doc for doc in docs if desired_set.in_scope(doc) and (doc['type'], doc['name']) not in named]
        assert all(doc in server.docs for doc in untouched)

    before = {doc['_id']: doc for doc in docs}
    for entry in desired_set.entries:
        for doc in (doc for doc in server.docs if (doc['type'], doc['name']) == entry.key):
            if doc['_id'] in before:
                # What the entry leaves out keeps its stored value, including fields this collection does not model.
                assert doc['futureField'] == before[doc['_id']]['futureField']
                if 'enabled' not in entry.desired:
                    assert doc['enabled'] == before[doc['_id']]['enabled']
            else:
                assert doc['enabled'] is entry.desired.get('enabled', True)  # a creation is enabled unless told otherwise
            if doc['type'] == OUTGOING:
                changed = doc['_id'] not in before or doc != before[doc['_id']]
                assert doc.get('token') or not changed  # every outgoing integration written has a token

    # No token of any integration, stored, given or made up, reaches the result or the diff.
    result = json.dumps(real.result(server, with_diff=True))
    tokens = {doc['token'] for doc in docs + server.docs if doc.get('token')} | {'set-by-the-task'}
    assert not any(token in result for token in tokens)
    if not desired_set.explicit:
        # Without a scope, what the list does not name never appears.
        assert not any(doc['_id'] in result for doc in docs if (doc['type'], doc['name']) not in desired_set.named)

    writes = server.writes
    again = converge(server, desired_set, check_mode=False)
    assert again.error is None and not again.changed and server.writes == writes
    assert len(again.result(server)['unchanged']) == len(desired_set.entries)
