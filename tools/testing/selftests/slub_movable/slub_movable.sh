#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Movable slab objects: drive the test_slub_movable module and check what
# /sys/kernel/slab/<cache>/ says after shrink and defragmentation.
#
# Needs root, debugfs and CONFIG_TEST_SLUB_MOVABLE; skips otherwise.
# SMO_OBJECTS sets the number of objects per scenario (default 20000).

DIR=$(dirname "$0")
. "$DIR/../kselftest/ktap_helpers.sh"

CTL=/sys/kernel/debug/test_slub_movable/control
SLAB=/sys/kernel/slab
N=${SMO_OBJECTS:-20000}
CACHES="smo_test_64 smo_test_600"

ktap_print_header

if [ "$(id -u)" != 0 ]; then
	ktap_skip_all "must be run as root"
	exit "$KSFT_SKIP"
fi
[ -d /sys/kernel/debug/tracing ] || mount -t debugfs none /sys/kernel/debug 2>/dev/null
if ! modprobe test_slub_movable 2>/dev/null && [ ! -e "$CTL" ]; then
	ktap_skip_all "test_slub_movable not available (CONFIG_TEST_SLUB_MOVABLE)"
	exit "$KSFT_SKIP"
fi

NUMA_TESTS=14
FALLBACK_TESTS=7
VACATE_TESTS=11
ktap_set_plan $((38 + NUMA_TESTS + FALLBACK_TESTS + VACATE_TESTS))

# smo CMD...: run one module command; its result goes to stdout.
smo() {
	echo "$*" > "$CTL" || return 1
	cat "$CTL"
}

# The same, with the result as a TAP diagnostic line.
smo_diag() {
	out=$(smo "$@") || return 1
	ktap_print_msg "$*: $out"
}

# result DESCRIPTION COMMAND...: one test, passed if the command succeeds.
result() {
	desc=$1
	shift
	if "$@"; then
		ktap_test_pass "$desc"
	else
		ktap_test_fail "$desc"
	fi
}

has_line() {	# file regex
	grep -q "$2" "$1"
}

lacks_line() {	# file regex
	! grep -q "$2" "$1"
}

both_callbacks() {	# cache
	has_line "$SLAB/$1/ops" '^isolate : smo_isolate' &&
	has_line "$SLAB/$1/ops" '^migrate : smo_migrate' &&
	has_line "$SLAB/$1/ops" '^ctor : smo_ctor'
}

# total of a sysfs counter ("N N0=a N1=b" -> N)
val() {
	cut -d' ' -f1 "$SLAB/$1/$2"
}

# "S N0=a N1=b ...": the cache's slabs, from sysfs where SLUB_DEBUG
# provides the file, else as the module counts them from its objects.
slabs_of() {
	if [ -r "$SLAB/$1/slabs" ]; then
		cat "$SLAB/$1/slabs"
	else
		smo slabs "$1"
	fi
}

nslabs() {	# cache
	slabs_of "$1" | cut -d' ' -f1
}

node_slabs() {	# cache node
	c=$(slabs_of "$1" | tr ' ' '\n' | sed -n "s/^N$2=//p")
	echo "${c:-0}"
}

# Live objects as the module counts them.
live() {
	smo check "$1" | sed -n 's/^objects=\([0-9]*\).*/\1/p'
}

# Nodes that hold objects of the cache.
nodes_used() {
	smo check "$1" | tr ' ' '\n' | grep -c '^N[0-9]'
}

# optimum CACHE: slabs needed for the live objects.
optimum() {
	ops=$(val "$1" objs_per_slab)
	n=$(live "$1")
	echo $(( (n + ops - 1) / ops ))
}

# A write that must fail and leave the file's content as it was.
rejects() {	# file value
	before=$(cat "$1")
	if printf '%s' "$2" > "$1" 2>/dev/null; then
		ktap_print_msg "'$2' > $1 was accepted"
		return 1
	fi
	[ "$(cat "$1")" = "$before" ]
}

fragment() {	# cache pattern...
	smo free "$1" all >/dev/null &&
	smo alloc "$1" "$N" >/dev/null &&
	smo free "$@" >/dev/null
}

