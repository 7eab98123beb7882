#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# XArray nodes are movable objects: the "xa_node" cache holds the nodes of
# the page cache and of other XA_FLAGS_MOVABLE arrays.  Shrink, move and
# balance it while lockless readers and a writer use an array of the
# test_slub_movable module; run a tmpfs workload that leaves the page
# cache's nodes sparse; move workingset shadow nodes; run lib/test_xarray.c.
#
# Booted with slab_nomove=xa_node, only the tmpfs workload runs: the same
# workload on the same kernel with mobility off, for comparison.
# Needs root; skips the parts whose kernel support is missing.

DIR=$(dirname "$0")
. "$DIR/../kselftest/ktap_helpers.sh"

CTL=/sys/kernel/debug/test_slub_movable/control
SLAB=/sys/kernel/slab
X=$SLAB/xa_node
WORK=/tmp/smo_xa

ktap_print_header

if [ "$(id -u)" != 0 ]; then
	ktap_skip_all "must be run as root"
	exit "$KSFT_SKIP"
fi
if [ ! -d "$X" ]; then
	ktap_skip_all "no xa_node cache (kernel without movable XArray nodes)"
	exit "$KSFT_SKIP"
fi
[ -d /sys/kernel/debug/tracing ] || mount -t debugfs none /sys/kernel/debug 2>/dev/null
modprobe test_slub_movable 2>/dev/null

MOVABLE=0
grep -q '^migrate : xa_node_migrate' "$X/ops" && MOVABLE=1
MODULE=0
[ -e "$CTL" ] && MODULE=1
HAS_SLABS=0
[ -r "$X/slabs" ] && HAS_SLABS=1

# "0-2,4" -> "0 1 2 4"
expand() {
	echo "$1" | tr ',' '\n' | while IFS=- read -r a b; do
		[ -n "$a" ] && seq "$a" "${b:-$a}"
	done | tr '\n' ' '
}
MEMNODES=$(expand "$(cat /sys/devices/system/node/has_normal_memory)")
NR_MEM=$(echo $MEMNODES | wc -w)
FAR=$(echo $MEMNODES | awk '{ print $NF }')
FIRST=$(echo $MEMNODES | awk '{ print $1 }')
NCPU=$(grep -c '^processor' /proc/cpuinfo)

TMPFS_TESTS=4
if [ $MOVABLE = 1 ]; then
	ktap_set_plan $((2 + TMPFS_TESTS + 14 + 6 + 1))
else
	ktap_set_plan $((2 + TMPFS_TESTS))
fi

smo() {
	echo "$*" > "$CTL" || return 1
	cat "$CTL"
}

smo_diag() {
	out=$(smo "$@") || { ktap_print_msg "$*: failed: $(cat "$CTL")"; return 1; }
	ktap_print_msg "$*: $out"
}

result() {	# description command...
	desc=$1
	shift
	if "$@"; then
		ktap_test_pass "$desc"
	else
		ktap_test_fail "$desc"
	fi
}

skip_n() {	# count reason
	i=0
	while [ $i -lt "$1" ]; do
		ktap_test_skip "$2"
		i=$((i + 1))
	done
}

slabs() {
	cut -d' ' -f1 "$X/slabs"
}

per_node() {	# file node: the "N<node>=" field of a sysfs counter
	c=$(tr ' ' '\n' < "$1" | sed -n "s/^N$2=//p")
	echo "${c:-0}"
}

shrink() {
	echo 1 > "$X/shrink"
}

xa_intact() {
	smo xa check >/dev/null
}

# slabs the live objects need, at best
optimum() {
	ops=$(cut -d' ' -f1 "$X/objs_per_slab")
	n=$(cut -d' ' -f1 "$X/objects")
	echo $(( (n + ops - 1) / ops ))
}

vmstat() {	# counter [node]: exact, the per-cpu deltas folded first
	echo 1 > /proc/sys/vm/stat_refresh 2>/dev/null
	if [ -n "$2" ]; then
		f=/sys/devices/system/node/node$2/vmstat
	else
		f=/proc/vmstat
	fi
	awk -v k="$1" '$1 == k { print $2 }' "$f"
}

