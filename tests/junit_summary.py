# Copyright (c) 2026 community.rocketchat contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Add up JUnit XML reports and print one closing line: "N passed, N failed, N skipped".

Exits 1 when anything failed or nothing passed, so that a run that tested nothing is not green.
"""
import sys
import xml.etree.ElementTree as ET


def count(paths):
    passed = failed = skipped = 0
    for path in paths:
        root = ET.parse(path).getroot()
        suites = [root] if root.tag == 'testsuite' else root.iter('testsuite')
        for suite in suites:
            for case in suite.iter('testcase'):
                if case.find('failure') is not None or case.find('error') is not None:
                    failed += 1
                elif case.find('skipped') is not None:
                    skipped += 1
                else:
                    passed += 1
    return passed, failed, skipped


def main():
    passed, failed, skipped = count(sys.argv[1:])
    print(f'{passed} passed, {failed} failed, {skipped} skipped')
    return 1 if failed or not passed else 0


if __name__ == '__main__':
    sys.exit(main())
