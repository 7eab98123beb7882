# SPDX-License-Identifier: GPL-2.0
# Allocations for a node that cannot serve them (topology "dist": node 1
# exhausted by the test module's hog, node 3 without memory; node 2 is
# the nearest to both, node 0 the farthest) take partial slabs from the
# node nearest to the requested one, not to the allocating CPU (CPU 0, on
# node 0), and leave no remote slab on that CPU for its own allocations.
. /smo/tap.sh
tap_plan 7
C=smo_test_600
N=2000
SLAB=/sys/kernel/slab

modprobe test_slub_movable || exit 1
taskset -p 1 $$ >/dev/null	# every allocation from CPU 0 (node 0)
diag "node distances: $(for n in 0 1 2 3; do echo -n "N$n: $(cat /sys/devices/system/node/node$n/distance); "; done)"

# Objects on node $2 in the result $1 of "smo check" (no Nn=: none)
on_node() {
	n=$(echo "$1" | tr ' ' '\n' | sed -n "s/^N$2=//p")
	echo "${n:-0}"
}
shrink() { echo 1 > $SLAB/$C/shrink; }
# Half-used slabs of $C on each node given, on the node lists
half_used_on() {
	smo free $C all >/dev/null && shrink || return 1
	for n in "$@"; do
		smo alloc $C $N "$n" >/dev/null || return 1
	done
	smo free $C every 2 >/dev/null && shrink
}
# Allocate $1 objects for node $2 ("" for none); D0..D3: where they landed
alloc_where() {
	c0=$(smo check $C) || return 1
	smo alloc $C $1 $2 >/dev/null || return 1
	c1=$(smo check $C) || return 1
	for n in 0 1 2 3; do
		eval "D$n=$(($(on_node "$c1" $n) - $(on_node "$c0" $n)))"
	done
	diag "$1 objects for node ${2:-(any)} landed: N0 $D0, N1 $D1, N2 $D2, N3 $D3"
}

# 1-2: node 1 exhausted; half-used slabs on nodes 0 and 2
half_used_on 0 2
ok $? "half-used slabs on nodes 0 and 2"
hog=$(smo hog 1); diag "hog node 1: $hog"
alloc_where $((N / 4)) 1; r=$?
smo unhog >/dev/null
# kswapd frees a few pages of node 1 while the hog takes them back: what
# is not on node 1 must be on node 2
[ $r = 0 ] && [ "$D0" = 0 ] && [ $((D1 + D2)) = $((N / 4)) ] && [ "$D2" -gt 0 ]
ok $? "an exhausted node's allocations use the nearest node's partial slabs (node 2, not CPU 0's node 0)"

# 3-4: memoryless node 3
half_used_on 0 2
alloc_where $((N / 4)) 3; r=$?
[ $r = 0 ] && [ "$D0" = 0 ] && [ "$D1" = 0 ] && [ "$D2" = $((N / 4)) ]
ok $? "a memoryless node's allocations use its nearest node's partial slabs (node 2)"
smo check $C >/dev/null
ok $? "objects intact"

# 5-6: half-used slabs on node 2 only, so that the allocations for
# exhausted node 1 take node 2's.  Then node 0 gets partial slabs through
# CPU 1 (which goes offline and online: its slabs go to the node lists),
# CPU 0's slabs left as those allocations left them: CPU 0's allocations
# without a node must get node 0's objects, not those of a node-2 slab
# kept as its cpu slab or on its cpu partial list.
half_used_on 2
smo hog 1 >/dev/null
alloc_where $((N / 4)) 1
smo unhog >/dev/null
[ "$D2" -gt 0 ]
ok $? "the exhausted node's allocations came from node 2"
taskset -c 1 sh -c "echo alloc $C $N 0 > $SMO_CTL && echo free $C every 2 > $SMO_CTL" &&
	echo 0 > /sys/devices/system/cpu/cpu1/online &&
	echo 1 > /sys/devices/system/cpu/cpu1/online &&
	alloc_where 100 ""; r=$?
[ $r = 0 ] && [ "$D0" = 100 ]
ok $? "then CPU 0's allocations without a node get node 0's partial slabs, not a remote slab left on CPU 0"
smo free $C all >/dev/null
smo check $C >/dev/null
ok $? "objects intact at the end"
rmmod test_slub_movable
tap_done
