#!/usr/bin/python
# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: rocketchat_integration_info
short_description: List Rocket.Chat incoming and outgoing integrations
version_added: "1.0.0"
description:
  - Lists the integrations (webhooks) of a Rocket.Chat server that the user may see, every page of them, optionally
    only those of one O(type), with an exact O(name), or with one O(integration_id).
  - Tokens are masked in the result.
author:
  - community.rocketchat maintainers (@ansible-collections)
extends_documentation_fragment:
  - community.rocketchat._rocketchat
  - community.rocketchat._rocketchat.actiongroup_rocketchat
  - community.rocketchat._rocketchat.attributes
  - community.rocketchat._rocketchat.info_module
options:
  integration_id:
    description: Only the integration with this id (an empty list when there is none).
    type: str
  name:
    description: Only integrations with exactly this name (case-sensitive).
    type: str
  return_webhook_url:
    description:
      - Add C(webhook_url), the address senders post to, to each incoming integration in RV(integrations).
      - B(Sensitive) - the addresses contain the hooks' tokens. Set C(no_log) on the task and on every task that
        handles the registered result.
    type: bool
    default: false
    version_added: 2.0.0
  type:
    description: Only integrations of this kind. V(webhook-incoming) and V(webhook-outgoing) are accepted as aliases.
    type: str
    choices: [incoming, outgoing, webhook-incoming, webhook-outgoing]
notes:
  - A user that holds only the C(manage-own-*-integrations) permissions sees only the integrations it created.
seealso:
  - module: community.rocketchat.rocketchat_integration
  - module: community.rocketchat.rocketchat_integrations
"""

EXAMPLES = r"""
- name: List every outgoing integration
  community.rocketchat.rocketchat_integration_info:
    api_url: https://chat.example.com
    api_user_id: "{{ rocketchat_user_id }}"
    api_token: "{{ rocketchat_token }}"
    type: outgoing
  register: outgoing

- name: Show the names and the URLs they call
  ansible.builtin.debug:
    msg: "{{ outgoing.integrations | items2dict(key_name='name', value_name='urls') }}"
"""

RETURN = r"""
integrations:
  description:
    - The integrations, as Rocket.Chat returns them, with C(token) masked, in the server's order.
    - With O(return_webhook_url=true), each incoming integration also has C(webhook_url) (B(sensitive)).
    - Fields that a Rocket.Chat 7.3 or later update left without a value are C(null).
  returned: always
  type: list
  elements: dict
  sample:
    - _id: 6543a1b2c3d4e5f607182930
      type: webhook-outgoing
      name: CI deploys
      enabled: true
      event: sendMessage
      urls: ["https://ci.example.com/hooks/rocketchat"]
      channel: ["#ops"]
      username: rocket.cat
      token: "********"
"""

from ansible.module_utils.basic import AnsibleModule

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


def main():
    module = AnsibleModule(argument_spec=rocketchat_argument_spec(**ARGUMENT_SPEC), supports_check_mode=True)
    with rocketchat_client(module) as client:
        try:
            docs = read_integrations(client, module.params)
        except IntegrationError as exc:
            module.fail_json(msg=str(exc))
        integrations = [shown(client, doc, module.params['return_webhook_url']) for doc in docs]
    module.exit_json(changed=False, integrations=integrations)


if __name__ == '__main__':
    main()
