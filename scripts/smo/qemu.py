# SPDX-License-Identifier: GPL-2.0
"""Boot a kernel under QEMU with a job, and judge what came back."""

from __future__ import annotations

import json
import os
import re
import selectors
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field

from . import console, cpio
from .topology import Topology

END = re.compile(r'^SMO-END rc=(\d+)\s*$', re.M)
BEGIN = 'SMO-JOB-BEGIN'
TOPO = re.compile(r'^SMO-TOPO (\S+)=(\S*)\s*$', re.M)
# A guest's request to the host: "SMO-HOST qom-set <path> <property>
# <integer>" (resize a virtio-mem device, say), one line on the third
# serial port (/dev/ttyS2), which only the job writes: on the console
# (ttyS0) kernel messages land in the middle of a line (CPU hotplug prints
# while the vmem job asks for an unplug), and a request cut so was lost.
HOST = re.compile(r'^SMO-HOST qom-set (\S+) (\S+) (\d+)\s*$')

BASE_CMDLINE = ['panic=-1', 'oops=panic', 'printk.time=1', 'loglevel=7']
CONSOLE = {'x86_64': 'console=ttyS0,115200', 'arm64': 'console=ttyAMA0'}
# The debug config runs strict: the first warning is fatal.
DEBUG_CMDLINE = ['panic_on_warn=1', 'kasan.fault=panic']


class RunError(Exception):
    """A guest run failed; the message says why, with the evidence."""


@dataclass(frozen=True)
class QemuParams:
    kernel: str
    initrd: str
    topology: Topology
    cmdline: tuple[str, ...] = ()
    debug: bool = False
    kvm: bool = False
    icount: bool = False
    timeout: int = 600
    qemu: str = 'qemu-system-x86_64'
    qmp: str = ''                   # QMP socket path, for SMO-HOST requests
    requests: str = ''              # the file of the request port (ttyS2)
    arch: str = 'x86_64'            # or 'arm64' (QEMU "virt", MTE on)

    def kernel_cmdline(self) -> str:
        args = [CONSOLE[self.arch]] + BASE_CMDLINE
        if self.debug:
            args += DEBUG_CMDLINE
        return ' '.join(args + list(self.cmdline))

    def argv(self, results: str | None, interactive: bool = False) -> list[str]:
        # arm64: "virt" with MTE (KASAN's hardware tags) and GICv3 (more
        # than 8 CPUs); its one UART is the console, so the results and
        # request ports are virtio consoles (/dev/hvc0, /dev/hvc1).
        machine = 'virt,gic-version=3,mte=on' if self.arch == 'arm64' else 'pc'
        a = [self.qemu, '-machine', machine, '-no-reboot',
             '-kernel', self.kernel, '-initrd', self.initrd,
             '-append', self.kernel_cmdline()]
        if self.kvm:
            a += ['-accel', 'kvm', '-cpu', 'host']
        else:
            a += ['-accel', 'tcg', '-cpu', 'max']
        if self.icount:
            a += ['-icount', 'shift=0,align=off,sleep=off']
        a += self.topology.qemu_args()
        if interactive:
            a += ['-nographic']
        else:
            a += ['-display', 'none', '-monitor', 'none',
                  '-serial', 'stdio']
        if results and self.arch == 'arm64':
            a += ['-device', 'virtio-serial-pci,id=vser0',
                  '-chardev', f'file,id=smores,path={results}',
                  '-device', 'virtconsole,chardev=smores,bus=vser0.0']
            if self.requests:
                a += ['-chardev', f'file,id=smoreq,path={self.requests}',
                      '-device', 'virtconsole,chardev=smoreq,bus=vser0.0']
        elif results:
            a += ['-serial', f'file:{results}']
            if self.requests:
                a += ['-serial', f'file:{self.requests}']
        if self.qmp:
            a += ['-qmp', f'unix:{self.qmp},server=on,wait=off']
        return a


