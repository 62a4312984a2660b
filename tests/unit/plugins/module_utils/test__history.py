# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Deliveries: the latest N history rows of an outgoing integration, paged, summarised without secrets."""

from __future__ import annotations

import json

import pytest

from ansible_collections.community.rocketchat.plugins.module_utils._client import RocketChatClient
from ansible_collections.community.rocketchat.plugins.module_utils._history import check_count, delivery, read_deliveries
from ansible_collections.community.rocketchat.plugins.module_utils._integration import IntegrationError
from ansible_collections.community.rocketchat.tests.unit.conftest import BASE_URL, fail, ok

TOKEN = 'outgoing-secret-history-91'
OUT = {'_id': 'out1', 'type': 'webhook-outgoing', 'name': 'CI', 'token': TOKEN, 'urls': ['https://ci.example.com/hook']}


def row(number, **fields):
    base = {'_id': f'h{number}', 'type': 'outgoing-webhook', 'step': 'after-http-call', 'event': 'sendMessage',
            'integration': dict(OUT), 'data': {'token': TOKEN, 'text': 'hello'}, 'httpCallData': {'token': TOKEN},
            'url': 'https://ci.example.com/hook', 'httpResult': json.dumps('{"ok":true}', indent=2), 'ranPrepareScript': True,
            '_createdAt': f'2026-12-01T10:{number % 60:02d}:00.000Z', '_updatedAt': f'2026-12-01T10:{number % 60:02d}:01.000Z'}
    base.update(fields)
    return base


def history_page(rows, offset, total):
    return ok(history=rows, offset=offset, items=len(rows), count=len(rows), total=total)


@pytest.fixture
def client(transport):  # pylint: disable=unused-argument
    return RocketChatClient(BASE_URL, user_id='uid-1', token='unit-secret-token-7f3a')


def test_a_success_and_the_failures_rocket_chat_records():
    assert delivery(row(1), [TOKEN]) == {
        'history_id': 'h1', 'time': '2026-12-01T10:01:00.000Z', 'updated_at': '2026-12-01T10:01:01.000Z',
        'event': 'sendMessage', 'step': 'after-http-call', 'trigger_word': None, 'url': 'https://ci.example.com/hook',
        'http_status': None, 'succeeded': True, 'error': False, 'error_text': None, 'response': '{"ok":true}',
        'finished': False}
    gone = delivery(row(2, step='after-process-http-status-410', error=True, httpResult=json.dumps('gone')))
    assert (gone['http_status'], gone['succeeded'], gone['error'], gone['error_text']) == (410, False, True, 'gone')
    refused = delivery(row(3, step='failed-and-not-configured-to-retry', error=True, httpResult=json.dumps('bad request')))
    assert (refused['http_status'], refused['succeeded'], refused['error_text']) == (None, False, 'bad request')
    refusal = {'message': 'connect ECONNREFUSED 127.0.0.1:9', 'code': 'ECONNREFUSED', 'stack': 'at ...'}
    unreachable = delivery(row(4, httpResult='null', httpError=refusal))
    assert unreachable['error'] is True and unreachable['succeeded'] is False
    assert unreachable['error_text'] == 'connect ECONNREFUSED 127.0.0.1:9: ECONNREFUSED'
    assert unreachable['response'] is None
    meteor = delivery(row(6, httpResult=json.dumps({'statusCode': 201, 'content': 'made', 'headers': {}})))
    assert (meteor['http_status'], meteor['response'], meteor['succeeded']) == (201, 'made', True)
    empty = delivery(row(7, step='failed-and-not-configured-to-retry', error=True, httpResult=json.dumps('')))
    assert empty['error_text'] == 'failed-and-not-configured-to-retry' and empty['response'] is None
    answered = delivery(row(5, step='url-response-sent-message', finished=True, triggerWord='!ci'))
    assert answered['succeeded'] and answered['finished'] and answered['trigger_word'] == '!ci'


def test_secrets_are_masked_wherever_a_target_echoes_them(client, transport):
    echoed = row(1, step='failed-and-not-configured-to-retry', error=True, httpResult=json.dumps(f'token={TOKEN} refused'),
                 url=f'https://ci.example.com/hook?token={TOKEN}')
    transport.on('GET', 'integrations.history', history_page([echoed], 0, 1))
    shown = read_deliveries(client, OUT, 5)
    assert TOKEN not in json.dumps(shown) and shown[0]['error_text'] == 'token=******** refused'
    assert shown[0]['url'] == 'https://ci.example.com/hook?token=********'
    assert set(shown[0]) >= {'history_id', 'time', 'step', 'http_status', 'error_text'} and 'data' not in shown[0]


def test_a_token_a_target_echoes_as_json_is_masked_too(client, transport):
    token = 'ab/cd"\u00e9-secret'
    odd = dict(OUT, token=token)
    php_echo = '{"echo": "ab\\/cd\\"\\u00e9-secret", "raw": "ab/cd\\"\u00e9-secret"}'  # json_encode's spellings
    echoed = row(1, step='failed-and-not-configured-to-retry', error=True, integration=dict(odd),
                 data={'token': token}, httpResult=json.dumps(php_echo))
    transport.on('GET', 'integrations.history', history_page([echoed], 0, 1))
    texts = [value for value in read_deliveries(client, odd, 5)[0].values() if isinstance(value, str)]
    assert any('"echo": "********"' in text and '"raw": "********"' in text for text in texts), texts
    assert not any('secret' in text for text in texts)


def test_pages_past_one_hundred_and_stops_at_the_count(client, transport):
    pages = [history_page([row(n) for n in range(start, min(start + 100, 250))], start, 250) for start in (0, 100, 200)]
    transport.on('GET', 'integrations.history', *pages)
    shown = read_deliveries(client, OUT, 130)
    assert [d['history_id'] for d in shown] == [f'h{n}' for n in range(130)]
    assert [(c['params']['id'], c['params']['offset']) for c in transport.calls] == [('out1', '0'), ('out1', '100')]
    transport.calls.clear()
    transport.on('GET', 'integrations.history', *pages)
    assert len(read_deliveries(client, OUT, 1000)) == 250 and len(transport.calls) == 3


def test_incoming_integrations_and_zero_read_nothing(client, transport):
    assert read_deliveries(client, dict(OUT, type='webhook-incoming'), 5) == []
    assert read_deliveries(client, OUT, 0) == [] and transport.calls == []


@pytest.mark.parametrize('answer', [
    fail(403, 'User does not have the permissions required for this action [error-unauthorized]'),
    fail(403, 'unauthorized'),
])
def test_a_user_without_an_outgoing_permission_gets_a_clear_error(client, transport, answer):
    transport.on('GET', 'integrations.history', answer)
    with pytest.raises(IntegrationError) as caught:
        read_deliveries(client, OUT, 5)
    assert "deliveries of outgoing integration 'CI' (id out1)" in str(caught.value)
    assert 'manage-outgoing-integrations (or manage-own-outgoing-integrations' in str(caught.value)
    assert 'Leave history out' in str(caught.value)


def test_a_negative_count_is_refused():
    with pytest.raises(IntegrationError, match='history must be 0 or more'):
        check_count(-1)
    check_count(0)
    check_count(None)
