# SPDX-License-Identifier: GPL-2.0
"""make bench: the vanilla base against the patched kernel, same config,
same QEMU settings, same out-of-tree module (scripts/bench/smo_bench.c).

Every boot runs the whole guest job once; boots alternate between the two
kernels and are repeated, in two QEMU modes: plain TCG and -icount
(instruction counting: the guest's clock follows the instructions it
ran).  Each figure is reported as min/median/max over the boots, raw
figures go to a CSV, plots to PNGs, and the report to report.md."""

from __future__ import annotations

import csv
import dataclasses
import os
import re
import statistics
import sys
import time

from . import balance, qemu, topology

FAST_CACHES = ['plain64', 'movable64', 'kmalloc-64', 'kmalloc-256',
               'kmalloc-1k']
PATTERNS = ['rand50', 'rand80', 'rand95', 'every4', 'oldest']
SIZES = [64, 600]
KERNELS = ['vanilla', 'patched']
BIG_SLABS = 100000      # partial slabs of the big shrink (one object each)
SMO_BATCH = 32          # slabs a pass takes out of allocation at a time
MODES = ['icount', 'tcg']

_ROW = re.compile(r'^SMO-BENCH (.+?) :: (.*)$', re.M)


def job(latency: bool, fast_n: int = 20000, frag_n: int = 50000,
        lat_n: int = 10000, big_slabs: int = BIG_SLABS) -> str:
    """The guest job.  Latency only without -icount: there the vCPUs take
    turns and a wall-clock distribution means nothing."""
    lines = ['insmod /extra/smo_bench.ko || exit 1',
             'C=/sys/kernel/debug/smo_bench/control',
             'b() { echo "$*" > $C || { echo "SMO-BENCH $* :: error=1"; '
             'return; }; echo "SMO-BENCH $* :: $(cat $C)"; }']
    for c in FAST_CACHES:
        lines.append(f'b fastpath {c} {fast_n}')
    for size in SIZES:
        lines.append(f'echo "SMO-BENCH ops {size} :: ops=$(cut -d" " -f1 '
                     f'/sys/kernel/slab/bench_frag{size}/objs_per_slab)"')
        for p in PATTERNS:
            lines.append(f'b frag {size} {p} {frag_n}')
        lines.append(f'b minimum {size} {frag_n}')
    lines.append('b memcpy 64')
    if latency:
        lines += [f'b latency {lat_n} 0', f'b latency {lat_n} 1',
                  'ops=$(cut -d" " -f1 /sys/kernel/slab/bench_frag64/'
                  'objs_per_slab)',
                  f'echo "$(b bigshrink {big_slabs} $ops)" | '
                  f'sed "s/bigshrink {big_slabs} $ops/bigshrink {big_slabs}/"']
    lines.append('rmmod smo_bench')
    return '\n'.join(lines) + '\n'


@dataclasses.dataclass
class Row:
    kernel: str
    mode: str
    run: int
    bench: str
    key: str
    value: float


def parse(text: str, kernel: str, mode: str, run: int) -> list[Row]:
    rows = []
    for m in _ROW.finditer(text):
        for kv in m[2].split():
            k, _, v = kv.partition('=')
            try:
                rows.append(Row(kernel, mode, run, m[1], k, float(v)))
            except ValueError:
                pass
    return rows


def values(rows: list[Row], kernel: str, mode: str, bench: str,
           key: str) -> list[float]:
    return [r.value for r in rows if r.kernel == kernel and r.mode == mode
            and r.bench == bench and r.key == key]


def mmm(v: list[float]) -> str:
    if not v:
        return 'n/a'
    return f'{min(v):.0f} / {statistics.median(v):.0f} / {max(v):.0f}'


def med(v: list[float]) -> float:
    return statistics.median(v) if v else float('nan')


def spread(v: list[float]) -> float:
    """(max - min) / median, in percent."""
    if not v or not med(v):
        return float('nan')
    return (max(v) - min(v)) / med(v) * 100


def run_all(objs: dict[str, str], repeat: int, topo: str, timeout: int,
            logdir: str) -> list[Row]:
    rows: list[Row] = []
    total = repeat * len(MODES) * len(KERNELS)
    n = 0
    for mode in MODES:
        for rep in range(repeat):
            for kernel in KERNELS:
                n += 1
                obj = objs[kernel]
                p = qemu.QemuParams(
                    kernel=os.path.join(obj, 'arch/x86/boot/bzImage'),
                    initrd=os.path.join(obj, 'initramfs.cpio'),
                    topology=topology.get(topo), icount=(mode == 'icount'),
                    timeout=timeout)
                t0 = time.time()
                print(f'    [{n}/{total}] {kernel}, {mode}, run {rep + 1} ...',
                      end='', flush=True)
                res = qemu.run(p, job(mode == 'tcg'), log_path=os.path.join(
                    logdir, f'bench-{kernel}-{mode}-{rep}.log'))
                got = parse(res.job_output, kernel, mode, rep)
                why = qemu.judge(res, p.topology)
                print(f' {time.time() - t0:.0f}s, {len(got)} figures'
                      + (f' ({"; ".join(why)})' if why else ''), flush=True)
                if why or not got:
                    raise RuntimeError(f'bench boot failed: {kernel} {mode}')
                rows += got
    return rows


