# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The action plugins' shared launcher: run a module's logic inside the controller's worker when the module would run
on the controller anyway, and otherwise hand the task to the module as Ansible would.

In-process, the task is validated by ansible-core's own ArgumentSpecValidator against the module's argument spec, its
no_log values are handled as AnsibleModule handles them on the running ansible-core (see "What differs by
ansible-core release" below), and the task's ``environment`` is applied to this process's os.environ for the run (and
restored), so the ROCKETCHAT_* fallbacks of the connection options see what a module process would see.

PRIVATE to this collection: the interface may change without notice.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from contextlib import contextmanager

from ansible import constants as C
from ansible.errors import AnsibleError
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.parameters import remove_values  # calling it is deprecated from 2.22: see below
from ansible.module_utils.errors import UnsupportedError
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase
from ansible.release import __version__ as ansible_version
from ansible.utils.display import Display

from ansible_collections.community.rocketchat.plugins.module_utils._client import HAS_REQUESTS
from ansible_collections.community.rocketchat.plugins.module_utils._task import InProcessTask, TaskFailed

display = Display()

# Set to false (the variable, for a host, play or task) or to 0/false (the environment variable of the controller)
# to run every task in a module process, as without the action plugins.
SWITCH_VAR = 'rocketchat_in_process'
SWITCH_ENV = 'ROCKETCHAT_IN_PROCESS'
LOCAL_CONNECTIONS = ('local', 'ansible.builtin.local', 'ansible.legacy.local')


def _same_python(path):
    """Whether the interpreter at path is this controller's own Python (the same binary in the same environment)."""
    if not path:
        return True
    if os.path.abspath(path) == os.path.abspath(sys.executable):
        return True
    # A venv's python3 and python link to the same binary from the same directory: the same environment.
    return (os.path.dirname(os.path.abspath(path)) == os.path.dirname(os.path.abspath(sys.executable))
            and os.path.realpath(path) == os.path.realpath(sys.executable))


# What differs by ansible-core release. Everything the launcher does differently from one release to another is here,
# so that a task's result has the shape a module process's result has on the running release:
# - before 2.19: an action plugin gets the task's arguments as YAML objects (_module_args), AnsibleModule.fail_json
#   adds the traceback of the exception being handled as ``exception`` at -vvv (_module_shaped), and deprecations
#   travel in the result, not through display (_report_deprecations).
# - before 2.21: ``invocation`` is always added; from 2.21 only when INJECT_INVOCATION is on (off by default from 2.22).
# - before 2.22: no_log values are removed from the result and from ``invocation`` (remove_values).
# - 2.22 and later: no_log values are registered as secrets (ansible.module_utils.secrets), which the controller masks
#   in all it shows, and the result keeps them, as a module process's result does (remove_values() is deprecated);
#   a module's result carries ``ansible_parsed`` into the registered variable.
CORE = tuple(int(part) for part in ansible_version.split('.')[:2])
SECRETS_MODEL = CORE >= (2, 22)
if SECRETS_MODEL:
    from ansible.module_utils.secrets import register_secrets  # pylint: disable=import-error,no-name-in-module


def _module_args(args):
    """The task's arguments as a module process receives them.

    ansible-core 2.18 hands an action plugin its YAML objects, an inline !vault value still encrypted among them;
    _execute_module sends the module JSON with vaulted values as their text, and the validator needs the same plain
    data (it would fail on the vault object and then show it in clear). Later releases pass plain strings already.
    """
    if CORE >= (2, 19):
        return dict(args)
    from ansible.parsing.ajson import AnsibleJSONEncoder  # pylint: disable=import-outside-toplevel
    return json.loads(json.dumps(args, cls=AnsibleJSONEncoder, vault_to_text=True))


def _inject_invocation(task_vars):
    """Whether AnsibleModule adds invocation to the result: always before ansible-core 2.21, then as configured."""
    try:
        return bool(C.config.get_config_value('INJECT_INVOCATION', variables=task_vars))
    except AnsibleError:  # no such setting before 2.21
        return True


def _register_secrets(values):
    """From ansible-core 2.22, register no_log values as secrets, as AnsibleModule (through its validator) does."""
    if SECRETS_MODEL:
        register_secrets(str(value) for value in values if value is not None)


def _report_deprecations(result, deprecations):
    """Report deprecated options as a module process's result does on the running release.

    Before 2.19 the result's ``deprecations`` (dicts of display.deprecated's arguments) are shown by the callback,
    which also honours action_warnings; from 2.19 an action plugin's display.deprecated is captured into the result
    with the same deprecator a module's gets.
    """
    for deprecation in deprecations:
        if CORE < (2, 19):
            fields = ('msg', 'version', 'date', 'collection_name')
            result.setdefault('deprecations', []).append({key: deprecation[key] for key in fields if deprecation.get(key)})
        else:
            display.deprecated(deprecation['msg'], version=deprecation.get('version'), date=deprecation.get('date'),
                               collection_name=deprecation.get('collection_name'))


