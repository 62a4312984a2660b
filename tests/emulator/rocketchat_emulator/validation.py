# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A small ajv look-alike: the schema keywords the integration endpoints use, and ajv's exact messages.

It mimics ajv v8 with allErrors:false (README.md, sections 1 and 5):
- a (sub)schema stops at its first error;
- keyword order per schema is: type, oneOf, string keywords (minLength, pattern), array keywords
  (minItems, items), object keywords (required, additionalProperties, properties);
- `required` reports the first missing property in the order of the `required` list;
- `oneOf` evaluates every branch, keeps each failing branch's first error and appends its own; `anyOf` stops at the
  first passing branch, and fails like `oneOf` with its own message;
- `pattern` is searched, not anchored, like JavaScript's RegExp.test;
- `nullable: true` adds "null" to the allowed types; the message still names only the declared type
  ("must be string", as ajv 8 reports it).
Messages are joined with "\\n " by the caller, as Rocket.Chat does.
"""

import math
import re

_PATTERNS = {}


def _json_type_ok(value, json_type):
    if json_type == 'null':
        return value is None
    if json_type == 'boolean':
        return isinstance(value, bool)
    if json_type == 'string':
        return isinstance(value, str)
    if json_type == 'object':
        return isinstance(value, dict)
    if json_type == 'array':
        return isinstance(value, list)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    if json_type == 'integer':
        return isinstance(value, int) or value.is_integer()
    return json_type == 'number'


def _coerce(value, json_type):
    """ajv coerceTypes:true conversions; returns (ok, new_value)."""
    if json_type == 'string' and (isinstance(value, (int, float)) or value is None):
        if isinstance(value, bool):
            return True, 'true' if value else 'false'
        if value is None:
            return True, ''
        return True, str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    if json_type in ('number', 'integer'):
        if isinstance(value, bool) or value is None:
            return True, int(bool(value))
        if isinstance(value, str) and value.strip() != '':
            try:
                number = float(value)
            except ValueError:
                return False, value
            if math.isnan(number) or math.isinf(number):
                return False, value
            if json_type == 'integer' and not number.is_integer():
                return False, value
            return True, int(number) if number.is_integer() else number
    if json_type == 'boolean':
        if value in ('true', 1) and not isinstance(value, bool):
            return True, True
        if value in ('false', 0, None) and not isinstance(value, bool):
            return True, False
    if json_type == 'null' and (value == '' or value == 0 or value is False):
        return True, None
    return False, value


class _Context:
    def __init__(self, coerce):
        self.coerce = coerce


def _check(schema, value, errors, ctx, holder=None, key=None):
    """Validate value against schema, appending at most this schema's first error. Returns validity."""
    types = schema.get('type')
    if types is not None:
        types = [types] if isinstance(types, str) else list(types)
        if schema.get('nullable') is True and 'null' not in types:
            types.append('null')
        if not any(_json_type_ok(value, t) for t in types):
            coerced = False
            if ctx.coerce and holder is not None:
                for json_type in types:
                    coerced, new_value = _coerce(value, json_type)
                    if coerced:
                        # ajv coerces in place, even inside a oneOf branch that later fails.
                        holder[key] = value = new_value
                        break
            if not coerced:
                # ajv names the schema's own type(s); the "null" that nullable adds is not in the message.
                declared = schema['type']
                errors.append('must be %s' % (declared if isinstance(declared, str) else ','.join(declared)))
                return False

    if 'oneOf' in schema and not _check_one_of(schema['oneOf'], value, errors, ctx, holder, key):
        return False
    if 'anyOf' in schema and not _check_any_of(schema['anyOf'], value, errors, ctx, holder, key):
        return False

    if isinstance(value, str):
        if 'minLength' in schema and len(value) < schema['minLength']:
            errors.append('must NOT have fewer than %d characters' % schema['minLength'])
            return False
        if 'pattern' in schema:
            pattern = _PATTERNS.setdefault(schema['pattern'], re.compile(schema['pattern']))
            if not pattern.search(value):
                errors.append('must match pattern "%s"' % schema['pattern'])
                return False

    if isinstance(value, list):
        if 'minItems' in schema and len(value) < schema['minItems']:
            errors.append('must NOT have fewer than %d items' % schema['minItems'])
            return False
        if 'items' in schema:
            for index in range(len(value)):
                if not _check(schema['items'], value[index], errors, ctx, value, index):
                    return False

    if isinstance(value, dict):
        return _check_object(schema, value, errors, ctx)
    return True


