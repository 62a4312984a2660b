# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
import requests

from ansible_collections.community.rocketchat.plugins.module_utils._client import (
    PAGE_SIZE,
    RocketChatClient,
    RocketChatError,
    normalize_api_url,
    scrub,
    url_credentials,
)
from ansible_collections.community.rocketchat.tests.unit.conftest import BASE_URL, fail, ok

SECRET = 'unit-secret-token-7f3a'
PASSWORD = 'unit-secret-password-91b2'


def token_client(**kwargs):
    return RocketChatClient(BASE_URL, user_id='uid-1', token=SECRET, **kwargs)


def password_client(**kwargs):
    return RocketChatClient(BASE_URL, username='deploy', password=PASSWORD, **kwargs)


@pytest.mark.parametrize('given, expected', [
    ('https://chat.example.com', 'https://chat.example.com'),
    ('https://chat.example.com/', 'https://chat.example.com'),
    ('https://chat.example.com/api/v1', 'https://chat.example.com'),
    ('https://chat.example.com/api/v1/', 'https://chat.example.com'),
    ('https://chat.example.com/api', 'https://chat.example.com'),
    ('  http://127.0.0.1:3000/rocketchat/  ', 'http://127.0.0.1:3000/rocketchat'),
    ('https://example.com:8443/chat/api/v1', 'https://example.com:8443/chat'),
])
def test_normalize_api_url_keeps_port_and_sub_path(given, expected):
    assert normalize_api_url(given) == expected


@pytest.mark.parametrize('given, fragment', [
    ('chat.example.com', 'starting with https://'),
    ('ftp://chat.example.com', 'starting with https://'),
    ('', 'starting with https://'),
    ('https://admin:hunter2@chat.example.com', 'must not contain a user name or password'),
    ('https://chat.example.com/?x=1', 'query string'),
    ('https://chat.example.com/?authToken=hunter2', 'query string'),
    ('admin:hunter2@chat.example.com', 'starting with https://'),
])
def test_normalize_api_url_rejects_what_cannot_be_a_base_url(given, fragment):
    with pytest.raises(ValueError, match=fragment) as info:
        normalize_api_url(given)
    assert 'hunter2' not in str(info.value)


def test_token_auth_sends_headers_and_never_logs_in_or_out(transport):
    transport.on('GET', 'me', ok(_id='uid-1'))
    client = token_client()
    client.get('me')
    client.close()
    assert transport.endpoints() == ['GET me']
    assert transport.calls[0]['headers']['X-User-Id'] == 'uid-1'
    assert transport.calls[0]['headers']['X-Auth-Token'] == SECRET


def test_password_auth_logs_in_once_and_logs_out_on_close(transport):
    transport.on('POST', 'login', ok(status='success', data={'userId': 'u9', 'authToken': 'login-token-xyz'}))
    transport.on('GET', 'me', ok(_id='u9'))
    transport.on('POST', 'logout', ok(status='success'))
    client = password_client()
    client.get('me')
    client.get('me')
    client.close()
    assert transport.endpoints() == ['POST login', 'GET me', 'GET me', 'POST logout']
    assert transport.calls[0]['body'] == {'user': 'deploy', 'password': PASSWORD}
    assert 'X-Auth-Token' not in transport.calls[0]['headers']
    assert transport.calls[1]['headers']['X-Auth-Token'] == 'login-token-xyz'
    assert transport.calls[3]['headers']['X-Auth-Token'] == 'login-token-xyz'


def test_login_failure_is_an_error_of_the_login_endpoint_without_the_password(transport):
    transport.on('POST', 'login', dict(status=401, json_body={
        'status': 'error', 'error': 'Unauthorized', 'message': 'Unauthorized', 'success': False}))
    client = password_client()
    with pytest.raises(RocketChatError) as info:
        client.get('me')
    assert info.value.status == 401 and info.value.endpoint == 'login'
    assert PASSWORD not in str(info.value)
    client.close()
    assert transport.endpoints() == ['POST login']  # no logout of a session that never opened


