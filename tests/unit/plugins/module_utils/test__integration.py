# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Which same-name copies may be parallel runs settling: created within a minute of each other."""

from __future__ import annotations

import pytest

from ansible_collections.community.rocketchat.plugins.module_utils._integration import may_be_parallel_copies


def copies(*created):
    return [{'_id': f'i{n}', 'type': 'webhook-incoming', 'name': 'same', '_createdAt': at} for n, at in enumerate(created)]


@pytest.mark.parametrize('created, expected', [
    (('2026-11-20T10:00:00.000Z', '2026-11-20T10:00:00.004Z'), True),
    (('2026-11-20T10:00:00.000Z', '2026-11-20T10:01:00.000Z'), True),  # the window's edge
    (('2026-11-20T10:00:00.000Z', '2026-11-20T10:01:00.001Z'), False),
    (('2026-11-19T10:00:00.000Z', '2026-11-20T10:00:00.000Z'), False),
    # A date written without an offset is UTC, as JSON dates are: compared, not a crash.
    (('2026-11-20T10:00:00.000Z', '2026-11-20T10:00:01.000'), True),
    (('2026-11-20T10:00:00.000Z', '2026-11-20T12:00:01.000+02:00'), True),
    (('2026-11-20T10:00:00.000Z', None), False),  # no date: cannot tell, so not waited for
    (('2026-11-20T10:00:00.000Z', 'yesterday'), False),
])
def test_copies_created_within_a_minute_may_be_settling(created, expected):
    assert may_be_parallel_copies(copies(*created)) is expected
