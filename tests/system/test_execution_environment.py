# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""An execution environment with this collection gets what its modules need.

`ansible-builder create` writes the build context of an image that installs the built collection. The image build
then installs the collections and runs builder's introspection script, which collects each collection's Python
and system requirements (meta/execution-environment.yml). Both of those steps run here too, without a container:
the collection install exactly as the Containerfile does it, and the introspection script from the build context.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import yaml

from collection_build import build_tarball, clean_copy
from conftest import REPO

pytest.importorskip('ansible_builder')


def requirement_lines(path):
    return [line.strip() for line in path.read_text().splitlines() if line.strip() and not line.startswith('#')]


@pytest.fixture(scope='module')
def build_context(tmp_path_factory):
    """(context directory, tarball name): the build context of an EE definition that installs this collection."""
    work = tmp_path_factory.mktemp('ee')
    tarball = build_tarball(clean_copy(REPO, work / 'checkout'), work)
    definition = {
        'version': 3,
        'images': {'base_image': {'name': 'registry.example.com/ee-minimal:latest'}},  # not pulled by `create`
        'dependencies': {
            'ansible_core': {'package_pip': 'ansible-core'},
            'ansible_runner': {'package_pip': 'ansible-runner'},
            'galaxy': {'collections': [{'name': f'collections/{tarball.name}', 'type': 'file'}]},
        },
        'additional_build_files': [{'src': tarball.name, 'dest': 'collections'}],
    }
    (work / 'execution-environment.yml').write_text(yaml.safe_dump(definition))
    completed = subprocess.run(
        [sys.executable, '-m', 'ansible_builder', 'create', '-f', 'execution-environment.yml', '-c', 'context',
         '--output-filename', 'Containerfile'], cwd=work, capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return work / 'context', tarball


def test_create_writes_a_build_context_with_the_collection(build_context):
    context, tarball = build_context
    containerfile = (context / 'Containerfile').read_text()
    assert (context / '_build' / 'collections' / tarball.name).read_bytes() == tarball.read_bytes()
    requirements = yaml.safe_load((context / '_build' / 'requirements.yml').read_text())
    assert requirements['collections'] == [{'name': f'collections/{tarball.name}', 'type': 'file'}]
    assert 'ansible-galaxy collection install' in containerfile and 'introspect' in containerfile


def test_the_image_build_installs_the_python_requirements_of_the_modules(build_context, tmp_path):
    context, dummy_tarball = build_context
    collections = tmp_path / 'collections'
    ansible_galaxy = os.path.join(os.path.dirname(sys.executable), 'ansible-galaxy')
    # As the Containerfile's galaxy stage does, from the context's _build directory.
    installed = subprocess.run(
        [ansible_galaxy, 'collection', 'install', '--force', '-r', 'requirements.yml', '--collections-path', str(collections)],
        # Only the image's collections path counts: a copy of the collection elsewhere must not make the install a no-op.
        cwd=context / '_build', env=dict(os.environ, ANSIBLE_GALAXY_DISABLE_GPG_VERIFY='1', ANSIBLE_COLLECTIONS_PATH=str(collections)),
        capture_output=True, text=True, check=False)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    # As the builder stage does: the introspection script of the build context writes what pip installs.
    pip_file, bindep_file = tmp_path / 'requirements.txt', tmp_path / 'bindep.txt'
    introspected = subprocess.run(
        [sys.executable, str(context / '_build' / 'scripts' / 'introspect.py'), 'introspect', str(collections),
         f'--write-pip={pip_file}', f'--write-bindep={bindep_file}'], capture_output=True, text=True, check=False)
    assert introspected.returncode == 0, introspected.stdout + introspected.stderr
    expected = [f'{line}  # from collection community.rocketchat' for line in requirement_lines(REPO / 'requirements.txt')]
    assert requirement_lines(pip_file) == expected
    assert not bindep_file.exists() or requirement_lines(bindep_file) == []
