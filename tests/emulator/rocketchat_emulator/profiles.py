# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What differs between Rocket.Chat releases: one VersionProfile per emulated version (README.md, "Version profiles").

Every behaviour that changes between releases is a property here, named after what changes and citing the release it
starts in; the endpoint modules ask the profile instead of comparing version numbers themselves.
"""

import re

from .errors import ApiError


FORBIDDEN_MESSAGE = 'User does not have the permissions required for this action [error-unauthorized]'
LOGGED_OUT_MESSAGE = 'You must be logged in to do this.'
# Section 13.4 (#43214, 9.0.0-rc.3): the codes the API error switch turns into 403 error-forbidden.
REFUSAL_CODES = ('error-not-allowed', 'not-allowed', 'not-authorized', 'not_authorized', 'no-permission',
                 'error-not-authorized-federation')
# Section 13.3: what a 9.x server does with skipTranspile is UNCONFIRMED; one of these two (setting skip_transpile_variant).
SKIP_TRANSPILE_VARIANTS = ('refused', 'ignored')


class VersionProfile:
    """What differs between Rocket.Chat releases, by major.minor (README.md, "Version profiles").

    Any 6.x, 7.x, 8.x or 9.x version is accepted; each property names the release a behaviour starts in.
    """

    def __init__(self, version):
        match = re.match(r'^(\d+)\.(\d+)(?:\.(\d+))?$', str(version).strip())
        if not match:
            raise ValueError('server version must look like 8.8.1, got %r' % (version,))
        self.major, self.minor, self.patch = int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)
        if self.major not in (6, 7, 8, 9):
            raise ValueError('unsupported server version %s: the emulator has profiles for 6.x, 7.x, 8.x and 9.x' % version)
        self.version = '%d.%d.%d' % (self.major, self.minor, self.patch)
        self.short_version = '%d.%d' % (self.major, self.minor)

    def at_least(self, major, minor=0):
        return (self.major, self.minor) >= (major, minor)

    @property
    def object_ids(self):
        """8.x inserts through BaseRaw with ObjectId hex strings; earlier servers use 17-char Meteor ids (section 4.1)."""
        return self.major >= 8

    @property
    def list_filters(self):
        """name/type filters and the list query schema arrived in 7.0.0 (section 3.3)."""
        return self.major >= 7

    @property
    def script_engine(self):
        # rest-typings 6.3.0 and 6.3.7 have no scriptEngine and make overrideDestinationChannelEnabled
        # required on update (and addIncomingIntegration's check() on create); 6.13.1 has the newer
        # schemas. Both changes are 6.4.0 entries of rest-typings' CHANGELOG.md: 203304782f (PR #30202,
        # the parameter optional on create and update, refused in the outgoing update) and 1041d4d361
        # (scriptEngine).
        return self.at_least(6, 4)

    @property
    def null_writes(self):
        """PR #31497 set the Mongo driver's ignoreUndefined to false: omitted update fields become null (section 12.1).

        Still in review on 2025-01-24 and released without a changeset; 7.3 is the release the emulator picks
        (UNCONFIRMED: it may be 7.4).
        """
        return self.at_least(7, 3)

    @property
    def typed_routes(self):
        # PR #39553 moved integrations.* from addRoute to typed http-router routes (PR #39374's description,
        # March 2026, still lists all six as addRoute) and made the incoming update write avatar, emoji,
        # alias and script only when sent. Merged between 8.3.0-rc.0 and 8.4.0-rc.0; the emulator picks
        # 8.4 (UNCONFIRMED). Typed routes: no ' [invalid-params]' suffix, permission middleware before
        # parameter validation (packages/http-router/src/Router.ts, middlewares/permissions.ts).
        return self.at_least(8, 4)

    @property
    def incoming_update_sent_only(self):
        return self.typed_routes

    @property
    def free_switch_extension(self):
        """users.create's freeSwitchExtension: rest-typings 7.13.9 has it, 7.10.0 not (7.11 to 7.13; UNCONFIRMED)."""
        return self.at_least(7, 13)

    @property
    def skip_transpile(self):
        """skipTranspile in the schemas and stored: PR #40160, 8.4.0 (the Open API description's changelog rows;
        core-typings 8.3.x lack it), to 8.9; 9.0 removed it with Babel (see skip_transpile_removed)."""
        return self.at_least(8, 4) and self.major < 9

    @property
    def skip_transpile_removed(self):
        """9.0 (#40142, section 13.2, 13.3): Babel and the flag are gone; whether the schemas refuse skipTranspile
        or accept and ignore it is UNCONFIRMED, so the skip_transpile_variant setting picks ('refused' by default:
        core-typings 8.8.1 says the field is removed in 9.0.0, and removed schema properties are refused wherever
        additionalProperties is false)."""
        return self.major >= 9

    @property
    def babel_preset_env(self):
        """The transpile path uses @babel/core with preset-env from 8.4 (compileIntegrationScript, PR #40160);
        Meteor's Babel before."""
        return self.at_least(8, 4)

    @property
    def forbidden_refusals(self):
        """9.0 (#43214, 9.0.0-rc.3, section 13.4): refusals with a REFUSAL_CODES code answer 403
        {success:false, error:<message>, errorType:'error-forbidden'} instead of 400."""
        return self.major >= 9

    @property
    def query_parameter_removed(self):
        """`query` removed from integrations.list and integrations.history (docs: "removed in v9.0.0"; PR #41948,
        section 13.6). Its release is UNCONFIRMED; the emulator takes the docs' word: 9.0 refuses query= (400)."""
        return self.major >= 9

    @property
    def breaking_changes_possible(self):
        """applyBreakingChanges = semver.gte(version, '9.0.0') (shouldBreakInVersion, section 13.5): only a 9.x
        server can have the flag on. Whether 9.0 ships it on (or TEST_MODE exempts it) is UNCONFIRMED, so the
        apply_breaking_changes setting turns it on; it has no effect on older profiles."""
        return self.major >= 9

    def refusal(self, status, body):
        """The 9.x API error switch (section 13.4): a 400 whose errorType (Meteor.Error) or error (plain Error) is
        a refusal code becomes 403 error-forbidden, error keeping the message; None when nothing changes.
        The message kept is the error's text as the REST layer printed it before (e.g. "Unauthorized
        [not_authorized]"); whether 9.0 sends that or the bare reason is UNCONFIRMED."""
        if not self.forbidden_refusals or status != 400 or not isinstance(body, dict):
            return None
        if body.get('errorType') in REFUSAL_CODES or body.get('error') in REFUSAL_CODES:
            return {'success': False, 'error': body.get('error'), 'errorType': 'error-forbidden'}
        return None

    def transpiles(self, integration):
        """Whether a save runs the script through Babel (section 13.2, 13.3): every release before 9.0, unless an
        8.4+ server is told skipTranspile: true (compileIntegrationScript's validate-only path). 9.0 removed Babel."""
        if self.major >= 9:
            return False
        return not (self.skip_transpile and integration.get('skipTranspile') is True)

    @property
    def remove_empty(self):
        """8.x create runs removeEmpty(), dropping null keys (section 4.1)."""
        return self.major >= 8

    @property
    def coerce_types(self):
        # Section 12.2: rest-typings 8.0.0 compiled the body schemas with new Ajv() (no coercion), 8.6.1 with
        # the shared coercing ajv (PR #38404, opened 2026-01-28, no changeset). 8.1-8.5 were not published, so
        # the release is 8.1 to 8.6; the emulator coerces from 8.6 (UNCONFIRMED).
        return self.at_least(8, 6)

    @property
    def history_actions(self):
        """integrations.clearHistory and integrations.replayOutgoing were added in 8.7.0 (section 3.7)."""
        return self.at_least(8, 7)

    @property
    def hook_impersonate_check(self):
        # PR #41017 (merged 2026-06-19) makes /hooks refuse users without message-impersonate; it rode the 8.6.0
        # release (8.6.0-rc.1 carries its follow-ups, client libraries had to grant the permission on 8.6.0). Whether
        # the security backports of the older minors' patch releases include it is UNCONFIRMED.
        return self.at_least(8, 6)

    def unauthorized_body(self, breaking=False):
        """401 for a missing or bad X-User-Id / X-Auth-Token (section 6); minimal with applyBreakingChanges (13.5)."""
        if breaking and self.breaking_changes_possible:
            return {'success': False, 'error': LOGGED_OUT_MESSAGE}
        if self.major >= 7:
            return {'success': False, 'error': LOGGED_OUT_MESSAGE, 'status': 'error', 'message': LOGGED_OUT_MESSAGE}
        return {'status': 'error', 'message': LOGGED_OUT_MESSAGE}

    def forbidden_body(self):
        """403 of a route permission gate (section 2; 6.x answered {error:'unauthorized'}).

        No errorType: ApiClass.ts maps Meteor.Error('error-unauthorized') to API.v1.forbidden(e.message) on
        addRoute routes (7.x), and middlewares/permissions.ts calls API.v1.forbidden(msg) on typed ones;
        forbidden() sends only {success, error}.
        """
        if self.major >= 7:
            return {'success': False, 'error': FORBIDDEN_MESSAGE}
        return {'success': False, 'error': 'unauthorized'}

    def login_failure_body(self, error, message, details=None, breaking=False):
        """401 of a failed login (section 6); with applyBreakingChanges only {success:false, error:'unauthorized'}
        (section 13.5: no status, message or details, so not even totp-required shows)."""
        if breaking and self.breaking_changes_possible:
            return {'success': False, 'error': 'unauthorized'}
        body = {'status': 'error', 'error': error, 'message': message}
        if details is not None:
            body['details'] = details
        if self.major >= 7:
            body = dict({'success': False}, **body)
        return body

    def params_error(self, messages, where, typed=None):
        """ajv failure in the legacy (suffix) or typed-route format (section 1); typed: the route's own style."""
        text = '\n '.join(messages)
        if self.typed_routes if typed is None else typed:
            return ApiError(400, {'success': False, 'errorType': 'invalid-params' if where == 'body' else 'error-invalid-params',
                                  'error': text})
        return ApiError(400, {'success': False, 'error': text + ' [invalid-params]', 'errorType': 'invalid-params'})
