# SPDX-License-Identifier: GPL-2.0
"""The 2019 SMO test suite's assertions, driven from the host.

The guest job only drives test_slub_movable and prints, after each step,
the cache's sysfs counters and the module's own count; every assertion is
made here, on the host, from those figures."""

from __future__ import annotations

import re
from dataclasses import dataclass

CACHES = ('smo_test_64', 'smo_test_600')
FIELDS = ('objects', 'total_objects', 'slabs', 'partial', 'objs_per_slab')
_STEP = re.compile(r'^SMO-STEP (\S+) (\S+) (.*)$', re.M)

GUEST_PROLOGUE = r'''
CTL=/sys/kernel/debug/test_slub_movable/control
smo() { echo "$*" > $CTL && cat $CTL; }
step() {	# cache name
	live=$(smo check $1) || live="check-failed"
	line="SMO-STEP $1 $2"
	for f in objects total_objects slabs partial objs_per_slab; do
		line="$line $f=$(cut -d' ' -f1 /sys/kernel/slab/$1/$f)"
	done
	echo "$line live=${live#objects=}" | sed 's/ N\([0-9]*\)=/ node\1=/g'
}
shrink() { echo 1 > /sys/kernel/slab/$1/shrink; }
modprobe test_slub_movable || exit 1
'''


def job(n: int = 20000) -> str:
    """The guest script: the same steps for each test cache."""
    body = [GUEST_PROLOGUE]
    for c in CACHES:
        body.append(f'''
step {c} loaded
smo alloc {c} {n} >/dev/null; step {c} allocated
smo free {c} random 5 80 >/dev/null; step {c} fragmented
shrink {c}; step {c} shrunk-immovable
smo enable {c} >/dev/null; shrink {c}; step {c} shrunk-movable
smo free {c} all >/dev/null; shrink {c}; step {c} emptied
smo disable {c} >/dev/null
''')
    body.append('rmmod test_slub_movable\n')
    return ''.join(body)


@dataclass
class Step:
    values: dict[str, int]
    live: int | None
    nodes: dict[int, int]       # node -> objects the module counts there


def parse(text: str) -> dict[tuple[str, str], Step]:
    steps = {}
    for m in _STEP.finditer(text):
        vals: dict[str, int] = {}
        live = None
        nodes = {}
        for kv in m[3].split():
            k, _, v = kv.partition('=')
            if k == 'live':
                live = int(v) if v.isdigit() else None
            elif k.startswith('node') and v.isdigit():
                nodes[int(k[4:])] = int(v)
            elif v.isdigit():
                vals[k] = int(v)
        steps[(m[1], m[2])] = Step(vals, live, nodes)
    return steps


def _ceil(a: int, b: int) -> int:
    return -(-a // b)


def assertions(steps: dict[tuple[str, str], Step],
               n: int = 20000) -> list[tuple[str, bool, str]]:
    """(name, passed, detail) for every check of every cache."""
    out: list[tuple[str, bool, str]] = []

    def check(name: str, ok: bool, detail: str) -> None:
        out.append((name, ok, detail))

    for c in CACHES:
        get = {s: steps.get((c, s)) for s in (
            'loaded', 'allocated', 'fragmented', 'shrunk-immovable',
            'shrunk-movable', 'emptied')}
        missing = [s for s, v in get.items() if v is None or
                   any(f not in v.values for f in FIELDS)]
        check(f'{c}: every step reported', not missing,
              f'missing {missing}')
        if missing:
            continue
        lo, al, fr, si, sm, em = (get[s] for s in get)  # type: ignore[misc]
        ops = al.values['objs_per_slab']
        nodes = max(1, len(sm.nodes))
        check(f'{c}: empty after load', lo.values['objects'] == 0 and
              lo.live == 0, f'objects={lo.values["objects"]} live={lo.live}')
        check(f'{c}: allocation counted', al.live == n and
              al.values['objects'] >= n, f'live={al.live} objects='
              f'{al.values["objects"]}')
        check(f'{c}: total_objects fits the slabs',
              al.values['total_objects'] <= al.values['slabs'] * ops and
              al.values['total_objects'] >= al.values['objects'],
              str(al.values))
        # read after the first shrink: it drains the KASAN quarantine
        check(f'{c}: fragmentation leaves slabs partial',
              si.values['partial'] * 2 > si.values['slabs'] and
              fr.live is not None and fr.live < n, str(si.values))
        check(f'{c}: shrink without mobility keeps the slabs',
              si.values['slabs'] * 100 >= fr.values['slabs'] * 95 and
              si.live == fr.live, f'{fr.values["slabs"]} -> '
              f'{si.values["slabs"]}')
        live = sm.live or 0
        opt = _ceil(live, ops)
        check(f'{c}: shrink with mobility reaches the optimum',
              sm.values['slabs'] <= opt + nodes,
              f'{sm.values["slabs"]} slabs, optimum {opt}')
        check(f'{c}: sysfs objects equal the live objects after the moves',
              sm.values['objects'] == live and sm.live == fr.live,
              f'objects={sm.values["objects"]} live={live} before={fr.live}')
        check(f'{c}: partial slabs hold less than a slab of free slots '
              f'per node',
              sm.values['total_objects'] - live < ops * nodes,
              f'total_objects={sm.values["total_objects"]} live={live}')
        check(f'{c}: free all and shrink leaves nothing',
              em.values['slabs'] == 0 and em.values['objects'] == 0 and
              em.values['partial'] == 0 and em.live == 0, str(em.values))
    return out
