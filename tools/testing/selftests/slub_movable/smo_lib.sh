# SPDX-License-Identifier: GPL-2.0
#
# Helpers the slub_movable kselftests share; sourced after
# ../kselftest/ktap_helpers.sh.  offline() records the blocks it tried in
# TRIED_BLOCKS (and their zones), so that the scripts' cleanup can online
# them again.

CTL=/sys/kernel/debug/test_slub_movable/control
SLAB=/sys/kernel/slab
MEMSYS=/sys/devices/system/memory
N=${SMO_OBJECTS:-20000}		# objects per scenario
CACHES="smo_test_64 smo_test_600"
MODULE=test_slub_movable

module_loaded() {
	grep -q "^$MODULE " /proc/modules
}

# kconfig SYMBOL: y, m or n as the running kernel's config says, when it
# can be read; nothing otherwise.
kconfig() {
	if [ -r /proc/config.gz ]; then
		v=$(zcat /proc/config.gz 2>/dev/null | grep "^CONFIG_$1=")
	elif [ -r "/boot/config-$(uname -r)" ]; then
		v=$(grep "^CONFIG_$1=" "/boot/config-$(uname -r)")
	else
		return 0
	fi
	case $v in
	*=y) echo y ;;
	*=m) echo m ;;
	*) echo n ;;
	esac
}

# smo CMD...: run one module command; its result goes to stdout.
smo() {
	echo "$*" > "$CTL" || return 1
	cat "$CTL"
}

# The same, with the result as a TAP diagnostic line.
smo_diag() {
	out=$(smo "$@") || { ktap_print_msg "$*: failed: $(cat "$CTL")"; return 1; }
	ktap_print_msg "$*: $out"
}

# write VALUE FILE: a sysfs write that must succeed.
write() {
	echo "$1" > "$2"
}

# A command a test depends on: "step CMD..." runs it, and a failure makes
# the next result fail, whatever that test's own check says.
STEP_FAILED=
step() {
	"$@" && return 0
	ktap_print_msg "step failed: $*"
	STEP_FAILED="$STEP_FAILED [$*]"
	return 1
}

# result DESCRIPTION COMMAND...: one test, passed if the command succeeds
# and no step since the last result failed.
result() {
	desc=$1
	shift
	if [ -n "$STEP_FAILED" ]; then
		ktap_print_msg "failed steps:$STEP_FAILED"
		STEP_FAILED=
		ktap_test_fail "$desc"
	elif "$@"; then
		ktap_test_pass "$desc"
	else
		ktap_test_fail "$desc"
	fi
}

# skip_n COUNT GROUP REASON: the tests of a group that cannot run here.
skip_n() {
	i=1
	while [ $i -le "$1" ]; do
		__ktap_test "ok" "$2 ($i/$1)" "SKIP $3"
		KTAP_CNT_SKIP=$((KTAP_CNT_SKIP + 1))
		i=$((i + 1))
	done
}

fail_n() {	# count group reason
	i=1
	while [ $i -le "$1" ]; do
		ktap_print_msg "$3"
		ktap_test_fail "$2 ($i/$1)"
		i=$((i + 1))
	done
}

# A group whose kernel option is missing: skipped, or failed when the
# kernel's config says the option is set.
missing() {	# symbol count group
	case $(kconfig "$1") in
	y|m) fail_n "$2" "$3" "CONFIG_$1 is set but what it provides is missing" ;;
	*) skip_n "$2" "$3" "needs CONFIG_$1" ;;
	esac
}

# positive VALUE WHAT: VALUE is a number above 0 (else say what is wrong).
positive() {
	case $1 in
	''|*[!0-9]*) ktap_print_msg "$2: '$1' is not a number"; return 1 ;;
	esac
	[ "$1" -gt 0 ] && return 0
	ktap_print_msg "$2 is 0: nothing to test"
	return 1
}

# Live objects as the module counts them.
live() {
	l=$(smo check "$1" | sed -n 's/^objects=\([0-9]*\).*/\1/p')
	echo "${l:-0}"
}

# Every object verified, and there are some.
intact() {	# cache
	smo_diag check "$1" &&
	positive "$(echo "$out" | sed -n 's/^objects=\([0-9]*\).*/\1/p')" "objects of $1"
}

# "0-2,4" -> "0 1 2 4"
expand() {
	echo "$1" | tr ',' '\n' | while IFS=- read -r a b; do
		[ -n "$a" ] && seq "$a" "${b:-$a}"
	done | tr '\n' ' '
}

now() {	# seconds since boot, 1/100 s precision
	cut -d' ' -f1 /proc/uptime
}

