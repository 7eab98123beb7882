#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make test: apply, check, build, boot, run every test.  Each check appends
# "PASS|FAIL|SKIP <name>" to build/test-results.txt; the last line printed
# is "N passed, N failed, N skipped" and the exit status is non-zero on any
# failure.
. "$(dirname "$0")/lib.sh"

T0=$(date +%s)
R=$SMO_BUILD/test-results.txt
mkdir -p "$SMO_BUILD/logs"
: >"$R"
PY() { (cd "$SMO_TOP/scripts" && "$SMO_PYTHON" -m smo.cli "$@"); }
PY_RST() { (cd "$SMO_TOP/scripts" && "$SMO_PYTHON" -m smo.rstcheck "$@"); }
elapsed() { echo "$(( $(date +%s) - T0 ))s"; }
section() { printf '\n==> [%s] %s\n' "$(elapsed)" "$*"; }
# step NAME CMD...: one check, recorded by its exit status.
step() {
	local name=$1; shift
	if "$@"; then echo "PASS $name" >>"$R"; echo "    ok   $name"
	else echo "FAIL $name" >>"$R"; echo "    FAIL $name"; return 1; fi
}
# lines CMD...: a check that prints its own PASS/FAIL lines.
lines() {
	local out rc
	out=$("$@") && rc=0 || rc=$?
	printf '%s\n' "$out" | grep -E '^(PASS|FAIL|SKIP) ' >>"$R" || true
	printf '%s\n' "$out" | sed -e 's/^PASS /    ok   /' -e 's/^FAIL /    FAIL /'
	[ $rc = 0 ] || [ -n "$(printf '%s\n' "$out" | grep '^FAIL ')" ] ||
		{ echo "FAIL $1 (exit $rc)" >>"$R"; echo "    FAIL $1 (exit $rc)"; }
	return 0
}
# expect_fail NAME CMD...: a check that must fail (the harness catches it).
expect_fail() {
	local name=$1 out; shift
	if out=$("$@" 2>&1); then
		echo "FAIL $name" >>"$R"; echo "    FAIL $name (was not caught)"
	else
		echo "PASS $name" >>"$R"; echo "    ok   $name"
		printf '%s\n' "$out" | grep -E 'ERROR|FAIL|no end marker|expected' |
			head -3 | sed 's/^/         caught: /'
	fi
}

section "setting up: packages and the pinned base"
"$SMO_TOP/scripts/deps.sh"
"$SMO_TOP/scripts/base.sh"

section "harness unit tests (no kernel)"
lines PY unit

section "applying the series (quilt, fuzz 0) and the refusal checks"
step "apply:series onto build/src" "$SMO_TOP/scripts/prepare-src.sh"
lines "$SMO_TOP/scripts/check-apply.sh"

