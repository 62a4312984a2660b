# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The server's verdict on an integration's script: reading it after a write, and undoing a write it refuses.

PRIVATE to this collection: the interface may change without notice.
Rocket.Chat 8.x (and, as far as known, 9.0) saves a script it cannot compile anyway and answers 200: it stores
scriptError {name, message, stack} and unsets scriptCompiled; a script that compiles gets scriptCompiled and loses
scriptError (compileIntegrationScript and the add/update methods). So the verdict is read from the stored document,
and a write that stores a script the server cannot compile is undone here. No Ansible imports.
"""

from __future__ import annotations

import re

from ansible_collections.community.rocketchat.plugins.module_utils._client import RocketChatError
from ansible_collections.community.rocketchat.plugins.module_utils._fields import BY_OPTION
from ansible_collections.community.rocketchat.plugins.module_utils._integration import (
    IntegrationError,
    describe,
    get_integration,
    mask_secrets,
    remove_integration,
    short_type,
)

REJECTED = 'rejected'
# The stored fields that hold the verdict: one of them is there after the server compiled a script.
VERDICT_KEYS = ('scriptCompiled', 'scriptError')
# The options that change what the server compiles: a verdict after a write that changes one of them is the task's.
SCRIPT_OPTIONS = ('script', 'script_enabled', 'skip_transpile')

# Babel (8.x transpiling) ends the message's first line with "(line:column)"; Node's vm.Script (9.0, and 8.4+ with
# skipTranspile) starts the stack with "<file>:<line>". The script is wrapped on its first line, so lines match.
_MESSAGE_LINE = re.compile(r'\((\d+):\d+\)\s*$')
_STACK_LINE = re.compile(r'^\S+:(\d+)$')


class ScriptRejected(IntegrationError):
    """A write stored a script that the server cannot compile, and was undone (or the message says why it was not).

    before: the integration before the task ({} for a creation); after: as the server holds it now ({} when the
    creation was removed again); changed: whether the server is left different from before; script_error: the readable
    error (see script_error()).
    """

    def __init__(self, msg, before, after, error, changed):
        super().__init__(msg)
        self.before = before or {}
        self.after = after or {}
        self.script_error = error
        self.changed = changed


def script_error(doc):
    """The script error an integration stores, readable: {'name', 'message'} and 'line' where the error gives one.

    None when it stores none. The stack is left out: it repeats the script and Rocket.Chat's own frames.
    """
    raw = (doc or {}).get('scriptError')
    if isinstance(raw, str):
        raw = {'message': raw}
    if not isinstance(raw, dict) or not any(raw.get(key) for key in ('name', 'message', 'stack')):
        return None
    message_lines = [line.strip() for line in str(raw.get('message') or '').splitlines() if line.strip()]
    error = {'name': str(raw.get('name') or 'Error'), 'message': message_lines[0] if message_lines else ''}
    found = _MESSAGE_LINE.search(error['message'])
    if not found:
        stack_lines = str(raw.get('stack') or '').splitlines()
        found = _STACK_LINE.match(stack_lines[0].strip()) if stack_lines else None
    if found:
        error['line'] = int(found.group(1))
    return error


def error_text(error):
    """'SyntaxError: Unexpected token ';' (line 3)': the error as the messages show it."""
    text = f"{error['name']}: {error['message']}" if error['message'] else error['name']
    return text + (f" (line {error['line']})" if error.get('line') else '')


def carries_script(doc):
    """True when the server compiles the script of an integration stored like doc: enabled and not blank."""
    return doc.get('scriptEnabled') is True and bool(str(doc.get('script') or '').strip())


def untouched_script_warning(doc, error):
    """The warning for a stored script the server cannot compile (error: script_error(doc)) that the task did not
    change: it does not block the task, so that such an integration can still be changed (disabled, say)."""
    return (f'Rocket.Chat cannot compile the script of {describe(doc)}: {error_text(error)}. The task did not change '
            'the script, so it went ahead; fix the script (option script) so that Rocket.Chat can run it')


def _stored(client, answer, integration_id):
    """The integration with the server's verdict: the write's answer when it carries one, otherwise one read.

    8.x answers a create and an update with the stored document, verdict included; an answer without either key
    (another release's shape) is not trusted to mean "compiled".
    """
    if answer and any(key in answer for key in VERDICT_KEYS):
        return answer
    return get_integration(client, integration_id) or answer


def _judged(client, answer, written, integration_id, warn):
    """_stored() for the integration a write made (written: the write's answer, or what it predicts). When reading
    the verdict fails, written, with a warning: the write happened, so it is reported, never lost to that failure
    (without verdict keys: what a prediction carries over from the previous script is no verdict on this one)."""
    try:
        return _stored(client, answer, integration_id)
    except RocketChatError as exc:
        if warn:
            warn(f"Rocket.Chat wrote {describe(written)}, but its verdict on the script could not be read ({exc}), so "
                 'whether it can compile the script is not known: read the integration (rocketchat_integration_info '
                 'shows script_error) before relying on it')
        return {key: value for key, value in written.items() if key not in VERDICT_KEYS}


def check_created(client, created, predicted, warn=None):
    """The created integration, with its verdict; when its script does not compile, remove it and raise ScriptRejected.

    created is the create's answer, or predicted itself when the server answered without the document.
    """
    if not carries_script(predicted) or not created.get('_id'):
        return created
    stored = _judged(client, None if created is predicted else created, created, created['_id'], warn)
    error = script_error(stored)
    if error is None:
        return stored or created
    what = f"{short_type(stored.get('type'))} integration {stored.get('name')!r}"
    prefix = f'Rocket.Chat cannot compile the script of the new {what}: {error_text(error)}'
    try:
        remove_integration(client, stored)
    except (RocketChatError, IntegrationError) as exc:
        raise ScriptRejected(
            f"{prefix}. Removing it again failed ({exc}), so the server holds it (id {stored['_id']}) with that script: "
            'fix the script and run the task again, or remove the integration', None, stored, error, True) from exc
    raise ScriptRejected(f'{prefix}. The integration was removed again, so nothing was changed: fix the script',
                         None, None, error, False)


def check_updated(client, before, updated, predicted, changed_options, put, warn=None):
    """The updated integration, with its verdict, when the update carries a script.

    When the server cannot compile a script the update changed, the options it changed are set back to their values in
    before and ScriptRejected raised: put(stored, values, cleared), the update's own sender, writes the fields
    values (stored keys) and empties the options cleared, on the integration as the server holds it when it sends. A script that the update did not change
    (already broken before, or judged anew by a newer server) does not block the task: warn, and go on.
    """
    if not carries_script(predicted):
        return updated
    stored = _judged(client, None if updated is predicted else updated, updated, before['_id'], warn) or updated
    error = script_error(stored)
    if error is None:
        return stored
    if not any(option in changed_options for option in SCRIPT_OPTIONS):
        if warn:
            warn(untouched_script_warning(stored, error))
        return stored
    prefix = f'Rocket.Chat cannot compile the script of {describe(before)}: {error_text(error)}'
    # The changed fields back to their values of before; the body is the whole document the server holds then.
    values = {BY_OPTION[option].key: before.get(BY_OPTION[option].key) for option in changed_options}
    try:
        restored = put(stored, values, _cleared(before, changed_options)).get('integration') or before
    except (RocketChatError, IntegrationError) as exc:
        if isinstance(exc, RocketChatError) and exc.answer_lost:
            state = ('whether it was written back is unknown, so the server holds either the previous integration or '
                     'the update with that script: read it before running the task again')
        else:
            state = ('so the server holds the update with that script: fix the script and run the task again, or put '
                     'the previous script back')
        raise ScriptRejected(f'{prefix}. Writing the previous integration back failed ({exc}), {state}',
                             before, stored, error, True) from exc
    raise ScriptRejected(f'{prefix}. The previous integration was written back, so nothing was changed: fix the script',
                         before, restored, error, False)


def _cleared(before, changed_options):
    """Empty values for the options the update set that the previous integration did not have.

    A body leaves out what has no value, and 8.4+ incoming updates keep what a body leaves out (alias, avatar, emoji,
    script; section 12.1), so writing the previous document back must clear them explicitly.
    """
    cleared = {}
    for option in changed_options:
        field = BY_OPTION[option]
        if before.get(field.key) is None and field.kind in ('text', 'bool'):
            cleared[option] = '' if field.kind == 'text' else False
    return cleared


def failure_result(exc):
    """The fields of a failed task's result for an IntegrationError: for ScriptRejected, what the server holds now."""
    if not isinstance(exc, ScriptRejected):
        return {}
    return dict(changed=exc.changed, integration=mask_secrets(exc.after), script_error=exc.script_error)


def rejections_text(rejected):
    """The part of a failure message that names the entries (label, ScriptRejected) whose scripts did not compile."""
    return ' '.join(f'{label}: {exc}.' for label, exc in rejected)
