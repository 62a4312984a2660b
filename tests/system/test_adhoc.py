# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""`ansible localhost -m community.rocketchat.rocketchat_integration -a ...`, as people run it from a shell."""

from __future__ import annotations

import http.server
import threading

import pytest

from conftest import connection_env

MODULE = 'community.rocketchat.rocketchat_integration'


def adhoc(ansible, emu, module_args, *extra, env=None):
    return ansible('adhoc', '-m', MODULE, '-a', module_args, *extra, env=dict(connection_env(emu), **(env or {})))


def names(rocket):
    return sorted(doc['name'] for doc in rocket.integrations())


def test_remove_by_name_twice_changes_then_not(ansible, rocket):
    hook = rocket.create_incoming('adhoc-in')
    rocket.create_incoming('adhoc-in-keep')
    rocket.create_outgoing('adhoc-in')  # same name, other type: must survive
    first = adhoc(ansible, rocket.emu, 'type=incoming name=adhoc-in state=absent')
    status, result = first.result()
    assert first.rc == 0 and status == 'CHANGED' and result['changed'] is True
    assert result['integration']['_id'] == hook['_id'] and result['integration']['token'] == '********'
    assert hook['token'] not in first.output and rocket.emu.admin_token not in first.output
    assert names(rocket) == ['adhoc-in', 'adhoc-in-keep']
    assert [d['type'] for d in rocket.integrations() if d['name'] == 'adhoc-in'] == ['webhook-outgoing']
    second = adhoc(ansible, rocket.emu, 'type=incoming name=adhoc-in state=absent')
    status, result = second.result()
    assert second.rc == 0 and status == 'SUCCESS' and result['changed'] is False


def test_connection_options_on_the_command_line(ansible, rocket):
    hook = rocket.create_outgoing('adhoc-out')
    emu = rocket.emu
    run = ansible('adhoc', '-m', MODULE, '-a',
                  f'api_url={emu.url}/api/v1/ api_user_id={emu.admin_user_id} api_token={emu.admin_token} '
                  f'integration_id={hook["_id"]} state=absent')
    status, result = run.result()
    assert run.rc == 0 and status == 'CHANGED' and result['integration']['type'] == 'webhook-outgoing'
    assert rocket.integrations() == []


def test_check_mode_with_diff_changes_nothing_and_shows_no_secret(ansible, rocket):
    hook = rocket.create_incoming('adhoc-check')
    before = rocket.integrations()
    run = adhoc(ansible, rocket.emu, 'type=incoming name=adhoc-check state=absent', '--check', '--diff')
    status, result = run.result()
    assert run.rc == 0 and status == 'CHANGED' and result['msg'].startswith('Would remove')
    assert 'adhoc-check' in run.stdout and hook['token'] not in run.output
    assert rocket.integrations() == before


def test_wrong_type_fails_clearly_and_removes_nothing(ansible, rocket):
    hook = rocket.create_outgoing('adhoc-typed')
    before = rocket.integrations()
    run = adhoc(ansible, rocket.emu, f'type=incoming integration_id={hook["_id"]} state=absent')
    status, result = run.result()
    assert run.rc != 0 and status == 'FAILED'
    assert 'type: outgoing' in result['msg'] and 'nothing was changed' in result['msg']
    assert rocket.integrations() == before


def test_password_login_is_logged_out_and_the_token_of_the_admin_survives(ansible, rocket):
    rocket.create_incoming('adhoc-pw')
    emu = rocket.emu
    env = {'ROCKETCHAT_URL': emu.url, 'ROCKETCHAT_USERNAME': emu.admin_username, 'ROCKETCHAT_PASSWORD': emu.admin_password}
    logouts_before = len(rocket.state()['logouts'])
    run = ansible('adhoc', '-m', MODULE, '-a', 'type=incoming name=adhoc-pw state=absent', env=env)
    status, dummy = run.result()
    assert run.rc == 0 and status == 'CHANGED' and emu.admin_password not in run.output
    assert len(rocket.state()['logouts']) == logouts_before + 1
    assert rocket.api('GET', 'me').status_code == 200  # the personal access token was never logged out


def test_token_auth_never_logs_out(ansible, rocket):
    rocket.create_incoming('adhoc-pat')
    logouts_before = len(rocket.state()['logouts'])
    run = adhoc(ansible, rocket.emu, 'type=incoming name=adhoc-pat state=absent')
    assert run.rc == 0 and len(rocket.state()['logouts']) == logouts_before
    assert rocket.api('GET', 'me').status_code == 200


def test_bad_token_fails_clearly_without_printing_it(ansible, rocket):
    rocket.create_incoming('adhoc-badtoken')
    before = rocket.integrations()
    run = adhoc(ansible, rocket.emu, 'type=incoming name=adhoc-badtoken state=absent',
                env={'ROCKETCHAT_AUTH_TOKEN': 'wrong-token-3c9e1d'})
    status, result = run.result()
    assert status == 'FAILED' and result['status'] == 401 and 'api_token' in result['msg']
    assert 'wrong-token-3c9e1d' not in run.output
    assert rocket.integrations() == before


def test_unreachable_server_names_the_url(ansible, rocket):
    run = adhoc(ansible, rocket.emu, 'type=incoming name=x state=absent', env={'ROCKETCHAT_URL': 'http://127.0.0.1:9'})
    status, result = run.result()
    assert status == 'FAILED' and 'Could not connect to http://127.0.0.1:9/api/v1/integrations.list' in result['msg']


class _HtmlPage(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # pylint: disable=invalid-name
        body = b'<html><head><title>Welcome</title></head><body><h1>It works!</h1></body></html>'
        self.send_response(200)
        self.send_header('Content-Type', 'text/html')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # pylint: disable=arguments-differ
        pass


@pytest.fixture
def html_server():
    httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), _HtmlPage)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f'http://127.0.0.1:{httpd.server_address[1]}'
    httpd.shutdown()
    httpd.server_close()


def test_api_url_of_a_web_page_that_is_not_rocketchat(ansible, rocket, html_server):
    run = adhoc(ansible, rocket.emu, 'type=incoming name=x state=absent', env={'ROCKETCHAT_URL': html_server})
    status, result = run.result()
    assert status == 'FAILED'
    assert f'{html_server}/api/v1/integrations.list' in result['msg'] and 'text/html' in result['msg']
    assert 'It works!' in result['msg'] and 'api_url' in result['msg']


def test_create_then_converge_ad_hoc_and_ask_for_the_webhook_url(ansible, rocket):
    args = "type=incoming name=adhoc-new channel='#general' username=rocket.cat emoji=':ok:'"
    first = adhoc(ansible, rocket.emu, args)
    status, created = first.result()
    assert first.rc == 0 and status == 'CHANGED' and created['changed_options'][0] == 'name'
    stored, = rocket.integrations()
    assert (stored['name'], stored['channel'], stored['emoji']) == ('adhoc-new', ['#general'], ':ok:')
    # The hook's token is in no output unless the task asks for the URL.
    assert 'webhook_url' not in created and stored['token'] not in first.output
    second = adhoc(ansible, rocket.emu, args + ' return_webhook_url=true')
    status, again = second.result()
    assert second.rc == 0 and status == 'SUCCESS' and again['changed'] is False
    assert again['webhook_url'] == f"{rocket.url}/hooks/{stored['_id']}/{stored['token']}"
