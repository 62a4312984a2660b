# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Outgoing integrations on the sendMessage event: trigger selection, the HTTP call and the history rows.

Follows Rocket.Chat's apps/meteor/app/integrations/server/lib/triggerHandler.ts (getTriggersToExecute,
executeTriggers, executeTriggerUrl, mapEventArgsToData, sendMessage) and lib/updateHistory.ts (section 13 of
README.md). Differences, all deliberate and documented there:
- the call is made synchronously, in the thread of the request that posted the message, so the history
  row is complete when that request's answer arrives;
- retries run at once, one after the other (no timer), each as a new history row, as the server's
  delayed re-execution does;
- scripts never run: every integration behaves as if it had no script;
- only loopback targets are called: any other host is recorded as unresolvable (ENOTFOUND), so tests never
  reach the network.
"""

import errno
import ipaddress
import json
import socket
import urllib.error
import urllib.parse
import urllib.request

from .store import copy_doc

# ScriptEngine.prepareOutgoingRequest's default request headers.
USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/41.0.2227.0 Safari/537.36'
SUCCESS_RESULTS = (200, 201, 202)
JSON_CONTENT_TYPES = ('application/json', 'text/javascript', 'application/javascript', 'application/x-javascript')
RETRY_DELAYS = ('powers-of-ten', 'powers-of-two', 'increments-of-two')
# Events whose integrations are registered under '__any' (outgoingEvents.ts: use.channel false).
CHANNELLESS_EVENTS = ('roomArchived', 'roomCreated', 'userCreated')
# A message the target answers with is posted to the room, and that message fires the triggers again on
# the real server (afterSaveMessage); the emulator stops that chain at this depth.
MAX_DEPTH = 3
HTTP_TIMEOUT = 10


def js_stringify(value):
    """JSON.stringify(value, null, 2) of what updateHistory stores as httpResult."""
    return json.dumps(value, ensure_ascii=False, indent=2)


def _fetch_error(url, exc):
    """The enumerable fields of node-fetch's FetchError, as Mongo stores the error object (inferred)."""
    reason = getattr(exc, 'reason', exc)
    if isinstance(reason, (socket.timeout, TimeoutError)):
        return {'message': 'network timeout at: %s' % url, 'type': 'request-timeout'}
    code = errno.errorcode.get(getattr(reason, 'errno', None) or 0, 'ECONNRESET')
    return {'message': 'request to %s failed, reason: %s' % (url, reason), 'type': 'system', 'errno': code, 'code': code}


def is_loopback_url(url):
    """True for http(s) URLs whose host is localhost or a literal loopback address (no name resolution)."""
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname
    except ValueError:
        return False
    if parts.scheme not in ('http', 'https') or not host:
        return False
    if host == 'localhost':
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _not_found(url):
    host = urllib.parse.urlsplit(url).hostname or ''
    return {'message': 'request to %s failed, reason: getaddrinfo ENOTFOUND %s' % (url, host), 'type': 'system',
            'errno': 'ENOTFOUND', 'code': 'ENOTFOUND'}


