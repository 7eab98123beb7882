#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make walkers: guest/jobs/walkers.sh (a CPU creating and freeing slabs
# in a tight loop while another runs the page-frame walkers) for SECONDS
# (default 60) on each config: fast, debug (KASAN, lockdep, DEBUG_VM),
# nodebug (no SLUB_DEBUG).  Builds each config first (incremental, from
# build/src: make walkers runs make src).
#
#   walkers.sh [SECONDS] [CONFIG...]
. "$(dirname "$0")/lib.sh"

secs=${1:-60}
shift || true
cfgs=("$@")
[ ${#cfgs[@]} -gt 0 ] || cfgs=(fast debug nodebug)
rc=0
for cfg in "${cfgs[@]}"; do
	obj=$SMO_BUILD/obj-$cfg
	"$SMO_TOP/scripts/build.sh" "$cfg"
	"$SMO_TOP/scripts/initramfs.sh" "$obj"
	extra=()
	[ "$cfg" = debug ] && extra=(--debug)
	log "walkers: $secs s on the $cfg kernel, 2 nodes"
	(cd "$SMO_TOP/scripts" && "$SMO_PYTHON" -m smo.cli run --obj "$obj" \
		--topology 2node "${extra[@]}" --timeout $((secs * 3 + 600)) \
		--cmdline "SMO_WALK_SECONDS=$secs" --job guest/jobs/walkers.sh \
		--tap --label "$cfg:walkers" \
		--log "$SMO_BUILD/logs/walkers-$cfg-$secs.log") || rc=1
done
exit $rc
