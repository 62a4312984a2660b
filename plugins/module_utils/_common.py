# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The glue between the modules' logic and the Rocket.Chat client: connection options, credentials, failures.

The functions that take a ``task`` take the interface of plugins/module_utils/_task.py.

PRIVATE to this collection: the interface may change without notice.
"""

from __future__ import annotations

import os
from contextlib import contextmanager

from ansible.module_utils.basic import missing_required_lib
from ansible.module_utils.errors import AnsibleFallbackNotFound

from ansible_collections.community.rocketchat.plugins.module_utils._client import (
    DEFAULT_RATE_LIMIT_MAX_WAIT,
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
    RocketChatClient,
    RocketChatError,
    url_credentials,
)

TOKEN_PAIR = ('api_user_id', 'api_token')
PASSWORD_PAIR = ('api_username', 'api_password')
ENV_VARS = {
    'api_url': 'ROCKETCHAT_URL',
    'api_user_id': 'ROCKETCHAT_USER_ID',
    'api_token': 'ROCKETCHAT_AUTH_TOKEN',
    'api_username': 'ROCKETCHAT_USERNAME',
    'api_password': 'ROCKETCHAT_PASSWORD',
    'validate_certs': 'ROCKETCHAT_VALIDATE_CERTS',
    'ca_path': 'ROCKETCHAT_CA_PATH',
    'timeout': 'ROCKETCHAT_TIMEOUT',
    'rate_limit_max_wait': 'ROCKETCHAT_RATE_LIMIT_MAX_WAIT',
}


def env_fallback_unless_empty(*names):
    """The value of the first of these environment variables that is set and not empty.

    Like Ansible's env_fallback, except that empty variables count as unset: AWX injects blank credential fields as empty
    strings, and an empty ROCKETCHAT_VALIDATE_CERTS or ROCKETCHAT_TIMEOUT would otherwise fail type conversion.
    """
    for name in names:
        if os.environ.get(name):
            return os.environ[name]
    raise AnsibleFallbackNotFound


def rocketchat_argument_spec(**extra):
    """The connection options every module shares, plus the module's own options."""
    def option(name, **spec):
        return dict(spec, fallback=(env_fallback_unless_empty, [ENV_VARS[name]]))

    spec = dict(
        # Not required=True: a missing URL gets a message that also names the environment variable.
        api_url=option('api_url', type='str'),
        api_user_id=option('api_user_id', type='str'),
        api_token=option('api_token', type='str', no_log=True),
        api_username=option('api_username', type='str'),
        api_password=option('api_password', type='str', no_log=True),
        validate_certs=option('validate_certs', type='bool', default=True),
        ca_path=option('ca_path', type='path'),
        timeout=option('timeout', type='int', default=30),
        rate_limit_max_wait=option('rate_limit_max_wait', type='int', default=DEFAULT_RATE_LIMIT_MAX_WAIT),
    )
    spec.update(extra)
    return spec


# Surrounding whitespace that each credential option loses. Rocket.Chat user ids, tokens and user names never contain
# whitespace, so a space or line break around them is always a copying accident (ansible-vault encrypt_string reading
# the standard input keeps the final newline). A password may begin or end with a space, which the server compares
# like any other character, but no password field takes a line break: only line breaks are stripped from it.
CREDENTIAL_STRIP = {
    'api_user_id': None,
    'api_token': None,
    'api_username': None,
    'api_password': '\r\n',
}
SECRET_OPTIONS = ('api_token', 'api_password')


def _given(params, name):
    """The option's value as the task will see it: the parameter, else the environment variable's fallback."""
    value = params.get(name)
    return value if value is not None else os.environ.get(ENV_VARS[name])


def cleaned_credentials(params):
    """The credential options without the surrounding whitespace they may not have (see CREDENTIAL_STRIP)."""
    return {name: value.strip(chars) if isinstance(value, str) else value
            for name, chars in CREDENTIAL_STRIP.items() for value in (params.get(name),)}


def connection_secrets(params):
    """The credentials in the connection options that Ansible does not know as no_log values, from the raw parameters.

    The user:password and the password of an api_url (or ROCKETCHAT_URL) that carries them: api_url is refused then,
    but it is not a no_log option, so invocation, the system log and -vvv output would show it whole. And the
    stripped spelling of a token or password given with surrounding whitespace. Both launchers make these no_log
    values before anything is validated or logged (the logic modules export this as their nested_secrets).
    """
    found = set()
    for value in (params.get('api_url'), os.environ.get(ENV_VARS['api_url'])):
        if isinstance(value, str):
            found.update(url_credentials(value))
    for name in SECRET_OPTIONS:
        value = _given(params, name)
        if isinstance(value, str) and value.strip() and value.strip() != value:
            found.add(value.strip())
    return found


def _pair_hint(pair):
    return ' and '.join(f'{name} ({ENV_VARS[name]})' for name in pair)


