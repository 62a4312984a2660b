# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The incoming integration methods: addIncomingIntegration and updateIncomingIntegration
(apps/meteor/app/integrations/server/methods/incoming/*; sections 3.1, 3.2, 4.4, 12.1).
"""

from .errors import failure, meteor_error
from .integration_methods import IntegrationMethods
from .permissions import MANAGE_INCOMING, MANAGE_OWN_INCOMING
from .store import now_iso, random_string


class IncomingMethods(IntegrationMethods):
    """addIncomingIntegration, updateIncomingIntegration; mixed into EmulatorApp."""

    def _incoming_channels(self, body, details):
        channel = body.get('channel')
        if not isinstance(channel, str) or not channel.strip():
            raise meteor_error('error-invalid-channel', 'Invalid channel', details)
        channels = [part.strip() for part in channel.split(',')]
        if any(not part or part[0] not in '@#' for part in channels):
            raise meteor_error('error-invalid-channel-start-with-chars', 'Invalid channel. Start with @ or #', details)
        return channels

    def _add_incoming(self, call, body):
        """addIncomingIntegration, checks in the order of section 4.4."""
        details = {'method': 'addIncomingIntegration'}
        if not self.profile.script_engine and 'overrideDestinationChannelEnabled' not in body:
            # 6.3: check() with overrideDestinationChannelEnabled: Boolean (section 3.1); a Match.Error has no
            # error code, so the REST layer sends only its message.
            raise failure("Match error: Missing key 'overrideDestinationChannelEnabled'")
        if not (self.has(call, MANAGE_INCOMING) or self.has(call, MANAGE_OWN_INCOMING)):
            raise meteor_error('not_authorized', 'Unauthorized', details)
        channels = self._incoming_channels(body, details)
        username = body.get('username')
        if not isinstance(username, str) or not username.strip():
            raise meteor_error('error-invalid-username', 'Invalid username', details)
        post_as = self.store.find_user(username=username)
        if post_as is None:
            raise meteor_error('error-invalid-user', 'Invalid user', details)
        can_add_to_all = self.has(call, MANAGE_INCOMING) and self.has(call, MANAGE_OWN_INCOMING)
        for channel in channels:
            self._check_target(call, channel, can_add_to_all, details)
        doc = dict(body)
        # 8.x defaults the flag to false; 6.11-6.13 did not require it either (section 3.1, section 11).
        override = body.get('overrideDestinationChannelEnabled')
        if self.profile.script_engine:
            doc['scriptEngine'] = body['scriptEngine'] if body.get('scriptEngine') is not None else 'isolated-vm'
        if self.profile.skip_transpile:
            doc['skipTranspile'] = body.get('skipTranspile') is True  # addIncomingIntegration.ts: sent === true
        elif self.profile.skip_transpile_removed:
            doc.pop('skipTranspile', None)  # 9.x, variant 'ignored': accepted, not stored (section 13.3)
        doc.update({
            'type': 'webhook-incoming',
            'channel': channels,
            'overrideDestinationChannelEnabled': False if override is None else override,
            'token': random_string(48),
            'userId': post_as['_id'],
            '_createdAt': now_iso(),
            '_createdBy': self._created_by(call),
        })
        doc.update(self._script_fields(doc)[0])
        self.store.add_user_roles(post_as['_id'], ['bot'])
        return self._insert(doc)

    def _update_incoming(self, call, integration_id, body):
        """updateIncomingIntegration (sections 3.2 and 12.1), version by version."""
        details = {'method': 'updateIncomingIntegration'}
        channels = self._incoming_channels(body, details)
        current = self._find_for_method(call, integration_id, 'incoming', 'updateIncomingIntegration')
        script_set, script_unset = self._script_fields(body)
        can_add_to_all = self.has(call, MANAGE_INCOMING) and self.has(call, MANAGE_OWN_INCOMING)
        for channel in channels:
            self._check_target(call, channel, can_add_to_all, details)
        username = body['username'] if 'username' in body else current.get('username')
        post_as = self.store.find_user(username=username) if isinstance(username, str) else None
        if post_as is None:
            raise meteor_error('error-invalid-post-as-user', 'Invalid Post As User', details)
        self.store.add_user_roles(post_as['_id'], ['bot'])
        changes = {'enabled': body.get('enabled'), 'name': body.get('name'), 'channel': channels,
                   'scriptEnabled': body.get('scriptEnabled')}
        for key in ('avatar', 'emoji', 'alias', 'script'):
            # 8.4+ (PR #39553): only when sent. Before: always in the $set, so null on 7.3+ (ignoreUndefined
            # false) and left alone before (the driver dropped undefined).
            if key in body:
                changes[key] = body[key]
            elif self.profile.null_writes and not self.profile.incoming_update_sent_only:
                changes[key] = None
        if 'overrideDestinationChannelEnabled' in body:
            changes['overrideDestinationChannelEnabled'] = body['overrideDestinationChannelEnabled']
        if self.profile.script_engine:
            # sent ?? stored ?? 'isolated-vm'
            engine = body.get('scriptEngine')
            if engine is None:
                engine = current.get('scriptEngine')
            changes['scriptEngine'] = engine if engine is not None else 'isolated-vm'
        if self.profile.skip_transpile:
            changes['skipTranspile'] = body.get('skipTranspile') is True  # written on every update
        if 'username' in body:
            changes.update({'username': post_as['username'], 'userId': post_as['_id']})
        changes.update(script_set)
        changes['_updatedBy'] = self._created_by(call)
        self.store.update_integration(integration_id, changes, script_unset)
