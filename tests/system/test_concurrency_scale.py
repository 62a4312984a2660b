# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Nothing lost: parallel forks converge on exactly the intended set, and lookups stay exact on a server holding
10,000 integrations (pages capped at 100 by the server)."""

from __future__ import annotations

import collections
import sys

import pytest

from conftest import connection_env
from rocketchat_emulator import EmulatorServer

HOSTS = [f'h{n}' for n in range(1, 9)]
PLAYBOOK = """
- name: Many forks at once
  hosts: all
  gather_facts: false
  tasks:
    - name: Declare one integration per host, and one that every host declares
      community.rocketchat.rocketchat_integration:
        type: incoming
        name: "{{ item }}"
        channel: "#general"
        username: rocket.cat
      loop: ["conc-{{ inventory_hostname }}", "conc-shared"]

    - name: Remove this host's retired integration
      community.rocketchat.rocketchat_integration:
        type: outgoing
        name: "retired-{{ inventory_hostname }}"
        state: absent

    - name: Remove the retired integration that every host removes
      community.rocketchat.rocketchat_integration:
        type: incoming
        name: retired-shared
        state: absent
"""


def test_parallel_forks_leave_exactly_the_intended_set(ansible, rocket, tmp_path):
    bystanders = [rocket.create_incoming(f'bystander-{n}')['_id'] for n in range(3)]
    # Same names as integrations the play removes, but of the other type: they must survive.
    bystanders += [rocket.create_incoming(f'retired-{host}')['_id'] for host in ('h1', 'h2')]
    for host in HOSTS:
        rocket.create_outgoing(f'retired-{host}', token=f'retired-secret-{host}')
    rocket.create_outgoing('retired-shared-out')
    bystanders.append(rocket.integrations()[-1]['_id'])
    rocket.create_incoming('retired-shared')
    inventory = tmp_path / 'hosts.ini'
    inventory.write_text('[all]\n' + '\n'.join(f'{h} ansible_connection=local ansible_python_interpreter={sys.executable}'
                                               for h in HOSTS) + '\n')
    (tmp_path / 'play.yml').write_text(PLAYBOOK)
    for round_number in (1, 2):
        run = ansible('playbook', '-i', str(inventory), '-f', str(len(HOSTS)), 'play.yml', env=connection_env(rocket.emu))
        assert run.rc == 0, run.output
        names = collections.Counter((d['name'], d['type']) for d in rocket.integrations())
        expected = {(f'conc-{h}', 'webhook-incoming') for h in HOSTS} | {('conc-shared', 'webhook-incoming')}
        assert {key for key, count in names.items() if key[0].startswith('conc-')} == expected
        assert all(count == 1 for count in names.values()), names
        assert not any(name.startswith('retired-') and type_ == 'webhook-outgoing' and name != 'retired-shared-out'
                       for name, type_ in names)
        assert ('retired-shared', 'webhook-incoming') not in names
        ids = {d['_id'] for d in rocket.integrations()}
        assert set(bystanders) <= ids and len(ids) == len(bystanders) + len(expected)
        if round_number == 2:
            assert 'changed=0' in run.stdout and 'changed=1' not in run.stdout and 'changed=2' not in run.stdout


def seeded_server(rocket, targets):
    """10,000 integrations; the targets sit at page boundaries of 100 (positions 99, 100 and the last)."""
    docs = [{'type': 'webhook-incoming', 'name': f'bulk-{n}'} for n in range(10000)]
    for position, name in targets.items():
        docs[position]['name'] = name
    rocket.seed(integrations=docs)
    return {d['_id'] for d in rocket.integrations()}


@pytest.mark.parametrize('version', ['6.13.1', '8.8.1'])
def test_removal_by_name_among_10000_is_exact(ansible, version):
    with EmulatorServer(server_version=version) as emu:
        from conftest import Rocket  # pylint: disable=import-outside-toplevel
        rocket = Rocket(emu)
        targets = {99: 'target-last-of-page-1', 100: 'target-first-of-page-2', 9999: 'target-last'}
        before = seeded_server(rocket, targets)
        removed = set()
        for name in list(targets.values()) + ['bulk-1']:  # bulk-1 is a substring of 1,111 other names
            run = ansible('adhoc', '-m', 'community.rocketchat.rocketchat_integration', '-a',
                          f'type=incoming name={name} state=absent', env=connection_env(emu))
            status, result = run.result()
            assert status == 'CHANGED' and result['integration']['name'] == name
            removed.add(result['integration']['_id'])
        after = {d['_id'] for d in rocket.integrations()}
        assert after == before - removed and len(after) == 10000 - 4
