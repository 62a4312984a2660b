# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The logic of the rocketchat_integration_info module, for both of its launchers (the module and the action plugin).

PRIVATE to this collection: the interface may change without notice.
"""

from __future__ import annotations

from ansible_collections.community.rocketchat.plugins.module_utils._common import rocketchat_argument_spec, rocketchat_client
from ansible_collections.community.rocketchat.plugins.module_utils._integration import (
    TYPE_CHOICES,
    IntegrationError,
    api_type,
    get_integration,
    list_integrations,
    mask_secrets,
    webhook_url,
)

ARGUMENT_SPEC = dict(
    type=dict(type='str', choices=TYPE_CHOICES),
    name=dict(type='str'),
    integration_id=dict(type='str'),
    return_webhook_url=dict(type='bool', default=False),
)


def read_integrations(client, params):
    """The integrations that match every filter given."""
    type_ = api_type(params['type'])
    if params.get('integration_id'):
        doc = get_integration(client, params['integration_id'], type_)
        docs = [doc] if doc else []
    else:
        docs = list_integrations(client, type_, params.get('name'))
    return [doc for doc in docs
            if (type_ is None or doc.get('type') == type_) and (params.get('name') is None or doc.get('name') == params['name'])]


def shown(client, doc, with_url):
    """An integration for the result: tokens masked, and with_url its webhook URL (a secret) if it is incoming."""
    result = mask_secrets(doc)
    url = webhook_url(client, doc) if with_url else None
    if url:
        result['webhook_url'] = url
    return result


def argument_spec():
    """The module's options, the connection options included."""
    return rocketchat_argument_spec(**ARGUMENT_SPEC)


def run(task):
    """Run the task (see plugins/module_utils/_task.py); returns the result, or ends in task.fail()."""
    with rocketchat_client(task) as client:
        try:
            docs = read_integrations(client, task.params)
        except IntegrationError as exc:
            task.fail(str(exc))
        integrations = [shown(client, doc, task.params['return_webhook_url']) for doc in docs]
    return dict(changed=False, integrations=integrations)
