# SPDX-License-Identifier: GPL-2.0
# make stress: the test module's threads allocate, verify and free objects
# on every CPU while movers shrink, run the defrag pass, move between
# random node pairs and balance; failslab fails the migrate callbacks'
# allocations at several rates; then every object is verified, counts are
# compared with SLUB's, the caches are validated, the module is unloaded
# in the middle of a shrink and of sysfs writes, and kmemleak scans.
# SMO_STRESS_SECONDS: total duration of the load (default 60).
. /smo/tap.sh
tap_plan 12
C=smo_test_600
S=/sys/kernel/slab/$C
FS=/sys/kernel/debug/failslab
T=${SMO_STRESS_SECONDS:-60}
RATES="0 10 50 100"
PHASE=$(( T / 4 ))
[ "$PHASE" -ge 2 ] || PHASE=2
MEM=$(tr ',' '\n' < /sys/devices/system/node/has_normal_memory |
      while IFS=- read -r a b; do seq "$a" "${b:-$a}"; done | tr '\n' ' ')
set -- $MEM
NMEM=$#
cbstat() {	# moved|failed|deferred
	smo stats $C | tr ' ' '\n' | sed -n "s/^$1=//p"
}
node() {	# a random memory node
	set -- $MEM
	shift $(( RANDOM % NMEM ))
	echo "$1"
}

modprobe test_slub_movable || exit 1
smo enable smo_test_64 >/dev/null
smo enable $C >/dev/null
smo alloc $C 4000 >/dev/null
smo free $C random 1 50 >/dev/null

# failslab: only the movers' allocations from this cache may fail
faults=0
if [ -d $FS ] && echo 1 > $S/failslab 2>/dev/null; then
	echo Y > $FS/cache-filter
	echo Y > $FS/task-filter
	echo N > $FS/ignore-gfp-wait
	echo 0 > $FS/verbose
	echo -1 > $FS/times
	echo 1 > $FS/interval
	echo 0 > $FS/probability
	faults=1
fi
skip_or() { [ "$faults" = 1 ] && ok "$@" || skip "$2" "no failslab"; }

# mover KIND SECONDS: one kind of operation in a loop; prints its count
mover() {
	echo 1 > /proc/self/make-it-fail 2>/dev/null
	end=$(( $(date +%s) + $2 ))
	n=0
	while [ "$(date +%s)" -lt "$end" ]; do
		case $1 in
		shrink) echo 1 > $S/shrink ;;
		defrag) echo defrag > /sys/kernel/debug/test_slub_movable/control ;;
		move) echo "N$(node) N$(node)" > $S/move 2>/dev/null ;;
		balance) echo 1 > $S/balance 2>/dev/null ;;
		esac
		n=$((n + 1))
	done
	echo "$n"
}

smo stress start $C >/dev/null || exit 1
t0=$(date +%s)
for r in $RATES; do
	[ "$faults" = 1 ] && echo "$r" > $FS/probability
	f0=$(cbstat failed)
	for k in shrink defrag move balance; do
		mover $k $PHASE > /tmp/ops.$k.$r &
	done
	wait
	f1=$(cbstat failed)
	eval "failed_$r=$((f1 - f0))"
	diag "failslab $r %: shrink $(cat /tmp/ops.shrink.$r) defrag $(cat /tmp/ops.defrag.$r)" \
		"move $(cat /tmp/ops.move.$r) balance $(cat /tmp/ops.balance.$r)," \
		"$((f1 - f0)) objects not moved (allocation failed)"
done
[ "$faults" = 1 ] && echo 0 > $FS/probability
out=$(smo stress stop); r=$?
t1=$(date +%s)
diag "load: $((t1 - t0)) s; stress threads: $out; callbacks: $(smo stats $C)"
ok $r "stress threads: every object they verified was intact"
total=0
for k in shrink defrag move balance; do
	n=$(cat /tmp/ops.$k.* | awk '{ s += $1 } END { print s + 0 }')
	total=$((total + n))
	[ "$n" -gt 0 ]; ok $? "$k ran concurrently ($n times)"
done
skip_or $([ "$failed_0" = 0 ]; echo $?) "no failure without fault injection"
skip_or $([ "$failed_50" -gt 0 ] && [ "$failed_100" -gt 0 ]; echo $?) \
	"injected faults made moves fail ($failed_10, $failed_50, $failed_100 at 10, 50, 100 %)"

check_and_count $C
echo 1 > $S/validate; ok $? "validate of $C (errors would be on the console)"

# lifetime: unload while a shrink runs and sysfs writers hammer the cache
smo free $C random 3 90 >/dev/null
smo alloc $C 3000 >/dev/null
smo free $C random 4 90 >/dev/null
(echo 1 > $S/shrink) 2>/dev/null &
end=$(( $(date +%s) + 60 ))
(while [ -d $S ] && [ "$(date +%s)" -lt $end ]; do echo 1 > $S/balance
	echo N0 > $S/move; echo 50 > $S/defrag_used_ratio; done) 2>/dev/null &
sleep 1
rmmod test_slub_movable; r=$?
wait
[ $r = 0 ] && [ ! -d $S ]; ok $? "unloading during a shrink and sysfs writes"

if [ -w /sys/kernel/debug/kmemleak ]; then
	echo scan > /sys/kernel/debug/kmemleak
	sleep 6
	echo scan > /sys/kernel/debug/kmemleak
	leaks=$(grep -c '^unreferenced object' /sys/kernel/debug/kmemleak)
	ours=$(grep -c 'test_slub_movable\|kmem_cache_vacate\|defrag\|move_isolated\|smo_' \
		/sys/kernel/debug/kmemleak)
	diag "kmemleak: $leaks unreferenced objects, $ours backtrace lines of ours"
	[ "$ours" = 0 ]; ok $? "kmemleak finds no leak of ours after the unload"
else
	skip "kmemleak finds no leak of ours after the unload" "no kmemleak"
fi
tap_done
