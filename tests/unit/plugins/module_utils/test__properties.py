# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Property-based tests: normalisation, prediction and lookup hold for any input, not just the examples."""

from __future__ import annotations

from unittest import mock
from urllib.parse import parse_qsl, urlsplit

from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.community.rocketchat.plugins.module_utils import _client
from ansible_collections.community.rocketchat.plugins.module_utils import _fields as f
from ansible_collections.community.rocketchat.plugins.module_utils._integration import INCOMING, OUTGOING, find_by_name
from ansible_collections.community.rocketchat.tests.unit.conftest import BASE_URL, FakeTransport, ok, updated_doc

ROOM = st.from_regex(r'[#@][a-z0-9._-]{1,12}', fullmatch=True)
WORD = st.text(alphabet='abcXYZ!-_ ', min_size=1, max_size=8).filter(lambda word: word.strip() and ',' not in word)
TEXT = st.text(alphabet=st.characters(blacklist_categories=('Cs',)), max_size=20)


@given(st.lists(ROOM, min_size=1, max_size=6), st.randoms(), st.booleans())
def test_channel_spellings_that_the_server_stores_alike_compare_equal(rooms, rnd, as_string):
    shuffled = list(rooms)
    rnd.shuffle(shuffled)
    spelled = [' ' * rnd.randint(0, 2) + room + ' ' * rnd.randint(0, 2) for room in shuffled] + [''] * rnd.randint(0, 2)
    value = ','.join(spelled) if as_string else spelled
    assert f.normalize('channel', value) == f.normalize('channel', rooms)
    assert f.differences({'channel': rooms}, {'channel': value}) == []


def desired_strategy(type_):
    fields = {
        'name': WORD, 'enabled': st.booleans(), 'channel': st.lists(ROOM, min_size=1, max_size=4), 'username': WORD,
        'alias': TEXT, 'avatar': TEXT, 'emoji': TEXT, 'script_enabled': st.booleans(), 'script': TEXT,
        'skip_transpile': st.booleans(),
    }
    if type_ == INCOMING:
        fields['override_destination_channel_enabled'] = st.booleans()
    else:
        fields.update({
            'event': st.sampled_from(['sendMessage', 'fileUploaded', 'roomJoined', 'roomLeft']),
            'urls': st.lists(st.from_regex(r'https://[a-z]{1,8}\.example\.com/[a-z0-9]{0,6}', fullmatch=True), min_size=1, max_size=3),
            'trigger_word_anywhere': st.booleans(), 'target_room': TEXT, 'impersonate_user': st.booleans(),
            'run_on_edits': st.booleans(), 'retry_failed_calls': st.booleans(), 'retry_count': st.integers(1, 10),
            'retry_delay': st.sampled_from(f.RETRY_DELAYS + ['Powers-Of-Ten']), 'token': WORD,
        })
    return st.fixed_dictionaries({}, optional=fields)


STORED_IN = {'_id': 'i1', 'type': INCOMING, 'name': 'In', 'enabled': True, 'channel': ['#a'], 'username': 'u',
             'scriptEnabled': False, 'token': 'hook-token', 'alias': 'A', '_createdAt': '2026-01-01T00:00:00.000Z'}
STORED_OUT = {'_id': 'o1', 'type': OUTGOING, 'name': 'Out', 'enabled': False, 'channel': ['#b', '#c'], 'username': 'u',
              'event': 'sendMessage', 'urls': ['https://x.example.com/'], 'triggerWords': ['!go'], 'scriptEnabled': True,
              'script': 'class Script {}', 'token': 'tok', 'retryFailedCalls': True, 'retryCount': 3, 'retryDelay': 'powers-of-two'}


@settings(max_examples=150)
@given(st.sampled_from([STORED_IN, STORED_OUT]).flatmap(lambda doc: st.tuples(st.just(doc), desired_strategy(doc['type']))))
def test_the_predicted_integration_needs_no_further_change(case):
    stored, desired = case
    predicted = f.apply_fields(stored, desired)
    assert f.differences(predicted, desired) == []
    assert f.apply_fields(predicted, desired) == predicted  # predicting twice changes nothing more


# Keys a stored integration may have besides the modelled fields: other releases' fields (sent back) and what the
# server manages itself (never sent).
EXTRA_KEYS = st.dictionaries(
    st.sampled_from(['futureField', 'scriptEngine', 'nested', 'emptyText', 'userId', 'scriptCompiled', 'scriptError',
                     '_updatedAt', '_createdBy', 'nothing', 'noItems']),
    st.one_of(st.none(), st.just([]), st.just(''), TEXT, st.dictionaries(WORD, TEXT, max_size=2)), max_size=6)


# What Rocket.Chat sets itself on create and update (core-typings IIntegration; tests/emulator/README.md, section 4):
# never part of an update body.
SERVER_MANAGED = frozenset(('_id', '_createdAt', '_updatedAt', '_createdBy', 'userId', 'scriptCompiled', 'scriptError'))
# Rocket.Chat's outgoingEvents.ts (section 4): only sendMessage uses trigger words; the others drop them.
TRIGGER_WORD_EVENTS = ('sendMessage',)


