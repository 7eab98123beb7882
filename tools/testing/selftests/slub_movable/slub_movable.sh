#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Movable slab objects: drive the test_slub_movable module and check what
# /sys/kernel/slab/<cache>/ says after shrink, conditional defragmentation,
# NUMA move and balance, allocations for an exhausted or a memoryless
# node, vacate, memory offlining and alloc_contig_range().
#
# Needs root and the options in ./config; SMO_OBJECTS sets the number of
# objects per scenario (default 20000).  A test that cannot run says why
# after "# SKIP", always in one of these words (a complete ./config on the
# machine's NUMA layout leaves only the first two possible):
#   "needs 2 memory nodes"            one node with memory
#   "needs a memoryless node"         every online node has memory
#   "needs CONFIG_SLUB_DEBUG"         no /sys/kernel/slab/<cache>/slabs
#   "needs CONFIG_SMO_NODE"           no /sys/kernel/slab/<cache>/move
#   "needs CONFIG_MEMORY_HOTPLUG"     no /sys/devices/system/memory
#   "needs CONFIG_TEST_SLUB_MOVABLE=m" the test module is built in
# and the whole run is skipped ("1..0 # SKIP") without root ("must be run
# as root") or without the module ("needs CONFIG_TEST_SLUB_MOVABLE").
# Where /proc/config.gz or /boot/config-$(uname -r) says that the option
# is set, its feature missing is a failure, not a skip.
#
# What the script changes on the machine, and what the cleanup trap (on
# EXIT, INT, TERM and HUP: when the tests pass, fail or are interrupted)
# puts back:
# - debugfs is mounted on /sys/kernel/debug if it was not: unmounted.
# - test_slub_movable is loaded if it was not: unloaded, which frees every
#   object, page and thread the module holds.  If it was loaded, it is
#   loaded afresh at the start (the tests need its caches as new, so the
#   objects it held are gone) and is loaded again at exit, after the
#   "module unloads" test.  Whatever the module still holds at exit is
#   given back first: stress threads stopped, pages given back, objects
#   freed, caches immovable, defrag_used_ratio as it was.
# - Memory blocks of the last memory node are taken offline (most of the
#   attempts are meant to be refused): any block this script tried that is
#   offline at exit is onlined again, into ZONE_MOVABLE if it was there.
# - The CPU affinity of this shell is CPU 0 during the offline tests: its
#   earlier mask is restored.
# - For a few seconds at a time the module takes every free page of one
#   node ("hog", even below the watermarks), so other allocations on that
#   node fall back to other nodes or reclaim meanwhile: the pages are given
#   back ("unhog") after each test and by the trap.
# Nothing else: no file outside sysfs and debugfs, no cgroup, no
# drop_caches.  Only the module's two caches are shrunk, moved and
# balanced.

DIR=$(dirname "$0")
. "$DIR/../kselftest/ktap_helpers.sh"
. "$DIR/smo_lib.sh"


# The SKIP reasons (see the header).
R_2NODES="needs 2 memory nodes"
R_MEMLESS="needs a memoryless node"

NUMA_TESTS=14
EXHAUSTED_TESTS=4
MEMLESS_TESTS=3
OFFLINE_TESTS=9

# --- cleanup ------------------------------------------------------------------
MOUNTED_DEBUGFS=0
MOD_WAS_LOADED=0
MOD_LOADED_HERE=0
AFFINITY=
TRIED_BLOCKS=
CLEANED=0

# The module's state as the script found it: nothing allocated, nothing
# movable, no thread, no page held, the ratios as they were.
module_reset() {
	echo "stress stop" > "$CTL" 2>/dev/null
	echo "xa stop" > "$CTL" 2>/dev/null
	echo unhog > "$CTL" 2>/dev/null
	for c in $CACHES; do
		echo "free $c all" > "$CTL" 2>/dev/null
		echo "disable $c" > "$CTL" 2>/dev/null
		eval "r=\${RATIO_$c:-}"
		[ -n "$r" ] && echo "$r" > "$SLAB/$c/defrag_used_ratio" 2>/dev/null
	done
}

