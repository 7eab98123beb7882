# SPDX-License-Identifier: GPL-2.0
"""Host-side tooling for SMO: configs, QEMU, console scanning, KTAP."""