shrink() {
	echo 1 > "$SLAB/$1/shrink"
}

# --- interfaces -----------------------------------------------------------
C=smo_test_600
result "module self-test" smo_diag selftest
ops=$(cat "$SLAB/$C/ops")
[ "$ops" = "$(echo "$ops" | grep '^ctor : smo_ctor')" ]
result "ops lists only the ctor without mobility" test $? = 0
smo enable $C >/dev/null
result "ops lists isolate and migrate with mobility" both_callbacks $C
smo disable $C >/dev/null
result "disable removes the callbacks from ops" \
	lacks_line "$SLAB/$C/ops" isolate
result "ctor file unchanged" has_line "$SLAB/$C/ctor" '^smo_ctor+'
result "defrag_used_ratio defaults to 30" \
	test "$(cat $SLAB/$C/defrag_used_ratio)" = 30
for v in 101 -1 abc "1 2" 50x 4294967296 "99999999999999999999"; do
	result "defrag_used_ratio rejects '$v'" \
		rejects "$SLAB/$C/defrag_used_ratio" "$v"
done
echo 0 > "$SLAB/$C/defrag_used_ratio" && r0=$(cat "$SLAB/$C/defrag_used_ratio")
echo 100 > "$SLAB/$C/defrag_used_ratio" && r100=$(cat "$SLAB/$C/defrag_used_ratio")
result "defrag_used_ratio accepts 0 and 100" \
	test "$r0.$r100" = "0.100"
echo 30 > "$SLAB/$C/defrag_used_ratio"
result "shrink rejects '2'" rejects "$SLAB/$C/shrink" 2
bad=0
for cmd in "alloc $C" "alloc $C -5" "alloc $C 1 9999" "free $C every 0" \
	   "free $C random 1 101" "enable" "enable nosuch" "defrag 9999" \
	   "check" "frob"; do
	if echo "$cmd" > "$CTL" 2>/dev/null; then
		ktap_print_msg "control accepted '$cmd'"
		bad=1
	fi
done
result "control rejects malformed commands" test $bad = 0

# --- shrink -----------------------------------------------------------------
for C in $CACHES; do
	smo disable $C >/dev/null
	fragment $C random 7 80
	before=$(nslabs $C)
	shrink $C
	after=$(nslabs $C)
	opt=$(optimum $C)
	ktap_print_msg "$C without mobility: $before slabs, $after after shrink, optimum $opt"
	result "$C: shrink without mobility keeps the slabs" \
		test $((after * 100)) -ge $((before * 95))
	result "$C: objects intact after shrink" smo_diag check $C

	smo enable $C >/dev/null
	for pattern in "random 11 80" "random 12 50" "random 13 95" \
		       "every 3" "count $((N / 2)) 0"; do
		fragment $C $pattern
		before=$(nslabs $C)
		shrink $C
		after=$(nslabs $C)
		opt=$(optimum $C)
		max=$((opt + $(nodes_used $C)))
		ktap_print_msg "$C free $pattern: $before slabs, $after after shrink, optimum $opt"
		result "$C: shrink after 'free $pattern' reaches the optimum" \
			test "$after" -le "$max"
	done
	result "$C: every object intact after the moves" smo_diag check $C
	ops=$(val $C objs_per_slab)
	waste=$(( $(nslabs $C) * ops - $(live $C) ))
	ktap_print_msg "$C: $waste free slots, partial $(cat $SLAB/$C/partial)"
	result "$C: less than one slab of free slots per node" \
		test "$waste" -lt $((ops * $(nodes_used $C)))
done

# --- conditional defragmentation and defrag_used_ratio ----------------------
C=smo_test_600
smo enable $C >/dev/null
fragment $C every 2		# every slab about half used
before=$(nslabs $C)
echo 30 > "$SLAB/$C/defrag_used_ratio"
freed=$(smo defrag | sed 's/freed=//')
mid=$(nslabs $C)
ktap_print_msg "ratio 30: $before slabs, $mid after defrag (freed $freed)"
# "freed" counts only the slabs the pass emptied (the slab count may also
# drop because the pass drains KASAN's quarantine).  A few slabs may end
# up sparser than 30 %: 1 % of them, plus the last slab each CPU filled
# on each node (two per CPU here), may be emptied.
ncpu=$(grep -c '^processor' /proc/cpuinfo)
result "defrag at ratio 30 leaves half-used slabs alone" \
	test "$freed" -le $((before / 100 + 2 * ncpu))