cleanup() {
	[ "$CLEANED" = 1 ] && return
	CLEANED=1
	trap '' INT TERM HUP	# finish, whatever comes
	for b in $TRIED_BLOCKS; do
		if [ "$(cat "$MEMSYS/memory$b/state" 2>/dev/null)" = offline ]; then
			block_online "$b" ||
				ktap_print_msg "cleanup: memory block $b stays offline"
		fi
	done
	[ -e "$CTL" ] && module_reset
	if [ "$MOD_WAS_LOADED" = 1 ]; then
		module_loaded || modprobe "$MODULE" ||
			ktap_print_msg "cleanup: modprobe $MODULE failed"
	elif [ "$MOD_LOADED_HERE" = 1 ] && module_loaded; then
		rmmod "$MODULE" || ktap_print_msg "cleanup: rmmod $MODULE failed"
	fi
	cleanup_affinity_debugfs
}

set_traps

# --- helpers ------------------------------------------------------------------

has_line() {	# file regex
	grep -q "$2" "$1"
}

both_callbacks() {	# cache
	has_line "$SLAB/$1/ops" '^isolate : smo_isolate' &&
	has_line "$SLAB/$1/ops" '^migrate : smo_migrate' &&
	has_line "$SLAB/$1/ops" '^ctor : smo_ctor'
}

only_ctor() {	# cache: ops lists the constructor and nothing else
	ops=$(cat "$SLAB/$1/ops") || return 1
	[ -n "$ops" ] && [ "$ops" = "$(echo "$ops" | grep '^ctor : smo_ctor')" ]
}

# total of a sysfs counter ("N N0=a N1=b" -> N)
val() {
	v=$(cut -d' ' -f1 "$SLAB/$1/$2")
	echo "${v:-0}"
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
	s=$(slabs_of "$1" | cut -d' ' -f1)
	echo "${s:-0}"
}

node_slabs() {	# cache node
	c=$(slabs_of "$1" | tr ' ' '\n' | sed -n "s/^N$2=//p")
	echo "${c:-0}"
}

# Nodes that hold objects of the cache.
nodes_used() {
	smo check "$1" | tr ' ' '\n' | grep -c '^N[0-9]'
}

# optimum CACHE: slabs needed for the live objects.
optimum() {
	ops=$(val "$1" objs_per_slab)
	n=$(live "$1")
	[ "$ops" -gt 0 ] || { echo 0; return; }
	echo $(( (n + ops - 1) / ops ))
}

# Objects the module's migrate callback moved so far (any config).
moved() {	# cache
	m=$(smo stats "$1" | sed -n 's/^moved=\([0-9]*\).*/\1/p')
	echo "${m:-0}"
}

