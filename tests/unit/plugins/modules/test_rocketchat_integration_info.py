# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""rocketchat_integration_info through main(), against scripted Rocket.Chat answers."""

from __future__ import annotations

import json

from ansible_collections.community.rocketchat.plugins.modules import rocketchat_integration_info as module
from ansible_collections.community.rocketchat.tests.unit.conftest import BASE_URL, TOKEN_ARGS, fail, ok

SECRET = 'hook-secret-info-4411'


def doc(_id, name, type_='webhook-incoming'):
    return {'_id': _id, 'name': name, 'type': type_, 'token': SECRET, 'channel': ['#general']}


def page(docs, offset, total):
    return ok(integrations=docs, offset=offset, items=len(docs), count=len(docs), total=total)


def test_lists_every_page_masks_tokens_and_never_changes(run_module, transport):
    transport.on('GET', 'integrations.list', page([doc(f'i{n}', f'n{n}') for n in range(100)], 0, 130),
                 page([doc(f'i{n}', f'n{n}') for n in range(100, 130)], 100, 130))
    result, failed = run_module(module.main, dict(TOKEN_ARGS, _ansible_check_mode=True))
    assert not failed and result['changed'] is False and len(result['integrations']) == 130
    assert {d['token'] for d in result['integrations']} == {'********'} and SECRET not in json.dumps(result)
    assert [c['method'] for c in transport.calls] == ['GET', 'GET']


def test_filters_by_exact_name_and_type(run_module, transport):
    transport.on('GET', 'integrations.list', page([doc('a', 'Deploy'), doc('b', 'deploy'), doc('c', 'Deploy', 'webhook-outgoing'),
                                                   doc('d', 'Deploy hook')], 0, 4))
    result, failed = run_module(module.main, dict(TOKEN_ARGS, name='Deploy', type='incoming'))
    assert not failed and [d['_id'] for d in result['integrations']] == ['a']
    assert transport.calls[0]['params']['name'] == 'Deploy' and transport.calls[0]['params']['type'] == 'webhook-incoming'


def test_by_id_returns_one_or_none(run_module, transport):
    transport.on('GET', 'integrations.get', ok(integration=doc('x', 'X')), fail(400, 'The integration does not exists.'))
    first, dummy = run_module(module.main, dict(TOKEN_ARGS, integration_id='x'))
    second, dummy = run_module(module.main, dict(TOKEN_ARGS, integration_id='gone'))
    assert [d['_id'] for d in first['integrations']] == ['x'] and second['integrations'] == []


def test_missing_permission_is_an_error(run_module, transport):
    transport.on('GET', 'integrations.list', fail(403, 'User does not have the permissions required for this action '
                                                       '[error-unauthorized]', 'error-unauthorized'))
    result, failed = run_module(module.main, dict(TOKEN_ARGS, type='outgoing'))
    assert failed and 'manage-outgoing-integrations' in result['msg']


def test_webhook_urls_are_returned_only_when_asked(run_module, transport):
    transport.on('GET', 'integrations.list', page([doc('i1', 'In'), doc('o1', 'Out', 'webhook-outgoing')], 0, 2))
    result, failed = run_module(module.main, TOKEN_ARGS)
    assert not failed and all('webhook_url' not in d for d in result['integrations'])
    assert SECRET not in json.dumps(result)
    result, failed = run_module(module.main, dict(TOKEN_ARGS, return_webhook_url=True))
    assert not failed
    incoming, outgoing = result['integrations']
    assert incoming['webhook_url'] == f'{BASE_URL}/hooks/i1/{SECRET}' and incoming['token'] == '********'
    assert 'webhook_url' not in outgoing and outgoing['token'] == '********'


def test_webhook_url_of_one_integration_found_by_id(run_module, transport):
    transport.on('GET', 'integrations.get', ok(integration=doc('x', 'X')))
    result, failed = run_module(module.main, dict(TOKEN_ARGS, integration_id='x', return_webhook_url=True))
    assert not failed and result['integrations'][0]['webhook_url'] == f'{BASE_URL}/hooks/x/{SECRET}'
    result, failed = run_module(module.main, dict(TOKEN_ARGS, integration_id='x'))
    assert not failed and SECRET not in json.dumps(result)
