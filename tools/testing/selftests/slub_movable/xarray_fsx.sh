#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The page cache under load while its XArray nodes move.  xa_fsx (random
# reads, writes, truncates, hole punches, fallocates, mmap reads and
# writes and page cache drops, each checked against an in-memory model of
# the file) runs on tmpfs mounted huge=always and on ext2, inside a memory
# cgroup whose limit pushes shmem out to a zram swap device, while a mover
# shrinks, moves and balances xa_node without pause.  Large folios, their
# multi-index entries, shmem swap entries (huge ones included) and
# workingset shadow entries all live in the nodes that move.  A 16 MiB
# tmpfs file written in 2 MiB pieces beside them (huge folios from the
# start, then cold) is what reclaim swaps out whole first: it must read
# back the same.  Then every
# swap entry must go with the files: swapoff, which drains the cached
# swap slots and then waits for every slot still in use, ends in bounded
# time only if none leaked (a leaked slot keeps it looping until a signal).
#
# SMO_FSX_SECONDS (default 60): how long each xa_fsx run lasts.
#
# xa_fsx never truncates to a page boundary that is not a 2 MiB one: on
# 6.12.117 (no SMO needed) that hangs when the new end falls inside a
# 2 MiB tmpfs folio swapped out whole.  shmem_undo_range() skips the large
# swap entry that straddles the end and, truncating, restarts from the end
# until nothing is found: it finds the entry again, for ever (state R,
# system time growing, SIGKILL ignored).  The recipe, on tmpfs huge=always
# with swap: write 4 MiB in a memory cgroup, echo 8M > memory.reclaim
# (thp_swpout 2), truncate -s 1048576: it never returns.  One 60 s run of
# about nine hit it before xa_fsx avoided such sizes.
#
# Needs root, the options in ./config and the xa_fsx program next to this
# script.  A test that cannot run says why after "# SKIP":
#   "needs CONFIG_ZRAM"                 no zram device (swap tests)
#   "needs CONFIG_SWAP"                 swapon is refused (swap tests)
#   "needs CONFIG_THP_SWAP"             huge folios are split to swap
#   "needs CONFIG_TRANSPARENT_HUGEPAGE" tmpfs refuses huge=always
#   "needs CONFIG_BLK_DEV_LOOP"         no loop device (ext2 run)
#   "needs CONFIG_EXT2_FS"              no ext2 (ext2 run)
#   "needs CONFIG_CGROUPS"/"needs CONFIG_MEMCG"  no memory cgroup
# and the whole run is skipped without root, without the xa_node cache or
# without xa_fsx.  Where the kernel's config says the option is set, its
# feature missing is a failure, not a skip.
#
# What the script changes on the machine, and what the cleanup trap (on
# EXIT, INT, TERM and HUP) puts back:
# - A zram device is added (/sys/class/zram-control/hot_add), 256 MiB,
#   made swap and swapped on: swapped off, reset and removed (the zram
#   module unloaded if the script loaded it).
# - A directory /tmp/smo_fsx.XXXXXX holds a tmpfs mount (huge=always,
#   128 MiB at most), a 64 MiB ext2 image on a loop device and its mount:
#   unmounted, detached, removed.
# - cgroup2 is mounted in that directory if no cgroup2 mount exists, and
#   the memory controller enabled in the root's subtree_control if it was
#   not: undone.  The xa_fsx runs live in a cgroup smo_fsx.<pid> with
#   memory.max set (when swap is on): they are stopped and the cgroup
#   removed.
# - xa_node (the page cache's tree nodes, system-wide) is shrunk, moved and
#   balanced: balanced again over the memory nodes at the end.
# Nothing else is written.

DIR=$(dirname "$0")
. "$DIR/../kselftest/ktap_helpers.sh"
. "$DIR/smo_lib.sh"

X=$SLAB/xa_node
FSX=$DIR/xa_fsx
T=${SMO_FSX_SECONDS:-60}
NTMPFS=2		# xa_fsx runs on tmpfs
MAXLEN=$((8 << 20))	# bytes per file (each run's model is as large)
LIMIT=32M		# the cgroup's memory.max: about 2/3 of what the runs use
FSX_TESTS=9

