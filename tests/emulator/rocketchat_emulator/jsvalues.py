# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""JavaScript value rules the server's code relies on (truthiness, parseInt).
"""

import math
import re


def js_truthy(value):
    """JavaScript truthiness ([] and {} are true, '' and 0 are false)."""
    if value is None or value is False:
        return False
    if isinstance(value, (int, float)):
        return value != 0 and not math.isnan(value)
    if isinstance(value, str):
        return value != ''
    return True


def js_parse_int(value):
    """parseInt(String(value)): leading integer or None for NaN."""
    match = re.match(r'^\s*([+-]?\d+)', str(value))
    return int(match.group(1)) if match else None
