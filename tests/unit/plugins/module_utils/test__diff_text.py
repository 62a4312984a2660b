# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The text of diffs: valid YAML that reads back as the view, keys in the given order, scripts as block text, so
that a one-line change of a script is one changed line of a unified diff."""

from __future__ import annotations

import difflib

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.community.rocketchat.plugins.module_utils._diff_text import scalar, text_diff, yaml_text
from ansible_collections.community.rocketchat.plugins.module_utils._fields import view

SCRIPT = 'class Script {\n  process_incoming_request({ request }) {\n    return { content: { text: request.content.text } };\n  }\n}\n'
STORED = {'_id': 'o1', 'type': 'webhook-outgoing', 'name': 'CI deploys', 'enabled': True, 'event': 'sendMessage',
          'channel': ['#ops', '@bob'], 'username': 'rocket.cat', 'urls': ['https://ci.example.com/hook'],
          'scriptEnabled': True, 'script': SCRIPT, 'retryCount': 4, 'token': 'stored-outgoing-secret-1'}


def changed_lines(before, after):
    """The lines a unified diff marks as removed and added."""
    lines = list(difflib.unified_diff(before.splitlines(True), after.splitlines(True), n=0))
    return [line for line in lines[2:] if line[:1] in '+-']


def test_a_view_is_yaml_in_the_views_order_with_the_script_as_block_text():
    text = yaml_text(view(STORED))
    assert yaml.safe_load(text) == view(STORED)
    assert [line.split(':')[0] for line in text.splitlines() if not line.startswith(' ')] == list(view(STORED))
    assert 'script: |\n  class Script {\n    process_incoming_request({ request }) {\n' in text
    assert "channel:\n  - \"#ops\"\n  - \"@bob\"\n" in text and 'token: "********"\n' in text
    assert 'stored-outgoing-secret-1' not in text


def test_one_changed_script_line_is_one_changed_line_of_the_diff():
    after = dict(STORED, script=SCRIPT.replace('request.content.text', 'request.content.text.trim()'))
    diff = text_diff(view(STORED), view(after))
    assert changed_lines(diff['before'], diff['after']) == [
        '-      return { content: { text: request.content.text } };\n',
        '+      return { content: { text: request.content.text.trim() } };\n']


def test_no_diff_for_equal_views_and_empty_text_for_no_integration():
    assert text_diff(view(STORED), view(dict(STORED))) is None
    assert text_diff({}, view(STORED))['before'] == '' and yaml_text(None) == ''


def test_strings_yaml_would_read_otherwise_are_quoted():
    for value in ('yes', 'No', 'null', '~', '123', '1.5', '#general', '@bob', '********', ': x', 'a: b', 'a #b', ' lead',
                  'trail ', '', '-', '[x]', '{x}', '!tag', '&a', '%x', '`x`', "'q'", '"q"', 'a\tb', '\x07bell'):
        assert yaml.safe_load(f'key: {scalar(value)}') == {'key': value}, value
    assert scalar('powers-of-ten') == 'powers-of-ten' and scalar('CI deploys') == 'CI deploys'
    assert scalar(True) == 'true' and scalar(4) == '4' and scalar(None) == 'null'


def test_multi_line_text_of_any_shape_keeps_its_lines():
    for value in ('a\nb', 'a\nb\n', 'a\nb\n\n\n', '  indented\nb', '\nleading empty line', '\n\n', 'a\n  \n b',
                  'tab\tinside\n\tand first', 'crlf\r\nline', 'nel\x85line\nx', 'a\u2028b\nc', 'x\n' * 3):
        text = yaml_text({'script': value, 'after': 1})
        assert yaml.safe_load(text) == {'script': value, 'after': 1}, repr(value)


def test_nested_mappings_as_the_set_diff_writes_them():
    scope = {'ci-a (outgoing)': view(STORED), 'ci-b (outgoing) [o2]': {'name': 'ci-b', 'urls': []}, 'empty': {}}
    assert yaml.safe_load(yaml_text(scope)) == scope


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(max_size=12), st.one_of(
    st.text(max_size=40), st.booleans(), st.integers(), st.none(), st.lists(st.text(max_size=12), max_size=3),
    st.dictionaries(st.text(max_size=6), st.text(max_size=30), max_size=3)), max_size=6))
def test_any_view_reads_back_as_itself(mapping):
    assert yaml.safe_load(yaml_text(mapping) or '{}') == mapping


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=' \n\ta#:-|>"\'\r\x85', max_size=30))
def test_any_script_of_spaces_breaks_and_punctuation_reads_back_as_itself(text):
    assert yaml.safe_load(yaml_text({'script': text, 'next': True})) == {'script': text, 'next': True}
