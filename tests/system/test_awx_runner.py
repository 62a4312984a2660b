# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Job templates launched the way AWX launches them: through ansible-runner, with a private data directory.

The shipped credential type is rendered into env/envvars (its CA file into env/), the job template's extra
variables into env/extravars and its settings (job type, verbosity, forks, limit) into env/cmdline, the inventory
into inventory/hosts, and the playbook, which names no connection option, into project/ (see awx_job.py). AWX
stores every event that runner emits and shows it to anyone who may read the job: none of them, nor the stdout,
may contain a secret that the emulated servers saw or issued, at verbosity 0 or 4, for a successful job, a failed
job and a check-mode job, over HTTP and over TLS with a private CA, on every profile of SERVER_VERSIONS.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets as random_secrets
import socket
from pathlib import Path

import pytest
import requests

from awx_job import launch_job, make_private_ca, secret_leaks, serve_tls
from conftest import SERVER_VERSIONS, EmulatorServer

CI_HOOK_TOKEN = 'awx-runner-ci-hook-token-5173'
NO_LOG_PARAMETER = 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'
LOCALHOST = {'localhost': {'ansible_connection': 'local'}}

CREATE_DEPLOYS = 'Deploy notifications may post to general'
CREATE_CI = 'The CI server hears the messages of general'
READ_URL = 'Read the webhook URL of the deploy notifications'
POST = 'Announce the deploy through the webhook'
LIST = 'List the incoming integrations'
BROKEN = 'A hook for a room that does not exist (the failed job only)'
JOB_PLAYBOOK = f"""
- name: Rocket.Chat integrations of the job template
  hosts: localhost
  gather_facts: false
  tasks:
    - name: {CREATE_DEPLOYS}
      community.rocketchat.rocketchat_integration:
        type: incoming
        name: awx-runner-deploys
        channel: "#general"
        username: rocket.cat

    - name: {CREATE_CI}
      community.rocketchat.rocketchat_integration:
        type: outgoing
        name: awx-runner-ci
        event: sendMessage
        channel: "#general"
        urls: [https://ci.example.com/hook]
        username: rocket.cat
        token: "{{{{ ci_hook_token }}}}"

    - name: {READ_URL}
      community.rocketchat.rocketchat_integration:
        type: incoming
        name: awx-runner-deploys
        return_webhook_url: true
      register: deploys
      no_log: true
      when: not ansible_check_mode

    - name: {POST}
      ansible.builtin.uri:
        url: "{{{{ deploys.webhook_url }}}}"
        method: POST
        body_format: json
        ca_path: "{{{{ lookup('ansible.builtin.env', 'ROCKETCHAT_CA_PATH') or omit }}}}"
        body:
          text: "Deployed by job {{{{ awx_job_id }}}}"
      no_log: true
      when: not ansible_check_mode

    - name: {LIST}
      community.rocketchat.rocketchat_integration_info:
        type: incoming

    - name: {BROKEN}
      community.rocketchat.rocketchat_integration:
        type: incoming
        name: awx-runner-broken
        channel: "#no-such-room"
        username: rocket.cat
      when: break_the_job
"""
TASKS = [CREATE_DEPLOYS, CREATE_CI, READ_URL, POST, LIST, BROKEN]

# (job, verbosity, transport, credential): each job at verbosity 0 and 4, each over HTTP and TLS, with a token and
# with a password, on every server profile.
CASES = [
    ('successful', 0, 'http', 'token'),
    ('successful', 4, 'tls', 'password'),
    ('failed', 0, 'tls', 'password'),
    ('failed', 4, 'http', 'token'),
    ('check', 0, 'http', 'password'),
    ('check', 4, 'tls', 'token'),
]


@pytest.fixture(scope='module')
def private_ca(tmp_path_factory):
    return make_private_ca(tmp_path_factory.mktemp('pki'))


def credential_for(emu, url, auth, ca_pem=''):
    """The fields of a Rocket.Chat credential, as AWX stores them: the unused pair blank."""
    if auth == 'token':
        return {'api_url': url, 'api_user_id': emu.admin_user_id, 'api_token': emu.admin_token,
                'api_username': '', 'api_password': '', 'ca_cert': ca_pem}
    return {'api_url': url, 'api_user_id': '', 'api_token': '', 'api_username': emu.admin_username,
            'api_password': emu.admin_password, 'ca_cert': ca_pem}


