# SPDX-License-Identifier: GPL-2.0
"""make demo's picture: slabs before and after shrink, and objects and
slabs per node before and after balance and move, from the demo job's
output.  python3 -m smo.demoplot RESULTS PNG"""

from __future__ import annotations

import re
import sys

SHRINK_ROWS = ('after freeing 80 % at random', 'shrink, objects not movable',
               'shrink, objects movable')


def parse(text: str) -> tuple[dict[str, tuple[int, int]],
                              list[tuple[str, list[int], list[int]]]]:
    """{shrink row: (slabs, optimum)}, [(numa row, objects, slabs per node)]"""
    shrink = {}
    for label in SHRINK_ROWS:
        m = re.search(rf'^{re.escape(label)}\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)'
                      rf'\s+(\d+)', text, re.M)
        if m:
            shrink[label] = (int(m[2]), int(m[5]))
    numa = []
    for m in re.finditer(r'^(.{28})((?:\s+\d+ \(\d+\))+)\s*$', text, re.M):
        cells = re.findall(r'(\d+) \((\d+)\)', m[2])
        numa.append((m[1].strip(), [int(o) for o, _ in cells],
                     [int(s) for _, s in cells]))
    return shrink, numa


def plot(text: str, png: str) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    shrink, numa = parse(text)
    if not shrink or not numa:
        raise ValueError('the demo output has no shrink or NUMA table')
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(13, 4.8))
    labels = [r.replace(', objects', ',\n') for r in shrink]
    a1.bar(labels, [v[0] for v in shrink.values()],
           color=['#999999', '#cc6666', '#66aa66'])
    opt = list(shrink.values())[-1][1]
    a1.axhline(opt, ls='--', color='k', lw=1)
    a1.text(2.4, opt, f' optimum {opt}', va='bottom', ha='right')
    a1.set_ylabel('slabs of smo_test_600')
    a1.set_title('80 % of the objects freed at random, then shrink')
    nodes = len(numa[0][2])
    width = 0.8 / len(numa)
    for i, (label, _, slabs) in enumerate(numa):
        a2.bar([n + i * width for n in range(nodes)], slabs, width,
               label=label)
    a2.set_xticks([n + 0.4 - width / 2 for n in range(nodes)],
                  [f'node {n}' for n in range(nodes)])
    a2.set_ylabel('slabs')
    a2.set_title('slabs per node: balance, then move')
    a2.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(png, dpi=90)


if __name__ == '__main__':
    with open(sys.argv[1], encoding='utf-8', errors='replace') as f:
        plot(f.read(), sys.argv[2])
    print(f'picture: {sys.argv[2]}')
