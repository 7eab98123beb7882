# SPDX-License-Identifier: GPL-2.0
"""Command line of the SMO host harness: python3 -m smo.cli <command>."""

from __future__ import annotations

import argparse
import functools
import os
import sys
import traceback
import unittest

from . import balance, fuzz, kconfig, ktap, qemu, suite, topology


def cmd_check_config(args: argparse.Namespace) -> int:
    try:
        kconfig.check(args.fragments, args.config)
    except kconfig.ConfigError as e:
        print(f'ERROR: {e}', file=sys.stderr)
        return 1
    return 0


def _params(args: argparse.Namespace) -> qemu.QemuParams:
    topo = topology.get(args.topology)
    if args.mem:
        topo = topo.scaled(args.mem)
    obj = args.obj
    arch = build_arch(obj)
    if arch == 'arm64':
        kernel, binary = 'arch/arm64/boot/Image', 'qemu-system-aarch64'
    else:
        kernel, binary = 'arch/x86/boot/bzImage', 'qemu-system-x86_64'
    return qemu.QemuParams(
        kernel=os.path.join(obj, kernel),
        initrd=os.path.join(obj, 'initramfs.cpio'),
        topology=topo, cmdline=tuple(args.cmdline or ()),
        debug=args.debug, kvm=args.kvm, icount=args.icount,
        timeout=args.timeout, arch=arch,
        qemu=os.environ.get('SMO_QEMU', binary))


def build_arch(obj: str) -> str:
    """'arm64' for a build dir whose .config has CONFIG_ARM64=y, else
    'x86_64' (also when there is no .config: the run then fails on the
    missing kernel, with its path)."""
    try:
        with open(os.path.join(obj, '.config'), encoding='utf-8') as f:
            if 'CONFIG_ARM64=y\n' in f.read():
                return 'arm64'
    except OSError:
        pass
    return 'x86_64'


def record(path: str | None, status: str, name: str,
           reason: str = '') -> None:
    """Append one line to the results file that make test tallies:
    "PASS|FAIL|SKIP <name>[ # <reason>]" for a check, "PLAN <label> <n>"
    for the checks a job's TAP plans announced (scripts/test.sh compares
    the two and fails on any shortfall)."""
    if path:
        reason = ' '.join(reason.split())
        with open(path, 'a', encoding='utf-8') as f:
            f.write(f'{status} {name}{" # " + reason if reason else ""}\n')


def _label(args: argparse.Namespace) -> str:
    if getattr(args, 'label', None):
        return args.label
    job = getattr(args, 'job', None)
    return f'{os.path.basename(job) if job else args.cmd}@{args.topology}'


def verdict_always(func):
    """Whatever happens to a job (a harness exception, a file that is not
    there, a QEMU that cannot start), it records exactly one verdict
    "<label>:boot": a FAIL naming the error when @func did not get to
    record its own."""
    @functools.wraps(func)
    def wrapper(args: argparse.Namespace) -> int:
        label = _label(args)
        try:
            if os.environ.get('SMO_HARNESS_FAULT') == 'raise':
                raise RuntimeError('SMO_HARNESS_FAULT=raise: a harness '
                                   'error injected on purpose')
            return func(args)
        except Exception as e:      # noqa: BLE001 (every error is a FAIL)
            traceback.print_exc()
            why = f'harness error: {type(e).__name__}: {e}'
            print(f'    FAIL {label}:boot ({why})', flush=True)
            record(getattr(args, 'results_file', None), 'FAIL',
                   f'{label}:boot', why)
            return 1
    return wrapper


