# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The apply_late fault: a request the server applies after its client stopped waiting for the answer.

A gateway in front of a busy Rocket.Chat answers 504 when the server takes too long, and a client gives up after
its timeout; the server goes on and saves the write anyway, moments later. Not a Rocket.Chat behaviour: a fault
that real deployments produce, for reliability tests.
"""

import io
import threading

from werkzeug.wrappers import Request

# What a request keeps of the connection it came on: left out of the copy that is served later.
_CONNECTION_KEYS = ('wsgi.input', 'werkzeug.socket', 'werkzeug.request')


def detached_copy(request):
    """A Request equal to `request` (method, path, query, headers, body) that no longer depends on its connection."""
    data = request.get_data(cache=True)
    environ = {key: value for key, value in request.environ.items() if key not in _CONNECTION_KEYS}
    environ['wsgi.input'] = io.BytesIO(data)
    environ['CONTENT_LENGTH'] = str(len(data))
    return Request(environ)


class LateWrites:
    """Requests to be served after a delay on background threads; serve(request) returns the response's status."""

    def __init__(self, serve):
        self._serve = serve
        self._lock = threading.Lock()
        self._pending = []

    def schedule(self, request, delay_s, entry):
        """Serve a copy of request in delay_s seconds; entry (its request-log entry) gets applied_status then."""
        copy = detached_copy(request)
        timer = None

        def apply():
            entry['applied_status'] = self._serve(copy)
            with self._lock:
                if timer in self._pending:  # cancel() may have emptied the list meanwhile
                    self._pending.remove(timer)

        timer = threading.Timer(delay_s, apply)
        timer.daemon = True
        with self._lock:
            self._pending.append(timer)
        timer.start()

    def cancel(self):
        """Drop the writes still waiting (the emulator is reset or stopped): none may land in a later test's state."""
        with self._lock:
            pending, self._pending = self._pending, []
        for timer in pending:
            timer.cancel()

    def wait(self, timeout=None):
        """Block until every scheduled write was applied (for tests); True when none is left."""
        with self._lock:
            pending = list(self._pending)
        for timer in pending:
            timer.join(timeout)
        with self._lock:
            return not self._pending