TMPD=
LOOP=
ZDEV=
SWAPON=0
ZRAM_LOADED=0
CG=
CG_MEMORY_ADDED=0
ORIG_CG=
FSX_CG=
XA_MOVED=0
MOVER=
CLEANED=0

cleanup() {
	[ "$CLEANED" = 1 ] && return
	CLEANED=1
	trap '' INT TERM HUP
	[ -n "$TMPD" ] && touch "$TMPD/stop" 2>/dev/null
	[ -n "$MOVER" ] && wait "$MOVER" 2>/dev/null
	if [ -n "$FSX_CG" ] && [ -d "$FSX_CG" ]; then
		for p in $(cat "$FSX_CG/cgroup.procs"); do
			kill -KILL "$p" 2>/dev/null
		done
		i=0
		while [ -n "$(cat "$FSX_CG/cgroup.procs")" ] && [ $i -lt 100 ]; do
			sleep 1
			i=$((i + 1))
		done
		rmdir "$FSX_CG" || ktap_print_msg "cleanup: cgroup $FSX_CG stays"
	fi
	for m in tmpfs ext2; do
		if [ -n "$TMPD" ] && is_mount "$TMPD/$m"; then
			umount "$TMPD/$m" || ktap_print_msg "cleanup: $TMPD/$m stays mounted"
		fi
	done
	if [ -n "$LOOP" ] && losetup "$LOOP" >/dev/null 2>&1; then
		losetup -d "$LOOP" || ktap_print_msg "cleanup: $LOOP stays attached"
	fi
	if [ "$SWAPON" = 1 ]; then
		timeout 120 swapoff "/dev/zram$ZDEV" ||
			ktap_print_msg "cleanup: /dev/zram$ZDEV stays swapped on"
	fi
	if [ -n "$ZDEV" ]; then
		echo 1 > "/sys/block/zram$ZDEV/reset" 2>/dev/null
		echo "$ZDEV" > /sys/class/zram-control/hot_remove ||
			ktap_print_msg "cleanup: zram$ZDEV stays"
	fi
	if [ "$ZRAM_LOADED" = 1 ]; then
		rmmod zram || ktap_print_msg "cleanup: zram stays loaded"
	fi
	cg_root_undo
	if [ -n "$TMPD" ]; then
		rm -rf "$TMPD" 2>/dev/null ||
			ktap_print_msg "cleanup: $TMPD kept"
	fi
	if [ "$XA_MOVED" = 1 ]; then
		echo 1 > "$X/balance" 2>/dev/null ||
			ktap_print_msg "cleanup: xa_node not balanced again"
	fi
}

set_traps

# --- helpers ------------------------------------------------------------------

moved() {	# objects of xa_node moved so far, by shrink and by move
	echo $(( $(xa_stat defrag_objects_moved) + $(xa_stat move_objects) ))
}

# Large folios allocated for tmpfs so far, of every order (the per-size
# statistics count without CONFIG_VM_EVENT_COUNTERS, /proc/vmstat's do not)
shmem_large() {
	cat /sys/kernel/mm/transparent_hugepage/hugepages-*/stats/shmem_alloc \
		2>/dev/null | awk '{ n += $1 } END { print n + 0 }'
}

cg_key() {	# key: its value in the cgroup's memory.stat
	awk -v k="$1" '$1 == k { print $2 }' "$FSX_CG/memory.stat"
}

# zram$ZDEV as swap; SETUP_MISSING or SETUP_ERR when it cannot be.
swap_setup() {
	if [ ! -e /sys/class/zram-control/hot_add ] && modprobe zram 2>/dev/null
	then
		ZRAM_LOADED=1
	fi
	if [ ! -e /sys/class/zram-control/hot_add ]; then
		SETUP_MISSING=ZRAM
		return 1
	fi
	ZDEV=$(cat /sys/class/zram-control/hot_add) ||
		{ ZDEV=; SETUP_ERR="zram hot_add"; return 1; }
	echo 256M > "/sys/block/zram$ZDEV/disksize" ||
		{ SETUP_ERR="zram$ZDEV disksize"; return 1; }
	mkswap "/dev/zram$ZDEV" >/dev/null 2>&1 ||
		{ SETUP_ERR="mkswap /dev/zram$ZDEV"; return 1; }
	if ! swapon "/dev/zram$ZDEV" 2>/dev/null; then
		# /proc/swaps exists with CONFIG_SWAP
		if [ -e /proc/swaps ]; then
			SETUP_ERR="swapon /dev/zram$ZDEV"
		else
			SETUP_MISSING=SWAP
		fi
		return 1
	fi
	SWAPON=1
	# (busybox's swapon sets no priority: zram is the newest device, the
	# lowest; swapoff below checks it alone)
	others=$(awk -v d="/dev/zram$ZDEV" 'NR > 1 && $1 != d { print $1 }' /proc/swaps)
	[ -z "$others" ] ||
		ktap_print_msg "other swap devices are on ($others): pages may go there too"
}

