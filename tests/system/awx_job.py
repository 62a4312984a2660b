# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What AWX does to launch a job template, for the system tests: render the shipped credential type, lay out the
private data directory that ansible-runner reads, run the job through ansible-runner, and read back the job events
that AWX would store; also a private CA and an HTTPS front for the emulator.

The steps follow AWX's RunJob (awx/main/tasks/jobs.py: build_private_data_dir, build_extra_vars_file, build_args,
build_env, build_inventory, the runner settings) and CredentialType.inject_credential (awx/main/models/credential.py).
Inside an execution environment the paths would start with /runner; here the job runs without a container, so they
are the paths of the private data directory itself.
"""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import json
import os
import ssl
import stat
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import ansible_runner
import yaml
from ansible_runner.utils import args2cmdline
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from jinja2 import sandbox
from werkzeug.serving import WSGIRequestHandler, make_server

REPO = Path(__file__).resolve().parents[2]
CREDENTIAL_TYPE_DIR = REPO / 'extensions' / 'awx' / 'credential_type'
CHECK_SECRETS = REPO / 'tests' / 'check_secrets.py'
AWX_SECRET_MASK = '**********'


def credential_type():
    """The shipped definition, as AWX receives it: (inputs, injectors)."""
    return (yaml.safe_load((CREDENTIAL_TYPE_DIR / 'inputs.yml').read_text()),
            yaml.safe_load((CREDENTIAL_TYPE_DIR / 'injectors.yml').read_text()))


def awx_inject(inputs, injectors, credential, private_data_dir):
    """The job environment AWX builds for a credential: (env, safe_env), files written under private_data_dir/env.

    credential holds the field values as AWX stores them: blank string fields as '' (or absent), booleans as bools.
    safe_env is what AWX shows as the job's environment, with secret fields masked.
    """
    secret_fields = {field['id'] for field in inputs['fields'] if field.get('secret')}
    tower = type('Tower', (), {})()
    namespace, safe_namespace = {'tower': tower}, {'tower': tower}
    for name, value in credential.items():
        if isinstance(value, bool):
            namespace[name] = safe_namespace[name] = value
            continue
        if name in secret_fields:
            safe_namespace[name] = AWX_SECRET_MASK
        elif value:
            safe_namespace[name] = value
        if value:
            namespace[name] = value
    for field in inputs['fields']:
        if field.get('type') == 'boolean' and field['id'] not in credential:
            namespace[field['id']] = safe_namespace[field['id']] = False  # AWX: unset booleans are false
    environment = sandbox.ImmutableSandboxedEnvironment()
    env_dir = Path(private_data_dir) / 'env'
    env_dir.mkdir(exist_ok=True)
    for label, template in injectors.get('file', {}).items():
        handle, path = tempfile.mkstemp(dir=env_dir)
        with os.fdopen(handle, 'w') as stream:
            stream.write(environment.from_string(template).render(**namespace))
        os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
        if '.' not in label:
            tower.filename = path
        else:
            if not hasattr(tower, 'filename'):
                tower.filename = type('Files', (), {})()
            setattr(tower.filename, label.split('.')[1], path)
    env = {name: environment.from_string(template).render(**namespace) for name, template in injectors['env'].items()}
    safe_env = {name: environment.from_string(template).render(**safe_namespace)
                for name, template in injectors['env'].items()}
    return env, safe_env


# ---------------------------------------------------------------------------------------------- TLS with a private CA

def make_private_ca(directory):
    """A private CA and a server certificate for 127.0.0.1 that it signed: (ca_pem, cert_file, key_file)."""
    now = datetime.datetime.now(datetime.timezone.utc)

    def certificate(subject, issuer, key, signing_key, is_ca):
        builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(key.public_key())
                   .serial_number(x509.random_serial_number())
                   .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
                   .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)
                   .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
                   .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(signing_key.public_key()), critical=False))
        if is_ca:
            builder = builder.add_extension(x509.KeyUsage(
                digital_signature=False, content_commitment=False, key_encipherment=False, data_encipherment=False,
                key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
        else:
            builder = (builder.add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address('127.0.0.1'))]),
                                             critical=False)
                       .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False))
        return builder.sign(signing_key, hashes.SHA256())

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'community.rocketchat test CA')])
    ca_cert = certificate(ca_name, ca_name, ca_key, ca_key, True)
    server_key = ec.generate_private_key(ec.SECP256R1())
    server_cert = certificate(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, '127.0.0.1')]), ca_name, server_key, ca_key, False)
    cert_file, key_file = Path(directory) / 'server.pem', Path(directory) / 'server.key'
    cert_file.write_bytes(server_cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(server_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                  serialization.NoEncryption()))
    return ca_cert.public_bytes(serialization.Encoding.PEM).decode(), str(cert_file), str(key_file)


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        pass


@contextlib.contextmanager
def serve_tls(app, cert_file, key_file):
    """Serve a WSGI app (an emulator's, with its state) over HTTPS on 127.0.0.1; yields the base URL."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    server = make_server('127.0.0.1', 0, app, threaded=True, request_handler=_QuietHandler, ssl_context=context)
    thread = threading.Thread(target=server.serve_forever, kwargs={'poll_interval': 0.1}, daemon=True)
    thread.start()
    try:
        yield f'https://127.0.0.1:{server.socket.getsockname()[1]}'
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


# ------------------------------------------------------------------------------------------- a job through the runner

class JobRun:
    """What came back from a job: runner's status, rc and stats, the events, the stdout."""

    def __init__(self, runner, private_data_dir, handled_events, env, safe_env):
        self.status = runner.status
        self.rc = runner.rc
        self.stats = runner.stats
        self.private_data_dir = Path(private_data_dir)
        self.artifact_dir = Path(runner.config.artifact_dir)
        # What runner's event_handler received: what AWX's callback receiver stores as the job's events.
        self.handled_events = handled_events
        # What runner wrote to artifacts/<ident>/job_events, one JSON file per event.
        self.event_files = sorted((self.artifact_dir / 'job_events').glob('*.json'),
                                  key=lambda path: int(path.name.split('-', 1)[0]))
        self.events = [json.loads(path.read_text(encoding='utf-8')) for path in self.event_files]
        stdout = self.artifact_dir / 'stdout'
        self.stdout = stdout.read_text(encoding='utf-8') if stdout.exists() else ''
        self.env = env
        self.safe_env = safe_env

    @property
    def output(self):
        """Everything of the job that AWX stores or shows (see stored_text)."""
        return self.stored_text()

    def of(self, *kinds):
        """The events of the given kinds (runner_on_ok, runner_on_failed, playbook_on_task_start...)."""
        return [event for event in self.events if event['event'] in kinds]

    def task_names(self):
        return [event['event_data']['task'] for event in self.of('playbook_on_task_start')]

    def host_results(self, kind):
        """{host: [task, ...]} of the events of one kind (runner_on_ok, runner_on_failed, runner_on_unreachable)."""
        hosts = {}
        for event in self.of(kind):
            hosts.setdefault(event['event_data']['host'], []).append(event['event_data']['task'])
        return hosts

    def result_of(self, task, host=None):
        """The module result (event_data.res) of a task, from its runner_on_ok or runner_on_failed event."""
        for event in self.of('runner_on_ok', 'runner_on_failed'):
            data = event['event_data']
            if data['task'] == task and host in (None, data['host']):
                return data['res']
        raise AssertionError(f'no result of task {task!r} in the job events')

    def stored_text(self):
        """Everything of the job that AWX stores or shows: each event as stored (JSON), each string in it as it
        is displayed (JSON escaping undone), and runner's stdout."""
        parts = [path.read_text(encoding='utf-8') for path in self.event_files]
        for event in self.handled_events:
            parts.append(json.dumps(event, ensure_ascii=False))
            parts.extend(_strings(event))
        parts.append(self.stdout)
        return '\n'.join(parts)


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def inventory_script(hosts, groups=None):
    """inventory/hosts as AWX writes it (BaseTask.write_inventory_file): a script that prints the inventory as JSON.

    hosts: {name: hostvars}; groups: {group: [host, ...]}. Hosts in no group go to 'ungrouped'.
    """
    groups = groups or {}
    grouped = {host for members in groups.values() for host in members}
    data = {'all': {'children': sorted(groups) + ['ungrouped']},
            'ungrouped': {'hosts': [host for host in hosts if host not in grouped]},
            '_meta': {'hostvars': hosts}}
    for group, members in groups.items():
        data[group] = {'hosts': list(members)}
    return '#! /usr/bin/env python3\n# -*- coding: utf-8 -*-\nprint(%r)\n' % json.dumps(data)


def launch_job(base_dir, playbook, hosts, *, job_id=1, groups=None, credential=None, extra_vars=None,
               job_type='run', verbosity=0, forks=5, limit='', base_env=None):
    """Launch a job template the way AWX does, through ansible-runner, and wait for it: a JobRun.

    playbook: the text of the project's playbook (it names no connection option); hosts/groups: the inventory;
    credential: the field values of a Rocket.Chat credential, or None; extra_vars: the job template's extra
    variables; job_type 'run' or 'check'; verbosity 0 to 5; forks and limit as set in the job template.
    base_env: the environment the execution environment provides (PATH, where the collection is installed).
    """
    # build_private_data_dir: a private directory with inventory/ and env/; build_project_dir: project/.
    private_data_dir = Path(tempfile.mkdtemp(prefix=f'awx_{job_id}_', dir=base_dir))
    os.chmod(private_data_dir, stat.S_IRWXU)
    for sub in ('inventory', 'env', 'project'):
        (private_data_dir / sub).mkdir(mode=0o700)
    (private_data_dir / 'project' / 'job.yml').write_text(playbook)

    # build_extra_vars_file: the job template's extra variables and AWX's meta variables, in env/extravars.
    meta_vars = {'awx_job_id': job_id, 'tower_job_id': job_id, 'awx_job_launch_type': 'manual',
                 'awx_job_template_name': 'Rocket.Chat integrations', 'awx_user_name': 'admin'}
    _write_private(private_data_dir / 'env' / 'extravars', yaml.safe_dump(dict(extra_vars or {}, **meta_vars)))

    # build_args: what the job template's settings become on the command line, in env/cmdline.
    args = ['--check'] if job_type == 'check' else []
    args.extend(['-u', 'root'])
    if forks:
        args.append(f'--forks={forks}')
    if limit:
        args.extend(['-l', limit])
    if verbosity:
        args.append('-' + 'v' * min(5, verbosity))
    _write_private(private_data_dir / 'env' / 'cmdline', args2cmdline(*args))

    # build_env, then the credential's injectors (file injectors write into env/); env/envvars for runner.
    env = dict(base_env or {})
    env.update(JOB_ID=str(job_id), INVENTORY_ID='1', ANSIBLE_RETRY_FILES_ENABLED='False', MAX_EVENT_RES='700000',
               AWX_PRIVATE_DATA_DIR=str(private_data_dir))
    safe_env = dict(env)
    if credential is not None:
        inputs, injectors = credential_type()
        cred_env, cred_safe_env = awx_inject(inputs, injectors, credential, private_data_dir)
        env.update(cred_env)
        safe_env.update(cred_safe_env)
    _write_private(private_data_dir / 'env' / 'envvars', json.dumps(env))

    # build_inventory: inventory/hosts, an executable script.
    inventory = private_data_dir / 'inventory' / 'hosts'
    _write_private(inventory, inventory_script(hosts, groups), mode=0o700)

    # The runner settings AWX writes, except that the stdout file is kept here for the tests to read too.
    _write_private(private_data_dir / 'env' / 'settings',
                   json.dumps({'job_timeout': 0, 'suppress_ansible_output': True, 'suppress_output_file': False}))

    handled = []

    def event_handler(event):
        handled.append(event)
        return True  # also write artifacts/<ident>/job_events/<counter>-<uuid>.json

    runner = ansible_runner.run(private_data_dir=str(private_data_dir), ident=str(job_id), playbook='job.yml',
                                inventory=str(inventory), event_handler=event_handler, quiet=True)
    return JobRun(runner, private_data_dir, handled, env, safe_env)


def _write_private(path, content, mode=0o600):
    """BaseTask.write_private_data_file: the file is created with its mode before anything is written to it."""
    path.touch(mode=mode, exist_ok=True)
    path.write_text(content)


def secret_leaks(text, secrets, work_dir):
    """Run the leak check of the test command (tests/check_secrets.py) on text: (rc, its report)."""
    log, secrets_file = Path(work_dir) / 'job-output.log', Path(work_dir) / 'secrets.json'
    log.write_text(text, encoding='utf-8')
    secrets_file.write_text(json.dumps(sorted(secrets)))
    completed = subprocess.run([sys.executable, str(CHECK_SECRETS), str(log), str(secrets_file)],
                               capture_output=True, text=True, timeout=60, check=False)
    return completed.returncode, completed.stdout + completed.stderr
