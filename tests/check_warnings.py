# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fail when a test run's output shows a warning that the collection causes.

Usage: check_warnings.py LOG [--expect REGEX ...]
Counted:
- every [DEPRECATION WARNING]: the runs checked run the collection's tasks, and no deprecation is acceptable, whoever
  emits it (ansible-core warns about a deprecated function the collection calls, not about the collection);
- every [WARNING] but Ansible's interpreter-discovery notice (about the host's Python), the note that goes with a
  deprecation warning (counted already), and those a test expects (--expect, searched in the warning's text);
- every Python warning (``path:line: SomeWarning: text``) whose source file is in this collection or whose text names
  it. Python warnings from elsewhere are not counted: ansible-core itself can cause some at start-up with some library
  releases (cryptography deprecates algorithms that ansible-core's ssh-agent support imports), before any task runs,
  and a library's warning that the collection causes points to the collection's calling line.
"""

from __future__ import annotations

import argparse
import re
import sys

DEPRECATION = re.compile(r'^\[DEPRECATION WARNING\]: ?(.*)')
WARNING = re.compile(r'^\[WARNING\]: ?(.*)')
PYTHON_WARNING = re.compile(r'^(?P<source>\S+?):\d+: (?P<category>\w*Warning): (?P<text>.*)')
# Where a warning that ansible-core 2.18 wrapped onto several lines ends: a blank line, or the start of anything else.
WRAPPED_END = re.compile(r'^(\[|<|TASK |PLAY |Origin: |(ok|changed|fatal|failed|skipping|included): |\S+:\d+: )')
THIS_COLLECTION = re.compile(r'ansible_collections/community/rocketchat/|community\.rocketchat|rocketchat_integration')
NOT_COUNTED = [
    # Interpreter discovery: "Platform linux on host x is using ..." (2.18), "Host 'x' is using ..." (2.19 and later).
    re.compile(r'^(Platform \S+ on host \S+|Host \S+) is using the discovered Python interpreter'),
    re.compile(r'^Deprecation warnings can be disabled'),
]


def _unwrapped(lines, index):
    """The line at index, with the lines ansible-core 2.18 wrapped a long warning onto (later releases do not wrap)."""
    parts = [lines[index].strip()]
    for line in lines[index + 1:]:
        if not line.strip() or WRAPPED_END.match(line):
            break
        parts.append(line.strip())
    return ' '.join(parts)


def collection_warnings(output, expected=()):
    """The warnings in output that the collection causes (see the module's docstring), each as one line."""
    expected = [re.compile(pattern) for pattern in expected]
    lines = output.splitlines()
    found = []
    for index, line in enumerate(lines):
        line = line.strip()
        if DEPRECATION.match(line):
            found.append(_unwrapped(lines, index))
        elif WARNING.match(line):
            text = WARNING.match(_unwrapped(lines, index)).group(1)
            if not any(pattern.search(text) for pattern in NOT_COUNTED + expected):
                found.append(f'[WARNING]: {text}')
        elif PYTHON_WARNING.match(line) and THIS_COLLECTION.search(line):
            found.append(line)
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('log')
    parser.add_argument('--expect', action='append', default=[], metavar='REGEX',
                        help='a [WARNING] a test expects (searched in the warning text); repeatable')
    args = parser.parse_args(argv)
    with open(args.log, encoding='utf-8', errors='replace') as handle:
        output = handle.read()
    found = collection_warnings(output, args.expect)
    for line in found:
        print(f'WARNING SHOWN: {line[:300]}')
    print(f'checked {len(output.splitlines())} lines of output for warnings: {len(found)} found')
    return 1 if found else 0


if __name__ == '__main__':
    sys.exit(main())