# tmpfs huge=always on $TMPD/tmpfs.
tmpfs_setup() {
	mkdir "$TMPD/tmpfs" || { SETUP_ERR="mkdir"; return 1; }
	if ! mount -t tmpfs -o size=128m,huge=always smo_fsx "$TMPD/tmpfs" 2>/dev/null
	then
		SETUP_MISSING=TRANSPARENT_HUGEPAGE
		return 1
	fi
}

# ext2 on a loop device on $TMPD/ext2.
ext2_setup() {
	ext2_loop "$TMPD/disk" 64 "$TMPD/ext2"
}

# The cgroup the runs live in (its memory.max is set once swap is on).
fsx_cg_setup() {
	cg_root || return 1
	FSX_CG=$CG/smo_fsx.$$
	mkdir "$FSX_CG" || { SETUP_ERR="mkdir $FSX_CG"; FSX_CG=; return 1; }
}

# setup NAME FUNCTION: SETUP_OK=1, or the reason in SETUP_MISSING/ERR.
setup() {
	SETUP_MISSING=
	SETUP_ERR=
	"$2" && return 0
	ktap_print_msg "$1: ${SETUP_MISSING:+needs CONFIG_$SETUP_MISSING}$SETUP_ERR"
	return 1
}

# not_run COUNT GROUP: the group's tests, skipped or failed for the reason
# its setup gave.
not_run() {
	if [ -n "$SETUP_MISSING" ]; then
		missing "$SETUP_MISSING" "$1" "$2"
	else
		fail_n "$1" "$2" "setup failed: $SETUP_ERR"
	fi
}

# The mover: shrink, everything to one memory node, to the last, balance,
# until $TMPD/stop exists.  Counts what it did in $TMPD/mover.
mover() {
	ok=0
	bad=0
	while [ ! -e "$TMPD/stop" ]; do
		for w in shrink "N$FIRST" "N$FAR" balance; do
			case $w in
			shrink) f=$X/shrink; v=1 ;;
			balance) f=$X/balance; v=1 ;;
			*) f=$X/move; v=$w ;;
			esac
			if [ "$w" != shrink ] && [ "$NR_MEM" -lt 2 ]; then
				continue
			fi
			if echo "$v" > "$f" 2>/dev/null; then
				ok=$((ok + 1))
			else
				bad=$((bad + 1))
			fi
		done
	done
	echo "$ok writes, $bad refused" > "$TMPD/mover"
}

# run_fsx FILE SEED OUT: one xa_fsx run inside the cgroup, in the
# background; its output in OUT, its status in OUT.rc.
run_fsx() {
	sh -c "echo \$\$ > $FSX_CG/cgroup.procs || exit 2
		exec $FSX -s $2 -t $T -l $MAXLEN $1" > "$3" 2>&1
	echo $? > "$3.rc"
}

fsx_ok() {	# out: exit status 0 and its summary line
	while read -r l; do ktap_print_msg "$l"; done < "$1"
	[ "$(cat "$1.rc")" = 0 ]
}

all_fsx_ok() {	# outs...
	r=0
	for o in "$@"; do
		fsx_ok "$o" || r=1
	done
	return $r
}

# The checker itself: a byte changed behind its back is found.
self_test() {
	"$FSX" -s 1 -n 3000 -l 1048576 -x 1000 "$TMPD/self" > "$TMPD/self.out" 2>&1
	rc=$?
	head -n 3 "$TMPD/self.out" | while read -r l; do ktap_print_msg "$l"; done
	rm -f "$TMPD/self"
	[ "$rc" = 1 ] && grep -q MISMATCH "$TMPD/self.out"
}

