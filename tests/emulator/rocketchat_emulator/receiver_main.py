# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Command line of the receiver (the target of outgoing integrations in tests): run until SIGTERM/SIGINT,
--lifetime or POST /_receiver/shutdown."""

import argparse
import json
import os
import signal
import sys
import threading

from .__main__ import write_port_file
from .receiver import ReceiverServer


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog='run_receiver.py',
        description='Loopback HTTP receiver for the outgoing integrations of the Rocket.Chat emulator (tests only).')
    parser.add_argument('--host', default='127.0.0.1', help='loopback address to bind (default: %(default)s)')
    parser.add_argument('--port', type=int, default=0, help='TCP port, 0 picks a free one (default: %(default)s)')
    parser.add_argument('--port-file', help='write the port number here (atomically) once the socket listens')
    parser.add_argument('--lifetime', type=float, help='stop by itself after this many seconds')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    try:
        server = ReceiverServer(host=args.host, port=args.port).start()
    except (ValueError, OSError) as exc:
        print('rocketchat emulator receiver: error: %s' % exc, file=sys.stderr)
        return 2

    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *dummy: done.set())
    signal.signal(signal.SIGINT, lambda *dummy: done.set())
    if args.lifetime:
        timer = threading.Timer(args.lifetime, done.set)
        timer.daemon = True
        timer.start()

    print(json.dumps({'url': server.url, 'port': server.port}), flush=True)
    if args.port_file:
        write_port_file(args.port_file, server.port)
    try:
        while not done.is_set() and not server.stopped.is_set():
            done.wait(0.2)
    finally:
        server.stop()
        if args.port_file and os.path.exists(args.port_file):
            os.remove(args.port_file)
    return 0