def _module_shaped(result, task, failure, task_vars):
    """The logic's result (or its failure's) as AnsibleModule returns it on the running ansible-core."""
    if _inject_invocation(task_vars):
        result.setdefault('invocation', {'module_args': task.params})
    if task.warnings:
        result['warnings'] = list(task.warnings)
    handled = failure.__context__ if failure is not None else None
    if CORE < (2, 19) and handled is not None and (C.DEFAULT_DEBUG or display.verbosity >= 3):
        result.setdefault('exception', ''.join(traceback.format_tb(handled.__traceback__)))
    if SECRETS_MODEL:
        _register_secrets(task.no_log_values)
        result['ansible_parsed'] = True
        return result
    return remove_values(result, task.no_log_values)


@contextmanager
def _environment(values):
    """os.environ with these variables set (as strings, like a module process's environment), restored afterwards."""
    saved = {name: os.environ.get(name) for name in values}
    try:
        for name, value in values.items():
            os.environ[str(name)] = str(value)
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class RocketChatActionBase(ActionBase):
    """Runs the module of the same name: in-process on the controller when it can, as a module process otherwise.

    Subclasses set LOGIC to the module_utils module that holds the module's argument_spec() and run(task).
    """

    LOGIC = None
    TRANSFERS_FILES = False
    _supports_check_mode = True
    _supports_async = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        task_vars = task_vars or {}
        reason = self._module_process_reason(task_vars)
        host = self._task.delegate_to or task_vars.get('inventory_hostname', '')
        if reason:
            display.vvv(f'{self._task.action}: running as a module process on {host} ({reason})', host=host)
            return self._run_module_process(result, task_vars)
        display.vvv(f'{self._task.action}: running in-process on the controller (connection local)', host=host)
        result.update(self._run_in_process(task_vars))
        return result

    def _run_module_process(self, result, task_vars):
        wrap_async = self._task.async_val and not getattr(self._connection, 'has_native_async', False)
        result.update(self._execute_module(module_name=self._task.action, module_args=self._task.args,
                                           task_vars=task_vars, wrap_async=wrap_async))
        if not wrap_async:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return result

    def _host_vars(self, task_vars):
        """The variables of the host the module would run on: the delegated host's with delegate_to."""
        if self._task.delegate_to:
            return (task_vars.get('ansible_delegated_vars') or {}).get(self._task.delegate_to, task_vars)
        return task_vars

    def _module_process_reason(self, task_vars):
        """Why this task must run as a module process, or None when it can run in-process."""
        host_vars = self._host_vars(task_vars)
        switch = host_vars.get(SWITCH_VAR, task_vars.get(SWITCH_VAR))
        if switch is not None:
            switch = self._templar.template(switch)
        elif os.environ.get(SWITCH_ENV):
            switch = os.environ[SWITCH_ENV]
        if switch is not None and not boolean(switch, strict=False):
            return f'{SWITCH_VAR}/{SWITCH_ENV} is false'
        transport = getattr(self._connection, 'transport', None) or getattr(self._connection, '_load_name', None)
        if transport not in LOCAL_CONNECTIONS:
            return f'connection {transport}'
        if self._task.async_val:
            return 'async'
        if self._play_context.become:
            return 'become'
        # The variable, else ansible.cfg's interpreter_python or ANSIBLE_PYTHON_INTERPRETER, as a module would see it.
        interpreter = host_vars.get('ansible_python_interpreter')
        if interpreter is None:
            interpreter = C.config.get_config_value('INTERPRETER_PYTHON', variables=host_vars)
        if interpreter is not None:
            interpreter = self._templar.template(interpreter)
        if interpreter and not str(interpreter).startswith('auto') and not _same_python(str(interpreter)):
            return f'ansible_python_interpreter {interpreter} is not the controller\'s Python'
        if not HAS_REQUESTS:
            return "the Python library requests is missing on the controller's Python"
        return None

    def _task_environment(self):
        """The task's environment keyword, templated as Ansible templates it for a module process."""
        environment = {}
        self._compute_environment_string(raw_environment_out=environment)
        return environment

    def _run_in_process(self, task_vars=None):
        """The task result as the module would return it, from the module's logic run in this process."""
        args = _module_args(self._task.args)
        with _environment(self._task_environment()):
            # Secrets nested in list options are no_log values before validation can fail (see _module.py).
            nested_secrets = getattr(self.LOGIC, 'nested_secrets', None)
            no_log_values = set(nested_secrets(args)) if nested_secrets else set()
            _register_secrets(no_log_values)
            validation = ArgumentSpecValidator(self.LOGIC.argument_spec()).validate(args)
            no_log_values.update(validation._no_log_values)  # pylint: disable=protected-access
            params = dict(args)
            params.update(validation.validated_parameters)
            task = InProcessTask(params, check_mode=bool(self._task.check_mode), diff=bool(self._task.diff),
                                 no_log_values=no_log_values)
            failure = None
            try:
                if validation.error_messages:
                    error = validation.errors[0]
                    msg = validation.errors.msg
                    if isinstance(error, UnsupportedError):
                        msg = f'Unsupported parameters for ({self._task.action}) module: {msg}'
                    task.fail(msg)
                result = self.LOGIC.run(task)
            except TaskFailed as failed:
                failure = failed
                result = dict(failure.result, failed=True, msg=str(failure.msg))
        # What a module process's AnsibleModule reports for deprecated options, the items' ones (task.deprecate) too.
        _report_deprecations(result, validation._deprecations + task.deprecations)  # pylint: disable=protected-access
        return _module_shaped(result, task, failure, task_vars or {})
