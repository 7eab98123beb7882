#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# XArray nodes are movable objects: the "xa_node" cache holds the nodes of
# the page cache and of other XA_FLAGS_MOVABLE arrays.  Shrink, move and
# balance it while lockless readers and a writer use an array of the
# test_slub_movable module; run a tmpfs workload that leaves the page
# cache's nodes sparse; move workingset shadow nodes; run lib/test_xarray.c.
#
# Booted with slab_nomove=xa_node (the kernel command line, nothing else,
# decides), only the cache checks and the tmpfs workload run: the same
# workload on the same kernel with mobility off, for comparison.  Without
# it, xa_node must be movable: a kernel that lost the callbacks fails.
#
# Needs root and the options in ./config.  A test that cannot run says why
# after "# SKIP", always in one of these words (a complete ./config on the
# machine's NUMA layout leaves only the first possible):
#   "needs 2 memory nodes"              one node with memory
#   "needs CONFIG_SLUB_DEBUG"           no /sys/kernel/slab/xa_node/slabs
#   "needs CONFIG_SMO_NODE"             no /sys/kernel/slab/xa_node/move
#   "needs CONFIG_TEST_SLUB_MOVABLE"    no test module
#   "needs CONFIG_CGROUPS"              cgroup2 cannot be mounted
#   "needs CONFIG_MEMCG"                no cgroup2 memory controller
#   "needs CONFIG_BLK_DEV_LOOP"         no loop device
#   "needs CONFIG_EXT2_FS"              no ext2
#   "needs CONFIG_TEST_XARRAY"          no test_xarray module
# and the whole run is skipped ("1..0 # SKIP") without root ("must be run
# as root") or without the cache ("no xa_node cache (kernel without
# movable XArray nodes)").  Where /proc/config.gz or
# /boot/config-$(uname -r) says that the option is set, its feature missing
# is a failure, not a skip.
#
# What the script changes on the machine, and what the cleanup trap (on
# EXIT, INT, TERM and HUP: when the tests pass, fail or are interrupted)
# puts back:
# - debugfs is mounted on /sys/kernel/debug if it was not: unmounted.
# - test_slub_movable is loaded if it was not: unloaded.  Its XArray test
#   (readers, writer, array) is stopped and freed in any case.
# - A directory /tmp/smo_xa.XXXXXX holds a tmpfs mount (256 MiB at most),
#   a 48 MiB disk image on a loop device with an ext2 mount, a ramfs mount
#   (8 empty files, deleted), and the checksum lists: unmounted, the loop
#   device detached, the directory removed.
# - cgroup2 is mounted in that directory if no cgroup2 mount exists:
#   unmounted.  The memory controller is enabled in the root's
#   cgroup.subtree_control if it was not: disabled again.  The script moves
#   itself into a new cgroup smo_xa.<pid> (to reclaim its own files with
#   memory.reclaim): it moves back to its own cgroup and the new one is
#   removed.  A cgroup smo_lim.<pid> holds the charges of files written
#   by a subshell on a second tmpfs (64 MiB at most, in the directory
#   above), its limit set to its usage, then lifted: the tmpfs is
#   unmounted and the cgroup removed.  A cgroup smo_acct.<pid> holds the
#   charges of the module's smo_test_acct objects (20000 of 64 bytes), its
#   memory.high briefly set below its usage (to drain its per-CPU charge
#   stocks), its limit set to its usage, then lifted; the cgroup is
#   removed while the objects live (their charges go to its parent): the
#   objects are freed and smo_test_acct made immovable again.
# - The xa_node cache (the page cache's tree nodes, system-wide) is
#   shrunk, moved to one node and another and balanced: the trap balances
#   it again over the memory nodes if the script moved it.
# - The module takes every free page of the last memory node, even below
#   the watermarks ("hog ... all"), for one move, and gives them back at
#   once (the trap too, should the script end meanwhile).
# - lib/test_xarray.c is loaded and unloaded; if it was loaded before, it
#   is unloaded first (so that its tests run) and loaded again at exit.
# - The script pins itself to the CPUs of one memory node for the shadow
#   node tests, and to one CPU for the memory cgroup tests: its CPU
#   affinity is put back.
# - echo 2 > /proc/sys/vm/drop_caches (twice, to let the shadow node
#   shrinker run): this frees reclaimable slab objects (dentries, inodes)
#   system-wide and CANNOT be undone; they are rebuilt on demand.
#   /proc/sys/vm/stat_refresh is written to fold the per-CPU counters; it
#   changes nothing.
# Nothing else is written.

DIR=$(dirname "$0")
. "$DIR/../kselftest/ktap_helpers.sh"
. "$DIR/smo_lib.sh"

X=$SLAB/xa_node

# The SKIP reasons (see the header).
R_2NODES="needs 2 memory nodes"
R_DEBUG="needs CONFIG_SLUB_DEBUG"

TMPFS_TESTS=4
MODULE_TESTS=16	# MOVE_TESTS among them
MOVE_TESTS=10
SHADOW_TESTS=6
MEMCG_TESTS=4
RULE_TESTS=2
ACCT_TESTS=5

# --- cleanup ------------------------------------------------------------------
MOUNTED_DEBUGFS=0
MOD_LOADED_HERE=0
XARRAY_WAS_LOADED=0
TMPD=
LOOP=
CG=
CG_MEMORY_ADDED=0
CG_DIR=
LIM_DIR=
ACCT_DIR=
ORIG_CG=
XA_MOVED=0
CLEANED=0

loaded() {	# module
	grep -q "^$1 " /proc/modules
}

# mounted DIR: something is mounted on DIR or below it.
mounted() {
	awk -v d="$1" '$2 == d || index($2, d "/") == 1 { f = 1 } END { exit !f }' \
		/proc/mounts
}