echo 60 > "$SLAB/$C/defrag_used_ratio"
freed=$(smo defrag | sed 's/freed=//')
after=$(nslabs $C)
ktap_print_msg "ratio 60: $mid slabs, $after after defrag (freed $freed)"
result "defrag at ratio 60 empties half-used slabs" \
	test "$after" -lt $((mid * 3 / 4))
result "defrag objects intact" smo_diag check $C
echo 30 > "$SLAB/$C/defrag_used_ratio"

# --- NUMA: move and balance (CONFIG_SMO_NODE) --------------------------------
# "0-2,4" -> "0 1 2 4"
expand() {
	echo "$1" | tr ',' '\n' | while IFS=- read -r a b; do
		[ -n "$a" ] && seq "$a" "${b:-$a}"
	done | tr '\n' ' '
}

# Objects of the cache on node $2, as the module counts them.
on_node() {
	c=$(smo check "$1" | tr ' ' '\n' | sed -n "s/^N$2=//p")
	echo "${c:-0}"
}

# Every memory node holds T/M or T/M + 1 objects (the rule of
# kmem_cache_balance()).
balanced() {	# cache
	total=$(live "$1")
	share=$((total / NR_MEM))
	for n in $MEMNODES; do
		c=$(on_node "$1" "$n")
		if [ "$c" -lt "$share" ] || [ "$c" -gt $((share + 1)) ]; then
			ktap_print_msg "node $n has $c objects, share $share"
			return 1
		fi
	done
}

# The slab counts of any two memory nodes differ by at most one.
slabs_even() {	# cache
	min=-1
	max=0
	for n in $MEMNODES; do
		c=$(node_slabs "$1" "$n")
		if [ "$min" -lt 0 ] || [ "$c" -lt "$min" ]; then
			min=$c
		fi
		[ "$c" -gt "$max" ] && max=$c
	done
	ktap_print_msg "slabs per node: $(slabs_of "$1" | cut -d' ' -f2-)"
	[ $((max - min)) -le 1 ]
}

all_on() {	# cache node
	[ "$(on_node "$1" "$2")" = "$(live "$1")" ]
}

move_everywhere() {	# cache: move all objects to each node in turn
	for n in $MEMNODES; do
		echo "N$n" > "$SLAB/$1/move" || return 1
		if ! all_on "$1" "$n"; then
			ktap_print_msg "not all on node $n: $(smo check "$1")"
			return 1
		fi
	done
}

fill_nodes() {	# cache count node...
	c=$1
	n=$2
	shift 2
	smo free "$c" all >/dev/null
	for node in "$@"; do
		smo alloc "$c" "$n" "$node" >/dev/null || return 1
	done
}

balance_from() {	# cache count node...: fill, balance, check the rule
	fill_nodes "$@" || return 1
	c=$1
	shift 2
	echo 1 > "$SLAB/$c/balance" || return 1
	ktap_print_msg "balance from nodes $*: $(smo check "$c")"
	balanced "$c"
}

moved_stat() {
	cut -d' ' -f1 "$SLAB/$1/move_objects" 2>/dev/null || echo none
}

# Writes to move that must fail and move nothing.
move_rejects() {	# cache
	before=$(smo check "$1")
	bad=0
	for v in "N" "Nx" "N-1" "-1" "+1" "0x1" "N1,N0" "N0 N1 N2" \
		 "N 1" "N99999" "N9999" "1.5" "N0N1"; do
		if echo "$v" > "$SLAB/$1/move" 2>/dev/null; then
			ktap_print_msg "move accepted '$v'"
			bad=1
		fi
	done
	for n in $(expand "$(cat /sys/devices/system/node/online)"); do
		case " $MEMNODES " in *" $n "*) continue ;; esac
		if echo "N$n" > "$SLAB/$1/move" 2>/dev/null; then
			ktap_print_msg "move to memoryless node $n accepted"
			bad=1
		fi
	done
	[ "$bad" = 0 ] && [ "$(smo check "$1")" = "$before" ]
}

