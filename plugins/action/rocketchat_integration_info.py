# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Runs community.rocketchat.rocketchat_integration_info inside the controller when the task runs there, as a module process otherwise."""

from __future__ import annotations

from ansible_collections.community.rocketchat.plugins.module_utils import _run_integration_info as logic
from ansible_collections.community.rocketchat.plugins.plugin_utils._in_process import RocketChatActionBase


class ActionModule(RocketChatActionBase):
    LOGIC = logic