# A write that must fail and leave the file's content as it was.
rejects() {	# file value
	[ -e "$1" ] || { ktap_print_msg "no $1"; return 1; }
	before=$(cat "$1") || return 1
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

# --- start --------------------------------------------------------------------
module_start
for c in $CACHES; do
	eval "RATIO_$c=\$(cat \"\$SLAB/\$c/defrag_used_ratio\" 2>/dev/null)"
done
AFFINITY=$(taskset -p $$ 2>/dev/null | awk '{ print $NF }')
module_reset

ktap_set_plan $((38 + NUMA_TESTS + EXHAUSTED_TESTS + MEMLESS_TESTS + \
		 2 + OFFLINE_TESTS))

# --- interfaces -----------------------------------------------------------
C=smo_test_600
result "module self-test" smo_diag selftest
result "ops lists only the ctor without mobility" only_ctor $C
step smo enable $C >/dev/null
result "ops lists isolate and migrate with mobility" both_callbacks $C
step smo disable $C >/dev/null
result "disable removes the callbacks from ops" only_ctor $C
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
step write 30 "$SLAB/$C/defrag_used_ratio"
result "shrink rejects '2'" rejects "$SLAB/$C/shrink" 2

control_rejects() {
	bad=0
	for cmd in "alloc $C" "alloc $C -5" "alloc $C 1 9999" "free $C every 0" \
		   "free $C random 1 101" "enable" "enable nosuch" "defrag 9999" \
		   "check" "frob" "mapping" "mapping / /" "mapping /smo/none" \
		   "movecheck" "movecheck nosuch" "movecheck $C frob"; do
		if echo "$cmd" > "$CTL" 2>/dev/null; then
			ktap_print_msg "control accepted '$cmd'"
			bad=1
		fi
	done
	# and it still takes a good one
	[ $bad = 0 ] && smo_diag check $C
}
result "control rejects malformed commands" control_rejects

# --- shrink -----------------------------------------------------------------
keeps_slabs() {
	positive "$before" "slabs before the shrink" &&
	positive "$after" "slabs after the shrink" &&
	[ $((after * 100)) -ge $((before * 95)) ]
}

reaches_optimum() {
	positive "$(live $C)" "objects of $C" &&
	positive "$before" "slabs before the shrink" &&
	[ "$after" -le "$max" ]
}

little_waste() {
	positive "$(live $C)" "objects of $C" &&
	[ "$waste" -lt $((ops * $(nodes_used $C))) ]
}

for C in $CACHES; do
	step smo disable $C >/dev/null
	step fragment $C random 7 80
	before=$(nslabs $C)
	step shrink $C
	after=$(nslabs $C)
	opt=$(optimum $C)
	ktap_print_msg "$C without mobility: $before slabs, $after after shrink, optimum $opt"
	result "$C: shrink without mobility keeps the slabs" keeps_slabs
	result "$C: objects intact after shrink" intact $C

	step smo enable $C >/dev/null
	for pattern in "random 11 80" "random 12 50" "random 13 95" \
		       "every 3" "count $((N / 2)) 0"; do
		step fragment $C $pattern
		before=$(nslabs $C)
		step shrink $C
		after=$(nslabs $C)
		opt=$(optimum $C)
		max=$((opt + $(nodes_used $C)))
		ktap_print_msg "$C free $pattern: $before slabs, $after after shrink, optimum $opt"
		result "$C: shrink after 'free $pattern' reaches the optimum" \
			reaches_optimum
	done
	result "$C: every object intact after the moves" intact $C
	ops=$(val $C objs_per_slab)
	waste=$(( $(nslabs $C) * ops - $(live $C) ))
	ktap_print_msg "$C: $waste free slots, partial $(cat $SLAB/$C/partial)"
	result "$C: less than one slab of free slots per node" little_waste
done

# --- conditional defragmentation and defrag_used_ratio ----------------------
C=smo_test_600
step smo enable $C >/dev/null
step fragment $C every 2		# every slab about half used
before=$(nslabs $C)
step write 30 "$SLAB/$C/defrag_used_ratio"
freed=$(smo defrag | sed -n 's/^freed=//p')
mid=$(nslabs $C)
ktap_print_msg "ratio 30: $before slabs, $mid after defrag (freed $freed)"
# "freed" counts only the slabs the pass emptied (the slab count may also
# drop because the pass drains KASAN's quarantine).  A few slabs may end
# up sparser than 30 %: 1 % of them, plus the last slab each CPU filled
# on each node (two per CPU here), may be emptied.
ncpu=$(grep -c '^processor' /proc/cpuinfo)
ktap_print_msg "bound: $((before / 100)) (1 % of the slabs) + $((2 * ncpu)) (2 per CPU)"
leaves_half_used() {
	positive "$before" "slabs before the pass" &&
	[ -n "$freed" ] && [ "$freed" -le $((before / 100 + 2 * ncpu)) ]
}
result "defrag at ratio 30 leaves half-used slabs alone" leaves_half_used
step write 60 "$SLAB/$C/defrag_used_ratio"
freed=$(smo defrag | sed -n 's/^freed=//p')
after=$(nslabs $C)
ktap_print_msg "ratio 60: $mid slabs, $after after defrag (freed $freed)"
empties_half_used() {
	positive "$mid" "slabs before the pass" && positive "$freed" "slabs freed" &&
	[ "$after" -lt $((mid * 3 / 4)) ]
}
result "defrag at ratio 60 empties half-used slabs" empties_half_used
result "defrag objects intact" intact $C
step write 30 "$SLAB/$C/defrag_used_ratio"

# --- NUMA: move and balance (CONFIG_SMO_NODE) --------------------------------

# Objects of the cache on node $2, as the module counts them.
on_node() {
	c=$(smo check "$1" | tr ' ' '\n' | sed -n "s/^N$2=//p")
	echo "${c:-0}"
}

# Every memory node holds T/M or T/M + 1 objects (the rule of
# kmem_cache_balance()).
balanced() {	# cache
	total=$(live "$1")
	positive "$total" "objects of $1" || return 1
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
	positive "$(nslabs "$1")" "slabs of $1" || return 1
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
	positive "$(live "$1")" "objects of $1" || return 1
	for n in $MEMNODES; do
		write "N$n" "$SLAB/$1/move" || return 1
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
	smo free "$c" all >/dev/null || return 1
	for node in "$@"; do
		smo alloc "$c" "$n" "$node" >/dev/null || return 1
	done
}

balance_from() {	# cache count node...: fill, balance, check the rule
	fill_nodes "$@" || return 1
	c=$1
	shift 2
	write 1 "$SLAB/$c/balance" || return 1
	ktap_print_msg "balance from nodes $*: $(smo check "$c")"
	balanced "$c"
}

defragmented_on() {	# cache node: objects, slabs
	positive "$objs" "objects on node $2" && positive "$ops" "objs_per_slab" &&
	[ "$slabs" -le $(( (objs + ops - 1) / ops + 1 )) ]
}

# The module's moved counter shows that the first balance moved objects
# and the second none; so does move_objects where SLUB_STATS provides it.
second_balance_idle() {
	positive "$m1" "objects the balances so far moved" &&
	[ "$m1" -gt "$m0" ] && [ "$m2" = "$m1" ] &&
	[ -n "$s1" ] && [ "$s2" = "$s1" ]
}

move_stat() {	# cache: SLUB_STATS's move_objects, or "none"
	if [ -r "$SLAB/$1/move_objects" ]; then
		cut -d' ' -f1 "$SLAB/$1/move_objects"
	else
		echo none
	fi
}

# Writes to move that must fail and move nothing.
move_rejects() {	# cache
	before=$(smo check "$1") || return 1
	positive "$(live "$1")" "objects of $1" || return 1
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
	[ "$bad" = 0 ] && [ "$(smo check "$1")" = "$before" ] &&
		write "N$first" "$SLAB/$1/move"	# a good one still works
}

balance_rejects() {	# cache
	bad=0
	for v in 0 2 11 abc "1 1" -1; do
		if echo "$v" > "$SLAB/$1/balance" 2>/dev/null; then
			ktap_print_msg "balance accepted '$v'"
			bad=1
		fi
	done
	[ "$bad" = 0 ] && write 1 "$SLAB/$1/balance"
}

immovable_refused() {	# cache
	smo disable "$1" >/dev/null || return 1
	r=0
	echo N0 > "$SLAB/$1/move" 2>/dev/null && r=1
	echo 1 > "$SLAB/$1/balance" 2>/dev/null && r=1
	smo enable "$1" >/dev/null || return 1
	[ $r = 0 ] && write 1 "$SLAB/$1/balance"	# movable again: taken
}

# Writes as another user fail for want of permission, not because su or
# the shell failed, and move nothing.
nonroot_refused() {	# cache
	command -v su >/dev/null || { ktap_print_msg "no su"; return 1; }
	uid=$(su -s /bin/sh nobody -c 'id -u' 2>&1)
	case $uid in
	''|0|*[!0-9]*) ktap_print_msg "su nobody does not work: '$uid'"; return 1 ;;
	esac
	before=$(smo check "$1") || return 1
	r=0
	for w in "N$first move" "1 balance"; do
		err=$(su -s /bin/sh nobody -c "echo ${w% *} > $SLAB/$1/${w#* }" 2>&1) && r=1
		case $err in
		*"ermission denied"*) ;;
		*) ktap_print_msg "uid $uid, ${w#* }: '$err'"; r=1 ;;
		esac
	done
	[ $r = 0 ] && [ "$(smo check "$1")" = "$before" ]
}