cleanup() {
	[ "$CLEANED" = 1 ] && return
	CLEANED=1
	trap '' INT TERM HUP	# finish, whatever comes
	if [ -e "$CTL" ]; then
		echo "xa stop" > "$CTL" 2>/dev/null
		echo "xa free" > "$CTL" 2>/dev/null
		echo unhog > "$CTL" 2>/dev/null
	fi
	for m in tmpfs ext2 memcg ramfs; do
		if [ -n "$TMPD" ] && is_mount "$TMPD/$m"; then
			umount "$TMPD/$m" || ktap_print_msg "cleanup: $TMPD/$m stays mounted"
		fi
	done
	if [ -n "$LOOP" ] && losetup "$LOOP" >/dev/null 2>&1; then
		losetup -d "$LOOP" || ktap_print_msg "cleanup: $LOOP stays attached"
	fi
	if [ -n "$CG_DIR" ] && [ -d "$CG_DIR" ]; then
		echo $$ > "$ORIG_CG/cgroup.procs" ||
			ktap_print_msg "cleanup: not back in cgroup $ORIG_CG"
		rmdir "$CG_DIR" || ktap_print_msg "cleanup: cgroup $CG_DIR stays"
	fi
	if [ -n "$LIM_DIR" ] && [ -d "$LIM_DIR" ]; then
		rmdir "$LIM_DIR" || ktap_print_msg "cleanup: cgroup $LIM_DIR stays"
	fi
	if [ -n "$ACCT_DIR" ]; then
		if [ -e "$CTL" ]; then
			echo "free smo_test_acct all" > "$CTL" &&
			echo "disable smo_test_acct" > "$CTL" ||
				ktap_print_msg "cleanup: smo_test_acct keeps objects or mobility"
		fi
		if [ -d "$ACCT_DIR" ]; then
			rmdir "$ACCT_DIR" ||
				ktap_print_msg "cleanup: cgroup $ACCT_DIR stays"
		fi
	fi
	cg_root_undo
	if [ -n "$TMPD" ]; then
		if mounted "$TMPD"; then
			ktap_print_msg "cleanup: $TMPD kept, something is still mounted in it"
		else
			rm -rf "$TMPD"
		fi
	fi
	if [ "$XA_MOVED" = 1 ]; then
		echo 1 > "$X/balance" ||
			ktap_print_msg "cleanup: xa_node not balanced again"
	fi
	if [ "$MOD_LOADED_HERE" = 1 ] && loaded "$MODULE"; then
		rmmod "$MODULE" || ktap_print_msg "cleanup: rmmod $MODULE failed"
	fi
	if [ "$XARRAY_WAS_LOADED" = 1 ] && ! loaded test_xarray; then
		modprobe test_xarray || ktap_print_msg "cleanup: modprobe test_xarray failed"
	fi
	cleanup_affinity_debugfs
}

set_traps

# --- helpers ------------------------------------------------------------------

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

field() {	# text key: "key=N" -> N
	echo "$1" | tr ' ' '\n' | sed -n "s/^$2=\([0-9]*\).*/\1/p"
}

# The module's array: every entry and mark checked, and it has nodes.
xa_intact() {
	smo_diag xa check && positive "$(field "$out" nodes)" "nodes of the array"
}

# Stop the readers and the writer: no error, and they did run.
xa_stopped() {
	smo_diag xa stop && positive "$(field "$out" walks)" "reader walks"
}

# The write done while they ran ($rc) succeeded; stop them in any case.
under_load_ok() {
	xa_stopped || return 1
	[ "$rc" = 0 ] || { ktap_print_msg "the write failed under load"; return 1; }
}

# Since "xa snapshot", every node of the array that moved went to node
# $1: a copy that the node could not take stays where it was, rather than
# go to another node and count as moved.  The move's closing defragment
# pass may repack nodes within their node (defrag_objects_moved, for the
# whole cache, bounds those); and the node must have stayed full enough
# to keep some nodes out (kswapd reclaims for the failed allocations).
moved_only_to() {	# node
	smo_diag xa check || return 1
	n=$(field "$out" nodes)
	k=$(field "$out" kept)
	on=$(field "$out" "N$1")
	d=$(( $(xa_stat defrag_objects_moved) - defrag0 ))
	ktap_print_msg "node $1 exhausted ($hogged): $n nodes, $k not moved," \
		"$on on node $1; moved elsewhere: $((n - k - on)) (bound: $d," \
		"repacked by the closing defragment pass)"
	positive "$k" "nodes the exhausted node $1 could not take" &&
	[ "$((n - k - on))" -le "$d" ]
}

# Every node of the array on node $1.
xa_all_on() {	# node
	smo_diag xa check || return 1
	positive "$(field "$out" nodes)" "nodes of the array" &&
	[ "$(field "$out" "N$1")" = "$(field "$out" nodes)" ]
}

# checksums_match DIR LIST COUNT: every file of LIST (COUNT lines) in DIR
# reads back the same.
checksums_match() {
	[ -r "$2" ] && [ "$(wc -l < "$2")" -eq "$3" ] ||
		{ ktap_print_msg "$2: not $3 checksums"; return 1; }
	(cd "$1" && md5sum -c "$2" >/dev/null 2>&1)
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

# --- start --------------------------------------------------------------------
xa_start
if ! grep -q ' /sys/kernel/debug debugfs ' /proc/mounts; then
	mount -t debugfs none /sys/kernel/debug && MOUNTED_DEBUGFS=1
fi
if [ ! -e "$CTL" ]; then
	modprobe "$MODULE" 2>/dev/null && MOD_LOADED_HERE=1
fi
MODULE_OK=0
if [ -e "$CTL" ]; then
	MODULE_OK=1
	echo "xa stop" > "$CTL" 2>/dev/null
	echo "xa free" > "$CTL"
fi
TMPD=$(mktemp -d /tmp/smo_xa.XXXXXX) || ktap_exit_fail_msg "mktemp -d failed"

# slab_nomove= names the caches that stay immovable; the last one counts.
NOMOVE=0
nomove=$(tr ' ' '\n' < /proc/cmdline | sed -n 's/^slab_nomove=//p' | tail -1)
case ",$nomove," in
*,xa_node,*) NOMOVE=1 ;;
esac
# What the kernel under test does: the figures line reports it.
HAS_CB=0
grep -q '^migrate : xa_node_migrate' "$X/ops" && HAS_CB=1
HAS_SLABS=0
[ -r "$X/slabs" ] && HAS_SLABS=1
HAS_MOVE=0
[ -e "$X/move" ] && HAS_MOVE=1

