#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make test: apply, check, build, boot, run every test.
#
# The tally cannot hide a job.  Every job runs through job() (or step(),
# expect_fail()): its checks, "PASS|FAIL|SKIP <name>[ # reason]", go to a
# file of its own, written by the harness ($SMO_RESULTS_FILE is its
# --results-file) or taken from the lines the job prints; the harness also
# writes "PLAN <label> <n>" for the checks a guest's TAP plans announce.
# Then job() records exactly one verdict under the job's own name, FAIL
# when the job
#   - exited non-zero, died, or recorded no check at all,
#   - recorded more or fewer checks than its TAP plans announced,
#   - recorded a FAIL, or a SKIP that EXPECTED_SKIPS below does not list
#     for that job (the SKIP then counts as a FAIL).
# The summary checks that every planned job has its one verdict.  The last
# line is "N passed, N failed, N skipped"; the exit status is non-zero on
# any failure or shortfall.
. "$(dirname "$0")/lib.sh"
. "$SMO_TOP/scripts/tally.sh"

# The only SKIPs make test accepts: "<job label glob>|<check name glob>",
# matched against "<label>:<check>".  Anything else that skips is a FAIL.
# All the kselftest topologies have two or more memory nodes, so none of
# the "needs 2 memory nodes" skips is expected anywhere.
EXPECTED_SKIPS=(
	# only the memless layout has a node with CPUs and no memory
	'*:kselftest@2node|*# needs a memoryless node'
	'*:kselftest@4node|*# needs a memoryless node'
	'*:kselftest@memonly|*# needs a memoryless node'
	'*:kselftest-runner@2node|*# needs a memoryless node'
	'*:kselftest-runner@4node|*# needs a memoryless node'
	# CONFIG_SLUB_DEBUG=n: no per-node "slabs" file in sysfs
	'nodebug:kselftest@*|*# needs CONFIG_SLUB_DEBUG'
	'nodebug:kselftest-runner@*|*# needs CONFIG_SLUB_DEBUG'
	# integration.sh's validate test: validate checks the slab counts
	# only of caches that store users, and only the debug boots give the
	# test caches slab_debug=U
	'fast:kselftest-runner@*|*# needs slab_debug=U on smo_test_64'
	'nodebug:kselftest-runner@*|*# needs slab_debug=U on smo_test_64'
	# make test-arm64: arm64 keeps boot memory online (QEMU 7.2's virt
	# machine hot-adds no memory without ACPI firmware)
	'arm64-*:kselftest-runner@*|*# needs memory the kernel lets go offline*'
)

T0=$(date +%s)
mkdir -p "$SMO_BUILD/logs"
# every check and job verdict: build/test-results.txt; one file per job
tally_init "$SMO_BUILD/test-results.txt" "$SMO_BUILD/test-jobs"
PY() { (cd "$SMO_TOP/scripts" && "$SMO_PYTHON" -m smo.cli "$@"); }
PY_RST() { (cd "$SMO_TOP/scripts" && "$SMO_PYTHON" -m smo.rstcheck "$@"); }
elapsed() { echo "$(( $(date +%s) - T0 ))s"; }
section() { SMO_STEP=$*; printf '\n==> [%s] %s\n' "$(elapsed)" "$*"; }

# The debug config also runs the test caches with full slab debugging,
# which takes SLUB's debug paths (no cpu slabs, frees under list_lock).
# (fewer objects: KASAN and lockdep under TCG are slow)
DEBUG_CMDLINE=(--debug --timeout 1500 --cmdline "slab_debug=FZPU,smo_test_64,smo_test_600"
	--cmdline SMO_OBJECTS=5000)
# A missing build is the harness's business: it records the job as FAIL.
boot() {	# $1: config, $2: topology, $3: job, [more harness options]
	local cfg=$1 topo=$2 script=$3 name=$3 extra=(); shift 3
	case $cfg in debug|arm64-*) extra=("${DEBUG_CMDLINE[@]}") ;; esac
	[[ " $* " == *" slab_nomove="* ]] && name=$name-nomove
	job "$cfg:$name@$topo" PY run --obj "$SMO_BUILD/obj-$cfg" --topology "$topo" \
		"${extra[@]}" --job "guest/jobs/$script.sh" --tap --label "$cfg:$name@$topo" \
		--log "$SMO_BUILD/logs/$cfg-$name-$topo.log" \
		--output "$SMO_BUILD/logs/$cfg-$name-$topo.out" "$@"
}
host_suite() {	# $1: config, $2: topology
	local extra=()
	[ "$1" = debug ] && extra=("${DEBUG_CMDLINE[@]}")
	job "$1:suite@$2" PY suite --obj "$SMO_BUILD/obj-$1" --topology "$2" \
		"${extra[@]}" --label "$1:suite@$2" --log "$SMO_BUILD/logs/$1-suite-$2.log"
}
# make test-nodebug and make test-arm64: the setup their builds need, and
# their summary.
profile_setup() {
	section "setting up: packages, the pinned base, the patched tree"
	"$SMO_TOP/scripts/deps.sh"
	"$SMO_TOP/scripts/base.sh"
	step "apply:series onto build/src" "$SMO_TOP/scripts/prepare-src.sh"
}
profile_done() {
	section "summary ($(elapsed))"
	tally_summary || exit 1
	exit 0
}

