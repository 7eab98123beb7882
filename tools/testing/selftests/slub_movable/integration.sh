#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Movable slab objects in the rest of the kernel: owners that call into
# SLUB under their own locks while passes run, passes that a fatal signal
# stops, validation during a pass, memory offlining that ends (with
# EBUSY) when objects cannot move, vacating that moves each object at most
# once, and a module that leaks objects and unloads: nothing may call it
# afterwards.
#
# Needs root and the options in ./config; SMO_OBJECTS sets the number of
# objects per scenario (default 20000); SMO_TESTS, if set, names the
# groups to run (owner,signal,batch,validate,offline,leak; the others are
# skipped, "not in SMO_TESTS").  A test that cannot run says why
# after "# SKIP", in one of these words:
#   "needs 2 memory nodes"            one node with memory
#   "needs CONFIG_SMO_NODE"           no /sys/kernel/slab/<cache>/move
#   "needs CONFIG_MEMORY_HOTPLUG"     no /sys/devices/system/memory
#   "needs CONFIG_TEST_SLUB_MOVABLE=m" the test module is built in
#   "needs slab_debug=U on smo_test_64" validate checks the slab counts
#                                     only of caches that store users
# and the whole run is skipped ("1..0 # SKIP") without root or without
# the module.  Where the kernel's config says that an option is set, its
# feature missing is a failure, not a skip.
#
# A test that finds SLUB deadlocked (a command that does not return in
# its time bound) fails and ends the run with "Bail out!": nothing after
# it could run.
#
# What the script changes, and what its cleanup trap puts back: as
# slub_movable.sh (debugfs, the module loaded afresh, memory blocks of the
# last memory node taken offline and onlined again, pages hogged and given
# back), and for the last test: /proc/sys/kernel/panic_on_warn is 0 while
# the module unloads with leaked objects (kmem_cache_destroy() warns about
# them); its value is restored.  The leaked objects, and their cache, stay
# until reboot: that test runs last.

DIR=$(dirname "$0")
. "$DIR/../kselftest/ktap_helpers.sh"
. "$DIR/smo_lib.sh"

R_2NODES="needs 2 memory nodes"
R_STORE_USER="needs slab_debug=U on smo_test_64"

MOUNTED_DEBUGFS=0
MOD_LOADED_HERE=0
MOD_WAS_LOADED=0
AFFINITY=
TRIED_BLOCKS=
PANIC_ON_WARN=
HUNG=
BG=
CLEANED=0
OUT=$(mktemp) || exit 1
# objects for the slow passes: 20 ms per slab, hundreds of slabs
SLOW_OBJECTS=40000

cleanup() {
	[ "$CLEANED" = 1 ] && return
	CLEANED=1
	trap '' INT TERM HUP
	[ -n "$BG" ] && kill $BG 2>/dev/null
	rm -f "$OUT"
	if [ -n "$PANIC_ON_WARN" ]; then
		echo "$PANIC_ON_WARN" > /proc/sys/kernel/panic_on_warn
	fi
	for b in $TRIED_BLOCKS; do
		if [ "$(cat "$MEMSYS/memory$b/state" 2>/dev/null)" = offline ]; then
			block_online "$b" ||
				ktap_print_msg "cleanup: memory block $b stays offline"
		fi
	done
	# a deadlocked module cannot be reset nor unloaded
	if [ -z "$HUNG" ] && [ -e "$CTL" ]; then
		echo unhog > "$CTL" 2>/dev/null
		for c in $CACHES; do
			echo "free $c all" > "$CTL" 2>/dev/null
			echo "disable $c" > "$CTL" 2>/dev/null
		done
		if [ "$MOD_LOADED_HERE" = 1 ] && [ "$MOD_WAS_LOADED" = 0 ]; then
			rmmod "$MODULE" ||
				ktap_print_msg "cleanup: rmmod $MODULE failed"
		fi
	fi
	if [ "$MOD_WAS_LOADED" = 1 ] && ! module_loaded; then
		modprobe "$MODULE" || ktap_print_msg "cleanup: modprobe $MODULE failed"
	fi
	cleanup_affinity_debugfs
}

