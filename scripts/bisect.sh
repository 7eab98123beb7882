#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Bisectability: build, with W=1, the C files the series touches or adds,
# at the base and after each patch (a worktree of build/tree, its own O=
# dir and the fast config).  A patch fails if an object does not build or
# has a warning the base did not have.  Prints PASS|FAIL lines.
. "$(dirname "$0")/lib.sh"

t=$SMO_GIT_TREE
wt=$SMO_BUILD/bisect-tree
obj=$SMO_BUILD/obj-bisect
export GIT_CONFIG_GLOBAL=/dev/null
gt() { git -C "$t" "$@"; }
[ -f "$SMO_BUILD/obj-fast/.config" ] || die "build the fast config first"

if [ ! -e "$wt/.git" ]; then
	gt worktree prune
	gt worktree add -q --detach "$wt" smo-base
fi
git -C "$wt" checkout -q -f --detach smo-base
mkdir -p "$obj"
logf=$SMO_BUILD/logs/bisect.log
: >"$logf"

# Every kernel .c file any patch touches or adds (tools/ is userspace:
# build.sh builds slabinfo).
mapfile -t cfiles < <(gt diff --name-only smo-base..HEAD -- '*.c' ':!tools/*' |
	sort -u)
kmake() {
	make -C "$wt" O="$obj" ARCH=x86_64 CC="ccache gcc" HOSTCC="ccache gcc" \
		-j"$(nproc)" "$@"
}
# Warnings of one build, without line numbers, one per line.
build_objs() {	# $1: label; prints the warnings, returns make's status
	local objs=() f rc
	for f in "${cfiles[@]}"; do
		[ -f "$wt/$f" ] && objs+=("${f%.c}.o")
	done
	cp "$SMO_BUILD/obj-fast/.config" "$obj/.config"
	kmake -s olddefconfig >>"$logf" 2>&1
	echo "=== $1: ${objs[*]}" >>"$logf"
	set +e
	kmake W=1 "${objs[@]}" >"$obj/out.txt" 2>&1
	rc=$?
	set -e
	cat "$obj/out.txt" >>"$logf"
	grep -E 'warning:' "$obj/out.txt" |
		sed -E 's/:[0-9]+:[0-9]+:/:/' | sort -u
	return $rc
}

log "bisect: preparing $(basename "$obj") at the base"
cp "$SMO_BUILD/obj-fast/.config" "$obj/.config"
kmake -s olddefconfig >>"$logf" 2>&1
kmake -s prepare >>"$logf" 2>&1 || die "make prepare failed (see $logf)"
build_objs base >"$obj/warn-base.txt" || die "the base does not build: see $logf"
fail=0
n=0
for c in $(gt rev-list --reverse smo-base..HEAD); do
	n=$((n + 1))
	subj=$(gt log -1 --format=%s "$c")
	git -C "$wt" checkout -q -f --detach "$c"
	if ! build_objs "$subj" >"$obj/warn.txt"; then
		echo "FAIL bisect:$n $subj (does not build; see $logf)"
		fail=1
		continue
	fi
	new=$(comm -13 "$obj/warn-base.txt" "$obj/warn.txt")
	if [ -n "$new" ]; then
		echo "FAIL bisect:$n $subj (new W=1 warnings)"
		printf '%s\n' "$new" | sed 's/^/    /' >&2
		fail=1
	else
		echo "PASS bisect:$n $subj"
	fi
done
exit $fail
