# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Rocket.Chat REST API emulator for the collection's tests (integrations API, served on loopback)."""

from .receiver import ReceiverServer
from .server import EmulatorServer

__all__ = ['EmulatorServer', 'ReceiverServer']
