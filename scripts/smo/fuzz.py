# SPDX-License-Identifier: GPL-2.0
"""Hostile input for every new sysfs file and the test module's control
file: random and boundary inputs (empty, huge, negative, non-numeric,
embedded NUL, very long, node ids past MAX_NUMNODES).  A model of each
file's grammar says whether an input must be accepted; the guest writes
each input and reports the write's status and the state that followed;
the host checks that every input had its documented effect or failed and
changed nothing.  The same writes from uid 65534 must all be refused."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

CACHE = 'smo_test_600'
SLAB = f'/sys/kernel/slab/{CACHE}'
CTL = '/sys/kernel/debug/test_slub_movable/control'
FILES = {'move': f'{SLAB}/move', 'balance': f'{SLAB}/balance',
         'ratio': f'{SLAB}/defrag_used_ratio', 'shrink': f'{SLAB}/shrink',
         'control': CTL}
MAX_NUMNODES = 1024


def _words(data: bytes) -> list[bytes]:
    return [w for w in re.split(rb'[ \t\n]', data) if w]


def _node(word: bytes) -> int | None:
    m = re.fullmatch(rb'N?([0-9]{1,4})', word)
    return int(m[1]) if m else None


def accepted(kind: str, data: bytes, memnodes: list[int]) -> bool:
    """Must the kernel accept @data written to the file @kind?"""
    if not data:
        return True                     # no write() at all
    if kind == 'shrink':                # upstream: buf[0] == '1'
        return data[:1] == b'1'
    if b'\0' in data or kind == 'control':
        return False                    # control inputs are all invalid
    if kind == 'balance':
        return data in (b'1', b'1\n')
    if kind == 'ratio':
        m = re.fullmatch(rb'\+?([0-9]+)\n?', data)
        return bool(m) and int(m[1]) <= 100
    if kind == 'move':
        w = _words(data)
        nodes = [_node(x) for x in w]
        return 1 <= len(w) <= 2 and all(n in memnodes for n in nodes)
    raise ValueError(kind)


BOUNDARY = [b'', b' ', b'\n', b'\t', b'0', b'1', b'2', b'-1', b'+1', b'N',
            b'N-1', b'N+1', b'N0', b'N1', b'N3', b'1\n', b'1\n\n', b' 1',
            b'1 ', b'11', b'01', b'N01', b'N0001', b'N00001', b'100', b'101',
            b'+100', b'4294967295', b'4294967296', b'-4294967296',
            b'18446744073709551616', b'99999999999999999999',
            f'N{MAX_NUMNODES}'.encode(), f'N{MAX_NUMNODES - 1}'.encode(),
            b'N9999', b'N65536', b'N2147483647', b'N0 N1', b'N1 N0',
            b'N1  N0', b'N1\tN0', b'N1\nN0', b'N0,N1', b'N0 N1 N2',
            b'N0N1', b'N 1', b'n1', b'0x1', b'N0x1', b'1e3', b'1.5', b'N1.0',
            b'\x00', b'1\x00', b'N1\x00', b'\x00N1', b'N1\x00N0', b'\xff',
            b'N\xc3\xa91', b'1\r', b'N1\r\n', b'\x0bN1', b'N1 ' * 2,
            b'N1' + b' ' * 3000, b'1' * 4000, b'N' + b'1' * 3999,
            b'A' * 4000, b'move N1', b'balance', b'-0', b'N-0']

CONTROL_BAD = [b'', b'frob', b'alloc', b'alloc smo_test_600',
               b'alloc smo_test_600 -1', b'alloc smo_test_600 1x',
               b'alloc smo_test_600 99999999999',
               b'alloc smo_test_600 1 1024', b'alloc smo_test_600 1 N1',
               b'alloc nosuch 1', b'free smo_test_600',
               b'free smo_test_600 every 0', b'free smo_test_600 random 1 101',
               b'free smo_test_600 all 1', b'free smo_test_600 count x',
               b'check', b'check smo_test_600 1', b'enable', b'enable nosuch',
               b'defrag 1 2', b'defrag x', b'defrag 1024', b'defrag -1',
               b'stress', b'stress stop', b'stress go smo_test_600',
               b'stress start smo_test_600 0', b'stress start smo_test_600 0 0',
               b'stress start smo_test_600 0 4097',
               b'stress start smo_test_600 9999 1',
               b'hog', b'hog 1024', b'hog 0 x', b'contig', b'contig 1 0',
               b'blocks smo_test_600 3000', b'vacate', b'slabs',
               b'alloc smo_test_600\x00 1', b'check\x00smo_test_600',
               b'a' * 256, b'check smo_test_600' + b' ' * 300,
               b'alloc smo_test_600 ' + b'9' * 3000]


def inputs(seed: int, per_file: int) -> list[tuple[str, bytes]]:
    """(file kind, data) pairs: the boundary list for every sysfs file,
    control's invalid commands, and random inputs."""
    rnd = random.Random(seed)
    out: list[tuple[str, bytes]] = []
    for kind in ('move', 'balance', 'ratio', 'shrink'):
        out += [(kind, d) for d in BOUNDARY if kind != 'shrink' or
                d[:1] != b'1']          # shrink '1...' only costs time
        alphabet = b'N0123456789 -+x\t\n,.\x00'
        for _ in range(per_file):
            if rnd.random() < 0.7:
                n = rnd.randint(1, 12)
                d = bytes(rnd.choice(alphabet) for _ in range(n))
            else:
                d = bytes(rnd.randrange(256) for _ in range(rnd.randint(1, 24)))
            if kind == 'shrink' and d[:1] == b'1':
                continue
            out.append((kind, d))
    out += [('control', d) for d in CONTROL_BAD if d]
    for _ in range(per_file):
        d = bytes(rnd.randrange(1, 256) for _ in range(rnd.randint(1, 40)))
        out.append(('control', d + b'\x00' + b'alloc'))
    return out


