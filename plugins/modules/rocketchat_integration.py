#!/usr/bin/python
# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: rocketchat_integration
short_description: Create, update and remove Rocket.Chat incoming and outgoing integrations (webhooks)
version_added: "1.0.0"
description:
  - Creates, updates and removes an incoming or outgoing integration (webhook) of a Rocket.Chat server, idempotently.
  - The integration is found by O(integration_id) or by its exact O(name) within its O(type); to remove one, also by
    an URL it calls (O(target_url)). Nothing else on the server is touched.
  - Only the options you set are compared and changed; everything else about an existing integration is kept.
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
    details:
      - Check mode reads the server and predicts the same C(changed), diff and RV(integration) as a real run.
      - Check mode cannot know whether Rocket.Chat can compile a script, since only the server judges it, when it stores it
        (see the notes). A task that check mode predicts to succeed may still fail for its script.
  diff_mode:
    support: full
    details:
      - The diff shows the integration's fields by option name, with tokens masked. A changed token shows as
        C(******** (changed)).
      - The diff is YAML text, options in a fixed order and multi-line scripts as block text, so that a change to
        one line of a script is one changed line.
  idempotent:
    support: full
options:
  alias:
    description: The name shown as the messages' sender instead of O(username)'s.
    type: str
  avatar:
    description: The URL of an image shown as the messages' avatar.
    type: str
  channel:
    description:
      - Where the integration posts (incoming) or which rooms it listens to (outgoing).
      - Entries start with V(#) for a room or V(@) for a user, for example V(#general) or V(@alice). Outgoing
        integrations also accept V(all_public_channels), V(all_private_groups) and V(all_direct_messages).
      - A comma-separated string is accepted as well as a list. Order and blank entries do not matter.
      - Required to create an incoming integration, and an outgoing one whose O(event) happens in rooms.
    type: list
    elements: str
  emoji:
    description: An emoji, for example V(:ghost:), shown as the messages' avatar.
    type: str
  enabled:
    description:
      - Whether the integration is active.
      - When left out, an existing integration keeps its state, and a new one is created enabled.
    type: bool
  event:
    description:
      - Outgoing integrations only. What triggers the call to O(urls). Required to create an outgoing integration.
    type: str
    choices: [sendMessage, fileUploaded, roomArchived, roomCreated, roomJoined, roomLeft, userCreated]
  impersonate_user:
    description: Outgoing integrations only. Whether replies are posted as the user who triggered the integration.
    type: bool
  integration_id:
    description:
      - The id of the integration, as in the address of its page in Rocket.Chat's administration.
      - Takes precedence over every other way to find the integration. If O(type) is left out, the type is read
        from the server.
      - With O(state=present), the integration must exist; together with O(name) it renames the integration.
    type: str
  name:
    description:
      - The exact, case-sensitive name of the integration.
      - Required to create an integration. If more than one integration of the O(type) has this name, the task fails,
        lists their ids and changes nothing.
      - Together with O(integration_id), the new name of that integration.
    type: str
  return_webhook_url:
    description:
      - Return RV(webhook_url), the address that senders post to, for an incoming integration.
      - B(Sensitive) - the address contains the hook's token. Set C(no_log) on the task, and on every task that
        handles the registered result.
    type: bool
    default: false
    version_added: 2.0.0
  override_destination_channel_enabled:
    description:
      - Incoming integrations only. Whether a message sent to the webhook may name its own channel.
      - Created integrations default to V(false).
    type: bool
  retry_count:
    description: Outgoing integrations only. How often a failed call is retried. Rocket.Chat defaults it to V(4).
    type: int
  retry_delay:
    description: Outgoing integrations only. How the wait between retries grows. Rocket.Chat defaults it to V(powers-of-ten).
    type: str
    choices: [powers-of-ten, powers-of-two, increments-of-two]
  retry_failed_calls:
    description: Outgoing integrations only. Whether failed calls to O(urls) are retried.
    type: bool
  run_on_edits:
    description: Outgoing integrations only. Whether editing a message triggers the integration again.
    type: bool
  script:
    description:
      - The script that processes the data (see O(script_enabled)).
      - When Rocket.Chat cannot compile it, the task fails and leaves the integration as it was (see the notes).
    type: str
  script_enabled:
    description: Whether O(script) runs. Created integrations default to V(false).
    type: bool
  skip_transpile:
    description:
      - B(Deprecated), and will be removed in community.rocketchat 3.0.0. Rocket.Chat 9.0 no longer transpiles
        scripts (they run as they are, in strict mode), so the option has no use there. Setting it makes Ansible show
        a deprecation warning.
      - Whether Rocket.Chat runs O(script) as it is, without transpiling it with Babel first.
      - Needs Rocket.Chat 8.4 or later; on an older server (as its C(/api/info) tells) the task fails before anything is
        changed.
      - On Rocket.Chat 9.0 and later the option is neither compared nor sent, and the task warns that it has no effect.
        A C(skipTranspile) that an integration kept from an earlier release is never sent to such a server either.
      - Setting it costs one more (unauthenticated) request, for the server's version.
    type: bool
    version_added: 2.0.0
  state:
    description:
      - V(present) creates the integration, or updates the options you set when it differs.
      - V(absent) removes the integration if it exists.
    type: str
    choices: [absent, present]
    default: present
  target_room:
    description: Outgoing integrations only. The room that replies go to; required for the V(userCreated) event.
    type: str
  target_url:
    description:
      - With O(state=absent) only. Find the outgoing integration that calls this URL (an exact entry of its O(urls)).
      - If more than one outgoing integration calls this URL, the task fails, lists their ids and changes nothing.
    type: str
  token:
    description:
      - Outgoing integrations only. The token Rocket.Chat sends with each call, so the receiver can check it.
      - Rocket.Chat requires a token to update an outgoing integration. So when an outgoing integration is created
        without this option, the module gives it a random token (receivers that do not check the token are not
        affected), and when an existing one has no token and a change needs one, the update sets a random one and
        warns. Set this option to choose the token.
      - Never shown in output or diffs. See O(update_token) for when it is changed.
    type: str
  trigger_word_anywhere:
    description: Outgoing integrations only. Whether a trigger word anywhere in the message counts, not just at its start.
    type: bool
  trigger_words:
    description:
      - Outgoing integrations only, with the V(sendMessage) event. Words that trigger the integration; none means
        every message triggers it.
    type: list
    elements: str
  type:
    description:
      - The kind of integration. V(webhook-incoming) and V(webhook-outgoing) are accepted as aliases of V(incoming)
        and V(outgoing).
      - Required with O(name) when O(state=present).
      - When given, the integration found must be of this type, otherwise the task fails and changes nothing;
        Rocket.Chat itself does not check it, and would change or remove the wrong kind.
    type: str
    choices: [incoming, outgoing, webhook-incoming, webhook-outgoing]
  update_token:
    description:
      - When O(token) is set and the integration exists, V(always) makes the stored token equal to O(token)
        (Rocket.Chat returns stored tokens, so this is compared, and changes only when it differs);
        V(on_create) sets O(token) only when the integration is created, and leaves an existing token alone.
    type: str
    choices: [always, on_create]
    default: always
  urls:
    description:
      - Outgoing integrations only. The URLs that Rocket.Chat calls when O(event) happens. Required to create an
        outgoing integration. Blank entries are ignored.
    type: list
    elements: str
  username:
    description:
      - The user the integration posts as (incoming) or replies as (outgoing), for example V(rocket.cat).
      - Required to create an integration.
    type: str
notes:
  - To find an integration give O(integration_id), or O(name) (with O(type) when O(state=present)); to remove one,
    O(target_url) works too. With O(state=absent) give exactly one of them.
  - A user that holds only the C(manage-own-*-integrations) permissions sees only the integrations it created; an
    integration that another user created is "not found" for it. Removing it reports no change; O(state=present)
    would create a second integration of that name.
  - With O(state=present), the module first looks the integration up. An existing one is updated with just the options
    the task sets; every other field, including ones this module does not know, keeps its value. Only when there is
    none are the options needed to create it (O(username), O(channel), and for outgoing integrations O(event) and
    O(urls)) required; the task then fails before anything is written.
  - Integrations that parallel runs create under one name at the same moment are settled (the oldest is kept); a task
    that meets such copies while they are being settled waits a few seconds for it. Two integrations of one name that
    were not created together make the task fail.
  - Rocket.Chat stores the channel, URL and trigger word lists in the order given; this module compares them as sets.
  - Rocket.Chat saves a script it cannot compile anyway, with the error, and answers as if it had succeeded. After
    each write of an enabled script the module reads that verdict (from Rocket.Chat's answer, or with one more
    request when the answer lacks it). When the script that the task creates or changes (or enables, or switches
    O(skip_transpile) for) does not compile, the task fails with the integration's name and the error (its name,
    message and line), and leaves the server as it was;
    a new integration is removed again, and an updated one gets its previous document back in full. If that fails
    too, the message says what the server holds, and C(changed) is true.
  - A script that Rocket.Chat could not compile before the task, and that the task does not change, does not stop
    it (so that such an integration can still be disabled, or another option fixed); the task warns with the stored
    error. M(community.rocketchat.rocketchat_integration_info) lists the stored errors of every integration.
  - The stored C(scriptCompiled), C(scriptError) and C(skipTranspile) fields never make the task report a change.
