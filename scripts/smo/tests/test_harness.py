# SPDX-License-Identifier: GPL-2.0
"""Unit tests of the SMO host harness; no kernel or QEMU needed."""

from __future__ import annotations

import json
import os
import socket
import tempfile
import threading
import unittest

from smo import cli, console, cpio, demoplot, fuzz, kconfig, ktap, qemu, rstcheck, suite, topology

DATA = os.path.join(os.path.dirname(__file__), 'test_data')


def data(name: str) -> str:
    with open(os.path.join(DATA, name), encoding='utf-8') as f:
        return f.read()


class KconfigTest(unittest.TestCase):
    def test_parse_set_and_unset(self) -> None:
        opts = kconfig.parse(['CONFIG_A=y', '# CONFIG_B is not set',
                              'CONFIG_C="-smo"', 'junk'])
        self.assertEqual(opts['CONFIG_A'].value, 'y')
        self.assertEqual(opts['CONFIG_B'].value, 'n')
        self.assertEqual(opts['CONFIG_C'].value, '"-smo"')
        self.assertEqual(len(opts), 3)

    def test_missing_finds_dropped_changed_and_unwanted(self) -> None:
        want = kconfig.parse(['CONFIG_A=y', 'CONFIG_B=m', 'CONFIG_C=y',
                              '# CONFIG_SLUB_TINY is not set', 'CONFIG_D=8'])
        have = kconfig.parse(['CONFIG_A=y', 'CONFIG_B=y',
                              'CONFIG_SLUB_TINY=y', 'CONFIG_D=8'])
        bad = {o.name: h for o, h in kconfig.missing(want, have)}
        self.assertEqual(bad, {'CONFIG_B': 'y', 'CONFIG_C': 'not set',
                               'CONFIG_SLUB_TINY': 'y'})

    def test_check_raises_naming_each_option(self) -> None:
        with tempfile.TemporaryDirectory() as d:
            frag, conf = os.path.join(d, 'f'), os.path.join(d, '.config')
            with open(frag, 'w') as f:
                f.write('CONFIG_X=y\nCONFIG_Y=y\nCONFIG_Z=y\n')
            with open(conf, 'w') as f:
                f.write('CONFIG_Y=y\n# CONFIG_Z is not set\n')
            with self.assertRaises(kconfig.ConfigError) as cm:
                kconfig.check([frag], conf)
            msg = str(cm.exception)
            self.assertIn('CONFIG_X=y', msg)
            self.assertIn('CONFIG_Z=y', msg)
            self.assertNotIn('CONFIG_Y=y', msg)
            with open(conf, 'a') as f:
                f.write('CONFIG_X=y\nCONFIG_Z=y\n')
            kconfig.check([frag], conf)

    def test_repo_fragments_parse(self) -> None:
        top = os.path.join(os.path.dirname(__file__), '..', '..', '..')
        fast = kconfig.parse_file(os.path.join(top, 'configs/fast.config'))
        self.assertEqual(fast['CONFIG_SLUB_TINY'].value, 'n')
        self.assertEqual(fast['CONFIG_SLUB_STATS'].value, 'y')
        debug = kconfig.parse_file(os.path.join(top, 'configs/debug.config'))
        self.assertEqual(debug['CONFIG_KASAN'].value, 'y')
        for arch in ('x86_64', 'arm64'):
            frag = kconfig.parse_file(os.path.join(top, f'configs/{arch}.config'))
            self.assertEqual(set(frag) & set(fast), set(), arch)
        hw = kconfig.parse_file(os.path.join(top, 'configs/hwtags.config'))
        self.assertEqual(hw['CONFIG_KASAN_HW_TAGS'].value, 'y')


