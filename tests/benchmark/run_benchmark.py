# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark community.rocketchat's integration modules against Ansible's floor and the uri recipes.

Starts the bundled Rocket.Chat emulator (8.x and 6.x profiles) on free loopback ports, runs real `ansible` and
`ansible-playbook` commands against it and prints one table per question, every figure the median of several runs:

1. HTTP requests per operation, counted by the server.
2. Per-task wall time against ansible.builtin.ping, a single ansible.builtin.uri call and the uri recipe.
3. Removals by name from servers holding 100 to 10,000 integrations, with and without the server-side name filter.
4. Module start-up: the module process of ping, uri and rocketchat_integration, with -X importtime.
5. Converging 100 integrations: rocketchat_integrations with the list, a loop of rocketchat_integration, and the uri
   recipe; from none of them existing and again with nothing to change.
6. In-process (the action plugins, the default on localhost) against module processes (ROCKETCHAT_IN_PROCESS=0):
   per-task cost beside debug, ping, uri and a minimal requests module; loops of 10 to 1,000 items with the memory
   and open descriptors of the worker and the controller; the 100-item set against an in-process loop.

Times are wall-clock and CPU (user + system of every process a command ran); the emulator runs in this process,
so its work is in the wall time only.

Usage (with the Python environment that has ansible-core, requests and werkzeug):

    python tests/benchmark/run_benchmark.py [--quick] [--all] [--tables 1,2,3,4,5,6] [--markdown FILE]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

import requests

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / 'tests' / 'emulator'))

from rocketchat_emulator import EmulatorServer  # noqa: E402  pylint: disable=wrong-import-position

MODULE = 'community.rocketchat.rocketchat_integration'
LOOPBACK = '127.0.0.1'
NEW_SERVER = '8.8.1'  # integrations.list filters by name (7.0 and later)
OLD_SERVER = '6.13.1'  # integrations.list ignores the name filter
COMMAND_TIMEOUT = 1800
# The collection's action plugins run its tasks in-process on localhost; this switch makes them module processes.
MODULE_PROCESS = {'ROCKETCHAT_IN_PROCESS': '0'}

# scale_runs: how often each removal count is measured (once when not listed). Removing 100 integrations takes 100
# module runs (one to two minutes): by default that is measured on the largest server only; --all measures every size.
# password_ops: the operations of table 1 also run with password authentication (None: all of them).
# set_runs: rounds of table 5; a round takes about three minutes, most of it the loop of 100 module tasks, run twice.
# fast_*: table 6 (in-process against module processes): rounds and units of the per-task costs, the loop lengths of
# the scale curve and soak (in-process; module processes only up to fast_module_loop), rounds of the 100-item set.
FULL = dict(count_runs=2, rounds=7, tasks=3, sizes=(100, 1000, 10000), removals=(1, 10, 100),
            scale_runs={1: 3, 10: 2}, startup_runs=7, password_ops=None, set_runs=3,
            fast_rounds=5, fast_tasks=10, fast_loops=(10, 100, 1000), fast_module_loop=100, fast_set_runs=2)
QUICK = dict(count_runs=1, rounds=2, tasks=2, sizes=(100, 10000), removals=(1, 5), scale_runs={},
             startup_runs=3, password_ops=('remove by name', 'unchanged (present)'), set_runs=1,
             fast_rounds=2, fast_tasks=5, fast_loops=(10, 100, 1000), fast_module_loop=10, fast_set_runs=1)
BIG_REMOVAL = 100

# Targets of the issue. Password authentication adds the login and the logout to every request target.
TARGET_ID_PRESENT = 2
TARGET_ABSENT = 1
TARGET_BY_NAME = 2
TARGET_UNCHANGED = 1
TARGET_PING_RATIO = 1.3
TARGET_RECIPE_SPEEDUP = 3.0
TARGET_SET_SPEEDUP = 20.0
# In-process: per task at most this many times ping's, uri's and debug's.
TARGET_FAST_PING = 0.25
TARGET_FAST_URI = 0.2
TARGET_FAST_DEBUG = 4.0
TABLES = (1, 2, 3, 4, 5, 6)


class BenchmarkError(Exception):
    """Something did not run as the benchmark expects; the figures would be meaningless."""


def median(values):
    values = [value for value in values if value is not None]
    return statistics.median(values) if values else None


def verdict(ok):
    return 'PASS' if ok else 'FAIL'


class Cost:
    """Wall-clock seconds, and CPU seconds (user + system) of every process a command ran, of one or more runs.

    On a machine that other work shares, wall time includes waiting for a CPU that other work holds; CPU time does not.
    """

    def __init__(self, wall, cpu):
        self.wall = wall
        self.cpu = cpu

    def __sub__(self, other):
        return Cost(self.wall - other.wall, self.cpu - other.cpu)

    def __truediv__(self, number):
        return Cost(self.wall / number, self.cpu / number)

    @staticmethod
    def median(costs):
        return Cost(median([cost.wall for cost in costs]), median([cost.cpu for cost in costs]))