balance_rejects() {	# cache
	bad=0
	for v in 0 2 11 abc "1 1" -1; do
		if echo "$v" > "$SLAB/$1/balance" 2>/dev/null; then
			ktap_print_msg "balance accepted '$v'"
			bad=1
		fi
	done
	[ "$bad" = 0 ]
}

immovable_refused() {	# cache
	smo disable "$1" >/dev/null
	r=0
	echo N0 > "$SLAB/$1/move" 2>/dev/null && r=1
	echo 1 > "$SLAB/$1/balance" 2>/dev/null && r=1
	smo enable "$1" >/dev/null
	return $r
}

nonroot_refused() {	# cache
	command -v su >/dev/null || return 1
	r=0
	su -s /bin/sh nobody -c "echo N0 > $SLAB/$1/move" 2>/dev/null && r=1
	su -s /bin/sh nobody -c "echo 1 > $SLAB/$1/balance" 2>/dev/null && r=1
	return $r
}

# Moves, balances and shrinks while threads on every CPU allocate, verify
# and free objects of the same cache.
concurrent() {	# cache
	smo stress start "$1" >/dev/null || return 1
	for n in $MEMNODES; do
		echo "N$n" > "$SLAB/$1/move"
	done
	echo 1 > "$SLAB/$1/balance"
	echo 1 > "$SLAB/$1/shrink"
	out=$(smo stress stop)
	r=$?
	ktap_print_msg "stress: $out"
	[ $r = 0 ] && smo check "$1" >/dev/null
}

C=smo_test_600
MEMNODES=$(expand "$(cat /sys/devices/system/node/has_normal_memory)")
NR_MEM=$(echo $MEMNODES | wc -w)
if [ ! -e "$SLAB/$C/move" ] || [ "$NR_MEM" -lt 2 ]; then
	i=0
	while [ $i -lt $NUMA_TESTS ]; do
		ktap_test_skip "NUMA move and balance (needs CONFIG_SMO_NODE and 2 memory nodes)"
		i=$((i + 1))
	done
else
	first=${MEMNODES%% *}
	second=$(echo $MEMNODES | cut -d' ' -f2)
	per=$((N / NR_MEM))
	smo enable $C >/dev/null
	fill_nodes $C $per $MEMNODES
	result "move to every node in turn puts every object there" \
		move_everywhere $C
	fill_nodes $C $per $MEMNODES
	keep=$(on_node $C $second)
	echo "N$first N$second" > "$SLAB/$C/move"
	got="$(on_node $C $first).$(on_node $C $second)"
	result "move N$first N$second empties node $first into node $second" \
		test "$got" = "0.$((keep + per))"
	smo free $C random 3 80 >/dev/null
	echo "N$second N$second" > "$SLAB/$C/move"
	ops=$(val $C objs_per_slab)
	objs=$(on_node $C $second)
	slabs=$(node_slabs $C $second)
	ktap_print_msg "node $second: $objs objects in $slabs slabs"
	result "move N$second N$second defragments node $second" \
		test "$slabs" -le $(( (objs + ops - 1) / ops + 1 ))
	result "balance from everything on node $first" \
		balance_from $C $N $first
	fill_nodes $C $((N * 9 / 10)) $first
	smo alloc $C $((N / 10)) $second >/dev/null
	echo 1 > "$SLAB/$C/balance"
	ktap_print_msg "balance from 90/10: $(smo check $C)"
	result "balance from 90/10" balanced $C
	nbusy=$((NR_MEM > 3 ? 3 : NR_MEM - 1))
	busy=$(echo $MEMNODES | cut -d' ' -f1-$nbusy)
	result "balance from nodes $busy busy, the others empty" \
		balance_from $C $((N / nbusy)) $busy
	result "balanced slab counts differ by at most one per node" \
		slabs_even $C
	m1=$(moved_stat $C)
	echo 1 > "$SLAB/$C/balance"
	m2=$(moved_stat $C)
	ktap_print_msg "move_objects before and after a second balance: $m1 $m2"
	result "a second balance moves nothing" test "$m1" = "$m2"
	result "every object intact after moves and balances" smo_diag check $C
	result "move rejects malformed input and bad nodes, moving nothing" \
		move_rejects $C
	result "balance rejects anything but 1" balance_rejects $C
	result "move and balance refused on a cache that is not movable" \
		immovable_refused $C
	result "move and balance refused to non-root users" nonroot_refused $C
	result "move, balance and shrink under concurrent alloc and free" \
		concurrent $C