MEMNODES=$(expand "$(cat /sys/devices/system/node/has_normal_memory)")
NR_MEM=$(echo $MEMNODES | wc -w)
FAR=$(echo $MEMNODES | awk '{ print $NF }')
FIRST=$(echo $MEMNODES | awk '{ print $1 }')
NCPU=$(grep -c '^processor' /proc/cpuinfo)

if [ $NOMOVE = 1 ]; then
	ktap_print_msg "slab_nomove=$nomove on the command line: xa_node immovable"
	ktap_set_plan $((2 + TMPFS_TESTS))
else
	ktap_set_plan $((2 + TMPFS_TESTS + MODULE_TESTS + SHADOW_TESTS + \
			 MEMCG_TESTS + ACCT_TESTS + RULE_TESTS + 1))
fi

# --- the cache ---------------------------------------------------------------
no_callbacks() {	# ops file: readable, no isolate or migrate line
	ops=$(cat "$1") || return 1
	ktap_print_msg "$1: $(echo "$ops" | tr '\n' ';')"
	! echo "$ops" | grep -q -e '^isolate' -e '^migrate'
}

if [ $NOMOVE = 1 ]; then
	result "xa_node: slab_nomove= leaves it immovable" no_callbacks "$X/ops"
else
	result "xa_node: ops shows the XArray's callbacks" \
		sh -c "grep -q '^isolate : xa_node_isolate' $X/ops &&
		       grep -q '^migrate : xa_node_migrate' $X/ops"
fi
radix_immovable() {
	has_ctor=$(grep -c '^ctor : radix_tree_node_ctor' "$SLAB/radix_tree_node/ops")
	[ "$has_ctor" = 1 ] && no_callbacks "$SLAB/radix_tree_node/ops"
}
result "radix_tree_node (radix tree and IDR users) stays immovable" radix_immovable

# --- tmpfs workload ----------------------------------------------------------
# FILES sparse files, each with one page in each of CHUNKS 256 KiB ranges
# (one leaf node each), written in turns so that the nodes of all files
# share the slabs; then three files of four deleted and the others
# truncated to 4/5: every slab keeps about a fifth of its nodes.
FILES=40
CHUNKS=50
KEEP=$((CHUNKS * 4 / 5))
TMPFS=$TMPD/tmpfs
MD5=$TMPD/tmpfs.md5
left=$(( (FILES / 4) * (KEEP + 1) ))

written() {
	[ "$errors" = 0 ] && [ "$(ls "$TMPFS" | wc -l)" = $((FILES / 4)) ]
}

# The truncation left the cache with clearly more slabs than the files'
# nodes need: there is something for shrink to free.
sparse() {
	positive "$need" "slabs the files need" && [ $((s2 - s0)) -gt $((need * 2)) ]
}

freed_with_mobility() {
	sparse || return 1
	bound=$((need + NR_MEM + NCPU))
	ktap_print_msg "after shrink: $((s3 - s0)) slabs more than before;" \
		"bound $bound: $need needed + one per memory node ($NR_MEM)" \
		"+ one per CPU ($NCPU)"
	[ $((s3 - s0)) -le $bound ]
}

kept_without_mobility() {
	sparse && [ $((s3 * 100)) -ge $((s2 * 80)) ]
}

mkdir "$TMPFS"
if ! mount -t tmpfs -o size=256m smo_xa "$TMPFS"; then
	fail_n $TMPFS_TESTS "tmpfs workload" "mount -t tmpfs failed"
else
	step shrink
	s0=$([ $HAS_SLABS = 1 ] && slabs)
	errors=0
	c=0
	while [ $c -lt $CHUNKS ]; do
		f=0
		while [ $f -lt $FILES ]; do
			dd if=/dev/urandom of="$TMPFS/f$f" bs=4k count=1 \
				seek=$((c * 64)) conv=notrunc 2>/dev/null ||
				errors=$((errors + 1))
			f=$((f + 1))
		done
		c=$((c + 1))
	done
	s1=$([ $HAS_SLABS = 1 ] && slabs)
	f=0
	while [ $f -lt $FILES ]; do
		if [ $((f % 4)) != 0 ]; then
			rm "$TMPFS/f$f" || errors=$((errors + 1))
		else
			truncate -s $((KEEP * 256))k "$TMPFS/f$f" ||
				errors=$((errors + 1))
		fi
		f=$((f + 1))
	done
	(cd "$TMPFS" && md5sum f*) > "$MD5" || errors=$((errors + 1))
	s2=$([ $HAS_SLABS = 1 ] && slabs)
	step shrink
	s3=$([ $HAS_SLABS = 1 ] && slabs)
	[ "$errors" = 0 ] || ktap_print_msg "$errors writes, deletions or truncations failed"
	result "tmpfs: $FILES files of $CHUNKS chunks written" written
	if [ $HAS_SLABS = 1 ]; then
		ops=$(cut -d' ' -f1 "$X/objs_per_slab")
		need=0
		[ "${ops:-0}" -gt 0 ] && need=$(( (left + ops - 1) / ops ))
		mobility=off
		[ $HAS_CB = 1 ] && mobility=on
		ktap_print_msg "tmpfs workload, mobility $mobility:" \
			"xa_node slabs: $s0 before, $s1 after writing, $s2 after truncating," \
			"$s3 after shrink ($left nodes left in the files)"
		echo "SMO-XA-TMPFS mobility=$HAS_CB before=$s0 written=$s1 truncated=$s2 shrunk=$s3"
		ktap_print_msg "slabs the files' $left nodes need: $need; the" \
			"workload left $((s2 - s0)) (must be above $((need * 2)))"
		result "tmpfs: the truncation left sparse xa_node slabs" sparse
	fi
	if [ $HAS_SLABS = 0 ]; then
		skip_n 2 "tmpfs: xa_node slabs" "$R_DEBUG"
	elif [ $NOMOVE = 0 ]; then
		result "tmpfs: shrink with mobility frees them (need + a slab per node, cpu)" \
			freed_with_mobility
	else
		result "tmpfs: shrink without mobility cannot free them" \
			kept_without_mobility
	fi
	result "tmpfs: every file reads back the same after the shrink" \
		checksums_match "$TMPFS" "$MD5" $((FILES / 4))
fi

if [ $NOMOVE = 1 ]; then
	ktap_finished	# the trap unmounts
fi