def _check_object(schema, value, errors, ctx):
    for name in schema.get('required', ()):
        if name not in value:
            errors.append("must have required property '%s'" % name)
            return False
    properties = schema.get('properties', {})
    if schema.get('additionalProperties') is False:
        for name in value:
            if name not in properties:
                errors.append('must NOT have additional properties')
                return False
    for name, subschema in properties.items():
        if name in value and not _check(subschema, value[name], errors, ctx, value, name):
            return False
    return True


def _check_one_of(branches, value, errors, ctx, holder, key):
    branch_errors = []
    valid = False
    for index, branch in enumerate(branches):
        passed = _check(branch, value, branch_errors, ctx, holder, key)
        if holder is not None:
            value = holder[key]
        # Same bookkeeping as ajv's generated code: a second passing branch makes oneOf fail.
        if index > 0 and passed and valid:
            valid = False
        elif passed:
            valid = True
    if valid:
        return True
    errors.extend(branch_errors)
    errors.append('must match exactly one schema in oneOf')
    return False


def _check_any_of(branches, value, errors, ctx, holder, key):
    branch_errors = []
    for branch in branches:
        if _check(branch, value, branch_errors, ctx, holder, key):
            return True
        if holder is not None:
            value = holder[key]
    errors.extend(branch_errors)
    errors.append('must match a schema in anyOf')
    return False


def validate(schema, data, coerce=False):
    """Return ajv's error messages for data (an empty list when valid).

    With coerce=True (ajv coerceTypes:true) scalar values inside objects may be converted in place.
    """
    errors = []
    holder = {'root': data}
    _check(schema, data, errors, _Context(coerce), holder, 'root')
    return errors


# ---------------------------------------------------------------------------- schemas (rest-typings)

def _string(nullable=False, **extra):
    schema = {'type': 'string'}
    schema.update(extra)
    if nullable:
        schema['nullable'] = True
    return schema


def _boolean(nullable=False):
    return {'type': 'boolean', 'nullable': True} if nullable else {'type': 'boolean'}


def _string_list():
    return {'type': 'array', 'items': {'type': 'string', 'minLength': 1}, 'nullable': True}


def _ordered(*pairs):
    """A properties object from (name, schema) pairs, skipping None schemas; order matters for ajv's first error."""
    return {name: schema for name, schema in pairs if schema is not None}


def _outgoing_branch(script_engine, skip_transpile, update):
    """The outgoing branch of integrations.create / integrations.update, in rest-typings' property order."""
    override = _boolean() if update and not script_engine else None  # 6.3: required on update
    if update:
        engine = _string() if script_engine else None  # update: type string, not nullable
    else:
        engine = _string(nullable=True) if script_engine else None
    head = [('type', _string(pattern='webhook-outgoing'))]
    if update:
        head += [('integrationId', _string(nullable=True)), ('target_url', _string(nullable=True))]
    properties = _ordered(*head + [
        ('username', _string()),
        ('channel', _string()),
        ('event', _string()),
        ('targetRoom', _string(nullable=True)),
        ('urls', _string_list()),
        ('triggerWords', _string_list()),
        ('triggerWordAnywhere', _boolean(nullable=True)),
        ('token', _string(nullable=True)),
        ('scriptEnabled', _boolean()),
        ('skipTranspile', _boolean(nullable=True) if skip_transpile else None),
        ('overrideDestinationChannelEnabled', override),
        ('scriptEngine', engine if update else None),
        ('script', _string(nullable=True)),
        ('runOnEdits', _boolean(nullable=True)),
        ('retryFailedCalls', _boolean(nullable=True)),
        ('retryCount', {'type': 'number', 'nullable': True}),
        ('retryDelay', _string(nullable=True)),
        ('impersonateUser', _boolean(nullable=True)),
        ('name', _string()),
        ('enabled', _boolean()),
        ('alias', _string(nullable=True)),
        ('avatar', _string(nullable=True)),
        ('emoji', _string(nullable=True)),
        ('scriptEngine', None if update else engine),
    ])
    required = ['type', 'username', 'channel', 'event', 'scriptEnabled', 'name', 'enabled']
    if override is not None:
        required.insert(5, 'overrideDestinationChannelEnabled')
    return {'type': 'object', 'properties': properties, 'additionalProperties': False, 'required': required}