set_traps

# bounded SECS CMD...: run CMD for at most SECS seconds, its output in
# the file $OUT.  A command that is still running then is stuck in the
# kernel (these commands do not sleep on their own): HUNG names it and
# the status is 124.
bounded() {
	secs=$1
	shift
	"$@" > "$OUT" 2>&1 &
	pid=$!
	if ! gone_within "$pid" "$secs"; then
		HUNG="$*"
		ktap_print_msg "still running after $secs s: $*"
		return 124
	fi
	wait "$pid"
}

# gone_within PID SECS: the process ends within SECS seconds.
gone_within() {
	t=0
	while kill -0 "$1" 2>/dev/null; do
		[ "$t" -ge $(($2 * 10)) ] && return 1
		sleep 0.1
		t=$((t + 1))
	done
	return 0
}

# ms_between T0 T1: milliseconds between two now() readings.
ms_between() {
	echo "$1 $2" | awk '{ printf "%d", ($2 - $1) * 1000 }'
}

# want GROUP: the group is in SMO_TESTS (or SMO_TESTS is unset)
want() {
	[ -z "${SMO_TESTS:-}" ] && return 0
	case " $(echo "$SMO_TESTS" | tr ',' ' ') " in
	*" $1 "*) return 0 ;;
	esac
	return 1
}
R_NOT="not in SMO_TESTS"

# After a test that found a deadlock, nothing else can run.
bail_if_hung() {
	[ -z "$HUNG" ] && return 0
	echo "Bail out! SLUB or the module is stuck in: $HUNG"
	exit "$KSFT_FAIL"
}

# Passes in the background on both caches, in a loop, until killed:
# shrink, and move and balance where the kernel has them.
passes() {
	while :; do
		for c in $CACHES; do
			echo 1 > "$SLAB/$c/shrink"
			if [ -e "$SLAB/$c/move" ]; then
				for n in $MEMNODES; do
					echo "N$n" > "$SLAB/$c/move"
				done
				echo 1 > "$SLAB/$c/balance"
			fi
		done 2>/dev/null
	done
}

# Fragmented objects on both caches, movable, so that passes have work.
fragmented() {
	for c in $CACHES; do
		smo enable "$c" >/dev/null &&
		smo free "$c" all >/dev/null &&
		smo alloc "$c" "$N" >/dev/null &&
		smo free "$c" random 7 60 >/dev/null || return 1
	done
}

# owner_while_passes WHAT COUNT: "owner smo_test_64 WHAT COUNT" (the owner
# holds the lock its callbacks take) while passes run on both caches.
owner_while_passes() {
	passes &
	BG=$!
	bounded 120 smo owner smo_test_64 "$1" "$2"
	r=$?
	out=$(cat "$OUT")
	kill $BG
	# a loop stuck in the kernel with the owner cannot be waited for
	[ $r = 124 ] || wait $BG 2>/dev/null
	BG=
	ktap_print_msg "owner $1 $2 under passes: status $r, '$out'"
	[ $r = 0 ] && [ "$out" = "$3=$2" ]
}

# killed_fast WHAT SECS CMD...: CMD (a long pass: the callbacks sleep)
# gets SIGKILL after 1 s and must be gone within SECS seconds.
killed_fast() {
	what=$1
	secs=$2
	shift 2
	"$@" &
	pid=$!
	sleep 1
	t0=$(now)
	kill -9 "$pid" 2>/dev/null
	if ! gone_within "$pid" 60; then
		HUNG="$what after SIGKILL"
		ktap_print_msg "$what: still running 60 s after SIGKILL"
		return 1
	fi
	t1=$(now)
	wait "$pid" 2>/dev/null
	ms=$(ms_between "$t0" "$t1")
	ktap_print_msg "$what: gone ${ms} ms after SIGKILL (bound ${secs}000 ms)"
	[ "$ms" -le $((secs * 1000)) ]
}