@verdict_always
def cmd_run(args: argparse.Namespace) -> int:
    p = _params(args)
    for f in (p.kernel, p.initrd):
        if not os.path.exists(f):
            raise FileNotFoundError(f'{f} does not exist (build first)')
    expect = p.topology
    if args.expect_topology:
        expect = topology.get(args.expect_topology)
    with open(args.job, encoding='utf-8') as f:
        job = f.read()
    label = _label(args)
    print(f'==> booting {os.path.basename(args.obj)} on {args.topology} '
          f'({p.topology.description}), job {args.job}', flush=True)
    res = qemu.run(p, job, log_path=args.log, echo=args.verbose)
    why = qemu.judge(res, expect)
    suite = ktap.parse(res.job_output, prefix=f'{label}:')
    if args.print_output:
        sys.stdout.write(res.job_output)
    if args.output:
        with open(args.output, 'w', encoding='utf-8') as f:
            f.write(res.job_output)
    if args.tap and suite.planned is not None:
        record(args.results_file, 'PLAN', f'{label} {suite.planned_total}')
    for r in suite.results:
        word = {'pass': 'ok  ', 'fail': 'FAIL', 'skip': 'skip'}[r.status]
        extra = f' ({r.reason})' if r.reason else ''
        print(f'    {word} {r.name}{extra}')
        if r.status == 'fail':  # what the job said just before
            for d in r.diag:
                print(f'         # {d}')
        record(args.results_file, r.status.upper(), r.name, r.reason)
    if args.tap and not suite.ok:
        why += suite.errors or ['the job reported failing tests'
                                if suite.results else 'the job ran no test']
    status = 'FAIL' if why else 'PASS'
    record(args.results_file, status, f'{label}:boot', '; '.join(why))
    print(f'    {"ok  " if not why else "FAIL"} {label}:boot '
          f'({res.seconds:.0f}s, log {args.log or "-"})')
    for w in why:
        print(f'      {w}')
    if why:
        tail = '\n'.join(res.console.splitlines()[-30:])
        print(f'      --- last console lines ---\n{tail}')
    return 1 if why else 0


def cmd_unit(args: argparse.Namespace) -> int:
    """Run the unit tests; print one PASS/FAIL line per test."""
    here = os.path.dirname(os.path.abspath(__file__))
    suite = unittest.defaultTestLoader.discover(
        os.path.join(here, 'tests'), top_level_dir=os.path.dirname(here))
    result = _LineResult()
    suite.run(result)
    return 0 if result.wasSuccessful() and result.testsRun else 1


class _LineResult(unittest.TestResult):
    def addSuccess(self, test: unittest.TestCase) -> None:
        super().addSuccess(test)
        print(f'PASS unit:{test.id()}', flush=True)

    def _bad(self, test: unittest.TestCase, err: object) -> None:
        print(f'FAIL unit:{test.id()}', flush=True)
        print(self._exc_info_to_string(err, test), file=sys.stderr)

    def addFailure(self, test, err):  # type: ignore[no-untyped-def]
        super().addFailure(test, err)
        self._bad(test, err)

    def addError(self, test, err):  # type: ignore[no-untyped-def]
        super().addError(test, err)
        self._bad(test, err)

    def addSkip(self, test, reason):  # type: ignore[no-untyped-def]
        super().addSkip(test, reason)
        print(f'SKIP unit:{test.id()} ({reason})', flush=True)


def _host_checked(args: argparse.Namespace, what: str, job: str,
                  checks_of) -> int:
    """Boot once, run @job, make the assertions on the host:
    checks_of(job_output, memory nodes) -> [(name, passed, detail)]."""
    p = _params(args)
    label = _label(args)
    for f in (p.kernel, p.initrd):
        if not os.path.exists(f):
            raise FileNotFoundError(f'{f} does not exist (build first)')
    print(f'==> booting {os.path.basename(args.obj)} on {args.topology} '
          f'for {what}', flush=True)
    res = qemu.run(p, job, log_path=args.log)
    why = qemu.judge(res, p.topology)
    memnodes = [i for i, n in enumerate(p.topology.nodes) if n.mem_mb]
    checks = checks_of(res.job_output, memnodes)
    for name, ok, detail in checks:
        print(f'    {"ok  " if ok else "FAIL"} {label}:{name} ({detail})')
        record(args.results_file, 'PASS' if ok else 'FAIL', f'{label}:{name}')
    if not checks:
        why.append('the host made no check of the guest output')
    status = 'FAIL' if why else 'PASS'
    record(args.results_file, status, f'{label}:boot', '; '.join(why))
    print(f'    {"ok  " if not why else "FAIL"} {label}:boot '
          f'({res.seconds:.0f}s)')
    for w in why:
        print(f'      {w}')
    return 1 if why or not all(ok for _, ok, _ in checks) else 0


