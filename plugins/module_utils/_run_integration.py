# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The logic of the rocketchat_integration module, for both of its launchers (the module and the action plugin).

PRIVATE to this collection: the interface may change without notice.
"""

from __future__ import annotations

from ansible_collections.community.rocketchat.plugins.module_utils._common import (
    connection_secrets,
    rocketchat_argument_spec,
    rocketchat_client,
)
from ansible_collections.community.rocketchat.plugins.module_utils._converge import create_settled, remove, update
from ansible_collections.community.rocketchat.plugins.module_utils._diff_text import text_diff
from ansible_collections.community.rocketchat.plugins.module_utils._fields import (
    FIELD_ARGUMENT_SPEC,
    FieldError,
    check_event_fields,
    check_fields,
    desired_fields,
    view,
)
from ansible_collections.community.rocketchat.plugins.module_utils._integration import (
    OUTGOING,
    TYPE_CHOICES,
    IntegrationError,
    api_type,
    find_integration,
    mask_secrets,
    webhook_url,
)
from ansible_collections.community.rocketchat.plugins.module_utils._script_verdict import failure_result

ARGUMENT_SPEC = dict(
    state=dict(type='str', choices=['absent', 'present'], default='present'),
    type=dict(type='str', choices=TYPE_CHOICES),
    integration_id=dict(type='str'),
    name=dict(type='str'),
    target_url=dict(type='str'),
    return_webhook_url=dict(type='bool', default=False),
    **FIELD_ARGUMENT_SPEC,
)
LOOKUP_KEYS = ('integration_id', 'name', 'target_url')


def check_options(params):
    """The message for options that cannot work together, or None. Runs before any request."""
    given = [key for key in LOOKUP_KEYS if params.get(key) is not None]
    empty = [key for key in given if not params[key].strip()]
    if empty:
        return f'{empty[0]} is empty: give the {empty[0].replace("_", " ")} of the integration'
    if params['state'] == 'absent':
        if len(given) != 1:
            which = ', '.join(given) if given else 'none of them'
            return f'Give exactly one of integration_id, name and target_url to say which integration to remove (got {which})'
        if params.get('target_url') and params.get('type') and api_type(params['type']) != OUTGOING:
            return 'target_url finds outgoing integrations only: set type to outgoing, or leave type out'
        return None
    if params.get('target_url'):
        return ('target_url only finds an integration to remove (state=absent); with state=present, find it by name or '
                'integration_id, and set the URLs it calls with urls')
    if not params.get('integration_id'):
        if not params.get('name'):
            return 'state=present needs name (with type) to find or create the integration, or integration_id to update one'
        if not params.get('type'):
            return (f"type is required with name when state=present: set type to incoming or outgoing for "
                    f"{params['name']!r}")
    type_ = api_type(params.get('type'))
    if type_:
        try:
            # What can be checked before any request; what a creation needs is checked once the lookup found nothing.
            check_fields(params, type_, creating=False)
            check_event_fields(params, params.get('event'))
        except FieldError as exc:
            return str(exc)
    return None


def result_of(task, client, change, with_options=True):
    """The task result for a Change: the integration with secrets masked, the webhook URL, the diff."""
    doc = change.after if change.after else change.before
    result = dict(changed=change.changed, integration=mask_secrets(doc), msg=change.msg)
    if with_options:
        result['changed_options'] = change.changed_options
    url = webhook_url(client, change.after) if task.params['return_webhook_url'] else None
    if url:
        result['webhook_url'] = url
    if task.diff and change.changed:
        # As text (the view written as YAML): a change to one line of a script is one changed line of the diff.
        diff = text_diff(view(change.before), view(change.after, token_changed=change.token_changed))
        if diff:  # a parallel run's integration kept as it was changes nothing that a diff could show
            result['diff'] = diff
    return result


def ensure_absent(task, client):
    """Remove the integration the options name, if it exists. Returns the task result."""
    params = task.params
    wanted_type = api_type(params['type']) or (OUTGOING if params.get('target_url') else None)
    doc = find_integration(client, integration_id=params.get('integration_id'), name=params.get('name'),
                           target_url=params.get('target_url'), type_=wanted_type)
    if not doc:
        return dict(changed=False, integration={}, msg='No such integration; nothing to remove')
    return result_of(task, client, remove(client, doc, task.check_mode), with_options=False)


def ensure_present(task, client):
    """Create the integration, or update the options that differ. Returns the task result."""
    params = task.params
    type_ = api_type(params['type'])
    if params.get('integration_id'):
        doc = find_integration(client, integration_id=params['integration_id'], type_=type_)
        if not doc:
            raise IntegrationError(
                f"integration_id {params['integration_id']!r} does not exist (or is not visible to this user). To create "
                'an integration, leave integration_id out and give name and type. Nothing was changed')
    else:
        doc = find_integration(client, name=params['name'], type_=type_)
    try:
        if not type_:
            # Found by id without a type: only now is it known which options belong to the integration.
            type_ = doc['type']
            check_fields(params, type_, creating=False)
        # The stored event decides which options it ignores when the task does not set one.
        check_event_fields(params, params.get('event') or (doc or {}).get('event'))
    except FieldError as exc:
        raise IntegrationError(f'{exc}. Nothing was changed') from exc
    desired = desired_fields(params, type_)
    if doc is None:
        change = create_settled(client, type_, desired, task.check_mode, params['update_token'], task.warn)
    else:
        change = update(client, doc, desired, params['update_token'], task.check_mode, task.warn)
    return result_of(task, client, change)


def nested_secrets(params):
    """The credentials in the connection options that both launchers make no_log values from the start."""
    return connection_secrets(params)


def argument_spec():
    """The module's options, the connection options included."""
    return rocketchat_argument_spec(**ARGUMENT_SPEC)


def run(task):
    """Run the task (see plugins/module_utils/_task.py); returns the result, or ends in task.fail()."""
    problem = check_options(task.params)
    if problem:
        task.fail(problem)
    with rocketchat_client(task) as client:
        try:
            if task.params['state'] == 'absent':
                return ensure_absent(task, client)
            return ensure_present(task, client)
        except IntegrationError as exc:
            task.fail(str(exc), **failure_result(exc))
    return None  # not reached: task.fail() does not return