# make test-arm64: the series cross-compiled for arm64 and booted under
# qemu-system-aarch64 (virt, MTE, TCG) on 2 nodes with tag-based KASAN:
# boot and the kselftests through the kernel's runner.  Tag-based KASAN
# gives every object a tag in its pointer; the moves must hand the owners
# those pointers.  SMO_ARM64_CONFIGS picks the configs: swtags (KASAN's
# software tags, the default) and hwtags (MTE).  hwtags's objects are
# compiled with W=1 here, but not booted by default: under Debian 12's QEMU 7.2 (TCG) even the
# vanilla 6.12.117 kernel with KASAN_HW_TAGS stops at its first slab
# allocations with a tag-check fault on memory tags it did not write
# ("Pointer tag: [f9], memory tag: [f1]" in kmem_cache_init()).
if [ "${1:-}" = arm64 ]; then
	profile_setup
	section "the series' objects, W=1, arm64 with KASAN's hardware tags"
	job "objects:arm64-hwtags" "$SMO_TOP/scripts/bisect.sh" --arch arm64 --config hwtags --ends
	for cfg in ${SMO_ARM64_CONFIGS:-swtags}; do
		section "building arm64 $cfg"
		step "build:arm64-$cfg" "$SMO_TOP/scripts/build.sh" --arch arm64 $cfg
		step "initramfs:arm64-$cfg" "$SMO_TOP/scripts/initramfs.sh" \
			"$SMO_BUILD/obj-arm64-$cfg"
	done
	for cfg in ${SMO_ARM64_CONFIGS:-swtags}; do
		section "arm64 $cfg: boot, the kselftests through the kernel's runner"
		boot arm64-$cfg 2node boot --cmdline "SMO_KASAN=${cfg%tags}-tags"
		boot arm64-$cfg 2node kselftest-runner --timeout 5400
	done
	profile_done
fi

# make test-nodebug: the CONFIG_SLUB_DEBUG=n kernel built and booted (make
# test compiles its objects only: a third kernel build would put make test
# over its hour on a cold machine).
if [ "${1:-}" = nodebug ]; then
	profile_setup
	section "building the nodebug config"
	step "build:nodebug" "$SMO_TOP/scripts/build.sh" nodebug
	step "initramfs:nodebug" "$SMO_TOP/scripts/initramfs.sh" "$SMO_BUILD/obj-nodebug"
	section "nodebug boots: boot, the kselftests, the kernel's runner"
	boot nodebug 4node boot
	boot nodebug memless kselftest
	boot nodebug 2node kselftest-runner
	profile_done
fi

section "setting up: packages and the pinned base"
"$SMO_TOP/scripts/deps.sh"
"$SMO_TOP/scripts/base.sh"

section "the setup scripts on a fresh machine (stand-in dpkg-query, apt-get, apt-cache)"
job "setup:fresh-machine" "$SMO_TOP/scripts/tests/fresh-machine.sh"

section "harness unit tests (no kernel)"
job "unit" PY unit

section "the tally cannot hide a job"
job "tally:self-test" "$SMO_TOP/scripts/tests/tally.sh"

section "applying the series (quilt, fuzz 0) and the refusal checks"
step "apply:series onto build/src" "$SMO_TOP/scripts/prepare-src.sh"
job "apply:refusals" "$SMO_TOP/scripts/check-apply.sh"

section "git tree, export round trip, mailable series"
step "tree:one commit per patch" "$SMO_TOP/scripts/tree.sh"
roundtrip() {
	local d f; d=$(mktemp -d)
	mkdir -p "$d/patches"; cp "$SMO_PATCHES/series" "$d/patches/"
	"$SMO_TOP/scripts/export.sh" --out "$d" >/dev/null 2>&1 || return 1
	# checkpatch.ignore is ours, not a commit's: export does not write it
	diff -r "$SMO_PATCHES" "$d/patches" -x cover-letter.txt -x checkpatch.ignore ||
		return 1
	for f in $(series_all_new_files); do
		diff -u "$SMO_TOP/$f" "$d/$f" &&
		[ "$(stat -c %a "$SMO_TOP/$f")" = "$(stat -c %a "$d/$f")" ] ||
			{ echo "export changed $f"; return 1; }
	done
	rm -rf "$d"
}
step "export:apply then export is a no-op" roundtrip
step "series:git am of the mailable series equals make apply" \
	"$SMO_TOP/scripts/series.sh" --check

section "checkpatch.pl --strict, kernel-doc and the rst pages"
job "checkpatch" "$SMO_TOP/scripts/checkpatch.sh"
job "kernel-doc" "$SMO_TOP/scripts/kerneldoc.sh"
rst=$(series_all_new_files | grep '\.rst$' || true)
[ -z "$rst" ] || job "rst" PY_RST "$SMO_SRC" $rst

