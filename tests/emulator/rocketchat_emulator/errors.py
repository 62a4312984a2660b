# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Error answers, as the REST layer builds them (section 1): shared by every group of endpoints."""


class ApiError(Exception):
    """An HTTP answer other than success, raised from anywhere in a handler."""

    def __init__(self, status, body):
        super().__init__(body.get('error') if isinstance(body, dict) else body)
        self.status = status
        self.body = body


def failure(error, error_type=None, details=None):
    """API.v1.failure: HTTP 400 {success:false, error, errorType?, details?} (section 1)."""
    body = {'success': False, 'error': error}
    if error_type is not None:
        body['errorType'] = error_type
    if details is not None:
        body['details'] = details
    return ApiError(400, body)


def meteor_error(code, reason=None, details=None):
    """A Meteor.Error(code, reason, details) thrown by a server method, as the REST layer reports it (section 1)."""
    return failure('%s [%s]' % (reason, code) if reason else '[%s]' % code, code, details)
