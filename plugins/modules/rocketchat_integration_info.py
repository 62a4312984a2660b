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
    only those of one O(type), with an exact O(name), whose name starts with O(name_prefix), or with one
    O(integration_id).
  - With O(format=declaration), returns them as the entries that M(community.rocketchat.rocketchat_integrations) takes,
    to adopt an existing server into code.
  - With O(history), adds the latest deliveries of each outgoing integration.
  - Shows the error Rocket.Chat stored for a script it could not compile (RV(integrations[].script_error)), so that
    the broken scripts of a server, for example after an upgrade to Rocket.Chat 9.0, can be listed.
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
  name_prefix:
    description:
      - Only integrations whose name starts with this text (case-sensitive). With O(type), this is the same scope that
        O(community.rocketchat.rocketchat_integrations#module:type) and
        O(community.rocketchat.rocketchat_integrations#module:name_prefix) give
        M(community.rocketchat.rocketchat_integrations).
    type: str
    version_added: 2.0.0
  format:
    description:
      - V(api) returns the integrations as Rocket.Chat returns them, with tokens masked.
      - V(declaration) returns them in exactly the shape that
        O(community.rocketchat.rocketchat_integrations#module:integrations) takes, to adopt an existing server into
        code. Each entry has C(name), C(type) and every option that has a value on the server, and none that has not
        (so that the same entry would also recreate the integration; an outgoing integration stored without the
        channel its event uses cannot be recreated, since M(community.rocketchat.rocketchat_integrations) creates
        none without one). It holds no secret. Outgoing entries have
        C(update_token=on_create) and no C(token), so that the stored tokens are kept. Options that the event of an
        outgoing integration ignores, and stored values that the module would refuse, are left out.
      - Fed back to M(community.rocketchat.rocketchat_integrations) with the same O(type) and O(name_prefix) and
        C(purge=true), the declaration changes nothing.
      - To keep it in a file, read the file back with the C(ansible.builtin.file) lookup and the
        C(ansible.builtin.from_yaml) filter (see the examples), not as a vars file. Ansible templates the strings of
        vars files, so a script that contains Jinja markers would change or fail.
      - Fails when two integrations of the same type have the same name, as M(community.rocketchat.rocketchat_integrations)
        does. Cannot be combined with O(history) or O(return_webhook_url).
    type: str
    choices: [api, declaration]
    default: api
    version_added: 2.0.0
  history:
    description:
      - Add C(deliveries) to each outgoing integration listed, its latest O(history) deliveries from Rocket.Chat's
        integration history, newest first (every page needed is read). V(0) or no value reads none.
      - Needs C(manage-outgoing-integrations), or C(manage-own-outgoing-integrations) for the integrations the user
        created.
    type: int
    version_added: 2.0.0
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
  - A user that holds only the C(manage-own-*-integrations) permissions sees only the integrations it created, and
    only their deliveries.
  - Rocket.Chat does not store the HTTP status of a delivery; it records only 410 and 500 in the name of the step
    (older servers that called targets with Meteor's HTTP.call kept the status in the answer). For other answers
    RV(integrations[].deliveries[].http_status) is C(null); RV(integrations[].deliveries[].succeeded) says whether
    Rocket.Chat counted the delivery as a success.
  - Rocket.Chat calls the target after it has answered the message that triggered the integration, so a delivery
    may appear a moment later.
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

- name: Adopt the CI integrations into code, as rocketchat_integrations entries (no tokens in them)
  community.rocketchat.rocketchat_integration_info:
    type: outgoing
    name_prefix: ci-
    format: declaration
  register: adopted

- name: Write them to a file
  ansible.builtin.copy:
    content: "{{ adopted.integrations | to_nice_yaml(indent=2, sort_keys=false) }}"
    dest: files/ci_integrations.yml
    mode: "0644"

# Read with the file lookup, not as a vars file: Ansible would template a script that contains Jinja markers.
- name: From now on, the file is what the server has (no change right after the adoption)
  community.rocketchat.rocketchat_integrations:
    type: outgoing
    name_prefix: ci-
    purge: true
    integrations: "{{ lookup('ansible.builtin.file', 'ci_integrations.yml') | from_yaml }}"

- name: Point the deploy integration at the new CI server
  community.rocketchat.rocketchat_integration:
    type: outgoing
    name: ci-deploy
    urls: ["https://ci2.example.com/hooks/rocketchat"]

- name: Trigger it
  ansible.builtin.uri:
    url: https://chat.example.com/api/v1/chat.postMessage
    method: POST
    headers:
      X-User-Id: "{{ rocketchat_user_id }}"
      X-Auth-Token: "{{ rocketchat_token }}"
    body_format: json
    body: {channel: "#ops", text: "!deploy staging"}
  no_log: true

- name: Wait for its delivery, and fail unless the CI server accepted it
  community.rocketchat.rocketchat_integration_info:
    type: outgoing
    name: ci-deploy
    history: 1
  register: deploy
  until: deploy.integrations[0].deliveries[0].url | default('') is search('ci2.example.com')
  retries: 5
  delay: 2
  failed_when: not deploy.integrations[0].deliveries[0].succeeded

- name: Read every integration, for example after an upgrade to Rocket.Chat 9.0, which runs scripts in strict mode
  community.rocketchat.rocketchat_integration_info:
  register: all_integrations

- name: List the scripts that Rocket.Chat cannot compile, with their errors
  ansible.builtin.debug:
    msg: "{{ item.name }}: {{ item.script_error.name }}: {{ item.script_error.message }} (line {{ item.script_error.line | default('?') }})"
  loop: "{{ all_integrations.integrations | selectattr('script_error', 'defined') }}"
  loop_control:
    label: "{{ item.name }}"
"""

RETURN = r"""
integrations:
  description:
    - The integrations, as Rocket.Chat returns them, with C(token) masked, in the server's order.
    - With O(return_webhook_url=true), each incoming integration also has C(webhook_url) (B(sensitive)).
    - Fields that a Rocket.Chat 7.3 or later update left without a value are C(null).
    - With O(format=declaration), the entries for O(community.rocketchat.rocketchat_integrations#module:integrations)
      instead (see O(format)).
  returned: always
  type: list
  elements: dict
  contains:
    script_error:
      description:
        - The error Rocket.Chat stored when it could not compile the integration's script (its C(scriptError),
          without the stack). Rocket.Chat saves such a script anyway.
        - Not in O(format=declaration) entries, which hold options only.
      returned: when Rocket.Chat stores an error for the integration's script
      type: dict
      contains:
        name:
          description: The kind of error, for example V(SyntaxError).
          type: str
        message:
          description: The error's message (its first line).
          type: str
        line:
          description: The line of the script the error points at, where the error gives one.
          type: int
      sample: {name: SyntaxError, message: "Unexpected token ';'", line: 3}
    deliveries:
      description:
        - With O(history), the latest deliveries of an outgoing integration, newest first; not returned for incoming
          integrations.
        - Secrets (the integration's token, wherever the row or the target's answer has it) are masked.
      returned: when O(history) is set
      type: list
      elements: dict
      contains:
        history_id:
          description: The id of Rocket.Chat's history row.
          type: str
        time:
          description: When the delivery started (ISO 8601).
          type: str
        updated_at:
          description: When Rocket.Chat last recorded a step of it (ISO 8601).
          type: str
        event:
          description: The event that triggered it, for example V(sendMessage).
          type: str
        step:
          description:
            - The last step Rocket.Chat recorded, for example V(after-http-call) (the target answered with success),
              V(url-response-sent-message), V(after-process-http-status-500), V(failed-and-not-configured-to-retry),
              V(going-to-retry-1), V(too-many-retries).
          type: str
        trigger_word:
          description: The trigger word that matched, if any.
          type: str
        url:
          description: The URL that was called.
          type: str
        http_status:
          description: The HTTP status the target answered, where Rocket.Chat records it (see the notes), else C(null).
          type: int
        succeeded:
          description: True when the target answered and Rocket.Chat counted the answer as a success.
          type: bool
        error:
          description: True when Rocket.Chat recorded the delivery as failed, or the target could not be reached.
          type: bool
        error_text:
          description: The error (the connection error, or the target's answer to a failed delivery), if any.
          type: str
        response:
          description: The body of the target's answer, if any (long texts are shortened).
          type: str
        finished:
          description: True when Rocket.Chat marked the delivery as finished.
          type: bool
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

from ansible_collections.community.rocketchat.plugins.module_utils._module import RocketChatModule
from ansible_collections.community.rocketchat.plugins.module_utils._run_integration_info import argument_spec, nested_secrets, run
from ansible_collections.community.rocketchat.plugins.module_utils._task import ModuleTask


def main():
    module = RocketChatModule(argument_spec=argument_spec(), supports_check_mode=True, nested_secrets=nested_secrets)
    module.exit_json(**run(ModuleTask(module)))


if __name__ == '__main__':
    main()
