# SPDX-License-Identifier: GPL-2.0
# tools/mm/slabinfo on the patched kernel: movable caches in the flags
# column, -M, -C, the report, -n and a shrink with migration.
. /smo/tap.sh
tap_plan 9
M=smo_test_600
I=smo_test_64

command -v slabinfo >/dev/null; ok $? "slabinfo is in the guest"
modprobe test_slub_movable || exit 1
smo enable $M >/dev/null
# caches without objects are listed only with -e: give both some
smo alloc $M 20000 >/dev/null
smo free $M random 9 80 >/dev/null
smo alloc $I 1000 >/dev/null

# listing: the flags column is the last field
flags() { slabinfo -l 2>/dev/null | awk -v c="$1" '$1 == c { print $NF }'; }
diag "flags: $M '$(flags $M)', $I '$(flags $I)'"
case "$(flags $M)" in *M*) r=0 ;; *) r=1 ;; esac
ok $r "the flags column marks a movable cache with M"
case "$(flags $I)" in *M*) r=1 ;; *) r=0 ;; esac
ok $r "and not a cache without mobility"

out=$(slabinfo -M); diag "-M: $(echo "$out" | awk 'NR > 1 { print $1 }' | tr '\n' ' ')"
echo "$out" | grep -q "^$M " && ! echo "$out" | grep -q "^$I "
ok $? "-M lists the movable cache only"

out=$(slabinfo -C)
echo "$out" | grep -q "^$M " && echo "$out" | grep -q "^$I "
ok $? "-C lists the caches with a constructor"

out=$(slabinfo -r "^$M\$")
echo "$out" | grep -q '^\*\* Objects are movable' &&
	echo "$out" | grep -q '^Defrag used ratio: 30%' &&
	echo "$out" | grep -q '^migrate : smo_migrate'
ok $? "the report shows mobility, callbacks and defrag_used_ratio"

out=$(slabinfo -n -M)
diag "$(echo "$out" | grep "^$M")"
echo "$out" | grep -q "^$M .* M$"
ok $? "-n shows the movable cache's slabs per node, flagged"

ops=$(cut -d' ' -f1 /sys/kernel/slab/$M/objs_per_slab)
live=$(smo check $M | sed 's/objects=\([0-9]*\).*/\1/')
out=$(slabinfo -s -M "^$M\$")
diag "$out (optimum $(( (live + ops - 1) / ops )))"
before=$(echo "$out" | sed -n 's/.*: \([0-9]*\) -> \([0-9]*\) slabs$/\1/p')
after=$(echo "$out" | sed -n 's/.*: \([0-9]*\) -> \([0-9]*\) slabs$/\2/p')
nodes=$(smo check $M | tr ' ' '\n' | grep -c '^N')
[ -n "$after" ] && [ "$after" -lt "$before" ] &&
	[ "$after" -le $(( (live + ops - 1) / ops + nodes )) ]
ok $? "-s shrinks the movable cache to the optimum, with migration"
smo check $M >/dev/null; ok $? "every object intact"

smo free $M all >/dev/null
smo free $I all >/dev/null
smo disable $M >/dev/null
rmmod test_slub_movable
tap_done
