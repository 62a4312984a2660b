# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the incoming and outgoing integration methods share (section 2, 4): target checks, the script
fields, the lookup of the update and delete methods, and the insert.
"""

from .errors import meteor_error
from .permissions import created_by_id
from .scripts import compile_integration_script


class IntegrationMethods:
    """Helpers of the server's integration methods; mixed into EmulatorApp."""

    def _check_target(self, call, channel, can_add_to_all, details):
        """#room by _id or name, @user by _id or username; non-members need both permissions (section 2, 4.3)."""
        name = channel[1:]
        if channel[0] == '#':
            record = self.store.find_room(name)
        else:
            record = self.store.find_user_by_id_or_username(name)
        if record is None:
            raise meteor_error('error-invalid-room', 'Invalid room', details)
        # For @user the real server looks for a subscription whose room id is the user's id, which never
        # exists, so @user targets need both permissions; kept as is.
        if not can_add_to_all and not self.store.is_subscribed(record['_id'], call.user_id):
            raise meteor_error('error-invalid-channel', 'Invalid Channel', details)

    def _script_fields(self, integration):
        """(set, unset) for scriptCompiled/scriptError, as compileIntegrationScript's callers write them (section 13.3).

        Only when scriptEnabled is true and script.trim() is not empty (add/updateIncomingIntegration,
        validateOutgoingIntegration, every release read); otherwise neither field is touched.
        """
        script = integration.get('script')
        if integration.get('scriptEnabled') is True and isinstance(script, str) and script.strip():
            return compile_integration_script(self.scripts, script, transpile=self.profile.transpiles(integration),
                                              modern_babel=self.profile.babel_preset_env)
        return {}, ()

    def _created_by(self, call):
        return {'_id': call.user['_id'], 'username': call.user['username']}

    def _insert(self, doc):
        if self.profile.remove_empty:
            doc = {key: value for key, value in doc.items() if value is not None}
        return self.store.insert_integration(doc)

    def _find_for_method(self, call, integration_id, kind, method):
        """Lookup of the update/delete methods: all-permission -> by _id, own-permission -> also _createdBy (section 2)."""
        details = {'method': method}
        if method == 'updateOutgoingIntegration':
            # updateOutgoingIntegration.ts (every release read): its own code and reason, and no details.
            missing = meteor_error('invalid_integration', '[methods] updateOutgoingIntegration -> integration not found')
        else:
            missing = meteor_error('error-invalid-integration', 'Invalid integration', details)
        if self.has(call, 'manage-%s-integrations' % kind):
            current = self.store.get_integration(integration_id)
        elif self.has(call, 'manage-own-%s-integrations' % kind):
            current = self.store.get_integration(integration_id)
            if current is not None and created_by_id(current) != call.user_id:
                current = None
        else:
            raise meteor_error('not_authorized', 'Unauthorized', details)
        if current is None:
            raise missing
        return current
