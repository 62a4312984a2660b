# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures for the unit tests: a scripted HTTP transport and a way to run a module's main()."""

from __future__ import annotations

import contextlib
import json
from urllib.parse import parse_qsl, quote, quote_plus, urlsplit

import pytest
import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes

from ansible_collections.community.rocketchat.plugins.module_utils import _client

BASE_URL = 'https://chat.example.com'
TOKEN_ARGS = {'api_url': BASE_URL, 'api_user_id': 'uid-1', 'api_token': 'unit-secret-token-7f3a'}


class FakeTransport(BaseAdapter):
    """Answers requests from a script instead of the network, and records what was sent.

    Register answers with on(method, endpoint, ...); each is either a fixed answer, used every time, or a queue of
    answers used in order (the last one repeats).
    """

    def __init__(self):
        super().__init__()
        self.routes = {}
        self.calls = []

    def on(self, method, endpoint, *answers, status=200, json_body=None, text=None, headers=None):
        if not answers:
            answers = [dict(status=status, json_body=json_body, text=text, headers=headers or {})]
        self.routes[(method, endpoint)] = list(answers)

    def send(self, request, **kwargs):  # pylint: disable=unused-argument
        parts = urlsplit(request.url)
        endpoint = parts.path.split('/api/v1/', 1)[-1] if '/api/v1/' in parts.path else parts.path
        body = json.loads(request.body) if request.body else None
        call = dict(method=request.method, endpoint=endpoint, params=dict(parse_qsl(parts.query)), body=body,
                    headers=dict(request.headers), url=request.url)
        self.calls.append(call)
        # Rocket.Chat 9 removes the query and fields parameters (reference §13.6): no request of any test may carry them.
        assert not {'query', 'fields'} & set(call['params']), f'{request.method} {endpoint} sends query or fields'
        answers = self.routes.get((request.method, endpoint))
        if answers is None:
            answer = dict(status=404, json_body={'success': False, 'error': 'no scripted answer'})
        else:
            answer = answers.pop(0) if len(answers) > 1 else answers[0]
        if callable(answer):
            answer = answer(call)
        if isinstance(answer, Exception):
            raise answer
        response = requests.Response()
        response.status_code = answer.get('status', 200)
        response.headers = CaseInsensitiveDict(answer.get('headers') or {})
        if answer.get('json_body') is not None:
            response._content = json.dumps(answer['json_body']).encode()
            response.headers.setdefault('Content-Type', 'application/json')
        else:
            response._content = (answer.get('text') or '').encode()
        response.url = request.url
        response.request = request
        return response

    def close(self):
        pass

    def endpoints(self):
        return [f"{call['method']} {call['endpoint']}" for call in self.calls]


def ok(**body):
    """A successful Rocket.Chat answer."""
    return dict(status=200, json_body=dict(body, success=True))


def fail(status, error, error_type=None, **extra):
    """A failed Rocket.Chat answer."""
    body = dict(success=False, error=error, **extra)
    if error_type:
        body['errorType'] = error_type
    return dict(status=status, json_body=body)


def listing(*docs):
    """A one-page answer to integrations.list holding docs."""
    return ok(integrations=list(docs), offset=0, items=len(docs), count=len(docs), total=len(docs))


# What an update never writes: the server's own keys (and the _-prefixed metadata), and an incoming hook's token.
NEVER_UPDATED = ('type', 'userId', 'scriptCompiled', 'scriptError')


def judge_script(doc):
    """doc with the verdict a Rocket.Chat 8.x write stores on an enabled script (compileIntegrationScript): here every
    script compiles, so scriptCompiled is set and scriptError unset. Returns doc."""
    if doc.get('scriptEnabled') is True and str(doc.get('script') or '').strip():
        doc['scriptCompiled'] = doc['script']
        doc.pop('scriptError', None)
    return doc


def updated_doc(doc, body):
    """doc as stored after integrations.update with body (channel strings split into lists, as the server stores them).

    Stricter than a 7.3+ server, which writes null for the fields of its update list that the body leaves out: every
    stored field the body leaves out becomes null, so a test of the result proves that the body carried it.
    """
    kept = {key: (value if key.startswith('_') or key in NEVER_UPDATED
                  or (key == 'token' and doc.get('type') == 'webhook-incoming') else None)
            for key, value in doc.items()}
    written = {key: value for key, value in body.items() if key != 'integrationId'}
    if isinstance(written.get('channel'), str):
        written['channel'] = [part.strip() for part in written['channel'].split(',') if part.strip()]
    return dict(kept, **written)


def stored_after(doc):
    """An answer to integrations.update: doc as updated_doc stores it after the request's body, with judge_script's verdict."""
    return lambda call: ok(integration=judge_script(updated_doc(doc, call['body'])))