# --- an array of the module, under lockless readers and a writer -------------
xa_rejects() {
	bad=0
	for cmd in "xa" "xa fill" "xa fill 0" "xa fill 99999999" "xa sparse 1" \
		   "xa start 0" "xa start 65" "xa stop" "xa frob"; do
		if echo "$cmd" > "$CTL" 2>/dev/null; then
			ktap_print_msg "control accepted '$cmd'"
			bad=1
		fi
	done
	[ $bad = 0 ] && smo xa free >/dev/null	# a good one is taken
}

xa_shrunk() {
	opt=$(optimum)
	bound=$((opt + NR_MEM + NCPU))
	ktap_print_msg "xa_node: $sparse_slabs slabs with the sparse array," \
		"$shrunk_slabs after shrink, bound $bound: optimum $opt + one per" \
		"memory node ($NR_MEM) + one per CPU ($NCPU)"
	positive "$sparse_slabs" "slabs with the sparse array" &&
	[ "$shrunk_slabs" -lt "$sparse_slabs" ] && [ "$shrunk_slabs" -le $bound ]
}

balance_spread() {	# the array's nodes on every memory node
	positive "$(field "$out" nodes)" "nodes of the array" || return 1
	for n in $MEMNODES; do
		positive "$(field "$out" "N$n")" "array nodes on node $n" || return 1
	done
}

balance_share() {	# every memory node holds its share of xa_node
	total=$(cut -d' ' -f1 "$X/objects")
	positive "$total" "xa_node objects" || return 1
	share=$((total / NR_MEM))
	ops=$(cut -d' ' -f1 "$X/objs_per_slab")
	ktap_print_msg "xa_node objects $(cat "$X/objects"): share $share," \
		"within $ops (a slab)"
	for n in $MEMNODES; do
		c=$(per_node "$X/objects" "$n")
		if [ "$c" -lt $((share - ops)) ] || [ "$c" -gt $((share + ops)) ]; then
			ktap_print_msg "node $n: $c objects, share $share"
			return 1
		fi
	done
}

if [ $MODULE_OK = 0 ]; then
	missing TEST_SLUB_MOVABLE $MODULE_TESTS "XArray of the test module"
else
	result "xa: control rejects malformed commands" xa_rejects
	result "xa: 2000 leaf nodes filled, then 3 of 4 erased" \
		sh -c "echo 'xa fill 2000' > $CTL && echo 'xa sparse 4' > $CTL"
	# the readers also check 2000 entries of order 4 (xa_get_order(),
	# marks, a walk that pauses after each): multi-index entries need
	# CONFIG_XARRAY_MULTI, which TRANSPARENT_HUGEPAGE selects
	smo_diag xa check
	if [ -n "$(field "$out" multi)" ]; then
		result "xa: 2000 multi-index entries of order 4 beside them" \
			test "$(field "$out" multi)" = 2000
	else
		missing TRANSPARENT_HUGEPAGE 1 "xa: multi-index entries"
	fi
	sparse_slabs=$([ $HAS_SLABS = 1 ] && slabs)
	step smo xa start >/dev/null
	step shrink
	step shrink
	result "xa: lockless readers and a writer see no error during shrink" \
		xa_stopped
	step shrink
	shrunk_slabs=$([ $HAS_SLABS = 1 ] && slabs)
	if [ $HAS_SLABS = 1 ]; then
		result "xa: shrink empties the sparse slabs (optimum + one per node and cpu)" \
			xa_shrunk
	else
		skip_n 1 "xa: shrink empties the sparse slabs" "$R_DEBUG"
	fi
	result "xa: every entry and mark intact after shrink" xa_intact

	if [ "$NR_MEM" -lt 2 ]; then
		skip_n $MOVE_TESTS "xa: move and balance" "$R_2NODES"
	elif [ $HAS_MOVE = 0 ]; then
		missing SMO_NODE $MOVE_TESTS "xa: move and balance"
	else
		# first everything to the first node, then under load to the last
		XA_MOVED=1
		step write "N$FIRST" "$X/move"
		result "xa: every node of the array is on node $FIRST" \
			xa_all_on "$FIRST"
		step smo xa snapshot
		defrag0=$(xa_stat defrag_objects_moved)
		hogged=$(smo hog "$FAR" all)
		step positive "$(field "$hogged" pages)" "pages taken from node $FAR"
		step write "N$FAR" "$X/move"
		smo unhog >/dev/null
		result "xa: a move to a node without free memory copies nothing elsewhere" \
			moved_only_to "$FAR"
		step write "N$FIRST" "$X/move"
		step smo xa start >/dev/null
		write "N$FAR" "$X/move"
		rc=$?
		result "xa: move to node $FAR under readers and a writer: no error" \
			under_load_ok
		# A slab that another CPU took to allocate from while the pass
		# ran stays where it is (as for any cache): the writer's CPU
		# may keep a few nodes on their node.  Once quiet, one more
		# move must leave none behind.
		ktap_print_msg "after the move under load: $(smo xa check)"
		step write "N$FAR" "$X/move"
		result "xa: the array is intact after the move" xa_intact
		result "xa: every node of the array is on node $FAR" xa_all_on "$FAR"
		result "tmpfs: files read back the same after the move" \
			checksums_match "$TMPFS" "$MD5" $((FILES / 4))

		step smo xa start >/dev/null
		write 1 "$X/balance"
		rc=$?
		result "xa: balance under readers and a writer: no error" \
			under_load_ok
		result "xa: the array is intact after balance" xa_intact
		result "xa: balance spread the array's nodes over every memory node" \
			balance_spread
		if [ $HAS_SLABS = 1 ]; then
			result \
			"xa: balance gives each memory node its share of xa_node (within a slab)" \
				balance_share
		else
			skip_n 1 "xa: balance gives each memory node its share of xa_node" \
				"$R_DEBUG"
		fi
	fi
	step smo xa free >/dev/null
fi

# --- which page caches may move ----------------------------------------------
# Only inodes that the VFS frees an RCU grace period after their last node
# (no ->destroy_inode(), or a ->free_inode()) get movable page cache: a
# tmpfs file's may move, a pipe's (pipefs frees its inodes at once) not.
movable_is() {	# want path: "mapping <path>" says movable=<want>
	ktap_print_msg "mapping $2: $(cat "$CTL")"
	[ "$(field "$(cat "$CTL")" movable)" = "$1" ]
}

