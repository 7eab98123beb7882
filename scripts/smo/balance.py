# SPDX-License-Identifier: GPL-2.0
"""Balance benchmark: objects moved by kmem_cache_balance() against the
minimum possible and against the 2019 algorithm, from the same starting
per-node counts.  Not a test: it prints numbers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

CACHE = 'smo_test_600'
_ROW = re.compile(r'^SMO-BAL (\S+) (\S+) moved=(\d+) ops=(\d+) (.*)$', re.M)

# name -> fraction of the objects on each node (missing nodes get 0)
SCENARIOS: dict[str, list[float]] = {
    'all-on-node0': [1.0],
    '90/10': [0.9, 0.1],
    'three-busy-one-empty': [1 / 3, 1 / 3, 1 / 3],
    'skewed-50/30/20': [0.5, 0.3, 0.2],
}


def job(nodes: int, total: int = 40000) -> str:
    lines = ['CTL=/sys/kernel/debug/test_slub_movable/control',
             'smo() { echo "$*" > $CTL && cat $CTL; }',
             f'C={CACHE}', 'modprobe test_slub_movable || exit 1',
             'smo enable $C >/dev/null',
             'row() { m=$(cut -d" " -f1 /sys/kernel/slab/$C/move_objects); '
             'echo "SMO-BAL $1 $2 moved=$m ops=$(cut -d" " -f1 '
             '/sys/kernel/slab/$C/objs_per_slab) $(smo check $C) '
             '$(smo slabs $C | cut -d" " -f2- | sed "s/N/SN/g")"; }']
    for name, fracs in SCENARIOS.items():
        lines.append('smo free $C all >/dev/null; echo 1 > /sys/kernel/slab/$C/shrink')
        for nid, f in enumerate(fracs[:nodes]):
            n = int(total * f)
            if n:
                lines.append(f'smo alloc $C {n} {nid} >/dev/null')
        lines.append(f'row {name} before')
        lines.append('echo 1 > /sys/kernel/slab/$C/balance')
        lines.append(f'row {name} after')
    return '\n'.join(lines) + '\n'


@dataclass
class Result:
    name: str
    before: dict[int, int]
    after: dict[int, int]
    moved: int
    ops: int
    slabs_before: dict[int, int] = field(default_factory=dict)
    slabs_after: dict[int, int] = field(default_factory=dict)


def _per_node(fields: str, prefix: str) -> dict[int, int]:
    return {int(k[len(prefix):]): int(v) for k, v in
            (kv.split('=') for kv in fields.split()
             if kv.startswith(prefix) and kv[len(prefix):len(prefix) + 1]
             .isdigit())}


def parse(text: str) -> list[Result]:
    rows: dict[str, dict[str, tuple]] = {}
    for m in _ROW.finditer(text):
        rows.setdefault(m[1], {})[m[2]] = (int(m[3]), int(m[4]),
                                           _per_node(m[5], 'N'),
                                           _per_node(m[5], 'SN'))
    out = []
    for name, r in rows.items():
        if 'before' in r and 'after' in r:
            out.append(Result(name, r['before'][2], r['after'][2],
                              r['after'][0] - r['before'][0], r['after'][1],
                              r['before'][3], r['after'][3]))
    return out


def minimum(before: dict[int, int], nodes: int) -> int:
    """Objects that must move: the total surplus over the fair shares."""
    total = sum(before.values())
    share, extra = divmod(total, nodes)
    need = 0
    for nid in range(nodes):
        target = share + (1 if nid < extra else 0)
        need += max(0, before.get(nid, 0) - target)
    return need


def moved_2019(before: dict[int, int], nodes: int, ops: int) -> int:
    """The 2019 algorithm: move every object to node 0, then move
    nr_slabs / nr_nodes full slabs from node 0 to each other node."""
    total = sum(before.values())
    to_zero = total - before.get(0, 0)
    slabs = -(-total // ops)
    per_node = slabs // nodes
    return to_zero + (nodes - 1) * per_node * ops


def table(results: list[Result], nodes: int) -> str:
    lines = [f'{"scenario":<24} {"moved":>8} {"minimum":>8} {"2019":>8}  '
             f'before -> after (objects per node)']
    for r in results:
        b = ' '.join(str(r.before.get(n, 0)) for n in range(nodes))
        a = ' '.join(str(r.after.get(n, 0)) for n in range(nodes))
        lines.append(f'{r.name:<24} {r.moved:>8} '
                     f'{minimum(r.before, nodes):>8} '
                     f'{moved_2019(r.before, nodes, r.ops):>8}  '
                     f'{b} -> {a}')
    return '\n'.join(lines)