# One stress thread on the last online CPU while this shell, pinned to the
# first, writes: a thread on every CPU of a guest with more vCPUs than its
# host has CPUs leaves lock holders waiting for a host CPU (under TCG, 4 vCPUs
# on 2 host CPUs: 531 s for the step below instead of seconds).
stress_start() {	# cache
	lastcpu=$(expand "$(cat /sys/devices/system/cpu/online)" |
		awk '{ print $NF }')
	taskset -p 1 $$ >/dev/null || return 1
	smo stress start "$1" "$lastcpu" 256 >/dev/null && return 0
	taskset -p "$AFFINITY" $$ >/dev/null
	return 1
}

stress_stop() {	# prints the result line
	smo stress stop
	rs=$?
	taskset -p "$AFFINITY" $$ >/dev/null
	return $rs
}

# Moves, balances and shrinks while a thread allocates, verifies and frees
# objects of the same cache.
concurrent() {	# cache
	stress_start "$1" || return 1
	r=0
	for n in $MEMNODES; do
		write "N$n" "$SLAB/$1/move" || r=1
	done
	write 1 "$SLAB/$1/balance" || r=1
	write 1 "$SLAB/$1/shrink" || r=1
	out=$(stress_stop) || r=1
	ktap_print_msg "stress: $out"
	positive "$(echo "$out" | sed -n 's/^ops=\([0-9]*\).*/\1/p')" "stress ops" || r=1
	[ $r = 0 ] && intact "$1"
}

