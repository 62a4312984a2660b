# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Failures that real networks and servers produce, injected into the emulator: the module must report the truth,
never duplicate or lose an integration, and fail with a message that says what to do."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from conftest import connection_env
from rocketchat_emulator import EmulatorServer

MODULE = 'community.rocketchat.rocketchat_integration'
LIST = '/api/v1/integrations.list'
REMOVE = '/api/v1/integrations.remove'
CREATE = '/api/v1/integrations.create'


def adhoc(ansible, emu, module_args, env=None):
    run = ansible('adhoc', '-m', MODULE, '-a', module_args, env=dict(connection_env(emu), **(env or {})))
    return run, run.result()


def hits(rocket, path, method):
    return [entry for entry in rocket.requests_log() if entry['path'] == path and entry['method'] == method]


def test_gateway_error_on_a_read_is_retried(ansible, rocket8):
    rocket8.create_incoming('fault-502')
    rocket8.fault(LIST, 'status', status=502, method='GET')
    run, (status, result) = adhoc(ansible, rocket8.emu, 'type=incoming name=fault-502 state=absent')
    assert status == 'CHANGED' and rocket8.integrations() == []
    assert [entry['status'] for entry in hits(rocket8, LIST, 'GET')] == [502, 200]


def test_remove_whose_answer_is_lost_reports_the_removal(ansible, rocket8):
    hook = rocket8.create_incoming('fault-drop')
    rocket8.fault(REMOVE, 'drop_after_processing', method='POST')
    run, (status, result) = adhoc(ansible, rocket8.emu, f'integration_id={hook["_id"]} state=absent')
    assert status == 'CHANGED' and result['integration']['_id'] == hook['_id']
    assert rocket8.integrations() == [] and len(hits(rocket8, REMOVE, 'POST')) == 1


def test_remove_cut_before_the_server_saw_it_is_sent_again(ansible, rocket8):
    hook = rocket8.create_incoming('fault-reset')
    rocket8.fault(REMOVE, 'reset_before', method='POST')
    run, (status, result) = adhoc(ansible, rocket8.emu, f'integration_id={hook["_id"]} state=absent')
    assert status == 'CHANGED' and rocket8.integrations() == []
    assert len(hits(rocket8, REMOVE, 'POST')) == 2


def test_create_whose_answer_is_lost_creates_exactly_one(ansible, rocket8):
    rocket8.fault(CREATE, 'drop_after_processing', method='POST')
    args = "type=incoming name=fault-create channel='#general' username=rocket.cat"
    run, (status, result) = adhoc(ansible, rocket8.emu, args)
    assert status == 'CHANGED' and [d['name'] for d in rocket8.integrations()] == ['fault-create']
    run, (status, result) = adhoc(ansible, rocket8.emu, args)
    assert status == 'SUCCESS' and len(rocket8.integrations()) == 1 and len(hits(rocket8, CREATE, 'POST')) == 1


def test_create_refused_by_a_gateway_fails_and_creates_nothing(ansible, rocket8):
    rocket8.fault(CREATE, 'html', method='POST', status=503)
    # The module reads the name again for up to its timeout (2 s here): the server could still be saving it.
    args = "type=incoming name=fault-503 channel='#general' username=rocket.cat timeout=2"
    run, (status, result) = adhoc(ansible, rocket8.emu, args)
    assert status == 'FAILED' and 'did not list it in the 2 s that followed' in result['msg']
    assert rocket8.integrations() == [] and len(hits(rocket8, CREATE, 'POST')) == 1


@pytest.mark.parametrize('kind, extra, fragments', [
    ('html', {'status': 502}, ['HTTP 502', 'text/html', 'api_url']),
    ('non_json', {}, ['HTTP 200', 'text/plain', 'api_url']),
    ('redirect', {}, ['redirected (HTTP 302)', 'https://', 'api_url']),
])
def test_answers_that_are_not_rocketchat_fail_clearly(ansible, rocket8, kind, extra, fragments):
    rocket8.create_incoming('fault-odd')
    before = rocket8.integrations()
    # html is a 502: reads retry it, so it has to come three times more than once.
    rocket8.fault(LIST, kind, method='GET', times=4, **extra)
    run, (status, result) = adhoc(ansible, rocket8.emu, 'type=incoming name=fault-odd state=absent')
    assert status == 'FAILED' and all(fragment in result['msg'] for fragment in fragments), result['msg']
    assert rocket8.integrations() == before and rocket8.emu.admin_token not in run.output
    if kind == 'redirect':
        assert len(hits(rocket8, LIST, 'GET')) == 1  # not followed: the token never went elsewhere


