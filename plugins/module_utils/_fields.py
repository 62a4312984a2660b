# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The fields of an integration: module options <-> API fields, validation, normalisation, comparison, payloads.

PRIVATE to this collection: the interface may change without notice.
One implementation, shared by every module that writes integrations, so that they agree on what "unchanged" means.
No Ansible imports.
"""

from __future__ import annotations

from collections import namedtuple

from ansible_collections.community.rocketchat.plugins.module_utils._integration import (
    INCOMING,
    MASK,
    OUTGOING,
    describe,
    short_type,
)

BOTH = (INCOMING, OUTGOING)

# kind says how a value is compared: 'str' exactly, 'text' with unset == '', 'bool' with unset == false,
# 'channel'/'list' as sets of trimmed, non-blank entries, 'int', 'lower' case-insensitively, 'secret' exactly but
# never shown.
Field = namedtuple('Field', 'option key types kind')

FIELDS = (
    Field('name', 'name', BOTH, 'str'),
    Field('enabled', 'enabled', BOTH, 'bool'),
    Field('channel', 'channel', BOTH, 'channel'),
    Field('username', 'username', BOTH, 'str'),
    Field('alias', 'alias', BOTH, 'text'),
    Field('avatar', 'avatar', BOTH, 'text'),
    Field('emoji', 'emoji', BOTH, 'text'),
    Field('script_enabled', 'scriptEnabled', BOTH, 'bool'),
    Field('script', 'script', BOTH, 'text'),
    Field('skip_transpile', 'skipTranspile', BOTH, 'bool'),
    Field('override_destination_channel_enabled', 'overrideDestinationChannelEnabled', (INCOMING,), 'bool'),
    Field('event', 'event', (OUTGOING,), 'str'),
    Field('urls', 'urls', (OUTGOING,), 'list'),
    Field('trigger_words', 'triggerWords', (OUTGOING,), 'list'),
    Field('trigger_word_anywhere', 'triggerWordAnywhere', (OUTGOING,), 'bool'),
    Field('target_room', 'targetRoom', (OUTGOING,), 'text'),
    Field('impersonate_user', 'impersonateUser', (OUTGOING,), 'bool'),
    Field('run_on_edits', 'runOnEdits', (OUTGOING,), 'bool'),
    Field('retry_failed_calls', 'retryFailedCalls', (OUTGOING,), 'bool'),
    Field('retry_count', 'retryCount', (OUTGOING,), 'int'),
    Field('retry_delay', 'retryDelay', (OUTGOING,), 'lower'),
    Field('token', 'token', (OUTGOING,), 'secret'),
)
BY_OPTION = {field.option: field for field in FIELDS}

# Outgoing events (Rocket.Chat's outgoingEvents): which use the channel, trigger words and a target room.
EVENTS = {
    'sendMessage': dict(channel=True, trigger_words=True, target_room=False),
    'fileUploaded': dict(channel=True, trigger_words=False, target_room=False),
    'roomArchived': dict(channel=False, trigger_words=False, target_room=False),
    'roomCreated': dict(channel=False, trigger_words=False, target_room=False),
    'roomJoined': dict(channel=True, trigger_words=False, target_room=False),
    'roomLeft': dict(channel=True, trigger_words=False, target_room=False),
    'userCreated': dict(channel=False, trigger_words=False, target_room=True),
}
CHANNEL_KEYWORDS = ('all_public_channels', 'all_private_groups', 'all_direct_messages')
RETRY_DELAYS = ['powers-of-ten', 'powers-of-two', 'increments-of-two']
UPDATE_TOKEN_CHOICES = ['always', 'on_create']
CHANGED_SECRET = MASK + ' (changed)'

# The argument spec of the options that are fields, shared by the modules that write integrations (the single one
# takes them as options, the bulk one as suboptions of each item), so that both take and default them alike.
# No defaults for fields: an option the task leaves out is neither compared nor written (creations use the API's defaults).
FIELD_ARGUMENT_SPEC = dict(
    enabled=dict(type='bool'),
    channel=dict(type='list', elements='str'),
    username=dict(type='str'),
    alias=dict(type='str'),
    avatar=dict(type='str'),
    emoji=dict(type='str'),
    script_enabled=dict(type='bool'),
    script=dict(type='str'),
    # Rocket.Chat 9.0 runs every script untranspiled and dropped the flag (#40142).
    skip_transpile=dict(type='bool', removed_in_version='3.0.0', removed_from_collection='community.rocketchat'),
    override_destination_channel_enabled=dict(type='bool'),
    event=dict(type='str', choices=list(EVENTS)),
    urls=dict(type='list', elements='str'),
    trigger_words=dict(type='list', elements='str'),
    trigger_word_anywhere=dict(type='bool'),
    token=dict(type='str', no_log=True),
    update_token=dict(type='str', choices=UPDATE_TOKEN_CHOICES, default='always'),
    target_room=dict(type='str'),
    impersonate_user=dict(type='bool'),
    run_on_edits=dict(type='bool'),
    retry_failed_calls=dict(type='bool'),
    retry_count=dict(type='int'),
    retry_delay=dict(type='str', choices=RETRY_DELAYS),
)


class FieldError(ValueError):
    """Options that cannot describe a valid integration; the message names them and the fix."""


def split_entries(value):
    """Trimmed, non-blank entries of a list or of a comma-separated string (Rocket.Chat splits on commas)."""
    if value is None:
        return []
    items = value if isinstance(value, (list, tuple)) else [value]
    return [part.strip() for item in items for part in str(item).split(',') if part.strip()]


def clean_list(value):
    """Trimmed, non-blank entries of a list, as Rocket.Chat keeps them (no comma splitting: URLs may contain commas)."""
    return [str(item).strip() for item in (value or []) if str(item).strip()]


def normalize(kind, value):
    """The comparable form of a value of this kind, as the server stores it."""
    if kind == 'channel':
        return sorted(split_entries(value))
    if kind == 'list':
        return sorted(clean_list(value))
    if kind == 'bool':
        return bool(value)
    if kind == 'text':
        return '' if value is None else str(value)
    if kind == 'int':
        return None if value is None else int(value)
    if kind == 'lower':
        return None if value is None else str(value).lower()
    return value


def desired_fields(params, type_):
    """The fields the user set, by option name, for an integration of type_ (None values are 'not set').

    An empty token is not set either (a vault variable defaulting to ''): Rocket.Chat cannot store one.
    """
    return {field.option: params[field.option] for field in FIELDS
            if type_ in field.types and params.get(field.option) is not None
            and not (field.kind == 'secret' and params[field.option] == '')}


def check_update(doc, desired):
    """Raise FieldError when the integration, with the desired fields applied, could not pass Rocket.Chat's validation
    of an update (which checks the whole outgoing integration again): for example an event that needs a target room."""
    if doc.get('type') != OUTGOING:
        return
    event = desired.get('event', doc.get('event'))
    uses = EVENTS.get(event)
    if uses is None:
        return
    if uses['target_room'] and not str(desired.get('target_room', doc.get('targetRoom')) or '').strip():
        raise FieldError(f'The event {event!r} needs a target room, which {describe(doc)} does not have: also set target_room')


def check_fields(params, type_, creating):
    """Raise FieldError when the options cannot work for this type (and, when creating, for a new integration)."""
    other = [field.option for field in FIELDS if type_ not in field.types and params.get(field.option) is not None]
    if other:
        raise FieldError(
            f"{', '.join(other)} only appl{'ies' if len(other) == 1 else 'y'} to "
            f"{short_type(OUTGOING if type_ == INCOMING else INCOMING)} integrations; remove "
            f"{'it' if len(other) == 1 else 'them'} or set type: {short_type(OUTGOING if type_ == INCOMING else INCOMING)}")
    if creating:
        required = ['name', 'username', 'channel'] if type_ == INCOMING else ['name', 'username', 'event', 'urls']
        if type_ == OUTGOING and EVENTS.get(params.get('event'), {}).get('channel', True):
            required.append('channel')
        if type_ == OUTGOING and params.get('event') == 'userCreated':
            required.append('target_room')
        missing = [option for option in required if not split_entries(params.get(option))]
        if missing:
            raise FieldError(f"To create the {short_type(type_)} integration {params.get('name')!r}, also set "
                             f"{', '.join(missing)}")
    bad = [entry for entry in split_entries(params.get('channel'))
           if entry[0] not in '#@' and not (type_ == OUTGOING and entry in CHANNEL_KEYWORDS)]
    if bad:
        allowed = ', or be one of ' + ', '.join(CHANNEL_KEYWORDS) if type_ == OUTGOING else ''
        raise FieldError(f'Each channel entry must start with # (a room) or @ (a user){allowed}; '
                         f"got {', '.join(repr(b) for b in bad)}. Write for example '#{bad[0]}'")
    if params.get('urls') is not None and not clean_list(params['urls']):
        raise FieldError('urls must list at least one URL that the outgoing integration calls')
    if params.get('retry_count') is not None and params['retry_count'] < 1:
        raise FieldError(f"retry_count must be 1 or more; got {params['retry_count']}")
    for option in ('name', 'username'):
        if params.get(option) is not None and not params[option].strip():
            raise FieldError(f'{option} must not be empty')


def check_event_fields(params, event):
    """Raise FieldError for options the event ignores: Rocket.Chat would drop them and every run would differ."""
    uses = EVENTS.get(event)
    if uses is None:
        return
    ignored = []
    if not uses['channel'] and split_entries(params.get('channel')):
        ignored.append('channel')
    if not uses['trigger_words'] and clean_list(params.get('trigger_words')):
        ignored.append('trigger_words')
    if ignored:
        raise FieldError(f"Rocket.Chat ignores {' and '.join(ignored)} for the event {event!r}; remove "
                         f"{'it' if len(ignored) == 1 else 'them'}")


def differences(doc, desired, compare_token=True):
    """The options (in table order) whose desired value differs from the stored integration."""
    changed = []
    for option, value in desired.items():
        field = BY_OPTION[option]
        if field.kind == 'secret':
            if compare_token and (value or '') != (doc.get(field.key) or ''):
                changed.append(option)
            continue
        if normalize(field.kind, value) != normalize(field.kind, doc.get(field.key)):
            changed.append(option)
    return [field.option for field in FIELDS if field.option in changed]


def api_value(field, value):
    """A field's value as the API takes it in create and update bodies."""
    if field.kind == 'channel':
        return ','.join(split_entries(value))
    if field.kind == 'list':
        return clean_list(value)
    if field.kind == 'int':
        return int(value)
    if field.kind == 'lower':
        return str(value).lower()
    return value