class Qmp:
    """The host side of SMO-HOST requests: QEMU's QMP socket."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.f = None

    def _reply(self) -> dict:
        assert self.f is not None
        while True:
            line = self.f.readline()
            if not line:
                raise OSError('QMP closed')
            msg = json.loads(line)
            if 'return' in msg or 'error' in msg or 'QMP' in msg:
                return msg

    def command(self, execute: str, arguments: dict) -> str:
        """Run one command; its reply (or the error) as one line."""
        try:
            if self.f is None:
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                sock.settimeout(10)
                sock.connect(self.path)
                self.f = sock.makefile('rw', encoding='utf-8')
                self._reply()                       # the greeting
                self.f.write('{"execute": "qmp_capabilities"}\n')
                self.f.flush()
                self._reply()
            self.f.write(json.dumps({'execute': execute,
                                     'arguments': arguments}) + '\n')
            self.f.flush()
            return json.dumps(self._reply())
        except (OSError, ValueError) as e:
            return f'QMP failed: {e}'


class RequestPort:
    """The host end of the request port: a file that QEMU appends to;
    read() returns the complete lines written since the last call."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.pos = 0
        self.part = b''

    def read(self) -> list[str]:
        try:
            with open(self.path, 'rb') as f:
                f.seek(self.pos)
                data = f.read()
        except FileNotFoundError:
            return []
        self.pos += len(data)
        *done, self.part = (self.part + data).split(b'\n')
        return [d.decode('utf-8', 'replace').rstrip('\r') for d in done]


def host_request(line: str, qmp: Qmp | None) -> str | None:
    """What the harness did for an SMO-HOST line of the request port, or
    None when the line is no request."""
    m = HOST.search(line)
    if not m:
        return None
    if qmp is None:
        return 'SMO-HARNESS: no QMP socket for this topology'
    reply = qmp.command('qom-set', {'path': m[1], 'property': m[2],
                                    'value': int(m[3])})
    return f'SMO-HARNESS: qom-set {m[1]} {m[2]} {m[3]}: {reply}'


@dataclass
class RunResult:
    console: str
    results: str                    # what the job printed (results port)
    rc: int | None                  # the job's exit status, None: no marker
    topology: dict[str, str] = field(default_factory=dict)
    reports: list[console.Report] = field(default_factory=list)
    seconds: float = 0.0
    qemu_rc: int = 0                # < 0: QEMU itself died of a signal

    @property
    def job_output(self) -> str:
        i = self.results.find(BEGIN)
        body = self.results[i + len(BEGIN):] if i >= 0 else self.results
        return END.split(body)[0] if END.search(body) else body


def job_initrd(base: str, job: str, extra: dict[str, bytes] | None,
               out: str) -> None:
    """@base followed by a cpio with /job.sh (and @extra files)."""
    files = {'job.sh': (0o755, job.encode())}
    for name, data in (extra or {}).items():
        files[name.lstrip('/')] = (0o755, data)
    with open(base, 'rb') as b, open(out, 'wb') as o:
        shutil.copyfileobj(b, o)
        o.write(cpio.archive(files))


def parse_topology(text: str) -> dict[str, str]:
    return {m[1]: m[2] for m in TOPO.finditer(text)}


def check_topology(seen: dict[str, str], topo: Topology) -> list[str]:
    """Differences between the layout the guest reports and @topo."""
    errs = []
    if seen.get('online') != topo.online():
        errs.append(f'node online: guest has {seen.get("online")!r}, '
                    f'expected {topo.online()!r}')
    want = topo.cpu_to_node() if len(topo.nodes) > 1 else {
        c: 0 for c in range(topo.nr_cpus)}
    cpus = {k: v for k, v in seen.items() if re.fullmatch(r'cpu\d+', k)}
    if len(cpus) != len(want):
        errs.append(f'guest has {len(cpus)} CPUs, expected {len(want)}')
    for cpu, nid in sorted(want.items()):
        have = cpus.get(f'cpu{cpu}')
        if have is not None and have != f'node{nid}':
            errs.append(f'cpu{cpu} is on {have}, expected node{nid}')
    return errs


