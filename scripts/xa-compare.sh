#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Compare the tmpfs workload of the XArray kselftest on the same kernel
# with mobility (first job output) and booted with slab_nomove=xa_node (second):
# shrink must leave fewer xa_node slabs with mobility.
#
#   xa-compare.sh WITH.out WITHOUT.out
. "$(dirname "$0")/lib.sh"

fig() {	# log key
	grep -ao 'SMO-XA-TMPFS .*' "$1" | tail -1 | tr ' ' '\n' |
		sed -n "s/^$2=\([0-9]*\).*/\1/p"
}
with=${1:?usage: xa-compare.sh WITH.out WITHOUT.out}
without=${2:?usage: xa-compare.sh WITH.out WITHOUT.out}
for l in "$with" "$without"; do
	[ -n "$(fig "$l" shrunk)" ] || die "no SMO-XA-TMPFS figures in $l"
done
[ "$(fig "$with" mobility)" = 1 ] && [ "$(fig "$without" mobility)" = 0 ] ||
	die "the first log must have mobility on, the second off"
for l in "$with" "$without"; do
	echo "    mobility $(fig "$l" mobility): xa_node slabs $(fig "$l" before) before," \
		"$(fig "$l" written) written, $(fig "$l" truncated) truncated," \
		"$(fig "$l" shrunk) after shrink"
done
a=$(( $(fig "$with" shrunk) - $(fig "$with" before) ))
b=$(( $(fig "$without" shrunk) - $(fig "$without" before) ))
echo "    slabs the workload still holds after shrink: $a with mobility, $b without"
[ "$a" -lt "$b" ]
