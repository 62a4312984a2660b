# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE to this collection: the connection options and attributes every Rocket.Chat module shares.

from __future__ import annotations


class ModuleDocFragment:

    DOCUMENTATION = r"""
options:
  api_url:
    description:
      - The base URL of the Rocket.Chat server, with a port and a sub-path if the server has them,
        for example V(https://chat.example.com) or V(https://example.com:8443/chat).
      - A trailing slash, or a pasted V(/api/v1), is ignored.
      - Required. If not set, the value of the E(ROCKETCHAT_URL) environment variable is used.
    type: str
  api_user_id:
    description:
      - The id of the Rocket.Chat user that O(api_token) belongs to.
      - Use with O(api_token). Either this pair or O(api_username) and O(api_password) is required.
      - If not set, the value of the E(ROCKETCHAT_USER_ID) environment variable is used.
    type: str
  api_token:
    description:
      - A personal access token of the user O(api_user_id) (recommended), or a login token.
      - The module never logs out with this token, because logging out revokes a personal access token.
      - Whitespace around the token, such as the final newline that C(ansible-vault encrypt_string) keeps when it
        reads the standard input, is ignored, as it is around O(api_user_id) and O(api_username).
      - If not set, the value of the E(ROCKETCHAT_AUTH_TOKEN) environment variable is used.
    type: str
  api_username:
    description:
      - The user name (or e-mail address) to log in with, together with O(api_password).
      - The module logs in once per task and logs out when the task ends, also when it fails.
      - Users with two-factor authentication cannot log in this way; give them a personal access token
        and use O(api_user_id) and O(api_token).
      - If not set, the value of the E(ROCKETCHAT_USERNAME) environment variable is used.
    type: str
  api_password:
    description:
      - The password of O(api_username).
      - Line breaks around the password are ignored; spaces are kept, since they may be part of it.
      - If not set, the value of the E(ROCKETCHAT_PASSWORD) environment variable is used.
    type: str
  validate_certs:
    description:
      - Whether to verify the server's TLS certificate.
      - Prefer O(ca_path) to V(false) for servers with a private or self-signed certificate.
      - Has no effect when O(ca_path) is set; the certificate is then always verified with that CA bundle.
      - If not set, the value of the E(ROCKETCHAT_VALIDATE_CERTS) environment variable is used.
    type: bool
    default: true
  ca_path:
    description:
      - A file of PEM certificates (a CA bundle) to verify the server's certificate with, instead of the system's.
      - If not set, the value of the E(ROCKETCHAT_CA_PATH) environment variable is used.
    type: path
  timeout:
    description:
      - Seconds to wait for the server to connect and to answer each request.
      - If not set, the value of the E(ROCKETCHAT_TIMEOUT) environment variable is used.
    type: int
    default: 30
  rate_limit_max_wait:
    description:
      - When Rocket.Chat's rate limiter answers HTTP 429, the longest time in seconds to wait for the limit to reset
        before trying again. A longer wait fails the task with a message; V(0) never waits.
      - Rocket.Chat's default window is 60 seconds. Users holding the C(api-bypass-rate-limit) permission
        (by default the admin, bot and app roles) are never limited.
      - If not set, the value of the E(ROCKETCHAT_RATE_LIMIT_MAX_WAIT) environment variable is used.
    type: int
    default: 60
notes:
  - >-
    Runs on the host that executes the task, usually the controller or execution environment
    (C(delegate_to: localhost) or a C(localhost) inventory host); that host needs the Python library C(requests).
  - Idempotent requests are retried on connection errors and on HTTP 502, 503 and 504 answers. When Rocket.Chat's rate
    limiter answers HTTP 429, the module waits until the limit resets (at most O(rate_limit_max_wait)) and tries again.
  - When the answer to a write is lost (a dropped connection, a timeout, HTTP 502, 503 or 504), the server is read to
    learn what happened before the write is reported or sent again; a create is never sent twice, and its name is read
    again for up to 15 seconds (or O(timeout), when shorter) in case the server is still saving it.
  - Redirects are not followed, so that credentials are never sent to another address; set O(api_url) to the address
    the server answers on.
seealso:
  - name: Authentication guide
    description: Personal access tokens, passwords, two-factor authentication, TLS and the environment variables.
    link: https://github.com/ansible-collections/community.rocketchat/blob/main/docs/docsite/rst/guide_authentication.rst
  - name: AWX and execution environments guide
    description: The credential type for AWX and Automation Controller, and execution environments.
    link: https://github.com/ansible-collections/community.rocketchat/blob/main/docs/docsite/rst/guide_awx.rst
  - name: Troubleshooting guide
    description: The error messages of the modules and what to do about them.
    link: https://github.com/ansible-collections/community.rocketchat/blob/main/docs/docsite/rst/guide_troubleshooting.rst
requirements:
  - requests
"""

    ACTIONGROUP_ROCKETCHAT = r"""
options: {}
attributes:
  action_group:
    description: Use C(group/community.rocketchat.rocketchat) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - community.rocketchat.rocketchat
"""

    ATTRIBUTES = r"""
options: {}
attributes:
  check_mode:
    description: Can run in C(check_mode) and return changed status prediction without modifying the server.
  diff_mode:
    description: Will return details on what has changed (or would change in C(check_mode)) when in diff mode.
  idempotent:
    description: When run twice in a row outside check mode with the same arguments, the second run reports no change.
"""

    INFO_MODULE = r"""
options: {}
attributes:
  check_mode:
    support: full
    details:
      - This module only reads, so it runs the same in check mode.
  diff_mode:
    support: N/A
    details:
      - This module never changes anything.
  idempotent:
    support: full
"""
