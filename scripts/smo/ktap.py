# SPDX-License-Identifier: GPL-2.0
"""A small TAP 13 / KTAP parser: results by name, nested subtests too."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# "# <directive> <reason>" or any other comment ("# exit=1" from
# run_kselftest.sh on a failed script) after the name
_RESULT = re.compile(r'^(\s*)(not ok|ok)\s+(\d+)\s*(?:-\s*)?([^#]*?)\s*'
                     r'(?:#\s*(?:(SKIP|TODO|skip|todo)\b\s*)?(.*))?$')
_PLAN = re.compile(r'^(\s*)1\.\.(\d+)')
_VERSION = re.compile(r'^\s*(TAP|KTAP) version \d+')
_BAIL = re.compile(r'^\s*Bail out!\s*(.*)')


@dataclass
class Result:
    name: str
    status: str             # 'pass', 'fail' or 'skip'
    reason: str = ''
    nested: bool = False    # a subtest, named parent/child
    # the diagnostic lines ("# ...") the job printed just before this
    # result, the last DIAG_LINES of them: why a check failed
    diag: list[str] = field(default_factory=list)


DIAG_LINES = 6
_DIAG = re.compile(r'^[#\s]+')


@dataclass
class Suite:
    results: list[Result] = field(default_factory=list)
    planned: int | None = None
    nested_planned: int = 0     # the plans of all subtest blocks, summed
    bailed: str | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def planned_total(self) -> int:
        """Results the plans announce: top-level and subtests, as many as
        self.results holds when every planned test reported."""
        return (self.planned or 0) + self.nested_planned

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def ok(self) -> bool:
        """No failure, and at least one test ran or was skipped."""
        return (not self.errors and not self.bailed and
                self.count('fail') == 0 and bool(self.results))


def parse(text: str, prefix: str = '') -> Suite:
    """Parse the top-level results of @text; nested results are named
    parent/child.  A plan that does not match the count is an error."""
    suite = Suite()
    pending: list[Result] = []      # subtest results awaiting their parent
    pending_plan: int | None = None  # the plan of that subtest block
    seen_version = False
    diag: list[str] = []
    for raw in text.splitlines():
        line = raw.rstrip('\r')
        if line.startswith('# '):   # kselftest runner diagnostics
            inner = line[2:]
            if _RESULT.match(inner) or _PLAN.match(inner):
                line = '    ' + inner
        if line.lstrip().startswith('#'):
            msg = _DIAG.sub('', line)
            if msg and not _VERSION.match(msg):
                diag = (diag + [msg])[-DIAG_LINES:]
            continue
        if _VERSION.match(line):
            seen_version = True
            continue
        m = _BAIL.match(line)
        if m:
            suite.bailed = m[1] or 'bailed out'
            continue
        m = _PLAN.match(line)
        if m:
            if m[1]:
                pending_plan = int(m[2])
                suite.nested_planned += pending_plan
            else:
                suite.planned = int(m[2])
                skip = re.search(r'#\s*SKIP\b\s*(.*)', line, re.I)
                if suite.planned == 0 and skip:
                    suite.results.append(Result(f'{prefix}all', 'skip',
                                                skip[1].strip()))
                    suite.planned = 1
            continue
        m = _RESULT.match(line)
        if not m:
            continue
        indent, okword, _num, name, directive, reason = m.groups()
        name = name.strip() or f'test{_num}'
        if directive and directive.lower() == 'skip':
            status = 'skip'
        else:
            status = 'pass' if okword == 'ok' else 'fail'
        if indent:      # named parent/child when the parent comes
            pending.append(Result(name, status, (reason or '').strip(),
                                  nested=True, diag=diag))
            diag = []
            continue
        res = Result(f'{prefix}{name}', status, (reason or '').strip(),
                     diag=diag)
        diag = []
        for sub in pending:
            sub.name = f'{res.name}/{sub.name}'
            if sub.status == 'fail':
                res.status = 'fail'
        if pending_plan is not None and pending_plan != len(pending):
            suite.errors.append(f'{res.name}: planned {pending_plan} '
                                f'subtests, saw {len(pending)}')
        suite.results.extend(pending)
        suite.results.append(res)
        pending = []
        pending_plan = None
    if pending_plan is not None and pending_plan != len(pending):
        suite.errors.append(f'unfinished subtests: planned {pending_plan}, '
                            f'saw {len(pending)}')
    for sub in pending:     # subtests whose parent never reported
        sub.name = f'{prefix}{sub.name}'
    suite.results.extend(pending)
    if not seen_version and suite.results:
        suite.errors.append('no TAP version line')
    if suite.planned is not None:
        top = sum(1 for r in suite.results if not r.nested)
        if top != suite.planned:
            suite.errors.append(f'planned {suite.planned} tests, '
                                f'saw {top}')
    elif suite.results:
        suite.errors.append('no plan line')
    return suite
