# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The save-time script check (the server's compileIntegrationScript), done by a real JavaScript engine.

The server compiles a script whenever it is saved with `scriptEnabled: true` and a non-blank `script`
(add/updateIncomingIntegration, validateOutgoingIntegration; section 13.3): on success it stores `scriptCompiled`
and removes `scriptError`, on a syntax error it stores `scriptError: {name, message, stack}` and removes
`scriptCompiled`, and the save still answers 200. The emulator asks V8 (the Python package mini-racer, module
`py_mini_racer`) whether the script compiles, so the messages are V8's own. Scripts are compiled, never run.

How the server parses, and so what the emulator checks, by path:
- validate-only (8.4-8.9 with `skipTranspile: true`, and 9.x where Babel is gone, section 13.2):
  `new vm.Script('(function(){' + script + '})')`, sloppy at the top level; class bodies are strict anyway, so
  `0777` or `x(a, a)` inside `class Script {...}` is a SyntaxError;
- Babel with @babel/preset-env (8.4-8.9 default): @babel/core parses a module, strict throughout (its output starts
  with "use strict");
- Meteor's Babel (up to 8.3): meteor-babel's parser options turn strict mode off, so sloppy at the top level.
Babel words its errors differently (`unknown: Unexpected token (1:5)` and a code frame); the emulator keeps V8's
text on every path.
"""

import atexit
import json
import threading

try:
    from py_mini_racer import MiniRacer
except ImportError as exc:  # reported when an emulator starts, see require_engine()
    MiniRacer = None
    IMPORT_ERROR = exc
else:
    IMPORT_ERROR = None

MISSING_ENGINE = ('the Rocket.Chat emulator checks integration scripts with V8: install the Python package "mini-racer" '
                  '(module py_mini_racer; it is in tests/integration/requirements.txt): %s')

# Compiles the wrapped script as a function body without calling it; returns '' or the SyntaxError as JSON.
CHECK_FUNCTION = '''
function rocketchatEmulatorCheckScript(script, strict) {
    try {
        new Function((strict ? '"use strict";' : '') + 'return (function(){' + script + '})');
        return '';
    } catch (e) {
        if (!(e instanceof SyntaxError)) {
            throw e;
        }
        return JSON.stringify({name: e.name, message: e.message, stack: e.name + ': ' + e.message});
    }
}
'''


class ScriptEngine:
    """One V8 context per process, used under a lock (a context is not thread-safe)."""

    _instance = None
    _instance_lock = threading.Lock()

    def __init__(self):
        self._lock = threading.Lock()
        self._context = MiniRacer()
        self._context.eval(CHECK_FUNCTION)
        # A context left open can keep the interpreter from exiting.
        atexit.register(self.close)

    @classmethod
    def shared(cls):
        with cls._instance_lock:
            if cls._instance is None:
                cls._instance = cls()
            return cls._instance

    def syntax_error(self, script, strict):
        """None when `script` compiles inside the server's wrapper, else {name, message, stack}."""
        with self._lock:
            answer = self._context.call('rocketchatEmulatorCheckScript', script, bool(strict))
        return json.loads(answer) if answer else None

    def close(self):
        with self._lock:
            if self._context is not None:
                self._context.close()
                self._context = None


def require_engine():
    """The shared engine; a RuntimeError naming the package when mini-racer is not installed (no fallback)."""
    if MiniRacer is None:
        raise RuntimeError(MISSING_ENGINE % IMPORT_ERROR)
    return ScriptEngine.shared()


def compile_integration_script(engine, script, transpile, modern_babel):
    """({'scriptCompiled': ...}, ('scriptError',)) or ({'scriptError': {...}}, ('scriptCompiled',)).

    transpile: the Babel path (every release before 9.0 unless skipTranspile is honoured and true);
    modern_babel: @babel/core and preset-env (8.4+) rather than Meteor's Babel.
    """
    error = engine.syntax_error(script, strict=transpile and modern_babel)
    if error is not None:
        return {'scriptError': error}, ('scriptCompiled',)
    # Babel's output stands in as the script behind a "use strict" line (only its presence matters to clients);
    # the validate-only path stores the script as it is.
    return {'scriptCompiled': '"use strict";\n\n' + script if transpile else script}, ('scriptError',)
