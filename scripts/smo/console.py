# SPDX-License-Identifier: GPL-2.0
"""Scan a guest console log for kernel reports that fail a run."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Kernel lines carry a printk time stamp (CONFIG_PRINTK_TIME); only those
# are scanned, so a test that prints the word "BUG" cannot fail a run.
_STAMP = re.compile(r'\[\s*\d+\.\d+\]\s?(.*)$')

REPORTS: list[tuple[str, re.Pattern[str]]] = [
    ('BUG', re.compile(r'\bBUG: ')),
    ('slab error', re.compile(r'\bBUG \S+ \((Not tainted|Tainted: [^)]*)\)')),
    ('WARNING', re.compile(r'\bWARNING: ')),
    ('Oops', re.compile(r'\bOops\b')),
    ('KASAN', re.compile(r'\bKASAN: ')),
    ('lockdep', re.compile(r'possible (circular|recursive) locking|'
                           r'inconsistent lock state|DEBUG_LOCKS_WARN_ON|'
                           r'lockdep is turned off|suspicious RCU usage')),
    ('panic', re.compile(r'Kernel panic')),
    ('GPF', re.compile(r'general protection fault')),
    ('kmemleak', re.compile(r'kmemleak: \d+ new suspected memory leaks')),
    ('RCU stall', re.compile(r'rcu: INFO: .*detected stalls')),
    ('slab validate', re.compile(r'SLUB: .*(corrupt|error)', re.I)),
]


@dataclass(frozen=True)
class Report:
    kind: str
    line: str
    lineno: int


# A guest test that makes the kernel report something on purpose (a module
# that leaks objects makes kmem_cache_destroy() warn) brackets it, through
# /dev/kmsg, with
#   smo-expect: begin <kind>[,<kind>...]: <why>
#   smo-expect: end
# Reports of those kinds between the two lines are expected, not failures;
# any other report there still fails the run, and so does a window that
# never ends or that saw none of its reports (the test then did not do
# what it meant to).
_EXPECT_BEGIN = re.compile(r'smo-expect: begin ([^:]+):')
_EXPECT_END = re.compile(r'smo-expect: end\b')


def scan(text: str) -> list[Report]:
    found = []
    expect: set[str] | None = None
    begin: tuple[str, int] = ('', 0)
    seen = 0
    for no, raw in enumerate(text.splitlines(), 1):
        m = _STAMP.search(raw)
        if not m:
            continue
        msg = m[1]
        if (b := _EXPECT_BEGIN.search(msg)) and expect is None:
            expect = {k.strip() for k in b[1].split(',')}
            begin, seen = (raw.strip(), no), 0
            continue
        if _EXPECT_END.search(msg) and expect is not None:
            if not seen:
                found.append(Report('expected report missing', begin[0],
                                    begin[1]))
            expect = None
            continue
        for kind, pat in REPORTS:
            if pat.search(msg):
                if expect is not None and kind in expect:
                    seen += 1
                else:
                    found.append(Report(kind, raw.strip(), no))
                break
    if expect is not None:
        found.append(Report('expect window not closed', begin[0], begin[1]))
    return found