def create_payload(type_, desired):
    """The body of integrations.create for the desired fields, with the defaults the API requires."""
    body = {'type': type_, 'enabled': True, 'scriptEnabled': False}
    if type_ == INCOMING:
        # Early 6.x servers required this flag on create; later ones default it to false.
        body['overrideDestinationChannelEnabled'] = False
    else:
        body['channel'] = ''
    for option, value in desired.items():
        field = BY_OPTION[option]
        if not _writes_nothing(field, value, {}):
            body[field.key] = api_value(field, value)
    return body


def _writes_nothing(field, value, doc):
    """True for skip_transpile: false where the integration has no skipTranspile: that is what it means already, and
    servers before 8.4 refuse the key."""
    return field.key == 'skipTranspile' and not value and field.key not in doc


# Keys of a stored integration that Rocket.Chat manages itself (besides the _-prefixed metadata): never sent back.
SERVER_KEYS = frozenset(('type', 'userId', 'scriptCompiled', 'scriptError'))
# The properties of the outgoing branch of Rocket.Chat's update schema (rest-typings 6.13 to 8.8; that branch refuses
# any other key), without the ones that locate the integration; and those that older servers do not know.
OUTGOING_UPDATE_KEYS = frozenset((
    'username', 'channel', 'event', 'targetRoom', 'urls', 'triggerWords', 'triggerWordAnywhere', 'token', 'scriptEnabled',
    'skipTranspile', 'scriptEngine', 'script', 'runOnEdits', 'retryFailedCalls', 'retryCount', 'retryDelay',
    'impersonateUser', 'name', 'enabled', 'alias', 'avatar', 'emoji'))