def run_measured(command, **kwargs):
    """subprocess.run, and the Cost of the command with all its child processes."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True, check=False, **kwargs)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return Cost(wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime), completed


# -- the server -------------------------------------------------------------------------------------------------


class RequestRecorder:
    """WSGI middleware: the method, path, query string and a digest of the body of every API and hook request.

    The emulator's own request log has no query string or body, so it cannot tell page 2 of a list from a repeat
    of page 1; this record can. Counts are taken from the emulator's log, this record only finds repeats.
    """

    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()
        self.entries = []

    def __call__(self, environ, start_response):
        path = environ.get('PATH_INFO', '')
        if path.startswith(('/api/', '/hooks/')):
            body = b''
            length = environ.get('CONTENT_LENGTH')
            if length and length.isdigit() and int(length) > 0:
                body = environ['wsgi.input'].read(int(length))
                environ['wsgi.input'] = io.BytesIO(body)
            signature = (environ.get('REQUEST_METHOD', ''), path, environ.get('QUERY_STRING', ''),
                         hashlib.sha256(body).hexdigest()[:16])
            with self.lock:
                self.entries.append(signature)
        return self.app(environ, start_response)

    def take(self):
        with self.lock:
            entries, self.entries = self.entries, []
        return entries


class Server:
    """One emulated Rocket.Chat server on a free loopback port, rate limiter off (logins are never exempt)."""

    def __init__(self, version):
        self.emu = EmulatorServer(host=LOOPBACK, port=0, server_version=version, rate_limit=False)
        self.recorder = RequestRecorder(self.emu.app)
        self.emu.app = self.recorder
        self.version = version
        self.http = requests.Session()
        self.http.trust_env = False  # no proxy between us and the loopback server
        self.last_signatures = []

    def start(self):
        self.emu.start()
        return self

    def stop(self):
        self.http.close()
        self.emu.stop()

    @property
    def url(self):
        return self.emu.url

    def control(self, method, path, body=None):
        answer = self.http.request(method, f'{self.url}/_emulator/{path}', json=body, timeout=120)
        if answer.status_code != 200:
            raise BenchmarkError(f'emulator {method} /_emulator/{path}: HTTP {answer.status_code} {answer.text[:200]}')
        return answer.json()

    def reset(self):
        self.control('POST', 'reset')
        self.recorder.take()

    def seed(self, docs=None, generate=None):
        """Insert integrations; returns the stored documents of `docs` (not of generated ones)."""
        stored = []
        if generate:
            self.control('POST', 'integrations', {'generate': generate})
        if docs:
            stored = self.control('POST', 'integrations', {'integrations': docs})['integrations']
        return stored

    def clear_log(self):
        self.control('DELETE', 'requests')
        self.recorder.take()

    def take_log(self):
        """(requests in the emulator's log, repeated signatures) since the last clear."""
        log = self.control('GET', 'requests')
        signatures = self.recorder.take()
        self.last_signatures = signatures
        if len(signatures) != len(log):
            raise BenchmarkError(f'request log ({len(log)}) and recorder ({len(signatures)}) disagree')
        seen = set()
        repeated = []
        for signature in signatures:
            if signature in seen:
                repeated.append(signature)
            seen.add(signature)
        return log, repeated

    def names(self):
        return [doc.get('name') for doc in self.emu.store.integrations_snapshot()]


# -- running Ansible ----------------------------------------------------------------------------------------------


def incoming(name, **extra):
    return dict({'type': 'webhook-incoming', 'name': name, 'channel': '#general', 'username': 'rocket.cat',
                 'enabled': True, 'scriptEnabled': False}, **extra)


def outgoing(name, url, **extra):
    return dict({'type': 'webhook-outgoing', 'name': name, 'channel': '#general', 'username': 'rocket.cat',
                 'event': 'sendMessage', 'urls': [url], 'enabled': True, 'scriptEnabled': False,
                 'token': 'bench-outgoing-token', 'triggerWords': []}, **extra)


class Ansible:
    """`ansible` and `ansible-playbook` of this Python environment, with an implicit localhost and a clean setup."""

    def __init__(self, workdir):
        self.workdir = workdir
        collections = workdir / 'collections'
        self.collections = str(collections)
        for parent in REPO.parents:
            if parent.name == 'ansible_collections':
                self.collections = str(parent.parent)
                break
        else:
            (collections / 'ansible_collections' / 'community').mkdir(parents=True)
            (collections / 'ansible_collections' / 'community' / 'rocketchat').symlink_to(REPO)
        bindir = Path(sys.executable).parent
        self.ansible = self._command(bindir, 'ansible')
        self.playbook_command = self._command(bindir, 'ansible-playbook')
        config = workdir / 'ansible.cfg'
        config.write_text('[defaults]\n', encoding='utf-8')
        proxies = {'http_proxy', 'https_proxy', 'all_proxy', 'no_proxy'}
        env = {key: value for key, value in os.environ.items()
               if not key.startswith(('ROCKETCHAT_', 'ANSIBLE_')) and key.lower() not in proxies}
        env.update(
            PATH=os.pathsep.join([str(bindir), env.get('PATH', '')]),
            NO_PROXY='127.0.0.1,localhost', no_proxy='127.0.0.1,localhost',
            ANSIBLE_CONFIG=str(config),
            ANSIBLE_COLLECTIONS_PATH=self.collections,
            ANSIBLE_PYTHON_INTERPRETER=sys.executable,
            ANSIBLE_NOCOLOR='1', ANSIBLE_FORCE_COLOR='0',
            ANSIBLE_LOCALHOST_WARNING='0', ANSIBLE_INVENTORY_UNPARSED_WARNING='0',
            ANSIBLE_RETRY_FILES_ENABLED='0',
            ANSIBLE_HOME=str(workdir / 'ansible-home'),
            ANSIBLE_LOCAL_TEMP=str(workdir / 'ansible-local'),
            ANSIBLE_REMOTE_TEMP=str(workdir / 'ansible-remote'),
        )
        self.env = env
        self.playbooks = 0

    @staticmethod
    def _command(bindir, name):
        path = bindir / name
        if path.exists():
            return str(path)
        found = shutil.which(name)
        if not found:
            raise BenchmarkError(f'{name} not found: run this with the Python environment that has ansible-core')
        return found

    def _run(self, command, env=None):
        return run_measured(command, env=dict(self.env, **(env or {})), cwd=self.workdir, timeout=COMMAND_TIMEOUT)

    def adhoc(self, module, args, env=None, check=False):
        """Run `ansible localhost -m module -a args`; returns (Cost, status, result)."""
        command = [self.ansible, 'localhost', '-m', module] + (['-a', args] if args else []) + (['--check'] if check else [])
        cost, completed = self._run(command, env)
        match = re.search(r'^localhost \| ([A-Z]+)!?(?: \| rc=\d+)? => (\{.*?^\})', completed.stdout, re.M | re.S)
        if not match:
            raise BenchmarkError(f'{module} {args}: no result (rc {completed.returncode}):\n'
                                 f'{completed.stdout[-2000:]}{completed.stderr[-2000:]}')
        return cost, match.group(1), json.loads(match.group(2))

    def write_playbook(self, tasks, module_defaults=None, play_vars=None):
        """Write a play on the implicit localhost with these tasks; returns its path."""
        self.playbooks += 1
        play = {'name': 'benchmark', 'hosts': 'localhost', 'gather_facts': False, 'tasks': tasks}
        if module_defaults:
            play['module_defaults'] = {'group/community.rocketchat.rocketchat': module_defaults}
        if play_vars:
            play['vars'] = play_vars
        path = self.workdir / f'play-{self.playbooks}.yml'
        path.write_text(json.dumps([play], indent=1), encoding='utf-8')  # JSON is YAML
        return path

    def playbook(self, tasks, module_defaults=None, play_vars=None, env=None):
        """Write a play on the implicit localhost with these tasks and run it; returns its Cost.

        env: extra environment, for example MODULE_PROCESS to run the collection's tasks as module processes.
        """
        path = self.write_playbook(tasks, module_defaults, play_vars)
        cost, completed = self._run([self.playbook_command, str(path)], env)
        if completed.returncode != 0:
            raise BenchmarkError(f'playbook with {len(tasks)} tasks failed (rc {completed.returncode}):\n'
                                 f'{completed.stdout[-3000:]}{completed.stderr[-2000:]}')
        return cost


def token_defaults(server):
    return {'api_url': server.url, 'api_user_id': server.emu.admin_user_id, 'api_token': server.emu.admin_token}


def password_defaults(server):
    return {'api_url': server.url, 'api_username': server.emu.admin_username, 'api_password': server.emu.admin_password}


def token_env(server):
    return {'ROCKETCHAT_URL': server.url, 'ROCKETCHAT_USER_ID': server.emu.admin_user_id,
            'ROCKETCHAT_AUTH_TOKEN': server.emu.admin_token}


def password_env(server):
    return {'ROCKETCHAT_URL': server.url, 'ROCKETCHAT_USERNAME': server.emu.admin_username,
            'ROCKETCHAT_PASSWORD': server.emu.admin_password}


def list_query(name):
    """The query string the module sends to find an incoming integration by name (first page)."""
    return f'type=webhook-incoming&name={quote(name)}&count=100&offset=0'


# -- 1. requests per operation -------------------------------------------------------------------------------------

MISSING_ID = 'ffffffffffffffffffffffff'
BACKGROUND = 150  # incoming and as many outgoing integrations that no scenario touches


def operation_scenarios():
    """(label, setup docs, args template, check mode, expected status, token target or None)."""
    target = 'https://ci.example.com/bench-target'
    return [
        ('remove by id, type given', [incoming('bench-by-id')], 'integration_id={id} type=incoming state=absent',
         False, 'CHANGED', TARGET_ID_PRESENT),
        ('remove by id, no type', [incoming('bench-by-id')], 'integration_id={id} state=absent',
         False, 'CHANGED', None),
        ('remove by id, already absent', [], f'integration_id={MISSING_ID} type=incoming state=absent',
         False, 'SUCCESS', TARGET_ABSENT),
        ('remove by name', [incoming('bench-by-name')], 'name=bench-by-name type=incoming state=absent',
         False, 'CHANGED', TARGET_BY_NAME),
        ('remove by name, already absent', [], 'name=bench-by-name type=incoming state=absent',
         False, 'SUCCESS', TARGET_ABSENT),
        ('remove by target URL', [outgoing('bench-by-url', target)], f'target_url={target} state=absent',
         False, 'CHANGED', None),
        ('remove by name, check mode', [incoming('bench-by-name')], 'name=bench-by-name type=incoming state=absent',
         True, 'CHANGED', None),
        ('create (present, new)', [], 'name=bench-new type=incoming channel=#general username=rocket.cat',
         False, 'CHANGED', None),
        ('update (present, one option differs)', [incoming('bench-update')],
         'name=bench-update type=incoming channel=#random username=rocket.cat', False, 'CHANGED', None),
        ('unchanged (present)', [incoming('bench-same')],
         'name=bench-same type=incoming channel=#general username=rocket.cat', False, 'SUCCESS', TARGET_UNCHANGED),
    ]


def measure_operations(server, ansible, runs, password_ops, log):
    """Requests per operation with token and with password authentication, on a server with 300 integrations."""
    background = ([incoming(f'bench-bg-in-{n:03d}') for n in range(BACKGROUND)]
                  + [outgoing(f'bench-bg-out-{n:03d}', f'https://ci.example.com/bg/{n}') for n in range(BACKGROUND)])
    rows = []
    repeats_total = 0
    for label, docs, template, check, expected, token_target in operation_scenarios():
        for auth, env_for, extra in (('token', token_env, 0), ('password', password_env, 2)):
            if auth == 'password' and password_ops is not None and label not in password_ops:
                continue
            counts, times, breakdowns, repeats = [], [], [], []
            for dummy in range(runs):
                server.reset()
                server.seed(background)
                stored = server.seed(docs)
                args = template.format(id=stored[0]['_id'] if stored else MISSING_ID)
                server.clear_log()
                cost, status, result = ansible.adhoc(MODULE, args, env=env_for(server), check=check)
                entries, repeated = server.take_log()
                if status != expected:
                    raise BenchmarkError(f'{label} ({auth}): expected {expected}, got {status}: {result.get("msg")}')
                repeats.append(len(repeated))
                counts.append(len(entries))
                times.append(cost.wall)
                breakdowns.append(describe_requests(entries))
            target = None if token_target is None else token_target + extra
            count = median(counts)
            repeats_total += sum(repeats)
            rows.append([label, auth, fmt_count(count), breakdowns[0], str(max(repeats)),
                         '-' if target is None else f'<= {target}', '' if target is None else verdict(count <= target),
                         f'{median(times):.2f}'])
            log(f'  {label} ({auth}): {fmt_count(count)} requests')
    return rows, repeats_total


def describe_requests(entries):
    """'login, integrations.list x2, ...' from the emulator's log."""
    parts = []
    for entry in entries:
        name = entry['path'].rsplit('/', 1)[-1]
        if parts and parts[-1][0] == name:
            parts[-1][1] += 1
        else:
            parts.append([name, 1])
    return ', '.join(name if count == 1 else f'{name} x{count}' for name, count in parts)


def fmt_count(value):
    if value is None:
        return '-'
    return f'{value:g}' if float(value).is_integer() else f'{value:.1f}'


# -- 2. per-task wall time -----------------------------------------------------------------------------------------


def recipe_block(server, name):
    """What people write without this collection: log in, list, filter with Jinja, remove, log out."""
    api = f'{server.url}/api/v1/'
    headers = {'X-User-Id': '{{ rc_login.json.data.userId }}', 'X-Auth-Token': '{{ rc_login.json.data.authToken }}'}
    return {'name': f'Remove {name} with uri', 'block': [
        {'name': 'Log in', 'ansible.builtin.uri': {
            'url': api + 'login', 'method': 'POST', 'body_format': 'json',
            'body': {'user': server.emu.admin_username, 'password': server.emu.admin_password}},
         'register': 'rc_login', 'no_log': True},
        {'name': 'List integrations', 'ansible.builtin.uri': {
            'url': api + 'integrations.list?' + list_query(name), 'headers': headers}, 'register': 'rc_list'},
        {'name': 'Pick the one with this exact name', 'ansible.builtin.set_fact': {
            'rc_matches': "{{ rc_list.json.integrations | selectattr('name', 'equalto', '%s') | list }}" % name}},
        {'name': 'Remove it', 'ansible.builtin.uri': {
            'url': api + 'integrations.remove', 'method': 'POST', 'body_format': 'json', 'headers': headers,
            'body': {'type': '{{ rc_matches[0].type }}', 'integrationId': '{{ rc_matches[0]._id }}'}},
         'when': 'rc_matches | length == 1'},
        {'name': 'Log out', 'ansible.builtin.uri': {'url': api + 'logout', 'method': 'POST', 'headers': headers}},
    ]}


def measure_task_costs(server, ansible, rounds, n, log):
    """Cost of one unit of each variant: (median N-unit playbook - median empty playbook) / N, variants interleaved."""
    same = 'bench-same'
    uri_task = {'ansible.builtin.uri': {
        'url': f'{server.url}/api/v1/integrations.list?{list_query(same)}',
        'headers': {'X-User-Id': server.emu.admin_user_id, 'X-Auth-Token': server.emu.admin_token}}}
    present_task = {MODULE: {'name': same, 'type': 'incoming', 'channel': '#general', 'username': 'rocket.cat'}}
    variants = [
        ('empty', 'empty playbook (start-up, subtracted from the others)', lambda: [], None, None),
        ('ping', 'ansible.builtin.ping', lambda: [{'ansible.builtin.ping': {}}] * n, None, None),
        ('uri', 'ansible.builtin.uri: one GET (the very request of the next row)', lambda: [uri_task] * n, None, None),
        ('present', 'rocketchat_integration as a module process: state=present, unchanged (token)',
         lambda: [present_task] * n,
         token_defaults(server), None),
        ('remove', 'rocketchat_integration as a module process: remove by name (password: login, list, remove, logout)',
         lambda: [{MODULE: {'name': f'bench-rm-m-{i:03d}', 'type': 'incoming', 'state': 'absent'}} for i in range(n)],
         password_defaults(server), 'bench-rm-m-'),
        ('recipe', 'uri recipe: uri login, uri list, set_fact filter, uri remove, uri logout (5 tasks)',
         lambda: [recipe_block(server, f'bench-rm-u-{i:03d}') for i in range(n)], None, 'bench-rm-u-'),
    ]
    runs = {key: [] for key, *dummy in variants}
    requests_per = {key: [] for key, *dummy in variants}
    signatures = {}
    for round_number in range(rounds):
        server.reset()
        server.seed([incoming(same)] + [incoming(f'bench-rm-{kind}-{i:03d}') for kind in 'mu' for i in range(n)])
        shift = round_number % len(variants)
        for key, dummy_label, make_tasks, defaults, removed_prefix in variants[shift:] + variants[:shift]:
            server.clear_log()
            # The collection's rows as module processes: the path of every task that does not run on localhost,
            # held to this table's targets; table 6 has the in-process path.
            runs[key].append(ansible.playbook(make_tasks(), defaults,
                                              env=MODULE_PROCESS if key in ('present', 'remove') else None))
            # N identical tasks send identical requests by design: repeats are judged in tables 1 and 3.
            entries, dummy = server.take_log()
            requests_per[key].append(len(entries) / n)
            signatures[key] = set(server.last_signatures)
            if removed_prefix and any(name.startswith(removed_prefix) for name in server.names()):
                raise BenchmarkError(f'{key}: the playbook left integrations named {removed_prefix}* behind')
        if signatures['uri'] != signatures['present']:
            raise BenchmarkError(f"the uri task and the module did not send the same request: {signatures['uri']} "
                                 f"!= {signatures['present']}")
        log(f'  round {round_number + 1}/{rounds}: ' + ', '.join(
            f'{key} {runs[key][-1].wall:.1f} s' for key in runs))
    empty = Cost.median(runs['empty'])
    unit = {key: (Cost.median(runs[key]) - empty) / n for key in runs if key != 'empty'}
    rows = [[variants[0][1], '0', f'{empty.wall * 1000:.0f}', spread(runs['empty'], Cost(0, 0), 1),
             f'{empty.cpu * 1000:.0f}', '', '']]
    for key, label, *dummy in variants[1:]:
        rows.append([label, fmt_count(median(requests_per[key])), f'{unit[key].wall * 1000:.0f}',
                     spread(runs[key], empty, n), f'{unit[key].cpu * 1000:.0f}',
                     f"{unit[key].wall / unit['ping'].wall:.2f}", f"{unit[key].cpu / unit['ping'].cpu:.2f}"])
    return rows, unit, empty


def spread(costs, empty, n):
    values = sorted((cost.wall - empty.wall) / n * 1000 for cost in costs)
    return f'{values[0]:.0f}-{values[-1]:.0f}'


# -- 3. removals on servers of growing size ------------------------------------------------------------------------


def measure_scale(servers, ansible, config, all_cells, log):
    """Remove 1, 10, 100 integrations by name (one task each) from servers of each size; requests and time."""
    sizes, removals = config['sizes'], config['removals']
    rows = []
    empties = []
    verdicts = []
    repeats_total = 0
    for server in servers:
        filtered = not server.version.startswith('6.')
        for size in sizes:
            empties.append(ansible.playbook([]))
            for count in removals:
                if count > size or (count >= BIG_REMOVAL and size != max(sizes) and not all_cells):
                    continue
                names = [f'bench-rm-{i:05d}' for i in range(count)]
                tasks = [{MODULE: {'name': name, 'type': 'incoming', 'state': 'absent'}} for name in names]
                costs, totals, repeats = [], [], 0
                for dummy in range(config['scale_runs'].get(count, 1)):
                    server.reset()
                    # The names to remove come last, after the other integrations.
                    server.seed([incoming(name) for name in names], generate={'count': size - count})
                    server.clear_log()
                    costs.append(ansible.playbook(tasks, token_defaults(server)))
                    entries, repeated = server.take_log()
                    repeats += len(repeated)
                    totals.append(len(entries))
                    left = server.names()
                    if len(left) != size - count or set(names) & set(left):
                        raise BenchmarkError(f'{server.version}, {size}, {count}: the removals did not all happen')
                per_removal = median(totals) / count
                repeats_total += repeats
                if filtered:
                    verdicts.append(per_removal <= TARGET_BY_NAME)
                rows.append((server.version, size, count, costs, median(totals), repeats,
                             verdict(per_removal <= TARGET_BY_NAME) if filtered else '-'))
                log(f'  {server.version} {size:>6} integrations, {count:>3} removals: {fmt_count(median(totals))} '
                    f'requests, {Cost.median(costs).wall:.1f} s')
    empty = Cost.median(empties)
    table = []
    for version, size, count, costs, total, repeats, judged in rows:
        cost = Cost.median(costs)
        table.append([version, f'{size:,}', str(count), str(len(costs)), fmt_count(total), fmt_count(total / count),
                      f'{cost.wall:.1f}', f'{(cost.wall - empty.wall) / count * 1000:.0f}',
                      f'{(cost.cpu - empty.cpu) / count * 1000:.0f}', str(repeats), judged])
    return table, all(verdicts), empty, repeats_total


def measure_substring_case(server, ansible, size, log):
    """The name filter is a case-insensitive substring match: 'generated-1' also matches generated-10, -100, ..."""
    server.reset()
    server.seed(generate={'count': size})
    matches = sum(1 for name in server.names() if 'generated-1' in name.lower())
    server.clear_log()
    cost = ansible.playbook([{MODULE: {'name': 'generated-1', 'type': 'incoming', 'state': 'absent'}}],
                            token_defaults(server))
    entries, repeated = server.take_log()
    log(f'  {server.version} substring case: {len(entries)} requests')
    return [server.version, f'{size:,}', "1 ('generated-1')", '1', str(len(entries)), str(len(entries)), f'{cost.wall:.1f}',
            '-', '-', str(len(repeated)), f'{verdict(len(entries) <= TARGET_BY_NAME)}: {matches:,} names contain it']


# -- 4. start-up of the module process -----------------------------------------------------------------------------

IMPORT_LINE = re.compile(r'^import time:\s+(\d+) \|\s+(\d+) \|( +)(\S+)$')


def parse_importtime(stderr):
    """[(self us, cumulative us, depth, name)] from python -X importtime."""
    entries = []
    for line in stderr.splitlines():
        match = IMPORT_LINE.match(line)
        if match:
            entries.append((int(match.group(1)), int(match.group(2)), len(match.group(3)) - 1, match.group(4)))
    return entries


def keep_payloads(server, ansible, workdir):
    """Run ping, uri and the module once with ANSIBLE_KEEP_REMOTE_FILES; return their AnsiballZ files."""
    keep = workdir / 'kept'
    server.reset()
    server.seed([incoming('bench-same')])
    connection = token_defaults(server)
    runs = {
        'ansible.builtin.ping': {},
        'ansible.builtin.uri': {'url': f'{server.url}/api/v1/integrations.list?{list_query("bench-same")}',
                                'headers': {'X-User-Id': server.emu.admin_user_id, 'X-Auth-Token': server.emu.admin_token}},
        MODULE: dict(connection, name='bench-same', type='incoming', channel='#general', username='rocket.cat'),
    }
    payloads = {}
    for module, args in runs.items():
        before = set(keep.glob('*/AnsiballZ_*.py')) if keep.exists() else set()
        cost, status, result = ansible.adhoc(module, json.dumps(args) if args else '', env=dict(
            MODULE_PROCESS, ANSIBLE_KEEP_REMOTE_FILES='1', ANSIBLE_REMOTE_TEMP=str(keep)))
        if status != 'SUCCESS':
            raise BenchmarkError(f'{module} for the start-up measurement: {status} {result.get("msg")} ({cost.wall:.1f} s)')
        found = sorted(set(keep.glob('*/AnsiballZ_*.py')) - before)
        if len(found) != 1:
            raise BenchmarkError(f'{module}: expected one kept AnsiballZ file, found {len(found)}')
        payloads[module] = found[0]
    return payloads


def measure_startup(server, ansible, workdir, runs, log):
    """Wall and CPU time of each module's own process (its AnsiballZ file run directly) and what its imports cost.

    The modules take turns within each run, so that a change in the machine's load hits all of them alike.
    """
    payloads = keep_payloads(server, ansible, workdir)
    samples = {module: {'cost': [], 'imports': [], 'basic': [], 'requests': [], 'urls': [], 'own': []}
               for module in payloads}
    for payload in payloads.values():
        run_measured([sys.executable, str(payload)], env=ansible.env, timeout=120)  # warm the file cache
    for dummy in range(runs):
        for module, payload in payloads.items():
            cost, completed = run_measured([sys.executable, str(payload)], env=ansible.env, timeout=120)
            if '"failed": true' in completed.stdout or completed.returncode != 0:
                raise BenchmarkError(f'{module} payload failed: {completed.stdout[-500:]}{completed.stderr[-500:]}')
            dummy_cost, completed = run_measured([sys.executable, '-X', 'importtime', str(payload)], env=ansible.env,
                                                 timeout=120)
            entries = parse_importtime(completed.stderr)
            sample = samples[module]
            sample['cost'].append(cost)
            sample['imports'].append(sum(cum for dummy_self, cum, depth, dummy_name in entries if depth == 0) / 1e6)
            sample['basic'].append(cumulative(entries, 'ansible.module_utils.basic'))
            sample['requests'].append(cumulative(entries, 'requests'))
            sample['urls'].append(cumulative(entries, 'ansible.module_utils.urls'))
            sample['own'].append(sum(own_self for own_self, dummy_cum, dummy_depth, name in entries
                                     if name.startswith('ansible_collections.community.rocketchat')) / 1e6)
    for payload in payloads.values():
        shutil.rmtree(payload.parent, ignore_errors=True)
    figures = {}
    for module, sample in samples.items():
        figures[module] = dict({key: median(values) for key, values in sample.items() if key != 'cost'},
                               cost=Cost.median(sample['cost']))
        log(f"  {module}: process {ms(figures[module]['cost'].wall)} ms, imports {ms(figures[module]['imports'])} ms")
    ping = figures['ansible.builtin.ping']
    rows = []
    for module, fig in figures.items():
        rows.append([module, ms(fig['cost'].wall), ms(fig['cost'].cpu), ms(fig['cost'].wall - ping['cost'].wall, '+'),
                     ms(fig['imports']), ms(fig['imports'] - ping['imports'], '+'), ms(fig['basic']),
                     ms(fig['requests']) if fig['requests'] else '-', ms(fig['urls']) if fig['urls'] else '-',
                     ms(fig['own']) if fig['own'] else '-'])
    return rows, figures


HTTP_STACKS = [
    ('requests (what the module uses)', 'import requests'),
    ('http.client + ssl + json (standard library)', 'import http.client, ssl, json'),
    ('http.client + json, no ssl (plain-HTTP URLs only)', 'import http.client, json'),
    ('ansible.module_utils.urls (what uri uses)', 'import ansible.module_utils.urls'),
]


def measure_http_stacks(runs):
    """Import time of HTTP client stacks after ansible.module_utils.basic, which every module imports anyway."""
    rows = []
    for label, statement in HTTP_STACKS:
        values = []
        for dummy in range(runs + 1):
            dummy_cost, completed = run_measured(
                [sys.executable, '-X', 'importtime', '-c', f'import ansible.module_utils.basic; {statement}'], timeout=120)
            entries = parse_importtime(completed.stderr)
            after = [index for index, entry in enumerate(entries) if entry[3] == 'ansible.module_utils.basic' and entry[2] == 0]
            if not after:
                raise BenchmarkError(f'no import of ansible.module_utils.basic seen for {statement}')
            values.append(sum(cum for dummy_self, cum, depth, dummy_name in entries[after[0] + 1:] if depth == 0) / 1e6)
        rows.append([label, statement, ms(median(values[1:]))])  # the first run warms the caches
    return rows


def cumulative(entries, wanted):
    """Seconds spent importing `wanted` and what it imported."""
    return sum(cum for dummy_self, cum, dummy_depth, name in entries if name == wanted) / 1e6


def ms(seconds, sign=''):
    return f'{seconds * 1000:{sign}.0f}'


# -- 5. converging a list of integrations -------------------------------------------------------------------------

SET_MODULE = 'community.rocketchat.rocketchat_integrations'
SET_SIZE = 100
WRITES = ('integrations.create', 'integrations.update', 'integrations.remove')


def set_items():
    """SET_SIZE integrations, half incoming and half outgoing, in the form all three ways take them.

    The keys are both module options and API fields, so the uri recipe can send an item as its request body.
    Numbers are zero-padded so that no name contains another (the server's name filter is a substring match).
    """
    items = []
    for n in range(SET_SIZE // 2):
        items.append({'name': f'bench-set-in-{n:03d}', 'type': 'incoming', 'channel': '#general',
                      'username': 'rocket.cat'})
        items.append({'name': f'bench-set-out-{n:03d}', 'type': 'outgoing', 'event': 'sendMessage',
                      'channel': '#general', 'username': 'rocket.cat', 'urls': [f'https://ci.example.com/hooks/{n}'],
                      'token': 'bench-outgoing-token'})
    return items


def set_module_tasks():
    return [{'name': 'Converge the list', SET_MODULE: {'integrations': '{{ rc_wanted }}'}}]


def set_loop_tasks():
    return [{'name': 'Converge each item', MODULE: {
        'name': '{{ item.name }}', 'type': '{{ item.type }}', 'channel': '{{ item.channel }}',
        'username': '{{ item.username }}', 'event': '{{ item.event | default(omit) }}',
        'urls': '{{ item.urls | default(omit) }}', 'token': '{{ item.token | default(omit) }}'},
        'loop': '{{ rc_wanted }}', 'loop_control': {'label': '{{ item.name }}'}}]


def set_recipe_tasks(server):
    """What people write without this collection: list every page, index by type and name with Jinja, then create
    each missing item and update each item whose fields differ, one uri call per write. Token headers, like the
    module's defaults here, so that no login or logout is counted."""
    api = f'{server.url}/api/v1/'
    headers = {'X-User-Id': server.emu.admin_user_id, 'X-Auth-Token': server.emu.admin_token}
    key = "'webhook-' ~ item.type ~ '/' ~ item.name"
    body = "{{ item | combine({'type': 'webhook-' ~ item.type, 'enabled': true, 'scriptEnabled': false%s}) }}"
    # The comparison a careful recipe makes: the fields the list sets, with the server's list form of the channel.
    differs = ("rc_current.channel != [item.channel] or rc_current.username != item.username or not rc_current.enabled"
               " or (item.type == 'outgoing' and (rc_current.event != item.event or rc_current.urls != item.urls))")
    return [
        {'name': 'List integrations, first page', 'ansible.builtin.uri': {
            'url': api + 'integrations.list?count=100&offset=0', 'headers': headers}, 'register': 'rc_first'},
        {'name': 'List the other pages', 'ansible.builtin.uri': {
            'url': api + 'integrations.list?count=100&offset={{ item }}', 'headers': headers},
         'loop': '{{ range(100, rc_first.json.total, 100) | list }}', 'register': 'rc_pages'},
        {'name': 'Index them by type and name', 'ansible.builtin.set_fact': {'rc_existing': (
            "{{ dict(rc_all | map(attribute='type') | zip(rc_all | map(attribute='name')) | map('join', '/') "
            "| zip(rc_all)) }}")},
         'vars': {'rc_all': ("{{ rc_first.json.integrations + (rc_pages.results | map(attribute='json') "
                             "| map(attribute='integrations') | flatten(levels=1)) }}")}},
        {'name': 'Create the missing ones', 'ansible.builtin.uri': {
            'url': api + 'integrations.create', 'method': 'POST', 'body_format': 'json', 'headers': headers,
            'body': body % ''},
         'loop': '{{ rc_wanted }}', 'loop_control': {'label': '{{ item.name }}'},
         'when': f'({key}) not in rc_existing'},
        {'name': 'Update the ones that differ', 'ansible.builtin.uri': {
            'url': api + 'integrations.update', 'method': 'PUT', 'body_format': 'json', 'headers': headers,
            'body': body % ", 'integrationId': rc_current._id"},
         'loop': '{{ rc_wanted }}', 'loop_control': {'label': '{{ item.name }}'},
         'vars': {'rc_current': f'{{{{ rc_existing[{key}] | default(none) }}}}'},
         'when': f'rc_current is not none and ({differs})'},
    ]


def set_ways(server):
    """(key, label, tasks): the three ways of converging the list, each one playbook."""
    return [
        ('set', f'{SET_MODULE}: one task, the whole list', set_module_tasks()),
        ('loop', f'{MODULE}: one task with loop:, {SET_SIZE} items, module processes', set_loop_tasks()),
        ('recipe', 'uri recipe: uri list (every page), set_fact index, uri create / uri update per item with loop:',
         set_recipe_tasks(server)),
    ]


def check_converged(server, items, way):
    """Every item exists exactly once, with its type."""
    docs = [doc for doc in server.emu.store.integrations_snapshot() if doc.get('name', '').startswith('bench-set-')]
    found = sorted((doc.get('type'), doc.get('name')) for doc in docs)
    wanted = sorted(('webhook-' + item['type'], item['name']) for item in items)
    if found != wanted:
        raise BenchmarkError(f'{way}: the server does not hold the {len(items)} integrations of the list once each '
                             f'({len(found)} found)')


def count_requests(entries):
    """'integrations.list x4, integrations.create x100': requests per endpoint, in the order first sent."""
    counts = {}
    for entry in entries:
        name = entry['path'].rsplit('/', 1)[-1]
        counts[name] = counts.get(name, 0) + 1
    return ', '.join(name if count == 1 else f'{name} x{count}' for name, count in counts.items())


def measure_set(server, ansible, runs, log):
    """Converge SET_SIZE integrations three ways, from none of them existing and again when all are up to date.

    Each round resets the server before each way, runs the way's playbook twice (the second run has nothing to do)
    and an empty playbook, whose median is subtracted as in table 2. Rounds rotate the order of the ways.
    """
    items = set_items()
    background = ([incoming(f'bench-bg-in-{n:03d}') for n in range(BACKGROUND)]
                  + [outgoing(f'bench-bg-out-{n:03d}', f'https://ci.example.com/bg/{n}') for n in range(BACKGROUND)])
    ways = set_ways(server)
    situations = (('create', f'none of the {SET_SIZE} exist'), ('converged', 'all up to date (the same play again)'))
    costs = {(way, situation): [] for way, *dummy in ways for situation, dummy_label in situations}
    counts = {cell: [] for cell in costs}
    which = {}
    empties = []
    for round_number in range(runs):
        empties.append(ansible.playbook([]))
        shift = round_number % len(ways)
        for way, dummy_label, tasks in ways[shift:] + ways[:shift]:
            server.reset()
            server.seed(background)
            for situation, dummy_label in situations:
                server.clear_log()
                # The loop as module processes, as it ran before the action plugins; table 6c has it in-process.
                costs[way, situation].append(ansible.playbook(tasks, token_defaults(server), {'rc_wanted': items},
                                                              env=MODULE_PROCESS if way == 'loop' else None))
                entries, dummy = server.take_log()
                counts[way, situation].append(len(entries))
                which[way, situation] = count_requests(entries)
                check_converged(server, items, way)
                writes = [entry for entry in entries if entry['path'].endswith(WRITES)]
                if situation == 'converged' and writes:
                    raise BenchmarkError(f'{way}: {len(writes)} writes on a server that already matched the list')
            log(f'  round {round_number + 1}/{runs}, {way}: ' + ', '.join(
                f'{situation} {counts[way, situation][-1]} requests, {costs[way, situation][-1].wall:.1f} s'
                for situation, dummy_label in situations))
    empty = Cost.median(empties)
    playbook = {cell: Cost.median(values) for cell, values in costs.items()}
    task = {cell: cost - empty for cell, cost in playbook.items()}
    rows = []
    for situation, situation_label in situations:
        loop = task['loop', situation]
        for way, label, dummy_tasks in ways:
            cost = task[way, situation]
            walls = sorted(value.wall for value in costs[way, situation])
            rows.append([situation_label, label, fmt_count(median(counts[way, situation])), which[way, situation],
                         f'{median(walls):.1f}', f'{walls[0]:.1f}-{walls[-1]:.1f}', f'{cost.wall:.1f}',
                         f'{cost.cpu:.1f}', ratio(loop.wall, cost.wall), ratio(loop.cpu, cost.cpu)])
    return rows, task, playbook, empty


# -- 6. in-process against module processes -------------------------------------------------------------------------

REQUESTS_MODULE = """#!/usr/bin/python
# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# The smallest module that sends the collection's request with requests: the floor of any module process that does.
from __future__ import annotations

import requests

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(argument_spec=dict(url=dict(type='str', required=True), user_id=dict(type='str'),
                                              token=dict(type='str', no_log=True)))
    with requests.Session() as session:
        answer = session.get(module.params['url'], timeout=30,
                             headers={'X-User-Id': module.params['user_id'], 'X-Auth-Token': module.params['token']})
    module.exit_json(changed=False, status=answer.status_code)


if __name__ == '__main__':
    main()
"""


def process_tree(root):
    """The pids of root and of its descendants (Linux /proc)."""
    children = {}
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open(f'/proc/{entry}/stat', encoding='utf-8') as handle:
                fields = handle.read().rsplit(')', 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def rss_and_fds(pid):
    """(resident memory in MiB, open file descriptors) of a process, or None when it is gone."""
    try:
        with open(f'/proc/{pid}/status', encoding='utf-8') as handle:
            rss = next(int(line.split()[1]) for line in handle if line.startswith('VmRSS:')) / 1024
        return rss, len(os.listdir(f'/proc/{pid}/fd'))
    except (OSError, StopIteration):
        return None


def run_sampled(ansible, path, env=None):
    """Run a playbook, sampling every 50 ms the memory and descriptors of the controller and of its busiest worker.

    Returns (Cost, samples of the controller, samples of the worker that lived longest): each sample is (RSS MiB, fds).
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    with subprocess.Popen([ansible.playbook_command, str(path)], env=dict(ansible.env, **(env or {})),
                          cwd=ansible.workdir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as proc:
        output = []
        reader = threading.Thread(target=lambda: output.append(proc.stdout.read()), daemon=True)
        reader.start()
        controller, workers = [], {}
        while proc.poll() is None:
            sample = rss_and_fds(proc.pid)
            if sample:
                controller.append(sample)
            for pid in process_tree(proc.pid)[1:]:
                sample = rss_and_fds(pid)
                if sample:
                    workers.setdefault(pid, []).append(sample)
            time.sleep(0.05)
        reader.join()
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise BenchmarkError(f'{path.name} failed (rc {proc.returncode}):\n{"".join(output)[-3000:]}')
    worker = max(workers.values(), key=len) if workers else []
    return Cost(wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime), controller, worker


def measure_in_process(server, ansible, config, log):
    """Table 6: the collection in-process and as module processes, beside debug, ping, uri and a minimal requests
    module; the cost per item of loops of growing length, with the memory and descriptors of the process that runs
    them; and the 100-item set against loops run both ways."""
    library = ansible.workdir / 'library'
    library.mkdir(exist_ok=True)
    (library / 'bench_requests_get.py').write_text(REQUESTS_MODULE, encoding='utf-8')
    same = 'bench-same'
    url = f'{server.url}/api/v1/integrations.list?{list_query(same)}'
    headers = {'X-User-Id': server.emu.admin_user_id, 'X-Auth-Token': server.emu.admin_token}
    present = {MODULE: {'name': same, 'type': 'incoming', 'channel': '#general', 'username': 'rocket.cat'}}
    n, rounds = config['fast_tasks'], config['fast_rounds']
    variants = [
        ('empty', 'empty playbook (start-up, subtracted from the others)', [], None, None),
        ('debug', 'ansible.builtin.debug (runs in the controller, no module)',
         [{'ansible.builtin.debug': {'msg': 'x'}}] * n, None, None),
        ('ping', 'ansible.builtin.ping (the smallest module process)', [{'ansible.builtin.ping': {}}] * n, None, None),
        ('uri', 'ansible.builtin.uri: one GET', [{'ansible.builtin.uri': {'url': url, 'headers': headers}}] * n,
         None, None),
        ('minimal', 'a minimal module: import requests, one GET', [{'bench_requests_get': {
            'url': url, 'user_id': server.emu.admin_user_id, 'token': server.emu.admin_token}}] * n, None, None),
        ('fast', 'rocketchat_integration in-process: present, unchanged (1 GET)', [present] * n,
         token_defaults(server), None),
        ('process', 'rocketchat_integration as a module process: present, unchanged (1 GET)', [present] * n,
         token_defaults(server), MODULE_PROCESS),
        ('fast_remove', 'rocketchat_integration in-process: remove by name (password: 4 requests)',
         [{MODULE: {'name': f'bench-rm-{i:03d}', 'type': 'incoming', 'state': 'absent'}} for i in range(n)],
         password_defaults(server), None),
    ]
    runs = {key: [] for key, *dummy in variants}
    requests_per = {key: [] for key, *dummy in variants}
    for round_number in range(rounds):
        shift = round_number % len(variants)
        for key, dummy_label, tasks, defaults, env in variants[shift:] + variants[:shift]:
            server.reset()
            server.seed([incoming(same)] + [incoming(f'bench-rm-{i:03d}') for i in range(n)])
            server.clear_log()
            runs[key].append(ansible.playbook(tasks, defaults, env=env))
            entries, dummy = server.take_log()
            requests_per[key].append(len(entries) / n)
        log(f'  round {round_number + 1}/{rounds}: ' + ', '.join(f'{key} {runs[key][-1].wall:.1f} s' for key in runs))
    empty = Cost.median(runs['empty'])
    unit = {key: (Cost.median(runs[key]) - empty) / n for key in runs if key != 'empty'}
    cost_rows = [[variants[0][1], '0', f'{empty.wall * 1000:.0f}', spread(runs['empty'], Cost(0, 0), 1),
                  f'{empty.cpu * 1000:.0f}', '', '', '']]
    for key, label, *dummy in variants[1:]:
        cost_rows.append([label, fmt_count(median(requests_per[key])), f'{unit[key].wall * 1000:.0f}',
                          spread(runs[key], empty, n), f'{unit[key].cpu * 1000:.0f}',
                          ratio(unit[key].wall, unit['ping'].wall), ratio(unit[key].wall, unit['uri'].wall),
                          ratio(unit[key].wall, unit['debug'].wall)])

    # The scale curve and soak: one task looping over N items runs every item in the same worker process.
    info_task = {'community.rocketchat.rocketchat_integration_info': {'name': same}, 'loop': '{{ range(rc_n) | list }}'}
    curve_rows = []
    loops = [(count, None) for count in config['fast_loops']]
    loops += [(count, MODULE_PROCESS) for count in config['fast_loops'] if count <= config['fast_module_loop']]
    for count, env in loops:
        server.reset()
        server.seed([incoming(same)])
        server.clear_log()
        path = ansible.write_playbook([info_task], token_defaults(server), {'rc_n': count})
        cost, controller, worker = run_sampled(ansible, path, env)
        entries, dummy = server.take_log()
        per_item = (cost - empty) / count
        worker_first, worker_last = (worker[0], worker[-1]) if worker else ((0, 0), (0, 0))
        curve_rows.append([
            'module process' if env else 'in-process', f'{count:,}', fmt_count(len(entries)), f'{cost.wall:.1f}',
            f'{per_item.wall * 1000:.0f}', f'{per_item.cpu * 1000:.0f}',
            f'{worker_first[0]:.0f} / {worker_last[0]:.0f} / {max(s[0] for s in worker) if worker else 0:.0f}',
            f'{worker_first[1]} / {worker_last[1]} / {max(s[1] for s in worker) if worker else 0}',
            f'{max(s[0] for s in controller):.0f} / {controller[-1][0]:.0f}' if controller else '-',
            f'{max(s[1] for s in controller)} / {controller[-1][1]}' if controller else '-'])
        log(f'  loop of {count} {"module processes" if env else "in-process"}: {cost.wall:.1f} s')

    # The 100-item set against loops of rocketchat_integration run in-process and as module processes.
    items = set_items()
    background = ([incoming(f'bench-bg-in-{i:03d}') for i in range(BACKGROUND)]
                  + [outgoing(f'bench-bg-out-{i:03d}', f'https://ci.example.com/bg/{i}') for i in range(BACKGROUND)])
    ways = [('set', f'{SET_MODULE} in-process: one task, the whole list', set_module_tasks(), None),
            ('loop', f'{MODULE} in-process: loop of {SET_SIZE} items', set_loop_tasks(), None)]
    set_costs = {}
    for round_number in range(config['fast_set_runs']):
        for way, dummy_label, tasks, env in ways:
            server.reset()
            server.seed(background)
            for situation in ('create', 'converged'):
                server.clear_log()
                set_costs.setdefault((way, situation), []).append(
                    ansible.playbook(tasks, token_defaults(server), {'rc_wanted': items}, env=env))
                server.take_log()
                check_converged(server, items, way)
        log(f'  set round {round_number + 1}: ' + ', '.join(
            f'{way} {situation} {values[-1].wall:.1f} s' for (way, situation), values in set_costs.items()))
    set_task = {cell: Cost.median(values) - empty for cell, values in set_costs.items()}
    set_rows = []
    for situation, label in (('create', f'none of the {SET_SIZE} exist'), ('converged', 'all up to date')):
        for way, way_label, *dummy in ways:
            cost = set_task[way, situation]
            set_rows.append([label, way_label, f'{cost.wall:.2f}', f'{cost.cpu:.2f}',
                             ratio(set_task['loop', situation].wall, cost.wall),
                             ratio(set_task['loop', situation].cpu, cost.cpu)])
    return cost_rows, unit, curve_rows, set_rows, set_task


# -- output ---------------------------------------------------------------------------------------------------------


class Table:
    def __init__(self, title, columns, rows, notes=()):
        self.title = title
        self.columns = columns
        self.rows = [[str(cell) for cell in row] for row in rows]
        self.notes = list(notes)

    def text(self):
        widths = [max(len(row[i]) for row in [self.columns] + self.rows) for i in range(len(self.columns))]
        line = '  '.join('-' * width for width in widths)
        out = [self.title, '=' * len(self.title), '  '.join(c.ljust(w) for c, w in zip(self.columns, widths)), line]
        out += ['  '.join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in self.rows]
        out += [f'  {note}' for note in self.notes]
        return '\n'.join(out) + '\n'

    def markdown(self):
        def cells(row):
            return '| ' + ' | '.join(cell.replace('|', '\\|') for cell in row) + ' |'
        out = [f'### {self.title}', '', cells(self.columns), '| ' + ' | '.join('---' for dummy in self.columns) + ' |']
        out += [cells(row) for row in self.rows]
        if self.notes:
            out += [''] + [f'- {note}' for note in self.notes]
        return '\n'.join(out) + '\n'


def machine():
    cpu = platform.processor() or platform.machine()
    try:
        with open('/proc/cpuinfo', encoding='utf-8') as handle:
            for line in handle:
                if line.startswith('model name'):
                    cpu = line.split(':', 1)[1].strip()
                    break
    except OSError:
        pass
    completed = subprocess.run([sys.executable, '-c', 'from ansible.release import __version__; print(__version__)'],
                               capture_output=True, text=True, timeout=60, check=False)
    return {
        'CPU': cpu,
        'cores': str(os.cpu_count()),
        'OS': platform.platform(),
        'Python': platform.python_version(),
        'ansible-core': completed.stdout.strip() or 'unknown',
        'requests': requests.__version__,
    }


def load_average():
    try:
        return ' / '.join(f'{value:.2f}' for value in os.getloadavg())
    except OSError:
        return 'unknown'


def parse_tables(text):
    """'1,5' -> {1, 5}: the tables --tables asks for."""
    try:
        chosen = {int(part) for part in text.split(',') if part.strip()}
    except ValueError:
        chosen = set()
    if not chosen or not chosen <= set(TABLES):
        raise argparse.ArgumentTypeError(f"give table numbers from {TABLES[0]} to {TABLES[-1]} separated by commas, "
                                         f"for example 5 or 1,5; got {text!r}")
    return chosen


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    parser.add_argument('--quick', action='store_true', help='fewer runs and sizes: a smoke run of about five minutes')
    parser.add_argument('--markdown', metavar='FILE', help='also write the tables as Markdown to FILE')
    parser.add_argument('--all', action='store_true',
                        help=f'remove {BIG_REMOVAL} integrations from every server size, not only the largest (adds minutes)')
    parser.add_argument('--tables', metavar='LIST', type=parse_tables, default=set(TABLES),
                        help='measure only these tables, for example 5 or 1,5 (default: all); the targets table '
                             'then judges only what was measured')
    options = parser.parse_args(argv)
    config = QUICK if options.quick else FULL
    chosen = options.tables
    started = time.perf_counter()
    info = machine()
    info['load average at start (1/5/15 min)'] = load_average()

    def log(message):
        print(f'[{time.perf_counter() - started:4.0f} s] {message}', file=sys.stderr, flush=True)

    log('Machine: ' + ', '.join(f'{key} {value}' for key, value in info.items()))
    # Only table 3 needs the 6.x server.
    servers = [Server(NEW_SERVER)] + ([Server(OLD_SERVER)] if 3 in chosen else [])
    tables = []
    with tempfile.TemporaryDirectory(prefix='rocketchat-benchmark-') as tmp:
        workdir = Path(tmp)
        ansible = Ansible(workdir)
        try:
            for server in servers:
                server.start()
            new = servers[0]
            if 1 in chosen:
                log(f'1. requests per operation ({config["count_runs"]} runs each)')
                op_rows, op_repeats = measure_operations(new, ansible, config['count_runs'], config['password_ops'],
                                                         log)
            if 2 in chosen:
                log(f'2. per-task wall time ({config["rounds"]} rounds of {config["tasks"]} tasks per variant)')
                task_rows, unit, dummy_empty = measure_task_costs(new, ansible, config['rounds'], config['tasks'], log)
            if 3 in chosen:
                log('3. removals by name on servers of growing size')
                scale_rows, scale_ok, scale_empty, scale_repeats = measure_scale(servers, ansible, config, options.all,
                                                                                 log)
                scale_rows.append(measure_substring_case(new, ansible, max(config['sizes']), log))
            if 4 in chosen:
                log(f'4. module start-up ({config["startup_runs"]} runs each)')
                startup_rows, startup = measure_startup(new, ansible, workdir, config['startup_runs'], log)
                http_rows = measure_http_stacks(config['startup_runs'])
            if 5 in chosen:
                log(f'5. converging {SET_SIZE} integrations three ways ({config["set_runs"]} rounds)')
                set_rows, set_task, set_playbook, set_empty = measure_set(new, ansible, config['set_runs'], log)
            if 6 in chosen:
                log(f'6. in-process against module processes ({config["fast_rounds"]} rounds of '
                    f'{config["fast_tasks"]} tasks per variant; loops of {config["fast_loops"]})')
                fast_rows, fast_unit, curve_rows, fast_set_rows, fast_set = measure_in_process(new, ansible, config,
                                                                                               log)
        finally:
            for server in servers:
                server.stop()
    info['load average at end (1/5/15 min)'] = load_average()
    info['benchmark run time'] = f'{time.perf_counter() - started:.0f} s' + (' (--quick)' if options.quick else '')
    if chosen != set(TABLES):
        info['tables measured'] = ', '.join(str(number) for number in sorted(chosen))

    tables.append(Table('Machine', ['what', 'value'], list(info.items())))
    targets = []
    if 1 in chosen:
        tables.append(Table(
            f'1. HTTP requests per operation, counted by the server (Rocket.Chat {NEW_SERVER} emulator holding '
            f'{2 * BACKGROUND} other integrations, {BACKGROUND} of them outgoing; median of {config["count_runs"]} '
            'runs)',
            ['operation', 'auth', 'requests', 'which', 'repeated', 'target', 'verdict', 'ad-hoc command s'], op_rows,
            ['Each row is one `ansible localhost -m community.rocketchat.rocketchat_integration -a ...` command.',
             'Targets are for token authentication; with a password the login and the logout are added (+2).',
             '"repeated": requests identical (method, path, query and body) to an earlier one of the same run.']))
        targets += [
            ['remove by id, type given, present: at most 2 requests', op_target(op_rows, 'remove by id, type given')],
            ['remove, absent: 1 request', op_target(op_rows, 'remove by id, already absent') + ' by id; '
             + op_target(op_rows, 'remove by name, already absent') + ' by name'],
        ]
    if 2 in chosen:
        tables.append(Table(
            f'2. Cost of one task (Rocket.Chat {NEW_SERVER} emulator): (median {config["tasks"]}-unit playbook - '
            f'median empty playbook) / {config["tasks"]}, {config["rounds"]} rounds, variants interleaved',
            ['unit', 'requests', 'wall ms', 'wall range ms', 'CPU ms', 'x ping (wall)', 'x ping (CPU)'], task_rows,
            ['Implicit localhost, gather_facts: false, ANSIBLE_PYTHON_INTERPRETER set, no ansible.cfg: Ansible '
             'defaults.',
             'CPU = user + system time of ansible-playbook and every process it ran (the emulator is not included).',
             'The recipe lists with the same name filter as the module, so both send the same four requests.',
             f'The empty playbook row is the whole playbook; its wall range is of the {config["rounds"]} runs.']))
    if 3 in chosen:
        tables.append(Table(
            f'3. Removing integrations by name, one task each (token auth), from servers of growing size: {NEW_SERVER} '
            f'filters the list by name, {OLD_SERVER} does not',
            ['server', 'integrations', 'removed', 'runs', 'requests', 'per removal', 'playbook s',
             'wall ms per removal', 'CPU ms per removal', 'repeated', 'target <= 2 per removal'], scale_rows,
            [f'per removal = (median playbook - median empty playbook, {scale_empty.wall:.2f} s) / removed.',
             'CPU excludes the server, so on 6.x it shows what paging costs the module, and wall time what it costs in '
             'all.',
             'Names are distinct and none contains another. The last row removes generated-1 from a server holding '
             'generated-1 ... generated-N: the server-side filter is a case-insensitive substring match.',
             f'Removing {BIG_REMOVAL} is measured once, on the largest server only, unless --all is given.']))
        targets.append(['remove by name with the name filter: at most 2 whatever the size',
                        verdict(scale_ok) + ' for distinct names; ' + scale_rows[-1][-1].split(':')[0]
                        + ' for a name contained in many others'])
    if 1 in chosen:
        targets.append(['unchanged present: 1 request', op_target(op_rows, 'unchanged (present)')])
        # Table 3 counts its repeats too when it ran; the names come from table 1.
        repeats = op_repeats + (scale_repeats if 3 in chosen else 0)
        targets.append(['no request repeated within a run', verdict(repeats == 0) + ' (repeats in: '
                        + (', '.join(sorted({row[0] for row in op_rows if row[4] != '0'})) or 'none') + ')'])
    if 2 in chosen:
        ping, present, uri, remove, recipe = (unit[key] for key in ('ping', 'present', 'uri', 'remove', 'recipe'))
        targets += [
            [f'module task at most {TARGET_PING_RATIO:g}x a ping task',
             both(present, ping, lambda value, reference: value <= TARGET_PING_RATIO * reference)],
            ['module task cheaper than one uri task', both(present, uri, lambda value, reference: value < reference)],
            [f'whole removal at least {TARGET_RECIPE_SPEEDUP:g}x faster than the uri recipe (recipe / module)',
             both(recipe, remove, lambda value, reference: value >= TARGET_RECIPE_SPEEDUP * reference)],
        ]
    if 4 in chosen:
        tables.append(Table(
            f'4a. Module start-up: the module process alone (its AnsiballZ file run directly, with its HTTP request; '
            f'median of {config["startup_runs"]} runs)',
            ['module', 'wall ms', 'CPU ms', 'wall vs ping', 'imports ms', 'imports vs ping', 'module_utils.basic ms',
             'requests ms', 'module_utils.urls ms', 'collection code ms'], startup_rows,
            ['Import figures from `python -X importtime` on the same file, cumulative. "collection code" is the self '
             'time of the module and its module_utils, compiled from the zip on every run like the code of any '
             'AnsiballZ module.']))
        tables.append(Table(
            f'4b. Import time of HTTP client stacks after ansible.module_utils.basic (plain python, cached bytecode; '
            f'median of {config["startup_runs"]} runs)', ['stack', 'statement', 'ms'], http_rows))
    if 5 in chosen:
        tables.append(Table(
            f'5. Converging {SET_SIZE} integrations ({SET_SIZE // 2} incoming, {SET_SIZE // 2} outgoing; token auth) '
            f'on a Rocket.Chat {NEW_SERVER} emulator holding {2 * BACKGROUND} other integrations: one playbook per '
            f'way, median of {config["set_runs"]} rounds, ways interleaved',
            ['situation', 'way', 'requests', 'which', 'playbook s', 'playbook range s', 'task wall s', 'task CPU s',
             'loop / this (wall)', 'loop / this (CPU)'], set_rows,
            [f'task = median playbook - median empty playbook ({set_empty.wall:.2f} s wall, {set_empty.cpu:.2f} s '
             'CPU); the ratios are of the task figures.',
             'The server is reset before each way; the second playbook is the same play run again, and the benchmark '
             'checks that it writes nothing and that the server then holds each integration of the list once.',
             f'No type, name_prefix or purge is given to {SET_MODULE} (the list mixes both types), so it reads only '
             'the names it lists: those containing their shared prefix, through the server\'s name filter (one page '
             f'here, whatever the {2 * BACKGROUND} others); after creating it reads once more to settle parallel '
             'creators.',
             f'{MODULE} lists by name with the server-side filter: 1 request per item, 3 when it creates (list, '
             'create, list again to settle).']))
        # Judged on the task, as table 2 judges; the whole playbook, start-up included, is shown beside it.
        targets.append([f'{SET_MODULE} at least {TARGET_SET_SPEEDUP:g}x faster than the loop of {MODULE} '
                        '(loop / module)', '; '.join(
                            f'{label}: ' + both(set_task['loop', situation], set_task['set', situation],
                                                lambda value, reference: value >= TARGET_SET_SPEEDUP * reference)
                            + ', whole playbook ' + ratio(set_playbook['loop', situation].wall,
                                                          set_playbook['set', situation].wall) + ' wall'
                            for situation, label in (('create', 'creating'), ('converged', 'up to date')))])
    if 6 in chosen:
        tables.append(Table(
            f'6a. In-process against module processes: cost of one task (Rocket.Chat {NEW_SERVER} emulator), '
            f'(median {config["fast_tasks"]}-task playbook - median empty playbook) / {config["fast_tasks"]}, '
            f'{config["fast_rounds"]} rounds, variants interleaved',
            ['unit', 'requests', 'wall ms', 'wall range ms', 'CPU ms', 'x ping (wall)', 'x uri (wall)',
             'x debug (wall)'], fast_rows,
            ['In-process is what localhost tasks get by default; "as a module process" is the same task with '
             'ROCKETCHAT_IN_PROCESS=0, which is also how it runs on any other host.',
             'The minimal module (written by the benchmark next to the playbook) imports requests and sends the very '
             'GET of the collection\'s task: the floor of any module process that uses requests.']))
        tables.append(Table(
            '6b. Scale curve and soak: one rocketchat_integration_info task (1 GET per item) looping over N items, '
            'memory (RSS, MiB) and open file descriptors sampled every 50 ms',
            ['way', 'items', 'requests', 'playbook s', 'wall ms per item', 'CPU ms per item',
             'worker RSS first / last / max', 'worker fds first / last / max', 'controller RSS max / last',
             'controller fds max / last'], curve_rows,
            ['per item = (playbook - median empty playbook of 6a) / items.',
             'A loop runs all its items in one worker process, forked from the controller for the task: the worker is '
             'where an in-process task would leak connections or memory; the controller is ansible-playbook itself.']))
        tables.append(Table(
            f'6c. Converging {SET_SIZE} integrations in-process (on a server holding {2 * BACKGROUND} others): '
            f'{SET_MODULE} against a loop of {MODULE}, median of {config["fast_set_runs"]} rounds',
            ['situation', 'way', 'task wall s', 'task CPU s', 'loop / this (wall)', 'loop / this (CPU)'],
            fast_set_rows, ['task = playbook - median empty playbook of 6a. Table 5 has the loop as module '
                            'processes.']))
        fast, process = fast_unit['fast'], fast_unit['process']

        def at_least_set(value, reference):
            return value >= TARGET_SET_SPEEDUP * reference

        targets += [
            [f'in-process task at most {TARGET_FAST_PING:g}x a ping task',
             both(fast, fast_unit['ping'], lambda value, reference: value <= TARGET_FAST_PING * reference)],
            [f'in-process task at most {TARGET_FAST_URI:g}x a uri task',
             both(fast, fast_unit['uri'], lambda value, reference: value <= TARGET_FAST_URI * reference)],
            [f'in-process task at most {TARGET_FAST_DEBUG:g}x a debug task',
             both(fast, fast_unit['debug'], lambda value, reference: value <= TARGET_FAST_DEBUG * reference)],
            ['module-process task against the minimal requests module (no slower than the floor of its kind)',
             f"{ratio(process.wall, fast_unit['minimal'].wall)} wall, {ratio(process.cpu, fast_unit['minimal'].cpu)} "
             'CPU'],
            [f'{SET_MODULE} at least {TARGET_SET_SPEEDUP:g}x faster than an in-process loop of {MODULE}',
             '; '.join(f'{label}: ' + both(fast_set['loop', situation], fast_set['set', situation], at_least_set)
                       for situation, label in (('create', 'creating'), ('converged', 'up to date')))],
        ]
    notes = []
    timed = [str(number) for number in (2, 5) if number in chosen]
    if timed:
        plural = len(timed) > 1
        notes.append(f"Time targets are judged on the wall time of table{'s' * plural} {' and '.join(timed)}, as "
                     f"asked, and on {'their' if plural else 'its'} CPU time, which leaves out the time spent waiting "
                     'for a CPU that other work holds.')
    if 4 in chosen:
        module_process, ping_process = startup[MODULE], startup['ansible.builtin.ping']
        notes.append(f"The module's own process takes {ms(module_process['cost'].wall)} ms, "
                     f"{ms(module_process['cost'].wall - ping_process['cost'].wall)} ms more than ping's; importing "
                     f"requests takes {ms(module_process['requests'])} ms of it and the collection's own code "
                     f"{ms(module_process['own'])} ms.")
    if targets:
        tables.append(Table('Targets', ['target', 'result'], targets, notes))
    for table in tables:
        print(table.text())
    if options.markdown:
        Path(options.markdown).write_text('\n'.join(table.markdown() for table in tables), encoding='utf-8')
    return 0


def both(cost, reference, passes):
    """'PASS wall (1.10x), PASS CPU (1.05x)': a time target judged on wall time and on CPU time."""
    return ', '.join(f'{verdict(passes(getattr(cost, kind), getattr(reference, kind)))} {label} '
                     f'({ratio(getattr(cost, kind), getattr(reference, kind))})'
                     for kind, label in (('wall', 'wall'), ('cpu', 'CPU')))


def ratio(value, reference):
    return f'{value / reference:.2f}x' if reference > 0 else 'n/a'


def op_target(rows, label):
    for row in rows:
        if row[0] == label and row[1] == 'token':
            return f'{row[6]} ({row[2]})'
    return 'not measured'


if __name__ == '__main__':
    try:
        sys.exit(main())
    except BenchmarkError as exc:
        print(f'benchmark failed: {exc}', file=sys.stderr)
        sys.exit(1)