class TopologyTest(unittest.TestCase):
    def test_one_node_has_no_numa_args(self) -> None:
        t = topology.get('1node')
        self.assertNotIn('-numa', t.qemu_args())
        self.assertEqual(t.online(), '0')

    def test_four_nodes_with_cpus_on_each(self) -> None:
        t = topology.get('4node')
        args = ' '.join(t.qemu_args())
        for n in range(4):
            self.assertIn(f'node,nodeid={n},memdev=m{n}', args)
            self.assertIn(f'cpu,node-id={n},socket-id={n}', args)
        self.assertIn('-smp 4,sockets=4', args)
        self.assertEqual(t.online(), '0-3')

    def test_memory_only_node(self) -> None:
        t = topology.get('memonly')
        self.assertEqual(t.nodes[2].cpus, ())
        self.assertNotIn('node-id=2', ' '.join(t.qemu_args()))
        self.assertIn('memdev=m2', ' '.join(t.qemu_args()))

    def test_memoryless_node(self) -> None:
        t = topology.get('memless')
        args = ' '.join(t.qemu_args())
        self.assertIn('-numa node,nodeid=2 ', args)
        self.assertNotIn('memdev=m2', args)
        self.assertIn('cpu,node-id=2,socket-id=2', args)
        self.assertEqual(t.scaled(1000).nodes[2].mem_mb, 0)
        self.assertEqual(t.scaled(1000).mem_mb, 1000)

    def test_scaled_keeps_layout(self) -> None:
        t = topology.get('4node').scaled(1024)
        self.assertEqual(t.mem_mb, 1024)
        self.assertEqual(t.cpu_to_node(), {0: 0, 1: 1, 2: 2, 3: 3})

    def test_unknown_name(self) -> None:
        with self.assertRaises(ValueError):
            topology.get('3node')

    def test_virtio_mem(self) -> None:
        t = topology.get('vmem')
        args = ' '.join(t.qemu_args())
        self.assertIn('-m 2048M,maxmem=2560M ', args)
        self.assertIn('-device virtio-mem-pci,id=vm0,memdev=vmem0,node=1,'
                      'requested-size=256M', args)
        self.assertIn('memory-backend-ram,id=vmem0,size=512M', args)
        self.assertEqual(t.scaled(1024).vmem, t.vmem)
        self.assertNotIn('maxmem', ' '.join(topology.get('2node').qemu_args()))
        # dist: both directions of each distance
        args = ' '.join(topology.get('dist').qemu_args())
        self.assertIn('-numa dist,src=1,dst=2,val=12 -numa dist,src=2,dst=1,'
                      'val=12', args)
        self.assertEqual(topology.get('dist').scaled(1024).distances,
                         topology.get('dist').distances)
        # spans: the device is node 0's, above node 1's memory
        args = ' '.join(topology.get('spans').qemu_args())
        self.assertIn('-m 2048M,maxmem=2304M ', args)
        self.assertIn('virtio-mem-pci,id=vm0,memdev=vmem0,node=0,'
                      'requested-size=256M', args)


class HostRequestTest(unittest.TestCase):
    """SMO-HOST lines become QMP commands (a fake QMP server here)."""

    def serve(self, path: str, seen: list) -> None:
        srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        srv.bind(path)
        srv.listen(1)

        def run() -> None:
            conn, _ = srv.accept()
            f = conn.makefile('rw', encoding='utf-8')
            f.write('{"QMP": {"version": {}}}\n')
            f.flush()
            for line in f:
                seen.append(json.loads(line))
                f.write('{"event": "NOISE"}\n{"return": {}}\n')
                f.flush()
            conn.close()
            srv.close()
        threading.Thread(target=run, daemon=True).start()

    def test_qom_set(self) -> None:
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, 'qmp')
            seen: list = []
            self.serve(path, seen)
            q = qemu.Qmp(path)
            self.assertIsNone(qemu.host_request('SMO-HOST nothing', q))
            did = qemu.host_request(
                'SMO-HOST qom-set vm0 requested-size 0', q)
            self.assertEqual(did, 'SMO-HARNESS: qom-set vm0 requested-size '
                             '0: {"return": {}}')
            self.assertEqual(seen[0], {'execute': 'qmp_capabilities'})
            self.assertEqual(seen[1], {'execute': 'qom-set', 'arguments': {
                'path': 'vm0', 'property': 'requested-size', 'value': 0}})

    def test_request_survives_console_noise(self) -> None:
        """A guest's request reaches QMP even when kernel messages land in
        the middle of it on the console (CPU hotplug prints while the
        vmem job asks for an unplug: a request lost so made the unplug
        never start).  A fake QEMU: it prints the request on the console
        cut by a kernel message, as the console showed it, and writes it
        whole on the port the harness gives requests, if there is one."""
        fake = (
            'import sys, time\n'
            'a = sys.argv\n'
            'ports = [a[i + 1] for i in range(len(a)) if a[i] == "-serial"]\n'
            'req = "SMO-HOST qom-set vm0 requested-size 0"\n'
            'print("[  6.7] smpboot: CPU 1 is now offline")\n'
            'print(req[:20] + "[  6.8] smpboot: Booting Node 0 Processor 1")\n'
            'print(req[20:], flush=True)\n'
            'files = [p[5:] for p in ports if p.startswith("file:")]\n'
            'if len(files) > 1:\n'
            '    with open(files[1], "w") as f:\n'
            '        f.write(req + "\\r\\n")\n'
            'time.sleep(1.5)\n'
            'with open(files[0], "w") as f:\n'
            '    f.write("SMO-TOPO online=0-1\\nSMO-END rc=0\\n")\n')
        with tempfile.TemporaryDirectory() as d:
            script = os.path.join(d, 'fake-qemu')
            with open(script, 'w', encoding='utf-8') as f:
                f.write('#!/usr/bin/python3\n' + fake)
            os.chmod(script, 0o755)
            initrd = os.path.join(d, 'initrd')
            with open(initrd, 'wb') as f:
                f.write(b'')
            seen: list = []
            orig = qemu.Qmp.command
            qemu.Qmp.command = (  # type: ignore[method-assign]
                lambda self, ex, args: seen.append((ex, args)) or
                '{"return": {}}')
            try:
                res = qemu.run(qemu.QemuParams(
                    kernel='bzImage', initrd=initrd, qemu=script,
                    topology=topology.get('vmem'), timeout=30), 'true')
            finally:
                qemu.Qmp.command = orig  # type: ignore[method-assign]
            self.assertEqual(res.rc, 0)
            self.assertEqual(seen, [('qom-set', {
                'path': 'vm0', 'property': 'requested-size', 'value': 0})])
            self.assertIn('SMO-HARNESS: qom-set vm0 requested-size 0',
                          res.console)

    def test_no_qmp(self) -> None:
        self.assertIn('no QMP socket', qemu.host_request(
            'SMO-HOST qom-set vm0 requested-size 0', None))
        with tempfile.TemporaryDirectory() as d:
            self.assertIn('QMP failed', qemu.Qmp(os.path.join(d, 'x')).command(
                'qom-set', {}))


