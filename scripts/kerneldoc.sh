#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# scripts/kernel-doc -Wall on every C file and header the series touches or
# adds: no warning the base did not have.  Prints PASS|FAIL lines.
. "$(dirname "$0")/lib.sh"

warnings() {	# $1: tree, $2: file
	[ -f "$1/$2" ] || return 0
	(cd "$1" && perl scripts/kernel-doc -none -Wall "$2" 2>&1) |
		sed -E 's/:[0-9]+: /: /' | sort -u
}
fail=0
files=$( (cd "$SMO_PATCHES" && for p in $(series_patches); do
	sed -n 's|^+++ b/||p' "$p"; done; series_all_new_files) |
	grep -E '\.[ch]$' | sort -u)
for f in $files; do
	new=$(comm -13 <(warnings "$SMO_BASE_TREE" "$f") <(warnings "$SMO_SRC" "$f"))
	if [ -n "$new" ]; then
		echo "FAIL kernel-doc:$f"
		printf '%s\n' "$new" | sed 's/^/    /' >&2
		fail=1
	else
		echo "PASS kernel-doc:$f"
	fi
done
exit $fail
