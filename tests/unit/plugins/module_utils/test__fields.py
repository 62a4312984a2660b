# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.community.rocketchat.plugins.module_utils import _fields as f
from ansible_collections.community.rocketchat.plugins.module_utils._integration import INCOMING, OUTGOING

STORED_OUT = {'_id': 'o1', 'type': OUTGOING, 'name': 'CI', 'enabled': True, 'username': 'rocket.cat', 'event': 'sendMessage',
              'channel': ['#ops', '#dev'], 'urls': ['https://ci/a'], 'triggerWords': ['!deploy'], 'scriptEnabled': False,
              'token': 'stored-secret', 'retryFailedCalls': True, 'retryCount': 4, 'retryDelay': 'powers-of-ten',
              'alias': 'CI bot', '_createdAt': '2026-01-01T00:00:00.000Z'}


def params(**options):
    base = {field.option: None for field in f.FIELDS}
    base.update(options)
    return base


@pytest.mark.parametrize('kind, a, b', [
    ('channel', '#a, #b,, ', ['#b', '#a']),
    ('channel', ['#a,#b'], ['#a', '#b']),
    ('list', ['https://x', ' ', 'https://y'], ['https://y', 'https://x']),
    ('text', None, ''),
    ('bool', None, False),
    ('lower', 'Powers-Of-Ten', 'powers-of-ten'),
    ('int', '4', 4),
])
def test_values_the_server_stores_alike_compare_equal(kind, a, b):
    assert f.normalize(kind, a) == f.normalize(kind, b)


def test_only_the_options_set_are_compared():
    desired = f.desired_fields(params(name='CI', channel=['#dev', ' #ops'], urls=['https://ci/a'], retry_delay='POWERS-OF-TEN'),
                               OUTGOING)
    assert f.differences(STORED_OUT, desired) == []
    assert f.differences(STORED_OUT, dict(desired, emoji=':x:', enabled=False)) == ['enabled', 'emoji']


def test_token_is_compared_only_when_asked():
    assert f.differences(STORED_OUT, {'token': 'new-secret'}) == ['token']
    assert f.differences(STORED_OUT, {'token': 'new-secret'}, compare_token=False) == []
    assert f.differences(STORED_OUT, {'token': 'stored-secret'}) == []


def test_options_of_the_other_type_are_named():
    with pytest.raises(f.FieldError, match=r'urls, token only apply to outgoing integrations.*set type: outgoing'):
        f.check_fields(params(name='x', urls=['https://a'], token='t'), INCOMING, creating=False)
    with pytest.raises(f.FieldError, match=r'override_destination_channel_enabled only applies to incoming'):
        f.check_fields(params(override_destination_channel_enabled=True), OUTGOING, creating=False)


@pytest.mark.parametrize('type_, options, missing', [
    (INCOMING, dict(name='x'), 'username, channel'),
    (OUTGOING, dict(name='x', username='u', channel=['#a']), 'event, urls'),
    (OUTGOING, dict(name='x', username='u', event='sendMessage', urls=['https://a']), 'channel'),
    (OUTGOING, dict(name='x', username='u', event='userCreated', urls=['https://a']), 'target_room'),
])
def test_creating_names_every_missing_option(type_, options, missing):
    with pytest.raises(f.FieldError, match=f'also set {missing}$'):
        f.check_fields(params(**options), type_, creating=True)


def test_roomcreated_needs_no_channel():
    f.check_fields(params(name='x', username='u', event='roomCreated', urls=['https://a']), OUTGOING, creating=True)


@pytest.mark.parametrize('type_, channel, ok', [
    (INCOMING, ['#general', '@alice'], True),
    (INCOMING, 'general', False),
    (INCOMING, ['all_public_channels'], False),
    (OUTGOING, ['all_public_channels', '#ops'], True),
    (OUTGOING, ['ops'], False),
])
def test_channel_entries_need_a_prefix(type_, channel, ok):
    check = params(channel=channel)
    if ok:
        f.check_fields(check, type_, creating=False)
    else:
        with pytest.raises(f.FieldError, match=r"start with # \(a room\) or @ \(a user\).*'#"):
            f.check_fields(check, type_, creating=False)


@pytest.mark.parametrize('options, fragment', [
    (dict(urls=[' ']), 'urls must list at least one URL'),
    (dict(retry_count=0), 'retry_count must be 1 or more'),
    (dict(name='  '), 'name must not be empty'),
])
def test_values_the_server_would_refuse(options, fragment):
    with pytest.raises(f.FieldError, match=fragment):
        f.check_fields(params(**options), OUTGOING, creating=False)


def test_options_the_event_ignores_are_refused():
    with pytest.raises(f.FieldError, match="ignores channel for the event 'roomCreated'"):
        f.check_event_fields(params(channel=['#a']), 'roomCreated')
    with pytest.raises(f.FieldError, match="ignores trigger_words for the event 'fileUploaded'"):
        f.check_event_fields(params(trigger_words=['!x']), 'fileUploaded')
    f.check_event_fields(params(channel=['#a'], trigger_words=['!x']), 'sendMessage')