class ConsoleTest(unittest.TestCase):
    def test_clean_boot_has_no_reports(self) -> None:
        self.assertEqual(console.scan(data('clean-boot.log')), [])

    def test_reports_are_found(self) -> None:
        for name, kind in [('kasan.log', 'BUG'), ('lockdep.log', 'WARNING'),
                           ('slab-error.log', 'slab error')]:
            found = console.scan(data(name))
            self.assertEqual([r.kind for r in found], [kind], name)

    def test_each_pattern(self) -> None:
        for line, kind in [
                ('Kernel panic - not syncing: x', 'panic'),
                ('Oops: 0000 [#1] SMP', 'Oops'),
                ('kmemleak: 2 new suspected memory leaks (see x)',
                 'kmemleak'),
                ('general protection fault, probably for x', 'GPF'),
                ('rcu: INFO: rcu_preempt detected stalls on CPUs', 'RCU stall'),
                ('WARNING: CPU: 1 PID: 1 at mm/slub.c:10 f+0x1', 'WARNING')]:
            found = console.scan(f'[   12.000001] {line}\n')
            self.assertEqual([r.kind for r in found], [kind], line)


    def test_expected_reports(self) -> None:
        warn = '[   13.000001] WARNING: CPU: 0 PID: 1 at mm/slab_common.c:1 x\n'
        slab = '[   13.000002] BUG smo_test_600 (Tainted: G W): Objects remaining\n'
        begin = '[   12.000001] smo-expect: begin WARNING,slab error: leak\n'
        end = '[   14.000001] smo-expect: end\n'
        # accepted inside the window
        self.assertEqual(console.scan(begin + warn + slab + end), [])
        # not outside it, nor a kind the window does not name
        oops = '[   13.500000] Oops: 0000 [#1] SMP\n'
        self.assertEqual([r.kind for r in console.scan(
            begin + warn + oops + end + warn)], ['Oops', 'WARNING'])
        # a window that saw nothing, or never ends, fails
        self.assertEqual([r.kind for r in console.scan(begin + end)],
                         ['expected report missing'])
        self.assertEqual([r.kind for r in console.scan(begin + warn)],
                         ['expect window not closed'])