gt0() {	# value what
	positive "$1" "$2" && ktap_print_msg "$2: $1"
}

# Everything in swap is gone once the files are: swapoff ends, in bounded
# time, and nothing was in use before it.
swap_empties() {
	used=$(awk -v d="/dev/zram$ZDEV" '$1 == d { print $4 }' /proc/swaps)
	ktap_print_msg "swap in use after the files went: ${used:-?} KiB" \
		"(freed slots may wait in the per-CPU slot caches)"
	t0=$(now)
	if ! timeout 120 swapoff "/dev/zram$ZDEV"; then
		ktap_print_msg "swapoff did not end: $(tr '\n' ' ' < /proc/swaps)"
		return 1
	fi
	SWAPON=0
	sc=$(cat "$FSX_CG/memory.swap.current" 2>/dev/null)
	ktap_print_msg "the cgroup's memory.swap.current after swapoff: ${sc:-?}"
	ktap_print_msg "swapoff took $(echo "$(now) $t0" | awk '{ print $1 - $2 }') s"
	[ -z "$sc" ] || [ "$sc" = 0 ]	# no swap charge left behind either
}

# --- start --------------------------------------------------------------------
xa_start
if [ ! -x "$FSX" ]; then
	ktap_skip_all "no xa_fsx next to the script (make install builds it)"
	exit "$KSFT_SKIP"
fi
TMPD=$(mktemp -d /tmp/smo_fsx.XXXXXX) || ktap_exit_fail_msg "mktemp -d failed"
MEMNODES=$(expand "$(cat /sys/devices/system/node/has_normal_memory)")
NR_MEM=$(echo $MEMNODES | wc -w)
FIRST=$(echo $MEMNODES | awk '{ print $1 }')
FAR=$(echo $MEMNODES | awk '{ print $NF }')
ktap_set_plan $FSX_TESTS

result "fsx: the checker finds a byte changed behind its back" self_test

# The runs need the cgroup and tmpfs; swap and ext2 add to them.
if ! setup "cgroup" fsx_cg_setup || ! setup "tmpfs huge=always" tmpfs_setup
then
	not_run $((FSX_TESTS - 1)) "fsx"
	ktap_finished
fi
SWAP_OK=0
setup "swap on zram" swap_setup && SWAP_OK=1
SWAP_MISSING=$SETUP_MISSING
SWAP_ERR=$SETUP_ERR
# Without swap, tmpfs cannot leave memory: no limit then (the runs would
# be OOM-killed), only the checks that need no swap.
if [ $SWAP_OK = 1 ] && ! echo "$LIMIT" > "$FSX_CG/memory.max"; then
	SWAP_OK=0
	SWAP_MISSING=
	SWAP_ERR="memory.max"
fi
EXT2_OK=0
setup "ext2" ext2_setup && EXT2_OK=1
EXT2_MISSING=$SETUP_MISSING
EXT2_ERR=$SETUP_ERR

thp0=$(shmem_large)
m0=$(moved)
# the ballast: huge folios, charged to the cgroup, cold once written
sh -c "echo \$\$ > $FSX_CG/cgroup.procs &&
	dd if=/dev/urandom of=$TMPD/tmpfs/ballast bs=2M count=8 2>/dev/null &&
	cd $TMPD/tmpfs && md5sum ballast > $TMPD/ballast.md5"
BALLAST=$?
thpb=$(shmem_large)
ktap_print_msg "$T s of xa_fsx: $NTMPFS files on tmpfs huge=always" \
	"$([ $EXT2_OK = 1 ] && echo "and 1 on ext2"), $((MAXLEN >> 20)) MiB each," \
	"in a cgroup limited to $([ $SWAP_OK = 1 ] && echo "$LIMIT" || echo "nothing (no swap)");" \
	"the mover on $NR_MEM memory node(s)"
