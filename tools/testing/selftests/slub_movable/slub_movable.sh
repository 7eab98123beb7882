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

ktap_set_plan 38

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
	before=$(val $C slabs)
	shrink $C
	after=$(val $C slabs)
	opt=$(optimum $C)
	ktap_print_msg "$C without mobility: $before slabs, $after after shrink, optimum $opt"
	result "$C: shrink without mobility keeps the slabs" \
		test $((after * 100)) -ge $((before * 95))
	result "$C: objects intact after shrink" smo_diag check $C

	smo enable $C >/dev/null
	for pattern in "random 11 80" "random 12 50" "random 13 95" \
		       "every 3" "count $((N / 2)) 0"; do
		fragment $C $pattern
		before=$(val $C slabs)
		shrink $C
		after=$(val $C slabs)
		opt=$(optimum $C)
		max=$((opt + $(nodes_used $C)))
		ktap_print_msg "$C free $pattern: $before slabs, $after after shrink, optimum $opt"
		result "$C: shrink after 'free $pattern' reaches the optimum" \
			test "$after" -le "$max"
	done
	result "$C: every object intact after the moves" smo_diag check $C
	ops=$(val $C objs_per_slab)
	waste=$(( $(val $C slabs) * ops - $(live $C) ))
	ktap_print_msg "$C: $waste free slots, partial $(cat $SLAB/$C/partial)"
	result "$C: less than one slab of free slots per node" \
		test "$waste" -lt $((ops * $(nodes_used $C)))
done

# --- conditional defragmentation and defrag_used_ratio ----------------------
C=smo_test_600
smo enable $C >/dev/null
fragment $C every 2		# every slab about half used
before=$(val $C slabs)
echo 30 > "$SLAB/$C/defrag_used_ratio"
freed=$(smo defrag | sed 's/freed=//')
mid=$(val $C slabs)
ktap_print_msg "ratio 30: $before slabs, $mid after defrag (freed $freed)"
# (the slab count may drop for another reason: the pass drains KASAN's
# quarantine, which frees slabs; "freed" counts only the pass's own)
result "defrag at ratio 30 leaves half-used slabs alone" \
	test "$freed" -le "$(nodes_used $C)"
echo 60 > "$SLAB/$C/defrag_used_ratio"
freed=$(smo defrag | sed 's/freed=//')
after=$(val $C slabs)
ktap_print_msg "ratio 60: $mid slabs, $after after defrag (freed $freed)"
result "defrag at ratio 60 empties half-used slabs" \
	test "$after" -lt $((mid * 3 / 4))
result "defrag objects intact" smo_diag check $C
echo 30 > "$SLAB/$C/defrag_used_ratio"

for C in $CACHES; do
	smo free $C all >/dev/null
	smo disable $C >/dev/null
done
result "module unloads" rmmod test_slub_movable
ktap_finished
