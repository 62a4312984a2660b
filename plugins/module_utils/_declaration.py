# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Adopting a server into code: its integrations written as the entries that rocketchat_integrations takes.

PRIVATE to this collection: the interface may change without notice.
An entry holds every option that has a value on the server and none that has not, so that the same list, fed back to
rocketchat_integrations with the same scope, changes nothing, and would recreate the integrations on an empty server.
It holds no secret: outgoing entries say update_token: on_create, which keeps the tokens the server has.
No Ansible imports.
"""

from __future__ import annotations

from ansible_collections.community.rocketchat.plugins.module_utils._fields import (
    EVENTS,
    FIELDS,
    RETRY_DELAYS,
    clean_list,
    split_entries,
)
from ansible_collections.community.rocketchat.plugins.module_utils._integration import (
    INCOMING,
    OUTGOING,
    IntegrationError,
    short_type,
)

FORMATS = ['api', 'declaration']


def in_scope(docs, type_=None, prefix=None):
    """The integrations of type_ (any when None) whose name starts with prefix (case-sensitive), in the given order."""
    return [doc for doc in docs
            if (type_ is None or doc.get('type') == type_)
            and (not prefix or (isinstance(doc.get('name'), str) and doc['name'].startswith(prefix)))]


def _option_value(field, value):
    """The option value for a stored field value, or None when the field has no value on the server."""
    if value is None:
        return None
    if field.kind == 'channel':
        return split_entries(value) or None
    if field.kind == 'list':
        return clean_list(value) or None
    if field.kind == 'bool':
        return value if isinstance(value, bool) else None
    if field.kind == 'int':
        try:
            number = int(value)
        except (TypeError, ValueError):
            return None
        # retry_count must be 1 or more; Rocket.Chat stores no other value when it retries.
        return number if number >= 1 else None
    if field.kind == 'lower':
        text = str(value).lower()
        return text if text in RETRY_DELAYS else None
    if field.kind == 'str':  # username and event: the module refuses a blank one, and an event it does not know
        if not isinstance(value, str) or not value.strip() or (field.option == 'event' and value not in EVENTS):
            return None
        return value
    if field.kind == 'text':
        return value if isinstance(value, str) and value != '' else None
    return None


def entry(doc):
    """The rocketchat_integrations entry for a stored integration: name, type, then the options in table order."""
    type_ = doc.get('type')
    result = {'name': doc.get('name'), 'type': short_type(type_)}
    uses = EVENTS.get(doc.get('event')) if type_ == OUTGOING else None
    for field in FIELDS:
        if type_ not in field.types or field.option == 'name' or field.kind == 'secret':
            continue
        if uses and ((field.option == 'channel' and not uses['channel'])
                     or (field.option == 'trigger_words' and not uses['trigger_words'])):
            continue  # the event ignores it, and rocketchat_integrations refuses it for that event
        value = _option_value(field, doc.get(field.key))
        if field.option == 'skip_transpile' and not value:
            continue  # a deprecated option (Rocket.Chat 9.0 dropped the flag); false is what leaving it out means
        if value is not None:
            result[field.option] = value
    if type_ == OUTGOING:
        result['update_token'] = 'on_create'
    return result


def declaration(docs):
    """The entries for the integrations (incoming and outgoing ones; others are left out), in the given order.

    Raises IntegrationError when two share a type and a name: rocketchat_integrations could not tell them apart.
    """
    kept = [doc for doc in docs if doc.get('type') in (INCOMING, OUTGOING) and isinstance(doc.get('name'), str)]
    groups = {}
    for doc in kept:
        groups.setdefault((doc['type'], doc['name']), []).append(doc)
    duplicated = [(key, group) for key, group in groups.items() if len(group) > 1]
    if duplicated:
        listing = '; '.join(f"{short_type(type_)} {name!r}: {', '.join(str(doc.get('_id')) for doc in group)}"
                            for (type_, name), group in sorted(duplicated, key=lambda pair: pair[0]))
        raise IntegrationError(
            f'Rocket.Chat has more than one integration of the same type and name ({listing}); a declaration names '
            'integrations by type and name, so it cannot describe them. Rename or remove the extra ones (for example '
            'with community.rocketchat.rocketchat_integration and integration_id), then read again')
    return [entry(doc) for doc in kept]