# A slow pass on smo_test_64: each isolate call (one per slab) sleeps
# 20 ms, so that a pass over its hundreds of slabs takes over 10 s, and a
# batch of 32 slabs 0.64 s.
slow_cache() {
	smo free smo_test_64 all >/dev/null &&
	smo alloc smo_test_64 "$SLOW_OBJECTS" "$@" >/dev/null &&
	smo free smo_test_64 every 2 >/dev/null &&
	smo enable smo_test_64 slow 20 >/dev/null
}

# slabs of smo_test_64, as the module counts them from its objects
slab_count() {
	smo slabs smo_test_64 | cut -d' ' -f1
}

# A shrink takes SMO_BATCH (32) slabs out of allocation at a time, so that
# allocations during the pass find room in the partial slabs it has not
# taken: sampled all along, the slab count never exceeds the count before
# the pass by more than one batch.
batch_growth() {
	s0=$(slab_count)
	max=$s0
	write 1 "$SLAB/smo_test_64/shrink" &
	pid=$!
	sleep 0.3
	smo alloc smo_test_64 "$((SLOW_OBJECTS / 4))" "$first" >/dev/null || return 1
	n=0
	while kill -0 $pid 2>/dev/null; do
		s=$(slab_count)
		[ "$s" -gt "$max" ] && max=$s
		n=$((n + 1))
		sleep 0.2
	done
	wait $pid
	ktap_print_msg "slabs before the shrink $s0, at most $max in $n samples" \
		"during it ($((SLOW_OBJECTS / 4)) objects allocated), $(slab_count) after;" \
		"bound $((s0 + 32))"
	[ "$n" -gt 0 ] && [ "$max" -le $((s0 + 32)) ]
}

validate_clean() {
	bad0=$(dmesg | grep -c 'counted.*but counter')
	write 1 "$SLAB/smo_test_64/shrink" &
	pid=$!
	i=0
	while [ $i -lt 10 ] && kill -0 $pid 2>/dev/null; do
		echo 1 > "$SLAB/smo_test_64/validate"
		sleep 0.2
		i=$((i + 1))
	done
	ran=$i
	wait $pid
	bad=$(($(dmesg | grep -c 'counted.*but counter') - bad0))
	ktap_print_msg "validate ran $ran times during a shrink: $bad count errors"
	[ "$ran" -gt 0 ] && [ "$bad" = 0 ]
}

# Offlining tries to vacate the block's slabs once per round and gives
# up with EBUSY after this many rounds in a row in which the number of
# slabs in the block did not go down (OFFLINE_SLAB_ROUNDS in
# mm/memory_hotplug.c).
OFFLINE_SLAB_ROUNDS=5

