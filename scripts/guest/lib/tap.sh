# SPDX-License-Identifier: GPL-2.0
# TAP 13 helpers for guest jobs (busybox sh).  Source it, then:
#   tap_plan N; ok COND_RC "name"; skip "name" "why"
TAP_N=0
tap_plan() { echo "TAP version 13"; echo "1..$1"; }
ok() {	# $1: exit status of the check, $2: name
	TAP_N=$((TAP_N + 1))
	if [ "$1" = 0 ]; then echo "ok $TAP_N $2"
	else echo "not ok $TAP_N $2"; TAP_FAILED=1; fi
}
skip() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N $1 # SKIP $2"; }
diag() { echo "# $*"; }
tap_done() { [ -z "${TAP_FAILED:-}" ]; }

SMO_CTL=/sys/kernel/debug/test_slub_movable/control
smo() {	# run one test-module command, print its result
	echo "$*" > $SMO_CTL || return 1
	cat $SMO_CTL
}
slab() { cat "/sys/kernel/slab/$1/$2" | cut -d' ' -f1; }	# total only

# Every object of cache $1 verified by the module, and the module's count
# equal to SLUB's (after a shrink: it drains KASAN's quarantine, whose
# freed objects count until then).  Two checks.
check_and_count() {
	out=$(smo check "$1"); r=$?
	diag "check: $out"
	ok $r "every surviving object's id and checksum verified"
	echo 1 > "/sys/kernel/slab/$1/shrink"
	if [ ! -r "/sys/kernel/slab/$1/objects" ]; then
		skip "the module's count equals SLUB's objects count" \
			"needs CONFIG_SLUB_DEBUG"
		return
	fi
	live=$(echo "$out" | sed 's/objects=\([0-9]*\).*/\1/')
	sl=$(cut -d' ' -f1 "/sys/kernel/slab/$1/objects")
	diag "module count $live, SLUB objects $sl"
	[ "$live" = "$sl" ]; ok $? "the module's count equals SLUB's objects count"
}
