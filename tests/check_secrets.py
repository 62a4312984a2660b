# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fail when any secret the emulators saw, or a target gave its tasks, appears in a test run's output.

Usage: check_secrets.py LOG SECRETS.json [SECRETS.json ...]
The secrets files are JSON lists written by the integration targets (rocketchat-secrets-*.json). The results that
targets registered and wrote to files beside them, as a user writes a result with copy content="{{ result }}"
(rocketchat-results-*), are read with the log. Each secret is looked for as it is and in every spelling an output may
give it: without surrounding whitespace, escaped by Python or JSON (once, or twice when escaped text is quoted again),
and URL-encoded. There is no exception: the webhook URLs that tasks ask for with return_webhook_url are registered by
tasks with no_log, so they appear nowhere either.
"""
import glob
import json
import os
import sys
from urllib.parse import quote, quote_plus

MIN_LENGTH = 8  # shorter values would match by chance


def spellings(secret):
    """The secret as it is and as outputs spell it."""
    found = set()
    for value in (secret, secret.strip()):
        escaped = {value, repr(value)[1:-1], json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1]}
        escaped.update([repr(text)[1:-1] for text in escaped] + [json.dumps(text)[1:-1] for text in escaped])
        found.update(escaped)
        found.update((quote(value, safe=''), quote_plus(value, safe=''), quote(value)))
    return {text for text in found if len(text) >= MIN_LENGTH}


def read(path):
    with open(path, encoding='utf-8', errors='replace') as handle:
        return handle.read()


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    sources = {sys.argv[1]: read(sys.argv[1])}
    secrets = set()
    for path in sys.argv[2:]:
        secrets.update(secret for secret in json.loads(read(path)) if len(secret.strip()) >= MIN_LENGTH)
        for result in glob.glob(os.path.join(os.path.dirname(path) or '.', 'rocketchat-results-*')):
            sources.setdefault(result, read(result))
    if not secrets:
        sys.exit('no secrets were recorded: the check would prove nothing')
    leaks = 0
    for secret in sorted(secrets):
        for spelling in sorted(spellings(secret), key=len, reverse=True):
            path = next((path for path, text in sources.items() if spelling in text), None)
            if path:
                leaks += 1
                text = sources[path]
                at = text.index(spelling)
                end = text.find('\n', at + len(spelling))
                excerpt = text[text.rfind('\n', 0, at) + 1:end if end >= 0 else None].replace(spelling, '<SECRET>')
                print(f'LEAK of a secret ({secret[:4]}...) in {path}: {excerpt[:300]!r}')
                break
    lines = sum(len(text.splitlines()) for text in sources.values())
    print(f'checked {lines} lines of output in {len(sources)} files for {len(secrets)} secrets in every spelling: '
          f'{leaks} found')
    return 1 if leaks else 0


if __name__ == '__main__':
    sys.exit(main())
