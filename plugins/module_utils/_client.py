# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""HTTP client for the Rocket.Chat REST API.

PRIVATE to this collection: the interface may change without notice.
This layer has no Ansible imports so that it can be tested, and reused, on its own.
"""

from __future__ import annotations

import json
import re
import time
import traceback
import warnings
from urllib.parse import quote, quote_plus, unquote, urlsplit, urlunsplit

try:
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.exceptions import InsecureRequestWarning
    from urllib3.util.retry import Retry
except ImportError:
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None

# Rocket.Chat clamps larger pages to API_Upper_Count_Limit (100 by default) without saying so.
PAGE_SIZE = 100
# Rocket.Chat's rate limiter window is 60 s by default, so one window is the longest wait that is normal.
DEFAULT_RATE_LIMIT_MAX_WAIT = 60
RATE_LIMIT_ATTEMPTS = 5
USER_AGENT = 'community.rocketchat'

_WAIT_SECONDS = re.compile(r'wait (\d+) seconds')
# What a message shows instead of a credential.
MASK = '********'


class RocketChatError(Exception):
    """Anything that went wrong while talking to Rocket.Chat.

    kind says what failed: 'http' (the server answered with an error), 'connection', 'tls',
    'timeout', 'redirect', 'invalid_response' (not JSON) or 'rate_limited'.
    error and error_type are Rocket.Chat's own `error` and `errorType` fields, reason its `message` field (which
    Rocket.Chat 9's answers to a failed login no longer have).
    """

    def __init__(self, message, kind='http', status=None, error=None, error_type=None, details=None, endpoint=None,
                 reason=None):
        super().__init__(message)
        self.message = message
        self.reason = reason
        self.kind = kind
        self.status = status
        self.error = error
        self.error_type = error_type
        self.details = details
        self.endpoint = endpoint

    def __str__(self):
        return self.message

    @property
    def answer_lost(self):
        """True when a request may have reached the server but its answer did not come back.

        A gateway's 502/503/504 or a dropped connection says nothing about whether a write was applied: the caller must
        read the server again before it reports an outcome or repeats the write.
        """
        return self.kind in ('connection', 'timeout') or (
            self.kind in ('http', 'invalid_response') and self.status in (502, 503, 504))

    def has_error(self, text):
        """True when Rocket.Chat's error or errorType contains text.

        Error strings differ between versions (a ' [invalid-params]' suffix comes and goes), so match substrings.
        """
        return any(text in (value or '') for value in (self.error, self.error_type))


def normalize_api_url(url):
    """Return the server's base URL without trailing slashes or a pasted /api/v1.

    Raises ValueError with a message for the user when the URL cannot be a Rocket.Chat base URL.
    """
    text = (url or '').strip()
    parts = urlsplit(text)
    if parts.scheme not in ('http', 'https') or not parts.hostname:
        raise ValueError(
            f"api_url must be the Rocket.Chat server's base URL starting with https:// or http://, "
            f"for example https://chat.example.com or https://example.com/chat; got {safe_url(text)!r}")
    if parts.username or parts.password:
        raise ValueError('api_url must not contain a user name or password; use api_username/api_password or api_user_id/api_token')
    if parts.query or parts.fragment:
        # The query is left out of the message: whatever was pasted there (a token?) is not repeated.
        raise ValueError(f'api_url must not contain a query string or fragment; got {safe_url(text)!r} followed by one')
    path = parts.path.rstrip('/')
    for suffix in ('/api/v1', '/api'):
        if path.endswith(suffix):
            path = path[:-len(suffix)]
            break
    return urlunsplit((parts.scheme, parts.netloc, path, '', ''))


def safe_url(url):
    """The URL without any user:password part, query or fragment, for messages."""
    try:
        parts = urlsplit(url if '//' in url else '//' + url)
    except ValueError:
        return '<unparsable URL>'
    netloc = parts.netloc.rsplit('@', 1)[-1]
    return urlunsplit((parts.scheme, netloc, parts.path, '', '')) if '//' in url else netloc + parts.path


def url_credentials(url):
    """The user:password part of a URL and its password, each as written and decoded; empty when there is none.

    A URL without a scheme ('admin:secret@chat.example.com') counts too: urlsplit would read 'admin' as its scheme.
    """
    text = (url or '').strip()
    try:
        parts = urlsplit(text if '//' in text else '//' + text)
    except ValueError:
        return set()
    if '@' not in parts.netloc:
        return set()
    userinfo = parts.netloc.rsplit('@', 1)[0]
    found = {userinfo, unquote(userinfo)}
    if ':' in userinfo:
        password = userinfo.split(':', 1)[1]
        found.update((password, unquote(password)))
    return {value for value in found if value and value != ':'}


def secret_spellings(secret):
    """Every way a message may spell a secret: as is, without surrounding whitespace, escaped as Python and JSON
    escape it (once, and once more when an escaped text is quoted again), and URL-encoded."""
    found = set()
    for value in (secret, secret.strip()):
        if not value:
            continue
        escaped = {value, repr(value)[1:-1], repr(value.encode('utf-8'))[2:-1], json.dumps(value)[1:-1]}
        escaped.update(repr(text)[1:-1] for text in list(escaped))
        found.update(escaped)
        found.update((quote(value, safe=''), quote_plus(value, safe=''), quote(value)))
    return found


def scrub(text, secrets):
    """text with every spelling of each secret replaced by MASK."""
    spellings = set()
    for secret in secrets:
        if secret:
            spellings.update(secret_spellings(secret))
    for spelling in sorted(spellings, key=len, reverse=True):
        text = text.replace(spelling, MASK)
    return text


def _snippet(text, limit=160):
    """A short one-line excerpt of a response body, for messages."""
    text = re.sub(r'<[^>]*>', ' ', text or '')
    text = ' '.join(text.split())
    return text if len(text) <= limit else text[:limit] + '...'


class RocketChatClient:
    """One authenticated session against one Rocket.Chat server.

    Authenticate either with a user id and a token (a personal access token or a login token; never logged out,
    since logging out revokes a personal access token) or with a user name and password (logged in on first use
    and logged out by close()).
    """

    def __init__(self, api_url, user_id=None, token=None, username=None, password=None,
                 validate_certs=True, ca_path=None, timeout=30, rate_limit_max_wait=DEFAULT_RATE_LIMIT_MAX_WAIT,
                 sleep=time.sleep, clock=time.time, warn=None):
        self.base_url = normalize_api_url(api_url)
        self._user_id = user_id
        self._token = token
        self._username = username
        self._password = password
        self._login_token = None
        self._logged_in = False
        self._server_version = None
        self._version_read = False
        self._verify = ca_path if ca_path else validate_certs
        self._timeout = timeout
        self._rate_limit_max_wait = rate_limit_max_wait
        self.sleep = sleep
        self._clock = clock
        # Called with a message for the user before each wait on the rate limiter: a task that sleeps says why.
        self.warn = warn
        self.session = requests.Session()
        self.session.headers.update({'Accept': 'application/json', 'User-Agent': USER_AGENT})
        # Proxies and CA bundles from the environment stay honoured (requests' trust_env); only retries are tuned.
        adapter = HTTPAdapter(max_retries=Retry(
            total=3, connect=3, read=2, status=3, other=0, redirect=0,
            backoff_factor=0.5,
            # Gateways in front of Rocket.Chat answer these while it restarts; only reads are retried,
            # because a write may already have been applied when a gateway gave up waiting.
            status_forcelist=(502, 503, 504),
            allowed_methods=frozenset(['GET']),
            raise_on_status=False,
            respect_retry_after_header=False,
        ))
        self.session.mount('http://', adapter)
        self.session.mount('https://', adapter)
        if user_id and token:
            self._set_auth(user_id, token)

    # -- authentication -------------------------------------------------------------------------------------

    def _set_auth(self, user_id, token):
        self.session.headers.update({'X-User-Id': user_id, 'X-Auth-Token': token})

    def login(self):
        """Log in with user name and password, once. A no-op with token authentication."""
        if self._logged_in or not (self._username and self._password):
            return
        # 'user' accepts a user name or, when it contains '@', an e-mail address.
        data = self.request('POST', 'login', body={'user': self._username, 'password': self._password}, authenticated=False)
        auth = data.get('data') or {}
        if not auth.get('userId') or not auth.get('authToken'):
            raise RocketChatError(
                f'Rocket.Chat answered the login at {self.base_url}/api/v1/login without a user id and token',
                kind='invalid_response', endpoint='login')
        self._login_token = auth['authToken']
        self._set_auth(auth['userId'], auth['authToken'])
        self._logged_in = True

    def close(self):
        """End the session: log out only what login() opened, then release the connection pool."""
        try:
            if self._logged_in:
                self._logged_in = False
                # The session's headers still carry the login token; do not log in again to log out.
                self.request('POST', 'logout', authenticated=False)
        finally:
            self.session.close()

    # -- requests -------------------------------------------------------------------------------------------

    @property
    def sends_credentials_in_clear(self):
        """True when credentials would cross the network unencrypted (http:// to a host that is not this machine)."""
        parts = urlsplit(self.base_url)
        return parts.scheme == 'http' and parts.hostname not in ('localhost', '::1') and not parts.hostname.startswith('127.')

    @property
    def timeout(self):
        """Seconds the client waits for an answer before it gives up on a request."""
        return self._timeout

    def url_for(self, endpoint):
        """The URL of a REST endpoint ('integrations.list'), or of a path from the server's root ('/api/info')."""
        return f'{self.base_url}{endpoint}' if endpoint.startswith('/') else f'{self.base_url}/api/v1/{endpoint}'

    def server_version(self):
        """The server's version as a tuple of numbers, from /api/info (no login needed; read once); None if not said."""
        if not self._version_read:
            self._version_read = True
            info = self.request('GET', '/api/info', authenticated=False)
            text = info.get('version') or (info.get('info') or {}).get('version') or ''
            match = re.match(r'(\d+)\.(\d+)', str(text))
            self._server_version = (int(match.group(1)), int(match.group(2))) if match else None
        return self._server_version

    def get(self, endpoint, params=None):
        return self.request('GET', endpoint, params=params)

    def post(self, endpoint, body):
        return self.request('POST', endpoint, body=body)

    def put(self, endpoint, body):
        return self.request('PUT', endpoint, body=body)

    def scrub(self, text):
        """text without any spelling of this session's credentials (the token, the password, the login token).

        Texts that reach the user are built from what requests, urllib3 and the server say, and those may quote a
        header or a body: a token with a stray newline is quoted escaped by requests' header check, for example.
        The user id and user name are not secret.
        """
        return scrub(text, (self._token, self._password, self._login_token))

    def _scrub_error(self, exc):
        """Scrub the texts of exc, and drop the exception chained to it when that one quotes a credential."""
        exc.message = self.scrub(exc.message)
        exc.args = (exc.message,)
        exc.error = self.scrub(exc.error) if isinstance(exc.error, str) else exc.error
        cause = exc.__cause__
        if cause is not None and self.scrub(str(cause)) != str(cause):
            exc.__cause__ = None
            exc.__suppress_context__ = True

    def request(self, method, endpoint, params=None, body=None, authenticated=True):
        """Send one API request and return the decoded JSON object of a successful answer.

        Waits and retries when rate limited (up to the configured bound); raises RocketChatError otherwise, whose
        texts never carry a credential. body may be a function that returns the body: it is called before each
        attempt, so that a write sent again after a rate-limit wait can carry what the server holds by then.
        """
        try:
            return self._request(method, endpoint, params, body, authenticated)
        except RocketChatError as exc:
            self._scrub_error(exc)
            raise

    def _request(self, method, endpoint, params, body, authenticated):
        if authenticated:
            self.login()
        attempt = 0
        while True:
            attempt += 1
            response = self._send(method, endpoint, params, body() if callable(body) else body)
            if response.status_code != 429:
                return self._decode(method, endpoint, response)
            # A 429 is answered before the request is processed, so a write can be sent again safely.
            wait = self._rate_limit_wait(response)
            if wait > self._rate_limit_max_wait:
                raise RocketChatError(
                    f'Rocket.Chat rate-limited {method} {self.url_for(endpoint)} and asks to wait {wait:.0f} s, '
                    f'longer than the {self._rate_limit_max_wait} s this task may wait (rate_limit_max_wait). '
                    "Grant the user the 'api-bypass-rate-limit' permission, or raise the server's API rate limiter "
                    'settings', kind='rate_limited', status=429, endpoint=endpoint)
            if attempt >= RATE_LIMIT_ATTEMPTS:
                raise RocketChatError(
                    f'Rocket.Chat rate-limited {method} {self.url_for(endpoint)} {attempt} times in a row; the task '
                    "gave up. Grant the user the 'api-bypass-rate-limit' permission, or raise the server's API rate "
                    'limiter settings', kind='rate_limited', status=429, endpoint=endpoint)
            # A little past the reset, so that the next request lands in the new window.
            if self.warn:
                self.warn(f"Rocket.Chat's API rate limiter made the task wait {wait + 0.1:.1f} s before {method} {endpoint}. "
                          "Grant the user the 'api-bypass-rate-limit' permission (the admin, bot and app roles have it), "
                          "or raise the server's API rate limiter settings, to avoid these waits")
            self.sleep(wait + 0.1)

    def _send(self, method, endpoint, params, body):
        url = self.url_for(endpoint)
        try:
            with warnings.catch_warnings():
                # validate_certs=false is the task's own choice: urllib3's warning about it on every request would
                # reach the console when the task runs in-process (a module process's stderr is not shown).
                warnings.simplefilter('ignore', InsecureRequestWarning)
                return self.session.request(
                    method, url, params=params, json=body, verify=self._verify, timeout=self._timeout,
                    # Following a redirect would resend X-Auth-Token to wherever it points; refuse instead.
                    allow_redirects=False)
        except requests.exceptions.SSLError as exc:
            raise RocketChatError(
                f'TLS verification of {url} failed: {exc}. If the server uses a private or self-signed certificate, '
                'set ca_path to the CA bundle that signed it (validate_certs=false disables the check, not recommended)',
                kind='tls', endpoint=endpoint) from exc
        except (requests.exceptions.Timeout, requests.exceptions.ConnectionError) as exc:
            # Retried read timeouts surface as a ConnectionError around urllib3's MaxRetryError(ReadTimeoutError).
            if isinstance(exc, requests.exceptions.Timeout) or _caused_by_timeout(exc):
                raise RocketChatError(
                    f'{method} {url} timed out after {self._timeout} s; check api_url or raise timeout',
                    kind='timeout', endpoint=endpoint) from exc
            raise RocketChatError(
                f'Could not connect to {url}: {_connection_reason(exc)}. Check api_url and that the server is reachable',
                kind='connection', endpoint=endpoint) from exc
        except requests.exceptions.RequestException as exc:
            # An invalid URL or header, a broken answer: requests' text says which (scrubbed by request()).
            raise RocketChatError(f'{method} {url} failed: {exc}. Check api_url', kind='connection',
                                  endpoint=endpoint) from exc

    def _rate_limit_wait(self, response):
        """Seconds until Rocket.Chat's rate limit window resets (X-RateLimit-Reset is absolute epoch ms)."""
        reset = response.headers.get('X-RateLimit-Reset')
        try:
            return max(0.0, float(reset) / 1000.0 - self._clock())
        except (TypeError, ValueError):
            pass
        match = _WAIT_SECONDS.search(response.text or '')
        return float(match.group(1)) if match else 60.0

    def _decode(self, method, endpoint, response):
        url = self.url_for(endpoint)
        status = response.status_code
        if 300 <= status < 400:
            location = safe_url(response.headers.get('Location', ''))
            raise RocketChatError(
                f'{method} {url} was redirected (HTTP {status}) to {location!r}. Set api_url to the address the server '
                'really answers on (for example https:// instead of http://); redirects are not followed so that '
                'credentials are never sent elsewhere', kind='redirect', status=status, endpoint=endpoint)
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            content_type = response.headers.get('Content-Type', 'no content type')
            raise RocketChatError(
                f'Expected a JSON answer from Rocket.Chat at {url} but received HTTP {status} ({content_type}): '
                f'{_snippet(self.scrub(response.text or ""))!r}. Check that api_url is the base URL of a Rocket.Chat server',
                kind='invalid_response', status=status, endpoint=endpoint)
        if status >= 400 or data.get('success') is False:
            error = data.get('error')
            message = data.get('message')
            text = error if isinstance(error, str) and error else (message or f'HTTP {status}')
            if isinstance(message, str) and message and message != text:
                text = f'{text}: {message}'
            raise RocketChatError(
                f'Rocket.Chat answered {method} {url} with HTTP {status}: {text}', status=status,
                error=error if isinstance(error, str) else None, error_type=data.get('errorType'),
                details=data.get('details'), endpoint=endpoint,
                reason=message if isinstance(message, str) and message else None)
        return data

    def paginate(self, endpoint, key, params=None):
        """Yield every item of a paginated list endpoint, page after page.

        Pages advance by what the server really returned, since it may clamp the page size; an item seen twice
        (the list shifted under a concurrent change) is yielded once.
        """
        query = dict(params or {})
        offset = 0
        seen = set()
        while True:
            query.update(count=PAGE_SIZE, offset=offset)
            page = self.get(endpoint, params=query)
            items = page.get(key) or []
            fresh = [item for item in items if item.get('_id') not in seen]
            for item in fresh:
                seen.add(item.get('_id'))
                yield item
            offset += len(items)
            total = page.get('total')
            if not fresh or (isinstance(total, int) and offset >= total) or (total is None and len(items) < PAGE_SIZE):
                return


def _caused_by_timeout(exc):
    """True when a connection error was really a timeout somewhere down its chain of reasons."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, TimeoutError) or type(exc).__name__ in ('ReadTimeoutError', 'ConnectTimeoutError'):
            return True
        inner = getattr(exc, 'reason', None)
        if inner is None and getattr(exc, 'args', None) and isinstance(exc.args[0], BaseException):
            inner = exc.args[0]
        exc = inner
        seen += 1
    return False


def _connection_reason(exc):
    """The innermost reason of a requests connection error, without the noise of urllib3's wrappers."""
    reason = exc
    while True:
        inner = getattr(reason, 'reason', None) or (reason.args[0] if getattr(reason, 'args', None) else None)
        if inner is None or inner is reason or isinstance(inner, str):
            break
        reason = inner
    text = str(reason)
    match = re.search(r'\[Errno -?\d+\] ([^\')]+)', text)
    if match:
        return match.group(1)
    return re.sub(r'<urllib3[^>]*>:\s*', '', text)