C=smo_test_600
MEMNODES=$(expand "$(cat /sys/devices/system/node/has_normal_memory)")
NR_MEM=$(echo $MEMNODES | wc -w)
first=${MEMNODES%% *}
second=$(echo $MEMNODES | cut -d' ' -f2)
if [ "$NR_MEM" -lt 2 ]; then
	skip_n $NUMA_TESTS "NUMA move and balance" "$R_2NODES"
elif [ ! -e "$SLAB/$C/move" ]; then
	missing SMO_NODE $NUMA_TESTS "NUMA move and balance"
else
	per=$((N / NR_MEM))
	step smo enable $C >/dev/null
	step fill_nodes $C $per $MEMNODES
	result "move to every node in turn puts every object there" \
		move_everywhere $C
	step fill_nodes $C $per $MEMNODES
	keep=$(on_node $C $second)
	step write "N$first N$second" "$SLAB/$C/move"
	got="$(on_node $C $first).$(on_node $C $second)"
	result "move N$first N$second empties node $first into node $second" \
		test "$got" = "0.$((keep + per))"
	step smo free $C random 3 80 >/dev/null
	step write "N$second N$second" "$SLAB/$C/move"
	ops=$(val $C objs_per_slab)
	objs=$(on_node $C $second)
	slabs=$(node_slabs $C $second)
	ktap_print_msg "node $second: $objs objects in $slabs slabs"
	result "move N$second N$second defragments node $second" \
		defragmented_on $C $second
	result "balance from everything on node $first" \
		balance_from $C $N $first
	step fill_nodes $C $((N * 9 / 10)) $first
	step smo alloc $C $((N / 10)) $second >/dev/null
	step write 1 "$SLAB/$C/balance"
	ktap_print_msg "balance from 90/10: $(smo check $C)"
	result "balance from 90/10" balanced $C
	nbusy=$((NR_MEM > 3 ? 3 : NR_MEM - 1))
	busy=$(echo $MEMNODES | cut -d' ' -f1-$nbusy)
	m0=$(moved $C)
	result "balance from nodes $busy busy, the others empty" \
		balance_from $C $((N / nbusy)) $busy
	result "balanced slab counts differ by at most one per node" \
		slabs_even $C
	m1=$(moved $C)
	s1=$(move_stat $C)
	step write 1 "$SLAB/$C/balance"
	m2=$(moved $C)
	s2=$(move_stat $C)
	ktap_print_msg "objects moved (module) before the balance, after it, after" \
		"a second one: $m0 $m1 $m2; move_objects (SLUB_STATS) $s1 $s2"
	result "a second balance moves nothing" second_balance_idle
	result "every object intact after moves and balances" intact $C
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

