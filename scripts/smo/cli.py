# SPDX-License-Identifier: GPL-2.0
"""Command line of the SMO host harness: python3 -m smo.cli <command>."""

from __future__ import annotations

import argparse
import sys

from . import kconfig


def cmd_check_config(args: argparse.Namespace) -> int:
    try:
        kconfig.check(args.fragments, args.config)
    except kconfig.ConfigError as e:
        print(f'ERROR: {e}', file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog='smo-harness')
    sub = ap.add_subparsers(dest='cmd', required=True)
    p = sub.add_parser('check-config',
                       help='verify a .config against fragments')
    p.add_argument('--config', required=True)
    p.add_argument('fragments', nargs='+')
    p.set_defaults(func=cmd_check_config)
    args = ap.parse_args(argv)
    return args.func(args)


if __name__ == '__main__':
    sys.exit(main())
