# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Bad input, table-driven: each case fails with a message that names the option, and the server is byte-for-byte as
it was. The module runs in this process (its main(), real HTTP to the emulator) so that the table stays fast."""

from __future__ import annotations

import importlib
import json
import sys

import pytest

OUT = dict(type='outgoing', name='bad-out', event='sendMessage', channel=['#general'], urls=['https://ci.example.com/h'],
           username='rocket.cat')
IN = dict(type='incoming', name='bad-in', channel=['#general'], username='rocket.cat')
ABSENT = dict(state='absent', type='incoming', name='existing')

# (case id, module arguments without connection options, fragments the message must contain: the option first)
CASES = [
    ('enabled-not-bool', dict(IN, enabled='maybe'), ['enabled']),
    ('retry-count-not-int', dict(OUT, retry_count='many'), ['retry_count']),
    ('timeout-not-int', dict(IN, timeout='soon'), ['timeout']),
    ('unknown-option', dict(IN, colour='red'), ['colour']),
    ('state-choice', dict(IN, state='gone'), ['state']),
    ('type-choice', dict(IN, type='webhook'), ['type']),
    ('event-choice', dict(OUT, event='messageSent'), ['event']),
    ('retry-delay-choice', dict(OUT, retry_delay='fibonacci'), ['retry_delay']),
    ('update-token-choice', dict(OUT, update_token='sometimes'), ['update_token']),
    ('empty-name-present', dict(IN, name=''), ['name']),
    ('blank-name-absent', dict(ABSENT, name='   '), ['name']),
    ('empty-id-absent', dict(state='absent', integration_id=''), ['integration_id']),
    ('empty-url-absent', dict(state='absent', target_url=''), ['target_url']),
    ('two-lookup-keys', dict(ABSENT, integration_id='abc'), ['integration_id', 'name']),
    ('three-lookup-keys', dict(ABSENT, integration_id='abc', target_url='https://x'), ['target_url']),
    ('no-lookup-key-absent', dict(state='absent', type='incoming'), ['integration_id, name and target_url']),
    ('target-url-incoming', dict(state='absent', type='incoming', target_url='https://x'), ['target_url', 'type']),
    ('target-url-present', dict(OUT, target_url='https://x'), ['target_url']),
    ('name-without-type', dict(name='x', channel=['#general'], username='rocket.cat'), ['type']),
    ('type-without-name', dict(type='incoming', channel=['#general']), ['name']),
    ('incoming-missing-fields', dict(type='incoming', name='x'), ['username', 'channel']),
    ('outgoing-missing-fields', dict(type='outgoing', name='x', username='rocket.cat', channel=['#general']), ['event', 'urls']),
    # An integration the server does not have must be creatable (checked after the lookup, before any write) ...
    ('outgoing-missing-channel', dict(OUT, name='new-out', channel=None), ['channel']),
    ('usercreated-missing-room', dict(OUT, name='new-out', event='userCreated', channel=None), ['target_room']),
    # ... and one it has must still pass Rocket.Chat's validation after the change.
    ('usercreated-on-update-without-room', dict(type='outgoing', name='bad-out', event='userCreated'), ['target_room']),
    ('incoming-with-urls', dict(IN, urls=['https://x']), ['urls', 'outgoing']),
    ('incoming-with-token', dict(IN, token='t0k3n-bad-input'), ['token', 'outgoing']),
    ('incoming-with-event', dict(IN, event='sendMessage'), ['event', 'outgoing']),
    ('outgoing-with-override', dict(OUT, override_destination_channel_enabled=True), ['override_destination_channel_enabled']),
    ('channel-without-prefix', dict(IN, channel='general'), ['channel', "'#general'"]),
    ('one-entry-without-prefix', dict(IN, channel=['#general', 'random']), ['channel', "'random'"]),
    ('outgoing-keyword-typo', dict(OUT, channel=['all_public']), ['channel', 'all_public_channels']),
    ('blank-urls', dict(OUT, urls=[' ', '']), ['urls']),
    ('retry-count-zero', dict(OUT, retry_count=0), ['retry_count']),
    ('channel-for-roomcreated', dict(OUT, event='roomCreated'), ['channel', 'roomCreated']),
    ('trigger-words-for-upload', dict(OUT, event='fileUploaded', trigger_words=['!x']), ['trigger_words', 'fileUploaded']),
    ('blank-username', dict(IN, username='  '), ['username']),
]
CONNECTION_CASES = [
    ('no-api-url', dict(api_url=None), ['api_url', 'ROCKETCHAT_URL']),
    ('api-url-without-scheme', dict(api_url='chat.example.com'), ['api_url', 'https://']),
    ('api-url-with-password', dict(api_url='https://admin:hunter2-bad-input@chat.example.com'), ['api_url']),
    ('both-credential-pairs', dict(api_username='admin', api_password='pw-bad-input-1'), ['api_user_id', 'api_username']),
    ('token-without-user-id', dict(api_user_id=None), ['api_user_id', 'ROCKETCHAT_USER_ID']),
    ('user-id-without-token', dict(api_token=None), ['api_token', 'ROCKETCHAT_AUTH_TOKEN']),
    ('username-without-password', dict(api_user_id=None, api_token=None, api_username='admin'), ['api_password']),
    ('no-credentials', dict(api_user_id=None, api_token=None), ['api_user_id', 'api_token', 'api_username']),
    ('timeout-zero', dict(timeout=0), ['timeout']),
    ('negative-rate-limit-wait', dict(rate_limit_max_wait=-5), ['rate_limit_max_wait']),
    ('missing-ca-file', dict(ca_path='/nonexistent/ca.pem'), ['ca_path']),
]
CONNECTION_IDS = {case[0] for case in CONNECTION_CASES}
# Inputs that are not errors but must never touch what the user did not name.
HARMLESS = [
    ('unicode-look-alike', dict(ABSENT, name='\u0435xisting')),  # Cyrillic e
    ('case-variant', dict(ABSENT, name='Existing')),
    ('substring', dict(ABSENT, name='exist')),
    ('huge-name', dict(ABSENT, name='x' * 10000)),
    ('non-ascii-name', dict(ABSENT, name='Benachrichtigungen \u00fc\u00f1\u00ee\u00e7\u00f8d\u00e9 \u2603')),
    ('other-type', dict(ABSENT, type='outgoing')),
]


@pytest.fixture(scope='module')
def module_main(ansible_env):
    """The module's main() and the unit tests' runner helpers, imported from the collection under test."""
    sys.path.insert(0, ansible_env['ANSIBLE_COLLECTIONS_PATH'])
    try:
        helpers = importlib.import_module('ansible_collections.community.rocketchat.tests.unit.conftest')
        module = importlib.import_module('ansible_collections.community.rocketchat.plugins.modules.rocketchat_integration')
    finally:
        sys.path.pop(0)
    return module.main, helpers


@pytest.fixture
def run_inprocess(module_main, monkeypatch):
    """run_inprocess(args) -> (result, failed), with the unit tests' runner and no ROCKETCHAT_* variable of the caller."""
    main, helpers = module_main
    for var in ('ROCKETCHAT_URL', 'ROCKETCHAT_USER_ID', 'ROCKETCHAT_AUTH_TOKEN', 'ROCKETCHAT_USERNAME', 'ROCKETCHAT_PASSWORD'):
        monkeypatch.delenv(var, raising=False)
    run = helpers.module_runner(monkeypatch)
    return lambda args: run(main, {key: value for key, value in args.items() if value is not None})


