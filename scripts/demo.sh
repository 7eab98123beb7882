#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make demo: boot the patched kernel on 4 emulated NUMA nodes (one CPU
# each), show the test cache before and after shrink, per-node counts
# before and after balance and move, and a memory block that goes offline
# only with mobility; then draw build/demo.png.
. "$(dirname "$0")/lib.sh"

cfg=${1:-fast}
extra=()
[ "$cfg" = debug ] && extra=(--debug)
cd "$SMO_TOP/scripts"
"$SMO_PYTHON" -m smo.cli run --obj "$SMO_BUILD/obj-$cfg" --topology 4node \
	"${extra[@]}" --job guest/jobs/demo.sh --label demo --print-output \
	--log "$SMO_BUILD/logs/demo.log"
"$SMO_PYTHON" -m smo.demoplot "$SMO_BUILD/logs/demo.log.results" \
	"$SMO_BUILD/demo.png"
