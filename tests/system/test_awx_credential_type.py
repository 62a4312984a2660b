# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The credential type that the collection ships for AWX, used the way AWX uses it.

AWX validates a credential type when it is saved, and at job launch renders its injectors for the job's credential:
file injectors are written to temporary files, then the env injectors are templated (Jinja, sandboxed) with the
credential's fields and tower.filename.<name>. The playbook then runs with that environment and no connection
options. This reproduces both steps (following awx/main/fields.py and CredentialType.inject_credential, in
awx_job.py) and launches the job through ansible-runner as AWX does, against the emulator, also behind TLS with a
private CA. test_awx_runner.py checks the job events of such jobs on every server profile.
"""

from __future__ import annotations

import ast
import json
import os
import re
from pathlib import Path

import pytest
from jinja2 import StrictUndefined, UndefinedError, sandbox

from awx_job import AWX_SECRET_MASK, credential_type, launch_job, make_private_ca, serve_tls
from conftest import REPO, SERVER_VERSIONS

# Environment variables of the modules that are tuning, not connection settings: the credential leaves them alone.
NOT_IN_CREDENTIAL = {'ROCKETCHAT_TIMEOUT', 'ROCKETCHAT_RATE_LIMIT_MAX_WAIT'}
# awx/main/constants.py ENV_BLOCKLIST: variables a credential may not set (besides every ANSIBLE_* one).
AWX_ENV_BLOCKLIST = {'VIRTUAL_ENV', 'PATH', 'PYTHONPATH', 'JOB_ID', 'INVENTORY_ID', 'INVENTORY_SOURCE_ID',
                     'INVENTORY_UPDATE_ID', 'AD_HOC_COMMAND_ID', 'REST_API_URL', 'REST_API_TOKEN', 'MAX_EVENT_RES',
                     'CALLBACK_QUEUE', 'CALLBACK_CONNECTION', 'CACHE', 'JOB_CALLBACK_DEBUG', 'INVENTORY_HOSTVARS',
                     'AWX_HOST', 'PROJECT_REVISION', 'SUPERVISOR_CONFIG_PATH'}
AWX_FIELD_KEYS = {'id', 'label', 'type', 'format', 'choices', 'help_text', 'multiline', 'secret', 'ask_at_runtime',
                  'default'}

# The credential type does not depend on the server version: one is enough.
one_server_version = pytest.mark.parametrize('server', [SERVER_VERSIONS[-1]], indirect=True)

PLAYBOOK = """
- name: Manage integrations with the job's Rocket.Chat credential
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Create an outgoing integration
      community.rocketchat.rocketchat_integration:
        type: outgoing
        name: awx-credential-type
        event: sendMessage
        channel: "#general"
        urls: [https://ci.example.com/hook]
        username: rocket.cat
        token: "{{ hook_token }}"
      register: created

    - name: List it
      community.rocketchat.rocketchat_integration_info:
        name: awx-credential-type
      register: listed

    - name: Write the registered results for the test to read
      ansible.builtin.copy:
        content: "{{ {'created': created, 'listed': listed} | to_json }}"
        dest: "{{ results_file }}"
        mode: "0600"
"""
HOOK_TOKEN = 'outgoing-hook-token-awx-5150'


def module_env_vars():
    """The environment variables the modules fall back to: ENV_VARS of plugins/module_utils/_common.py."""
    tree = ast.parse((REPO / 'plugins' / 'module_utils' / '_common.py').read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and [target.id for target in node.targets] == ['ENV_VARS']:
            return set(ast.literal_eval(node.value).values())
    raise AssertionError('ENV_VARS not found in _common.py')


def awx_validation_errors(inputs, injectors):
    """What AWX refuses when the credential type is saved (awx/main/fields.py, CredentialTypeInputField and
    CredentialTypeInjectorField), as a list of messages."""
    errors = []
    if set(inputs) - {'fields', 'required'}:
        errors.append(f'unknown input keys {set(inputs) - {"fields", "required"}}')
    ids = []
    for field in inputs.get('fields', []):
        kind = field.get('type', 'string')
        if set(field) - AWX_FIELD_KEYS or not {'id', 'label'} <= set(field):
            errors.append(f'field {field} has unknown keys or lacks id/label')
        if not re.match(r'^[a-zA-Z_]+[a-zA-Z0-9_]*$', str(field.get('id'))) or field.get('id') == 'tower':
            errors.append(f'invalid field id {field.get("id")!r}')
        if kind not in ('string', 'boolean') or field.get('format', 'url') not in ('url', 'ssh_private_key'):
            errors.append(f'field {field["id"]}: bad type or format')
        if kind != 'string' and set(field) & {'choices', 'multiline', 'format', 'secret'}:
            errors.append(f'field {field["id"]}: choices/multiline/format/secret only for strings')
        ids.append(field.get('id'))
    if len(ids) != len(set(ids)):
        errors.append('field ids must be unique')
    if set(inputs.get('required', [])) - set(ids):
        errors.append('required names undefined fields')

    if set(injectors) - {'file', 'env', 'extra_vars'}:
        errors.append(f'unknown injector keys {set(injectors) - {"file", "env", "extra_vars"}}')
    file_labels = list(injectors.get('file', {}))
    if any(not re.match(r'^template(\.[a-zA-Z_]+[a-zA-Z0-9_]*)?$', label) for label in file_labels):
        errors.append(f'bad file injector names {file_labels}')
    if 'template' in file_labels and len(file_labels) > 1:
        errors.append('Must use multi-file syntax when injecting multiple files')
    for name, template in injectors.get('env', {}).items():
        if not re.match(r'^[a-zA-Z_]+[a-zA-Z0-9_]*$', name) or name.startswith('ANSIBLE_') or name in AWX_ENV_BLOCKLIST:
            errors.append(f'environment variable {name} is not allowed')
        if not isinstance(template, str) or not template.isascii():
            errors.append(f'{name}: the template must be an ASCII string')

    # Every template must render with every field set and the declared file names, and with nothing undefined.
    namespace = {field_id: 'EXAMPLE' for field_id in ids}
    namespace['tower'] = type('Tower', (), {})()
    if 'template' in file_labels:
        namespace['tower'].filename = 'EXAMPLE_FILENAME'
    elif file_labels:
        namespace['tower'].filename = type('Files', (), {label.split('.')[1]: 'EXAMPLE_FILENAME' for label in file_labels})()
    environment = sandbox.ImmutableSandboxedEnvironment(undefined=StrictUndefined)
    for kind in ('file', 'env'):
        for key, template in injectors.get(kind, {}).items():
            try:
                environment.from_string(template).render(namespace)
            except (UndefinedError, AttributeError) as exc:
                errors.append(f'{kind} {key} uses an undefined field ({exc})')
    return errors


@pytest.fixture(scope='module')
def private_ca(tmp_path_factory):
    """A private CA and a server certificate for 127.0.0.1 that it signed: (ca_pem, cert_file, key_file)."""
    return make_private_ca(tmp_path_factory.mktemp('pki'))


@pytest.fixture
def tls_url(rocket, private_ca):
    """The same emulated server (same state) served over HTTPS with the private CA's certificate."""
    dummy_ca, cert_file, key_file = private_ca
    with serve_tls(rocket.emu.app, cert_file, key_file) as url:
        yield url


def run_job(runner_env, tmp_path, credential, playbook=PLAYBOOK, hosts=None, groups=None):
    """Launch the job the way AWX does, through ansible-runner: the credential injected, the playbook with no
    connection options, at verbosity 3. (run, results, env, safe_env); run.output is what AWX stores of the job."""
    results_file = tmp_path / 'results.json'
    run = launch_job(tmp_path, playbook, hosts or {'localhost': {'ansible_connection': 'local'}}, groups=groups,
                     credential=credential, extra_vars={'results_file': str(results_file), 'hook_token': HOOK_TOKEN},
                     verbosity=3, base_env=runner_env)
    results = json.loads(results_file.read_text()) if results_file.exists() else None
    return run, results, run.env, run.safe_env


def assert_created(rocket, run, results):
    assert run.rc == 0, run.output
    assert results['created']['changed'] is True
    stored = [doc for doc in rocket.integrations() if doc['name'] == 'awx-credential-type']
    assert len(stored) == 1 and stored[0]['type'] == 'webhook-outgoing' and stored[0]['token'] == HOOK_TOKEN
    assert [doc['_id'] for doc in results['listed']['integrations']] == [stored[0]['_id']]
    assert results['listed']['integrations'][0]['token'] == '********'


def test_awx_accepts_the_credential_type_and_it_injects_what_the_modules_read():
    inputs, injectors = credential_type()
    assert awx_validation_errors(inputs, injectors) == []
    assert set(injectors['env']) == module_env_vars() - NOT_IN_CREDENTIAL
    fields = {field['id']: field for field in inputs['fields']}
    assert {name for name, field in fields.items() if field.get('secret')} == {'api_token', 'api_password'}
    assert fields['ca_cert'].get('multiline') is True and fields['skip_tls_verify']['type'] == 'boolean'
    assert inputs['required'] == ['api_url']


def test_awx_refuses_a_broken_definition():
    """The validation above is strict enough to catch what AWX refuses (otherwise the first test proves nothing)."""
    inputs, injectors = credential_type()
    assert awx_validation_errors(inputs, dict(injectors, env=dict(injectors['env'], X='{{ no_such_field }}')))
    assert awx_validation_errors(inputs, dict(injectors, env=dict(injectors['env'], ANSIBLE_X='{{ api_url }}')))
    assert awx_validation_errors(inputs, dict(injectors, env={'Y': '{{ tower.filename.no_such_file }}'}))
    assert awx_validation_errors(dict(inputs, fields=inputs['fields'] + [dict(id='flag', label='F', type='boolean', secret=True)]),
                                 injectors)


@one_server_version
def test_token_credential_with_private_ca_over_tls(runner_env, rocket, tls_url, private_ca, tmp_path):
    ca_pem = private_ca[0]
    credential = {'api_url': tls_url, 'api_user_id': rocket.emu.admin_user_id, 'api_token': rocket.emu.admin_token,
                  'api_username': '', 'api_password': '', 'ca_cert': ca_pem}  # skip_tls_verify never set
    run, results, env, safe_env = run_job(runner_env, tmp_path, credential)
    assert_created(rocket, run, results)
    assert env['ROCKETCHAT_VALIDATE_CERTS'] == 'true' and Path(env['ROCKETCHAT_CA_PATH']).read_text() == ca_pem
    assert env['ROCKETCHAT_USERNAME'] == '' and env['ROCKETCHAT_PASSWORD'] == ''
    # A personal access token is never logged out (that would revoke it).
    assert rocket.state()['logouts'] == []
    for secret in (rocket.emu.admin_token, HOOK_TOKEN):
        assert secret not in run.output
    assert safe_env['ROCKETCHAT_AUTH_TOKEN'] == AWX_SECRET_MASK and rocket.emu.admin_token not in json.dumps(safe_env)


@one_server_version
def test_without_the_ca_the_certificate_is_verified_and_refused(runner_env, rocket, tls_url, tmp_path):
    credential = {'api_url': tls_url, 'api_user_id': rocket.emu.admin_user_id, 'api_token': rocket.emu.admin_token,
                  'ca_cert': ''}
    run, results, env, dummy_safe_env = run_job(runner_env, tmp_path, credential)
    assert run.rc != 0 and results is None
    assert f'TLS verification of {tls_url}/api/v1/' in run.output and 'set ca_path' in run.output
    assert env['ROCKETCHAT_CA_PATH'] == ''
    assert [doc for doc in rocket.integrations() if doc['name'] == 'awx-credential-type'] == []
    assert rocket.emu.admin_token not in run.output


@one_server_version
def test_skip_tls_verify_without_ca(runner_env, rocket, tls_url, tmp_path):
    """A blank CA field must not become an (empty) CA file that the modules would try to verify with."""
    credential = {'api_url': tls_url, 'api_user_id': rocket.emu.admin_user_id, 'api_token': rocket.emu.admin_token,
                  'ca_cert': '', 'skip_tls_verify': True}
    run, results, env, dummy_safe_env = run_job(runner_env, tmp_path, credential)
    assert_created(rocket, run, results)
    assert env['ROCKETCHAT_VALIDATE_CERTS'] == 'false' and env['ROCKETCHAT_CA_PATH'] == ''
    # The job's own choice: no urllib3 warning on every request in the job's output (the tasks run in-process).
    assert 'InsecureRequestWarning' not in run.output and 'errantly sent data directly to stderr' not in run.output


@one_server_version
def test_password_credential_with_blank_token_fields(runner_env, rocket, tmp_path):
    password = rocket.emu.admin_password
    credential = {'api_url': rocket.url, 'api_user_id': '', 'api_token': '', 'api_username': rocket.emu.admin_username,
                  'api_password': password, 'ca_cert': '', 'skip_tls_verify': False}
    run, results, env, safe_env = run_job(runner_env, tmp_path, credential)
    assert_created(rocket, run, results)
    assert env['ROCKETCHAT_USER_ID'] == '' and env['ROCKETCHAT_AUTH_TOKEN'] == ''
    # Each of the two Rocket.Chat tasks logged in and out again; no personal access token was touched.
    logouts = rocket.state()['logouts']
    assert [entry['tokenType'] for entry in logouts] == ['login', 'login']
    for secret in (password, HOOK_TOKEN):
        assert secret not in run.output
    assert safe_env['ROCKETCHAT_PASSWORD'] == AWX_SECRET_MASK and password not in json.dumps(safe_env)


@one_server_version
def test_tasks_delegated_to_localhost_in_a_play_on_remote_hosts(runner_env, rocket, tmp_path):
    """The documented way to use the credential in a play that targets managed hosts: delegate_to: localhost.

    The inventory's hosts are unreachable addresses: any task that ran on them instead would fail the job.
    """
    playbook = PLAYBOOK.replace('hosts: localhost', 'hosts: app_servers').replace(
        '      register: created', '      register: created\n      delegate_to: localhost\n      run_once: true').replace(
        '      register: listed', '      register: listed\n      delegate_to: localhost\n      run_once: true').replace(
        '        mode: "0600"', '        mode: "0600"\n      delegate_to: localhost\n      run_once: true')
    assert playbook.count('delegate_to: localhost') == 3
    credential = {'api_url': rocket.url, 'api_user_id': rocket.emu.admin_user_id, 'api_token': rocket.emu.admin_token}
    hosts = {'app1': {'ansible_host': '192.0.2.10'}, 'app2': {'ansible_host': '192.0.2.11'}}
    run, results, dummy_env, dummy_safe_env = run_job(runner_env, tmp_path, credential, playbook, hosts,
                                                      {'app_servers': ['app1', 'app2']})
    assert_created(rocket, run, results)
    assert rocket.emu.admin_token not in run.output


@one_server_version
def test_every_blank_variable_counts_as_unset(ansible, rocket):
    """AWX injects blank fields as empty variables, also those of site-made credential types that inject every
    ROCKETCHAT_* variable (the timeout, the TLS switch): the modules must treat each empty one as unset."""
    env = {name: '' for name in module_env_vars()}
    env.update(ROCKETCHAT_URL=rocket.url, ROCKETCHAT_USER_ID=rocket.emu.admin_user_id,
               ROCKETCHAT_AUTH_TOKEN=rocket.emu.admin_token)
    run = ansible('adhoc', '-m', 'community.rocketchat.rocketchat_integration_info', '-a', 'type=incoming', env=env)
    status, result = run.result()
    assert run.rc == 0 and status == 'SUCCESS', run.output
    assert result['integrations'] == []


FAKE_CREDENTIAL_TYPE_MODULE = '''#!/usr/bin/python
# Stand-in for awx.awx.credential_type: records the arguments it receives.
import json
import os
from ansible.module_utils.basic import AnsibleModule

module = AnsibleModule(argument_spec=dict(name=dict(required=True), description=dict(), kind=dict(),
                                          inputs=dict(type='dict'), injectors=dict(type='dict'), state=dict()))
with open(os.environ['FAKE_AWX_RECORD'], 'w') as stream:
    json.dump(module.params, stream)
module.exit_json(changed=True)
'''


def test_example_playbook_registers_the_shipped_definition_unchanged(ansible, ansible_env, tmp_path):
    """docs/examples/register_credential_type.yml passes AWX the files' content, its {{ }} templates untouched."""
    modules = tmp_path / 'fake' / 'ansible_collections' / 'awx' / 'awx' / 'plugins' / 'modules'
    modules.mkdir(parents=True)
    (modules / 'credential_type.py').write_text(FAKE_CREDENTIAL_TYPE_MODULE)
    record = tmp_path / 'record.json'
    run = ansible('playbook', str(REPO / 'docs' / 'examples' / 'register_credential_type.yml'), env={
        'FAKE_AWX_RECORD': str(record),
        'ANSIBLE_COLLECTIONS_PATH': os.pathsep.join([str(tmp_path / 'fake'), ansible_env['ANSIBLE_COLLECTIONS_PATH']])})
    assert run.rc == 0, run.output
    sent = json.loads(record.read_text())
    assert (sent['inputs'], sent['injectors']) == credential_type()
    assert sent['name'] == 'Rocket.Chat' and sent['kind'] == 'cloud' and sent['state'] == 'present'
