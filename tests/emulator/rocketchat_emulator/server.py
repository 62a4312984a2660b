# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""EmulatorServer: the WSGI app on a threaded Werkzeug server in a background thread, loopback only."""

import ipaddress
import socket
import threading

from werkzeug.serving import WSGIRequestHandler, make_server

from .api import EmulatorApp
from .profiles import SKIP_TRANSPILE_VARIANTS, VersionProfile
from .store import DEFAULT_ADMIN_PASSWORD, DEFAULT_ADMIN_TOKEN, DEFAULT_ADMIN_USERNAME, Store


class _QuietHandler(WSGIRequestHandler):
    """Drops the per-request access log line (errors are still logged)."""

    def log_request(self, *args, **kwargs):
        pass


def check_loopback(host):
    """Raise ValueError unless host names a loopback interface: the emulator has no real security."""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except socket.gaierror as exc:
        raise ValueError('cannot resolve host %r: %s' % (host, exc))
    for address in addresses:
        if not ipaddress.ip_address(address.split('%', 1)[0]).is_loopback:
            raise ValueError('refusing to listen on %s (%s): only loopback addresses are allowed' % (host, address))


class EmulatorServer:
    """Run the emulator; use as a context manager or call start() / stop().

    After start(): url, port, admin_user_id, admin_username, admin_password, admin_token, store.
    """

    def __init__(self, host='127.0.0.1', port=0, server_version='8.8.1', rate_limit=True, rate_limit_calls=10,
                 rate_limit_window_ms=60000, admin_username=DEFAULT_ADMIN_USERNAME, admin_password=DEFAULT_ADMIN_PASSWORD,
                 admin_token=DEFAULT_ADMIN_TOKEN, quiet=True, ssl_context=None, apply_breaking_changes=False,
                 skip_transpile_variant='refused'):
        check_loopback(host)
        if skip_transpile_variant not in SKIP_TRANSPILE_VARIANTS:
            raise ValueError('skip_transpile_variant must be one of: %s' % ', '.join(SKIP_TRANSPILE_VARIANTS))
        # (certificate file, key file) or an ssl.SSLContext: serve HTTPS, for TLS tests of clients.
        self.ssl_context = ssl_context
        self.host = host
        self.requested_port = port
        self.profile = VersionProfile(server_version)
        self.server_version = self.profile.version
        self.store = Store(
            server_version=self.profile.version,
            object_ids=self.profile.object_ids,
            admin_username=admin_username,
            admin_password=admin_password,
            admin_token=admin_token,
            settings={'rate_limiter_enabled': bool(rate_limit), 'rate_limit_calls': rate_limit_calls,
                      'rate_limit_window_ms': rate_limit_window_ms, 'apply_breaking_changes': bool(apply_breaking_changes),
                      'skip_transpile_variant': skip_transpile_variant},
        )
        self.app = EmulatorApp(self.store, self.profile, shutdown_callback=self._shutdown_soon)
        self.quiet = quiet
        self.port = None
        self.stopped = threading.Event()
        self._server = None
        self._thread = None
        self._stop_lock = threading.Lock()

    admin_user_id = property(lambda self: self.store.admin_user_id)
    admin_username = property(lambda self: self.store.admin_username)
    admin_password = property(lambda self: self.store.admin_password)
    admin_token = property(lambda self: self.store.admin_token)

    @property
    def url(self):
        host = '[%s]' % self.host if ':' in self.host else self.host
        return '%s://%s:%d' % ('https' if self.ssl_context else 'http', host, self.port)

    def start(self):
        """Bind, listen and serve in a daemon thread; returns self once the socket accepts connections."""
        self._server = make_server(self.host, self.requested_port, self.app, threaded=True,
                                   request_handler=_QuietHandler if self.quiet else None, ssl_context=self.ssl_context)
        self.port = self._server.socket.getsockname()[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={'poll_interval': 0.1},
                                        name='rocketchat-emulator', daemon=True)
        self._thread.start()
        return self

    def stop(self):
        """Stop serving and close the socket; safe to call more than once and from any thread but the server's."""
        with self._stop_lock:
            if self._server is not None:
                self._server.shutdown()
                self._server.server_close()
                self._thread.join(5)
                self._server = None
            self.stopped.set()

    def _shutdown_soon(self):
        # Called from a request thread (POST /_emulator/shutdown): give that answer time to leave first.
        timer = threading.Timer(0.2, self.stop)
        timer.daemon = True
        timer.start()

    def wait(self, timeout=None):
        """Block until stop() ran (for example through POST /_emulator/shutdown); True if it did."""
        return self.stopped.wait(timeout)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()