for cfg in fast debug; do
	section "building the $cfg config"
	step "build:$cfg" "$SMO_TOP/scripts/build.sh" "$cfg"
	step "initramfs:$cfg" "$SMO_TOP/scripts/initramfs.sh" "$SMO_BUILD/obj-$cfg"
done

section "bisectability: W=1 objects after each patch"
job "bisect" "$SMO_TOP/scripts/bisect.sh"

# (arm64 with KASAN's hardware tags: make test-arm64, 3 minutes more)
section "the series' objects, W=1: nodebug, and arm64 (cross) with KASAN's software tags"
job "objects:nodebug" "$SMO_TOP/scripts/bisect.sh" --config nodebug --ends
job "objects:arm64-swtags" "$SMO_TOP/scripts/bisect.sh" --arch arm64 --config swtags --ends

section "boot tests"
for topo in 1node 2node 4node memonly; do
	boot fast $topo boot
done
boot debug 4node boot

section "virtio-mem: the host unplugs movable slabs while a CPU cycles (QMP)"
boot fast vmem vmem --cmdline memhp_default_state=online

section "interleaved node spans: move and balance take and count a node's own slabs"
boot fast spans spans --cmdline memhp_default_state=online

section "fallback for a node that cannot serve: the nearest node's partial slabs, no remote cpu slab"
boot fast dist fallback

section "tools/mm/slabinfo in the guest"
boot fast 4node slabinfo

section "slub_movable kselftests"
for topo in 4node memonly memless; do
	boot fast $topo kselftest
done

section "the kselftests through the kernel's runner (run_kselftest.sh), once per config"
# slub_movable.sh, xarray_movable.sh and integration.sh, as "make -C tools/testing/selftests
# TARGETS=slub_movable install" installed them, under run_kselftest.sh
boot fast 2node kselftest-runner
boot debug 2node kselftest-runner --timeout 3000

section "XArray nodes: readers, move, balance, tmpfs, shadow nodes, test_xarray"
boot fast 4node kselftest-xa
# the same tmpfs workload on the same kernel with mobility off
boot fast 2node kselftest-xa --cmdline slab_nomove=xa_node
step "xa:tmpfs workload: fewer xa_node slabs with mobility than without" \
	"$SMO_TOP/scripts/xa-compare.sh" "$SMO_BUILD/logs/fast-kselftest-runner-2node.out" \
	"$SMO_BUILD/logs/fast-kselftest-xa-nomove-2node.out"

section "stress: load, failslab, unload during a shrink, kmemleak (short)"
job "debug:stress@4node" "$SMO_TOP/scripts/stress.sh" 40 --label debug:stress@4node

section "page-frame walkers while a CPU makes and frees slabs (short; make walkers: 60 s, every config)"
boot fast 2node walkers --cmdline SMO_WALK_SECONDS=15

section "host-driven suite (the 2019 assertions and the NUMA rules)"
host_suite fast 2node
host_suite fast 4node
host_suite fast memonly
host_suite fast memless
host_suite debug 2node

section "hostile input: every new sysfs file and the control file, root and uid 65534"
# every boundary input, and 200 random ones per file (the default, 500,
# takes twice as long: each input is followed by a check of every object)
job "fast:fuzz@4node" PY fuzz --obj "$SMO_BUILD/obj-fast" --topology 4node \
	--per-file 200 --label fast:fuzz@4node --log "$SMO_BUILD/logs/fast-fuzz-4node.log"

section "the harness catches what it must, for the reason it must"
# (these runs must fail: their verdicts go to /dev/null, not the tally)
expect_fail "harness:catches a wrong topology" \
	'node online: guest has .*expected' \
	PY run --results-file /dev/null --obj "$SMO_BUILD/obj-fast" \
	--topology 2node --expect-topology 4node --job guest/jobs/boot.sh --tap
expect_fail "harness:catches a missing end marker" \
	'no end marker \(SMO-END\) from the guest' \
	PY run --results-file /dev/null --obj "$SMO_BUILD/obj-fast" \
	--topology 1node --job guest/jobs/no-end-marker.sh
expect_fail "harness:catches a failing guest test" \
	'FAIL .*a test that fails on purpose' \
	PY run --results-file /dev/null --obj "$SMO_BUILD/obj-fast" \
	--topology 1node --job guest/jobs/failing.sh --tap
bad=$(mktemp)
echo 'CONFIG_SMO_NO_SUCH_OPTION=y' >"$bad"
expect_fail "harness:catches a config option that did not stick" \
	'CONFIG_SMO_NO_SUCH_OPTION' \
	PY check-config --config "$SMO_BUILD/obj-fast/.config" \
	"$SMO_TOP/configs/fast.config" "$bad"
rm -f "$bad"

section "summary ($(elapsed))"
if ! tally_summary; then
	exit 1
fi
