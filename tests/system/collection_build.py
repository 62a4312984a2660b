# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Build the collection tarball the way a release does: from the files of a clean checkout, with ansible-galaxy."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path


def _git_ls_files(repo, *git_options):
    completed = subprocess.run(['git', *git_options, 'ls-files', '-z', '--cached', '--others', '--exclude-standard'],
                               cwd=repo, capture_output=True, check=True)
    return [name for name in completed.stdout.decode().split('\0') if name]


def source_files(repo):
    """The files git tracks or would track (not ignored), relative to repo: what a clean clone holds.

    tests/run-lib.sh copies the same set. In such a copy (no .git), .gitignore is applied with a throwaway repository.
    """
    inside = subprocess.run(['git', 'rev-parse', '--is-inside-work-tree'], cwd=repo, capture_output=True, text=True,
                            check=False)
    if inside.returncode == 0 and inside.stdout.strip() == 'true':
        names = _git_ls_files(repo)
    else:
        with tempfile.TemporaryDirectory() as scratch:
            subprocess.run(['git', 'init', '-q', scratch], check=True)
            names = _git_ls_files(repo, '--git-dir', os.path.join(scratch, '.git'), '--work-tree', str(repo))
    return [name for name in names if (Path(repo) / name).is_file()]


def clean_copy(repo, dest):
    """Copy the source files of repo to dest (created); returns dest as a Path."""
    dest = Path(dest)
    for name in source_files(repo):
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(Path(repo) / name, target)
    return dest


def build_tarball(source, output_dir):
    """ansible-galaxy collection build of source into output_dir; returns the tarball's path."""
    ansible_galaxy = os.path.join(os.path.dirname(sys.executable), 'ansible-galaxy')
    completed = subprocess.run([ansible_galaxy, 'collection', 'build', '--output-path', str(output_dir), str(source)],
                               capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    tarballs = list(Path(output_dir).glob('community-rocketchat-*.tar.gz'))
    assert len(tarballs) == 1, completed.stdout
    return tarballs[0]
