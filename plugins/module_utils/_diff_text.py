# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Diffs as text: integrations (their secret-free views) written as YAML, one option per line, scripts as block text.

PRIVATE to this collection: the interface may change without notice.
Ansible's diff callback prints the before and after strings of a diff as a unified diff, and JSON-dumps them when they
are dictionaries, which puts a whole script on one line. As text, a change to one line of a script is one changed line.

The YAML is written here, not by PyYAML: the values of a view are few and simple (strings, booleans, numbers, lists
of strings, and mappings of those), the keys keep the order the caller gives (a stable order, independent of any
library's version), and the modules do not depend on a library that the Python running them may lack.
No Ansible imports.
"""

from __future__ import annotations

import json
import math
import re

INDENT = '  '

# Words that YAML 1.1 or 1.2 would read as something other than a string.
_SPECIAL_WORDS = frozenset((
    'y', 'yes', 'n', 'no', 'true', 'false', 'on', 'off', 'null', '~', '.nan', '.inf', '-.inf', '+.inf'))
# A string written without quotes: starts with a letter, then letters, digits and a few punctuation marks that
# never start or end anything in YAML at those places. Everything else is quoted.
_PLAIN = re.compile(r'[A-Za-z][A-Za-z0-9_.\-/() ]*\Z')
# What a YAML document may not hold as it is (printable is tab, line feed, and the printable Unicode ranges), and the
# characters YAML 1.1 reads as line breaks: a string with any of them is written double-quoted with escapes.
_NOT_PRINTABLE = re.compile('[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]')
_NOT_IN_BLOCK = re.compile('[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff\r]')


def _quoted(text):
    """text as a double-quoted YAML scalar (JSON's escapes are YAML's), with what is not printable escaped."""
    dumped = json.dumps(text, ensure_ascii=False)
    return _NOT_PRINTABLE.sub(lambda match: f'\\u{ord(match.group(0)):04x}', dumped)


def scalar(value):
    """A YAML scalar for a single-line value."""
    if value is None:
        return 'null'
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return json.dumps(value) if math.isfinite(value) else _quoted(str(value))
    text = str(value)
    if _PLAIN.match(text) and not text.endswith(' ') and text.lower() not in _SPECIAL_WORDS and ': ' not in text:
        return text
    return _quoted(text)


def _block(text, indent):
    """A literal block scalar ('|' and the lines) for multi-line text, or None when text cannot be one."""
    stripped = text.rstrip('\n')
    if not stripped or _NOT_IN_BLOCK.search(text):
        return None  # nothing but line breaks reads back only from quotes
    trailing = len(text) - len(stripped)
    chomp = '-' if trailing == 0 else ('' if trailing == 1 else '+')
    # Leading spaces, or leading empty lines, would be taken for indentation: then say how deep it is.
    indicator = str(len(INDENT)) if text[:1] in (' ', '\n') else ''
    lines = text.split('\n')
    if trailing:
        lines = lines[:-1]
    body = '\n'.join((indent + line) if line else '' for line in lines)
    return f'|{indicator}{chomp}\n{body}'


def _value(value, indent):
    """The text after 'key:' for a value: ' scalar', ' |' and a block, or a nested list or mapping on new lines."""
    if isinstance(value, dict):
        if not value:
            return ' {}'
        return '\n' + _mapping(value, indent + INDENT)
    if isinstance(value, (list, tuple)):
        if not value:
            return ' []'
        return '\n' + '\n'.join(f'{indent}{INDENT}-' + _item(item, indent + INDENT) for item in value)
    if isinstance(value, str) and '\n' in value:
        block = _block(value, indent + INDENT)
        if block is not None:
            return ' ' + block
    return ' ' + scalar(value)


def _item(value, indent):
    """The text after '-' for a list item."""
    if isinstance(value, dict) and value:
        lines = _mapping(value, indent + INDENT).split('\n')
        return ' ' + '\n'.join([lines[0][len(indent + INDENT):]] + lines[1:])
    return _value(value, indent)


def _mapping(mapping, indent):
    return '\n'.join(f'{indent}{scalar(key)}:' + _value(value, indent) for key, value in mapping.items())


def yaml_text(mapping):
    """A mapping as YAML text, keys in the order given, ending with a newline; '' for an empty or missing mapping."""
    if not mapping:
        return ''
    return _mapping(mapping, '') + '\n'


def text_diff(before, after):
    """An Ansible diff (before and after as text) of two secret-free views, or None when they are the same."""
    if before == after:
        return None
    return dict(before=yaml_text(before), after=yaml_text(after))