if [ $MODULE_OK = 0 ]; then
	missing TEST_SLUB_MOVABLE $RULE_TESTS "page caches that may move"
else
	echo smo > "$TMPFS/rule" && smo mapping "$TMPFS/rule" >/dev/null
	result "tmpfs: a file's page cache may move (inodes freed through RCU)" \
		movable_is 1 "$TMPFS/rule"
	# /proc/self is the writer: the shell whose standard input is the pipe.
	# Its inode comes from inode_cachep, as ramfs's do: freed on this CPU
	# a grace period before, ramfs inodes (whose page cache may move) are
	# what the pipe's likely reuses, so a flag not cleared would show.
	mkdir "$TMPD/ramfs" && mount -t ramfs smo_ramfs "$TMPD/ramfs" &&
	taskset -c "$(cut -d, -f1 /sys/devices/system/cpu/online | cut -d- -f1)" sh -c "
		for i in 1 2 3 4 5 6 7 8; do echo > $TMPD/ramfs/f\$i; done
		rm $TMPD/ramfs/f*; sleep 1
		: | sh -c \"echo 'mapping /proc/self/fd/0' > $CTL\""
	umount "$TMPD/ramfs"
	result "pipe: its page cache may not move (pipefs frees inodes at once)" \
		movable_is 0 "/proc/self/fd/0 (a pipe)"
fi
is_mount "$TMPFS" && step umount "$TMPFS"

# --- workingset shadow nodes ---------------------------------------------------
# Pages reclaimed from a disk filesystem leave shadow entries; leaf nodes
# that hold only those are on the workingset's shadow node list (per NUMA
# node and memory cgroup).  Move them, then make the list work: refault,
# let the shadow shrinker run, delete: the count must come back.
EXT2=$TMPD/ext2
SMD5=$TMPD/shadow.md5
DISK=$TMPD/disk

# The shadow shrinker (count_shadow_nodes()) keeps, per node and memory
# cgroup, at most one shadow node per 8 pages on that node's LRU lists (and
# slab) of the cgroup, as its rstat counters last showed them.  The disk
# image (48 MiB of tmpfs, never reclaimed without swap) is what keeps the
# shadow nodes: with the image on one node and the files' tree nodes on the
# other, a stats flush during memory.reclaim let the shrinker free every
# shadow node (seen: "memory.reclaim left no shadow nodes", 1 run in a
# few, on 2 nodes with one CPU each).  So the setup runs on the CPUs of one
# memory node: image, page cache and tree nodes all on that node.
AFFINITY=
shadow_pin() {
	for nd in $MEMNODES; do
		c=$(cat "/sys/devices/system/node/node$nd/cpulist")
		[ -n "$c" ] || continue
		AFFINITY=$(taskset -p $$ | awk '{ print $NF }') &&
		taskset -pc "$c" $$ >/dev/null && return 0
		AFFINITY=
		SETUP_ERR="taskset -pc $c $$"
		return 1
	done
	SETUP_ERR="no memory node with CPUs"
	return 1
}

shadow_setup() {
	shadow_pin && cg_root || return 1
	CG_DIR=$CG/smo_xa.$$
	mkdir "$CG_DIR" || { SETUP_ERR="mkdir $CG_DIR"; CG_DIR=; return 1; }
	echo $$ > "$CG_DIR/cgroup.procs" ||
		{ SETUP_ERR="into $CG_DIR"; return 1; }
	ext2_loop "$DISK" 48 "$EXT2" || return 1
	i=0
	while [ $i -lt 32 ]; do
		dd if=/dev/urandom of="$EXT2/s$i" bs=64k count=16 2>/dev/null ||
			{ SETUP_ERR="dd $EXT2/s$i"; return 1; }
		i=$((i + 1))
	done
	sync
	(cd "$EXT2" && md5sum s*) > "$SMD5" || { SETUP_ERR="md5sum"; return 1; }
	# reclaims what it can of 256M (EAGAIN when short): the check below
	echo 256M > "$CG_DIR/memory.reclaim" 2>/dev/null
	positive "$(vmstat workingset_nodes)" "workingset_nodes after reclaim" ||
		{ SETUP_ERR="memory.reclaim left no shadow nodes"; return 1; }
}

shadow_teardown() {
	rm -f "$EXT2"/s* && umount "$EXT2" &&
	losetup -d "$LOOP" && LOOP= &&
	echo $$ > "$ORIG_CG/cgroup.procs" && rmdir "$CG_DIR" && CG_DIR= &&
	taskset -p "$AFFINITY" $$ >/dev/null && AFFINITY=
}

shadow_on() {	# node: every shadow node counted there
	positive "$w1" "shadow nodes" &&
	[ "$(vmstat workingset_nodes "$1")" = "$w1" ]
}

w0=$(vmstat workingset_nodes)
if [ "$NR_MEM" -lt 2 ]; then
	skip_n $SHADOW_TESTS "shadow nodes" "$R_2NODES"
elif [ $HAS_MOVE = 0 ]; then
	missing SMO_NODE $SHADOW_TESTS "shadow nodes"
elif ! shadow_setup; then
	if [ -n "$SETUP_MISSING" ]; then
		missing "$SETUP_MISSING" $SHADOW_TESTS "shadow nodes"
	else
		fail_n $SHADOW_TESTS "shadow nodes" "setup failed: $SETUP_ERR"
	fi
else
	XA_MOVED=1
	w1=$(vmstat workingset_nodes)
	step write "N$FIRST" "$X/move"
	result "shadow: every shadow node is counted on node $FIRST" \
		shadow_on "$FIRST"
	step write "N$FAR" "$X/move"
	w2=$(vmstat workingset_nodes)
	wf=$(vmstat workingset_nodes "$FAR")
	ktap_print_msg "shadow nodes: $w0 before, $w1 after reclaim," \
		"$w2 after the move, $wf on node $FAR"
	result "shadow: the count is unchanged by the move" \
		sh -c "[ '$w1' -gt 0 ] && [ '$w2' = '$w1' ]"
	result "shadow: every shadow node is counted on node $FAR" \
		sh -c "[ '$w2' -gt 0 ] && [ '$wf' = '$w2' ]"
	result "shadow: files read back the same (refaults)" \
		checksums_match "$EXT2" "$SMD5" 32
	step write 2 /proc/sys/vm/drop_caches
	step write 1 "$X/balance"
	echo 256M > "$CG_DIR/memory.reclaim" 2>/dev/null
	step write 2 /proc/sys/vm/drop_caches
	result "shadow: files read back the same after shrinker, balance, reclaim" \
		checksums_match "$EXT2" "$SMD5" 32
	step shadow_teardown
	w3=$(vmstat workingset_nodes)
	ktap_print_msg "shadow nodes after deleting the files: $w3 (before: $w0)"
	result "shadow: the count comes back once the files are gone" \
		sh -c "[ '$w1' -gt 0 ] && [ '$w3' -le '$w0' ]"