def test_error_carries_rocketchat_fields_and_matches_by_substring(transport):
    transport.on('POST', 'integrations.remove', fail(
        400, 'must match exactly one schema in oneOf [invalid-params]', 'invalid-params'))
    with pytest.raises(RocketChatError) as info:
        token_client().post('integrations.remove', {'type': 'x'})
    exc = info.value
    assert (exc.status, exc.error_type, exc.kind) == (400, 'invalid-params', 'http')
    assert exc.has_error('must match exactly one schema in oneOf')
    assert 'HTTP 400' in str(exc) and f'{BASE_URL}/api/v1/integrations.remove' in str(exc)


def test_success_false_with_http_200_is_an_error(transport):
    transport.on('GET', 'integrations.list', dict(status=200, json_body={'success': False, 'error': 'odd'}))
    with pytest.raises(RocketChatError, match='odd'):
        token_client().get('integrations.list')


def test_html_answer_names_the_url_and_what_came_back(transport):
    transport.on('GET', 'integrations.list', dict(
        status=502, text='<html><body><h1>502 Bad Gateway</h1></body></html>', headers={'Content-Type': 'text/html'}))
    with pytest.raises(RocketChatError) as info:
        token_client().get('integrations.list')
    message = str(info.value)
    assert info.value.kind == 'invalid_response'
    assert f'{BASE_URL}/api/v1/integrations.list' in message and 'HTTP 502' in message
    assert 'text/html' in message and '502 Bad Gateway' in message and 'api_url' in message


def test_non_json_200_is_an_invalid_response(transport):
    transport.on('GET', 'integrations.list', dict(status=200, text='Welcome to nginx!', headers={'Content-Type': 'text/html'}))
    with pytest.raises(RocketChatError) as info:
        token_client().get('integrations.list')
    assert info.value.kind == 'invalid_response' and 'Welcome to nginx!' in str(info.value)


def test_redirect_is_not_followed_and_credentials_stay_home(transport):
    transport.on('GET', 'integrations.list', dict(
        status=301, text='', headers={'Location': 'https://elsewhere.example.net/api/v1/integrations.list'}))
    with pytest.raises(RocketChatError) as info:
        token_client().get('integrations.list')
    assert info.value.kind == 'redirect' and 'elsewhere.example.net' in str(info.value)
    assert len(transport.calls) == 1


def test_rate_limit_waits_until_reset_then_retries(transport):
    now = 1_800_000_000.0
    slept = []
    transport.on('POST', 'integrations.remove',
                 dict(status=429, json_body={'success': False, 'error': 'Error, too many requests. Please slow down. '
                                             'You must wait 7 seconds before trying this endpoint again. [error-too-many-requests]'},
                      headers={'X-RateLimit-Reset': str(int((now + 7) * 1000)), 'X-RateLimit-Remaining': '0'}),
                 ok(integration={'_id': 'a'}))
    client = token_client(sleep=slept.append, clock=lambda: now)
    assert client.post('integrations.remove', {'integrationId': 'a'})['integration'] == {'_id': 'a'}
    assert len(slept) == 1 and 7 <= slept[0] <= 8
    assert transport.endpoints() == ['POST integrations.remove'] * 2


def test_rate_limit_wait_warns_with_the_wait_the_request_and_the_permission(transport):
    now = 1_800_000_000.0
    slept, warnings = [], []
    transport.on('GET', 'integrations.list',
                 dict(status=429, json_body={'success': False, 'error': 'too many requests'},
                      headers={'X-RateLimit-Reset': str(int((now + 12) * 1000))}),
                 ok(integrations=[]))
    client = token_client(sleep=slept.append, clock=lambda: now, warn=warnings.append)
    client.get('integrations.list')
    assert slept == [pytest.approx(12.1)]
    warning, = warnings
    assert 'wait 12.1 s before GET integrations.list' in warning and "'api-bypass-rate-limit'" in warning