def check_connection_options(params):
    """The message for missing or conflicting connection options, or None when they are usable.

    Empty values count as unset: AWX injects empty environment variables for credential fields left blank.
    """
    if not params.get('api_url'):
        return ("api_url is required: set it to the Rocket.Chat server's base URL, for example https://chat.example.com, "
                f"or export {ENV_VARS['api_url']}")
    given = {name for name in TOKEN_PAIR + PASSWORD_PAIR if params.get(name)}
    token_given = given & set(TOKEN_PAIR)
    password_given = given & set(PASSWORD_PAIR)
    if token_given and password_given:
        return ('Give one set of credentials, not both: api_user_id with api_token, or api_username with api_password '
                f'(set here: {", ".join(sorted(given))}; environment variables count too)')
    if not given:
        return ('No Rocket.Chat credentials: set ' + _pair_hint(TOKEN_PAIR) + ' (a personal access token, recommended), '
                'or ' + _pair_hint(PASSWORD_PAIR))
    for pair, present in ((TOKEN_PAIR, token_given), (PASSWORD_PAIR, password_given)):
        if present and len(present) == 1:
            missing = (set(pair) - present).pop()
            return f'{present.pop()} is set but {missing} is missing: set {missing} ({ENV_VARS[missing]}) too'
    return None


def client_for(task):
    """A RocketChatClient configured from the task's connection options; fails the task on bad options."""
    if not HAS_REQUESTS:
        task.fail(missing_required_lib('requests'), exception=REQUESTS_IMPORT_ERROR)
    params = dict(task.params, **cleaned_credentials(task.params))
    problem = check_connection_options(params)
    if problem:
        task.fail(problem)
    if params.get('ca_path') and not os.path.isfile(params['ca_path']):
        task.fail(f"ca_path {params['ca_path']} is not a file: set it to a PEM file of the CA certificates that signed "
                  "the server's certificate")
    if params['timeout'] < 1 or params['rate_limit_max_wait'] < 0:
        task.fail(f"timeout must be 1 or more and rate_limit_max_wait 0 or more (seconds); got {params['timeout']} "
                  f"and {params['rate_limit_max_wait']}")
    try:
        client = RocketChatClient(
            params['api_url'],
            user_id=params.get('api_user_id') or None, token=params.get('api_token') or None,
            username=params.get('api_username') or None, password=params.get('api_password') or None,
            validate_certs=params['validate_certs'], ca_path=params.get('ca_path'), timeout=params['timeout'],
            rate_limit_max_wait=params['rate_limit_max_wait'], warn=task.warn)
    except ValueError as exc:
        task.fail(str(exc))
    if client.sends_credentials_in_clear:
        task.warn(f'api_url {client.base_url} uses http:// to another machine: the credentials travel unencrypted. '
                  'Use https://')
    return client


def explain_error(exc, params):
    """A task failure message for a client error, naming the options that fix it."""
    if exc.status == 401 and exc.endpoint == 'login':
        user = cleaned_credentials(params)['api_username']
        if exc.has_error('totp-required'):
            return (f'User {user!r} has two-factor authentication enabled, so api_username/api_password cannot log in. '
                    'Create a personal access token for it (with "Ignore Two Factor Authentication" checked) and use '
                    'api_user_id and api_token instead')
        if exc.has_error('error-login-blocked'):
            return f'Rocket.Chat has blocked logins for user {user!r} after failed attempts ({exc.error}); wait, then retry'
        if exc.reason is None:
            # Rocket.Chat 9 answers every failed login alike, without saying that two-factor authentication or a
            # lockout stopped it (reference §13.5), so the message lists what the user can do about each.
            return (f'Rocket.Chat rejected the login of user {user!r} without saying why ({exc}). Check api_username '
                    'and api_password. If they are right, the user may have two-factor authentication enabled: then '
                    'create a personal access token for it (with "Ignore Two Factor Authentication" checked) and use '
                    'api_user_id and api_token instead. Logins may also be blocked for a while after failed attempts: '
                    'then wait and retry')
        return f'Rocket.Chat rejected the login of user {user!r}: check api_username and api_password ({exc})'
    if exc.status == 401:
        return (f'Rocket.Chat rejected the credentials ({exc}). Check that api_token is a valid personal access token '
                'of the user whose id is api_user_id, and that it has not been revoked')
    return str(exc)


@contextmanager
def rocketchat_client(task):
    """A logged-in client for the duration of a task; client errors become task failures.

    A session opened with api_username/api_password is logged out afterwards, also when the task fails.
    """
    client = client_for(task)
    try:
        yield client
    except RocketChatError as exc:
        extra = {'status': exc.status} if exc.status else {}
        task.fail(explain_error(exc, task.params), **extra)
    finally:
        try:
            client.close()
        except RocketChatError as exc:
            task.warn(f'Could not log out of Rocket.Chat, so the login token of api_username stays valid until the '
                      f'server expires it: {exc}')
