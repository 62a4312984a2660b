# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures for the system tests: the emulator, and ansible / ansible-playbook run as a user would run them."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / 'tests' / 'emulator'))

from rocketchat_emulator import EmulatorServer  # noqa: E402  pylint: disable=wrong-import-position

SERVER_VERSIONS = ['6.13.1', '7.10.0', '8.8.1']


def collections_path(tmp_path_factory):
    """A directory whose ansible_collections/community/rocketchat is this collection."""
    for parent in REPO.parents:
        if parent.name == 'ansible_collections':
            return str(parent.parent)
    base = tmp_path_factory.mktemp('collections')
    target = base / 'ansible_collections' / 'community'
    target.mkdir(parents=True)
    (target / 'rocketchat').symlink_to(REPO)
    return str(base)


@pytest.fixture(scope='session')
def ansible_env(tmp_path_factory):
    """The environment every ansible command of the tests runs with: no ROCKETCHAT_* variables of the caller."""
    env = {key: value for key, value in os.environ.items() if not key.startswith('ROCKETCHAT_')}
    env.update(
        # The ansible commands of the Python environment running the tests, whatever PATH says.
        PATH=os.pathsep.join([os.path.dirname(sys.executable), env.get('PATH', '')]),
        ANSIBLE_COLLECTIONS_PATH=collections_path(tmp_path_factory),
        ANSIBLE_PYTHON_INTERPRETER=sys.executable,
        ANSIBLE_NOCOLOR='1',
        ANSIBLE_FORCE_COLOR='0',
        ANSIBLE_HOST_KEY_CHECKING='0',
        ANSIBLE_RETRY_FILES_ENABLED='0',
        ANSIBLE_LOCALHOST_WARNING='0',
        ANSIBLE_INVENTORY_UNPARSED_WARNING='0',
        ANSIBLE_LOCAL_TEMP=str(tmp_path_factory.mktemp('ansible-local')),
        ANSIBLE_HOME=str(tmp_path_factory.mktemp('ansible-home')),
    )
    return env


@pytest.fixture(scope='session', params=SERVER_VERSIONS)
def server(request):
    """One emulated Rocket.Chat server per supported major version, shared by the tests of that version."""
    with EmulatorServer(server_version=request.param) as emu:
        yield emu


class Rocket:
    """Out-of-band access to the emulated server, to arrange a scenario and to check what really changed."""

    def __init__(self, emu):
        self.emu = emu
        self.url = emu.url

    def reset(self):
        requests.post(f'{self.url}/_emulator/reset', timeout=10).raise_for_status()

    def state(self):
        return requests.get(f'{self.url}/_emulator/state', timeout=10).json()

    def integrations(self):
        return self.state()['integrations']

    def api(self, method, endpoint, user_id=None, token=None, **kwargs):
        headers = {'X-User-Id': user_id or self.emu.admin_user_id, 'X-Auth-Token': token or self.emu.admin_token}
        return requests.request(method, f'{self.url}/api/v1/{endpoint}', headers=headers, timeout=10, **kwargs)

    def create(self, **doc):
        answer = self.api('POST', 'integrations.create', json=doc)
        assert answer.status_code == 200, answer.text
        return answer.json()['integration']

    def create_incoming(self, name, channel='#general', **extra):
        return self.create(type='webhook-incoming', name=name, enabled=True, username='rocket.cat', channel=channel,
                           scriptEnabled=False, **extra)

    def create_outgoing(self, name, urls=('https://ci.example.com/hook',), **extra):
        return self.create(type='webhook-outgoing', name=name, enabled=True, username='rocket.cat', channel='#general',
                           event='sendMessage', urls=list(urls), scriptEnabled=False, **extra)

    def add_user(self, username, roles):
        answer = requests.post(f'{self.url}/_emulator/users', json={'username': username, 'roles': roles}, timeout=10)
        answer.raise_for_status()
        return answer.json()

    def settings(self, **settings):
        requests.post(f'{self.url}/_emulator/settings', json=settings, timeout=10).raise_for_status()

    def fault(self, route, kind, **extra):
        requests.post(f'{self.url}/_emulator/faults', json=dict(route=route, kind=kind, **extra), timeout=10).raise_for_status()

    def requests_log(self):
        return requests.get(f'{self.url}/_emulator/requests', timeout=10).json()

    def seed(self, **body):
        answer = requests.post(f'{self.url}/_emulator/integrations', json=body, timeout=120)
        answer.raise_for_status()
        return answer.json()['integrations']

    def set_permissions(self, **permissions):
        body = {name.replace('_', '-'): roles for name, roles in permissions.items()}
        requests.post(f'{self.url}/_emulator/permissions', json=body, timeout=10).raise_for_status()


@pytest.fixture
def rocket(server):
    """The server of this test's version, reset to its seed."""
    helper = Rocket(server)
    helper.reset()
    return helper


@pytest.fixture(scope='session')
def server8():
    """One 8.x server for the tests that need a single version."""
    with EmulatorServer(server_version='8.8.1') as emu:
        yield emu


@pytest.fixture
def rocket8(server8):
    helper = Rocket(server8)
    helper.reset()
    return helper


class AnsibleRun:
    def __init__(self, completed):
        self.rc = completed.returncode
        self.stdout = completed.stdout
        self.stderr = completed.stderr
        self.output = completed.stdout + completed.stderr

    def result(self):
        """The module result of an ad-hoc run: 'localhost | CHANGED => {...}'."""
        match = re.search(r'^localhost \| ([A-Z]+)!?(?: \| rc=\d+)? => (\{.*?^\})', self.stdout, re.M | re.S)
        assert match, self.output
        return match.group(1), json.loads(match.group(2))


@pytest.fixture
def ansible(ansible_env, tmp_path):
    """Run `ansible localhost -m ...` or `ansible-playbook ...` with an implicit localhost and extra environment."""
    def run(kind, *args, env=None, stdin=None):
        command = {'adhoc': ['ansible', 'localhost'], 'playbook': ['ansible-playbook']}[kind]
        completed = subprocess.run(
            command + list(args), env=dict(ansible_env, **(env or {})), cwd=tmp_path, input=stdin,
            capture_output=True, text=True, timeout=300, check=False)
        return AnsibleRun(completed)
    return run


def connection_env(emu):
    """What an AWX credential injects: the connection settings as ROCKETCHAT_* environment variables."""
    return {'ROCKETCHAT_URL': emu.url, 'ROCKETCHAT_USER_ID': emu.admin_user_id, 'ROCKETCHAT_AUTH_TOKEN': emu.admin_token}


@pytest.fixture
def runner_env(ansible_env, monkeypatch):
    """For jobs launched through ansible-runner, which starts from this process's environment and adds the job's:
    no ROCKETCHAT_* variable of the caller here, and what the ansible commands of the tests need, to give the job as
    the environment of its execution environment."""
    for name in list(os.environ):
        if name.startswith('ROCKETCHAT_'):
            monkeypatch.delenv(name)
    return {name: value for name, value in ansible_env.items() if os.environ.get(name) != value}
