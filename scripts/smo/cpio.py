# SPDX-License-Identifier: GPL-2.0
"""Write small newc cpio archives (the kernel's initramfs format)."""

from __future__ import annotations


def _pad4(n: int) -> bytes:
    return b'\0' * (-n % 4)


def _entry(ino: int, name: str, mode: int, data: bytes) -> bytes:
    bname = name.encode() + b'\0'
    fields = [ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(bname), 0]
    hdr = b'070701' + b''.join(b'%08X' % f for f in fields)
    out = hdr + bname
    out += _pad4(len(out))
    out += data + _pad4(len(data))
    return out


def archive(files: dict[str, tuple[int, bytes]]) -> bytes:
    """@files maps a path (no leading /) to (mode, contents)."""
    out = b''
    for ino, (name, (mode, data)) in enumerate(sorted(files.items()), 1):
        out += _entry(ino, name, 0o100000 | mode, data)
    out += _entry(0, 'TRAILER!!!', 0, b'')
    return out + _pad4(len(out)) + b'\0' * (-len(out) % 512)