def create_schema(script_engine=True, skip_transpile=False):
    """integrations.create body (section 3.1): oneOf, additionalProperties:false in each branch.

    Property lists and order as in rest-typings 6.3.0 (script_engine=False), 6.13.1 / 8.0.0 and 8.6.1 /
    8.8.1 (skip_transpile=True).
    """
    incoming = _ordered(
        ('type', _string(pattern='webhook-incoming')),
        ('username', _string()),
        ('channel', _string()),
        ('scriptEnabled', _boolean()),
        ('skipTranspile', _boolean(nullable=True) if skip_transpile else None),
        ('overrideDestinationChannelEnabled', _boolean(nullable=script_engine)),
        ('script', _string(nullable=True)),
        ('name', _string()),
        ('enabled', _boolean()),
        ('alias', _string(nullable=True)),
        ('avatar', _string(nullable=True)),
        ('emoji', _string(nullable=True)),
        ('scriptEngine', _string(nullable=True) if script_engine else None),
    )
    return {'oneOf': [
        {'type': 'object', 'properties': incoming, 'additionalProperties': False,
         'required': ['type', 'username', 'channel', 'scriptEnabled', 'name', 'enabled']},
        _outgoing_branch(script_engine, skip_transpile, update=False),
    ]}


def update_schema(script_engine=True, skip_transpile=False):
    """integrations.update body (section 3.2): incoming branch open (additionalProperties:true), outgoing closed.

    rest-typings 6.3.0/6.3.7 (script_engine=False) require overrideDestinationChannelEnabled in both branches
    and have no scriptEngine; from 6.13.1 the outgoing branch no longer has the flag and both branches have
    scriptEngine (a non-nullable string); skipTranspile from 8.4 (section 12.2).
    """
    incoming = _ordered(
        ('type', _string(pattern='webhook-incoming')),
        ('integrationId', _string()),
        ('channel', _string()),
        ('scriptEnabled', _boolean()),
        ('skipTranspile', _boolean(nullable=True) if skip_transpile else None),
        ('scriptEngine', _string() if script_engine else None),
        ('overrideDestinationChannelEnabled', _boolean(nullable=script_engine)),
        ('script', _string(nullable=True)),
        ('name', _string()),
        ('enabled', _boolean()),
        ('alias', _string(nullable=True)),
        ('avatar', _string(nullable=True)),
        ('emoji', _string(nullable=True)),
    )
    required = ['integrationId', 'type', 'channel', 'scriptEnabled', 'name', 'enabled']
    if not script_engine:
        required.insert(4, 'overrideDestinationChannelEnabled')
    return {'oneOf': [
        {'type': 'object', 'properties': incoming, 'additionalProperties': True, 'required': required},
        _outgoing_branch(script_engine, skip_transpile, update=True),
    ]}


# Section 5: the same in rest-typings 6.3.0 through 8.8.1, and deliberately WITHOUT additionalProperties:false.
REMOVE_SCHEMA = {'oneOf': [
    {'type': 'object', 'properties': {'type': _string(pattern='webhook-incoming'), 'integrationId': _string()},
     'required': ['type', 'integrationId']},
    {'type': 'object', 'properties': {'type': _string(pattern='webhook-outgoing'), 'target_url': _string()},
     'required': ['type', 'target_url']},
    {'type': 'object', 'properties': {'type': _string(pattern='webhook-outgoing'), 'integrationId': _string()},
     'required': ['type', 'integrationId']},
]}

_PAGE_NUMBER = {'type': ['number', 'string'], 'nullable': True}

# Section 3.4. No additionalProperties keyword in any rest-typings version (6.3.0 to 8.8.1): extra keys pass.
GET_QUERY_SCHEMA = {
    'type': 'object',
    'properties': {'integrationId': _string(), 'createdBy': _string(nullable=True)},
    'required': ['integrationId'],
}

# Section 3.3 (7.0+): additionalProperties:false, so an unknown key such as fields= is a 400.
LIST_QUERY_SCHEMA = {
    'type': 'object',
    'properties': {
        'count': _PAGE_NUMBER,
        'offset': _PAGE_NUMBER,
        'sort': _string(nullable=True),
        'name': _string(nullable=True),
        'type': _string(nullable=True),
        'query': _string(nullable=True),
    },
    'additionalProperties': False,
}