class KtapTest(unittest.TestCase):
    def test_kselftest_output(self) -> None:
        s = ktap.parse(data('kselftest.tap'), prefix='x:')
        self.assertEqual([(r.name, r.status) for r in s.results], [
            ('x:shrink keeps slabs without mobility', 'pass'),
            ('x:shrink reaches the optimum', 'fail'),
            ('x:balance', 'skip')])
        self.assertEqual(s.results[2].reason, 'CONFIG_SMO_NODE not set')
        self.assertFalse(s.ok)

    def test_nested_subtests_and_plan(self) -> None:
        text = ('KTAP version 1\n1..1\n    KTAP version 1\n    1..2\n'
                '    ok 1 a\n    not ok 2 b\nnot ok 1 suite\n')
        s = ktap.parse(text)
        self.assertEqual([(r.name, r.status) for r in s.results],
                         [('suite/a', 'pass'), ('suite/b', 'fail'),
                          ('suite', 'fail')])
        self.assertEqual(s.errors, [])
        self.assertEqual(s.planned_total, len(s.results))

    def test_runner_output_and_short_subtests(self) -> None:
        # run_kselftest.sh: the script's own KTAP behind "# "
        text = ('TAP version 13\n1..1\n# timeout set to 600\n'
                '# selftests: slub_movable: a.sh\n# TAP version 13\n'
                '# 1..3\n# ok 1 x\n# ok 2 y\n# ok 3 z # SKIP why\n'
                'ok 1 selftests: slub_movable: a.sh\n')
        s = ktap.parse(text, prefix='p:')
        self.assertEqual(s.errors, [])
        self.assertEqual(s.results[0].name,
                         'p:selftests: slub_movable: a.sh/x')
        self.assertEqual(s.planned_total, 4)
        self.assertEqual(len(s.results), 4)
        self.assertEqual(s.results[2].status, 'skip')
        # the script died after two of its three tests
        short = text.replace('# ok 3 z # SKIP why\n', '')
        s = ktap.parse(short)
        self.assertIn('selftests: slub_movable: a.sh: planned 3 subtests, '
                      'saw 2', s.errors)
        self.assertFalse(s.ok)
        self.assertEqual(s.planned_total - len(s.results), 1)

    def test_runner_failure_keeps_its_subtests(self) -> None:
        # run_kselftest.sh ends a failed script with "# exit=<rc>": its
        # subtests are its own, not the next script's
        text = ('TAP version 13\n1..2\n# selftests: s: a.sh\n'
                '# TAP version 13\n# 1..2\n# ok 1 x\n# not ok 2 y\n'
                'not ok 1 selftests: s: a.sh # exit=1\n'
                '# selftests: s: b.sh\n# TAP version 13\n# 1..1\n'
                '# ok 1 z\nok 2 selftests: s: b.sh\n'
                '# selftests: s: c.sh\n'
                'not ok 3 selftests: s: c.sh # TIMEOUT 600 seconds\n')
        s = ktap.parse(text.replace('1..2\n# selftests: s: a', '1..3\n'
                                    '# selftests: s: a'))
        self.assertEqual(s.errors, [])
        self.assertEqual([(r.name, r.status) for r in s.results], [
            ('selftests: s: a.sh/x', 'pass'), ('selftests: s: a.sh/y', 'fail'),
            ('selftests: s: a.sh', 'fail'), ('selftests: s: b.sh/z', 'pass'),
            ('selftests: s: b.sh', 'pass'), ('selftests: s: c.sh', 'fail')])
        self.assertEqual(s.results[-1].reason, 'TIMEOUT 600 seconds')

    def test_a_result_keeps_the_diagnostics_before_it(self) -> None:
        # under run_kselftest.sh the script's "# msg" is "# # msg"
        text = ('TAP version 13\n1..1\n# selftests: s: a.sh\n'
                '# TAP version 13\n# 1..2\n# # first\n# ok 1 x\n'
                + ''.join(f'# # line {i}\n' for i in range(9)) +
                '# not ok 2 y\nnot ok 1 selftests: s: a.sh # exit=1\n')
        s = ktap.parse(text)
        self.assertEqual(s.errors, [])
        self.assertEqual(s.results[0].diag, ['selftests: s: a.sh', 'first'])
        self.assertEqual(s.results[1].diag,
                         [f'line {i}' for i in range(9 - ktap.DIAG_LINES, 9)])
        self.assertEqual(s.results[2].diag, [])

    def test_slash_in_a_name_is_not_nesting(self) -> None:
        s = ktap.parse('TAP version 13\n1..2\nok 1 balance from 90/10\n'
                       'ok 2 b\n')
        self.assertEqual(s.errors, [])
        self.assertTrue(s.ok)

    def test_skip_all(self) -> None:
        s = ktap.parse('TAP version 13\n1..0 # SKIP must be run as root\n')
        self.assertEqual([(r.name, r.status, r.reason) for r in s.results],
                         [('all', 'skip', 'must be run as root')])
        self.assertTrue(s.ok)

    def test_plan_mismatch_and_empty(self) -> None:
        s = ktap.parse('TAP version 13\n1..3\nok 1 a\n')
        self.assertIn('planned 3 tests, saw 1', s.errors)
        self.assertFalse(s.ok)
        self.assertFalse(ktap.parse('nothing here\n').ok)
        s = ktap.parse('TAP version 13\nok 1 a\nBail out! broken\n')
        self.assertEqual(s.bailed, 'broken')
        self.assertFalse(s.ok)


