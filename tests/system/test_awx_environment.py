# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A playbook run the way AWX runs a job template: the credential arrives as ROCKETCHAT_* environment variables,
the play names no connection option, and the job runs at high verbosity. No secret may appear anywhere."""

from __future__ import annotations

import json

from conftest import connection_env

PLAYBOOK = """
- name: Remove integrations with credentials injected by the job's credential
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Remove the retired incoming hook (check mode first)
      community.rocketchat.rocketchat_integration:
        type: incoming
        name: awx-in
        state: absent
      check_mode: true
      register: predicted

    - name: Remove the retired incoming hook
      community.rocketchat.rocketchat_integration:
        type: incoming
        name: awx-in
        state: absent
      register: removed

    - name: Remove the outgoing hook that calls the retired endpoint
      community.rocketchat.rocketchat_integration:
        target_url: https://retired.example.com/hook
        state: absent
      register: removed_out

    - name: Run again
      community.rocketchat.rocketchat_integration:
        type: incoming
        name: awx-in
        state: absent
      register: again

    - name: Write the registered results for the test to read
      ansible.builtin.copy:
        content: "{{ {'predicted': predicted, 'removed': removed, 'removed_out': removed_out, 'again': again} | to_json }}"
        dest: "{{ results_file }}"
        mode: "0600"
"""


def test_job_template_style_run_with_injected_credentials(ansible, rocket, tmp_path):
    hook = rocket.create_incoming('awx-in')
    out = rocket.create_outgoing('awx-out', urls=['https://retired.example.com/hook'], token='outgoing-secret-awx-77')
    keeper = rocket.create_incoming('awx-keep')
    (tmp_path / 'play.yml').write_text(PLAYBOOK)
    results_file = tmp_path / 'results.json'
    run = ansible('playbook', '-vvvv', '--diff', 'play.yml', '-i', 'localhost,', '-c', 'local',
                  '-e', f'results_file={results_file}', env=connection_env(rocket.emu))
    assert run.rc == 0, run.output
    results = json.loads(results_file.read_text())
    assert results['predicted']['changed'] is True and results['removed']['changed'] is True
    assert results['removed_out']['changed'] is True and results['again']['changed'] is False
    assert results['removed_out']['integration']['_id'] == out['_id']
    assert [d['_id'] for d in rocket.integrations()] == [keeper['_id']]
    for secret in (rocket.emu.admin_token, hook['token'], keeper['token'], 'outgoing-secret-awx-77'):
        assert secret not in run.output
        assert secret not in results_file.read_text()
