# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The outgoing integration methods: validateOutgoingIntegration, addOutgoingIntegration,
updateOutgoingIntegration, and the permission checks of clearIntegrationHistory and replayOutgoingIntegration
(apps/meteor/app/integrations/server/methods/outgoing/*, lib/validateOutgoingIntegration.ts; sections 3.7, 4.2, 4.4, 12.1).
"""

from .errors import meteor_error
from .integration_methods import IntegrationMethods
from .jsvalues import js_parse_int, js_truthy
from .permissions import MANAGE_OUTGOING, MANAGE_OWN_OUTGOING, created_by_id
from .store import now_iso


# Section 4.2: which outgoing events use a channel, trigger words and a target room.
OUTGOING_EVENTS = {
    'sendMessage': {'channel': True, 'triggerWords': True, 'targetRoom': False},
    'fileUploaded': {'channel': True, 'triggerWords': False, 'targetRoom': False},
    'roomArchived': {'channel': False, 'triggerWords': False, 'targetRoom': False},
    'roomCreated': {'channel': False, 'triggerWords': False, 'targetRoom': False},
    'roomJoined': {'channel': True, 'triggerWords': False, 'targetRoom': False},
    'roomLeft': {'channel': True, 'triggerWords': False, 'targetRoom': False},
    'userCreated': {'channel': False, 'triggerWords': False, 'targetRoom': True},
}
ALL_CHANNEL_KEYWORDS = ('all_public_channels', 'all_private_groups', 'all_direct_messages')


class OutgoingMethods(IntegrationMethods):
    """validateOutgoingIntegration, add/updateOutgoingIntegration; mixed into EmulatorApp."""

    def _validate_outgoing(self, call, body):
        """validateOutgoingIntegration, in the order of section 4.4; returns the normalised fields."""
        details = {'function': 'validateOutgoing'}
        integration = dict(body)
        if self.profile.skip_transpile_removed:
            integration.pop('skipTranspile', None)  # 9.x, variant 'ignored': accepted, not stored (section 13.3)
        channel = integration.get('channel')
        if isinstance(channel, str) and not channel.strip():
            integration.pop('channel')
            channel = None
        # parseCSV: trims entries and (UNCONFIRMED, section 4.3) drops empty ones.
        channels = [part.strip() for part in channel.split(',') if part.strip()] if isinstance(channel, str) else []
        event = integration.get('event')
        if not isinstance(event, str) or event not in OUTGOING_EVENTS:
            raise meteor_error('error-invalid-event-type', 'Invalid event type', details)
        uses = OUTGOING_EVENTS[event]
        username = integration.get('username')
        if not isinstance(username, str) or not username.strip():
            raise meteor_error('error-invalid-username', 'Invalid username', details)
        if uses['targetRoom'] and not js_truthy(integration.get('targetRoom')):
            raise meteor_error('error-invalid-targetRoom', 'Invalid Target Room', details)
        urls = integration.get('urls')
        if not isinstance(urls, list) or not all(isinstance(url, str) for url in urls):
            raise meteor_error('error-invalid-urls', 'Invalid URLs', details)
        integration['urls'] = [url for url in urls if url.strip()]
        if not integration['urls']:
            raise meteor_error('error-invalid-urls', 'Invalid URLs', details)
        if uses['channel']:
            if any(part[0] not in '@#' and part not in ALL_CHANNEL_KEYWORDS for part in channels):
                raise meteor_error('error-invalid-channel-start-with-chars', 'Invalid channel. Start with @ or #', details)
        else:
            if not self.has(call, MANAGE_OUTGOING):
                raise meteor_error('error-invalid-permissions', 'Invalid permission for required Integration creation.', details)
            channels = []  # section 4.2: events without a channel store []
        post_as = self.store.find_user(username=username)
        if post_as is None:
            raise meteor_error('error-invalid-user', 'Invalid user (did you delete the `rocket.cat` user?)', details)
        trigger_words = integration.get('triggerWords')
        if uses['triggerWords'] and js_truthy(trigger_words):
            if not isinstance(trigger_words, list) or not all(isinstance(word, str) for word in trigger_words):
                raise meteor_error('error-invalid-triggerWords', 'Invalid triggerWords', details)
            integration['triggerWords'] = [word for word in trigger_words if word.strip()]
        else:
            integration.pop('triggerWords', None)
        can_add_to_all = self.has(call, MANAGE_OUTGOING) and self.has(call, MANAGE_OWN_OUTGOING)
        for part in channels:
            if part in ALL_CHANNEL_KEYWORDS:
                if part != 'all_public_channels' and not self.has(call, MANAGE_OUTGOING):
                    raise meteor_error('error-invalid-channel', 'Invalid Channel', details)
            else:
                self._check_target(call, part, can_add_to_all, details)
        if 'runOnEdits' in integration:
            integration['runOnEdits'] = integration['runOnEdits'] is True
        if integration.get('retryFailedCalls'):
            count = integration.get('retryCount')
            count = js_parse_int(count) if isinstance(count, (int, float)) and not isinstance(count, bool) else None
            integration['retryCount'] = count if count and count > 0 else 4
            delay = integration.get('retryDelay')
            # Section 4.2: lower-cased; the accepted values are UNCONFIRMED, so any string is kept.
            integration['retryDelay'] = delay.lower() if isinstance(delay, str) and delay.strip() else 'powers-of-ten'
        integration['channel'] = channels
        integration['userId'] = post_as['_id']
        if self.profile.script_engine:
            # validateOutgoingIntegration: scriptEngine ?? 'isolated-vm' (absent from the 6.3-era version).
            engine = integration.get('scriptEngine')
            integration['scriptEngine'] = engine if engine is not None else 'isolated-vm'
        integration.update(self._script_fields(integration)[0])
        return integration

    def _add_outgoing(self, call, body):
        if not (self.has(call, MANAGE_OUTGOING) or self.has(call, MANAGE_OWN_OUTGOING)):
            raise meteor_error('not_authorized')  # derived: no reason given, so "[not_authorized]" (section 3.1)
        doc = self._validate_outgoing(call, body)
        doc.update({
            'type': 'webhook-outgoing',
            '_createdAt': now_iso(),
            '_createdBy': self._created_by(call),
        })
        return self._insert(doc)

    # updateOutgoingIntegration.ts: the fixed $set list (section 12.1); scriptCompiled or scriptError is added below.
    OUTGOING_UPDATE_FIELDS = ('event', 'enabled', 'name', 'avatar', 'emoji', 'alias', 'channel', 'targetRoom', 'impersonateUser',
                              'username', 'userId', 'urls', 'token', 'script', 'scriptEnabled', 'scriptEngine', 'skipTranspile',
                              'triggerWords', 'retryFailedCalls', 'retryCount', 'retryDelay', 'triggerWordAnywhere', 'runOnEdits')

    def _update_outgoing(self, call, integration_id, body):
        details = {'method': 'updateOutgoingIntegration'}
        integration = self._validate_outgoing(call, body)
        token = integration.get('token')
        if not isinstance(token, str) or not token.strip():
            raise meteor_error('error-invalid-token', 'Invalid token', details)
        self._find_for_method(call, integration_id, 'outgoing', 'updateOutgoingIntegration')
        fields = [key for key in self.OUTGOING_UPDATE_FIELDS
                  if (key != 'scriptEngine' or self.profile.script_engine) and (key != 'skipTranspile' or self.profile.skip_transpile)]
        compiled = 'scriptCompiled' in integration
        if self.profile.null_writes:
            # 7.3+: the driver writes undefined as null, so every field the body left out becomes null,
            # scriptError included when no script compiled.
            changes = {key: integration.get(key) for key in fields}
            if not compiled:
                changes['scriptError'] = integration.get('scriptError')
        else:
            changes = {key: integration[key] for key in fields if key in integration}
            if 'scriptError' in integration:
                changes['scriptError'] = integration['scriptError']
        if compiled:
            changes['scriptCompiled'] = integration['scriptCompiled']
        changes['_updatedBy'] = self._created_by(call)
        self.store.update_integration(integration_id, changes, ('scriptError',) if compiled else ('scriptCompiled',))

    def _outgoing_for_history(self, call, integration_id, method):
        details = {'method': method}
        if not (self.has(call, MANAGE_OUTGOING) or self.has(call, MANAGE_OWN_OUTGOING)):
            raise meteor_error('not_authorized', 'Unauthorized', details)
        doc = self.store.get_integration(integration_id)
        if doc is not None and not self.has(call, MANAGE_OUTGOING) and created_by_id(doc) != call.user_id:
            doc = None
        if doc is None:
            raise meteor_error('error-invalid-integration', 'Invalid integration', details)
        return doc
