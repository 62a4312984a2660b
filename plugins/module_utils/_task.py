# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What the modules' logic sees of the task that runs it, whichever launcher runs it.

The logic of each module (plugins/module_utils/_run_*.py) reads its options from ``task.params``, honours
``task.check_mode`` and ``task.diff``, reports with ``task.warn(msg)`` and ``task.deprecate(msg, version,
collection_name)``, keeps secrets it finds out of the output with
``task.no_log_values``, and ends a failed task with ``task.fail(msg, **result)``, which never returns. A successful run
returns the task result (a dict) from the logic's ``run(task)``.

Two launchers provide this interface: ModuleTask over an AnsibleModule (the module process), and the collection's
action plugins, which run the same logic inside the controller's worker.

PRIVATE to this collection: the interface may change without notice.
"""

from __future__ import annotations


class TaskFailed(Exception):
    """Raised by the fail() of a launcher that does not exit its process: the failure message and result fields."""

    def __init__(self, msg, **result):
        super().__init__(msg)
        self.msg = msg
        self.result = result


class ModuleTask:
    """The task interface over an AnsibleModule: failures and results leave through fail_json and exit_json."""

    def __init__(self, module):
        self.module = module

    @property
    def params(self):
        return self.module.params

    @property
    def check_mode(self):
        return self.module.check_mode

    @property
    def diff(self):
        return self.module._diff  # pylint: disable=protected-access

    @property
    def no_log_values(self):
        return self.module.no_log_values

    def warn(self, msg):
        self.module.warn(msg)

    def deprecate(self, msg, version, collection_name):
        self.module.deprecate(msg, version=version, collection_name=collection_name)

    def fail(self, msg, **result):
        self.module.fail_json(msg=msg, **result)


class InProcessTask:
    """The task interface for a launcher that runs the logic in its own process: fail() raises TaskFailed."""

    def __init__(self, params, check_mode=False, diff=False, no_log_values=None):
        self.params = params
        self.check_mode = check_mode
        self.diff = diff
        self.no_log_values = set(no_log_values or ())
        self.warnings = []
        self.deprecations = []

    def warn(self, msg):
        self.warnings.append(msg)

    def deprecate(self, msg, version, collection_name):
        self.deprecations.append(dict(msg=msg, version=version, collection_name=collection_name))

    def fail(self, msg, **result):
        raise TaskFailed(msg, **result)