def assert_no_secret_stored(job, secret_list, work_dir):
    """The scan of what AWX stores: it read the job's events (all of them, with the task names) and found nothing."""
    assert job.events and len(job.events) == len(job.handled_events)
    assert [event['counter'] for event in job.events] == [event['counter'] for event in job.handled_events]
    assert job.stdout.strip()
    rc, report = secret_leaks(job.stored_text(), secret_list, work_dir)
    assert rc == 0, report
    assert re.search(rf'for {len(set(s for s in secret_list if len(s) >= 8))} secrets\b.*: 0 found', report), report


@pytest.mark.parametrize('kind, verbosity, transport, auth', CASES,
                         ids=[f'{kind}-v{verbosity}-{transport}-{auth}' for kind, verbosity, transport, auth in CASES])
def test_job_events_hold_no_secret(rocket, private_ca, runner_env, tmp_path, kind, verbosity, transport, auth):
    emu = rocket.emu
    existing = rocket.create_incoming('awx-runner-existing')
    before = rocket.integrations()
    ca_pem, cert_file, key_file = private_ca
    with contextlib.ExitStack() as stack:
        url = stack.enter_context(serve_tls(emu.app, cert_file, key_file)) if transport == 'tls' else emu.url
        credential = credential_for(emu, url, auth, ca_pem if transport == 'tls' else '')
        # With invocation injected (off by default from ansible-core 2.21), the job events carry the task's arguments.
        job = launch_job(tmp_path, JOB_PLAYBOOK, LOCALHOST, job_id=7, credential=credential,
                         base_env=dict(runner_env, ANSIBLE_INJECT_INVOCATION='1'),
                         extra_vars={'ci_hook_token': CI_HOOK_TOKEN, 'break_the_job': kind == 'failed'},
                         job_type='check' if kind == 'check' else 'run', verbosity=verbosity)

    # The job ran as launched: its tasks, its verbosity, its credential (the URL came from env/envvars).
    assert (job.status, job.rc) == (('failed', 2) if kind == 'failed' else ('successful', 0)), job.stdout
    assert job.task_names() == TASKS
    # Printed from -vvvv on, whichever way the tasks ran (in-process tasks open no connection).
    assert ('setting up inventory plugins' in job.stdout) is (verbosity >= 4)
    created = job.result_of(CREATE_DEPLOYS)
    # Check mode predicts the integration, without the token that only the server generates.
    assert created['changed'] is True and created['integration'].get('token') == (None if kind == 'check' else '********')
    args = created['invocation']['module_args']
    assert args['api_url'] == url
    assert args['api_token' if auth == 'token' else 'api_password'] == NO_LOG_PARAMETER
    if transport == 'tls':
        ca_path = job.env['ROCKETCHAT_CA_PATH']
        assert os.path.dirname(ca_path) == str(job.private_data_dir / 'env') and Path(ca_path).read_text() == ca_pem
    listed = job.result_of(LIST)['integrations']
    assert existing['_id'] in [doc['_id'] for doc in listed] and {doc['token'] for doc in listed} == {'********'}

    names = sorted(doc['name'] for doc in rocket.integrations())
    if kind == 'check':
        assert rocket.integrations() == before
        assert job.result_of(CREATE_CI)['changed'] is True
        assert job.host_results('runner_on_skipped') == {'localhost': [READ_URL, POST, BROKEN]}
    else:
        assert names == ['awx-runner-ci', 'awx-runner-deploys', 'awx-runner-existing']
        assert [doc['token'] for doc in rocket.integrations() if doc['name'] == 'awx-runner-ci'] == [CI_HOOK_TOKEN]
        # The no_log tasks read a real webhook URL and used it; their events carry no result.
        assert [m['msg'] for m in rocket.state()['messages'] if m['msg'].startswith('Deployed')] == ['Deployed by job 7']
        assert 'censored' in job.result_of(READ_URL) and 'webhook_url' not in job.result_of(READ_URL)
    if kind == 'failed':
        assert job.host_results('runner_on_failed') == {'localhost': [BROKEN]}
        assert 'Nothing was changed' in job.result_of(BROKEN)['msg']

    secret_list = rocket.state()['secrets']
    assert {emu.admin_token, emu.admin_password, existing['token']} <= set(secret_list)
    if auth == 'password':
        # The job's own login tokens, which it logged out again, are in the list too.
        logged_out = [entry['token'] for entry in rocket.state()['logouts']]
        assert logged_out and set(logged_out) <= set(secret_list)
    if kind != 'check':
        deploys = [doc for doc in rocket.integrations() if doc['name'] == 'awx-runner-deploys'][0]
        assert {CI_HOOK_TOKEN, deploys['token']} <= set(secret_list)
    assert_no_secret_stored(job, secret_list, tmp_path)
    # AWX shows the job's environment with the credential's secret fields masked.
    assert emu.admin_token not in str(job.safe_env) and emu.admin_password not in str(job.safe_env)


