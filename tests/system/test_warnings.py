# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""No warning that the collection causes, in-process or as module processes, on the ansible-core under test.

The parity scenarios use every module (changes, check and diff mode, no_log options, bad input, failures); they run
once in-process and once as module processes, with Python's warnings shown (PYTHONWARNINGS=default, which module
processes inherit), and neither run may show a deprecation warning, a warning, or a Python warning from the collection
(tests/check_warnings.py says which lines count). The test command runs this on every ansible-core it tests.
"""

from __future__ import annotations

import sys

from conftest import REPO
from test_parity import SCENARIOS, run_both_ways

sys.path.insert(0, str(REPO / 'tests'))

from check_warnings import collection_warnings  # noqa: E402  pylint: disable=wrong-import-position


def test_no_warning_either_way(ansible, rocket8, tmp_path):
    outcome = run_both_ways(ansible, rocket8, tmp_path, SCENARIOS, extra_env={'PYTHONWARNINGS': 'default'})
    for way, (results, run) in outcome.items():
        assert results['create']['changed'] and results['bad_type']['failed'], way  # the scenarios ran
        assert collection_warnings(run.output) == [], (way, run.output)


SHOWN = """\
/venv/lib/python3.12/site-packages/ansible/_internal/_ssh/_ssh_agent.py:18: CryptographyDeprecationWarning: DSA is \
deprecated and support will be removed in a future release.
[WARNING]: Host 'testhost' is using the discovered Python interpreter at '/usr/bin/python3.12', but future \
installation of another Python interpreter could cause a different interpreter to be discovered.
[WARNING]: Platform linux on host localhost is using the discovered Python interpreter at /usr/bin/python3.11
TASK [create] ******************************************************************
[WARNING]: Deprecation warnings can be disabled by setting `deprecation_warnings=False` in ansible.cfg.
[DEPRECATION WARNING]: The remove_values() function from ansible.module_utils.common.parameters is deprecated.
[WARNING]: api_url http://rocket.example.com uses http:// to another machine: the credentials travel unencrypted.
[WARNING]: Rocket.Chat's API rate limiter made the task wait 1.1 s before POST integrations.create.
[WARNING]: outgoing integration 'ci-stale' (id 6b17) has no token,
which Rocket.Chat requires to update an outgoing integration
changed: [localhost]
/tmp/ansible_collections/community/rocketchat/plugins/module_utils/_client.py:90: DeprecationWarning: old call
/venv/lib/python3.12/site-packages/urllib3/connectionpool.py:1097: InsecureRequestWarning: Unverified HTTPS request
"""


def test_the_check_counts_what_the_collection_causes():
    # ansible-core 2.18 wraps long warnings: an expected text is found across the lines.
    expected = ['rate limiter made the task wait', 'has no token, which Rocket.Chat requires']
    assert collection_warnings(SHOWN, expected=expected) == [
        '[DEPRECATION WARNING]: The remove_values() function from ansible.module_utils.common.parameters is deprecated.',
        '[WARNING]: api_url http://rocket.example.com uses http:// to another machine: the credentials travel '
        'unencrypted.',
        '/tmp/ansible_collections/community/rocketchat/plugins/module_utils/_client.py:90: DeprecationWarning: old call',
    ]
    assert len(collection_warnings(SHOWN)) == 5
