# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run the receiver for outgoing integrations without setting PYTHONPATH: python tests/emulator/run_receiver.py --port 0"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from rocketchat_emulator.receiver_main import main  # noqa: E402  (needs the path above)

if __name__ == '__main__':
    sys.exit(main())