def api_key(option):
    """The API's name of a module option: the same words in camelCase (script_enabled -> scriptEnabled)."""
    first, *rest = option.split('_')
    return first + ''.join(word.title() for word in rest)


def expected_after_update(stored, desired, token):
    """What a user expects to read back: the stored integration with the options the task set, in the form the server
    stores them, everything else as it was; an event without trigger words has none."""
    expected = dict(stored)
    for option, value in desired.items():
        if option == 'token':
            continue  # the token written is the one the caller passes
        if option == 'channel':
            value = [room.strip() for room in value]
        elif option == 'retry_delay':
            value = value.lower()  # lower-cased by validateOutgoingIntegration.ts (section 4)
        expected[api_key(option)] = value
    if stored['type'] == OUTGOING:
        expected['token'] = token
        if expected.get('event') not in TRIGGER_WORD_EVENTS:
            expected.pop('triggerWords', None)
    return expected


def meaning(doc):
    """What a stored integration means to a user: an empty value (None, [] or false) is the same as none."""
    return {key: value for key, value in doc.items() if value not in (None, [], False)}


@settings(max_examples=200)
@given(st.sampled_from([STORED_IN, STORED_OUT]).flatmap(
    lambda doc: st.tuples(st.just(doc), EXTRA_KEYS, desired_strategy(doc['type']))))
def test_an_update_carries_everything_the_user_did_not_mention(case):
    base, extra, desired = case
    stored = dict(base, **extra)
    token = desired.get('token', stored.get('token')) if stored['type'] == OUTGOING else None
    body = f.update_payload(stored, desired, token=token)
    assert body['integrationId'] == stored['_id'] and body['type'] == stored['type']
    assert not set(body) & SERVER_MANAGED
    assert all(value is not None and value != [] for value in body.values())  # the schema refuses empty values
    if stored['type'] == INCOMING:
        assert 'token' not in body  # the hook's token is never written back
    # Read back from a server that writes null for every field the body leaves out, as 7.3+ do for their update list.
    assert meaning(updated_doc(stored, body)) == meaning(expected_after_update(stored, desired, token))


NAMES = st.sampled_from(['Deploy', 'deploy', 'DEPLOY', 'Deploy hook', 'old Deploy', 'Dep', 'Deploy ', 'other'])
INTEGRATIONS = st.lists(st.tuples(NAMES, st.sampled_from([INCOMING, OUTGOING])), max_size=260)


@settings(max_examples=60, deadline=None)
@given(INTEGRATIONS, NAMES, st.sampled_from([None, INCOMING, OUTGOING]), st.integers(1, 100), st.booleans())
def test_lookup_by_name_finds_exactly_the_matches_whatever_the_paging(docs, wanted, type_, page_cap, filters):
    stored = [{'_id': f'id{n}', 'name': name, 'type': kind} for n, (name, kind) in enumerate(docs)]
    transport = FakeTransport()

    def serve(call):
        query = dict(parse_qsl(urlsplit(call['url']).query))
        matches = stored
        if filters:  # a 7.0+ server: substring, case-insensitive name filter and exact type filter
            matches = [d for d in matches if query.get('name', '').lower() in d['name'].lower()
                       and query.get('type', d['type']) == d['type']]
        offset, count = int(query['offset']), min(int(query['count']), page_cap)
        page = matches[offset:offset + count]
        return ok(integrations=page, offset=offset, items=len(page), count=len(page), total=len(matches))

    transport.on('GET', 'integrations.list', serve)
    with mock.patch.object(_client, 'HTTPAdapter', lambda *args, **kwargs: transport):
        client = _client.RocketChatClient(BASE_URL, user_id='u', token='t')
        found = find_by_name(client, wanted, type_)
    assert found == [d for d in stored if d['name'] == wanted and type_ in (None, d['type'])]


@settings(max_examples=150)
@given(st.sampled_from([STORED_IN, STORED_OUT]).flatmap(lambda doc: st.tuples(
    st.just(doc), st.sampled_from([{}, {'skipTranspile': None}, {'skipTranspile': False}, {'skipTranspile': True}]),
    desired_strategy(doc['type']))))
def test_skip_transpile_is_carried_only_when_true_or_set_and_never_to_a_server_without_it(case):
    base, stored_flag, desired = case
    stored = dict(base, **stored_flag)
    token = stored.get('token') if stored['type'] == OUTGOING else None
    # Rocket.Chat 9.0 dropped the flag (reference §13.3): the caller says so, and the body never has it.
    assert 'skipTranspile' not in f.update_payload(stored, desired, token, skip_transpile=False)
    body = f.update_payload(stored, desired, token)
    if 'skip_transpile' in desired and (desired['skip_transpile'] or 'skipTranspile' in stored):
        assert body['skipTranspile'] is desired['skip_transpile']
    else:  # false, null and no field mean the same to every server
        assert body.get('skipTranspile') is (True if stored.get('skipTranspile') is True else None)
