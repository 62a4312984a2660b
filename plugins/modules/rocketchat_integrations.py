#!/usr/bin/python
# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: rocketchat_integrations
short_description: Make a Rocket.Chat server's set of integrations (webhooks) match a list, optionally removing the rest
version_added: "2.0.0"
description:
  - Declares many incoming and outgoing integrations in one task. Each entry of O(integrations) is found by its type
    and exact name, then created, updated or removed, with the same options and the same comparison as
    M(community.rocketchat.rocketchat_integration).
  - With O(purge=true), the integrations inside a scope (one O(type), optionally only names starting with
    O(name_prefix)) that the list does not name are removed. Nothing outside the scope is ever touched.
  - Reads the integrations in the scope once (every page), then sends only the writes that are needed; after creating,
    it reads them once more, to settle parallel runs that created the same name. Every entry is checked before the
    first write, so one bad entry means that nothing is changed.
  - Secrets (the integrations' C(token)) are never shown in the output or in diffs.
author:
  - community.rocketchat maintainers (@ansible-collections)
extends_documentation_fragment:
  - community.rocketchat._rocketchat
  - community.rocketchat._rocketchat.actiongroup_rocketchat
  - community.rocketchat._rocketchat.attributes
attributes:
  check_mode:
    support: full
    details:
      - Check mode reads the server and predicts the same C(changed), lists and diff as a real run, except for what only
        the server can tell; a predicted creation has no C(integration_id) or C(webhook_url).
      - An existing outgoing integration that gets a random token (see O(integrations[].token)) shows it as changed,
        masked.
      - Check mode cannot know whether Rocket.Chat can compile a script, since only the server judges it, when it stores it
        (see the notes).
  diff_mode:
    support: full
    details:
      - The diff shows every integration in the scope before and after (without O(type) and O(name_prefix), every
        integration the list names), by option name, with tokens masked.
      - The diff is YAML text, integrations sorted by label, options in a fixed order and multi-line scripts as
        block text, so that a change to one line of a script is one changed line.
  idempotent:
    support: full
options:
  integrations:
    description:
      - The integrations to create, update or remove. An entry is identified by its O(integrations[].type) and its
        exact, case-sensitive O(integrations[].name); the same pair may appear only once.
      - Each entry takes the options of M(community.rocketchat.rocketchat_integration) that describe an integration,
        with the same meaning, defaults and requirements. As there, the options needed to create an integration are
        required only for the entries that the server does not have; the task checks them before its first write.
      - Every entry must lie inside the scope that O(type) and O(name_prefix) give.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: The exact name of the integration.
        type: str
        required: true
      type:
        description:
          - The kind of integration. Defaults to O(type); required when O(type) is not set.
          - When O(type) is set, it must be the same kind.
        type: str
        choices: [incoming, outgoing, webhook-incoming, webhook-outgoing]
      state:
        description: V(present) creates or updates the integration; V(absent) removes it if it exists.
        type: str
        choices: [absent, present]
        default: present
      enabled:
        description: Whether the integration is active. When left out, an existing one keeps its state; a new one is enabled.
        type: bool
      channel:
        description:
          - Where an incoming integration posts, or which rooms an outgoing one listens to (V(#room) or V(@user)
            entries; outgoing ones also take V(all_public_channels), V(all_private_groups), V(all_direct_messages)).
          - A list or a comma-separated string; compared as a set.
        type: list
        elements: str
      username:
        description: The user the integration posts or replies as.
        type: str
      alias:
        description: The sender name shown instead of O(integrations[].username)'s.
        type: str
      avatar:
        description: The URL of the image shown as the messages' avatar.
        type: str
      emoji:
        description: An emoji shown as the messages' avatar, for example V(:ghost:).
        type: str
      script_enabled:
        description: Whether O(integrations[].script) runs.
        type: bool
      script:
        description: The script that processes the data.
        type: str
      skip_transpile:
        description:
          - B(Deprecated), and will be removed in community.rocketchat 3.0.0. Rocket.Chat 9.0 no longer transpiles
            scripts, so the option has no use there. Setting it makes Ansible show a deprecation warning.
          - Whether the script runs without Babel transpilation. Needs Rocket.Chat 8.4 or later; on an older server (as
            its C(/api/info) tells) the task fails before the first write.
          - On Rocket.Chat 9.0 and later it is neither compared nor sent, and the task warns that it has no effect.
        type: bool
        version_added: 2.0.0
      override_destination_channel_enabled:
        description: Incoming only. Whether a message sent to the webhook may name its own channel.
        type: bool
      event:
        description: Outgoing only. What triggers the calls to O(integrations[].urls).
        type: str
        choices: [sendMessage, fileUploaded, roomArchived, roomCreated, roomJoined, roomLeft, userCreated]
      urls:
        description: Outgoing only. The URLs that Rocket.Chat calls.
        type: list
        elements: str
      trigger_words:
        description: Outgoing only, with the V(sendMessage) event. Words that trigger the integration.
        type: list
        elements: str
      trigger_word_anywhere:
        description: Outgoing only. Whether a trigger word anywhere in the message counts.
        type: bool
      token:
        description:
          - Outgoing only. The token Rocket.Chat sends with each call. Never shown.
          - Rocket.Chat requires a token to update an outgoing integration, so one created without this option gets a
            random token, and an existing one without a token gets one (with a warning) when a change needs it.
        type: str
      update_token:
        description:
          - V(always) makes an existing integration's token equal to O(integrations[].token); V(on_create) sets it
            only when the integration is created.
        type: str
        choices: [always, on_create]
        default: always
      target_room:
        description: Outgoing only. The room that replies go to; required for the V(userCreated) event.
        type: str
      impersonate_user:
        description: Outgoing only. Whether replies are posted as the user who triggered the integration.
        type: bool
      run_on_edits:
        description: Outgoing only. Whether editing a message triggers the integration again.
        type: bool
      retry_failed_calls:
        description: Outgoing only. Whether failed calls are retried.
        type: bool
      retry_count:
        description: Outgoing only. How often a failed call is retried.
        type: int
      retry_delay:
        description: Outgoing only. How the wait between retries grows.
        type: str
        choices: [powers-of-ten, powers-of-two, increments-of-two]
  purge:
    description:
      - Also remove the integrations inside the scope (O(type), O(name_prefix)) that O(integrations) does not name.
      - Requires O(type). When O(integrations) names nothing to keep, the purge would remove everything in the scope;
        the task then fails unless O(allow_empty_purge=true).
    type: bool
    default: false
  type:
    description:
      - The kind of integrations this task manages, and the default of O(integrations[].type).
      - Required with O(purge=true). V(webhook-incoming) and V(webhook-outgoing) are accepted as aliases.
    type: str
    choices: [incoming, outgoing, webhook-incoming, webhook-outgoing]
  name_prefix:
    description:
      - Narrows the scope to the integrations whose name starts with this text (case-sensitive), for example V(ci-).
      - Every entry of O(integrations) must start with it.
    type: str
  return_webhook_url:
    description:
      - Add C(webhook_url), the address senders post to, to each incoming integration in RV(created), RV(updated)
        and RV(unchanged). Never in the result of a failed task.
      - B(Sensitive) - the addresses contain the hooks' tokens. Set C(no_log) on the task and on every task that
        handles the registered result.
    type: bool
    default: false
    version_added: 2.0.0
  allow_empty_purge:
    description:
      - With O(purge=true), allows a list that names nothing to keep (empty, or only entries with
        O(integrations[].state=absent)), which removes every integration in the scope.
    type: bool
    default: false
notes:
  - The scope is every integration of O(type) whose name starts with O(name_prefix); without either, only the
    integrations the list names. The diff shows the scope, and O(purge) removes only inside it.
  - When the server holds two integrations of the same type and name inside the scope that O(type) or O(name_prefix)
    give (or, without either, that the list names), the task fails, lists their ids and changes nothing.
  - Copies of one name that parallel runs create at the same moment are settled (the oldest is kept); a task that
    meets them while that happens waits a few seconds for it, instead of failing.
  - The other options of an entry with O(integrations[].state=absent) are ignored, as with
    M(community.rocketchat.rocketchat_integration), so an entry can be retired by setting its state to V(absent).
  - Writes are sent one at a time, in the order of the list, removals by O(purge) last. When a write fails, the task
    fails with the writes done so far in RV(created), RV(updated) and RV(removed); running it again finishes the job.
  - A user that holds only the C(manage-own-*-integrations) permissions sees only the integrations it created, so a
    purge by such a user never removes anyone else's.
  - After each write of an enabled script, the task reads Rocket.Chat's verdict on it, as
    M(community.rocketchat.rocketchat_integration) does. An entry whose new or changed script Rocket.Chat cannot
    compile is left as it was (a new integration is removed again, an updated one gets its previous document back in
    full) and listed in RV(rejected) with the error; the other entries go on, and the task then fails with a message
    that names each such entry and its error and says what was done with the others. A script that was broken
    before and that the entry does not change only gives a warning.
seealso:
  - module: community.rocketchat.rocketchat_integration
  - module: community.rocketchat.rocketchat_integration_info
"""

EXAMPLES = r"""
- name: Our CI hooks are exactly these; remove any other outgoing integration whose name starts with "ci-"
  community.rocketchat.rocketchat_integrations:
    api_url: https://chat.example.com
    api_user_id: "{{ rocketchat_user_id }}"
    api_token: "{{ rocketchat_token }}"
    type: outgoing
    name_prefix: ci-
    purge: true
    integrations:
      - name: ci-deploy
        event: sendMessage
        channel: ["#ops"]
        trigger_words: ["!deploy"]
        urls: ["https://ci.example.com/hooks/deploy"]
        username: rocket.cat
        token: "{{ ci_hook_secret }}"
      - name: ci-build
        event: sendMessage
        channel: ["#builds"]
        trigger_words: ["!build"]
        urls: ["https://ci.example.com/hooks/build"]
        username: rocket.cat
        token: "{{ ci_hook_secret }}"
  diff: true

- name: Keep two incoming webhooks, and make sure an old one is gone; nothing else is touched
  community.rocketchat.rocketchat_integrations:
    integrations:
      - {type: incoming, name: Monitoring alerts, channel: "#alerts", username: rocket.cat}
      - {type: incoming, name: Backups, channel: "#ops", username: rocket.cat, emoji: ":floppy_disk:"}
      - {type: incoming, name: Nagios (old), state: absent}
    return_webhook_url: true
  register: hooks
  no_log: true  # the result holds the webhook URLs, which contain the hooks' tokens

- name: Hand each webhook URL to its sender (the URLs contain the hooks' tokens)
  ansible.builtin.copy:
    content: "{{ item.webhook_url }}"
    dest: "/etc/senders/{{ item.name | replace(' ', '_') }}.url"
    mode: "0600"
  loop: "{{ (hooks.created + hooks.updated + hooks.unchanged) | selectattr('webhook_url', 'defined') }}"
  no_log: true

- name: Remove every incoming integration whose name starts with "test-"
  community.rocketchat.rocketchat_integrations:
    type: incoming
    name_prefix: test-
    purge: true
    integrations: []
    allow_empty_purge: true
"""

RETURN = r"""
created:
  description:
    - The integrations that were (in check mode, would be) created, in the order of the list.
    - Each has C(name), C(type) (V(incoming) or V(outgoing)), C(integration_id) (not for a predicted creation), and
      with O(return_webhook_url=true) for an incoming integration C(webhook_url).
    - C(webhook_url) is B(sensitive), like RV(community.rocketchat.rocketchat_integration#module:webhook_url); it is
      never part of a diff.
  returned: always
  type: list
  elements: dict
  sample: [{name: Monitoring alerts, type: incoming, integration_id: 6543a1b2c3d4e5f607182930,
            webhook_url: "https://chat.example.com/hooks/6543a1b2c3d4e5f607182930/aT0kenAT0kenAT0ken"}]
updated:
  description: The integrations that were (would be) updated, like RV(created), each with C(changed_options).
  returned: always
  type: list
  elements: dict
  sample: [{name: ci-deploy, type: outgoing, integration_id: 6543a1b2c3d4e5f607182931, changed_options: [urls]}]
removed:
  description:
    - The integrations that were (would be) removed, because an entry has O(integrations[].state=absent) or by
      O(purge). Each has C(name), C(type), C(integration_id) and C(purged) (true when O(purge) removed it).
  returned: always
  type: list
  elements: dict
  sample: [{name: ci-old, type: outgoing, integration_id: 6543a1b2c3d4e5f607182932, purged: true}]
unchanged:
  description:
    - The entries of the list that needed no change, like RV(created). An entry with O(integrations[].state=absent)
      that does not exist has no C(integration_id).
  returned: always
  type: list
  elements: dict
  sample: [{name: Backups, type: incoming, integration_id: 6543a1b2c3d4e5f607182933}]
rejected:
  description:
    - The entries whose new or changed script Rocket.Chat cannot compile, in the order of the list; the task then
      fails. Each has C(name), C(type), C(integration_id) (not for a new integration that was removed again),
      C(script_error) (the error, with C(name), C(message) and, where the error gives one, C(line)), C(changed) (false when
      the server holds what it held before the task) and C(msg) (what happened to it).
    - Empty in check mode, which cannot know the verdict.
  returned: always
  type: list
  elements: dict
  sample:
    - name: ci-deploy
      type: outgoing
      integration_id: 6543a1b2c3d4e5f607182931
      changed: false
      script_error: {name: SyntaxError, message: "Unexpected token ';'", line: 3}
      msg: >-
        Rocket.Chat cannot compile the script of outgoing integration 'ci-deploy' (id 6543a1b2c3d4e5f607182931):
        SyntaxError: Unexpected token ';' (line 3). The previous integration was written back, so nothing was changed:
        fix the script
msg:
  description: What the task did, or would do in check mode.
  returned: always
  type: str
  sample: "Created 1, updated 1, removed 1 (1 by purge); 3 unchanged"
"""

from ansible_collections.community.rocketchat.plugins.module_utils._module import RocketChatModule
from ansible_collections.community.rocketchat.plugins.module_utils._run_integrations import argument_spec, nested_secrets, run
from ansible_collections.community.rocketchat.plugins.module_utils._task import ModuleTask


def main():
    module = RocketChatModule(argument_spec=argument_spec(), supports_check_mode=True, nested_secrets=nested_secrets)
    module.exit_json(**run(ModuleTask(module)))


if __name__ == '__main__':
    main()