stat_of() {	# cache field
	smo stats "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}

# offline_ebusy_bounded <field>: offline of block $b, whose objects cannot
# move, fails with EBUSY after a bounded number of tries: each of its
# $before objects was offered to the callbacks (the stats field <field>
# counts the refusals) at least once and at most OFFLINE_SLAB_ROUNDS
# times.  The block stays online, the objects stay, intact.  Without the
# bound, offlining loops until the signal of "timeout 60" (EINTR, and
# tries without end).  The time is printed, not checked: a debug kernel
# under TCG is slow, and a kmemleak scan holds off offlining meanwhile.
offline_ebusy_bounded() {
	n0=$(stat_of smo_test_600 "$1")
	t0=$(now)
	if offline "$b"; then
		ktap_print_msg "block $b went offline although its objects cannot move"
		block_online "$b"
		return 1
	fi
	t1=$(now)
	tries=$(($(stat_of smo_test_600 "$1") - n0))
	ktap_print_msg "offline of block $b refused after" \
		"$(ms_between "$t0" "$t1") ms: '$OFFLINE_ERR'; $1 $tries times" \
		"(bounds: $before..$((OFFLINE_SLAB_ROUNDS * before)), $before objects)"
	refused_busy && [ "$before" -gt 0 ] && [ "$tries" -ge "$before" ] &&
	[ "$tries" -le $((OFFLINE_SLAB_ROUNDS * before)) ] &&
	[ "$(cat "$MEMSYS/memory$b/state")" = online ] &&
	[ "$(in_block smo_test_600 "$BS" "$b")" = "$before" ] &&
	intact smo_test_600
}

# Offline block $b from a CPU of node $far, where the moved objects
# would go first if the block's own slabs took them.
moved_once() {
	smo moves smo_test_600 reset >/dev/null || return 1
	if [ -n "$farcpu" ]; then
		offline_cmd="taskset -c $farcpu sh -c 'echo offline > $MEMSYS/memory$b/state'"
	else
		offline_cmd="echo offline > $MEMSYS/memory$b/state"
	fi
	TRIED_BLOCKS="$TRIED_BLOCKS $b"
	eval "ZONE_$b=\$(cat \"\$MEMSYS/memory\$b/valid_zones\" 2>/dev/null)"
	OFFLINE_ERR=$(timeout 120 sh -c "$offline_cmd" 2>&1) || {
		ktap_print_msg "offline of block $b failed: '$OFFLINE_ERR'"
		return 1
	}
	m=$(smo moves smo_test_600) || return 1
	ktap_print_msg "block $b ($before objects) offline from CPU '${farcpu:-any}': moves $m"
	block_online "$b" || return 1
	max=$(echo "$m" | sed -n 's/^max=\([0-9]*\).*/\1/p')
	total=$(echo "$m" | sed -n 's/.*total=\([0-9]*\).*/\1/p')
	[ "$max" = 1 ] && [ "$total" -ge "$before" ] &&
	[ "$(in_block smo_test_600 "$BS" "$b")" = 0 ] && intact smo_test_600
}

# The module leaks the objects of smo_test_600, with mobility on, and
# unloads: kmem_cache_destroy() reports them (accepted by the harness
# between the two "smo-expect" lines) and must end their mobility.
leak_unload() {
	# SLUB_DEBUG lists the objects ("BUG smo_test_600 (...): Objects
	# remaining"); CONFIG_BUG would add a WARNING
	debug=0
	[ -e "$SLAB/smo_test_600/validate" ] && debug=1
	PANIC_ON_WARN=$(cat /proc/sys/kernel/panic_on_warn)
	echo 0 > /proc/sys/kernel/panic_on_warn
	begin="smo-expect: begin slab error,WARNING: kmem_cache_destroy, leaked objects"
	[ $debug = 1 ] && echo "$begin" > /dev/kmsg
	rmmod "$MODULE"
	r=$?
	[ $debug = 1 ] && echo "smo-expect: end" > /dev/kmsg
	echo "$PANIC_ON_WARN" > /proc/sys/kernel/panic_on_warn
	PANIC_ON_WARN=
	leaked=$(dmesg | grep -c 'smo_test_600: leaking [1-9]')
	reported=$(dmesg | grep -c 'smo_test_600.*Objects remaining')
	ktap_print_msg "rmmod: status $r; leaked: $leaked;" \
		"SLUB's reports (SLUB_DEBUG $debug): $reported"
	[ $r = 0 ] && [ "$leaked" = 1 ] &&
	{ [ $debug = 0 ] || [ "$reported" -gt 0 ]; }
}

leaked_offline_refused() {
	if offline "$b"; then
		ktap_print_msg "block $b went offline: where did the leaked objects go?"
		block_online "$b"
		return 1
	fi
	refused_busy
}

leaked_contig_refused() {
	modprobe "$MODULE" || return 1
	bounded 60 smo contig "$pfn" 512 && {
		ktap_print_msg "contig over leaked slabs succeeded"
		return 1
	}
	err=$(cat "$OUT")
	case $err in
	*[Bb]usy*) return 0 ;;
	esac
	ktap_print_msg "contig failed, but not with EBUSY: '$err'"
	return 1
}