def test_create_payload_has_what_the_api_requires():
    body = f.create_payload(INCOMING, {'name': 'In', 'channel': ['#a', ' #b '], 'username': 'u', 'enabled': True})
    assert body == {'type': INCOMING, 'name': 'In', 'channel': '#a,#b', 'username': 'u', 'enabled': True,
                    'scriptEnabled': False, 'overrideDestinationChannelEnabled': False}
    body = f.create_payload(OUTGOING, {'name': 'Out', 'event': 'roomCreated', 'urls': ['https://a'], 'username': 'u',
                                       'token': 's', 'retry_delay': 'Powers-Of-Two', 'retry_count': 3})
    assert body['channel'] == '' and body['token'] == 's' and body['retryDelay'] == 'powers-of-two' and body['retryCount'] == 3
    assert 'overrideDestinationChannelEnabled' not in body


def test_update_payload_keeps_what_the_user_did_not_mention():
    body = f.update_payload(STORED_OUT, {'emoji': ':rocket:'}, token='stored-secret')
    assert body == {'type': OUTGOING, 'integrationId': 'o1', 'name': 'CI', 'enabled': True, 'channel': '#ops,#dev',
                    'username': 'rocket.cat', 'alias': 'CI bot', 'emoji': ':rocket:', 'scriptEnabled': False,
                    'event': 'sendMessage', 'urls': ['https://ci/a'], 'triggerWords': ['!deploy'], 'retryFailedCalls': True,
                    'retryCount': 4, 'retryDelay': 'powers-of-ten', 'token': 'stored-secret'}


def test_update_payload_of_incoming_carries_the_override_flag_and_no_token():
    stored = {'_id': 'i1', 'type': INCOMING, 'name': 'In', 'enabled': False, 'channel': ['#a'], 'username': 'u',
              'scriptEnabled': False, 'token': 'hook-secret'}
    body = f.update_payload(stored, {'name': 'In2'})
    assert body == {'type': INCOMING, 'integrationId': 'i1', 'name': 'In2', 'enabled': False, 'channel': '#a',
                    'username': 'u', 'scriptEnabled': False, 'overrideDestinationChannelEnabled': False}


def test_prediction_follows_the_server_rules():
    predicted = f.apply_fields({}, {'name': 'Out', 'event': 'roomCreated', 'urls': ['https://a', ' '], 'retry_failed_calls': True,
                                    'username': 'u'}, OUTGOING)
    assert predicted['channel'] == [] and predicted['urls'] == ['https://a']
    assert predicted['retryCount'] == 4 and predicted['retryDelay'] == 'powers-of-ten'
    assert predicted['enabled'] is True and predicted['scriptEnabled'] is False
    changed = f.apply_fields(STORED_OUT, {'event': 'fileUploaded'})
    assert 'triggerWords' not in changed and changed['channel'] == ['#ops', '#dev']


def test_view_uses_option_names_and_never_shows_a_token():
    shown = f.view(STORED_OUT)
    assert shown['integration_id'] == 'o1' and shown['trigger_words'] == ['!deploy'] and shown['token'] == '********'
    assert 'stored-secret' not in repr(shown) and '_createdAt' not in shown
    assert f.view(STORED_OUT, token_changed=True)['token'] == '******** (changed)'
    assert f.view({}) == {}


def test_field_options_have_no_defaults():
    # An option the task leaves out is neither compared nor written; only update_token has a default.
    assert {option for option, spec in f.FIELD_ARGUMENT_SPEC.items() if 'default' in spec} == {'update_token'}
    assert set(f.FIELD_ARGUMENT_SPEC) - {'update_token'} == set(f.BY_OPTION) - {'name'}  # name is each module's own


def test_skip_transpile_is_a_boolean_field_of_both_types():
    assert f.BY_OPTION['skip_transpile'] == f.Field('skip_transpile', 'skipTranspile', (INCOMING, OUTGOING), 'bool')
    assert f.differences(STORED_OUT, {'skip_transpile': False}) == []
    assert f.differences(STORED_OUT, {'skip_transpile': True}) == ['skip_transpile']
    assert f.differences(dict(STORED_OUT, skipTranspile=True), {'skip_transpile': True}) == []
    assert f.create_payload(INCOMING, {'name': 'In', 'skip_transpile': True})['skipTranspile'] is True
    # false is what an integration without the field means, and servers before 8.4 refuse the key: not sent then.
    assert 'skipTranspile' not in f.create_payload(INCOMING, {'name': 'In', 'skip_transpile': False})
    assert 'skipTranspile' not in f.update_payload(dict(STORED_OUT), {'skip_transpile': False}, token='t')
    assert f.update_payload(dict(STORED_OUT, skipTranspile=True), {'skip_transpile': False}, token='t')['skipTranspile'] is False
    f.check_fields(params(skip_transpile=True), INCOMING, creating=False)