# Objects of the cache in block $3 of $2 bytes (0 if none).
in_block() {	# cache bytes block
	c=$(smo blocks "$1" "$2" | tr ' ' '\n' | sed -n "s/^B$3=//p")
	echo "${c:-0}"
}

# The block that holds the most objects of the cache ("blocks" lists the
# fullest first).
fullest_block() {	# cache bytes
	smo blocks "$1" "$2" | sed -n 's/^B\([0-9]*\)=.*/\1/p'
}

# Try to offline memory block $1, 60 s at most (a signal ends it); the
# error the write met goes to OFFLINE_ERR.  The trap onlines the block
# again should the script end before it does.
offline() {	# block
	case " $TRIED_BLOCKS " in
	*" $1 "*) ;;
	*)	TRIED_BLOCKS="$TRIED_BLOCKS $1"
		eval "ZONE_$1=\$(cat \"\$MEMSYS/memory\$1/valid_zones\" 2>/dev/null)"
		;;
	esac
	OFFLINE_ERR=$(timeout 60 sh -c "echo offline > $MEMSYS/memory$1/state" 2>&1)
}

# The offline attempt failed because pages could not be moved (EBUSY),
# not for a timeout or a missing file.
refused_busy() {
	case $OFFLINE_ERR in
	*[Bb]usy*) return 0 ;;
	esac
	ktap_print_msg "offline failed, but not with EBUSY: '$OFFLINE_ERR'"
	return 1
}

# Online block $1 again, in ZONE_MOVABLE if it was there.
# offline_probe "<result of hog ... block>": can the block that the hog
# left entirely free go offline at all?  It comes back online if so.
# arm64 refuses to offline boot memory ("Boot memory ... offlining
# attempted", EBUSY): there an offline check would fail, or pass, for that
# reason alone.  Sets OFFLINE_SKIP when it cannot.
R_OFFLINE="needs memory the kernel lets go offline (arm64 keeps boot memory online)"
offline_probe() {
	OFFLINE_SKIP=
	# Only arm64 refuses (arch_memory notifier).  Elsewhere the probe
	# itself disturbed the debug runs: once the block had been offline
	# and online again, the objects did not land in it (seen: "block 14
	# (0 objects) offline with mobility"; cause not known yet).
	[ "$(uname -m)" = aarch64 ] || return 0
	fb=$(echo "$1" | sed -n 's/.*block=//p')
	if [ -n "$fb" ] && offline "$fb"; then
		block_online "$fb"
		return
	fi
	OFFLINE_SKIP=1
	ktap_print_msg "free block '$fb' stays online: '$OFFLINE_ERR'"
}

# An offline check, skipped where the kernel lets no memory go offline
oresult() {
	if [ -n "${OFFLINE_SKIP:-}" ]; then
		skip_n 1 "$1" "$R_OFFLINE"
	else
		result "$@"
	fi
}

block_online() {	# block
	z=
	eval "z=\${ZONE_$1:-}"
	case $z in
	Movable*) echo online_movable > "$MEMSYS/memory$1/state" ;;
	*) echo online > "$MEMSYS/memory$1/state" ;;
	esac
}

# Sets SETUP_MISSING (a config symbol) or SETUP_ERR when it fails.
SETUP_MISSING=
SETUP_ERR=
# cgroup2 with the memory controller in the root's subtree_control: sets
# CG and ORIG_CG (the script's own cgroup), once.  cgroup2 is mounted on
# $TMPD/cgroup if it is mounted nowhere, and the memory controller enabled
# if it was not (CG_MEMORY_ADDED=1): the script's cleanup undoes both.
cg_root() {
	[ -n "$ORIG_CG" ] && return 0
	CG=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
	if [ -z "$CG" ]; then
		CG=$TMPD/cgroup
		mkdir "$CG" || { SETUP_ERR="mkdir $CG"; return 1; }
		if ! mount -t cgroup2 none "$CG"; then
			SETUP_MISSING=CGROUPS
			return 1
		fi
	fi
	if ! grep -qw memory "$CG/cgroup.controllers"; then
		SETUP_MISSING=MEMCG
		return 1
	fi
	if ! grep -qw memory "$CG/cgroup.subtree_control"; then
		echo +memory > "$CG/cgroup.subtree_control" ||
			{ SETUP_ERR="+memory in $CG/cgroup.subtree_control"; return 1; }
		CG_MEMORY_ADDED=1
	fi
	ORIG_CG=$CG$(sed -n 's/^0:://p' /proc/self/cgroup)
}

is_mount() {	# dir: something is mounted on DIR itself
	awk -v d="$1" '$2 == d { f = 1 } END { exit !f }' /proc/mounts
}