def write_csv(rows: list[Row], path: str) -> None:
    with open(path, 'w', newline='', encoding='utf-8') as f:
        w = csv.writer(f)
        w.writerow(['kernel', 'mode', 'run', 'bench', 'key', 'value'])
        for r in rows:
            w.writerow([r.kernel, r.mode, r.run, r.bench, r.key, r.value])


def pick_mode(rows: list[Row]) -> tuple[str, dict[str, float]]:
    """The mode whose fast-path figures vary least between boots."""
    sp = {}
    for mode in MODES:
        s = [spread(values(rows, k, mode, f'fastpath {c} 20000', 'single_min'))
             for k in KERNELS for c in FAST_CACHES]
        s = [x for x in s if x == x]
        sp[mode] = statistics.mean(s) if s else float('inf')
    return min(sp, key=sp.get), sp


def report(rows: list[Row], bal: list[balance.Result], bal_nodes: int,
           out: str, stamp: str, command: str) -> str:
    mode, sp = pick_mode(rows)
    md = [f'# SMO benchmark: vanilla 6.12 against the patched kernel', '',
          f'Produced by `{command}` on {stamp}.  Both kernels: the fast '
          f'config, QEMU TCG, 2 nodes / 2 CPUs, the same module '
          f'(scripts/bench/smo_bench.c); {len(set(r.run for r in rows))} '
          f'boots per kernel and mode.  Figures: min / median / max over '
          f'the boots.', '',
          '## Timing mode', '',
          'Spread of the fast-path figures between boots, (max - min) / '
          'median, averaged over the caches:', '',
          '| mode | spread |', '|---|---|']
    for m in MODES:
        md.append(f'| {m} | {sp[m]:.1f} % |')
    md += ['', f'The cycle figures below come from **{mode}** mode, the more '
           'repeatable one.', '',
           '## 1. Fast path: cycles per alloc/free pair', '',
           '| cache | vanilla single | patched single | ratio | '
           'vanilla bulk | patched bulk | ratio |',
           '|---|---|---|---|---|---|---|']
    fast = []
    for c in FAST_CACHES:
        b = f'fastpath {c} 20000'
        vs, ps = (values(rows, k, mode, b, 'single_min') for k in KERNELS)
        vb, pb = (values(rows, k, mode, b, 'bulk_min') for k in KERNELS)
        rs, rb = min(ps) / min(vs), min(pb) / min(vb)
        fast.append((c, rs, rb))
        md.append(f'| {c} | {mmm(vs)} | {mmm(ps)} | {rs:.3f} | {mmm(vb)} | '
                  f'{mmm(pb)} | {rb:.3f} |')
    md += ['', 'Ratio: patched / vanilla of the best boot (a boot whose '
           'timed loop had to refill a slab from the page allocator pays '
           'for it in its median).  Goal: no measurable change for caches '
           'without mobility (plain64, kmalloc-*); movable caches within '
           '2 % (movable64).', '']
    md += ['## 2. Defragmentation: slabs after kmem_cache_shrink()', '',
           '| size | pattern | live | slabs before | vanilla after | '
           'patched after | optimum |', '|---|---|---|---|---|---|---|']
    eff = []
    for size in SIZES:
        ops = med(values(rows, 'patched', mode, f'ops {size}', 'ops'))
        for p in PATTERNS:
            b = f'frag {size} {p} 50000'
            live = med(values(rows, 'patched', mode, b, 'live'))
            before = med(values(rows, 'vanilla', mode, b, 'before'))
            va = med(values(rows, 'vanilla', mode, b, 'after'))
            pa = med(values(rows, 'patched', mode, b, 'after'))
            opt = -(-int(live) // int(ops)) if ops == ops else 0
            eff.append((f'{size} {p}', va, pa, opt))
            md.append(f'| {size} | {p} | {live:.0f} | {before:.0f} | '
                      f'{va:.0f} | {pa:.0f} | {opt} |')
    md += ['', 'Goal: patched equal to the optimum (the slabs the live '
           'objects need).', '']
    md += ['## 3. Defragmentation throughput (patched)', '',
           '| size | pattern | moved | shrink ms | objects/s | MiB/s | '
           'ns per moved object | bare minimum ns |',
           '|---|---|---|---|---|---|---|---|']
    tmode = 'tcg'
    for size in SIZES:
        mini = med(values(rows, 'patched', tmode, f'minimum {size} 50000',
                          'ns_per_object'))
        for p in PATTERNS:
            b = f'frag {size} {p} 50000'
            moved = med(values(rows, 'patched', tmode, b, 'moved'))
            ns = med(values(rows, 'patched', tmode, b, 'shrink_ns'))
            byt = med(values(rows, 'patched', tmode, b, 'bytes'))
            if not moved or not ns:
                continue
            md.append(f'| {size} | {p} | {moved:.0f} | {ns / 1e6:.1f} | '
                      f'{moved / ns * 1e9:.0f} | '
                      f'{byt / ns * 1e9 / 2**20:.1f} | {ns / moved:.0f} | '
                      f'{mini:.0f} |')
    mc = med(values(rows, 'patched', tmode, 'memcpy 64', 'mib_per_s'))
    md += ['', f'memcpy bandwidth in the same guest: {mc:.0f} MiB/s.  '
           f'Throughput figures are wall-clock times under plain TCG '
           f'(median over the boots).', '']
    md += ['## 4. Balance (patched, 4 nodes): objects moved', '',
           '| scenario | moved | minimum | 2019 algorithm |', '|---|---|---|---|']
    for r in bal:
        md.append(f'| {r.name} | {r.moved} | '
                  f'{balance.minimum(r.before, bal_nodes)} | '
                  f'{balance.moved_2019(r.before, bal_nodes, r.ops)} |')
    md += ['', 'Per-node slabs before and after: balance.png; per-node '
           'objects in bench.csv.', '']
    md += ['## 5. Latency of single kmalloc-64 alloc/free pairs on CPU 1 '
           '(ns, plain TCG)', '',
           '| kernel | CPU 0 | samples | p50 | p90 | p99 | max |',
           '|---|---|---|---|---|---|---|']
    for k in KERNELS:
        for busy, what in ((0, 'idle'), (1, 'shrinking')):
            b = f'latency 10000 {busy}'
            md.append(f'| {k} | {what} | ' + ' | '.join(
                f'{med(values(rows, k, tmode, b, q)):.0f}'
                for q in ('samples', 'p50', 'p90', 'p99', 'max')) + ' |')
    md += ['', 'With CPU 0 shrinking, only the pairs timed while a shrink '
           'ran count (at most 20 shrinks of a 600-byte cache with 50000 '
           'objects, 80 % freed); a vanilla shrink moves nothing and is '
           'over almost at once, hence its few samples.', '']
    md += big_report(rows, tmode)
    plots(rows, bal, bal_nodes, fast, eff, out)
    md += ['Plots: fastpath.png, defrag.png, balance.png, latency.png; raw '
           'figures: bench.csv.', '']
    return '\n'.join(md)


def big_report(rows: list[Row], mode: str) -> list[str]:
    b = f'bigshrink {BIG_SLABS}'
    md = [f'## 6. Shrink of {BIG_SLABS} partial slabs (plain TCG)', '',
          f'bench_frag64 with {BIG_SLABS} slabs of one object each on node '
          '0, shrunk on CPU 0 while CPU 1 allocates a quarter as many '
          'objects again on node 0, samples the slab count, and sends '
          'CPU 0 IPIs back to back: an IPI waits while CPU 0 runs with '
          'IRQs off, so the longest round trip is the longest IRQs-off '
          'section there (within the idle round trip).  Medians over '
          'the boots.', '',
          '| kernel | slabs holding objects before / after | shrink ms | '
          'moved | allocated during | slab count growth (bound) | '
          'IPI max during the shrink, us | IPI max with CPU 0 idle, us | '
          'IPI avg shrinking / idle, us |',
          '|---|---|---|---|---|---|---|---|---|']
    for k in KERNELS:
        def v(key: str) -> float:
            return med(values(rows, k, mode, b, key))
        bound = f'{SMO_BATCH}' if k == 'patched' else 'none'
        md.append(f'| {k} | {v("before"):.0f} / {v("after"):.0f} | '
                  f'{v("shrink_ms"):.0f} | {v("moved"):.0f} | '
                  f'{v("allocated"):.0f} | {v("growth"):.0f} ({bound}) | '
                  f'{v("ipi_max_us"):.0f} | {v("idle_max_us"):.0f} | '
                  f'{v("ipi_avg_us"):.0f} / {v("idle_avg_us"):.0f} |')
    md += ['', 'Growth: the largest slab count sampled during the pass '
           'minus the count before it.  A vanilla shrink moves nothing: '
           'its IRQs-off walk of the whole partial list is the section '
           'measured.', '']
    return md


def plots(rows, bal, bal_nodes, fast, eff, out) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.5))
    x = range(len(fast))
    ax.bar([i - 0.2 for i in x], [f[1] for f in fast], 0.4, label='single')
    ax.bar([i + 0.2 for i in x], [f[2] for f in fast], 0.4, label='bulk')
    ax.axhline(1.0, color='k', lw=0.8)
    ax.set_xticks(list(x), [f[0] for f in fast])
    ax.set_ylabel('patched / vanilla (cycles per pair)')
    ax.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(out, 'fastpath.png'), dpi=100)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(9, 3.5))
    x = range(len(eff))
    ax.bar([i - 0.27 for i in x], [e[1] for e in eff], 0.27, label='vanilla')
    ax.bar(list(x), [e[2] for e in eff], 0.27, label='patched')
    ax.bar([i + 0.27 for i in x], [e[3] for e in eff], 0.27, label='optimum')
    ax.set_xticks(list(x), [e[0] for e in eff], rotation=30, ha='right')
    ax.set_ylabel('slabs after shrink')
    ax.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(out, 'defrag.png'), dpi=100)
    plt.close(fig)

    if bal:
        fig, axs = plt.subplots(1, len(bal), figsize=(3 * len(bal), 3.2),
                                sharey=True, squeeze=False)
        for ax, r in zip(axs[0], bal):
            n = range(bal_nodes)
            ax.bar([i - 0.2 for i in n],
                   [r.slabs_before.get(i, 0) for i in n], 0.4,
                   label='before')
            ax.bar([i + 0.2 for i in n],
                   [r.slabs_after.get(i, 0) for i in n], 0.4,
                   label='after balance')
            ax.set_title(r.name, fontsize=8)
            ax.set_xlabel('node')
        axs[0][0].set_ylabel('slabs')
        axs[0][0].legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(os.path.join(out, 'balance.png'), dpi=100)
        plt.close(fig)

    fig, ax = plt.subplots(figsize=(7, 3.5))
    qs = ['p50', 'p90', 'p99', 'max']
    for k in KERNELS:
        for busy, what in ((0, 'idle'), (1, 'shrinking')):
            v = [med(values(rows, k, 'tcg', f'latency 10000 {busy}', q))
                 for q in qs]
            ax.plot(qs, v, marker='o', label=f'{k}, CPU 0 {what}')
    ax.set_yscale('log')
    ax.set_ylabel('ns per alloc/free pair')
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(os.path.join(out, 'latency.png'), dpi=100)
    plt.close(fig)