class OutgoingDispatcher:
    """Runs the sendMessage triggers of one emulated server.

    post_reply(trigger, user, payload, room, depth) posts a message the target answered with and returns the
    stored message (or raises ApiError); it is the API's processWebhookMessage.
    """

    def __init__(self, store, post_reply, null_writes=False):
        self.store = store
        self.post_reply = post_reply
        # 7.3+ (PR #31497, ignoreUndefined off): an undefined key of a $set is stored as null, so a direct
        # room's missing channel_name shows up as null in the row's data (the sent JSON still omits it).
        self.null_writes = null_writes

    # ------------------------------------------------------------------ selection (getTriggersToExecute)

    @staticmethod
    def _channels_of(doc):
        """addIntegration: the keys the integration is registered under."""
        if doc.get('event') in CHANNELLESS_EVENTS:
            return ['__any']
        channel = doc.get('channel')
        if not channel:
            return ['all_public_channels']
        return list(channel) if isinstance(channel, list) else [channel]

    def triggers_for(self, room, message):
        registry = {}
        for doc in self.store.integrations_snapshot():
            if doc.get('type') != 'webhook-outgoing':
                continue
            for key in self._channels_of(doc):
                registry.setdefault(key, []).append(doc)
        keys = []
        kind = room.get('t')
        if kind == 'd':
            keys.append('all_direct_messages')
            keys.extend('@%s' % uid for uid in room.get('uids') or [])
            sender = (message.get('u') or {}).get('username')
            keys.extend('@%s' % name for name in room.get('usernames') or [] if name != sender)
        else:
            keys.append('all_public_channels' if kind == 'c' else 'all_private_groups')
            keys.append('#%s' % room['_id'])
            if room.get('name') and room.get('name') != room['_id']:
                keys.append('#%s' % room['name'])
        keys.append('__any')
        selected, seen = [], set()
        for key in keys:
            for doc in registry.get(key, []):
                if doc['_id'] not in seen:
                    seen.add(doc['_id'])
                    selected.append(doc)
        return selected

    # ------------------------------------------------------------------ execution

    def send_message_event(self, message, room, site_url, depth=0):
        """executeTriggers('sendMessage', message, room): every enabled sendMessage trigger of the room."""
        if depth >= MAX_DEPTH:
            return
        for trigger in self.triggers_for(room, message):
            if trigger.get('enabled') is True and trigger.get('event') == 'sendMessage':
                for url in trigger.get('urls') or []:
                    self._execute_url(url, trigger, message, room, site_url, 0, depth)

    @staticmethod
    def _trigger_word(trigger, text):
        words = trigger.get('triggerWords') or []
        text = text or ''
        for word in words:
            matched = word in text if trigger.get('triggerWordAnywhere') else text.startswith(word)
            if matched:
                return word
        return None

    def _map_data(self, trigger, word, message, room, site_url):
        """mapEventArgsToData for sendMessage; keys left undefined there are simply absent here."""
        data = {'token': trigger.get('token'), 'bot': False}
        if word:
            data['trigger_word'] = word
        if not room or not message:
            return data  # a replay whose message or room is gone: the payload is just token and bot
        user = message.get('u') or {}
        data.update({'channel_id': room['_id'], 'channel_name': room.get('name'), 'message_id': message['_id'],
                     'timestamp': message.get('ts'), 'user_id': user.get('_id'), 'user_name': user.get('username'),
                     'text': message.get('msg'), 'siteUrl': site_url})
        if data['channel_name'] is None:
            del data['channel_name']
        if message.get('alias'):
            data['alias'] = message['alias']
        if message.get('bot'):
            data['bot'] = True
        if message.get('tmid'):
            data['tmid'] = message['tmid']
        return data

    def replay(self, integration, row, site_url):
        """triggerHandler.replay: run the row's url again for the message and room its data names."""
        data = row.get('data') or {}
        message = self.store.get_message(data['message_id']) if data.get('message_id') else None
        room = self.store.find_room(data['channel_id']) if data.get('channel_id') else None
        if row.get('url'):
            self._execute_url(row['url'], integration, message, room, site_url, 0, 0, event=row.get('event'))

    def _execute_url(self, url, trigger, message, room, site_url, tries, depth, event='sendMessage'):
        current = self.store.get_integration(trigger['_id'])
        if current is None or current.get('enabled') is not True:
            return  # isTriggerEnabled
        word = None
        if trigger.get('triggerWords'):
            word = self._trigger_word(trigger, message.get('msg') if message else None)
            if not word:
                return
        history = self.store.insert_history({'type': 'outgoing-webhook', 'step': 'start-execute-trigger-url',
                                             'integration': copy_doc(trigger), 'event': event})
        history_id = history['_id']

        def update(**fields):
            self.store.update_history(history_id, fields)

        data = self._map_data(trigger, word, message, room, site_url)
        stored_data = dict(data)
        if self.null_writes and 'channel_name' not in data:
            stored_data['channel_name'] = None
        mapped = {'step': 'mapped-args-to-data', 'data': stored_data}
        if word:
            mapped['triggerWord'] = word
        update(**mapped)
        update(step='after-maybe-ran-prepare', ranPrepareScript=True)
        update(step='pre-http-call', url=url, httpCallData=stored_data)

        if not is_loopback_url(url):
            update(step='after-http-call', httpError=_not_found(url), httpResult=js_stringify(None))
            return
        request = urllib.request.Request(url, data=json.dumps(data, separators=(',', ':'), ensure_ascii=False).encode('utf-8'), method='POST',
                                         headers={'User-Agent': USER_AGENT, 'Content-Type': 'application/json'})
        try:
            try:
                with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:
                    status, headers, raw = response.status, response.headers, response.read()
            except urllib.error.HTTPError as exc:
                status, headers, raw = exc.code, exc.headers, exc.read()
        except (urllib.error.URLError, OSError, ValueError) as exc:
            # The fetch promise rejected: its .catch records the error and nothing else (no retry).
            update(step='after-http-call', httpError=_fetch_error(url, exc), httpResult=js_stringify(None))
            return
        content = raw.decode('utf-8', 'replace')
        content_type = (headers.get('content-type') or '').split(';')[0]
        parsed = None
        if content_type in JSON_CONTENT_TYPES:
            try:
                parsed = json.loads(content)
            except ValueError:
                parsed = None
        update(step='after-http-call', httpResult=js_stringify(content))

        if not content or status not in SUCCESS_RESULTS:
            if content and status == 410:
                update(step='after-process-http-status-410', error=True)
                self.store.update_integration(trigger['_id'], {'enabled': False})
                return
            if content and status == 500:
                update(step='after-process-http-status-500', error=True)
                return
            if trigger.get('retryFailedCalls') and trigger.get('retryCount'):
                if tries < trigger['retryCount'] and trigger.get('retryDelay'):
                    update(step='going-to-retry-%d' % (tries + 1), error=True)
                    if trigger['retryDelay'] not in RETRY_DELAYS:
                        update(step='failed-and-retry-delay-is-invalid', error=True,
                               errorStack="Error: The integration's retryDelay setting is invalid.")
                        return
                    # The server waits (0.1 s, 1 s, 10 s, ... for powers-of-ten); the emulator retries at once.
                    self._execute_url(url, trigger, message, room, site_url, tries + 1, depth, event)
                else:
                    update(step='too-many-retries', error=True)
            else:
                update(step='failed-and-not-configured-to-retry', error=True)
            return

        if isinstance(parsed, dict) and (parsed.get('text') or parsed.get('attachments')):
            try:
                sent = self._send_reply(trigger, parsed, data, room, site_url, depth)
            except Exception as exc:  # processWebhookMessage threw: the promise's .catch records it
                update(step='after-http-call', httpError={'message': str(exc)}, httpResult=js_stringify(None))
                return
            if sent is None:
                update(step='after-http-call-send-message-failed', finished=True)
                return
            update(step='url-response-sent-message', resultMessage=sent, finished=True)

    def _send_reply(self, trigger, payload, data, room, site_url, depth):
        """triggerHandler.sendMessage: as the impersonated sender or the integration's user."""
        user = None
        if trigger.get('impersonateUser'):
            user = self._user_ignoring_case(data.get('user_name'))
        if user is None:
            user = self._user_ignoring_case(trigger.get('username'))
        if user is None:
            return None
        return self.post_reply(trigger, user, payload, room, site_url, depth + 1)

    def _user_ignoring_case(self, username):
        return self.store.find_user_ignoring_case(username) if username else None
