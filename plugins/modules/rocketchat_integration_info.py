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

from ansible_collections.community.rocketchat.plugins.module_utils._run_integration_info import argument_spec, run
from ansible_collections.community.rocketchat.plugins.module_utils._task import ModuleTask


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    module.exit_json(**run(ModuleTask(module)))


if __name__ == '__main__':
    main()