def main(objs: dict[str, str], patched_obj: str, repeat: int, out: str,
         command: str, timeout: int = 1800) -> int:
    os.makedirs(out, exist_ok=True)
    stamp = time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())
    print(f'==> {repeat} boots per kernel and mode ({", ".join(MODES)}), '
          f'{len(KERNELS)} kernels', flush=True)
    rows = run_all(objs, repeat, '2node', timeout, out)
    print('==> balance on 4 nodes (patched)', flush=True)
    p = qemu.QemuParams(
        kernel=os.path.join(patched_obj, 'arch/x86/boot/bzImage'),
        initrd=os.path.join(patched_obj, 'initramfs.cpio'),
        topology=topology.get('4node'), timeout=timeout)
    res = qemu.run(p, balance.job(4), log_path=os.path.join(out,
                                                            'bench-balance.log'))
    bal = balance.parse(res.job_output)
    for r in bal:
        for n in range(4):
            for key, d in (('before_N', r.before), ('after_N', r.after),
                           ('slabs_before_N', r.slabs_before),
                           ('slabs_after_N', r.slabs_after)):
                rows.append(Row('patched', 'tcg', 0, f'balance {r.name}',
                                f'{key}{n}', d.get(n, 0)))
        rows.append(Row('patched', 'tcg', 0, f'balance {r.name}', 'moved',
                        r.moved))
    write_csv(rows, os.path.join(out, 'bench.csv'))
    text = report(rows, bal, 4, out, stamp, command)
    with open(os.path.join(out, 'report.md'), 'w', encoding='utf-8') as f:
        f.write(text)
    print(text)
    return 0


if __name__ == '__main__':
    sys.exit(main({'vanilla': sys.argv[1], 'patched': sys.argv[2]},
                  sys.argv[2], int(sys.argv[3]), sys.argv[4], 'make bench'))