fi

# --- allocation fallback (seed 003) ------------------------------------------
# An allocation that its node cannot serve (the node has no memory, or its
# free memory is exhausted) takes objects from partial slabs on the other
# nodes before it grows the cache, and a slab that the page allocator's
# fallback provides is filed under the node its memory is on.

# Half-used slabs on node $2, all on the node lists; prints the free slots.
half_used_on() {	# cache node
	smo disable "$1" >/dev/null
	smo free "$1" all >/dev/null
	shrink "$1"
	smo alloc "$1" "$N" "$2" >/dev/null
	smo free "$1" every 2 >/dev/null
	shrink "$1"
	echo $(( $(nslabs "$1") * $(val "$1" objs_per_slab) - $(live "$1") ))
}

# SLUB's accounting of slabs per node equals the slabs the objects are in.
filed_right() {	# cache
	sysfs=$(cat "$SLAB/$1/slabs")
	counted=$(smo slabs "$1")
	ktap_print_msg "slabs: sysfs '$sysfs', from the objects '$counted'"
	[ "$sysfs" = "$counted" ]
}

skip_n() {	# count reason
	i=0
	while [ $i -lt "$1" ]; do
		ktap_test_skip "$2"
		i=$((i + 1))
	done
}

C=smo_test_600
CPUS=$(expand "$(cat /sys/devices/system/cpu/online)" | wc -w)
if [ "$NR_MEM" -lt 2 ]; then
	skip_n 4 "allocation for an exhausted node (needs 2 memory nodes)"
else
	home=${MEMNODES%% *}
	full=$(echo $MEMNODES | cut -d' ' -f2)
	free=$(half_used_on $C $home)
	want=$((free / 2))
	# slabs elsewhere than on the exhausted node
	s0=$(( $(nslabs $C) - $(node_slabs $C $full) ))
	hogged=$(smo hog $full)
	smo alloc $C $want $full >/dev/null
	s1=$(( $(nslabs $C) - $(node_slabs $C $full) ))
	on_full=$(on_node $C $full)
	smo unhog >/dev/null
	ktap_print_msg "node $full exhausted ($hogged): $want objects for it" \
		"($on_full landed there), $free free slots on node $home:" \
		"slabs on other nodes $s0 -> $s1"
	# kswapd frees a few pages of the node while the module keeps taking
	# them (about 1 % of the objects land there): allow 5 %.
	result "an exhausted node gets (almost) no new objects" \
		test $((on_full * 20)) -le "$want"
	result "an exhausted node's allocations use remote partial slabs before growing" \
		test $((s1 - s0)) -le "$CPUS"
	result "objects intact after the fallback" smo_diag check $C
	if [ -r "$SLAB/$C/slabs" ]; then
		smo hog $full >/dev/null
		smo alloc $C "$free" $full >/dev/null
		smo unhog >/dev/null
		result "slabs grown by the fallback are filed under their real node" \
			filed_right $C
	else
		ktap_test_skip "filing check needs the sysfs slabs file (CONFIG_SLUB_DEBUG)"
	fi
fi

memless=
for n in $(expand "$(cat /sys/devices/system/node/online)"); do
	case " $MEMNODES " in *" $n "*) ;; *) memless=$n ;; esac
done
if [ -z "$memless" ] || [ "$NR_MEM" -lt 1 ]; then
	skip_n 3 "allocation for a memoryless node (the layout has none)"
