# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The logic of the rocketchat_integrations module, for both of its launchers (the module and the action plugin).

PRIVATE to this collection: the interface may change without notice.
"""

from __future__ import annotations

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.validation import check_type_dict
from ansible.module_utils.errors import UnsupportedError

from ansible_collections.community.rocketchat.plugins.module_utils._client import RocketChatError
from ansible_collections.community.rocketchat.plugins.module_utils._common import (
    connection_secrets,
    explain_error,
    rocketchat_argument_spec,
    rocketchat_client,
)
from ansible_collections.community.rocketchat.plugins.module_utils._fields import FIELD_ARGUMENT_SPEC
from ansible_collections.community.rocketchat.plugins.module_utils._integration import TYPE_CHOICES
from ansible_collections.community.rocketchat.plugins.module_utils._integration_set import PlanError, converge, plan

ITEM_SPEC = dict(
    name=dict(type='str', required=True),
    type=dict(type='str', choices=TYPE_CHOICES),
    state=dict(type='str', choices=['absent', 'present'], default='present'),
    **FIELD_ARGUMENT_SPEC,
)
ARGUMENT_SPEC = dict(
    # The items are checked against ITEM_SPEC by checked_items(), not by Ansible: Ansible drops every no_log value,
    # api_token included, from the output when an item is not a dictionary.
    integrations=dict(type='list', elements='dict', required=True),
    purge=dict(type='bool', default=False),
    type=dict(type='str', choices=TYPE_CHOICES),
    name_prefix=dict(type='str'),
    allow_empty_purge=dict(type='bool', default=False),
    return_webhook_url=dict(type='bool', default=False),
)


SECRET_ITEM_OPTIONS = tuple(name for name, spec in ITEM_SPEC.items() if spec.get('no_log'))


def _as_dict(item):
    if isinstance(item, str):  # Ansible accepts 'key=value ...' strings as dictionaries
        try:
            return check_type_dict(item)
        except TypeError:
            return None
    return item if isinstance(item, dict) else None


def nested_secrets(params):
    """The values of the items' no_log options (token), as strings, and the credentials in the connection options
    (see _common.connection_secrets), from the raw parameters of the task.

    Both launchers make them no_log values before anything is validated or logged (see _module.RocketChatModule):
    the argument spec does not declare the items' sub-options, so Ansible cannot know them.
    """
    secrets = connection_secrets(params)
    items = params.get('integrations')
    if isinstance(items, list):
        secrets.update(str(item[name]) for item in map(_as_dict, items) if item
                       for name in SECRET_ITEM_OPTIONS if item.get(name) not in (None, ''))
    return secrets


def checked_items(task):
    """Each item of integrations validated against ITEM_SPEC (types, choices, defaults)."""
    task.no_log_values.update(nested_secrets(task.params))
    items = []
    deprecated = {}
    for index, raw in enumerate(task.params['integrations']):
        validation = ArgumentSpecValidator(ITEM_SPEC).validate(raw)
        for deprecation in validation._deprecations:  # pylint: disable=protected-access
            # Once per task, not per item: the items' options, as the docs name them.
            deprecated.setdefault(deprecation['msg'].replace("Param '", "Param 'integrations[].", 1), deprecation)
        if validation.error_messages:
            name = raw.get('name')
            label = f'integrations[{index}]' + (f' ({name!r})' if isinstance(name, str) else '')
            messages = [('unsupported option ' if isinstance(error, UnsupportedError) else '') + error.msg
                        for error in validation.errors.errors]
            task.fail(f"{label}: {'; '.join(messages)}")
        items.append(validation.validated_parameters)
    for msg, deprecation in deprecated.items():
        task.deprecate(msg, version=deprecation.get('version'), collection_name=deprecation.get('collection_name'))
    return items


def argument_spec():
    """The module's options, the connection options included."""
    return rocketchat_argument_spec(**ARGUMENT_SPEC)


def run(task):
    """Run the task (see plugins/module_utils/_task.py); returns the result, or ends in task.fail()."""
    task.params['integrations'] = checked_items(task)
    try:
        desired_set = plan(task.params)
    except PlanError as exc:
        task.fail(str(exc))
    with rocketchat_client(task) as client:
        outcome = converge(client, desired_set, task.check_mode, task.warn)
        result = outcome.result(client, with_diff=task.diff, with_urls=task.params['return_webhook_url'])
        error = outcome.error
        if error is not None:
            msg = explain_error(error, task.params) if isinstance(error, RocketChatError) else str(error)
            if outcome.current:
                msg = f'{outcome.current}: {msg}'
            if isinstance(error, RocketChatError) and error.status:
                result['status'] = error.status
            # What was written before the failure is reported, so that nobody has to guess the server's state.
            done = outcome.summary(include_unchanged=False)
            if done:
                if msg.endswith('. Nothing was changed'):
                    msg = msg[:-len('. Nothing was changed')]
                msg += f'. Before that, the task {done}'
            if outcome.rejected:
                msg = f'{msg}. {outcome.rejection_message()}'
            result.pop('msg', None)
            task.fail(msg, **result)
        if outcome.rejected:
            result.pop('msg', None)
            task.fail(outcome.rejection_message(), **result)
    return result