@pytest.mark.parametrize('server', [SERVER_VERSIONS[-1]], indirect=True)
def test_the_event_check_finds_a_secret_that_a_task_prints(rocket, runner_env, tmp_path):
    """Without this, a scan that reads nothing or looks in the wrong place would pass the test above."""
    playbook = JOB_PLAYBOOK.replace('  tasks:\n', '  tasks:\n'
                                    '    - name: A careless debug task\n'
                                    '      ansible.builtin.debug:\n'
                                    '        msg: "{{ lookup(\'ansible.builtin.env\', \'ROCKETCHAT_AUTH_TOKEN\') }}"\n\n', 1)
    credential = credential_for(rocket.emu, rocket.url, 'token')
    job = launch_job(tmp_path, playbook, LOCALHOST, job_id=8, credential=credential, base_env=runner_env,
                     extra_vars={'ci_hook_token': CI_HOOK_TOKEN, 'break_the_job': False})
    assert job.status == 'successful'
    token = rocket.emu.admin_token
    assert job.result_of('A careless debug task')['msg'] == token
    rc, report = secret_leaks(job.stored_text(), rocket.state()['secrets'], tmp_path)
    assert rc == 1 and f'LEAK of a secret ({token[:4]}...)' in report and '1 found' in report
    assert token not in report
    # Found in each place that AWX keeps: the event as stored, and the stdout.
    for text in ([path.read_text() for path in job.event_files], [job.stdout]):
        assert secret_leaks('\n'.join(text), [token], tmp_path)[0] == 1


FLEET_TASK = 'Deploy notifications of this server'
FLEET_LIST = "List this server's incoming integrations"
FLEET_PLAYBOOK = f"""
- name: Rocket.Chat integrations on every server of the inventory
  hosts: rocketchat_servers
  gather_facts: false
  module_defaults:
    group/community.rocketchat.rocketchat:
      api_url: "{{{{ rocketchat_url }}}}"
      api_user_id: "{{{{ rocketchat_user_id | default(omit) }}}}"
      api_token: "{{{{ rocketchat_token | default(omit) }}}}"
      api_username: "{{{{ rocketchat_username | default(omit) }}}}"
      api_password: "{{{{ rocketchat_password | default(omit) }}}}"
  tasks:
    - name: {FLEET_TASK}
      community.rocketchat.rocketchat_integration:
        type: incoming
        name: "deploys-{{{{ inventory_hostname }}}}"
        channel: "{{{{ deploys_room }}}}"
        username: rocket.cat
      delegate_to: localhost

    - name: {FLEET_LIST}
      community.rocketchat.rocketchat_integration_info:
        type: incoming
      delegate_to: localhost
"""


@pytest.fixture(scope='module')
def fleet():
    """One emulated server per profile, each with credentials of its own: {inventory host name: server}."""
    with contextlib.ExitStack() as stack:
        yield {f'chat-{letter}': stack.enter_context(EmulatorServer(
            server_version=version, admin_token=f'fleet-{letter}-pat-{random_secrets.token_hex(16)}',
            admin_password=f'fleet-{letter}-pass-{random_secrets.token_hex(8)}'))
            for letter, version in zip('abc', SERVER_VERSIONS)}


def closed_port_url():
    """The URL of a server that is down: a loopback port that nothing listens on."""
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]
    return f'http://127.0.0.1:{port}'


def api_requests(emu):
    return [entry for entry in requests.get(f'{emu.url}/_emulator/requests', timeout=10).json()
            if entry['path'].startswith('/api/')]


def integration_names(emu):
    state = requests.get(f'{emu.url}/_emulator/state', timeout=10).json()
    return sorted(doc['name'] for doc in state['integrations'])


