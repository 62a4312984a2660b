# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Receiver: a loopback HTTP server that stands in for the target of an outgoing integration.

It records every request it gets and answers according to the path, so a test chooses the answer
by the URL it puts in the integration's `urls`:

- `/status/<code>`: answer `<code>` with the JSON body `{"status": <code>}`;
- `/status/<code>/empty`: answer `<code>` with an empty body;
- `/reply/<text>`: answer 200 `{"text": "<text>"}` (the server then posts `<text>` back into the room);
- any other path: answer 200 `{"success": true}`.

Control paths (not recorded): `GET /_receiver/requests`, `POST /_receiver/reset`, `POST /_receiver/shutdown`.
"""

import json
import threading
from urllib.parse import unquote

from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from .server import check_loopback
from .store import now_iso


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        pass


def _json(status, body):
    return Response(json.dumps(body, separators=(',', ':')), status=status, content_type='application/json')


class ReceiverApp:
    """WSGI app of the receiver; thread-safe record of what it received."""

    def __init__(self, shutdown_callback=None):
        self._lock = threading.Lock()
        self._requests = []
        self.shutdown_callback = shutdown_callback

    def requests(self):
        with self._lock:
            return [dict(entry) for entry in self._requests]

    def reset(self):
        with self._lock:
            self._requests = []

    def __call__(self, environ, start_response):
        request = Request(environ)
        return self._answer(request)(environ, start_response)

    def _answer(self, request):
        path = request.path
        if path.startswith('/_receiver/'):
            return self._control(request, path[len('/_receiver/'):])
        raw = request.get_data(cache=True).decode('utf-8', 'replace')
        try:
            body = json.loads(raw) if raw.strip() else None
        except ValueError:
            body = None
        entry = {'method': request.method, 'path': path, 'query': request.query_string.decode('latin-1'),
                 'headers': dict(request.headers), 'raw': raw, 'json': body, 'at': now_iso()}
        with self._lock:
            self._requests.append(entry)
        parts = [part for part in path.split('/') if part]
        if len(parts) >= 2 and parts[0] == 'status' and parts[1].isdigit() and 100 <= int(parts[1]) <= 599:
            code = int(parts[1])
            if len(parts) >= 3 and parts[2] == 'empty':
                return Response(b'', status=code)
            return _json(code, {'status': code})
        if len(parts) >= 2 and parts[0] == 'reply':
            return _json(200, {'text': unquote('/'.join(parts[1:]))})
        return _json(200, {'success': True})

    def _control(self, request, name):
        if name == 'requests' and request.method == 'GET':
            return _json(200, {'requests': self.requests()})
        if name == 'reset' and request.method == 'POST':
            self.reset()
            return _json(200, {'success': True})
        if name == 'shutdown' and request.method == 'POST' and self.shutdown_callback:
            self.shutdown_callback()
            return _json(200, {'success': True})
        return _json(404, {'success': False, 'error': 'unknown receiver control path'})


class ReceiverServer:
    """Run the receiver on a loopback address in a daemon thread; context manager or start()/stop()."""

    def __init__(self, host='127.0.0.1', port=0):
        check_loopback(host)
        self.host = host
        self.requested_port = port
        self.app = ReceiverApp(shutdown_callback=self._shutdown_soon)
        self.port = None
        self.stopped = threading.Event()
        self._server = None
        self._thread = None
        self._stop_lock = threading.Lock()

    @property
    def url(self):
        host = '[%s]' % self.host if ':' in self.host else self.host
        return 'http://%s:%d' % (host, self.port)

    def requests(self):
        return self.app.requests()

    def reset(self):
        self.app.reset()

    def start(self):
        self._server = make_server(self.host, self.requested_port, self.app, threaded=True, request_handler=_QuietHandler)
        self.port = self._server.socket.getsockname()[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={'poll_interval': 0.1},
                                        name='rocketchat-emulator-receiver', daemon=True)
        self._thread.start()
        return self

    def stop(self):
        with self._stop_lock:
            if self._server is not None:
                self._server.shutdown()
                self._server.server_close()
                self._thread.join(5)
                self._server = None
            self.stopped.set()

    def _shutdown_soon(self):
        timer = threading.Timer(0.2, self.stop)
        timer.daemon = True
        timer.start()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()