def test_update_payload_sends_back_every_stored_field_but_what_the_server_manages():
    stored = dict(STORED_OUT, futureField='x', scriptEngine='isolated-vm', scriptCompiled='code', scriptError={'x': 1},
                  userId='u1', _updatedAt='2026-01-02T00:00:00.000Z', _createdBy={'_id': 'u1'}, avatar=None,
                  triggerWords=[], alias='')
    body = f.update_payload(stored, {'enabled': False}, token='stored-secret')
    assert body == {'type': OUTGOING, 'integrationId': 'o1', 'name': 'CI', 'enabled': False, 'channel': '#ops,#dev',
                    'username': 'rocket.cat', 'alias': '', 'scriptEnabled': False, 'event': 'sendMessage',
                    'urls': ['https://ci/a'], 'retryFailedCalls': True, 'retryCount': 4, 'retryDelay': 'powers-of-ten',
                    'token': 'stored-secret', 'futureField': 'x', 'scriptEngine': 'isolated-vm'}


def test_update_payload_applies_the_desired_options_over_the_stored_ones():
    body = f.update_payload(STORED_OUT, {'channel': ' #a, #b', 'urls': [' https://ci/b '], 'retry_delay': 'Powers-Of-Two',
                                         'token': 'never-from-desired'}, token='given-token')
    assert body['channel'] == '#a,#b' and body['urls'] == ['https://ci/b'] and body['retryDelay'] == 'powers-of-two'
    assert body['token'] == 'given-token'


def test_update_payload_of_an_event_without_a_channel_sends_an_empty_one():
    body = f.update_payload(STORED_OUT, {'event': 'roomCreated'}, token='stored-secret')
    assert body['channel'] == '' and 'triggerWords' not in body and body['event'] == 'roomCreated'


def test_update_payload_never_sends_the_incoming_hook_token():
    stored = {'_id': 'i1', 'type': INCOMING, 'name': 'In', 'channel': ['#a'], 'username': 'u', 'token': 'hook-secret',
              'futureField': 'x'}
    body = f.update_payload(stored, {})
    assert 'token' not in body and body['futureField'] == 'x'


SCHEMA_6_3 = "must have required property 'overrideDestinationChannelEnabled' [invalid-params]"
ADDITIONAL = 'must NOT have additional properties [invalid-params]'


@pytest.mark.parametrize('type_', [INCOMING, OUTGOING])
def test_adapt_update_payload_adds_the_flag_that_6_3_requires(type_):
    body = {'type': type_, 'integrationId': 'x', 'name': 'n'}
    assert f.adapt_update_payload(body, SCHEMA_6_3) == dict(body, overrideDestinationChannelEnabled=False)
    assert f.adapt_update_payload(dict(body, overrideDestinationChannelEnabled=True), SCHEMA_6_3) is None


def test_adapt_update_payload_keeps_the_known_outgoing_keys_then_drops_the_newer_ones():
    body = f.update_payload(dict(STORED_OUT, futureField='x', scriptEngine='isolated-vm', skipTranspile=False), {},
                            token='stored-secret')
    known = f.adapt_update_payload(body, ADDITIONAL)
    assert known == {key: value for key, value in body.items() if key != 'futureField'}
    older = f.adapt_update_payload(known, ADDITIONAL)
    assert older == {key: value for key, value in known.items() if key not in ('scriptEngine', 'skipTranspile')}
    assert f.adapt_update_payload(older, ADDITIONAL) is None  # nothing left to adapt: the refusal stands


def test_an_override_flag_stored_on_an_outgoing_integration_is_sent_only_when_6_3_asks_for_it():
    # 6.13 and later refuse the flag in an outgoing update (which never writes it); 6.3 requires it.
    body = f.update_payload(dict(STORED_OUT, overrideDestinationChannelEnabled=False), {}, token='stored-secret')
    assert 'overrideDestinationChannelEnabled' not in body
    asked = f.adapt_update_payload(body, SCHEMA_6_3)
    assert asked == dict(body, overrideDestinationChannelEnabled=False)
    # 6.3's outgoing branch does not know scriptEngine: the next refusal drops it and keeps the flag it asked for.
    newer = f.adapt_update_payload(dict(asked, scriptEngine='isolated-vm'), ADDITIONAL)
    assert newer == asked


@pytest.mark.parametrize('body, error', [
    ({'type': INCOMING, 'integrationId': 'x', 'futureField': 'x'}, ADDITIONAL),  # only the outgoing branch is strict
    ({'type': OUTGOING, 'integrationId': 'x', 'futureField': 'x'}, 'Invalid Channel [error-invalid-channel]'),
    ({'type': OUTGOING, 'integrationId': 'x'}, None),
])
def test_adapt_update_payload_leaves_other_refusals_alone(body, error):
    assert f.adapt_update_payload(body, error) is None