def test_every_rate_limit_wait_warns_before_it_sleeps(transport):
    events = []
    limited = dict(status=429, json_body={'success': False, 'error': 'You must wait 3 seconds before trying again'})
    transport.on('PUT', 'integrations.update', limited, limited, ok(integration={'_id': 'a'}))
    client = token_client(sleep=lambda seconds: events.append(('sleep', seconds)),
                          warn=lambda text: events.append(('warn', text)))
    client.put('integrations.update', {'integrationId': 'a'})
    assert [kind for kind, dummy in events] == ['warn', 'sleep', 'warn', 'sleep']
    assert all('3.1 s before PUT integrations.update' in text for kind, text in events if kind == 'warn')


def test_no_rate_limit_no_warning(transport):
    transport.on('GET', 'me', ok(_id='uid-1'))
    token_client(sleep=lambda s: pytest.fail('must not wait'), warn=pytest.fail).get('me')


def test_rate_limit_beyond_the_bound_fails_and_names_the_permission(transport):
    now = 1_800_000_000.0
    transport.on('GET', 'integrations.list', dict(
        status=429, json_body={'success': False, 'error': 'too many requests'},
        headers={'X-RateLimit-Reset': str(int((now + 600) * 1000))}))
    client = token_client(sleep=lambda s: pytest.fail('must not wait'), clock=lambda: now, rate_limit_max_wait=60)
    with pytest.raises(RocketChatError) as info:
        client.get('integrations.list')
    assert info.value.kind == 'rate_limited' and 'api-bypass-rate-limit' in str(info.value)


def test_connection_refused_names_the_url(transport):
    transport.on('GET', 'me', requests.exceptions.ConnectionError('[Errno 111] Connection refused'))
    with pytest.raises(RocketChatError) as info:
        token_client().get('me')
    assert info.value.kind == 'connection'
    assert 'Connection refused' in str(info.value) and f'{BASE_URL}/api/v1/me' in str(info.value)


def test_tls_failure_points_to_ca_path(transport):
    transport.on('GET', 'me', requests.exceptions.SSLError('certificate verify failed: self-signed certificate'))
    with pytest.raises(RocketChatError) as info:
        token_client().get('me')
    assert info.value.kind == 'tls' and 'ca_path' in str(info.value) and 'validate_certs' in str(info.value)


def test_timeout_names_the_option(transport):
    transport.on('GET', 'me', requests.exceptions.ReadTimeout('read timed out'))
    with pytest.raises(RocketChatError) as info:
        token_client(timeout=3).get('me')
    assert info.value.kind == 'timeout' and '3 s' in str(info.value) and 'timeout' in str(info.value)


def test_ca_path_is_used_for_verification(transport):
    seen = {}

    def capture(call):
        seen.update(call)
        return ok()
    transport.on('GET', 'me', capture)
    client = token_client(ca_path='/etc/ssl/private-ca.pem')
    original = transport.send

    def send(request, **kwargs):
        seen['verify'] = kwargs.get('verify')
        return original(request, **kwargs)
    transport.send = send
    client.get('me')
    assert seen['verify'] == '/etc/ssl/private-ca.pem'


def page(items, offset, total):
    return ok(integrations=items, offset=offset, items=len(items), count=len(items), total=total)


def docs(start, stop):
    return [{'_id': f'id{i}', 'name': f'n{i}'} for i in range(start, stop)]


def test_paginate_reads_every_page_with_the_largest_page_size(transport):
    transport.on('GET', 'integrations.list', page(docs(0, 100), 0, 250), page(docs(100, 200), 100, 250),
                 page(docs(200, 250), 200, 250))
    found = list(token_client().paginate('integrations.list', 'integrations', {'type': 'webhook-incoming'}))
    assert [d['_id'] for d in found] == [f'id{i}' for i in range(250)]
    assert [c['params']['offset'] for c in transport.calls] == ['0', '100', '200']
    assert all(c['params']['count'] == str(PAGE_SIZE) and c['params']['type'] == 'webhook-incoming' for c in transport.calls)


