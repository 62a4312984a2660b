# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The deliveries of outgoing integrations: what Rocket.Chat recorded each time one called its URLs.

PRIVATE to this collection: the interface may change without notice.
Rocket.Chat keeps one history row per call of an outgoing integration (apps/meteor/app/integrations/server/lib/
triggerHandler.ts updates it step by step: 'start-execute-trigger-url', 'pre-http-call', 'after-http-call', then a
final step). A row holds the integration document and the data sent, both with the integration's token: only a
secret-free summary of it is returned. No Ansible imports.
"""

from __future__ import annotations

import json
import re
from itertools import islice

from ansible_collections.community.rocketchat.plugins.module_utils._client import RocketChatError
from ansible_collections.community.rocketchat.plugins.module_utils._integration import (
    MASK,
    OUTGOING,
    IntegrationError,
    describe,
    is_permission_error,
)

HISTORY_PERMISSIONS = ('manage-outgoing-integrations', 'manage-own-outgoing-integrations')
# Rocket.Chat writes the target's status into the step only for the two it treats specially (410 disables the
# integration, 500 is logged); for other answers the status is not recorded anywhere in the row.
_STATUS_STEP = re.compile(r'after-process-http-status-(\d{3})\Z')
# Steps after which the call went through and Rocket.Chat treated the answer as a success.
SUCCESS_STEPS = ('after-http-call', 'after-process-send-message', 'url-response-sent-message')
ERROR_TEXT_LIMIT = 2000


def check_count(count):
    """Raise IntegrationError when history is not a number of deliveries that can be read."""
    if count is not None and count < 0:
        raise IntegrationError(f'history must be 0 or more (the number of latest deliveries to return per outgoing '
                               f'integration); got {count}')


def _spellings(secret):
    """The secret as it is, and as a JSON string spells it when a target echoes it back (escapes, \\u, \\/)."""
    escaped = json.dumps(secret, ensure_ascii=False)[1:-1]
    ascii_only = json.dumps(secret, ensure_ascii=True)[1:-1]
    return {secret, escaped, ascii_only, escaped.replace('/', '\\/'), ascii_only.replace('/', '\\/')}


def _masked(text, secrets):
    for secret in secrets:
        if secret:
            # The longest spelling first, so that a shorter one inside it does not leave a part unmasked.
            for spelling in sorted(_spellings(secret), key=len, reverse=True):
                text = text.replace(spelling, MASK)
    return text


def _text(value, secrets):
    """A value of the row as secret-free text, or None when it has none."""
    if value is None or value == '' or value is False:
        return None
    if isinstance(value, dict):
        # A fetch error: its message (and code) is what a user needs; the rest is the stack of the server.
        parts = [str(value[key]) for key in ('message', 'code', 'name') if value.get(key)]
        value = ': '.join(parts) if parts else json.dumps(value, sort_keys=True, default=str)
    text = _masked(str(value), secrets)
    return text if len(text) <= ERROR_TEXT_LIMIT else text[:ERROR_TEXT_LIMIT] + '...'


def _succeeded(row):
    if row.get('error') or row.get('httpError'):
        return False
    return row.get('step') in SUCCESS_STEPS


def _answer(row):
    """The target's answer as (status, body text): updateHistory.ts stores httpResult as JSON.stringify(value), the
    value being the body text (the fetch flow, which does not keep the status) or, on servers that called with
    Meteor's HTTP.call, an object with statusCode and content."""
    raw = row.get('httpResult')
    if not isinstance(raw, str):
        return None, raw
    try:
        value = json.loads(raw)
    except ValueError:
        return None, raw  # not written by updateHistory.ts: shown as it is
    if isinstance(value, dict) and 'statusCode' in value:
        status = value.get('statusCode')
        return (status if isinstance(status, int) else None), value.get('content')
    if value is None or isinstance(value, str):
        return None, value
    return None, raw


def delivery(row, secrets=()):
    """A secret-free summary of one history row."""
    step = row.get('step')
    status = _STATUS_STEP.match(step or '')
    answered_status, body = _answer(row)
    error_text = _text(row.get('httpError'), secrets) or _text(row.get('errorStack'), secrets)
    if error_text is None and row.get('error'):
        error_text = _text(body, secrets) or step
    return dict(
        history_id=row.get('_id'),
        time=row.get('_createdAt'),
        updated_at=row.get('_updatedAt'),
        event=row.get('event'),
        step=step,
        trigger_word=row.get('triggerWord') or None,
        url=_text(row.get('url'), secrets),
        http_status=int(status.group(1)) if status else answered_status,
        succeeded=_succeeded(row),
        error=bool(row.get('error') or row.get('httpError')),
        error_text=error_text,
        response=_text(body, secrets),
        finished=bool(row.get('finished')),
    )


def read_deliveries(client, doc, count):
    """The latest `count` deliveries of an outgoing integration, newest first (Rocket.Chat's order), every page
    needed. Secrets (the integration's token, as stored and in the rows) are masked."""
    if doc.get('type') != OUTGOING or not count:
        return []
    try:
        rows = list(islice(client.paginate('integrations.history', 'history', {'id': doc['_id']}), count))
    except RocketChatError as exc:
        if is_permission_error(exc):
            raise IntegrationError(
                f'Rocket.Chat refused to read the deliveries of {describe(doc)} ({exc.error}): the user needs the '
                f'permission {HISTORY_PERMISSIONS[0]} (or {HISTORY_PERMISSIONS[1]} for integrations it created). '
                'Leave history out to list the integrations without their deliveries') from exc
        raise
    secrets = {doc.get('token')}
    for row in rows:
        secrets.add((row.get('integration') or {}).get('token'))
        secrets.add((row.get('data') or {}).get('token') if isinstance(row.get('data'), dict) else None)
    secrets = sorted((s for s in secrets if isinstance(s, str) and s), key=len, reverse=True)
    return [delivery(row, secrets) for row in rows]