def _esc(data: bytes) -> str:
    return ''.join(chr(b) if chr(b).isalnum() and b < 128 else f'\\{b:03o}'
                   for b in data)


def job(cases: list[tuple[str, bytes]], objects: int = 2000) -> str:
    """The guest script: root writes every case, then uid 65534 does."""
    lines = [f'C={CACHE}', f'CTL={CTL}',
             'smo() { echo "$*" > $CTL && cat $CTL; }',
             'st() { echo "$(smo check $C) ratio=$(cat ' + FILES['ratio'] + ')"; }',
             'modprobe test_slub_movable || exit 1',
             'smo enable $C >/dev/null',
             f'smo alloc $C {objects} >/dev/null',
             'echo "FZ-START $(st)"']
    for i, (kind, data) in enumerate(cases):
        lines.append(f"printf '{_esc(data)}' > {FILES[kind]} 2>/dev/null; "
                     f'echo "FZ {i} $? $(st)"')
    lines.append('echo "FZ-ROOT-END $(st)"')
    lines.append('cat > /tmp/nobody.sh <<\'NOBODY\'')
    lines.append('echo "FZ-NOBODY-UID $(id -u)"')
    for i, (kind, data) in enumerate(cases):
        if data:
            lines.append(f"printf '{_esc(data)}' > {FILES[kind]} 2>/dev/null"
                         f' && echo "FZ-NOBODY-ACCEPTED {i}"')
    lines.append('echo "FZ-NOBODY-DONE"')
    lines.append('NOBODY')
    lines.append('su -s /bin/sh nobody -c "sh /tmp/nobody.sh"; '
                 'echo "FZ-NOBODY-RC $?"')
    lines.append('echo "FZ-NOBODY-END $(st)"')
    lines.append('smo free $C all >/dev/null; rmmod test_slub_movable')
    return '\n'.join(lines) + '\n'


@dataclass
class State:
    objects: int
    nodes: dict[int, int]
    ratio: str