else
	home=${MEMNODES%% *}
	free=$(half_used_on $C $home)
	want=$((free / 2))
	s0=$(nslabs $C)
	smo alloc $C $want $memless >/dev/null
	s1=$(nslabs $C)
	ktap_print_msg "memoryless node $memless: $want objects for it," \
		"$free free slots on node $home: slabs $s0 -> $s1"
	result "a memoryless node's allocations use partial slabs before growing" \
		test $((s1 - s0)) -le "$CPUS"
	result "objects for a memoryless node intact on memory nodes" \
		test "$(on_node $C $memless)" = 0 -a "$(smo check $C >/dev/null; echo $?)" = 0
	if [ -r "$SLAB/$C/slabs" ]; then
		result "slabs for a memoryless node are filed under their real node" \
			filed_right $C
	else
		ktap_test_skip "filing check needs the sysfs slabs file (CONFIG_SLUB_DEBUG)"
	fi
fi

# --- vacate: memory offlining and alloc_contig_range() ------------------------
# Slab pages of a movable cache no longer stop a memory block from going
# offline, or a contiguous allocation from taking their range; those of
# other caches still do.

now() {	# seconds since boot, 1/100 s precision
	cut -d' ' -f1 /proc/uptime
}

# Objects of the cache in block $3 of $2 bytes (0 if none).
in_block() {	# cache bytes block
	c=$(smo blocks "$1" "$2" | tr ' ' '\n' | sed -n "s/^B$3=//p")
	echo "${c:-0}"
}

# Try to offline memory block $1; 60 s at most (a signal ends it).
offline() {	# block
	timeout 60 sh -c "echo offline > $MEMSYS/memory$1/state" 2>/dev/null
}

vacate_concurrent() {	# cache
	smo enable "$1" >/dev/null
	smo free "$1" all >/dev/null
	smo alloc "$1" "$N" >/dev/null
	smo free "$1" random 21 50 >/dev/null
	smo stress start "$1" >/dev/null || return 1
	# at most 64 slabs: KASAN drains its quarantine for each
	out=$(smo vacate "$1" 64)
	r=$?
	stress=$(smo stress stop)
	rs=$?
	ktap_print_msg "vacate under stress: $out; $stress"
	freed=$(echo "$out" | sed -n 's/.*freed=\([0-9]*\).*/\1/p')
	[ $r = 0 ] && [ $rs = 0 ] && [ "${freed:-0}" -gt 0 ] &&
		smo check "$1" >/dev/null
}

vacate_immovable() {	# cache
	smo disable "$1" >/dev/null
	out=$(smo vacate "$1")
	ktap_print_msg "vacate without mobility: $out"
	echo "$out" | grep -q 'freed=0$' && smo check "$1" >/dev/null
}

MEMSYS=/sys/devices/system/memory
C=smo_test_600
D=smo_test_64
result "vacate empties slabs under concurrent alloc and free" \
	vacate_concurrent $C
result "vacate leaves the slabs of a cache without mobility alone" \
	vacate_immovable $C
smo free $C all >/dev/null

far=$(echo $MEMNODES | awk '{ print $NF }')
if [ ! -r "$MEMSYS/block_size_bytes" ] || [ "$NR_MEM" -lt 2 ]; then
	skip_n 9 "offline and contig (needs memory hotplug and 2 memory nodes)"