fi

# --- memory cgroups -------------------------------------------------------------
# A moved node's copy is charged to the cgroup of the original, which is
# freed a grace period later: the move is net zero, and must never make the
# cgroup reclaim or OOM on the mover's behalf.  A subshell in a child
# cgroup, on a CPU of node FIRST, writes sparse files on a tmpfs: their
# nodes (and pages) are charged to the child and allocated on FIRST.  Its
# limit is then set to its usage, and the script moves xa_node from
# another CPU: that CPU's per-CPU charge stock holds nothing of the child,
# so each copy is charged to its page counter, at the limit.  The copies
# must fail there (the nodes stay) without a "max" or "oom" event; without
# the limit, the nodes must move, and the child's usage stay as it was.
MCG=$TMPD/memcg
MCG_FILES=4
MCG_CHUNKS=64

cg_events() {	# cgroup: its memory.events on one line
	tr '\n' ' ' < "$1/memory.events"
}

cg_stat_on() {	# cgroup key node: the key's bytes on the node (memory.numa_stat)
	awk -v k="$2" -v n="N$3" '$1 == k {
		for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == n) print kv[2] } }' \
		"$1/memory.numa_stat"
}

cg_stat() {	# cgroup key: the key's bytes on all nodes (memory.stat)
	awk -v k="$2" '$1 == k { print $2 }' "$1/memory.stat"
}

mcg_slab_on() {	# node: the child's slab_reclaimable bytes there
	cg_stat_on "$LIM_DIR" slab_reclaimable "$1"
}

mcg_slab() {	# the child's slab_reclaimable bytes, all nodes
	cg_stat "$LIM_DIR" slab_reclaimable
}

mcg_setup() {
	cg_root || return 1
	wcpu=$(cut -d, -f1 "/sys/devices/system/node/node$FIRST/cpulist" | cut -d- -f1)
	[ -n "$wcpu" ] || { SETUP_ERR="no CPU on node $FIRST"; return 1; }
	mcpu=$(expand "$(cat /sys/devices/system/cpu/online)" | tr ' ' '\n' |
	       awk -v w="$wcpu" '$1 != "" && $1 != w { print; exit }')
	[ -n "$mcpu" ] || { SETUP_ERR="needs a second online CPU"; return 1; }
	LIM_DIR=$CG/smo_lim.$$
	mkdir "$LIM_DIR" || { SETUP_ERR="mkdir $LIM_DIR"; LIM_DIR=; return 1; }
	mkdir "$MCG" && mount -t tmpfs -o size=64m smo_mcg "$MCG" ||
		{ SETUP_ERR="mount $MCG"; return 1; }
	taskset -c "$wcpu" sh -c "echo \$\$ > $LIM_DIR/cgroup.procs || exit 1
		f=0
		while [ \$f -lt $MCG_FILES ]; do
			c=0
			while [ \$c -lt $MCG_CHUNKS ]; do
				dd if=/dev/urandom of=$MCG/m\$f bs=4k count=1 \
					seek=\$((c * 64)) conv=notrunc 2>/dev/null || exit 1
				c=\$((c + 1))
			done
			f=\$((f + 1))
		done" || { SETUP_ERR="files written in $LIM_DIR"; return 1; }
	(cd "$MCG" && md5sum m*) > "$MCG.md5" || { SETUP_ERR="md5sum"; return 1; }
	AFFINITY=$(taskset -p $$ | awk '{ print $NF }') &&
	taskset -pc "$mcpu" $$ >/dev/null ||
		{ AFFINITY=; SETUP_ERR="taskset -pc $mcpu $$"; return 1; }
	ktap_print_msg "memcg: $MCG_FILES files of $MCG_CHUNKS leaf nodes written" \
		"in $LIM_DIR on CPU $wcpu (node $FIRST); the script moves on CPU $mcpu"
}

mcg_teardown() {
	umount "$MCG" && rmdir "$LIM_DIR" && LIM_DIR= &&
	taskset -p "$AFFINITY" $$ >/dev/null && AFFINITY=
}

# The child's nodes at its limit: moving xa_node to FAR changes no event.
# First every node goes to FIRST: a CPU may allocate from a remote slab
# (seen: a fifth of the child's nodes on the other node of 2), and the
# move runs on the writer's CPU, whose charge stock already holds the
# child's pages: the moving CPU's stock stays without them.
mcg_at_limit() {
	XA_MOVED=1
	taskset -c "$wcpu" sh -c "echo N$FIRST > $X/move" ||
		{ ktap_print_msg "move to N$FIRST failed"; return 1; }
	sleep 3		# memcg's statistics are flushed every 2 s
	cur=$(cat "$LIM_DIR/memory.current")
	echo "$cur" > "$LIM_DIR/memory.max" || return 1
	ev0=$(cg_events "$LIM_DIR")
	slab0=$(mcg_slab_on "$FIRST")
	write "N$FAR" "$X/move" || { ktap_print_msg "move to N$FAR failed"; return 1; }
	ev1=$(cg_events "$LIM_DIR")
	cur1=$(cat "$LIM_DIR/memory.current")
	sleep 3		# memcg's statistics are flushed every 2 s
	slabl=$(mcg_slab_on "$FIRST")
	nodes=$(( MCG_FILES * MCG_CHUNKS * 512 ))
	ktap_print_msg "memcg at its limit ($cur bytes), moved to node $FAR:" \
		"memory.current $cur1; slab_reclaimable on node $FIRST $slab0" \
		"before, $slabl after (the limit was reached if above $nodes:" \
		"the nodes stayed)"
	ktap_print_msg "events before: $ev0"
	ktap_print_msg "events after:  $ev1"
	[ "$slab0" -gt "$nodes" ] ||
		{ ktap_print_msg "the child's nodes are not on node $FIRST"; return 1; }
	[ "$slabl" -gt "$nodes" ] && [ "$ev1" = "$ev0" ] && [ "$cur1" -le "$cur" ]
}

