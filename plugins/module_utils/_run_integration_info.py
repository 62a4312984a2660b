# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The logic of the rocketchat_integration_info module, for both of its launchers (the module and the action plugin).

PRIVATE to this collection: the interface may change without notice.
"""

from __future__ import annotations

from ansible_collections.community.rocketchat.plugins.module_utils._common import (
    connection_secrets,
    rocketchat_argument_spec,
    rocketchat_client,
)
from ansible_collections.community.rocketchat.plugins.module_utils._integration import TYPE_CHOICES, IntegrationError
from ansible_collections.community.rocketchat.plugins.module_utils._listing import LISTING_ARGUMENT_SPEC, listing

ARGUMENT_SPEC = dict(
    type=dict(type='str', choices=TYPE_CHOICES),
    name=dict(type='str'),
    integration_id=dict(type='str'),
    return_webhook_url=dict(type='bool', default=False),
    # name_prefix, format and history (plugins/module_utils/_listing.py reads them)
    **LISTING_ARGUMENT_SPEC,
)


def nested_secrets(params):
    """The credentials in the connection options that both launchers make no_log values from the start."""
    return connection_secrets(params)


def argument_spec():
    """The module's options, the connection options included."""
    return rocketchat_argument_spec(**ARGUMENT_SPEC)


def run(task):
    """Run the task (see plugins/module_utils/_task.py); returns the result, or ends in task.fail()."""
    with rocketchat_client(task) as client:
        try:
            integrations = listing(client, task.params)
        except IntegrationError as exc:
            task.fail(str(exc))
    return dict(changed=False, integrations=integrations)