# Half-used slabs on node $2, all on the node lists; FREE gets the free
# slots.
half_used_on() {	# cache node
	smo disable "$1" >/dev/null &&
	smo free "$1" all >/dev/null &&
	shrink "$1" &&
	smo alloc "$1" "$N" "$2" >/dev/null &&
	smo free "$1" every 2 >/dev/null &&
	shrink "$1" || return 1
	FREE=$(( $(nslabs "$1") * $(val "$1" objs_per_slab) - $(live "$1") ))
}

# SLUB's accounting of slabs per node equals the slabs the objects are in.
filed_right() {	# cache
	sysfs=$(cat "$SLAB/$1/slabs")
	counted=$(smo slabs "$1")
	ktap_print_msg "slabs: sysfs '$sysfs', from the objects '$counted'"
	positive "${sysfs%% *}" "slabs of $1" && [ "$sysfs" = "$counted" ]
}

exhausted_unused() {
	positive "$want" "objects asked for the exhausted node" &&
	[ $((on_full * 20)) -le "$want" ]
}

no_growth() {	# the slab counts s0 and s1 are numbers
	positive "$want" "objects asked for" &&
	positive "$s1" "slabs after" && [ $((s1 - s0)) -le "$CPUS" ]
}

memless_intact() {
	positive "$want" "objects asked for the memoryless node" &&
	[ "$(on_node $C $memless)" = 0 ] && intact $C
}

C=smo_test_600
CPUS=$(expand "$(cat /sys/devices/system/cpu/online)" | wc -w)
if [ "$NR_MEM" -lt 2 ]; then
	skip_n $EXHAUSTED_TESTS "allocation for an exhausted node" "$R_2NODES"
else
	home=${MEMNODES%% *}
	full=$(echo $MEMNODES | cut -d' ' -f2)
	FREE=0
	step half_used_on $C $home
	want=$((FREE / 2))
	# slabs elsewhere than on the exhausted node
	s0=$(( $(nslabs $C) - $(node_slabs $C $full) ))
	hogged=$(smo hog $full)
	step positive "$(echo "$hogged" | sed -n 's/^pages=\([0-9]*\).*/\1/p')" \
		"pages taken from node $full"
	step smo alloc $C $want $full >/dev/null
	s1=$(( $(nslabs $C) - $(node_slabs $C $full) ))
	on_full=$(on_node $C $full)
	smo unhog >/dev/null
	ktap_print_msg "node $full exhausted ($hogged): $want objects for it" \
		"($on_full landed there), $FREE free slots on node $home:" \
		"slabs on other nodes $s0 -> $s1 (bound: +$CPUS, one per CPU)"
	# kswapd frees a few pages of the node while the module keeps taking
	# them (about 1 % of the objects land there): allow 5 %.
	result "an exhausted node gets (almost) no new objects" exhausted_unused
	result "an exhausted node's allocations use remote partial slabs before growing" \
		no_growth
	result "objects intact after the fallback" intact $C
	if [ -r "$SLAB/$C/slabs" ]; then
		step smo hog $full >/dev/null
		step smo alloc $C "$FREE" $full >/dev/null
		smo unhog >/dev/null
		result "slabs grown by the fallback are filed under their real node" \
			filed_right $C
	else
		skip_n 1 "slabs grown by the fallback are filed under their real node" \
			"needs CONFIG_SLUB_DEBUG"
	fi
fi

memless=
for n in $(expand "$(cat /sys/devices/system/node/online)"); do
	case " $MEMNODES " in *" $n "*) ;; *) memless=$n ;; esac
done
if [ -z "$memless" ]; then
	skip_n $MEMLESS_TESTS "allocation for a memoryless node" "$R_MEMLESS"
else
	home=${MEMNODES%% *}
	FREE=0
	step half_used_on $C $home
	want=$((FREE / 2))
	s0=$(nslabs $C)
	step smo alloc $C $want $memless >/dev/null
	s1=$(nslabs $C)
	ktap_print_msg "memoryless node $memless: $want objects for it," \
		"$FREE free slots on node $home: slabs $s0 -> $s1 (bound: +$CPUS)"
	result "a memoryless node's allocations use partial slabs before growing" \
		no_growth
	result "objects for a memoryless node intact on memory nodes" \
		memless_intact
	if [ -r "$SLAB/$C/slabs" ]; then
		result "slabs for a memoryless node are filed under their real node" \
			filed_right $C
	else
		skip_n 1 "slabs for a memoryless node are filed under their real node" \
			"needs CONFIG_SLUB_DEBUG"
	fi
