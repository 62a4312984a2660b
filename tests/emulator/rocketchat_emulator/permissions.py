# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The four integration permissions and the "own" rule (section 2)."""


MANAGE_INCOMING = 'manage-incoming-integrations'
MANAGE_OWN_INCOMING = 'manage-own-incoming-integrations'
MANAGE_OUTGOING = 'manage-outgoing-integrations'
MANAGE_OWN_OUTGOING = 'manage-own-outgoing-integrations'
ANY_INTEGRATION_PERMISSION = (MANAGE_INCOMING, MANAGE_OWN_INCOMING, MANAGE_OUTGOING, MANAGE_OWN_OUTGOING)
OUTGOING_PERMISSIONS = (MANAGE_OUTGOING, MANAGE_OWN_OUTGOING)


def created_by_id(doc):
    created_by = doc.get('_createdBy')
    return created_by.get('_id') if isinstance(created_by, dict) else None