class QemuTest(unittest.TestCase):
    def params(self, **kw: object) -> qemu.QemuParams:
        base = dict(kernel='bzImage', initrd='initrd',
                    topology=topology.get('2node'))
        base.update(kw)
        return qemu.QemuParams(**base)  # type: ignore[arg-type]

    def test_argv_defaults_to_tcg_and_results_port(self) -> None:
        argv = self.params().argv('/tmp/r')
        self.assertIn('tcg', argv)
        self.assertNotIn('-icount', argv)
        self.assertEqual(argv[-2:], ['-serial', 'file:/tmp/r'])
        self.assertIn('console=ttyS0,115200', self.params().kernel_cmdline())

    def test_arm64_virt_mte_and_virtio_consoles(self) -> None:
        p = self.params(arch='arm64', qemu='qemu-system-aarch64')
        p = qemu.QemuParams(**{**p.__dict__, 'requests': '/tmp/q'})
        argv = p.argv('/tmp/r')
        self.assertEqual(argv[:3], ['qemu-system-aarch64', '-machine',
                                    'virt,gic-version=3,mte=on'])
        self.assertIn('console=ttyAMA0', p.kernel_cmdline())
        self.assertNotIn('console=ttyS0,115200', p.kernel_cmdline())
        # one UART on virt: results and requests go to virtio consoles
        self.assertNotIn('file:/tmp/r', argv)
        self.assertIn('file,id=smores,path=/tmp/r', argv)
        self.assertIn('file,id=smoreq,path=/tmp/q', argv)
        self.assertEqual(argv.count('-serial'), 1)

    def test_build_arch_from_config(self) -> None:
        with tempfile.TemporaryDirectory() as d:
            self.assertEqual(cli.build_arch(d), 'x86_64')
            with open(os.path.join(d, '.config'), 'w',
                      encoding='utf-8') as f:
                f.write('CONFIG_ARM64_MTE=y\nCONFIG_ARM64=y\n')
            self.assertEqual(cli.build_arch(d), 'arm64')
            with open(os.path.join(d, '.config'), 'w',
                      encoding='utf-8') as f:
                f.write('CONFIG_X86_64=y\n# CONFIG_ARM64 is not set\n')
            self.assertEqual(cli.build_arch(d), 'x86_64')

    def test_kvm_icount_debug(self) -> None:
        p = self.params(kvm=True, icount=True, debug=True)
        argv = p.argv(None)
        self.assertIn('kvm', argv)
        self.assertIn('shift=0,align=off,sleep=off', argv)
        self.assertIn('panic_on_warn=1', p.kernel_cmdline())

    def good(self) -> qemu.RunResult:
        res = ('SMO-TOPO online=0-1\nSMO-TOPO cpu0=node0\n'
               'SMO-TOPO cpu1=node1\nSMO-JOB-BEGIN\nTAP version 13\n'
               '1..1\nok 1 a\nSMO-END rc=0\n')
        return qemu.RunResult(console='', results=res, rc=0,
                              topology=qemu.parse_topology(res))

    def test_judge_passes_a_good_run(self) -> None:
        res = self.good()
        self.assertEqual(qemu.judge(res, topology.get('2node')), [])
        self.assertEqual(res.job_output.strip(), 'TAP version 13\n1..1\nok 1 a')

    def test_judge_catches_missing_end_marker(self) -> None:
        res = self.good()
        res.rc = None
        why = qemu.judge(res, topology.get('2node'))
        self.assertTrue(any('no end marker' in w for w in why))

    def test_judge_catches_wrong_topology(self) -> None:
        why = qemu.judge(self.good(), topology.get('4node'))
        self.assertTrue(any('node online' in w for w in why))
        self.assertTrue(any('2 CPUs, expected 4' in w for w in why))

    def test_judge_reports_a_qemu_crash(self) -> None:
        res = self.good()
        res.qemu_rc = -11
        why = qemu.judge(res, topology.get('2node'))
        self.assertTrue(any('signal 11' in w for w in why))

    def test_judge_catches_cpu_on_wrong_node(self) -> None:
        res = self.good()
        res.topology['cpu1'] = 'node0'
        why = qemu.judge(res, topology.get('2node'))
        self.assertEqual(why, ['cpu1 is on node0, expected node1'])

    def test_judge_catches_console_reports_and_rc(self) -> None:
        res = self.good()
        res.rc = 3
        res.reports = console.scan(data('kasan.log'))
        why = qemu.judge(res, topology.get('2node'))
        self.assertIn('the guest job exited with status 3', why)
        self.assertTrue(any('KASAN' in w for w in why))


class CpioTest(unittest.TestCase):
    def test_newc_layout(self) -> None:
        blob = cpio.archive({'job.sh': (0o755, b'echo hi\n')})
        self.assertEqual(len(blob) % 512, 0)
        self.assertTrue(blob.startswith(b'070701'))
        namesize = int(blob[94:102], 16)
        self.assertEqual(blob[110:110 + namesize], b'job.sh\0')
        mode = int(blob[14:22], 16)
        self.assertEqual(mode, 0o100755)
        self.assertIn(b'echo hi\n', blob)
        self.assertIn(b'TRAILER!!!\0', blob)