def test_paginate_follows_a_server_that_clamps_pages_smaller(transport):
    transport.on('GET', 'integrations.list', page(docs(0, 50), 0, 120), page(docs(50, 100), 50, 120),
                 page(docs(100, 120), 100, 120))
    found = list(token_client().paginate('integrations.list', 'integrations'))
    assert len(found) == 120 and [c['params']['offset'] for c in transport.calls] == ['0', '50', '100']


def test_paginate_stops_on_an_exact_page_boundary(transport):
    transport.on('GET', 'integrations.list', page(docs(0, 100), 0, 100))
    assert len(list(token_client().paginate('integrations.list', 'integrations'))) == 100
    assert len(transport.calls) == 1


def test_paginate_stops_when_a_server_ignores_offset(transport):
    transport.on('GET', 'integrations.list', page(docs(0, 100), 0, 500))
    assert len(list(token_client().paginate('integrations.list', 'integrations'))) == 100
    assert len(transport.calls) == 2


def test_paginate_yields_an_item_seen_twice_once(transport):
    # An integration removed from page 1 meanwhile shifts id99 to page 2.
    transport.on('GET', 'integrations.list', page(docs(0, 100), 0, 150), page(docs(99, 150), 100, 149))
    found = [d['_id'] for d in token_client().paginate('integrations.list', 'integrations')]
    assert len(found) == len(set(found)) == 150


def test_url_for_a_path_from_the_root_and_for_an_endpoint():
    client = RocketChatClient('https://example.com:8443/chat/api/v1', user_id='u', token='t')
    assert client.url_for('/api/info') == 'https://example.com:8443/chat/api/info'
    assert client.url_for('integrations.list') == 'https://example.com:8443/chat/api/v1/integrations.list'


@pytest.mark.parametrize('answer, version', [
    (ok(version='7.10.3'), (7, 10)),
    (ok(version='8.4.0-rc.2', info={'version': '1.0'}), (8, 4)),
    (ok(info={'version': '6.3.0'}), (6, 3)),
    (ok(), None),
    (ok(version='unknown'), None),
])
def test_server_version_is_read_once_from_api_info(transport, answer, version):
    transport.on('GET', '/api/info', answer)
    client = token_client()
    assert client.server_version() == version
    assert client.server_version() == version
    assert transport.endpoints() == ['GET /api/info']
    assert transport.calls[0]['url'] == f'{BASE_URL}/api/info'


def test_server_version_needs_no_login(transport):
    transport.on('GET', '/api/info', ok(version='8.4.0'))
    assert password_client().server_version() == (8, 4)
    assert transport.endpoints() == ['GET /api/info']


def test_no_request_of_the_unit_tests_may_carry_query_or_fields(transport):
    # The fake transport refuses them for every test (Rocket.Chat 9 removes both, reference §13.6); this proves it does.
    transport.on('GET', 'integrations.list', ok(integrations=[], total=0))
    for params in ({'query': '{}'}, {'fields': '{"name": 1}'}):
        with pytest.raises(AssertionError, match='sends query or fields'):
            token_client().get('integrations.list', params=params)


def spellings(secret):
    """The ways a message may quote a secret (what the scrubber must catch)."""
    return {
        'raw': secret,
        'repr': repr(secret)[1:-1],
        'repr twice': repr(repr(secret)[1:-1])[1:-1],
        'JSON': json.dumps(secret)[1:-1],
        'URL-encoded': quote(secret, safe=''),
        'stripped': secret.strip(),
    }


@pytest.mark.parametrize('secret', ['token-with-newline-Ab12\n', 'pass word "quoted" \\ 24/7 ünï\r\n'])
def test_scrub_removes_every_spelling_of_a_secret(secret):
    for name, spelling in spellings(secret).items():
        text = scrub(f'before {spelling} after', [secret])
        assert text == 'before ******** after', name