else
	BS=$((0x$(cat $MEMSYS/block_size_bytes)))
	PB=2097152	# pageblock (x86-64)
	# bookkeeping (the module's XArrays) from node 0, objects on $far
	taskset -p 1 $$ >/dev/null 2>&1
	smo disable $C >/dev/null
	smo free $C all >/dev/null
	shrink $C
	# Blocks hold pages the kernel allocated at boot: leave the node one
	# entirely free block, so that the objects land in it alone.
	ktap_print_msg "$(smo hog $far block $BS)"
	smo alloc $C $N $far >/dev/null
	smo unhog >/dev/null
	blocks=$(smo blocks $C $BS | tr ' ' '\n' | sed -n 's/^B\([0-9]*\)=.*/\1/p' | head -3)
	ktap_print_msg "objects per memory block ($BS bytes): $(smo blocks $C $BS)"
	pblock=$(smo blocks $C $PB | sed -n 's/^B\([0-9]*\)=.*/\1/p')
	pfn=$((pblock * PB / 4096))
	before=$(in_block $C $PB "$pblock")

	bad=0
	for b in $blocks; do
		if offline "$b"; then
			ktap_print_msg "block $b went offline without mobility"
			echo online > "$MEMSYS/memory$b/state"
			bad=1
		fi
	done
	result "offline fails while slabs without mobility fill the blocks" \
		test "$bad" = 0 -a -n "$blocks"
	result "contig fails on a pageblock of slabs without mobility" \
		test "$(smo contig $pfn 512 2>/dev/null; echo $?)" != 0
	result "objects intact and in place after the failures" \
		test "$(in_block $C $PB "$pblock")" = "$before" \
		-a "$(smo check $C >/dev/null; echo $?)" = 0

	smo enable $C >/dev/null
	m0=$(smo stats $C | sed 's/moved=\([0-9]*\).*/\1/')
	t0=$(now)
	smo contig $pfn 512 >/dev/null
	rc=$?
	t1=$(now)
	m1=$(smo stats $C | sed 's/moved=\([0-9]*\).*/\1/')
	ktap_print_msg "contig of pageblock $pblock ($before objects): rc $rc," \
		"$((m1 - m0)) objects moved, $t0 -> $t1 s"
	result "contig succeeds on the same pageblock with mobility" test $rc = 0
	result "the pageblock's objects left it, intact" \
		test "$(in_block $C $PB "$pblock")" = 0 \
		-a "$(smo check $C >/dev/null; echo $?)" = 0

	done_block=
	for b in $blocks; do
		objs=$(in_block $C $BS "$b")
		t0=$(now)
		m0=$(smo stats $C | sed 's/moved=\([0-9]*\).*/\1/')
		if offline "$b"; then
			t1=$(now)
			m1=$(smo stats $C | sed 's/moved=\([0-9]*\).*/\1/')
			ktap_print_msg "block $b ($objs objects) offline with mobility:" \
				"$((m1 - m0)) objects moved, $t0 -> $t1 s"
			done_block=$b
			break
		fi
		ktap_print_msg "block $b ($objs objects) stayed online (other unmovable pages?)"
	done
	result "offline succeeds with mobility" test -n "$done_block"
	result "the offlined block's objects are intact on other memory" \
		test -n "$done_block" -a "$(in_block $C $BS "${done_block:-x}")" = 0 \
		-a "$(smo check $C >/dev/null; echo $?)" = 0
	if [ -n "$done_block" ]; then
		echo online > "$MEMSYS/memory$done_block/state"
	fi
	result "the block comes back online" \
		test -z "$done_block" -o \
		"$(cat "$MEMSYS/memory${done_block:-x}/state" 2>/dev/null)" = online
	smo free $C all >/dev/null

	# a cache without mobility: offline still fails, cleanly
	smo disable $D >/dev/null
	smo free $D all >/dev/null
	smo hog $far block $BS >/dev/null
	smo alloc $D $((N * 4)) $far >/dev/null
	smo unhog >/dev/null
	b=$(smo blocks $D $BS | sed -n 's/^B\([0-9]*\)=.*/\1/p')
	before=$(in_block $D $BS "$b")
	r=0
	if offline "$b"; then
		echo online > "$MEMSYS/memory$b/state"
		r=1
	fi
	ktap_print_msg "block $b with $before objects of $D: offline refused ($r)"
	result "offline fails on the slabs of a cache without mobility" \
		test $r = 0 -a "$(in_block $D $BS "$b")" = "$before" \
		-a "$(smo check $D >/dev/null; echo $?)" = 0
	smo free $D all >/dev/null
	taskset -p "$(printf '%x' $(( (1 << CPUS) - 1 )))" $$ >/dev/null 2>&1
fi

for C in $CACHES; do
	smo free $C all >/dev/null
	smo disable $C >/dev/null
done
result "module unloads" rmmod test_slub_movable
ktap_finished
