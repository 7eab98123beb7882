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


def scan(text: str) -> list[Report]:
    found = []
    for no, raw in enumerate(text.splitlines(), 1):
        m = _STAMP.search(raw)
        if not m:
            continue
        msg = m[1]
        for kind, pat in REPORTS:
            if pat.search(msg):
                found.append(Report(kind, raw.strip(), no))
                break
    return found
