# SPDX-License-Identifier: GPL-2.0
# make walkers (and, shorter, make test): CPU 0 creates and frees slabs of
# a movable cache in a tight loop (a stress thread allocating 2048 objects
# of 600 bytes, about 38 slabs, then freeing them, round after round) while
# CPU 1 runs every page-frame walker over the same node: move "N0 N1" and
# "N1 N0", balance, kmem_cache_vacate() of the cache's slabs, and shrink.
# Slabs being set up and torn down are what the walkers must never take
# (see isolate_slab_folio() in mm/slub.c).  On x86 (TSO) this cannot show
# a missing barrier between allocate_slab()'s stores and the walker's
# loads; it shows the rest of the race (frozen bits, lists, lifetimes),
# and KASAN/lockdep on the debug config.  Topology 2node: CPU 0 on node 0,
# CPU 1 on node 1.  SMO_WALK_SECONDS: how long (default 60).
. /smo/tap.sh
tap_plan 8
C=smo_test_600
S=/sys/kernel/slab/$C
T=${SMO_WALK_SECONDS:-60}
BATCH=2048

modprobe test_slub_movable || exit 1
taskset -p 2 $$ >/dev/null	# the walkers on CPU 1
smo enable $C >/dev/null
smo alloc $C 4000 >/dev/null
smo free $C random 1 50 >/dev/null	# partial slabs on both nodes

stat0() { [ -r "$S/$1" ] && cut -d' ' -f1 "$S/$1" || echo -; }
as0=$(stat0 alloc_slab)
fs0=$(stat0 free_slab)
m0=$(smo stats $C | sed -n 's/^moved=\([0-9]*\).*/\1/p')

smo stress start $C 0 $BATCH >/dev/null
ok $? "a stress thread on CPU 0 allocates and frees $BATCH objects a round"

# walker KIND: one walker in a loop until $T s have passed; prints its count
walker() {
	end=$(( $(date +%s) + T ))
	n=0
	while [ "$(date +%s)" -lt "$end" ]; do
		case $1 in
		move) echo "N0 N1" > $S/move && echo "N1 N0" > $S/move ;;
		balance) echo 1 > $S/balance ;;
		vacate) smo vacate $C 20 >/dev/null ;;
		shrink) echo 1 > $S/shrink ;;
		esac || echo "$1: $?" >> /tmp/walk.err
		n=$((n + 1))
	done
	echo "$n"
}
rm -f /tmp/walk.err
for k in move balance vacate shrink; do
	walker $k > /tmp/walk.$k &
done
wait
out=$(smo stress stop); r=$?
diag "stress thread: $out; walkers: move $(cat /tmp/walk.move)" \
	"balance $(cat /tmp/walk.balance) vacate $(cat /tmp/walk.vacate)" \
	"shrink $(cat /tmp/walk.shrink); errors: '$(cat /tmp/walk.err 2>/dev/null)'"
ok $r "the stress thread found every object it allocated intact"
[ ! -e /tmp/walk.err ]
ok $? "every walker call succeeded"
all=0
for k in move balance vacate shrink; do
	[ "$(cat /tmp/walk.$k)" -gt 0 ] || all=1
done
ok $all "each walker ran concurrently"

# what the thread did: rounds, and slabs made and freed (SLUB_STATS)
ops=$(echo "$out" | sed -n 's/^ops=\([0-9]*\).*/\1/p')
rounds=$(( ${ops:-0} / BATCH ))
as1=$(stat0 alloc_slab)
fs1=$(stat0 free_slab)
if [ "$as0" = - ]; then
	skip "slabs created and freed at least once a round" "no SLUB_STATS"
else
	diag "$rounds rounds; slabs allocated $((as1 - as0)), freed $((fs1 - fs0))" \
		"(bound: at least $rounds each)"
	[ "$rounds" -gt 0 ] && [ $((as1 - as0)) -ge "$rounds" ] &&
	[ $((fs1 - fs0)) -ge "$rounds" ]
	ok $? "slabs created and freed at least once a round ($rounds rounds)"
fi
m1=$(smo stats $C | sed -n 's/^moved=\([0-9]*\).*/\1/p')
diag "objects moved meanwhile: $((m1 - m0)); $(smo stats $C)"
[ $((m1 - m0)) -gt 0 ]
ok $? "the walkers moved objects while slabs came and went"

check_and_count $C
smo free $C all >/dev/null
tap_done