# --- start --------------------------------------------------------------------
module_start
MEMNODES=$(expand "$(cat /sys/devices/system/node/has_normal_memory)")
NR_MEM=$(echo $MEMNODES | wc -w)
far=$(echo $MEMNODES | awk '{ print $NF }')
BS=
[ -r "$MEMSYS/block_size_bytes" ] && BS=$((0x$(cat $MEMSYS/block_size_bytes)))
first=${MEMNODES%% *}

ktap_set_plan 15

# --- owners under their own locks ------------------------------------------
if ! want owner; then
	skip_n 3 "owner locks" "$R_NOT"
else
	step fragmented
	result "owner calls kmem_cache_shrink() under the lock its callbacks take, passes running" \
		owner_while_passes shrink 200 shrinks
	bail_if_hung
	result "owner creates and destroys caches under that lock, passes running" \
		owner_while_passes create 50 caches
	bail_if_hung
	result "objects intact after the owner tests" intact smo_test_64
fi

# --- fatal signals ----------------------------------------------------------
if ! want signal; then
	skip_n 3 "fatal signals" "$R_NOT"
else
step slow_cache
result "SIGKILL stops a shrink within 5 s" \
	killed_fast "shrink" 5 write 1 "$SLAB/smo_test_64/shrink"
bail_if_hung
step smo enable smo_test_64 >/dev/null
result "objects intact after the killed passes" intact smo_test_64
if [ "$NR_MEM" -lt 2 ]; then
	skip_n 1 "SIGKILL stops a move" "$R_2NODES"
elif [ ! -e "$SLAB/smo_test_64/move" ]; then
	missing SMO_NODE 1 "SIGKILL stops a move"
else
	step slow_cache "$far"
	result "SIGKILL stops a move within 5 s, objects intact" \
		killed_fast "move" 5 write "N$first" "$SLAB/smo_test_64/move"
	bail_if_hung
	step smo enable smo_test_64 >/dev/null
	step intact smo_test_64
fi
fi

# --- batches -----------------------------------------------------------------
if ! want batch; then
	skip_n 1 "shrink in batches" "$R_NOT"
else
	# objects, and the allocations during the pass, on one node: an
	# allocation for another node finds no partial slab there
	step slow_cache "$first"
	step smo free smo_test_64 random 5 50 >/dev/null
	result "allocations during a shrink grow the cache by one batch at most" \
		batch_growth
	step smo enable smo_test_64 >/dev/null
	step intact smo_test_64
	step smo free smo_test_64 all >/dev/null
fi

# --- validate during a pass -------------------------------------------------
if ! want validate; then
	skip_n 1 "validate during a pass" "$R_NOT"
elif [ "$(cat "$SLAB/smo_test_64/store_user" 2>/dev/null)" != 1 ]; then
	skip_n 1 "validate during a pass" "$R_STORE_USER"
else
	step smo free smo_test_64 all >/dev/null
	step slow_cache
	result "validate reports no count error while a pass isolates slabs" \
		validate_clean
	step smo enable smo_test_64 >/dev/null
fi
step smo free smo_test_64 all >/dev/null

# --- memory offlining ---------------------------------------------------------
# The module's bookkeeping (its XArrays, not movable) from CPU 0, on the
# first node: the objects alone in a block of the last node.
AFFINITY=$(taskset -p $$ 2>/dev/null | awk '{ print $NF }')
step taskset -p 1 $$ >/dev/null
OFFLINE_TESTS=4
if ! want offline; then
	skip_n $OFFLINE_TESTS "memory offline" "$R_NOT"
elif [ "$NR_MEM" -lt 2 ]; then
	skip_n $OFFLINE_TESTS "memory offline" "$R_2NODES"
elif [ ! -r "$MEMSYS/block_size_bytes" ]; then
	missing MEMORY_HOTPLUG $OFFLINE_TESTS "memory offline"
