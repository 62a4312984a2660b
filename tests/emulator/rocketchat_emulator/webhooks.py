# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Incoming webhooks (/hooks) and chat.postMessage, which both post through processWebhookMessage
(apps/meteor/app/integrations/server/api/api.ts, app/lib/server/functions/processWebhookMessage.ts, api/server/v1/chat.ts;
sections 8.1, 13).
"""

import json
import time
from urllib.parse import parse_qsl

from .errors import ApiError, failure
from .jsvalues import js_truthy


MESSAGE_MAX_ALLOWED_SIZE = 5000  # the Message_MaxAllowedSize setting's default


class WebhookRoutes:
    """/hooks/... and chat.postMessage; mixed into EmulatorApp."""

    # ------------------------------------------------------------------ /hooks (incoming webhooks)

    def _hook_body(self, request):
        raw = request.get_data(cache=True)
        # Like the real middleware: only this exact content type, and only a single form key.
        if request.headers.get('Content-Type') == 'application/x-www-form-urlencoded':
            text = raw.decode('utf-8', 'replace')
            form = dict(parse_qsl(text, keep_blank_values=True))
            if len(form) == 1:
                try:
                    return json.loads(form['payload'] if form.get('payload') else text)
                except ValueError as exc:
                    raise failure(str(exc))
            return form
        return self._json_body(request)

    def hook(self, call, integration_id, token, user_id=None):
        """Incoming webhook execution (section 8.1; api.ts). Scripts are stored but never executed here."""
        body = self._hook_body(call.request)
        doc = self.store.get_integration(integration_id)
        if doc is None or doc.get('token') != token:
            # Status and text of the 6.x-era source and of real servers' answers; newer sources throw an
            # Error here instead and the resulting status is UNCONFIRMED.
            raise ApiError(404, {'success': False, 'error': 'Invalid integration id or token provided.'})
        user = self.store.get_user(doc.get('userId'))
        if user is None:
            raise ApiError(401, self.profile.unauthorized_body(self.breaking_changes()))
        call.user, call.user_id = user, user['_id']
        # WebHookAPI has its own limiter, keyed on the hook URL, with no api-bypass-rate-limit exemption (section 7).
        self._rate_limit(call, honour_bypass=False, key_route=call.request.path)
        if doc.get('enabled') is not True:
            raise ApiError(503, {'success': False, 'error': 'Service Unavailable'})
        if self.profile.hook_impersonate_check and not self.store.has_permission(user['_id'], 'message-impersonate'):
            # PR #41017 (api.ts): checked for every post, whatever the body; API.v1.failure(<code>).
            raise failure('error-user-lacks-message-impersonate-permission')
        if not isinstance(body, dict) or not body:
            return 200, {'success': True}
        if (js_truthy(body.get('channel')) or js_truthy(body.get('roomId'))) and not doc.get('overrideDestinationChannelEnabled'):
            raise failure('overriding destination channel is disabled for this integration')
        target = body.get('channel') if js_truthy(body.get('channel')) else body.get('roomId')
        if not js_truthy(target):
            target = doc.get('channel') or []
        channels = target if isinstance(target, list) else [target]
        seen = []
        for channel in channels:
            if channel not in seen:
                seen.append(channel)
        site_url = self._site_url(call.request)
        for channel in seen:
            self._post_webhook_message(user, body, channel, site_url, integration=doc)
        return 200, {'success': True}

    def _hook_room(self, user, channel):
        """processWebhookMessage's room lookup; errors come back as 400 {error:<code>}."""
        if not isinstance(channel, str) or not channel:
            raise failure('invalid-channel')
        kind, value = channel[0], channel[1:]
        if kind == '@':
            target = self.store.find_user_by_id_or_username(value)
            if target is None:
                raise failure('invalid-channel')
            return self.store.direct_room(user['_id'], target['_id'])
        room = self.store.find_room(value if kind == '#' else channel)
        if room is None and kind != '#':
            target = self.store.get_user(channel)
            if target is not None:
                return self.store.direct_room(user['_id'], target['_id'])
        if room is None:
            raise failure('invalid-channel')
        if not self.store.is_subscribed(room['_id'], user['_id']):
            if room.get('t') != 'c':
                raise failure('error-not-allowed')  # section 8.1: private room, not a member
            self.store.subscribe(room['_id'], user['_id'])  # public rooms are joined on the way
        return room

    @staticmethod
    def _site_url(request):
        """The Site_Url setting the outgoing payload carries: the address this emulator was reached at."""
        return request.host_url.rstrip('/')

    def _post_webhook_message(self, user, body, channel, site_url, integration=None, depth=0):
        """processWebhookMessage for one channel, then the afterSaveMessage callback that fires the outgoing
        integrations (triggers.ts). Incoming webhooks and outgoing replies pass their integration: its alias,
        avatar and emoji are the defaults and the message gets bot {i: <integration _id>}."""
        doc = integration or {}
        room = self._hook_room(user, channel)
        text = body.get('text') or body.get('msg') or ''
        message = {
            'rid': room['_id'],
            'msg': text.strip() if isinstance(text, str) else str(text),
            'alias': body.get('username') or body.get('alias') or doc.get('alias') or '',
            'groupable': False,
            'attachments': body.get('attachments') or [],
            'u': {'_id': user['_id'], 'username': user['username'], 'name': user.get('name', user['username'])},
        }
        if integration is not None:
            message['bot'] = {'i': doc['_id']}
        if body.get('icon_url') or body.get('avatar'):
            message['avatar'] = body.get('icon_url') or body.get('avatar')
        elif body.get('icon_emoji') or body.get('emoji'):
            message['emoji'] = body.get('icon_emoji') or body.get('emoji')
        elif doc.get('avatar'):
            message['avatar'] = doc['avatar']
        elif doc.get('emoji'):
            message['emoji'] = doc['emoji']
        if body.get('tmid'):
            message['tmid'] = body['tmid']
        if isinstance(body.get('customFields'), dict):
            message['customFields'] = body['customFields']
        stored = self.store.add_message(message)
        self.outgoing.send_message_event(stored, self.store.find_room(room['_id']) or room, site_url, depth)
        return stored

    def _post_reply(self, trigger, user, payload, room, site_url, depth):
        """triggerHandler.sendMessage -> processWebhookMessage; the target's answer may name a channel."""
        channel = payload.get('channel') if isinstance(payload.get('channel'), str) and payload.get('channel') else '#' + room['_id']
        message = self._post_webhook_message(user, payload, channel, site_url, integration=trigger, depth=depth)
        return [{'channel': channel, 'message': message}]

    # ------------------------------------------------------------------ chat.postMessage

    def chat_post_message(self, call, body):
        """chat.ts: size check against Message_MaxAllowedSize (5000), processWebhookMessage as the caller,
        answer {ts, channel, message} for the first channel."""
        text, attachments = body.get('text'), body.get('attachments')
        if isinstance(text, str) and len(text) > MESSAGE_MAX_ALLOWED_SIZE:
            raise failure('error-message-size-exceeded')
        for attachment in attachments or []:
            if isinstance(attachment.get('text'), str) and len(attachment['text']) > MESSAGE_MAX_ALLOWED_SIZE:
                raise failure('error-message-size-exceeded')
        target = body.get('channel') or body.get('roomId') or ''
        channels = []
        for channel in target if isinstance(target, list) else [target]:
            if channel not in channels:
                channels.append(channel)
        site_url = self._site_url(call.request)
        sent = [(channel, self._post_webhook_message(call.user, body, channel, site_url)) for channel in channels]
        if not sent:
            raise failure('unknown-error')
        channel, message = sent[0]
        return 200, {'ts': int(time.time() * 1000), 'channel': channel, 'message': message, 'success': True}
