# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Command line entry point: run the emulator until SIGTERM/SIGINT, --lifetime or POST /_emulator/shutdown."""

import argparse
import json
import os
import signal
import sys
import tempfile
import threading

from .profiles import SKIP_TRANSPILE_VARIANTS
from .server import EmulatorServer
from .store import DEFAULT_ADMIN_PASSWORD, DEFAULT_ADMIN_TOKEN, DEFAULT_ADMIN_USERNAME


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog='run_emulator.py',
        description='Rocket.Chat REST API emulator (integrations API) for tests. Listens on loopback only.')
    parser.add_argument('--host', default='127.0.0.1', help='loopback address to bind (default: %(default)s)')
    parser.add_argument('--port', type=int, default=0, help='TCP port, 0 picks a free one (default: %(default)s)')
    parser.add_argument('--server-version', default='8.8.1',
                        help='emulated Rocket.Chat version, 6.x, 7.x, 8.x or 9.x (default: %(default)s)')
    parser.add_argument('--port-file', help='write the port number here (atomically) once the socket listens')
    parser.add_argument('--lifetime', type=float, help='stop by itself after this many seconds')
    parser.add_argument('--admin-username', default=DEFAULT_ADMIN_USERNAME, help='seeded admin username (default: %(default)s)')
    parser.add_argument('--admin-password', default=os.environ.get('ROCKETCHAT_EMULATOR_ADMIN_PASSWORD', DEFAULT_ADMIN_PASSWORD),
                        help='seeded admin password (env ROCKETCHAT_EMULATOR_ADMIN_PASSWORD)')
    parser.add_argument('--admin-token', default=os.environ.get('ROCKETCHAT_EMULATOR_ADMIN_TOKEN', DEFAULT_ADMIN_TOKEN),
                        help="admin's personal access token (env ROCKETCHAT_EMULATOR_ADMIN_TOKEN)")
    parser.add_argument('--rate-limit-calls', type=int, default=10, help='calls allowed per window (default: %(default)s)')
    parser.add_argument('--rate-limit-window-ms', type=int, default=60000, help='rate limit window in ms (default: %(default)s)')
    parser.add_argument('--no-rate-limit', action='store_true', help='start with the rate limiter off')
    parser.add_argument('--apply-breaking-changes', action='store_true',
                        help="9.x: the server's applyBreakingChanges flag on (minimal 401 bodies)")
    parser.add_argument('--skip-transpile-variant', choices=SKIP_TRANSPILE_VARIANTS, default='refused',
                        help='9.x: skipTranspile in create/update bodies is refused (400) or ignored (default: %(default)s)')
    parser.add_argument('--quiet', action='store_true', help='no access log on stderr')
    return parser.parse_args(argv)


def write_port_file(path, port):
    """Write then rename, so a reader never sees a half-written file."""
    directory = os.path.dirname(os.path.abspath(path))
    handle, temp_path = tempfile.mkstemp(dir=directory, prefix='.emulator-port-')
    with os.fdopen(handle, 'w') as port_file:
        port_file.write('%d\n' % port)
    os.replace(temp_path, path)


def main(argv=None):
    args = parse_args(argv)
    try:
        server = EmulatorServer(
            host=args.host, port=args.port, server_version=args.server_version, rate_limit=not args.no_rate_limit,
            rate_limit_calls=args.rate_limit_calls, rate_limit_window_ms=args.rate_limit_window_ms,
            admin_username=args.admin_username, admin_password=args.admin_password, admin_token=args.admin_token,
            quiet=args.quiet, apply_breaking_changes=args.apply_breaking_changes,
            skip_transpile_variant=args.skip_transpile_variant)
        server.start()
    except (ValueError, OSError, RuntimeError) as exc:
        print('rocketchat emulator: error: %s' % exc, file=sys.stderr)
        return 2

    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *dummy: done.set())
    signal.signal(signal.SIGINT, lambda *dummy: done.set())
    if args.lifetime:
        timer = threading.Timer(args.lifetime, done.set)
        timer.daemon = True
        timer.start()

    print(json.dumps({
        'url': server.url,
        'port': server.port,
        'server_version': server.server_version,
        'admin_user_id': server.admin_user_id,
        'admin_username': server.admin_username,
        'admin_password': server.admin_password,
        'admin_token': server.admin_token,
    }), flush=True)
    # After the banner: whoever sees the port file may read the banner line straight away.
    if args.port_file:
        write_port_file(args.port_file, server.port)

    try:
        while not done.is_set() and not server.stopped.is_set():
            done.wait(0.2)
    finally:
        server.stop()
        if args.port_file and os.path.exists(args.port_file):
            os.remove(args.port_file)  # a stale file would hand the next reader a dead port
    return 0


if __name__ == '__main__':
    sys.exit(main())
