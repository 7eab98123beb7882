# SPDX-License-Identifier: GPL-2.0
"""What a config fragment is, and whether a final .config honours it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

_SET = re.compile(r'^(CONFIG_[A-Za-z0-9_]+)=(.*)$')
_UNSET = re.compile(r'^# (CONFIG_[A-Za-z0-9_]+) is not set$')


class ConfigError(Exception):
    """A requested option did not make it into the final .config."""


@dataclass(frozen=True)
class Option:
    name: str
    value: str          # 'n' for "is not set"
    origin: str = ''    # fragment file and line, for messages

    def __str__(self) -> str:
        if self.value == 'n':
            return f'# {self.name} is not set'
        return f'{self.name}={self.value}'


def parse(lines: Iterable[str], origin: str = '') -> dict[str, Option]:
    """Parse a fragment or a .config; later lines override earlier ones."""
    opts: dict[str, Option] = {}
    for no, raw in enumerate(lines, 1):
        line = raw.rstrip('\n').strip()
        m = _SET.match(line)
        if m:
            opts[m[1]] = Option(m[1], m[2], f'{origin}:{no}')
            continue
        m = _UNSET.match(line)
        if m:
            opts[m[1]] = Option(m[1], 'n', f'{origin}:{no}')
    return opts


def parse_file(path: str) -> dict[str, Option]:
    with open(path, encoding='utf-8') as f:
        return parse(f, path)


def missing(requested: dict[str, Option],
            final: dict[str, Option]) -> list[tuple[Option, str]]:
    """Options of @requested that @final does not honour, with what it has."""
    bad = []
    for name, want in requested.items():
        have = final.get(name)
        have_val = have.value if have else 'n'
        if have_val != want.value:
            bad.append((want, 'not set' if have_val == 'n' else have_val))
    return bad


def check(fragments: list[str], dotconfig: str) -> None:
    """Raise ConfigError naming every requested option that did not stick."""
    requested: dict[str, Option] = {}
    for frag in fragments:
        requested.update(parse_file(frag))
    bad = missing(requested, parse_file(dotconfig))
    if bad:
        lines = [f'  {w} (from {w.origin}) but .config has: {h}'
                 for w, h in bad]
        raise ConfigError(f'{len(bad)} requested option(s) did not stick in '
                          f'{dotconfig}:\n' + '\n'.join(lines))