def judge(res: RunResult, topo: Topology) -> list[str]:
    """Every reason the run failed; empty when it passed."""
    why = []
    if res.qemu_rc < 0:
        why.append(f'QEMU itself died of signal {-res.qemu_rc} (a host '
                   'emulator crash, not a guest report)')
    if res.rc is None:
        why.append('no end marker (SMO-END) from the guest: it crashed, '
                   'hung or timed out')
        if res.qemu_rc > 0:
            why.append(f'QEMU exited with status {res.qemu_rc}: '
                       + ' / '.join(res.console.splitlines()[-2:]))
    elif res.rc != 0:
        why.append(f'the guest job exited with status {res.rc}')
    if res.topology:
        why += check_topology(res.topology, topo)
    else:
        why.append('the guest reported no topology')
    for r in res.reports:
        why.append(f'console line {r.lineno}: {r.kind}: {r.line}')
    return why


def run(p: QemuParams, job: str, extra: dict[str, bytes] | None = None,
        log_path: str | None = None, echo: bool = False) -> RunResult:
    """Boot once; if QEMU itself crashes (TCG has been seen to segfault
    here), boot once more and say so."""
    res = _run_once(p, job, extra, log_path, echo)
    if res.qemu_rc < 0:
        print(f'    WARNING: QEMU died of signal {-res.qemu_rc} after '
              f'{res.seconds:.0f}s; running the job once more', flush=True)
        res = _run_once(p, job, extra, log_path, echo)
    return res


def _run_once(p: QemuParams, job: str, extra: dict[str, bytes] | None,
              log_path: str | None, echo: bool) -> RunResult:
    with tempfile.TemporaryDirectory(prefix='smo-qemu-') as tmp:
        initrd = os.path.join(tmp, 'initrd.cpio')
        job_initrd(p.initrd, job, extra, initrd)
        results = os.path.join(tmp, 'results.txt')
        qmp_path = os.path.join(tmp, 'qmp') if p.topology.vmem else ''
        req_path = os.path.join(tmp, 'requests.txt') if qmp_path else ''
        params = QemuParams(**{**p.__dict__, 'initrd': initrd,
                               'qmp': qmp_path, 'requests': req_path})
        qmp = Qmp(qmp_path) if qmp_path else None
        port = RequestPort(req_path) if req_path else None
        start = time.monotonic()
        try:
            proc = subprocess.Popen(params.argv(results),
                                    stdin=subprocess.DEVNULL,
                                    stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT)
        except OSError as e:
            raise RunError(f'cannot start QEMU ({p.qemu}): {e}') from e
        lines: list[str] = []
        assert proc.stdout is not None
        deadline = start + p.timeout
        timed_out = False
        sel = selectors.DefaultSelector()
        sel.register(proc.stdout, selectors.EVENT_READ)
        buf = b''
        def serve_requests() -> None:
            for req in port.read() if port else []:
                did = (host_request(req, qmp) or
                       f'SMO-HARNESS: not a request: {req!r}')
                lines.extend([req, did])
                if echo:
                    print(req, did, sep='\n', flush=True)

        while True:
            serve_requests()
            left = deadline - time.monotonic()
            if left <= 0:
                timed_out = True
                proc.kill()
                break
            if not sel.select(timeout=min(left, 0.5)):
                if proc.poll() is not None:
                    break
                continue
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:
                break
            buf += chunk
            while b'\n' in buf:
                line, buf = buf.split(b'\n', 1)
                text = line.decode('utf-8', 'replace').rstrip('\r')
                lines.append(text)
                if echo:
                    print(text, flush=True)
        proc.wait()
        serve_requests()
        if buf:
            lines.append(buf.decode('utf-8', 'replace'))
        if timed_out:
            lines.append(f'SMO-HARNESS: timeout after {p.timeout}s, '
                         'QEMU killed')
        text = '\n'.join(lines)
        try:
            with open(results, encoding='utf-8', errors='replace') as f:
                res_text = f.read().replace('\r', '')
        except FileNotFoundError:
            res_text = ''
        if log_path:
            with open(log_path, 'w', encoding='utf-8') as f:
                f.write(text + '\n')
            with open(log_path + '.results', 'w', encoding='utf-8') as f:
                f.write(res_text)
        m = END.search(res_text)
        return RunResult(console=text, results=res_text,
                         rc=int(m[1]) if m else None,
                         topology=parse_topology(res_text),
                         reports=console.scan(text),
                         seconds=time.monotonic() - start,
                         qemu_rc=0 if timed_out else proc.returncode)


def interactive(p: QemuParams) -> int:
    return subprocess.call(p.argv(None, interactive=True))
