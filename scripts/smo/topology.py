# SPDX-License-Identifier: GPL-2.0
"""Emulated NUMA layouts, as plain data, and the QEMU arguments for them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Node:
    mem_mb: int
    cpus: tuple[int, ...]       # CPU (socket) ids on this node; () = memory-only


@dataclass(frozen=True)
class VirtioMem:
    """A virtio-mem device (QOM id vm0): @size_mb of memory for @node,
    @plugged_mb of it plugged at boot; the host resizes it through QMP."""
    node: int
    size_mb: int
    plugged_mb: int


@dataclass(frozen=True)
class Topology:
    name: str
    description: str
    nodes: tuple[Node, ...]
    vmem: VirtioMem | None = None
    # (a, b, distance) for a < b; the pairs not listed keep QEMU's default
    distances: tuple[tuple[int, int, int], ...] = ()

    @property
    def nr_cpus(self) -> int:
        return sum(len(n.cpus) for n in self.nodes)

    @property
    def mem_mb(self) -> int:
        return sum(n.mem_mb for n in self.nodes)

    def cpu_to_node(self) -> dict[int, int]:
        return {cpu: nid for nid, n in enumerate(self.nodes) for cpu in n.cpus}

    def online(self) -> str:
        """What /sys/devices/system/node/online must read."""
        last = len(self.nodes) - 1
        return '0' if last == 0 else f'0-{last}'

    def scaled(self, mem_mb: int) -> 'Topology':
        """The same layout with @mem_mb of memory spread evenly over nodes."""
        per = mem_mb // sum(1 for n in self.nodes if n.mem_mb)
        return Topology(self.name, self.description,
                        tuple(Node(per if n.mem_mb else 0, n.cpus)
                              for n in self.nodes), self.vmem, self.distances)

    def qemu_args(self) -> list[str]:
        mem = f'{self.mem_mb}M'
        if self.vmem:
            mem += f',maxmem={self.mem_mb + self.vmem.size_mb}M'
        args = ['-m', mem,
                '-smp', f'{self.nr_cpus},sockets={self.nr_cpus},'
                        'cores=1,threads=1']
        if self.vmem:
            v = self.vmem
            args += ['-object', f'memory-backend-ram,id=vmem0,'
                                f'size={v.size_mb}M',
                     '-device', f'virtio-mem-pci,id=vm0,memdev=vmem0,'
                                f'node={v.node},'
                                f'requested-size={v.plugged_mb}M']
        if len(self.nodes) == 1:
            return args
        for nid, n in enumerate(self.nodes):
            if not n.mem_mb:        # a memoryless node
                args += ['-numa', f'node,nodeid={nid}']
                continue
            args += ['-object', f'memory-backend-ram,id=m{nid},'
                                f'size={n.mem_mb}M',
                     '-numa', f'node,nodeid={nid},memdev=m{nid}']
        for nid, n in enumerate(self.nodes):
            for cpu in n.cpus:
                args += ['-numa', f'cpu,node-id={nid},socket-id={cpu}']
        for a, b, d in self.distances:
            args += ['-numa', f'dist,src={a},dst={b},val={d}',
                     '-numa', f'dist,src={b},dst={a},val={d}']
        return args


def _even(name: str, desc: str, cpus_per_node: list[int],
          mem_mb: int = 2048) -> Topology:
    nodes, cpu = [], 0
    per = mem_mb // len(cpus_per_node)
    for n in cpus_per_node:
        nodes.append(Node(per, tuple(range(cpu, cpu + n))))
        cpu += n
    return Topology(name, desc, tuple(nodes))


TOPOLOGIES: dict[str, Topology] = {t.name: t for t in [
    _even('1node', 'one node, 2 CPUs', [2]),
    _even('2node', 'two nodes, one CPU each', [1, 1]),
    _even('4node', 'four nodes, one CPU each', [1, 1, 1, 1]),
    _even('memonly', 'two nodes with CPUs plus a memory-only node 2',
          [1, 1, 0]),
    Topology('memless', 'two nodes with CPUs and memory plus node 2 with '
             'a CPU and no memory',
             (Node(1024, (0,)), Node(1024, (1,)), Node(0, (2,)))),
    Topology('vmem', 'node 0 with CPUs 0-1, node 1 with CPU 2 and a '
             'virtio-mem device of 512 MiB (256 MiB plugged at boot)',
             (Node(1024, (0, 1)), Node(1024, (2,))), VirtioMem(1, 512, 256)),
    # device memory lies above 4 GiB: node 0's span then covers node 1
    Topology('spans', 'two nodes, one CPU each; a virtio-mem device of '
             '256 MiB for node 0 (all plugged at boot, above node 1\'s '
             'memory): the node spans interleave',
             (Node(1024, (0,)), Node(1024, (1,))), VirtioMem(0, 256, 256)),
    # node 1's nearest node is 2, and so is memoryless node 3's; node 0
    # (CPU 0) is far from both
    Topology('dist', 'nodes 0-2 with a CPU and memory, node 3 with a CPU '
             'and no memory; distances: 1-2 and 2-3 12, 0-1 and 1-3 20, '
             '0-2 and 0-3 30',
             (Node(1024, (0,)), Node(512, (1,)), Node(512, (2,)), Node(0, (3,))),
             distances=((0, 1, 20), (0, 2, 30), (0, 3, 30), (1, 2, 12),
                        (1, 3, 20), (2, 3, 12))),
]}


def get(name: str) -> Topology:
    try:
        return TOPOLOGIES[name]
    except KeyError:
        raise ValueError(f'unknown topology {name!r}; known: '
                         f'{", ".join(TOPOLOGIES)}') from None
