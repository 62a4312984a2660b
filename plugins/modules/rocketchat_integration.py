#!/usr/bin/python
# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: rocketchat_integration
short_description: Manage Rocket.Chat incoming and outgoing integrations (webhooks)
version_added: "1.0.0"
description:
  - Removes an incoming or outgoing integration (webhook) of a Rocket.Chat server, idempotently.
  - The integration is found by O(integration_id), by its exact O(name), or, for outgoing integrations,
    by an URL it calls (O(target_url)). Nothing else on the server is touched.
  - Secrets that Rocket.Chat returns (the integrations' C(token)) are masked in the output and in diffs.
author:
  - community.rocketchat maintainers (@ansible-collections)
extends_documentation_fragment:
  - community.rocketchat._rocketchat
  - community.rocketchat._rocketchat.actiongroup_rocketchat
  - community.rocketchat._rocketchat.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details:
      - A removal shows the integration, with its secrets masked, as C(before) and nothing as C(after).
  idempotent:
    support: full
options:
  integration_id:
    description:
      - The id of the integration, as in the address of its page in Rocket.Chat's administration.
      - Takes precedence over every other way to find the integration.
      - If O(type) is left out, the type is read from the server.
    type: str
  name:
    description:
      - The exact, case-sensitive name of the integration.
      - If more than one integration has this name (within O(type) when given), the task fails, lists their ids
        and changes nothing.
    type: str
  state:
    description:
      - V(absent) removes the integration if it exists.
      - V(present) (creating and updating integrations) is not available in this release; the task fails without
        changing anything.
    type: str
    choices: [absent, present]
    default: present
  target_url:
    description:
      - Find an outgoing integration by one of the URLs it calls (exact match).
      - If more than one outgoing integration calls this URL, the task fails, lists their ids and changes nothing.
    type: str
  type:
    description:
      - The kind of integration. V(webhook-incoming) and V(webhook-outgoing) are accepted as aliases of
        V(incoming) and V(outgoing).
      - When given, the integration found must be of this type, otherwise the task fails and changes nothing;
        Rocket.Chat itself does not check it, and would remove the wrong kind.
      - With O(name), only integrations of this type are considered.
    type: str
    choices: [incoming, outgoing, webhook-incoming, webhook-outgoing]
notes:
  - Give exactly one of O(integration_id), O(name) and O(target_url).
  - A user that holds only the C(manage-own-*-integrations) permissions sees only the integrations it created; an
    integration that another user created is "not found" for it, and removing it reports no change.
seealso:
  - name: Rocket.Chat integrations REST API
    description: The endpoints this module uses.
    link: https://developer.rocket.chat/apidocs/remove-integration
"""

EXAMPLES = r"""
- name: Remove the outgoing integration named "CI notifications"
  community.rocketchat.rocketchat_integration:
    api_url: https://chat.example.com
    api_user_id: "{{ rocketchat_user_id }}"
    api_token: "{{ rocketchat_token }}"
    type: outgoing
    name: CI notifications
    state: absent

- name: Remove integrations, connection settings given once for the whole block
  module_defaults:
    group/community.rocketchat.rocketchat:
      api_url: https://chat.example.com
      api_user_id: "{{ rocketchat_user_id }}"
      api_token: "{{ rocketchat_token }}"
  block:
    - name: Remove an incoming integration by id
      community.rocketchat.rocketchat_integration:
        integration_id: 6543a1b2c3d4e5f607182930
        type: incoming
        state: absent

    - name: Remove the outgoing integration that calls a retired endpoint
      community.rocketchat.rocketchat_integration:
        target_url: https://ci.example.com/hooks/rocketchat
        state: absent

- name: Remove an integration with credentials from the environment (ROCKETCHAT_URL, ROCKETCHAT_USER_ID, ROCKETCHAT_AUTH_TOKEN)
  community.rocketchat.rocketchat_integration:
    type: incoming
    name: Monitoring alerts
    state: absent
"""

RETURN = r"""
integration:
  description:
    - The integration as it was before it was removed, as Rocket.Chat returned it, with C(token) masked.
    - Empty when there was no such integration.
  returned: always
  type: dict
  sample:
    _id: 6543a1b2c3d4e5f607182930
    type: webhook-incoming
    name: Monitoring alerts
    enabled: true
    username: rocket.cat
    channel: ["#alerts"]
    scriptEnabled: false
    token: "********"
    _createdAt: "2026-11-20T10:00:00.000Z"
    _createdBy: {_id: aobEdbYhXfu5hkeqG, username: admin}
    _updatedAt: "2026-11-20T10:00:00.000Z"
msg:
  description: What the task did, or would do in check mode.
  returned: always
  type: str
  sample: Removed incoming integration 'Monitoring alerts' (id 6543a1b2c3d4e5f607182930)
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.community.rocketchat.plugins.module_utils._common import rocketchat_argument_spec, rocketchat_client
from ansible_collections.community.rocketchat.plugins.module_utils._integration import (
    OUTGOING,
    TYPE_CHOICES,
    IntegrationError,
    api_type,
    describe,
    find_integration,
    mask_secrets,
    remove_integration,
)

ARGUMENT_SPEC = dict(
    state=dict(type='str', choices=['absent', 'present'], default='present'),
    type=dict(type='str', choices=TYPE_CHOICES),
    integration_id=dict(type='str'),
    name=dict(type='str'),
    target_url=dict(type='str'),
)
LOOKUP_KEYS = ('integration_id', 'name', 'target_url')


def check_options(params):
    """The message for options that cannot work together, or None."""
    if params['state'] == 'present':
        return ('state=present (creating and updating integrations) is not available in this release of '
                'community.rocketchat.rocketchat_integration; only state=absent is. Nothing was changed')
    given = [key for key in LOOKUP_KEYS if params.get(key) is not None]
    empty = [key for key in given if not params[key].strip()]
    if empty:
        return f'{empty[0]} is empty: give the {empty[0].replace("_", " ")} of the integration to remove'
    if len(given) != 1:
        which = ', '.join(given) if given else 'none of them'
        return f'Give exactly one of integration_id, name and target_url to say which integration to remove (got {which})'
    if params.get('target_url') and params.get('type') and api_type(params['type']) != OUTGOING:
        return 'target_url finds outgoing integrations only: set type to outgoing, or leave type out'
    return None


def ensure_absent(module, client):
    """Remove the integration the options name, if it exists. Returns the task result."""
    params = module.params
    wanted_type = api_type(params['type']) or (OUTGOING if params.get('target_url') else None)
    doc = find_integration(client, integration_id=params.get('integration_id'), name=params.get('name'),
                           target_url=params.get('target_url'), type_=wanted_type)
    if not doc:
        return dict(changed=False, integration={}, msg='No such integration; nothing to remove')
    removed = module.check_mode or remove_integration(client, doc)
    before = mask_secrets(doc)
    if not removed:
        # Someone else removed it between our read and our remove: the state is as requested, but not by us.
        return dict(changed=False, integration=before, msg=f'{describe(doc)} was already removed')
    result = dict(changed=True, integration=before,
                  msg=f'{"Would remove" if module.check_mode else "Removed"} {describe(doc)}')
    if module._diff:
        result['diff'] = dict(before=before, after={})
    return result


def main():
    module = AnsibleModule(argument_spec=rocketchat_argument_spec(**ARGUMENT_SPEC), supports_check_mode=True)
    problem = check_options(module.params)
    if problem:
        module.fail_json(msg=problem)
    with rocketchat_client(module) as client:
        try:
            result = ensure_absent(module, client)
        except IntegrationError as exc:
            module.fail_json(msg=str(exc))
    module.exit_json(**result)


if __name__ == '__main__':
    main()
