# SPDX-License-Identifier: GPL-2.0
# make demo: the node layout, then a test cache fragmented and shrunk, with
# slab and page counts read from /sys/kernel/slab/<cache>/.
. /smo/tap.sh
C=smo_test_600
N=${SMO_DEMO_OBJECTS:-100000}

echo "Kernel $(uname -r); NUMA nodes online: $(cat /sys/devices/system/node/online)"
printf '%-6s %-8s %s\n' node cpus "memory (MiB)"
for n in /sys/devices/system/node/node[0-9]*; do
	mem=$(awk '/MemTotal/ { print int($4 / 1024) }' "$n/meminfo")
	printf '%-6s %-8s %s\n' "${n##*/node}" "$(cat "$n/cpulist")" "$mem"
done
echo

modprobe test_slub_movable || exit 1
ops=$(slab $C objs_per_slab)
order=$(slab $C order)
row() {	# $1: label
	local objs slabs opt
	objs=$(slab $C objects); slabs=$(slab $C slabs)
	opt=$(( (objs + ops - 1) / ops ))
	printf '%-34s %8s %7s %7s %7s %9s  %s\n' "$1" "$objs" "$slabs" \
		"$(slab $C partial)" "$((slabs << order))" "$opt" \
		"$(cut -d' ' -f2- /sys/kernel/slab/$C/slabs)"
}
echo "Cache $C: $ops objects per slab, $((1 << order)) page(s) per slab"
printf '%-34s %8s %7s %7s %7s %9s  %s\n' "" objects slabs partial pages \
	"optimum" "slabs per node"
smo alloc $C "$N" >/dev/null || exit 1
row "after alloc $N"
smo free $C random 42 80 >/dev/null || exit 1
row "after freeing 80 % at random"
echo 1 > /sys/kernel/slab/$C/shrink
row "shrink, objects not movable"
smo enable $C >/dev/null || exit 1
t0=$(date +%s)
echo 1 > /sys/kernel/slab/$C/shrink
t1=$(date +%s)
row "shrink, objects movable"
smo check $C >/dev/null || { echo "check FAILED"; exit 1; }
echo
echo "check: every remaining object intact ($(smo check $C))"
echo "moved by the callbacks: $(smo stats $C); shrink took about $((t1 - t0)) s"
echo
echo "Without movable objects, shrink can only free empty slabs: the"
echo "partial slabs stay pinned by their few live objects.  With the"
echo "isolate/migrate callbacks, SLUB moves the objects into as few slabs"
echo "as they need (the optimum column) and frees the rest."

if [ -e /sys/kernel/slab/$C/move ]; then
	echo
	echo "NUMA: objects (and slabs) per node, read from the objects themselves"
	echo "(test module check) and from /sys/kernel/slab/$C/slabs"
	nodes=$(ls -d /sys/devices/system/node/node[0-9]* | sed 's/.*node//' | sort -n)
	printf '%-28s' ""
	for n in $nodes; do printf ' %14s' "node $n"; done
	echo
	numa_row() {	# label
		printf '%-28s' "$1"
		chk=$(smo check $C)
		for n in $nodes; do
			o=$(echo "$chk" | tr ' ' '\n' | sed -n "s/^N$n=//p")
			sl=$(tr ' ' '\n' < /sys/kernel/slab/$C/slabs | sed -n "s/^N$n=//p")
			printf ' %14s' "${o:-0} (${sl:-0})"
		done
		echo
	}
	smo free $C all >/dev/null
	echo 1 > /sys/kernel/slab/$C/shrink
	first=$(echo $nodes | cut -d' ' -f1)
	last=$(echo $nodes | tr ' ' '\n' | tail -1)
	smo alloc $C 40000 $first >/dev/null
	numa_row "40000 allocated on node $first"
	echo 1 > /sys/kernel/slab/$C/balance
	numa_row "echo 1 > balance"
	echo "N$last" > /sys/kernel/slab/$C/move
	numa_row "echo N$last > move"
	echo "N$last N$first" > /sys/kernel/slab/$C/move
	numa_row "echo 'N$last N$first' > move"
	smo check $C >/dev/null || { echo "check FAILED"; exit 1; }
	echo "check: every object intact after the moves"
fi

MEMSYS=/sys/devices/system/memory
if [ -r $MEMSYS/block_size_bytes ] && [ -e /sys/kernel/slab/$C/move ]; then
	BS=$((0x$(cat $MEMSYS/block_size_bytes)))
	far=$(ls -d /sys/devices/system/node/node[0-9]* | sed 's/.*node//' | sort -n | tail -1)
	taskset -p 1 $$ >/dev/null 2>&1	# bookkeeping on node 0
	smo disable $C >/dev/null
	smo free $C all >/dev/null
	echo 1 > /sys/kernel/slab/$C/shrink
	smo hog $far block $BS >/dev/null	# one free block: the objects go there
	smo alloc $C 20000 $far >/dev/null
	smo unhog >/dev/null
	echo
	echo "Memory offlining: memory blocks of $((BS >> 20)) MiB on node $far," \
		"objects of $C in each: $(smo blocks $C $BS)"
	offline() {	# block: prints the kernel's answer
		if out=$(timeout 60 sh -c "echo offline > $MEMSYS/memory$1/state" 2>&1); then
			echo "offline"
		else
			echo "refused (${out##*: })"
		fi
	}
	for b in $(smo blocks $C $BS | tr ' ' '\n' | sed -n 's/^B\([0-9]*\)=.*/\1/p' | head -3); do
		objs=$(smo blocks $C $BS | tr ' ' '\n' | sed -n "s/^B$b=//p")
		smo disable $C >/dev/null
		r1=$(offline $b)
		smo enable $C >/dev/null
		m0=$(smo stats $C | sed 's/moved=\([0-9]*\).*/\1/')
		t0=$(cut -d' ' -f1 /proc/uptime)
		r2=$(offline $b)
		t1=$(cut -d' ' -f1 /proc/uptime)
		m1=$(smo stats $C | sed 's/moved=\([0-9]*\).*/\1/')
		printf '  block %-4s %6s objects  not movable: %-34s movable: %s\n' \
			"$b" "$objs" "$r1" "$r2"
		if [ "$r2" = offline ]; then
			echo "  $((m1 - m0)) objects moved out of block $b in $t0 -> $t1 s (uptime);" \
				"check: $(smo check $C)"
			echo online > $MEMSYS/memory$b/state
			break
		fi
	done
	echo "Slab pages used to stop memory offlining for good; now the slabs of a"
	echo "cache with movable objects are emptied, and the block goes offline."
fi
smo disable $C >/dev/null
smo free $C all >/dev/null
rmmod test_slub_movable