def test_a_token_with_a_newline_fails_without_showing_it(transport):
    token = 'unit-secret-token-7f3a\n'
    # Current requests releases refuse such a header before sending, quoting it; where an older one lets it through,
    # the transport refuses it the same way, so the test reads the same failure whichever requests is installed.
    transport.on('GET', 'me', requests.exceptions.InvalidHeader(
        f'Invalid leading whitespace, reserved character(s), or return character(s) in header value: {token!r}'))
    with pytest.raises(RocketChatError) as info:
        RocketChatClient(BASE_URL, user_id='uid-1', token=token).get('me')
    message = str(info.value)
    assert 'header' in message and 'api_url' in message
    for name, spelling in spellings(token).items():
        assert spelling not in message, name
    assert info.value.__cause__ is None  # requests' own exception quotes the header: not chained


def test_an_answer_that_echoes_the_login_token_is_scrubbed(transport):
    transport.on('POST', 'login', ok(status='success', data={'userId': 'u9', 'authToken': 'login-token-echoed-4411'}))
    transport.on('GET', 'me', dict(status=500, text='<pre>X-Auth-Token: login-token-echoed-4411 ' + PASSWORD + '</pre>',
                                   headers={'Content-Type': 'text/html'}))
    with pytest.raises(RocketChatError) as info:
        password_client().get('me')
    message = str(info.value)
    assert 'X-Auth-Token: ********' in message
    assert 'login-token-echoed' not in message and PASSWORD not in message


def test_a_snippet_is_scrubbed_before_it_is_cut(transport):
    # The token straddles the 160-character cut of the excerpt: its first part alone would show.
    transport.on('GET', 'me', dict(status=502, text='x' * 150 + SECRET, headers={'Content-Type': 'text/plain'}))
    with pytest.raises(RocketChatError) as info:
        token_client().get('me')
    assert SECRET[:8] not in str(info.value)


def test_a_generic_request_failure_names_the_request_and_api_url(transport):
    with pytest.raises(RocketChatError) as info:
        RocketChatClient('https://chat.example.com:99999', user_id='uid-1', token=SECRET).get('me')
    message = str(info.value)
    assert message.startswith('GET https://chat.example.com:99999/api/v1/me failed: ') and 'Check api_url' in message
    assert info.value.kind == 'connection' and transport.calls == []


def test_login_answer_without_user_id_and_token_is_an_invalid_response(transport):
    transport.on('POST', 'login', ok(status='success', data={'me': {'username': 'deploy'}}))
    with pytest.raises(RocketChatError) as info:
        password_client().get('me')
    assert info.value.kind == 'invalid_response' and info.value.endpoint == 'login'
    assert str(info.value) == (f'Rocket.Chat answered the login at {BASE_URL}/api/v1/login without a user id and token')
    assert transport.endpoints() == ['POST login']


def test_five_short_rate_limits_in_a_row_say_so(transport):
    limited = dict(status=429, json_body={'success': False, 'error': 'You must wait 3 seconds before trying again'})
    transport.on('GET', 'integrations.list', limited)
    slept = []
    with pytest.raises(RocketChatError) as info:
        token_client(sleep=slept.append).get('integrations.list')
    message = str(info.value)
    assert info.value.kind == 'rate_limited' and len(slept) == 4
    assert f'rate-limited GET {BASE_URL}/api/v1/integrations.list 5 times in a row' in message
    assert 'longer than' not in message and "'api-bypass-rate-limit'" in message


@pytest.mark.parametrize('url, found', [
    ('https://chat.example.com', set()),
    ('https://deploy:s3cr%40t@chat.example.com', {'deploy:s3cr%40t', 'deploy:s3cr@t', 's3cr%40t', 's3cr@t'}),
    ('deploy:hunter2@chat.example.com', {'deploy:hunter2', 'hunter2'}),
    ('https://token-only@chat.example.com', {'token-only'}),
])
def test_url_credentials_names_the_userinfo_and_password(url, found):
    assert url_credentials(url) == found