section "git tree, export round trip, mailable series"
step "tree:one commit per patch" "$SMO_TOP/scripts/tree.sh"
roundtrip() {
	local d; d=$(mktemp -d)
	mkdir -p "$d/patches"; cp "$SMO_PATCHES/series" "$d/patches/"
	"$SMO_TOP/scripts/export.sh" --out "$d" >/dev/null 2>&1 &&
	diff -r "$SMO_PATCHES" "$d/patches" -x cover-letter.txt &&
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
lines "$SMO_TOP/scripts/checkpatch.sh"
lines "$SMO_TOP/scripts/kerneldoc.sh"
rst=$(series_all_new_files | grep '\.rst$' || true)
[ -z "$rst" ] || lines PY_RST "$SMO_SRC" $rst

for cfg in fast debug nodebug; do
	section "building the $cfg config"
	if step "build:$cfg" "$SMO_TOP/scripts/build.sh" "$cfg"; then
		step "initramfs:$cfg" "$SMO_TOP/scripts/initramfs.sh" "$SMO_BUILD/obj-$cfg"
	fi
done

section "bisectability: W=1 objects after each patch"
lines "$SMO_TOP/scripts/bisect.sh"

# The debug config also runs the test caches with full slab debugging,
# which takes SLUB's debug paths (no cpu slabs, frees under list_lock).
# (fewer objects: KASAN and lockdep under TCG are slow)
DEBUG_CMDLINE=(--debug --timeout 1500 --cmdline "slab_debug=FZPU,smo_test_64,smo_test_600"
	--cmdline SMO_OBJECTS=5000)
boot() {	# $1: config, $2: topology, $3: job
	[ -f "$SMO_BUILD/obj-$1/initramfs.cpio" ] || { echo "FAIL $1:$3@$2:boot (no build)" >>"$R"; return; }
	local extra=()
	[ "$1" = debug ] && extra=("${DEBUG_CMDLINE[@]}")
	PY run --obj "$SMO_BUILD/obj-$1" --topology "$2" "${extra[@]}" \
		--job "guest/jobs/$3.sh" --tap --label "$1:$3@$2" \
		--log "$SMO_BUILD/logs/$1-$3-$2.log" --output "$SMO_BUILD/logs/$1-$3-$2.out" \
		--results-file "$R" || true
}
host_suite() {	# $1: config, $2: topology
	[ -f "$SMO_BUILD/obj-$1/initramfs.cpio" ] || { echo "FAIL $1:suite@$2:boot (no build)" >>"$R"; return; }
	local extra=()
	[ "$1" = debug ] && extra=("${DEBUG_CMDLINE[@]}")
	PY suite --obj "$SMO_BUILD/obj-$1" --topology "$2" "${extra[@]}" \
		--label "$1:suite@$2" --log "$SMO_BUILD/logs/$1-suite-$2.log" \
		--results-file "$R" || true
}
section "boot tests"
for topo in 1node 2node 4node memonly; do
	boot fast $topo boot
done
boot debug 4node boot
boot nodebug 4node boot

section "tools/mm/slabinfo in the guest"
boot fast 4node slabinfo

section "slub_movable kselftests"
for topo in 2node 4node memonly memless; do
	boot fast $topo kselftest
done
boot nodebug 4node kselftest
boot nodebug memless kselftest
boot debug 4node kselftest

section "XArray nodes: readers, move, balance, tmpfs, shadow nodes, test_xarray"
boot fast 2node kselftest-xa
boot fast 4node kselftest-xa
boot debug 4node kselftest-xa
# the same tmpfs workload on the same kernel with mobility off
if [ -f "$SMO_BUILD/obj-fast/initramfs.cpio" ]; then
	PY run --obj "$SMO_BUILD/obj-fast" --topology 2node \
		--cmdline slab_nomove=xa_node --job guest/jobs/kselftest-xa.sh \
		--tap --label fast:kselftest-xa-nomove@2node \
		--log "$SMO_BUILD/logs/fast-kselftest-xa-nomove-2node.log" \
		--output "$SMO_BUILD/logs/fast-kselftest-xa-nomove-2node.out" \
		--results-file "$R" || true
fi
step "xa:tmpfs workload: fewer xa_node slabs with mobility than without" \
	"$SMO_TOP/scripts/xa-compare.sh" "$SMO_BUILD/logs/fast-kselftest-xa-2node.out" \
	"$SMO_BUILD/logs/fast-kselftest-xa-nomove-2node.out" || true

section "stress: load, failslab, unload during a shrink, kmemleak (short)"
if [ -f "$SMO_BUILD/obj-debug/initramfs.cpio" ]; then
	"$SMO_TOP/scripts/stress.sh" 40 --label debug:stress@4node \
		--results-file "$R" || true
else
	echo "FAIL debug:stress@4node:boot (no build)" >>"$R"
fi

section "host-driven suite (the 2019 assertions and the NUMA rules)"
host_suite fast 2node
host_suite fast 4node
host_suite fast memonly
host_suite fast memless
host_suite debug 2node

section "hostile input: every new sysfs file and the control file, root and uid 65534"
if [ -f "$SMO_BUILD/obj-fast/initramfs.cpio" ]; then
	PY fuzz --obj "$SMO_BUILD/obj-fast" --topology 4node --label fast:fuzz@4node \
		--log "$SMO_BUILD/logs/fast-fuzz-4node.log" --results-file "$R" || true
else
	echo "FAIL fast:fuzz@4node:boot (no build)" >>"$R"
fi

section "the harness catches what it must"
if [ -f "$SMO_BUILD/obj-fast/initramfs.cpio" ]; then
	expect_fail "harness:catches a wrong topology" PY run \
		--obj "$SMO_BUILD/obj-fast" --topology 2node --expect-topology 4node \
		--job guest/jobs/boot.sh --tap
	expect_fail "harness:catches a missing end marker" PY run \
		--obj "$SMO_BUILD/obj-fast" --topology 1node \
		--job guest/jobs/no-end-marker.sh
	expect_fail "harness:catches a failing guest test" PY run \
		--obj "$SMO_BUILD/obj-fast" --topology 1node \
		--job guest/jobs/failing.sh --tap
	bad=$(mktemp)
	echo 'CONFIG_SMO_NO_SUCH_OPTION=y' >"$bad"
	expect_fail "harness:catches a config option that did not stick" \
		PY check-config --config "$SMO_BUILD/obj-fast/.config" \
		"$SMO_TOP/configs/fast.config" "$bad"
	rm -f "$bad"
fi

section "summary ($(elapsed))"
grep '^FAIL ' "$R" | sed 's/^/    /' || true
p=$(grep -c '^PASS ' "$R" || true)
f=$(grep -c '^FAIL ' "$R" || true)
s=$(grep -c '^SKIP ' "$R" || true)
echo "$p passed, $f failed, $s skipped"
[ "$f" = 0 ] && [ "$p" -gt 0 ]
