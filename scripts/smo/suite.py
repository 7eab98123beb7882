# SPDX-License-Identifier: GPL-2.0
"""The 2019 SMO test suite's assertions, driven from the host, and the
NUMA move/balance assertions on layouts with two or more memory nodes.

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
	moved=$(cut -d' ' -f1 /sys/kernel/slab/$1/move_objects 2>/dev/null)
	per=$(cut -d' ' -f2- /sys/kernel/slab/$1/slabs | sed 's/N\([0-9]*\)=/snode\1=/g')
	echo "$line moved=${moved:-none} live=${live#objects=} $per" |
		sed 's/ N\([0-9]*\)=/ node\1=/g'
}
shrink() { echo 1 > /sys/kernel/slab/$1/shrink; }
modprobe test_slub_movable || exit 1
'''


# Move and balance, on smo_test_600, when the kernel has CONFIG_SMO_NODE
# and the guest two or more memory nodes.  fill NODE...: n / #nodes
# objects on each.
NUMA_JOB = r'''
C=smo_test_600
MEM=$(tr ',' '\n' < /sys/devices/system/node/has_normal_memory |
      while IFS=- read -r a b; do seq "$a" "${b:-$a}"; done | tr '\n' ' ')
set -- $MEM
if [ -e /sys/kernel/slab/$C/move ] && [ $# -ge 2 ]; then
	A=$1; B=$2
	fill() {	# count node...
		per=$(( $1 / ($# - 1) )); shift
		smo free $C all >/dev/null; shrink $C
		for nd in "$@"; do smo alloc $C $per $nd >/dev/null; done
	}
	smo enable $C >/dev/null
	fill N $MEM; step $C numa-filled
	for k in $MEM; do echo "N$k" > /sys/kernel/slab/$C/move; step $C numa-on-$k; done
	fill N $MEM; step $C numa-pair-before
	echo "N$A N$B" > /sys/kernel/slab/$C/move; step $C numa-pair
	balance() {	# scenario
		step $C numa-$1-before
		echo 1 > /sys/kernel/slab/$C/balance; step $C numa-$1
	}
	fill N $A; balance all-on-one
	fill $((N * 9 / 10)) $A; smo alloc $C $((N / 10)) $B >/dev/null
	balance 90-10
	busy=$(echo $MEM | cut -d' ' -f1-$(( $# > 3 ? 3 : $# - 1 )))
	fill N $busy; balance busy-and-empty
	echo 1 > /sys/kernel/slab/$C/balance; step $C numa-again
	smo free $C all >/dev/null; smo disable $C >/dev/null
fi
'''
BALANCE_SCENARIOS = ('all-on-one', '90-10', 'busy-and-empty')


def job(n: int = 20000) -> str:
    """The guest script: the same steps for each test cache, then the
    NUMA steps."""
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
    body.append(f'N={n}\n' + NUMA_JOB)
    body.append('rmmod test_slub_movable\n')
    return ''.join(body)


@dataclass
class Step:
    values: dict[str, int]
    live: int | None
    nodes: dict[int, int]       # node -> objects the module counts there
    slabs: dict[int, int]       # node -> slabs, as sysfs "slabs" says


def parse(text: str) -> dict[tuple[str, str], Step]:
    steps = {}
    for m in _STEP.finditer(text):
        vals: dict[str, int] = {}
        live = None
        nodes = {}
        slabs = {}
        for kv in m[3].split():
            k, _, v = kv.partition('=')
            if k == 'live':
                live = int(v) if v.isdigit() else None
            elif k.startswith('node') and v.isdigit():
                nodes[int(k[4:])] = int(v)
            elif k.startswith('snode') and v.isdigit():
                slabs[int(k[5:])] = int(v)
            elif v.isdigit():
                vals[k] = int(v)
        steps[(m[1], m[2])] = Step(vals, live, nodes, slabs)
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


def numa_assertions(steps: dict[tuple[str, str], Step],
                    memnodes: list[int]) -> list[tuple[str, bool, str]]:
    """Move and balance, judged from the objects' own nodes (the module's
    count) and the per-node slab counts; [] if the guest did not run the
    NUMA steps (fewer than two memory nodes)."""
    from smo import balance

    c = 'smo_test_600'
    out: list[tuple[str, bool, str]] = []
    if len(memnodes) < 2:
        return out

    def check(name: str, ok: bool, detail: str) -> None:
        out.append((f'{c}: {name}', ok, detail))

    filled = steps.get((c, 'numa-filled'))
    if filled is None:
        check('NUMA steps reported', False, 'no numa-filled step')
        return out
    total = filled.live or 0
    check('NUMA steps reported', True, f'{total} objects')
    for k in memnodes:
        st = steps.get((c, f'numa-on-{k}'))
        ok = st is not None and st.live == total and \
            st.nodes.get(k, 0) == total and \
            sum(st.nodes.values()) == total
        check(f'move N{k}: every object on node {k}', ok,
              f'{st.nodes if st else None}, {total} objects')
    a, b = memnodes[0], memnodes[1]
    pb, pa = steps.get((c, 'numa-pair-before')), steps.get((c, 'numa-pair'))
    ok = pb is not None and pa is not None and pa.nodes.get(a, 0) == 0 and \
        pa.nodes.get(b, 0) == pb.nodes.get(a, 0) + pb.nodes.get(b, 0)
    check(f'move N{a} N{b}: node {a} emptied into node {b}', ok,
          f'{pb.nodes if pb else None} -> {pa.nodes if pa else None}')
    m = len(memnodes)
    for sc in BALANCE_SCENARIOS:
        bef, aft = steps.get((c, f'numa-{sc}-before')), \
            steps.get((c, f'numa-{sc}'))
        if bef is None or aft is None:
            check(f'balance from {sc}', False, 'steps missing')
            continue
        tot = sum(aft.nodes.values())
        share = tot // m
        counts = [aft.nodes.get(k, 0) for k in memnodes]
        check(f'balance from {sc}: every node holds its share',
              all(share <= x <= share + 1 for x in counts) and
              tot == sum(bef.nodes.values()),
              f'{bef.nodes} -> {aft.nodes}, share {share}')
        sl = [aft.slabs.get(k, 0) for k in memnodes]
        check(f'balance from {sc}: slab counts within one of each other',
              max(sl) - min(sl) <= 1, f'slabs per node {sl}')
        before = {i: bef.nodes.get(k, 0) for i, k in enumerate(memnodes)}
        least = balance.minimum(before, m)
        ops = aft.values.get('objs_per_slab', 1)
        if 'moved' in aft.values and 'moved' in bef.values:
            moved = aft.values['moved'] - bef.values['moved']
            check(f'balance from {sc}: moves the surplus, no more than '
                  f'repacking needs', least <= moved <= least + ops * m,
                  f'moved {moved}, bounds [{least}, {least + ops * m}] '
                  f'(minimum, + one slab of {ops} per node)')
        else:
            check(f'balance from {sc}: moves the surplus, no more than '
                  f'repacking needs', False,
                  'no move_objects counter (needs CONFIG_SLUB_STATS)')
    last = steps.get((c, f'numa-{BALANCE_SCENARIOS[-1]}'))
    again = steps.get((c, 'numa-again'))
    check('a second balance moves nothing',
          last is not None and again is not None and
          'moved' in last.values and 'moved' in again.values and
          again.values['moved'] == last.values['moved'] and
          bool(again.nodes) and again.nodes == last.nodes,
          f'{last.values.get("moved") if last else None} -> '
          f'{again.values.get("moved") if again else None}')
    return out