def _state(text: str) -> State:
    objs = re.search(r'objects=(\d+)', text)
    nodes = {int(k): int(v) for k, v in re.findall(r'\bN(\d+)=(\d+)', text)}
    ratio = re.search(r'ratio=(\S*)', text)
    return State(int(objs[1]) if objs else -1, nodes,
                 ratio[1] if ratio else '?')


def effect_ok(kind: str, data: bytes, before: State, after: State,
              memnodes: list[int]) -> bool:
    """Did an accepted write do what its file documents?"""
    if after.objects != before.objects:
        return False
    if not data or kind == 'shrink':
        return after.nodes == before.nodes and after.ratio == before.ratio
    if kind == 'ratio':
        return after.ratio == str(int(re.sub(rb'[^0-9]', b'', data)))
    if after.ratio != before.ratio:
        return False
    if kind == 'balance':
        share = after.objects // len(memnodes)
        return all(share <= after.nodes.get(n, 0) <= share + 1
                   for n in memnodes)
    if kind == 'move':
        nodes = [_node(w) for w in _words(data)]
        if len(nodes) == 1:
            return after.nodes.get(nodes[0], 0) == after.objects
        a, b = nodes
        if a == b:
            return after.nodes == before.nodes
        return after.nodes.get(a, 0) == 0 and after.nodes.get(b, 0) == \
            before.nodes.get(a, 0) + before.nodes.get(b, 0)
    return False


def check(cases: list[tuple[str, bytes]], output: str,
          memnodes: list[int]) -> list[tuple[str, bool, str]]:
    """(name, passed, detail) for the fuzz run."""
    out: list[tuple[str, bool, str]] = []
    start = re.search(r'^FZ-START (.*)$', output, re.M)
    rows = {int(m[1]): (int(m[2]), m[3]) for m in
            re.finditer(r'^FZ (\d+) (\d+) (.*)$', output, re.M)}
    out.append(('every input was written', start is not None and
                len(rows) == len(cases), f'{len(rows)} of {len(cases)}'))
    if start is None:
        return out
    prev = _state(start[1])
    wrong: dict[str, list[str]] = {}
    counts: dict[str, list[int]] = {k: [0, 0] for k in FILES}
    for i, (kind, data) in enumerate(cases):
        if i not in rows:
            continue
        rc, text = rows[i]
        cur = _state(text)
        want = accepted(kind, data, memnodes)
        if want:
            ok = rc == 0 and effect_ok(kind, data, prev, cur, memnodes)
        else:
            ok = rc != 0 and cur == prev
        counts[kind][0 if rc == 0 else 1] += 1
        if not ok:
            wrong.setdefault(kind, []).append(
                f'{data[:40]!r}: rc {rc}, expected '
                f'{"accept" if want else "refuse"}')
        prev = cur
    for kind in FILES:
        n = sum(1 for k, _ in cases if k == kind)
        bad = wrong.get(kind, [])
        out.append((f'{kind}: {n} inputs, each had its documented effect or '
                    f'failed changing nothing', not bad,
                    '; '.join(bad[:3]) or
                    f'{counts[kind][0]} accepted, {counts[kind][1]} refused'))
    root_end = re.search(r'^FZ-ROOT-END (.*)$', output, re.M)
    nob_end = re.search(r'^FZ-NOBODY-END (.*)$', output, re.M)
    accepted_nobody = re.findall(r'^FZ-NOBODY-ACCEPTED (\d+)$', output, re.M)
    # the writes really ran, and as uid 65534: a su that fails runs none
    uid = re.search(r'^FZ-NOBODY-UID (\d+)$', output, re.M)
    ran = uid is not None and uid[1] == '65534' and \
        re.search(r'^FZ-NOBODY-DONE$', output, re.M) is not None and \
        re.search(r'^FZ-NOBODY-RC 0$', output, re.M) is not None
    out.append(('uid 65534: every write refused, nothing changed',
                ran and root_end is not None and nob_end is not None and
                not accepted_nobody and
                _state(root_end[1]) == _state(nob_end[1]),
                f'ran as uid {uid[1] if uid else "?"}: {ran}, '
                f'accepted: {accepted_nobody[:5]}'))
    return out