# Without the limit the child's nodes, all on FIRST first, leave it, and
# its charges come back after a move away and back.  Slab bytes are
# counted per object, but each CPU holds back up to a page of them (the
# per-CPU object stock) at any reading: two readings differ by up to two
# pages per CPU.  Pages are charged ahead: up to 64 (MEMCG_CHARGE_BATCH)
# plus a page of bytes sit in each CPU's stocks, counted in
# memory.current.
mcg_moved() {
	echo max > "$LIM_DIR/memory.max" || return 1
	write "N$FIRST" "$X/move" || return 1
	sleep 3		# memcg's statistics are flushed every 2 s
	slab0=$(mcg_slab_on "$FIRST")
	cur0=$(cat "$LIM_DIR/memory.current")
	all0=$(mcg_slab)
	write "N$FAR" "$X/move" || return 1
	sleep 3
	slab1=$(mcg_slab_on "$FIRST")
	write "N$FIRST" "$X/move" || return 1
	sleep 3
	cur1=$(cat "$LIM_DIR/memory.current")
	all1=$(mcg_slab)
	pg=$(getconf PAGESIZE 2>/dev/null || echo 4096)
	nodes=$(( MCG_FILES * MCG_CHUNKS * 512 ))
	ktap_print_msg "memcg: slab_reclaimable on node $FIRST: $slab0 before," \
		"$slab1 after a move to $FAR without the limit (bound:" \
		"$((MCG_FILES * 1024)) for the files' dentries + a page per CPU" \
		"$((pg * NCPU)); the nodes alone hold more than $nodes)"
	MCG_SLAB="$all0 $all1 $((2 * pg * NCPU))"
	MCG_CUR="$cur0 $cur1 $(( (64 + 1) * pg * NCPU ))"
	[ "$slab0" -gt "$nodes" ] && [ "$slab1" -le $((MCG_FILES * 1024 + pg * NCPU)) ]
}

within() {	# a b bound: |a - b| <= bound
	d=$(($1 - $2))
	[ $d -lt 0 ] && d=$((-d))
	[ $d -le "$3" ]
}

mcg_charges_kept() {
	# shellcheck disable=SC2086
	set -- $MCG_SLAB $MCG_CUR
	ktap_print_msg "memcg, moved away and back: slab_reclaimable $1 before," \
		"$2 after, bound +-$3 (2 pages per CPU, $NCPU CPUs);" \
		"memory.current $4 before, $5 after, bound +-$6 (65 pages per CPU)"
	positive "$1" "the child's slab bytes" && within "$1" "$2" "$3" &&
	within "$4" "$5" "$6"
}

# An accounted cache: smo_test_acct is SLAB_ACCOUNT, "alloc" charges its
# objects to the writer's cgroup, and the module's migrate callback
# allocates copies with kmem_cache_alloc_move().  A cgroup of its own, its
# objects allocated on node FIRST from CPU wcpu.  At its limit a move to
# FAR must leave every object where it is, without a "max" or "oom" event,
# even from a PF_MEMALLOC scope (where memcg would force the charge);
# without the limit every object moves, and its charge with it (the copies
# charged to the same cgroup); objects charged to nobody get copies charged
# to nobody, whoever moves them.
ACCT_N=20000
AS=$SLAB/smo_test_acct

acct_setup() {
	ACCT_DIR=$CG/smo_acct.$$
	mkdir "$ACCT_DIR" || { ACCT_DIR=; return 1; }
	taskset -c "$wcpu" sh -c "echo \$\$ > $ACCT_DIR/cgroup.procs &&
		echo 'alloc smo_test_acct $ACCT_N $FIRST' > $CTL" || return 1
	sleep 3		# memcg's statistics are flushed every 2 s
	acct0=$(cg_stat "$ACCT_DIR" slab_unreclaimable)
	ktap_print_msg "memcg: $ACCT_N objects of smo_test_acct (64 bytes)" \
		"allocated in $ACCT_DIR on CPU $wcpu (node $FIRST):" \
		"slab_unreclaimable $acct0"
	smo_diag check smo_test_acct &&
	[ "$(field "$out" "N$FIRST")" = $ACCT_N ] &&
	[ "$acct0" -ge $((ACCT_N * 64)) ]
}

