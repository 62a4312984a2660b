# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fail when any secret the emulators saw appears in a test run's output.

Usage: check_secrets.py LOG SECRETS.json [SECRETS.json ...]
The secrets files are JSON lists written by the integration targets. There is no exception: the webhook URLs that
tasks ask for with return_webhook_url are registered by tasks with no_log, so they appear nowhere either.
"""
import json
import sys


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    with open(sys.argv[1], encoding='utf-8', errors='replace') as handle:
        output = handle.read()
    secrets = set()
    for path in sys.argv[2:]:
        with open(path, encoding='utf-8') as handle:
            secrets.update(secret for secret in json.load(handle) if len(secret) >= 8)
    if not secrets:
        sys.exit('no secrets were recorded: the check would prove nothing')
    leaks = sorted(secret for secret in secrets if secret in output)
    for secret in leaks:
        line = next(line for line in output.splitlines() if secret in line)
        print(f'LEAK of a secret ({secret[:4]}...) in: {line.replace(secret, "<SECRET>")[:300]}')
    print(f'checked {len(output.splitlines())} lines of output for {len(secrets)} secrets: {len(leaks)} found')
    return 1 if leaks else 0


if __name__ == '__main__':
    sys.exit(main())
