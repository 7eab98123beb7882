#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# checkpatch.pl --strict, run from a kernel tree root (exit status checked),
# on every patch, every new file and every patch of the mailable series.
# Prints "PASS|FAIL checkpatch:<what>" lines for make test.
. "$(dirname "$0")/lib.sh"

# Message types a patch may keep (justified in its changelog).
ignored() {	# $1: patch file name
	awk -v p="$1" '$1 == p { print "--ignore=" $2 }' \
		"$SMO_PATCHES/checkpatch.ignore" 2>/dev/null
}
cp_run() {	# $1: tree root, $2: patch name (for ignores), rest: arguments
	local root=$1 name=$2; shift 2
	(cd "$root" && perl scripts/checkpatch.pl --strict --terse --show-types \
		--no-summary --color=never $(ignored "$name") "$@")
}
fail=0
verdict() {	# $1: status, $2: name, $3: output
	if [ "$1" = 0 ]; then echo "PASS checkpatch:$2"
	else echo "FAIL checkpatch:$2"; printf '%s\n' "$3" | sed 's/^/    /' >&2; fail=1; fi
}
for p in $(series_patches); do
	out=$(cp_run "$SMO_BASE_TREE" "$p" "$SMO_PATCHES/$p" 2>&1) && rc=0 || rc=$?; verdict $rc "patches/$p" "$out"
done
for f in $(series_all_new_files); do
	out=$(cp_run "$SMO_SRC" - -f "$f" 2>&1) && rc=0 || rc=$?; verdict $rc "$f" "$out"
done
if [ -d "$SMO_BUILD/series" ]; then
	for m in "$SMO_BUILD"/series/0*.patch; do
		case $m in */0000-cover-letter.patch) continue ;; esac
		out=$(cp_run "$SMO_BASE_TREE" "${m##*/}" "$m" 2>&1) && rc=0 || rc=$?; verdict $rc "series/${m##*/}" "$out"
	done
fi
exit $fail