# --- the cache ---------------------------------------------------------------
if [ $MOVABLE = 1 ]; then
	result "xa_node: ops shows the XArray's callbacks" \
		grep -q '^isolate : xa_node_isolate' "$X/ops"
else
	result "xa_node: slab_nomove= leaves it immovable" \
		test -z "$(grep '^migrate' "$X/ops")"
fi
result "radix_tree_node (radix tree and IDR users) stays immovable" \
	test -z "$(grep '^migrate' "$SLAB/radix_tree_node/ops")"

# --- tmpfs workload ----------------------------------------------------------
# FILES sparse files, each with one page in each of CHUNKS 256 KiB ranges
# (one leaf node each), written in turns so that the nodes of all files
# share the slabs; then three files of four deleted and the others
# truncated to 4/5: every slab keeps about a fifth of its nodes.
FILES=40
CHUNKS=50
KEEP=$((CHUNKS * 4 / 5))
mkdir -p "$WORK"
mount -t tmpfs -o size=256m smo_xa "$WORK"
shrink
s0=$([ $HAS_SLABS = 1 ] && slabs)
c=0
while [ $c -lt $CHUNKS ]; do
	f=0
	while [ $f -lt $FILES ]; do
		dd if=/dev/urandom of="$WORK/f$f" bs=4k count=1 \
			seek=$((c * 64)) conv=notrunc 2>/dev/null
		f=$((f + 1))
	done
	c=$((c + 1))
done
s1=$([ $HAS_SLABS = 1 ] && slabs)
f=0
while [ $f -lt $FILES ]; do
	if [ $((f % 4)) != 0 ]; then
		rm "$WORK/f$f"
	else
		truncate -s $((KEEP * 256))k "$WORK/f$f"
	fi
	f=$((f + 1))
done
(cd "$WORK" && md5sum f*) > /tmp/smo_xa.md5
s2=$([ $HAS_SLABS = 1 ] && slabs)
shrink
s3=$([ $HAS_SLABS = 1 ] && slabs)
left=$(( (FILES / 4) * (KEEP + 1) ))
result "tmpfs: $FILES files of $CHUNKS chunks written" test "$(ls "$WORK" | wc -l)" = $((FILES / 4))
if [ $HAS_SLABS = 1 ]; then
	ops=$(cut -d' ' -f1 "$X/objs_per_slab")
	ktap_print_msg "tmpfs workload, mobility $([ $MOVABLE = 1 ] && echo on || echo off):" \
		"xa_node slabs: $s0 before, $s1 after writing, $s2 after truncating," \
		"$s3 after shrink ($left nodes left in the files)"
	echo "SMO-XA-TMPFS mobility=$MOVABLE before=$s0 written=$s1 truncated=$s2 shrunk=$s3"
	result "tmpfs: the truncation left sparse xa_node slabs" \
		test $((s2 - s0)) -gt $(( (left + ops - 1) / ops * 2 ))
	if [ $MOVABLE = 1 ]; then
		result "tmpfs: shrink with mobility frees them (need + a slab per node, cpu)" \
			test $((s3 - s0)) -le $(( (left + ops - 1) / ops + NR_MEM + NCPU ))
	else
		result "tmpfs: shrink without mobility cannot free them" \
			test $((s3 * 100)) -ge $((s2 * 80))
	fi
else
	skip_n 2 "no sysfs slabs (CONFIG_SLUB_DEBUG=n)"
fi
result "tmpfs: every file reads back the same after the shrink" \
	sh -c "cd $WORK && md5sum -c -s /tmp/smo_xa.md5"

if [ $MOVABLE = 0 ]; then
	umount "$WORK"
	ktap_finished
	exit
fi

# --- an array of the module, under lockless readers and a writer -------------
if [ $MODULE = 0 ]; then
	skip_n 14 "test_slub_movable not available (CONFIG_TEST_SLUB_MOVABLE)"
