# SPDX-License-Identifier: GPL-2.0
"""Check a kernel .rst page without Sphinx: docutils parses it (the
kernel's own directives are set aside), and every ``.. kernel-doc::``
directive is run through scripts/kernel-doc, which must find each
identifier it names.  "make htmldocs" is too heavy for this machine."""

from __future__ import annotations

import re
import subprocess
import sys

_KDOC = re.compile(r'^\.\. kernel-doc:: (\S+)\n((?:   :\S+:.*\n)*)', re.M)


def directives(text: str) -> list[tuple[str, list[str]]]:
    """(file, identifiers) of each kernel-doc directive."""
    out = []
    for m in _KDOC.finditer(text):
        ids: list[str] = []
        for opt in m[2].splitlines():
            key, _, val = opt.strip()[1:].partition(':')
            if key in ('identifiers', 'functions'):
                ids += val.split()
        out.append((m[1], ids))
    return out


def docutils_errors(text: str) -> list[str]:
    import docutils.core
    import docutils.utils

    plain = _KDOC.sub('.. (kernel-doc directive checked separately)\n\n',
                      text)
    errors: list[str] = []

    class Stream:
        def write(self, s: str) -> None:
            if s.strip():
                errors.append(s.strip())

    try:
        docutils.core.publish_doctree(
            plain, settings_overrides={'report_level': 2, 'halt_level': 5,
                                       'warning_stream': Stream()})
    except docutils.utils.SystemMessage as e:       # pragma: no cover
        errors.append(str(e))
    return errors


def kerneldoc_errors(tree: str, text: str) -> list[str]:
    errors = []
    for path, ids in directives(text):
        args = ['perl', 'scripts/kernel-doc', '-rst', '-sphinx-version', '3.4.3']
        for i in ids:
            args += ['-function', i]
        r = subprocess.run(args + [path], cwd=tree, capture_output=True,
                           text=True)
        if r.returncode or 'warning' in r.stderr.lower():
            errors.append(f'kernel-doc {path}: {r.stderr.strip()}')
        for i in ids:
            if not re.search(rf'^\.\. c:\w+:: .*\b{re.escape(i)}\b', r.stdout,
                             re.M):
                errors.append(f'kernel-doc {path}: no documentation for {i}')
    return errors


def main(argv: list[str]) -> int:
    """rstcheck.py TREE FILE...: prints PASS|FAIL rst:<file> lines."""
    tree, files = argv[0], argv[1:]
    fail = 0
    for f in files:
        with open(f'{tree}/{f}') as fh:
            text = fh.read()
        errs = docutils_errors(text) + kerneldoc_errors(tree, text)
        print(f'{"FAIL" if errs else "PASS"} rst:{f}')
        for e in errs:
            print(f'    {e}', file=sys.stderr)
        fail |= bool(errs)
    return fail


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