seealso:
  - module: community.rocketchat.rocketchat_integration_info
  - module: community.rocketchat.rocketchat_integrations
    description: Many integrations in one task, with a scoped purge.
  - name: Rocket.Chat integrations REST API
    description: The endpoints this module uses.
    link: https://developer.rocket.chat/apidocs/create-integration
"""

EXAMPLES = r"""
- name: Manage integrations; connection settings once for the whole block
  module_defaults:
    group/community.rocketchat.rocketchat:
      api_url: https://chat.example.com
      api_user_id: "{{ rocketchat_user_id }}"
      api_token: "{{ rocketchat_token }}"
  block:
    - name: Let the monitoring system post alerts to the alerts room
      community.rocketchat.rocketchat_integration:
        type: incoming
        name: Monitoring alerts
        channel: "#alerts"
        username: rocket.cat
        emoji: ":rotating_light:"
        return_webhook_url: true
      register: alerts
      no_log: true  # the result holds the webhook URL, which contains the hook's token

    - name: Hand the webhook URL to the monitoring system (it contains the hook's token)
      ansible.builtin.copy:
        content: "{{ alerts.webhook_url }}"
        dest: /etc/monitoring/rocketchat-webhook
        mode: "0600"
      no_log: true

    - name: Call the CI server when someone writes "!deploy" in the ops room
      community.rocketchat.rocketchat_integration:
        type: outgoing
        name: CI deploys
        event: sendMessage
        channel: ["#ops"]
        trigger_words: ["!deploy"]
        urls: ["https://ci.example.com/hooks/rocketchat"]
        username: rocket.cat
        token: "{{ ci_hook_secret }}"
        update_token: on_create
        retry_failed_calls: true

    - name: Rename an integration, found by its id (everything else about it, its enabled state included, is kept)
      community.rocketchat.rocketchat_integration:
        integration_id: 6543a1b2c3d4e5f607182930
        name: Monitoring alerts (old)

    - name: Disable an existing integration by name; nothing else is needed or changed
      community.rocketchat.rocketchat_integration:
        type: outgoing
        name: CI deploys
        enabled: false

    - name: Remove the outgoing integration that calls a retired endpoint
      community.rocketchat.rocketchat_integration:
        target_url: https://old-ci.example.com/hooks/rocketchat
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
    - With O(state=present), the integration as it is after the task (in check mode, as it would be); with
      O(state=absent), the integration as it was before it was removed. As Rocket.Chat returns it, with C(token) masked.
    - Empty when there is (or was) no such integration. A predicted new integration has no C(_id).
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
    overrideDestinationChannelEnabled: false
    token: "********"
    _createdAt: "2026-11-20T10:00:00.000Z"
    _createdBy: {_id: aobEdbYhXfu5hkeqG, username: admin}
    _updatedAt: "2026-11-20T10:00:00.000Z"
webhook_url:
  description:
    - The address that senders post messages to, C({api_url}/hooks/{_id}/{token}).
    - B(Sensitive) - it contains the integration's token, which is the credential a sender needs. It is never part of a
      diff or a message; use C(no_log) on the task and on tasks that handle it.
  returned: with O(return_webhook_url=true) and O(state=present), for an incoming integration that exists (not for one
    check mode would create)
  type: str
  sample: https://chat.example.com/hooks/6543a1b2c3d4e5f607182930/aT0kenAT0kenAT0kenAT0kenAT0kenAT0kenAT0kenAT0ken
changed_options:
  description: The options whose value differed from the server's, and were (or in check mode would be) written.
  returned: with O(state=present)
  type: list
  elements: str
  sample: [channel, emoji]
msg:
  description: What the task did, or would do in check mode.
  returned: always
  type: str
  sample: Removed incoming integration 'Monitoring alerts' (id 6543a1b2c3d4e5f607182930)
script_error:
  description:
    - The error Rocket.Chat gave for the script that the task wrote and it could not compile (see the notes).
    - The failed task's RV(integration) is then the integration as the server holds it after the task (empty when a
      new integration was removed again), and C(changed) says whether that differs from before the task.
    - It has C(name), the kind of error, C(message), the first line of the error's message, and C(line), the line of
      the script that the error points at, where the error gives one; like
      RV(community.rocketchat.rocketchat_integration_info#module:integrations[].script_error).
  returned: when the task failed because Rocket.Chat cannot compile the script
  type: dict
  sample: {name: SyntaxError, message: "Unexpected token ';'", line: 3}
"""

from ansible_collections.community.rocketchat.plugins.module_utils._module import RocketChatModule
from ansible_collections.community.rocketchat.plugins.module_utils._run_integration import argument_spec, nested_secrets, run
from ansible_collections.community.rocketchat.plugins.module_utils._task import ModuleTask


def main():
    module = RocketChatModule(argument_spec=argument_spec(), supports_check_mode=True, nested_secrets=nested_secrets)
    module.exit_json(**run(ModuleTask(module)))


if __name__ == '__main__':
    main()