# "movecheck smo_test_acct [pfmemalloc]" from a task of a cgroup: its
# counts "charged=C same=S other=O none=N" must be the ones given (the
# module copies the first 1024 objects and frees the copies)
movecheck_is() {	# cgroup-dir extra-argument expected-output
	got=$(sh -c "echo \$\$ > $1/cgroup.procs &&
		echo 'movecheck smo_test_acct $2' > $CTL && cat $CTL") ||
		{ ktap_print_msg "movecheck $2 from $1 failed"; return 1; }
	ktap_print_msg "movecheck $2 from $1: $got (expected: $3)"
	[ "$got" = "$3" ]
}

# A charge that succeeds takes a page and leaves the rest in the moving
# CPU's object stock, which then funds every copy after it: the test is
# all or nothing.  So the cgroup's per-CPU stocks are drained first (a
# memory.high below its usage drains them; restored at once), after which
# only an uncharge could make room, and nothing of the cgroup is freed
# meanwhile: every object must stay.
acct_at_limit() {
	cur=$(cat "$ACCT_DIR/memory.current")
	echo $((cur - 4096)) > "$ACCT_DIR/memory.high" &&
	echo max > "$ACCT_DIR/memory.high" || return 1
	sleep 1		# drain_all_stock() drains other CPUs from a work item
	cur=$(cat "$ACCT_DIR/memory.current")
	echo "$cur" > "$ACCT_DIR/memory.max" || return 1
	ev0=$(cg_events "$ACCT_DIR")
	write "N$FAR" "$AS/move" || { ktap_print_msg "move to N$FAR failed"; return 1; }
	movecheck_is "$ORIG_CG" pfmemalloc "charged=1024 same=0 other=0 none=1024" ||
		return 1
	ev1=$(cg_events "$ACCT_DIR")
	cur1=$(cat "$ACCT_DIR/memory.current")
	smo_diag check smo_test_acct || return 1
	left=$(field "$out" "N$FIRST")
	ktap_print_msg "memcg at its limit ($cur bytes), smo_test_acct moved to" \
		"node $FAR: $left of $ACCT_N objects stayed on node $FIRST;" \
		"memory.current $cur1"
	ktap_print_msg "events before: $ev0"
	ktap_print_msg "events after:  $ev1"
	[ "$left" = $ACCT_N ] && [ "$ev1" = "$ev0" ] && [ "$cur1" -le "$cur" ]
}

# Without the limit every object moves to FAR, and the cgroup's slab bytes
# with them: on FAR at least the objects' bytes, in all within two pages per
# CPU (the per-CPU object stocks, see mcg_moved) of what they were.
acct_moved() {
	echo max > "$ACCT_DIR/memory.max" || return 1
	sleep 3
	all0=$(cg_stat "$ACCT_DIR" slab_unreclaimable)
	write "N$FAR" "$AS/move" || return 1
	smo_diag check smo_test_acct || return 1
	moved=$(field "$out" "N$FAR")
	sleep 3
	far=$(cg_stat_on "$ACCT_DIR" slab_unreclaimable "$FAR")
	all1=$(cg_stat "$ACCT_DIR" slab_unreclaimable)
	pg=$(getconf PAGESIZE 2>/dev/null || echo 4096)
	ktap_print_msg "memcg without the limit: $moved of $ACCT_N objects on" \
		"node $FAR; the cgroup's slab_unreclaimable there $far (the" \
		"objects: $((ACCT_N * 64))), in all $all0 before, $all1 after" \
		"(bound +-$((2 * pg * NCPU)), 2 pages per CPU)"
	[ "$moved" = $ACCT_N ] && [ "$far" -ge $((ACCT_N * 64)) ] &&
	within "$all0" "$all1" $((2 * pg * NCPU)) &&
	movecheck_is "$ORIG_CG" "" "charged=1024 same=1024 other=0 none=0"
}

# A removed cgroup's objects stay charged to its obj_cgroup, which then
# charges the parent (here the root): their copies must be charged the
# same way, to neither nobody nor the mover's cgroup, and they move.
acct_removed() {
	smo_diag check smo_test_acct &&
	[ "$(field "$out" "N$FAR")" = $ACCT_N ] ||
		{ ktap_print_msg "the objects are not all on node $FAR"; return 1; }
	rmdir "$ACCT_DIR" || return 1
	write "N$FIRST" "$AS/move" || return 1
	smo_diag check smo_test_acct || return 1
	[ "$(field "$out" "N$FIRST")" = $ACCT_N ] &&
	movecheck_is "$LIM_DIR" "" "charged=1024 same=1024 other=0 none=0"
}

# Objects allocated in the root cgroup are charged to nobody: copies made
# from a task of another cgroup must be too.
acct_uncharged() {
	smo free smo_test_acct all >/dev/null &&
	sh -c "echo \$\$ > $CG/cgroup.procs &&
		echo 'alloc smo_test_acct 100' > $CTL" || return 1
	movecheck_is "$LIM_DIR" "" "charged=0 same=100 other=0 none=0"
}

if [ "$NR_MEM" -lt 2 ]; then
	skip_n $((MEMCG_TESTS + ACCT_TESTS)) "memcg" "$R_2NODES"
elif [ $HAS_MOVE = 0 ]; then
	missing SMO_NODE $((MEMCG_TESTS + ACCT_TESTS)) "memcg"
elif ! { SETUP_MISSING= SETUP_ERR=; mcg_setup; }; then
	if [ -n "$SETUP_MISSING" ]; then
		missing "$SETUP_MISSING" $((MEMCG_TESTS + ACCT_TESTS)) "memcg"
	else
		fail_n $((MEMCG_TESTS + ACCT_TESTS)) "memcg" "setup failed: $SETUP_ERR"
	fi
else
	result "memcg: a move leaves a cgroup at its limit alone (no reclaim, no OOM)" \
		mcg_at_limit
	result "memcg: its files read back the same" \
		checksums_match "$MCG" "$MCG.md5" $MCG_FILES
	result "memcg: without the limit its nodes leave node $FIRST" mcg_moved
	result "memcg: its slab and memory.current are unchanged by a move away and back" \
		mcg_charges_kept
	if [ $MODULE_OK = 0 ]; then
		missing TEST_SLUB_MOVABLE $ACCT_TESTS "memcg: accounted cache"
	else
		step smo enable smo_test_acct >/dev/null
		result "memcg: an accounted cache (SLAB_ACCOUNT) can be movable; objects charged" \
			acct_setup
		result "memcg: a move leaves accounted objects of a cgroup at its limit alone" \
			acct_at_limit
		result "memcg: without the limit they move, charged to the same cgroup" \
			acct_moved
		result "memcg: a removed cgroup's objects move, copies charged as they are" \
			acct_removed
		result "memcg: objects charged to nobody get copies charged to nobody" \
			acct_uncharged
	fi
	step mcg_teardown
fi

# --- lib/test_xarray.c --------------------------------------------------------
# The module runs its tests when it loads and refuses to load if one fails.
test_xarray_runs() {
	if loaded test_xarray; then
		ktap_print_msg "test_xarray is loaded and stays: its tests cannot run"
		return 1
	fi
	modprobe test_xarray || return 1
	dmesg | grep 'XArray: .* tests passed' | tail -1 | while read -r l; do
		ktap_print_msg "$l"
	done
	loaded test_xarray
}

if [ -n "$(find "/lib/modules/$(uname -r)" -name 'test_xarray.ko*' 2>/dev/null)" ]; then
	if loaded test_xarray; then
		XARRAY_WAS_LOADED=1
		step rmmod test_xarray	# else modprobe would run nothing
	fi
	result "lib/test_xarray.c passes" test_xarray_runs
	if loaded test_xarray; then
		rmmod test_xarray || ktap_print_msg "rmmod test_xarray failed"
	fi
else
	missing TEST_XARRAY 1 "lib/test_xarray.c passes"
fi
ktap_finished