def test_many_servers_with_limit_and_forks_converge_independently(fleet, runner_env, tmp_path):
    """An inventory of Rocket.Chat servers, one host each with its connection in its host variables, the tasks
    delegated to localhost (the hosts' own addresses are unreachable). A server that is down fails its host only."""
    for emu in fleet.values():
        requests.post(f'{emu.url}/_emulator/reset', timeout=10).raise_for_status()
    down_token = f'fleet-down-pat-{random_secrets.token_hex(16)}'
    hosts = {}
    for number, (name, emu) in enumerate(fleet.items()):
        hostvars = {'ansible_host': f'192.0.2.{10 + number}', 'rocketchat_url': emu.url, 'deploys_room': '#general'}
        if name == 'chat-b':
            hostvars.update(rocketchat_username=emu.admin_username, rocketchat_password=emu.admin_password)
        else:
            hostvars.update(rocketchat_user_id=emu.admin_user_id, rocketchat_token=emu.admin_token)
        hosts[name] = hostvars
    hosts['chat-down'] = {'ansible_host': '192.0.2.20', 'rocketchat_url': closed_port_url(), 'deploys_room': '#general',
                          'rocketchat_user_id': 'aobEdbYhXfu5hkeqG', 'rocketchat_token': down_token}
    groups = {'rocketchat_servers': list(hosts)}
    up = sorted(fleet)

    def secret_list():
        found = [down_token]
        for emu in fleet.values():
            found.extend(requests.get(f'{emu.url}/_emulator/state', timeout=10).json()['secrets'])
        return found

    first = launch_job(tmp_path, FLEET_PLAYBOOK, hosts, groups=groups, job_id=21, forks=4, verbosity=4,
                       base_env=runner_env)
    assert (first.status, first.rc) == ('failed', 2), first.stdout
    assert first.stats['failures'] == {'chat-down': 1} and first.stats['dark'] == {}
    assert first.stats['changed'] == {name: 1 for name in up}
    assert sorted(first.stats['processed']) == sorted(hosts)
    assert first.host_results('runner_on_failed') == {'chat-down': [FLEET_TASK]}
    assert hosts['chat-down']['rocketchat_url'] in first.result_of(FLEET_TASK, 'chat-down')['msg'], first.stdout
    assert sorted(first.host_results('runner_on_ok')) == up
    for name, emu in fleet.items():
        assert integration_names(emu) == [f'deploys-{name}']
        assert [doc['name'] for doc in first.result_of(FLEET_LIST, name)['integrations']] == [f'deploys-{name}']
    assert_no_secret_stored(first, secret_list(), tmp_path)

    second = launch_job(tmp_path, FLEET_PLAYBOOK, hosts, groups=groups, job_id=22, forks=2,
                        limit='rocketchat_servers:!chat-down', base_env=runner_env)
    assert (second.status, second.rc) == ('successful', 0), second.stdout
    assert sorted(second.stats['processed']) == up and second.stats['changed'] == {}
    assert second.stats['failures'] == {}

    # Out of band, chat-b loses its integration; a job limited to chat-b repairs it and touches no other server.
    chat_b = fleet['chat-b']
    hook = requests.get(f'{chat_b.url}/_emulator/state', timeout=10).json()['integrations'][0]
    answer = requests.post(f'{chat_b.url}/api/v1/integrations.remove', timeout=10,
                           headers={'X-User-Id': chat_b.admin_user_id, 'X-Auth-Token': chat_b.admin_token},
                           json={'type': 'webhook-incoming', 'integrationId': hook['_id']})
    assert answer.status_code == 200, answer.text
    calls_before = {name: len(api_requests(emu)) for name, emu in fleet.items()}
    third = launch_job(tmp_path, FLEET_PLAYBOOK, hosts, groups=groups, job_id=23, forks=4, limit='chat-b',
                       base_env=runner_env)
    assert (third.status, third.rc) == ('successful', 0), third.stdout
    assert list(third.stats['processed']) == ['chat-b'] and third.stats['changed'] == {'chat-b': 1}
    assert integration_names(chat_b) == ['deploys-chat-b']
    calls_after = {name: len(api_requests(emu)) for name, emu in fleet.items()}
    assert calls_after['chat-b'] > calls_before['chat-b']
    assert {name: calls_after[name] for name in ('chat-a', 'chat-c')} == {
        name: calls_before[name] for name in ('chat-a', 'chat-c')}
    for job in (second, third):
        assert_no_secret_stored(job, secret_list(), tmp_path)
