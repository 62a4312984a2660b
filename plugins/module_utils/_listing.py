# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What rocketchat_integration_info lists: the integrations a scope selects, as the API returns them (secrets masked,
optionally with their deliveries) or as a declaration for rocketchat_integrations.

PRIVATE to this collection: the interface may change without notice.
No Ansible imports.
"""

from __future__ import annotations

from ansible_collections.community.rocketchat.plugins.module_utils._declaration import declaration, in_scope
from ansible_collections.community.rocketchat.plugins.module_utils._history import check_count, read_deliveries
from ansible_collections.community.rocketchat.plugins.module_utils._integration import (
    IntegrationError,
    api_type,
    get_integration,
    list_integrations,
    mask_secrets,
    webhook_url,
)
from ansible_collections.community.rocketchat.plugins.module_utils._script_verdict import script_error

# The options of the info module that only this file reads (the others are the connection and the filters).
LISTING_ARGUMENT_SPEC = dict(
    name_prefix=dict(type='str'),
    format=dict(type='str', choices=['api', 'declaration'], default='api'),
    history=dict(type='int'),
)


def check_listing_options(params):
    """Raise IntegrationError for options that cannot be combined; the message names them and the fix."""
    if params.get('name_prefix') is not None and not params['name_prefix']:
        raise IntegrationError('name_prefix is empty: give the text that the names in scope start with, or leave it out')
    check_count(params.get('history'))
    if params.get('format') == 'declaration':
        others = [option for option in ('history', 'return_webhook_url') if params.get(option)]
        if others:
            raise IntegrationError(
                f"format: declaration returns entries for rocketchat_integrations, which take no {' or '.join(others)}; "
                f"leave {' and '.join(others)} out, or read {'them' if len(others) > 1 else 'it'} in another task with "
                'format: api')


def read_integrations(client, params):
    """The integrations that match every filter given (type, exact name, name prefix, id), in the server's order."""
    type_ = api_type(params.get('type'))
    name, prefix = params.get('name'), params.get('name_prefix')
    if params.get('integration_id'):
        doc = get_integration(client, params['integration_id'], type_)
        docs = [doc] if doc else []
    else:
        # The server's name filter is a case-insensitive substring (7.0 and later; older ones ignore it): a superset,
        # filtered exactly here.
        docs = list_integrations(client, type_, name or prefix)
    return [doc for doc in in_scope(docs, type_, prefix) if name is None or doc.get('name') == name]


def _shown(client, doc, params):
    """An integration for the result: tokens masked, script error readable, webhook URL (a secret), deliveries if asked."""
    result = mask_secrets(doc)
    error = script_error(doc)
    if error:
        result['script_error'] = error
    url = webhook_url(client, doc) if params.get('return_webhook_url') else None
    if url:
        result['webhook_url'] = url
    if params.get('history') and doc.get('type') == 'webhook-outgoing':
        result['deliveries'] = read_deliveries(client, doc, params['history'])
    return result


def listing(client, params):
    """The integrations of the result, in the format asked for. Raises IntegrationError for problems to fix."""
    check_listing_options(params)
    docs = read_integrations(client, params)
    if params.get('format') == 'declaration':
        return declaration(docs)
    return [_shown(client, doc, params) for doc in docs]
