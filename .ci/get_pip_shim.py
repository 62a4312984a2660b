# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Offline stand-in for ansible-test's get-pip-<version>.py bootstrap script.

ansible-test downloads that script from a host these machines cannot reach; this one installs the requested pip
version from the package index instead, using the pip wheel that ships with Python's ensurepip.
"""
import glob
import os
import runpy
import sys

import ensurepip

wheels = sorted(glob.glob(os.path.join(os.path.dirname(ensurepip.__file__), '_bundled', 'pip-*.whl')))
if not wheels:
    sys.exit('ensurepip has no bundled pip wheel')
sys.path.insert(0, wheels[-1])
args = [arg for arg in sys.argv[1:] if arg not in ('--no-setuptools', '--no-wheel')]
sys.argv = ['pip', 'install', '--upgrade', '--force-reinstall'] + args
runpy.run_module('pip', run_name='__main__', alter_sys=True)