def spellings(secret):
    """The ways a secret can show up in text: as is, trimmed of a stray newline or blank, JSON- and PHP-escaped,
    URL-quoted, and as Python's repr writes it."""
    forms = {secret, secret.strip(), json.dumps(secret)[1:-1], json.dumps(secret)[1:-1].replace('/', '\\/'),
             quote(secret, safe=''), quote_plus(secret), repr(secret)[1:-1]}
    return {form for form in forms if form}


def assert_no_secrets(result, secrets, webhook_urls=()):
    """No spelling of any secret (and of the API token of TOKEN_ARGS) anywhere in result, keys included, except as the
    value of a webhook_url key that is one of webhook_urls: the addresses the task asked for, each of which must be
    there."""
    forms = set().union(*(spellings(secret) for secret in tuple(secrets) + (TOKEN_ARGS['api_token'],)))
    seen = set()

    def check(value, key=None):
        if key == 'webhook_url' and value in webhook_urls:
            seen.add(value)
        elif isinstance(value, dict):
            for name, item in value.items():
                check(str(name))
                check(item, name)
        elif isinstance(value, (list, tuple)):
            for item in value:
                check(item)
        else:
            text = value if isinstance(value, str) else json.dumps(value)
            leaked = [form for form in forms if form in text]
            assert not leaked, f'a secret in the result at {key!r}: {text[:200]}'

    check(result)
    assert seen == set(webhook_urls), f'webhook URLs asked for but not returned: {set(webhook_urls) - seen}'


@pytest.fixture
def sleeps(monkeypatch):
    """The waits (in seconds) of every RocketChatClient created during the test without an injected sleep.

    They are recorded instead of slept: no test waits for real (rate limits, parallel creators settling).
    """
    waits = []
    original = _client.RocketChatClient.__init__

    def init(self, *args, **kwargs):
        kwargs.setdefault('sleep', waits.append)
        original(self, *args, **kwargs)

    monkeypatch.setattr(_client.RocketChatClient, '__init__', init)
    return waits


@pytest.fixture
def transport(monkeypatch, sleeps):  # pylint: disable=unused-argument,redefined-outer-name
    """Every RocketChatClient created during the test talks to this FakeTransport, and never really sleeps."""
    fake = FakeTransport()
    monkeypatch.setattr(_client, 'HTTPAdapter', lambda *args, **kwargs: fake)
    return fake


class ModuleExit(Exception):
    def __init__(self, result, failed):
        super().__init__(result)
        self.result = result
        self.failed = failed


@contextlib.contextmanager
def module_args(args):
    try:
        from ansible.module_utils.testing import patch_module_args  # ansible-core >= 2.19
    except ImportError:
        old = basic._ANSIBLE_ARGS
        basic._ANSIBLE_ARGS = to_bytes(json.dumps({'ANSIBLE_MODULE_ARGS': args}))
        try:
            yield
        finally:
            basic._ANSIBLE_ARGS = old
    else:
        with patch_module_args(args):
            yield


def module_runner(monkeypatch):
    """run(main, args) -> (result, failed): runs a module's main() and returns what it exited with (and warned)."""
    warnings = []

    def with_warnings(result):
        return dict(result, warnings=list(warnings)) if warnings else result

    def exit_json(self, **result):  # pylint: disable=unused-argument
        raise ModuleExit(with_warnings(result), False)

    def fail_json(self, msg, **result):  # pylint: disable=unused-argument
        raise ModuleExit(with_warnings(dict(result, msg=msg, failed=True)), True)

    def warn(self, warning):  # pylint: disable=unused-argument
        warnings.append(warning)

    monkeypatch.setattr(basic.AnsibleModule, 'exit_json', exit_json)
    monkeypatch.setattr(basic.AnsibleModule, 'fail_json', fail_json)
    monkeypatch.setattr(basic.AnsibleModule, 'warn', warn)

    def run(main, args):
        warnings.clear()
        with module_args(args):
            with pytest.raises(ModuleExit) as info:
                main()
        return info.value.result, info.value.failed

    return run


@pytest.fixture
def run_module(monkeypatch):
    """run_module(main, args) -> (result, failed): run a module's main() and return what it exited with."""
    return module_runner(monkeypatch)


def diff_of(result):
    """The diff of a module result read back into views: the modules return it as YAML text (before and after)."""
    # PyYAML comes with ansible-core; imported here so that only the tests that read diffs need it.
    import yaml  # pylint: disable=import-outside-toplevel
    diff = result['diff']
    assert isinstance(diff['before'], str) and isinstance(diff['after'], str), 'a diff is text'
    return {key: yaml.safe_load(diff[key]) or {} for key in ('before', 'after')}
