# SPDX-License-Identifier: GPL-2.0
# Boot test: the right kernel, the test module, its caches and commands.
. /smo/tap.sh
# SMO_KASAN=hw-tags|sw-tags on the command line (make test-arm64): KASAN
# must have come up in that mode, or the run tests nothing of the tags.
kasan=$(sed -n 's/.*SMO_KASAN=\([^ ]*\).*/\1/p' /proc/cmdline)
n=8
[ -z "$kasan" ] || n=9
tap_plan $n
if [ -n "$kasan" ]; then
	line=$(dmesg | grep -m1 'KernelAddressSanitizer initialized')
	diag "${line:-no KASAN line in the kernel log}"
	case $line in *"($kasan"*) r=0 ;; *) r=1 ;; esac
	ok $r "KASAN is on in $kasan mode"
fi

case $(uname -r) in *-smo*) r=0 ;; *) r=1 ;; esac
ok $r "kernel release $(uname -r) is an SMO build"

nodes=$(ls -d /sys/devices/system/node/node* | wc -l)
diag "nodes: $nodes, online $(cat /sys/devices/system/node/online)"
[ "$nodes" -ge 1 ]; ok $? "NUMA nodes are visible in sysfs"

modprobe test_slub_movable; ok $? "test_slub_movable loads"
t=$(cat /proc/sys/kernel/tainted)
[ $(( (t >> 18) & 1 )) = 1 ]; ok $? "loading it taints the kernel as a test module"

[ -d /sys/kernel/slab/smo_test_64 ] && [ -d /sys/kernel/slab/smo_test_600 ]
ok $? "test caches have their own sysfs directories"

out=$(smo selftest); r=$?; diag "$out"
ok $r "module self-test"

smo alloc smo_test_600 3000 >/dev/null &&
	smo free smo_test_600 random 1 80 >/dev/null &&
	out=$(smo check smo_test_600); r=$?
diag "check: $out"
diag "slabs=$(slab smo_test_600 slabs) objects=$(slab smo_test_600 objects) partial=$(slab smo_test_600 partial)"
ok $r "alloc, random free and check agree"

smo free smo_test_600 all >/dev/null && rmmod test_slub_movable; ok $? "module unloads"
tap_done