fi

# --- vacate: memory offlining and alloc_contig_range() ------------------------
# Slab pages of a movable cache no longer stop a memory block from going
# offline, or a contiguous allocation from taking their range; those of
# other caches still do.

vacate_concurrent() {	# cache
	smo enable "$1" >/dev/null &&
	smo free "$1" all >/dev/null &&
	smo alloc "$1" "$N" >/dev/null &&
	smo free "$1" random 21 50 >/dev/null &&
	stress_start "$1" || return 1
	# at most 64 slabs: KASAN drains its quarantine for each
	out=$(smo vacate "$1" 64)
	r=$?
	stress=$(stress_stop)
	rs=$?
	ktap_print_msg "vacate under stress: $out; $stress"
	freed=$(echo "$out" | sed -n 's/.*freed=\([0-9]*\).*/\1/p')
	[ $r = 0 ] && [ $rs = 0 ] && positive "$freed" "slabs vacated" &&
		intact "$1"
}

vacate_immovable() {	# cache
	smo disable "$1" >/dev/null || return 1
	out=$(smo vacate "$1") || return 1
	ktap_print_msg "vacate without mobility: $out"
	positive "$(echo "$out" | sed -n 's/^slabs=\([0-9]*\).*/\1/p')" "slabs tried" &&
	echo "$out" | grep -q 'freed=0$' && intact "$1"
}

offline_refused() {	# the blocks in $blocks
	[ -n "$blocks" ] || { ktap_print_msg "no block holds objects"; return 1; }
	bad=0
	for b in $blocks; do
		if offline "$b"; then
			ktap_print_msg "block $b went offline without mobility"
			block_online "$b"
			bad=1
		else
			refused_busy || bad=1
		fi
	done
	[ "$bad" = 0 ]
}

contig_refused() {
	positive "$before" "objects in pageblock '$pblock'" || return 1
	err=$(smo contig $pfn 512 2>&1) && { ktap_print_msg "contig succeeded"; return 1; }
	case $err in
	*[Bb]usy*) return 0 ;;
	esac
	ktap_print_msg "contig failed, but not with EBUSY: '$err'"
	return 1
}

in_place() {
	positive "$before" "objects in pageblock '$pblock'" &&
	[ "$(in_block $C $PB "$pblock")" = "$before" ] && intact $C
}

contig_taken() {
	positive "$before" "objects in pageblock '$pblock'" && [ "$rc" = 0 ]
}

left_pageblock() {
	positive "$before" "objects in pageblock '$pblock'" &&
	[ "$(in_block $C $PB "$pblock")" = 0 ] && intact $C
}

left_block() {
	[ -n "$done_block" ] && positive "$objs" "objects in block $done_block" &&
	[ "$(in_block $C $BS "$done_block")" = 0 ] && intact $C
}

back_online() {
	[ -n "$done_block" ] || { ktap_print_msg "no block went offline"; return 1; }
	block_online "$done_block" || return 1
	ktap_print_msg "block $done_block: $(cat "$MEMSYS/memory$done_block/state")," \
		"zones '$(cat "$MEMSYS/memory$done_block/valid_zones")'"
	[ "$(cat "$MEMSYS/memory$done_block/state")" = online ]
}

refused_immovable_cache() {
	positive "$before" "objects of $D in block '$b'" || return 1
	if offline "$b"; then
		block_online "$b"
		ktap_print_msg "block $b went offline without mobility"
		return 1
	fi
	refused_busy && [ "$(in_block $D $BS "$b")" = "$before" ] && intact $D
}

C=smo_test_600
D=smo_test_64
result "vacate empties slabs under concurrent alloc and free" \
	vacate_concurrent $C
result "vacate leaves the slabs of a cache without mobility alone" \
	vacate_immovable $C
step smo free $C all >/dev/null

far=$(echo $MEMNODES | awk '{ print $NF }')
if [ "$NR_MEM" -lt 2 ]; then
	skip_n $OFFLINE_TESTS "memory offline and contig" "$R_2NODES"