NEWER_OUTGOING_UPDATE_KEYS = frozenset(('skipTranspile', 'scriptEngine'))


def update_payload(doc, desired, token=None, skip_transpile=True):
    """The body of integrations.update: every field the integration has, with the desired ones applied.

    Rocket.Chat 7.3 and later store null for each field of its update that the body leaves out, so the body carries
    every stored field except what the server manages itself, including fields this collection does not model (so a
    field of a newer release survives an update too). Empty values are left out: the server would refuse them.
    skipTranspile is carried only when stored true (false and null mean the same to the server), and never with
    skip_transpile=False: Rocket.Chat 9.0 dropped it (the caller knows the server's version).
    """
    type_ = doc['type']
    body = {}
    for key, value in doc.items():
        if key.startswith('_') or key in SERVER_KEYS or value is None or value == []:
            continue
        if key == 'skipTranspile' and value is not True:
            continue
        if key == 'token' and type_ == INCOMING:
            continue  # the hook's token is never written by an update; a secret is not sent for nothing
        if key == 'overrideDestinationChannelEnabled' and type_ == OUTGOING:
            continue  # 6.13+ refuse it in an outgoing update, which never writes it; 6.3 asks for it (adapt_update_payload)
        body[key] = ','.join(str(item) for item in value) if key == 'channel' and isinstance(value, list) else value
    for option, value in desired.items():
        field = BY_OPTION[option]
        if field.kind != 'secret' and not _writes_nothing(field, value, doc):
            body[field.key] = api_value(field, value)
    if not skip_transpile:
        body.pop('skipTranspile', None)
    body.update(type=type_, integrationId=doc['_id'])
    body.setdefault('enabled', True)
    body.setdefault('scriptEnabled', False)
    body.setdefault('channel', '')
    if type_ == INCOMING:
        body.setdefault('overrideDestinationChannelEnabled', False)
    else:
        uses = EVENTS.get(body.get('event'), {})
        if not uses.get('trigger_words', True):
            body.pop('triggerWords', None)
        if not uses.get('channel', True):
            body['channel'] = ''
        if token:
            body['token'] = token
    return body