def test_a_server_that_answers_too_slowly_times_out(ansible, rocket8):
    rocket8.fault(LIST, 'delay', method='GET', delay_s=3, times=3)
    started = time.monotonic()
    run, (status, result) = adhoc(ansible, rocket8.emu, 'type=incoming name=x state=absent timeout=1')
    assert status == 'FAILED' and 'timed out after 1 s' in result['msg'] and 'timeout' in result['msg']
    assert time.monotonic() - started < 30


def test_rate_limit_is_waited_out(ansible, rocket8):
    user = rocket8.add_user('limited', ['user'])
    rocket8.set_permissions(manage_incoming_integrations=['admin', 'user'])
    # One call per 10 s window, used up by the test itself just before the task: the task's first read is refused
    # however long the command takes to start (a 2 s window let a slow start miss it), and the task waits it out.
    rocket8.settings(rate_limiter_enabled=True, rate_limit_calls=1, rate_limit_window_ms=10000)
    rocket8.create_incoming('rl-1')
    rocket8.api('GET', 'integrations.list', user_id=user['userId'], token=user['authToken'])
    env = {'ROCKETCHAT_USER_ID': user['userId'], 'ROCKETCHAT_AUTH_TOKEN': user['authToken']}
    run, (status, result) = adhoc(ansible, rocket8.emu, 'type=incoming name=rl-1 state=absent', env=env)
    assert status == 'CHANGED' and rocket8.integrations() == []
    assert 'rate limiter made the task wait' in ' '.join(run.output.split()), run.output
    statuses = [entry['status'] for entry in hits(rocket8, LIST, 'GET')]
    assert 429 in statuses and statuses[-1] == 200, statuses


def test_rate_limit_longer_than_the_bound_fails_and_names_the_permission(ansible, rocket8):
    user = rocket8.add_user('limited2', ['user'])
    rocket8.set_permissions(manage_incoming_integrations=['admin', 'user'])
    rocket8.settings(rate_limiter_enabled=True, rate_limit_calls=1, rate_limit_window_ms=600000)
    hook = rocket8.create_incoming('rl-3')
    env = {'ROCKETCHAT_USER_ID': user['userId'], 'ROCKETCHAT_AUTH_TOKEN': user['authToken'], 'ROCKETCHAT_RATE_LIMIT_MAX_WAIT': '2'}
    adhoc(ansible, rocket8.emu, 'type=incoming name=absent-one state=absent', env=env)
    run, (status, result) = adhoc(ansible, rocket8.emu, 'type=incoming name=rl-3 state=absent', env=env)
    assert status == 'FAILED' and 'api-bypass-rate-limit' in result['msg'] and 'longer than the 2 s' in result['msg']
    assert [d['_id'] for d in rocket8.integrations()] == [hook['_id']]


@pytest.fixture(scope='module')
def tls_files(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1, as a private server would have."""
    folder = tmp_path_factory.mktemp('tls')
    cert, key = folder / 'cert.pem', folder / 'key.pem'
    subprocess.run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1',
                    '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', str(key), '-out', str(cert)],
                   check=True, capture_output=True, timeout=60)
    return str(cert), str(key)


def test_self_signed_certificate_points_to_ca_path_and_ca_path_works(ansible, tls_files):
    cert, key = tls_files
    with EmulatorServer(server_version='8.8.1', ssl_context=(cert, key)) as emu:
        run, (status, result) = adhoc(ansible, emu, 'type=incoming name=x state=absent')
        assert status == 'FAILED' and 'ca_path' in result['msg'] and 'validate_certs' in result['msg']
        run, (status, result) = adhoc(ansible, emu, f'type=incoming name=x state=absent ca_path={cert}')
        assert status == 'SUCCESS' and result['changed'] is False
        run, (status, result) = adhoc(ansible, emu, 'type=incoming name=x state=absent', env={'ROCKETCHAT_VALIDATE_CERTS': 'false'})
        assert status == 'SUCCESS'


def test_missing_ca_file_is_a_clear_error(ansible, rocket8, tmp_path):
    run, (status, result) = adhoc(ansible, rocket8.emu, f'type=incoming name=x state=absent ca_path={tmp_path}/nope.pem')
    assert status == 'FAILED' and 'ca_path' in result['msg'] and 'nope.pem' in result['msg']


def test_python_without_requests_is_told_what_to_install(ansible, rocket8, tmp_path):
    (tmp_path / 'requests.py').write_text('raise ImportError("requests is not installed here")\n')
    run = ansible('adhoc', '-m', MODULE, '-a', 'type=incoming name=x state=absent', env=dict(
        connection_env(rocket8.emu), PYTHONPATH=str(tmp_path), ANSIBLE_PYTHON_INTERPRETER=sys.executable))
    status, result = run.result()
    assert status == 'FAILED' and 'requests' in result['msg'] and 'install' in result['msg'].lower()