elif [ ! -r "$MEMSYS/block_size_bytes" ]; then
	missing MEMORY_HOTPLUG $OFFLINE_TESTS "memory offline and contig"
else
	BS=$((0x$(cat $MEMSYS/block_size_bytes)))
	PB=2097152	# pageblock (x86-64)
	# bookkeeping (the module's XArrays) from node 0, objects on $far
	step taskset -p 1 $$ >/dev/null
	step smo disable $C >/dev/null
	step smo free $C all >/dev/null
	step shrink $C
	# Blocks hold pages the kernel allocated at boot: leave the node one
	# entirely free block, so that the objects land in it alone.
	hogged=$(smo hog $far block $BS)
	ktap_print_msg "$hogged"
	offline_probe "$hogged"
	step smo alloc $C $N $far >/dev/null
	smo unhog >/dev/null
	# The blocks that hold at least a tenth of the objects: pages that
	# other CPUs' lists or RCU free on the node after the hog may take a
	# few (seen: B14=19909 B15=91), in a block that may not go offline at
	# all (EINVAL, a hole): the checks are about the filled blocks.
	blocks=$(smo blocks $C $BS | tr ' ' '\n' |
		awk -F= -v n="$N" '$2 * 10 >= n { sub(/^B/, "", $1); print $1 }')
	ktap_print_msg "objects per memory block ($BS bytes): $(smo blocks $C $BS)"
	pblock=$(fullest_block $C $PB)
	pfn=$((${pblock:-0} * PB / 4096))
	before=$(in_block $C $PB "$pblock")

	oresult "offline fails while slabs without mobility fill the blocks" \
		offline_refused
	result "contig fails on a pageblock of slabs without mobility" \
		contig_refused
	result "objects intact and in place after the failures" in_place

	step smo enable $C >/dev/null
	m0=$(moved $C)
	t0=$(now)
	smo contig $pfn 512 >/dev/null
	rc=$?
	t1=$(now)
	m1=$(moved $C)
	ktap_print_msg "contig of pageblock $pblock ($before objects): rc $rc," \
		"$((m1 - m0)) objects moved, $t0 -> $t1 s"
	result "contig succeeds on the same pageblock with mobility" contig_taken
	result "the pageblock's objects left it, intact" left_pageblock

	done_block=
	[ -n "$OFFLINE_SKIP" ] && blocks=
	for b in $blocks; do
		objs=$(in_block $C $BS "$b")
		t0=$(now)
		m0=$(moved $C)
		if offline "$b"; then
			t1=$(now)
			m1=$(moved $C)
			ktap_print_msg "block $b ($objs objects) offline with mobility:" \
				"$((m1 - m0)) objects moved, $t0 -> $t1 s"
			done_block=$b
			break
		fi
		ktap_print_msg "block $b ($objs objects) stayed online" \
			"(other unmovable pages?): '$OFFLINE_ERR'"
	done
	oresult "offline succeeds with mobility" test -n "$done_block"
	oresult "the offlined block's objects are intact on other memory" left_block
	oresult "the block comes back online" back_online
	step smo free $C all >/dev/null

	# a cache without mobility: offline still fails, cleanly
	step smo disable $D >/dev/null
	step smo free $D all >/dev/null
	smo hog $far block $BS >/dev/null
	step smo alloc $D $((N * 4)) $far >/dev/null
	smo unhog >/dev/null
	b=$(fullest_block $D $BS)
	before=$(in_block $D $BS "$b")
	ktap_print_msg "block $b holds $before objects of $D"
	oresult "offline fails on the slabs of a cache without mobility" \
		refused_immovable_cache
	step smo free $D all >/dev/null
	if [ -n "$AFFINITY" ]; then
		step taskset -p "$AFFINITY" $$ >/dev/null
	fi
fi

for C in $CACHES; do
	step smo free $C all >/dev/null
	step smo disable $C >/dev/null
done
if module_loaded; then
	result "module unloads" rmmod "$MODULE"
else
	skip_n 1 "module unloads" "needs CONFIG_TEST_SLUB_MOVABLE=m"
fi
ktap_finished