XA_MOVED=1
mover &
MOVER=$!
outs=
pids=
i=0
while [ $i -lt $NTMPFS ]; do
	run_fsx "$TMPD/tmpfs/f$i" $((i + 1)) "$TMPD/t$i.out" &
	pids="$pids $!"
	outs="$outs $TMPD/t$i.out"
	i=$((i + 1))
done
if [ $EXT2_OK = 1 ]; then
	run_fsx "$TMPD/ext2/f" 100 "$TMPD/e.out" &
	pids="$pids $!"
fi
# The watchdog: a run still going long after its time is stuck; what it
# waits for goes to the log, and it is killed (its test fails).
(
	i=0
	while [ $i -lt $((T * 3 + 120)) ] && [ ! -e "$TMPD/runs_done" ]; do
		sleep 1
		i=$((i + 1))
	done
	[ -e "$TMPD/runs_done" ] && exit 0
	for p in $(cat "$FSX_CG/cgroup.procs"); do
		ktap_print_msg "stuck: pid $p ($(cat /proc/$p/comm)): state" \
			"$(cut -d' ' -f3 /proc/$p/stat), syscall $(cat /proc/$p/syscall)"
		while read -r l; do ktap_print_msg "  $l"; done < /proc/$p/stack
		kill -KILL "$p"
	done
) 2>/dev/null &
WATCHDOG=$!
# the mover runs until every xa_fsx has ended
for p in $pids; do
	wait "$p"
done
touch "$TMPD/runs_done"
wait "$WATCHDOG"
touch "$TMPD/stop"
wait "$MOVER"
MOVER=
ktap_print_msg "mover: $(cat "$TMPD/mover")"
thp1=$(shmem_large)
m1=$(moved)

result "fsx: tmpfs huge=always: every read matched the model" all_fsx_ok $outs
if [ $EXT2_OK = 1 ]; then
	result "fsx: ext2: every read matched the model" fsx_ok "$TMPD/e.out"
else
	SETUP_MISSING=$EXT2_MISSING
	SETUP_ERR=$EXT2_ERR
	not_run 1 "fsx: ext2"
fi
ktap_print_msg "large folios allocated for tmpfs: $((thpb - thp0)) for the" \
	"16 MiB file, $((thp1 - thpb)) during the runs"
result "fsx: tmpfs allocated large folios (hugepages-*/stats/shmem_alloc)" \
	gt0 $((thp1 - thp0)) "large folios allocated for tmpfs"
result "fsx: xa_node objects moved while the runs went on" \
	gt0 $((m1 - m0)) "xa_node objects moved"

if [ $SWAP_OK = 1 ]; then
	# what the files hold (holes aside) against what of it is in memory
	held=$(du -sk "$TMPD/tmpfs" | cut -f1)
	inmem=$(( $(cg_key shmem) / 1024 ))
	ktap_print_msg "tmpfs files: $held KiB, in memory $inmem KiB;" \
		"cgroup: thp_swpout $(cg_key thp_swpout)," \
		"thp_swpout_fallback $(cg_key thp_swpout_fallback)," \
		"memory.events $(tr '\n' ' ' < "$FSX_CG/memory.events")"
	result "fsx: the cgroup's limit pushed tmpfs pages out to swap" \
		gt0 $((held - inmem)) "KiB of the tmpfs files not in memory"
	if [ "$(kconfig THP_SWAP)" = n ]; then
		skip_n 1 "fsx: huge tmpfs folios went to swap whole" "needs CONFIG_THP_SWAP"
	else
		result "fsx: huge tmpfs folios went to swap whole (thp_swpout)" \
			gt0 "$(cg_key thp_swpout)" "huge folios swapped out whole"
	fi
fi
result "fsx: the 16 MiB file of huge pages reads back the same" \
	sh -c "[ $BALLAST = 0 ] && cd $TMPD/tmpfs && md5sum -c $TMPD/ballast.md5 >/dev/null"
if [ $SWAP_OK = 1 ]; then
	rm -f "$TMPD"/tmpfs/f* "$TMPD"/tmpfs/ballast "$TMPD"/ext2/f
	result "fsx: swap empty once the files are deleted (swapoff ends)" \
		swap_empties
else
	SETUP_MISSING=$SWAP_MISSING
	SETUP_ERR=$SWAP_ERR
	not_run 3 "fsx: swap"
fi

ktap_finished