# Undo what cg_root() did: for the scripts' cleanup, after their cgroups
# are removed.
cg_root_undo() {
	if [ "${CG_MEMORY_ADDED:-0}" = 1 ]; then
		echo -memory > "$CG/cgroup.subtree_control" ||
			ktap_print_msg "cleanup: memory controller stays enabled in $CG"
	fi
	if [ -n "$TMPD" ] && is_mount "$TMPD/cgroup"; then
		umount "$TMPD/cgroup" ||
			ktap_print_msg "cleanup: cgroup2 stays mounted on $TMPD/cgroup"
	fi
}

# ext2_loop IMAGE MIB DIR: an ext2 image of MIB MiB on a loop device (its
# name in LOOP), mounted on DIR; SETUP_MISSING or SETUP_ERR when it cannot
# be.  The caller's cleanup unmounts DIR and detaches LOOP.
ext2_loop() {
	dd if=/dev/zero of="$1" bs=1M count="$2" 2>/dev/null ||
		{ SETUP_ERR="dd $1"; return 1; }
	LOOP=$(losetup -f) && losetup "$LOOP" "$1" ||
		{ SETUP_MISSING=BLK_DEV_LOOP; LOOP=; return 1; }
	mke2fs "$LOOP" >/dev/null 2>&1 || { SETUP_ERR="mke2fs $LOOP"; return 1; }
	mkdir "$3" || { SETUP_ERR="mkdir $3"; return 1; }
	if ! mount -t ext2 "$LOOP" "$3"; then
		if grep -qw ext2 /proc/filesystems; then
			SETUP_ERR="mount -t ext2 $LOOP"
		else
			SETUP_MISSING=EXT2_FS
		fi
		return 1
	fi
}

# xa_stat COUNTER: the total of one of xa_node's SLUB_STATS counters (0
# without CONFIG_SLUB_STATS).
xa_stat() {
	cut -d' ' -f1 "$X/$1" 2>/dev/null || echo 0
}

# The start of an XArray script: the TAP header; the whole run is skipped
# without root or without the xa_node cache ($X).
xa_start() {
	ktap_print_header
	if [ "$(id -u)" != 0 ]; then
		ktap_skip_all "must be run as root"
		exit "$KSFT_SKIP"
	fi
	if [ ! -d "$X" ]; then
		ktap_skip_all "no xa_node cache (kernel without movable XArray nodes)"
		exit "$KSFT_SKIP"
	fi
}

# The start of a run: the TAP header, root, debugfs (MOUNTED_DEBUGFS=1 if
# mounted here) and the test module loaded afresh (MOD_WAS_LOADED=1 if it
# was loaded, MOD_LOADED_HERE=1 if loaded here); the whole run is skipped
# without root or without the module.
module_start() {
	ktap_print_header
	if [ "$(id -u)" != 0 ]; then
		ktap_skip_all "must be run as root"
		exit "$KSFT_SKIP"
	fi
	if ! grep -q ' /sys/kernel/debug debugfs ' /proc/mounts; then
		mount -t debugfs none /sys/kernel/debug && MOUNTED_DEBUGFS=1
	fi
	if module_loaded; then
		MOD_WAS_LOADED=1
		rmmod "$MODULE" ||
			ktap_print_msg "$MODULE was loaded and stays: not as new"
	fi
	if [ ! -e "$CTL" ]; then
		modprobe "$MODULE" 2>/dev/null && MOD_LOADED_HERE=1
	fi
	if [ ! -e "$CTL" ]; then
		ktap_skip_all "needs CONFIG_TEST_SLUB_MOVABLE"
		exit "$KSFT_SKIP"
	fi
}

# The end of a cleanup: the CPU affinity (AFFINITY) and debugfs as they
# were.
cleanup_affinity_debugfs() {
	if [ -n "${AFFINITY:-}" ]; then
		taskset -p "$AFFINITY" $$ >/dev/null 2>&1 ||
			ktap_print_msg "cleanup: CPU affinity $AFFINITY not restored"
	fi
	if [ "${MOUNTED_DEBUGFS:-0}" = 1 ]; then
		umount /sys/kernel/debug 2>/dev/null ||
			ktap_print_msg "cleanup: debugfs stays mounted"
	fi
}

on_signal() {
	echo "Bail out! interrupted by SIG$1"
	exit "$KSFT_FAIL"	# the EXIT trap cleans up
}

# The script's cleanup() on EXIT; INT, TERM and HUP end the run first.
set_traps() {
	trap cleanup EXIT
	trap 'on_signal INT' INT
	trap 'on_signal TERM' TERM
	trap 'on_signal HUP' HUP
}
