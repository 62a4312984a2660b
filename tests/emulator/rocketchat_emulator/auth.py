# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""/api/info, login, logout and /me (section 6; ApiClass.ts's _initAuth, default/info.ts, lib/getServerInfo.ts)."""

import hashlib
import os
import platform

from .errors import ApiError
from .store import copy_doc


class AuthRoutes:
    """/api/info, login, logout and me; mixed into EmulatorApp."""

    def _public_user(self, user):
        user = copy_doc(user)
        emails = user.get('emails') or []
        if emails:
            user['email'] = emails[0].get('address')
        user['avatarUrl'] = '/avatar/%s' % user['username']
        return user

    def info(self, call, dummy_params):
        """Section 6: X.Y for everyone, X.Y.Z plus info{} for holders of view-statistics."""
        user = self._optional_user(call.request)
        call.user_id = user['_id'] if user else None
        if user and self.store.has_permission(user['_id'], 'view-statistics'):
            digest = hashlib.sha1(self.profile.version.encode('ascii')).hexdigest()
            return 200, {
                'info': {
                    'version': self.profile.version,
                    'build': {
                        'date': self.started_at, 'nodeVersion': 'v22.16.0', 'arch': platform.machine() or 'x64',
                        'platform': 'linux', 'osRelease': platform.release(), 'totalMemory': 0, 'freeMemory': 0,
                        'cpus': os.cpu_count() or 1,
                    },
                    'commit': {
                        'hash': digest, 'date': self.started_at, 'author': 'community.rocketchat emulator',
                        'subject': 'emulated build', 'tag': self.profile.version, 'branch': 'emulator',
                    },
                    'marketplaceApiVersion': '1.x',
                },
                'version': self.profile.version,
                'success': True,
            }
        return 200, {'version': self.profile.short_version, 'success': True}

    def _login_failure(self, error='Unauthorized', message='Unauthorized', details=None):
        return ApiError(401, self.profile.login_failure_body(error, message, details, breaking=self.breaking_changes()))

    def login(self, call, body):
        """Section 6 login forms; each password login creates a new login token."""
        if not isinstance(body, dict):
            body = {}
        if 'resume' in body:
            user_id = self.store.user_id_for_token(body['resume']) if isinstance(body['resume'], str) else None
            if user_id is None:
                raise self._login_failure()
            token = body['resume']
        else:
            user = self._login_user(body)
            if user is None or not self.store.check_password(user['_id'], body.get('password')):
                raise self._login_failure()
            user_id = user['_id']
            if not user.get('active', True):
                raise self._login_failure('error-user-is-not-activated', 'User is not activated')
            required, expected = self.store.totp(user_id)
            code = body.get('code') or call.request.headers.get('x-2fa-code')
            if required and not code:
                raise self._login_failure('totp-required', 'TOTP Required', {'method': 'totp', 'availableMethods': ['totp']})
            if required and str(code) != expected:
                raise self._login_failure('totp-invalid', 'TOTP Invalid', {'method': 'totp'})
            token = self.store.new_login_token(user_id)
        call.user_id = user_id
        me = self._public_user(self.store.get_user(user_id))
        body = {'status': 'success', 'data': {'userId': user_id, 'authToken': token, 'me': me}}
        # 6.x (Restivus) sent the body as built; 7.0's API.v1.success() adds success:true.
        if self.profile.major >= 7:
            body['success'] = True
        return 200, body

    def _login_user(self, body):
        who = body.get('user')
        if isinstance(who, str):
            return self.store.find_user(email=who) if '@' in who else self.store.find_user(username=who)
        if isinstance(who, dict):
            if isinstance(who.get('username'), str):
                return self.store.find_user(username=who['username'])
            if isinstance(who.get('email'), str):
                return self.store.find_user(email=who['email'])
            return None
        if isinstance(body.get('username'), str):
            return self.store.find_user(username=body['username'])
        if isinstance(body.get('email'), str):
            return self.store.find_user(email=body['email'])
        return None

    def logout(self, call, dummy_params):
        """Removes the token in use, personal access tokens included (section 6)."""
        self.store.logout(call.token)
        return 200, {'status': 'success', 'data': {'message': "You've been logged out!"}}

    def me(self, call, dummy_params):
        body = self._public_user(call.user)
        body['success'] = True
        return 200, body
