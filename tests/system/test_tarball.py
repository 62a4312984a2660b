# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What `ansible-galaxy collection build` ships: everything users need, nothing from a developer's working tree.

The build runs in a clean copy of the source files into which the leftovers of a working tree are put (virtual
environments, caches, test output, earlier builds): galaxy.yml's build_ignore and ansible-galaxy's own rules must
keep them out. The repository's own working tree is never built, so whatever it holds cannot leak into the test.
"""

from __future__ import annotations

import fnmatch
import json
import tarfile

import pytest
import yaml

from collection_build import build_tarball, clean_copy
from conftest import REPO

# Leftovers of a working tree: (path, why it is there).
LEFTOVERS = [
    ('.venv/lib/python3.11/site-packages/requests/__init__.py', 'virtual environment'),
    ('.venv312/bin/python3.12', 'second virtual environment'),
    ('plugins/modules/__pycache__/rocketchat_integration.cpython-311.pyc', 'bytecode cache'),
    ('plugins/module_utils/_client.pyc', 'stray bytecode'),
    ('.pytest_cache/v/cache/lastfailed', 'pytest cache'),
    ('tests/output/junit/python3.11-units.xml', 'ansible-test output'),
    ('tests/integration/inventory', 'ansible-test inventory'),
    ('tests/integration/integration_config.yml', 'ansible-test integration settings'),
    ('dist/community-rocketchat-0.9.0.tar.gz', 'earlier build'),
    ('community-rocketchat-0.9.0.tar.gz', 'earlier build in the root'),
    ('.ansible/collections/ansible_collections/x/y/galaxy.yml', 'ansible-lint cache'),
    ('collections/ansible_collections/x/y/galaxy.yml', 'locally installed collections'),
    ('changelogs/.plugin-cache.yaml', 'antsibull-changelog cache'),
]
# Names that must never be in the tarball (fnmatch patterns on each member's path, and on each of its parts).
FORBIDDEN_PATHS = ['.venv*', '*.pyc', '*/__pycache__/*', '.pytest_cache*', 'tests/output*', 'dist*', '*.tar.gz',
                   '.ansible/*', 'collections/*', 'changelogs/.plugin-cache.yaml', '.ci*', 'requirements-dev.txt',
                   'tests/integration/inventory', 'tests/integration/integration_config.yml', '.git*', 'tests/run-*.sh']
FORBIDDEN_PARTS = ['__pycache__', '.venv*', '.pytest_cache', '.tox', '.git']
REQUIRED = [
    'MANIFEST.json', 'FILES.json', 'README.md', 'LICENSE', 'LICENSES/GPL-3.0-or-later.txt', 'REUSE.toml',
    'CHANGELOG.md', 'changelogs/changelog.yaml',
    'meta/runtime.yml', 'meta/execution-environment.yml', 'requirements.txt',
    'plugins/modules/rocketchat_integration.py', 'plugins/modules/rocketchat_integration_info.py',
    'plugins/modules/rocketchat_integrations.py', 'plugins/module_utils/_converge.py',
    'plugins/module_utils/_integration_set.py',
    'plugins/module_utils/_client.py', 'plugins/module_utils/_common.py', 'plugins/doc_fragments/_rocketchat.py',
    'extensions/awx/credential_type/inputs.yml', 'extensions/awx/credential_type/injectors.yml',
    'docs/docsite/extra-docs.yml', 'docs/docsite/links.yml', 'docs/docsite/rst/guide_awx.rst',
    'docs/examples/register_credential_type.yml', 'tests/config.yml',
]
# The collection is a few hundred kB; a leaked virtual environment or build is megabytes.
MAX_SIZE = 2 * 1024 * 1024


@pytest.fixture(scope='module')
def tarball(tmp_path_factory):
    source = clean_copy(REPO, tmp_path_factory.mktemp('checkout') / 'rocketchat')
    for path, why in LEFTOVERS:
        (source / path).parent.mkdir(parents=True, exist_ok=True)
        (source / path).write_text(f'{why}\n')
    return build_tarball(source, tmp_path_factory.mktemp('dist'))


@pytest.fixture(scope='module')
def members(tarball):
    with tarfile.open(tarball) as archive:
        return [member.name[2:] if member.name.startswith('./') else member.name for member in archive.getmembers()]


def test_no_leftovers_of_a_working_tree(members):
    leaked = [name for name in members
              if any(fnmatch.fnmatch(name, pattern) for pattern in FORBIDDEN_PATHS)
              or any(fnmatch.fnmatch(part, pattern) for part in name.split('/') for pattern in FORBIDDEN_PARTS)]
    assert leaked == [], f'build leftovers in the tarball: {leaked}'


def test_everything_users_need_is_shipped(members):
    missing = sorted(set(REQUIRED) - set(members))
    assert missing == [], f'missing from the tarball: {missing}'


def test_size_and_metadata(tarball):
    assert tarball.stat().st_size < MAX_SIZE
    galaxy = yaml.safe_load((REPO / 'galaxy.yml').read_text())
    assert tarball.name == f"community-rocketchat-{galaxy['version']}.tar.gz"
    with tarfile.open(tarball) as archive:
        manifest = json.load(archive.extractfile('MANIFEST.json'))
        shipped_requirements = archive.extractfile('requirements.txt').read().decode()
    info = manifest['collection_info']
    assert (info['namespace'], info['name'], info['version']) == ('community', 'rocketchat', galaxy['version'])
    assert shipped_requirements == (REPO / 'requirements.txt').read_text()