def adapt_update_payload(body, error):
    """The update body changed to what an older server's schema asks for in its refusal `error`, or None.

    Rocket.Chat 6.3 requires overrideDestinationChannelEnabled in an update of either type (6.13 and later refuse it in
    an outgoing one); the outgoing branch refuses keys it does not know, such as a stored field of another release.
    """
    text = error or ''
    adapted = dict(body)
    if "required property 'overrideDestinationChannelEnabled'" in text:
        adapted.setdefault('overrideDestinationChannelEnabled', False)
    if 'must NOT have additional properties' in text and body.get('type') == OUTGOING:
        # The flag is in an outgoing body only because a 6.3 server asked for it (update_payload never sends it).
        known = OUTGOING_UPDATE_KEYS | {'type', 'integrationId', 'overrideDestinationChannelEnabled'}
        if set(adapted) - known:
            adapted = {key: value for key, value in adapted.items() if key in known}
        else:
            adapted = {key: value for key, value in adapted.items() if key not in NEWER_OUTGOING_UPDATE_KEYS}
    return adapted if adapted != body else None


def apply_fields(doc, desired, type_=None):
    """The integration as the server will store it once the desired fields are written (for check mode and diffs)."""
    result = dict(doc or {})
    if type_:
        result['type'] = type_
    for option, value in desired.items():
        field = BY_OPTION[option]
        if field.kind == 'channel':
            result[field.key] = split_entries(value)
        elif field.kind == 'list':
            result[field.key] = clean_list(value)
        else:
            result[field.key] = api_value(field, value)
    uses = EVENTS.get(result.get('event'))
    if result.get('type') == OUTGOING and uses:
        if not uses['channel']:
            result['channel'] = []
        if not uses['trigger_words']:
            result.pop('triggerWords', None)
        if result.get('retryFailedCalls'):
            # Rocket.Chat fills these in when retrying; a 7.3+ update may have left them null.
            if not result.get('retryCount'):
                result['retryCount'] = 4
            if not result.get('retryDelay'):
                result['retryDelay'] = 'powers-of-ten'
    if result.get('type') == INCOMING:
        result.setdefault('overrideDestinationChannelEnabled', False)
    result.setdefault('enabled', True)
    result.setdefault('scriptEnabled', False)
    return result


def view(doc, token_changed=False):
    """A secret-free, option-named view of an integration, for diffs: what a user would compare by eye."""
    if not doc:
        return {}
    type_ = doc.get('type')
    shown = {'type': short_type(type_)}
    if doc.get('_id'):
        shown['integration_id'] = doc['_id']
    for field in FIELDS:
        if type_ not in field.types:
            continue
        value = doc.get(field.key)
        if field.kind == 'secret':
            if value or token_changed:
                shown[field.option] = CHANGED_SECRET if token_changed else MASK
            continue
        if value is None or value == '' or value == [] or (field.option == 'skip_transpile' and not value):
            # skipTranspile: false is what 8.4+ servers store unasked, and older ones do not know; only true is news.
            continue
        shown[field.option] = list(value) if isinstance(value, (list, tuple)) else value
    return shown