@pytest.fixture
def seeded(rocket8):
    """A server holding integrations the bad tasks must not touch; returns (rocket, connection, snapshot)."""
    rocket8.create_incoming('existing')
    rocket8.create_outgoing('bad-out', token='outgoing-secret-bad-input')
    emu = rocket8.emu
    connection = {'api_url': emu.url, 'api_user_id': emu.admin_user_id, 'api_token': emu.admin_token}
    return rocket8, connection, snapshot(rocket8)


def snapshot(rocket):
    state = rocket.state()
    return json.dumps({key: state[key] for key in ('integrations', 'history', 'messages', 'rooms', 'permissions')}, sort_keys=True)


@pytest.mark.parametrize('case, args, fragments', CASES + CONNECTION_CASES, ids=[c[0] for c in CASES + CONNECTION_CASES])
def test_bad_input_fails_clearly_and_changes_nothing(run_inprocess, seeded, case, args, fragments):
    rocket, connection, before = seeded
    # Connection cases spoil one connection option of a valid task; the others spoil the task.
    module_args = dict(IN, **connection) if case in CONNECTION_IDS else dict(args)
    module_args.update(args if case in CONNECTION_IDS else connection)
    result, failed = run_inprocess(module_args)
    assert failed, result
    for fragment in fragments:
        assert fragment in result['msg'], (fragment, result['msg'])
    assert snapshot(rocket) == before
    for secret in rocket.state()['secrets'] + ['hunter2-bad-input', 'pw-bad-input-1']:
        assert secret not in result['msg']


@pytest.mark.parametrize('case, args', HARMLESS, ids=[c[0] for c in HARMLESS])
def test_look_alikes_and_odd_names_touch_nothing(run_inprocess, seeded, case, args):  # pylint: disable=unused-argument
    rocket, connection, before = seeded
    result, failed = run_inprocess(dict(args, **connection))
    assert not failed and result['changed'] is False
    assert snapshot(rocket) == before
