# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run the Rocket.Chat emulator without setting PYTHONPATH: python tests/emulator/run_emulator.py --port 3000"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from rocketchat_emulator.__main__ import main  # noqa: E402  (needs the path above)

if __name__ == '__main__':
    sys.exit(main())