@verdict_always
def cmd_suite(args: argparse.Namespace) -> int:
    """The 2019 suite's assertions and the NUMA rules, on the host."""
    def checks(output: str, memnodes: list[int]):
        steps = suite.parse(output)
        return suite.assertions(steps, args.objects) + \
            suite.numa_assertions(steps, memnodes)
    return _host_checked(args, f'the host-driven suite ({args.objects} '
                         'objects)', suite.job(args.objects), checks)


@verdict_always
def cmd_fuzz(args: argparse.Namespace) -> int:
    """Hostile input to every new sysfs file and the control file."""
    cases = fuzz.inputs(args.seed, args.per_file)
    return _host_checked(
        args, f'the input fuzzer ({len(cases)} inputs, seed {args.seed})',
        fuzz.job(cases), lambda out, mem: fuzz.check(cases, out, mem))


def cmd_bench_balance(args: argparse.Namespace) -> int:
    """Balance from skewed starts; print moved, minimum and 2019 figures."""
    p = _params(args)
    nodes = len(p.topology.nodes)
    print(f'==> balance benchmark on {args.topology} ({nodes} nodes)',
          flush=True)
    res = qemu.run(p, balance.job(nodes), log_path=args.log)
    why = qemu.judge(res, p.topology)
    results = balance.parse(res.job_output)
    print(balance.table(results, nodes))
    for w in why:
        print(f'      {w}')
    return 1 if why or not results else 0


def cmd_shell(args: argparse.Namespace) -> int:
    return qemu.interactive(_params(args))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog='smo-harness')
    sub = ap.add_subparsers(dest='cmd', required=True)
    p = sub.add_parser('check-config',
                       help='verify a .config against fragments')
    p.add_argument('--config', required=True)
    p.add_argument('fragments', nargs='+')
    p.set_defaults(func=cmd_check_config)

    p = sub.add_parser('unit', help='run the harness unit tests')
    p.set_defaults(func=cmd_unit)

    for name, func, hlp in [('run', cmd_run, 'boot and run a job'),
                            ('suite', cmd_suite, 'the host-driven suite'),
                            ('fuzz', cmd_fuzz, 'hostile input, as root '
                             'and as uid 65534'),
                            ('bench-balance', cmd_bench_balance,
                             'balance: moved vs minimum vs 2019'),
                            ('shell', cmd_shell, 'boot to a shell')]:
        p = sub.add_parser(name, help=hlp)
        p.add_argument('--obj', required=True, help='kernel build dir')
        p.add_argument('--topology', default='4node',
                       choices=list(topology.TOPOLOGIES))
        p.add_argument('--mem', type=int, help='guest memory in MiB')
        p.add_argument('--debug', action='store_true',
                       help='strict command line for the debug config')
        p.add_argument('--kvm', action='store_true', help='use KVM')
        p.add_argument('--icount', action='store_true',
                       help='deterministic instruction counting')
        p.add_argument('--cmdline', action='append',
                       help='extra kernel command line argument')
        p.add_argument('--timeout', type=int, default=900)
        p.set_defaults(func=func)
        if name != 'shell':
            p.add_argument('--label')
            p.add_argument('--log', help='write the console log here')
            p.add_argument('--results-file',
                           default=os.environ.get('SMO_RESULTS_FILE'),
                           help='append the verdicts here (default: '
                           '$SMO_RESULTS_FILE, set by scripts/test.sh)')
        if name == 'suite':
            p.add_argument('--objects', type=int, default=20000)
        if name == 'fuzz':
            p.add_argument('--seed', type=int, default=1)
            p.add_argument('--per-file', type=int, default=500)
        if name == 'run':
            p.add_argument('--job', required=True, help='guest shell script')
            p.add_argument('--expect-topology',
                           choices=list(topology.TOPOLOGIES),
                           help='judge against another layout (to prove '
                           'that a wrong QEMU command line is caught)')
            p.add_argument('--tap', action='store_true',
                           help='the job prints TAP: judge its tests')
            p.add_argument('--print-output', action='store_true')
            p.add_argument('--output', help="write the job's output here")
            p.add_argument('-v', '--verbose', action='store_true',
                           help='echo the console')
    args = ap.parse_args(argv)
    return args.func(args)


if __name__ == '__main__':
    sys.exit(main())