# Section 3.5; the same in rest-typings 6.3.0 to 8.8.1, always compiled with type coercion (its own
# Ajv({coerceTypes:true}) up to 8.0.0, ajvQuery later), so offset=10 passes and offset=x does not.
HISTORY_QUERY_SCHEMA = {
    'type': 'object',
    'properties': {
        'id': _string(minLength=1),
        'offset': {'type': 'number', 'nullable': True},
        'count': {'type': 'number', 'nullable': True},
        'sort': _string(nullable=True),
        'query': _string(nullable=True),
    },
    'required': ['id'],
    'additionalProperties': False,
}


def without_property(schema, name):
    """A copy of an object schema without one property (a parameter a release removed); None stays None."""
    if schema is None:
        return None
    return dict(schema, properties={key: value for key, value in schema['properties'].items() if key != name})


# Section 3.7 (8.7+).
CLEAR_HISTORY_SCHEMA = {
    'type': 'object',
    'properties': {'integrationId': _string()},
    'required': ['integrationId'],
    'additionalProperties': False,
}

REPLAY_OUTGOING_SCHEMA = {
    'type': 'object',
    'properties': {'integrationId': _string(), 'historyId': _string()},
    'required': ['integrationId', 'historyId'],
    'additionalProperties': False,
}


def _chat_post_message_branch(target):
    target_schema = {'oneOf': [{'type': 'string'}, {'type': 'array', 'items': {'type': 'string'}}]}
    properties = _ordered(
        (target, target_schema),
        ('text', _string(nullable=True)),
        ('alias', _string(nullable=True)),
        ('emoji', _string(nullable=True)),
        ('avatar', _string(nullable=True)),
        ('attachments', {'type': 'array', 'items': {'type': 'object'}, 'nullable': True}),
        ('customFields', {'type': 'object', 'nullable': True}),
        # tmid and parseUrls: in newer rest-typings; the release that added them is UNCONFIRMED (README.md).
        ('tmid', _string(nullable=True)),
        ('parseUrls', _boolean(nullable=True)),
    )
    return {'type': 'object', 'properties': properties, 'required': [target], 'additionalProperties': False}


# rest-typings ChatPostMessage: a roomId branch and a channel branch, each additionalProperties:false.
CHAT_POST_MESSAGE_SCHEMA = {'oneOf': [_chat_post_message_branch('roomId'), _chat_post_message_branch('channel')]}


# users.create (rest-typings UserCreateParamsPOST, the same from 6.3.0 to 8.8.1 but for freeSwitchExtension, which
# 7.13.9 has and 7.10.0 does not). Compiled with coerceTypes in every release.
def users_create_schema(free_switch_extension):
    properties = _ordered(
        ('email', _string()),
        ('name', _string()),
        ('password', _string()),
        ('username', _string()),
        ('active', _boolean(nullable=True)),
        ('bio', _string(nullable=True)),
        ('nickname', _string(nullable=True)),
        ('statusText', _string(nullable=True)),
        ('roles', {'type': 'array', 'items': {'type': 'string'}}),
        ('joinDefaultChannels', _boolean(nullable=True)),
        ('requirePasswordChange', _boolean(nullable=True)),
        ('setRandomPassword', _boolean(nullable=True)),
        ('sendWelcomeEmail', _boolean(nullable=True)),
        ('verified', _boolean(nullable=True)),
        ('customFields', {'type': 'object'}),
        ('fields', _string(nullable=True)),
        ('freeSwitchExtension', _string(nullable=True) if free_switch_extension else None),
    )
    return {'type': 'object', 'properties': properties, 'additionalProperties': False,
            'required': ['email', 'name', 'password', 'username']}


# users.delete on typed routes (the users endpoints moved with PR #39553): one of userId, username or user.
USERS_DELETE_SCHEMA = {
    'type': 'object',
    'properties': {
        'userId': _string(),
        'username': _string(),
        'user': _string(),
        'confirmRelinquish': _boolean(),
    },
    'anyOf': [{'required': ['userId']}, {'required': ['username']}, {'required': ['user']}],
    'additionalProperties': False,
}

# channels.delete (rest-typings ChannelsDeleteProps, the same from 6.3.7 to 8.8.1): roomId or roomName, nothing else.
CHANNELS_DELETE_SCHEMA = {'oneOf': [
    {'type': 'object', 'properties': {'roomId': _string()}, 'required': ['roomId'], 'additionalProperties': False},
    {'type': 'object', 'properties': {'roomName': _string()}, 'required': ['roomName'], 'additionalProperties': False},
]}