else
	farcpu=$(expand "$(cat /sys/devices/system/node/node$far/cpulist)" | awk '{ print $1 }')
	step smo disable smo_test_600 >/dev/null
	# The objects must go to the block the hog leaves free.  Generic
	# KASAN's quarantine frees objects freed earlier (the 20000 of
	# smo_test_64 above) at later allocations, and with them their
	# slabs: pages freed on the node after the hog took the objects
	# (seen on debug, 2node: "pages=211618 block=13", then B8=2435
	# B15=27; offline of block 8 refused at once).  Shrinking the test
	# caches empties their part of the quarantine first, and a setup
	# whose objects still missed the block is done again, 3 times.
	hogs=0
	while :; do
		step smo free smo_test_600 all >/dev/null
		for c in smo_test_64 smo_test_600; do
			echo 1 > "$SLAB/$c/shrink"
		done
		hogged=$(smo hog $far block $BS)
		ktap_print_msg "$hogged"
		offline_probe "$hogged"
		step smo alloc smo_test_600 "$N" "$far" >/dev/null
		smo unhog >/dev/null
		step smo free smo_test_600 random 11 50 >/dev/null
		b=$(fullest_block smo_test_600 $BS)
		hogs=$((hogs + 1))
		[ "block=$b" = "$(echo "$hogged" | grep -o 'block=[0-9]*')" ] ||
		[ $hogs = 3 ] && break
		ktap_print_msg "the objects missed the block" \
			"($(smo blocks smo_test_600 $BS)): again"
	done
	before=$(in_block smo_test_600 "$BS" "$b")
	ktap_print_msg "block $b holds $before objects of smo_test_600" \
		"(per block: $(smo blocks smo_test_600 $BS))"
	step smo enable smo_test_600 decline >/dev/null
	what="offline fails with EBUSY after at most $OFFLINE_SLAB_ROUNDS tries per object"
	oresult "$what when isolate pins nothing" offline_ebusy_bounded declined
	step smo enable smo_test_600 nomem >/dev/null
	oresult "$what when copies get no memory" offline_ebusy_bounded failed
	step smo enable smo_test_600 >/dev/null
	oresult "offline moves each object of the block at most once" moved_once
	oresult "the block is back online" test "$(cat "$MEMSYS/memory$b/state")" = online
fi

# --- a module that leaks objects ------------------------------------------------
if ! want leak; then
	skip_n 3 "leaked objects" "$R_NOT"
elif [ "$MOD_LOADED_HERE" != 1 ] && [ "$MOD_WAS_LOADED" != 1 ]; then
	skip_n 3 "leaked objects" "needs CONFIG_TEST_SLUB_MOVABLE=m"
elif [ "$NR_MEM" -lt 2 ] || [ ! -r "$MEMSYS/block_size_bytes" ]; then
	step smo free smo_test_600 all >/dev/null
	step smo alloc smo_test_600 1000 >/dev/null
	step smo leak smo_test_600 >/dev/null
	result "module unloads with leaked objects, reported" leak_unload
	if [ "$NR_MEM" -lt 2 ]; then
		skip_n 2 "offline and contig over leaked slabs" "$R_2NODES"
	else
		missing MEMORY_HOTPLUG 2 "offline and contig over leaked slabs"
	fi
else
	step smo free smo_test_600 all >/dev/null
	hogged=$(smo hog $far block $BS)
	offline_probe "$hogged"
	step smo alloc smo_test_600 "$N" "$far" >/dev/null
	smo unhog >/dev/null
	b=$(fullest_block smo_test_600 $BS)
	PB=2097152
	pblock=$(fullest_block smo_test_600 $PB)
	pfn=$((${pblock:-0} * PB / 4096))
	ktap_print_msg "leaking $(smo leak smo_test_600) in block $b, pageblock $pblock"
	result "module unloads with leaked objects, reported" leak_unload
	oresult "offline over the leaked slabs fails with EBUSY" leaked_offline_refused
	result "contig over the leaked slabs fails with EBUSY" leaked_contig_refused
	bail_if_hung
fi
ktap_finished
