# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The AnsibleModule the modules' launchers build.

PRIVATE to this collection: the interface may change without notice.
"""

from __future__ import annotations

from ansible.module_utils.basic import AnsibleModule

try:  # ansible-core 2.22 and later mask registered secrets in the log and send them to the controller, which masks them
    from ansible.module_utils.secrets import register_secrets
except ImportError:  # earlier releases remove no_log_values from the result and the logged invocation
    register_secrets = None


class RocketChatModule(AnsibleModule):
    """An AnsibleModule that knows the secrets nested in its options from the start.

    A secret inside the items of a list option (rocketchat_integrations' integrations[].token) is no_log only if the
    argument spec declares the items' sub-options, and the module checks its items itself (with messages that name
    the entry). nested_secrets(params) names those secrets from the raw parameters, and they become no_log values
    as soon as the parameters are loaded: before a validation error returns the invocation, and before the
    invocation is logged to the system log (and, from ansible-core 2.22, registered secrets, which that release
    masks in the log and in everything the controller shows).
    """

    def __init__(self, *args, nested_secrets=None, **kwargs):
        self._nested_secrets = nested_secrets
        super().__init__(*args, **kwargs)

    def _load_params(self):
        # AnsibleModule.__init__ creates no_log_values, then loads the parameters, then validates and logs them
        # (the same order from ansible-core 2.18 to 2.22).
        super()._load_params()
        if self._nested_secrets is not None:
            secrets = self._nested_secrets(self.params)
            self.no_log_values.update(secrets)
            if register_secrets is not None:
                register_secrets(secrets)