class SuiteTest(unittest.TestCase):
    @staticmethod
    def steps(packed: bool) -> str:
        lines = []
        for c, ops in (('smo_test_64', 56), ('smo_test_600', 13)):
            full = -(-20000 // ops)
            moved = -(-4047 // ops) if packed else full

            def step(name: str, objects: int, slabs: int, partial: int,
                     live: int) -> None:
                lines.append(f'SMO-STEP {c} {name} objects={objects} '
                             f'total_objects={slabs * ops} slabs={slabs} '
                             f'partial={partial} objs_per_slab={ops} '
                             f'live={live} node1={live}')
            step('loaded', 0, 0, 0, 0)
            step('allocated', 20000, full, 1, 20000)
            step('fragmented', 4100, full, full - 2, 4047)
            step('shrunk-immovable', 4100, full, full - 2, 4047)
            step('shrunk-movable', 4047 if packed else 4100, moved, 1, 4047)
            step('emptied', 0, 0, 0, 0)
        return '\n'.join(lines) + '\n'

    def test_parse_and_pass(self) -> None:
        parsed = suite.parse(self.steps(packed=True))
        self.assertEqual(parsed[('smo_test_64', 'fragmented')].live, 4047)
        self.assertEqual(parsed[('smo_test_64', 'loaded')].nodes, {1: 0})
        bad = [(n, d) for n, ok, d in suite.assertions(parsed) if not ok]
        self.assertEqual(bad, [])

    def test_failures_are_caught(self) -> None:
        results = suite.assertions(suite.parse(self.steps(packed=False)))
        failed = {n for n, ok, _ in results if not ok}
        for c in suite.CACHES:
            self.assertIn(f'{c}: shrink with mobility reaches the optimum',
                          failed)
            self.assertIn(f'{c}: sysfs objects equal the live objects after '
                          'the moves', failed)
        results = suite.assertions(suite.parse('SMO-STEP smo_test_64 loaded '
                                               'objects=0\n'))
        self.assertFalse(all(ok for _, ok, _ in results))


class NumaSuiteTest(unittest.TestCase):
    @staticmethod
    def steps(good: bool) -> str:
        def st(name: str, nodes: dict[int, int], slabs: dict[int, int],
               moved: int) -> str:
            live = sum(nodes.values())
            return (f'SMO-STEP smo_test_600 {name} objects={live} '
                    f'objs_per_slab=13 moved={moved} live={live} ' +
                    ' '.join(f'node{k}={v}' for k, v in nodes.items()) +
                    ' ' + ' '.join(f'snode{k}={v}' for k, v in slabs.items()))
        lines = [st('numa-filled', {0: 100, 1: 100}, {0: 8, 1: 8}, 0),
                 st('numa-on-0', {0: 200}, {0: 16}, 100),
                 st('numa-on-1', {1: 200} if good else {0: 1, 1: 199},
                    {1: 16}, 300),
                 st('numa-pair-before', {0: 100, 1: 100}, {0: 8, 1: 8}, 300),
                 st('numa-pair', {1: 200}, {1: 16}, 400)]
        moved = 400
        for sc, before in (('all-on-one', {0: 200}), ('90-10', {0: 180, 1: 20}),
                           ('busy-and-empty', {0: 200})):
            lines.append(st(f'numa-{sc}-before', before, {0: 16}, moved))
            moved += 100 if good else 150
            lines.append(st(f'numa-{sc}', {0: 100, 1: 100}, {0: 8, 1: 8},
                            moved))
        lines.append(st('numa-again', {0: 100, 1: 100}, {0: 8, 1: 8},
                        moved if good else moved + 13))
        return '\n'.join(lines) + '\n'

    def test_pass(self) -> None:
        res = suite.numa_assertions(suite.parse(self.steps(True)), [0, 1])
        self.assertEqual([(n, d) for n, ok, d in res if not ok], [])
        self.assertGreater(len(res), 10)

    def test_failures_are_caught(self) -> None:
        res = suite.numa_assertions(suite.parse(self.steps(False)), [0, 1])
        failed = {n for n, ok, _ in res if not ok}
        self.assertIn('smo_test_600: move N1: every object on node 1', failed)
        self.assertIn('smo_test_600: a second balance moves nothing', failed)
        self.assertIn('smo_test_600: balance from all-on-one: moves the '
                      'surplus, no more than repacking needs', failed)
        self.assertEqual(suite.numa_assertions({}, [0]), [])

    def test_no_stats_counter_is_a_failure(self) -> None:
        # without CONFIG_SLUB_STATS both reads say "none": nothing proven
        text = self.steps(True).replace('moved=', 'moved=none x')
        res = suite.numa_assertions(suite.parse(text), [0, 1])
        failed = {n for n, ok, _ in res if not ok}
        self.assertIn('smo_test_600: a second balance moves nothing', failed)
        self.assertIn('smo_test_600: balance from 90-10: moves the '
                      'surplus, no more than repacking needs', failed)


class CliTest(unittest.TestCase):
    """Whatever goes wrong, a job records exactly one verdict."""

    def run_cli(self, argv: list[str], env: dict[str, str]) -> list[str]:
        import contextlib
        import io
        import os
        import tempfile
        from smo import cli
        with tempfile.TemporaryDirectory() as d:
            res = os.path.join(d, 'r.txt')
            obj = os.path.join(d, 'obj')
            os.makedirs(os.path.join(obj, 'arch/x86/boot'))
            for f in ('arch/x86/boot/bzImage', 'initramfs.cpio'):
                open(os.path.join(obj, f), 'w').close()
            old = {k: os.environ.get(k) for k in env}
            os.environ.update(env)
            try:
                with contextlib.redirect_stdout(io.StringIO()), \
                        contextlib.redirect_stderr(io.StringIO()):
                    rc = cli.main(argv + ['--obj', obj, '--results-file', res,
                                          '--label', 'j', '--topology',
                                          '1node'])
            finally:
                for k, v in old.items():
                    if v is None:
                        os.environ.pop(k, None)
                    else:
                        os.environ[k] = v
            self.assertEqual(rc, 1)
            with open(res, encoding='utf-8') as f:
                return f.read().splitlines()

    def test_harness_exception(self) -> None:
        for cmd in (['run', '--job', 'guest/jobs/boot.sh'], ['suite'],
                    ['fuzz']):
            lines = self.run_cli(cmd, {'SMO_HARNESS_FAULT': 'raise'})
            self.assertEqual(len(lines), 1, lines)
            self.assertTrue(lines[0].startswith('FAIL j:boot # harness '
                                                'error: RuntimeError'), lines)

    def test_qemu_cannot_start(self) -> None:
        lines = self.run_cli(['run', '--job', 'guest/jobs/boot.sh'],
                             {'SMO_QEMU': '/nonexistent/qemu'})
        self.assertEqual(len(lines), 1, lines)
        self.assertIn('cannot start QEMU (/nonexistent/qemu)', lines[0])


class RstCheckTest(unittest.TestCase):
    PAGE = ('Title\n=====\n\nText.\n\n.. kernel-doc:: mm/slub.c\n'
            '   :identifiers: a_fn b_fn\n\nMore text.\n')

    def test_directives(self) -> None:
        self.assertEqual(rstcheck.directives(self.PAGE),
                         [('mm/slub.c', ['a_fn', 'b_fn'])])

    def test_clean_page(self) -> None:
        self.assertEqual(rstcheck.docutils_errors(self.PAGE), [])

    def test_broken_table_is_caught(self) -> None:
        bad = self.PAGE + '\n=== ===\nabcdef x\n=== ===\n'
        self.assertTrue(rstcheck.docutils_errors(bad))


class FuzzTest(unittest.TestCase):
    MEM = [0, 1]

    def test_model(self) -> None:
        acc = fuzz.accepted
        self.assertTrue(acc('move', b'N1\n', self.MEM))
        self.assertTrue(acc('move', b' N0\tN1 ', self.MEM))
        self.assertTrue(acc('move', b'0001', self.MEM))
        for bad in (b'N2', b'N00001', b'N1\x00', b'N1,N0', b'N0 N1 N0',
                    b'-1', b'N', b'N1\r', b'N1024'):
            self.assertFalse(acc('move', bad, self.MEM), bad)
        self.assertTrue(acc('balance', b'1\n', self.MEM))
        self.assertFalse(acc('balance', b' 1', self.MEM))
        self.assertTrue(acc('ratio', b'+100\n', self.MEM))
        self.assertFalse(acc('ratio', b'101', self.MEM))
        self.assertFalse(acc('ratio', b'5\x00', self.MEM))
        self.assertTrue(acc('ratio', b'', self.MEM))     # no write at all
        self.assertFalse(acc('control', b'check x', self.MEM))

    def test_check_catches(self) -> None:
        cases = [('move', b'N1'), ('move', b'N7'), ('ratio', b'50')]
        start = 'FZ-START objects=10 N0=10 ratio=30\n'
        good = (start + 'FZ 0 0 objects=10 N1=10 ratio=30\n'
                'FZ 1 1 objects=10 N1=10 ratio=30\n'
                'FZ 2 0 objects=10 N1=10 ratio=50\n'
                'FZ-ROOT-END objects=10 N1=10 ratio=50\n'
                'FZ-NOBODY-UID 65534\nFZ-NOBODY-DONE\nFZ-NOBODY-RC 0\n'
                'FZ-NOBODY-END objects=10 N1=10 ratio=50\n')
        res = fuzz.check(cases, good, self.MEM)
        self.assertEqual([n for n, ok, _ in res if not ok], [])
        # su failed: no write ran as nobody, so nothing was proven
        for broken in (good.replace('FZ-NOBODY-UID 65534\nFZ-NOBODY-DONE\n'
                                    'FZ-NOBODY-RC 0', 'FZ-NOBODY-RC 1'),
                       good.replace('UID 65534', 'UID 0')):
            failed = [n for n, ok, _ in fuzz.check(cases, broken, self.MEM)
                      if not ok]
            self.assertEqual(failed,
                             ['uid 65534: every write refused, nothing '
                              'changed'])
        # N7 accepted, a refused write that changed something, nobody
        bad = good.replace('FZ 1 1 objects=10 N1=10', 'FZ 1 0 objects=10 N1=9 N0=1')
        bad += 'FZ-NOBODY-ACCEPTED 2\n'
        failed = [n for n, ok, _ in fuzz.check(cases, bad, self.MEM) if not ok]
        self.assertTrue(any(n.startswith('move:') for n in failed))
        self.assertTrue(any(n.startswith('uid 65534') for n in failed))


class DemoPlotTest(unittest.TestCase):
    def test_parse(self) -> None:
        shrink, numa = demoplot.parse(data('demo.out'))
        self.assertEqual(shrink['shrink, objects movable'], (775, 775))
        self.assertEqual(shrink['shrink, objects not movable'][0], 3840)
        self.assertEqual(numa[1], ('echo 1 > balance', [10000] * 4, [385] * 4))

    def test_plot(self) -> None:
        import tempfile
        with tempfile.TemporaryDirectory() as d:
            demoplot.plot(data('demo.out'), f'{d}/x.png')
            with open(f'{d}/x.png', 'rb') as f:
                self.assertEqual(f.read(8), b'\x89PNG\r\n\x1a\n')
        with self.assertRaises(ValueError):
            demoplot.plot('nothing', '/nonexistent.png')


class BalanceTest(unittest.TestCase):
    def test_minimum_and_2019(self) -> None:
        from smo import balance
        # 4 nodes, 40000 objects all on node 0: 30000 must move; 2019
        # moves nothing to node 0, then 3 * (1539 // 4) full slabs of 26
        self.assertEqual(balance.minimum({0: 40000}, 4), 30000)
        self.assertEqual(balance.moved_2019({0: 40000}, 4, 26),
                         3 * (1539 // 4) * 26)
        # 90/10 on 2 nodes: 16000 move; 2019 first moves 4000 to node 0
        self.assertEqual(balance.minimum({0: 36000, 1: 4000}, 2), 16000)
        self.assertEqual(balance.moved_2019({0: 36000, 1: 4000}, 2, 13),
                         4000 + (3077 // 2) * 13)
        # already balanced: nothing to move, 2019 still moves
        self.assertEqual(balance.minimum({0: 5, 1: 5}, 2), 0)
        self.assertGreater(balance.moved_2019({0: 5000, 1: 5000}, 2, 13), 0)

    def test_parse(self) -> None:
        from smo import balance
        text = ('SMO-BAL 90/10 before moved=0 ops=13 objects=40 N0=36 N1=4\n'
                'SMO-BAL 90/10 after moved=16 ops=13 objects=40 N0=20 N1=20\n')
        (r,) = balance.parse(text)
        self.assertEqual((r.name, r.moved, r.before, r.after),
                         ('90/10', 16, {0: 36, 1: 4}, {0: 20, 1: 20}))
        self.assertIn('90/10', balance.table([r], 2))


class BenchTest(unittest.TestCase):
    def test_parse_and_pick(self) -> None:
        from smo import bench
        text = ('SMO-BENCH fastpath plain64 20000 :: single_min=272 '
                'single_med=272 bulk_min=140 bulk_med=140\n'
                'SMO-BENCH frag 64 rand50 50000 :: live=24994 before=893\n'
                'SMO-BENCH memcpy 64 :: error=1\nnoise\n')
        rows = bench.parse(text, 'patched', 'icount', 0)
        self.assertEqual(len(rows), 7)
        self.assertEqual(bench.values(rows, 'patched', 'icount',
                                      'frag 64 rand50 50000', 'live'),
                         [24994.0])
        self.assertEqual(bench.mmm([3.0, 1.0, 2.0]), '1 / 2 / 3')
        self.assertAlmostEqual(bench.spread([90.0, 100.0, 110.0]), 20.0)
        # the mode whose fast-path figures vary less between boots wins
        rows = []
        for run, (a, b) in enumerate(((100, 100), (100, 150))):
            for k in bench.KERNELS:
                for c in bench.FAST_CACHES:
                    rows += bench.parse(
                        f'SMO-BENCH fastpath {c} 20000 :: single_min={a}\n',
                        k, 'icount', run)
                    rows += bench.parse(
                        f'SMO-BENCH fastpath {c} 20000 :: single_min={b}\n',
                        k, 'tcg', run)
        mode, spreads = bench.pick_mode(rows)
        self.assertEqual(mode, 'icount')
        self.assertGreater(spreads['tcg'], spreads['icount'])
        self.assertIn('insmod /extra/smo_bench.ko', bench.job(True))
        self.assertIn('latency', bench.job(True))
        self.assertNotIn('latency', bench.job(False))


if __name__ == '__main__':
    unittest.main()
