# SPDX-License-Identifier: GPL-2.0
# Interleaved node spans (topology "spans": node 0's virtio-mem memory,
# onlined by memhp_default_state=online, lies above 4 GiB, so node 0's
# span [node_start_pfn, node_end_pfn) covers all of node 1's memory).
# move and balance find slabs by walking a node's span: they must take
# and count only the node's own slabs.  Objects: A on node 0, B on node 1.
. /smo/tap.sh
tap_plan 5
MEMSYS=/sys/devices/system/memory
C=smo_test_600
A=1000
B=3000

modprobe test_slub_movable || exit 1
smo enable $C >/dev/null

# The memory blocks of node $1, lowest and highest: "lo hi"
node_blocks() {
	ls -d /sys/devices/system/node/node$1/memory[0-9]* |
		sed 's/.*memory//' | sort -n | sed -n '1p;$p' | tr '\n' ' '
}
set -- $(node_blocks 0); lo0=$1; hi0=$2
set -- $(node_blocks 1); lo1=$1; hi1=$2
diag "memory blocks: node 0 $lo0..$hi0, node 1 $lo1..$hi1"
[ "$lo0" -lt "$lo1" ] && [ "$hi0" -gt "$hi1" ]
ok $? "node 0's span covers node 1's memory"

# Objects on node $2 in the result $1 of "smo check" (no Nn=: none)
on_node() {
	n=$(echo "$1" | tr ' ' '\n' | sed -n "s/^N$2=//p")
	echo "${n:-0}"
}
# "objects=<all> N0=<$2> N1=<$3>": the check passed, with that many per node
counts_are() {
	case $1 in objects=$((A + B))*) ;; *) return 1 ;; esac
	[ "$(on_node "$1" 0)" = "$2" ] && [ "$(on_node "$1" 1)" = "$3" ]
}

# A fresh set of objects: A on node 0, B on node 1
fresh() {
	smo free $C all >/dev/null &&
	smo alloc $C $A 0 >/dev/null && smo alloc $C $B 1 >/dev/null
}
# Objects moved to another node so far (SLUB_STATS: move_objects); the
# module's own count of moves also has the repacking after a move
moved() { cut -d' ' -f1 /sys/kernel/slab/$C/move_objects; }

# "N0 N1" moves node 0's objects, each once, and not one of node 1's
fresh
m0=$(moved)
echo "N0 N1" > /sys/kernel/slab/$C/move; r=$?
m=$(($(moved) - m0)); c=$(smo check $C)
diag "move N0 N1: moved $m; $c (expected: moved $A, N0=0 N1=$((A + B)))"
[ $r = 0 ] && [ "$m" = $A ]
ok $? "move N0 N1 moves node 0's $A objects and none of node 1's"
counts_are "$c" 0 $((A + B))
ok $? "after the move every object is on node 1, intact"

# balance counts each node's objects once: the share is (A + B) / 2, and
# only the surplus, (B - A) / 2, moves
fresh
m0=$(moved)
echo 1 > /sys/kernel/slab/$C/balance; r=$?
m=$(($(moved) - m0)); c=$(smo check $C)
share=$(((A + B) / 2))
diag "balance: moved $m; $c (expected: moved $(((B - A) / 2)), N0=N1=$share)"
[ $r = 0 ] && counts_are "$c" $share $share
ok $? "balance gives each node its share ($share), every object intact"
[ "$m" = $(((B - A) / 2)) ]
ok $? "balance moves only the surplus"

smo free $C all >/dev/null
rmmod test_slub_movable
tap_done
