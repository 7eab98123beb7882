#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make stress: the debug kernel (KASAN, lockdep, DEBUG_VM, kmemleak,
# failslab) on 4 nodes with 4 vCPUs, the test caches under full slab
# debugging, and guest/jobs/stress.sh for SECONDS of load (default 600).
# With --fsx: the page cache instead, guest/jobs/fsx.sh (xarray_fsx.sh:
# xa_fsx on tmpfs huge=always and ext2, swapped out to zram, while xa_node
# moves) for SECONDS.  make stress runs both.
#
#   stress.sh [--fsx] [SECONDS] [--results-file FILE --label LABEL]
. "$(dirname "$0")/lib.sh"

fsx=0
[ "${1:-}" = --fsx ] && { fsx=1; shift; }
secs=${1:-600}
shift || true
obj=$SMO_BUILD/obj-debug
[ -f "$obj/initramfs.cpio" ] || {
	"$SMO_TOP/scripts/prepare-src.sh"
	"$SMO_TOP/scripts/build.sh" debug
	"$SMO_TOP/scripts/initramfs.sh" "$obj"
}
cd "$SMO_TOP/scripts"
if [ $fsx = 1 ]; then
	log "stress: $secs s of xa_fsx on the debug kernel, 4 nodes, 4 vCPUs"
	exec "$SMO_PYTHON" -m smo.cli run --obj "$obj" --topology 4node --debug \
		--timeout $((secs * 3 + 900)) --cmdline "SMO_FSX_SECONDS=$secs" \
		--job guest/jobs/fsx.sh --tap \
		--log "$SMO_BUILD/logs/stress-fsx-$secs.log" "$@"
fi
log "stress: $secs s of load on the debug kernel, 4 nodes, 4 vCPUs"
exec "$SMO_PYTHON" -m smo.cli run --obj "$obj" --topology 4node --debug \
	--timeout $((secs * 3 + 900)) \
	--cmdline "slab_debug=FZPU,smo_test_64,smo_test_600" \
	--cmdline "SMO_STRESS_SECONDS=$secs" --job guest/jobs/stress.sh --tap \
	--log "$SMO_BUILD/logs/stress-$secs.log" "$@"