else
	bad=0
	for cmd in "xa" "xa fill" "xa fill 0" "xa fill 99999999" "xa sparse 1" \
		   "xa start 0" "xa start 65" "xa stop" "xa frob"; do
		if echo "$cmd" > "$CTL" 2>/dev/null; then
			ktap_print_msg "control accepted '$cmd'"
			bad=1
		fi
	done
	result "xa: control rejects malformed commands" test $bad = 0
	result "xa: 2000 leaf nodes filled, then 3 of 4 erased" \
		sh -c "echo 'xa fill 2000' > $CTL && echo 'xa sparse 4' > $CTL"
	b=$([ $HAS_SLABS = 1 ] && slabs)
	smo xa start >/dev/null
	shrink
	shrink
	result "xa: lockless readers and a writer see no error during shrink" \
		smo_diag xa stop
	shrink
	a=$([ $HAS_SLABS = 1 ] && slabs)
	if [ $HAS_SLABS = 1 ]; then
		opt=$(optimum)
		ktap_print_msg "xa_node: $b slabs with the sparse array," \
			"$a after shrink, optimum $opt"
		result "xa: shrink empties the sparse slabs (optimum + one per node and cpu)" \
			test "$a" -le $((opt + NR_MEM + NCPU))
	else
		skip_n 1 "no sysfs slabs (CONFIG_SLUB_DEBUG=n)"
	fi
	result "xa: every entry and mark intact after shrink" smo_diag xa check

	if [ "$NR_MEM" -lt 2 ]; then
		skip_n 9 "move and balance need two memory nodes"
	else
		# first everything to the first node, then under load to the last
		echo "N$FIRST" > "$X/move"
		out=$(smo xa check)
		nodes=$(echo "$out" | tr ' ' '\n' | sed -n 's/^nodes=//p')
		result "xa: every node of the array is on node $FIRST" \
			test "$(echo "$out" | tr ' ' '\n' | sed -n "s/^N$FIRST=//p")" = "$nodes"
		smo xa start >/dev/null
		echo "N$FAR" > "$X/move"
		rc=$?
		result "xa: move to node $FAR under readers and a writer: no error" \
			sh -c "[ $rc = 0 ] && echo 'xa stop' > $CTL"
		ktap_print_msg "$(cat "$CTL")"
		# A slab that another CPU took to allocate from while the pass
		# ran stays where it is (as for any cache): the writer's CPU
		# may keep a few nodes on their node.  Once quiet, one more
		# move must leave none behind.
		ktap_print_msg "after the move under load: $(smo xa check)"
		echo "N$FAR" > "$X/move"
		out=$(smo xa check)
		ktap_print_msg "after a second, quiet move: $out"
		nodes=$(echo "$out" | tr ' ' '\n' | sed -n 's/^nodes=//p')
		result "xa: the array is intact after the move" xa_intact
		result "xa: every node of the array is on node $FAR" \
			test "$(echo "$out" | tr ' ' '\n' | sed -n "s/^N$FAR=//p")" = "$nodes"
		result "tmpfs: files read back the same after the move" \
			sh -c "cd $WORK && md5sum -c -s /tmp/smo_xa.md5"

		smo xa start >/dev/null
		echo 1 > "$X/balance"
		rc=$?
		result "xa: balance under readers and a writer: no error" \
			sh -c "[ $rc = 0 ] && echo 'xa stop' > $CTL"
		out=$(smo xa check)
		ktap_print_msg "after balance: $out; xa_node objects $(cat "$X/objects")"
		result "xa: the array is intact after balance" xa_intact
		spread=1
		for n in $MEMNODES; do
			[ "$(echo "$out" | tr ' ' '\n' | sed -n "s/^N$n=//p")" -gt 0 ] || spread=0
		done
		result "xa: balance spread the array's nodes over every memory node" \
			test $spread = 1
		if [ $HAS_SLABS = 1 ]; then
			total=$(cut -d' ' -f1 "$X/objects")
			share=$((total / NR_MEM))
			ops=$(cut -d' ' -f1 "$X/objs_per_slab")
			even=1
			for n in $MEMNODES; do
				c=$(per_node "$X/objects" "$n")
				if [ "$c" -lt $((share - ops)) ] ||
				   [ "$c" -gt $((share + ops)) ]; then
					ktap_print_msg "node $n: $c objects, share $share"
					even=0
				fi
			done
		else
			even=1
		fi
		result "xa: balance gives each memory node its share of xa_node (within a slab)" \
			test $even = 1
	fi
	smo xa free >/dev/null
fi
umount "$WORK"

# --- workingset shadow nodes ---------------------------------------------------
# Pages reclaimed from a disk filesystem leave shadow entries; leaf nodes
# that hold only those are on the workingset's shadow node list (per NUMA
# node and memory cgroup).  Move them, then make the list work: refault,
# let the shadow shrinker run, delete: the count must come back.
CG=/sys/fs/cgroup
DISK=/tmp/smo_xa_disk
shadow_setup() {
	mkdir -p $CG "$WORK"
	grep -q " $CG cgroup2" /proc/mounts || mount -t cgroup2 none $CG || return 1
	echo +memory > $CG/cgroup.subtree_control || return 1
	mkdir -p $CG/smo_xa && echo $$ > $CG/smo_xa/cgroup.procs || return 1
	dd if=/dev/zero of=$DISK bs=1M count=48 2>/dev/null &&
	LOOP=$(losetup -f) && losetup "$LOOP" $DISK &&
	mke2fs "$LOOP" >/dev/null 2>&1 && mount -t ext2 "$LOOP" "$WORK" || return 1
	i=0
	while [ $i -lt 32 ]; do
		dd if=/dev/urandom of="$WORK/s$i" bs=64k count=16 2>/dev/null || return 1
		i=$((i + 1))
	done
	sync
	(cd "$WORK" && md5sum s*) > /tmp/smo_xa_s.md5
	echo 256M > $CG/smo_xa/memory.reclaim 2>/dev/null
	[ "$(vmstat workingset_nodes)" -gt 0 ]
}
w0=$(vmstat workingset_nodes)
if [ "$NR_MEM" -lt 2 ]; then
	skip_n 6 "moving shadow nodes needs two memory nodes"
elif ! shadow_setup; then
	skip_n 6 "no shadow nodes (needs cgroup2 memory.reclaim, loop and ext2)"
else
	w1=$(vmstat workingset_nodes)
	echo "N$FIRST" > "$X/move"
	result "shadow: every shadow node is counted on node $FIRST" \
		test "$(vmstat workingset_nodes "$FIRST")" = "$w1"
	echo "N$FAR" > "$X/move"
	w2=$(vmstat workingset_nodes)
	wf=$(vmstat workingset_nodes "$FAR")
	ktap_print_msg "shadow nodes: $w0 before, $w1 after reclaim," \
		"$w2 after the move, $wf on node $FAR"
	result "shadow: the count is unchanged by the move" test "$w2" = "$w1"
	result "shadow: every shadow node is counted on node $FAR" test "$wf" = "$w2"
	result "shadow: files read back the same (refaults)" \
		sh -c "cd $WORK && md5sum -c -s /tmp/smo_xa_s.md5"
	echo 2 > /proc/sys/vm/drop_caches
	echo 1 > "$X/balance"
	echo 256M > $CG/smo_xa/memory.reclaim 2>/dev/null
	echo 2 > /proc/sys/vm/drop_caches
	result "shadow: files read back the same after shrinker, balance, reclaim" \
		sh -c "cd $WORK && md5sum -c -s /tmp/smo_xa_s.md5"
	rm -f "$WORK"/s*
	umount "$WORK"
	losetup -d "$LOOP"
	rm -f $DISK
	echo $$ > $CG/cgroup.procs
	rmdir $CG/smo_xa
	w3=$(vmstat workingset_nodes)
	ktap_print_msg "shadow nodes after deleting the files: $w3 (before: $w0)"
	result "shadow: the count comes back once the files are gone" \
		test "$w3" -le "$w0"
fi

# --- lib/test_xarray.c --------------------------------------------------------
if [ -n "$(find /lib/modules -name 'test_xarray.ko*' 2>/dev/null)" ]; then
	result "lib/test_xarray.c passes" modprobe test_xarray
	dmesg | grep 'XArray: .* tests passed' | tail -1 | while read -r l; do
		ktap_print_msg "$l"
	done
	rmmod test_xarray 2>/dev/null
else
	ktap_test_skip "lib/test_xarray.c not built (CONFIG_TEST_XARRAY)"
fi
ktap_finished
