#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Bisectability: build, with W=1, the C files the series touches or adds,
# at the base and after each patch (a worktree of build/tree, its own O=
# dir).  A patch fails if an object does not build or has a warning the
# base did not have.  Prints PASS|FAIL lines.
#
#   bisect.sh [--arch x86_64|arm64] [--config CONFIG] [--ends]
#
# The default is x86_64's fast config after every patch; --ends builds the
# base and the whole series only (make test does so for the nodebug config
# and, cross-compiled, for arm64 with KASAN's hardware and software tags).
. "$(dirname "$0")/lib.sh"

arch=x86_64 cfg=fast ends=0
while [ $# -gt 0 ]; do
	case $1 in
	--arch) arch=$2; shift 2 ;;
	--config) cfg=$2; shift 2 ;;
	--ends) ends=1; shift ;;
	*) die "usage: bisect.sh [--arch x86_64|arm64] [--config CONFIG] [--ends]" ;;
	esac
done
frags=$(kernel_frags "$arch" "$cfg" 0) || die "unknown config '$cfg' for $arch"
mapfile -t frags <<<"$frags"
if [ $arch:$cfg = x86_64:fast ]; then
	tag=bisect
else
	tag=objects-$arch-$cfg
fi

t=$SMO_GIT_TREE
wt=$SMO_BUILD/bisect-tree
obj=$SMO_BUILD/obj-$tag
conf=$SMO_BUILD/config-$arch-$cfg
export GIT_CONFIG_GLOBAL=/dev/null
gt() { git -C "$t" "$@"; }
[ -d "$t/.git" ] || die "no git tree at $t (run make tree)"

if [ ! -e "$wt/.git" ]; then
	gt worktree prune
	gt worktree add -q --detach "$wt" smo-base
fi
git -C "$wt" checkout -q -f --detach smo-base
mkdir -p "$obj" "$SMO_BUILD/logs"
logf=$SMO_BUILD/logs/$tag.log
: >"$logf"

# The config, made from the patched tree (the base's olddefconfig drops
# the options it does not know).
log "$tag: configuring $arch from ${frags[*]#"$SMO_TOP/"}"
kernel_configure "$arch" "$SMO_SRC" "$conf" "$logf" "${frags[@]}" ||
	die "config check failed (see $logf)"

# Every kernel .c file any patch touches or adds (tools/ is userspace:
# build.sh builds slabinfo).
mapfile -t cfiles < <(gt diff --name-only smo-base..HEAD -- '*.c' ':!tools/*' |
	sort -u)
kmake() { kernel_make "$arch" "$wt" "$obj" "$@"; }
# Warnings of one build, without line numbers, one per line.  Only the
# files this config builds: those the base builds (make -k; a file of the
# base that does not compile here, as mm/kasan/tags.c without tag-based
# KASAN, is not part of this config) and the files the series adds.
build_objs() {	# $1: label; prints the warnings, returns make's status
	local objs=() f rc
	for f in "${cfiles[@]}"; do
		[ -f "$wt/$f" ] || continue
		[ -z "${skip[$f]:-}" ] && objs+=("${f%.c}.o")
	done
	cp "$conf/.config" "$obj/.config"
	kmake -s olddefconfig >>"$logf" 2>&1
	echo "=== $1: ${objs[*]}" >>"$logf"
	set +e
	kmake W=1 ${2:-} "${objs[@]}" >"$obj/out.txt" 2>&1
	rc=$?
	set -e
	cat "$obj/out.txt" >>"$logf"
	grep -E 'warning:' "$obj/out.txt" |
		sed -E 's/:[0-9]+:[0-9]+:/:/' | sort -u
	return $rc
}

log "$tag: preparing $(basename "$obj") at the base"
cp "$conf/.config" "$obj/.config"
kmake -s olddefconfig >>"$logf" 2>&1
kmake -s prepare >>"$logf" 2>&1 || die "make prepare failed (see $logf)"
declare -A skip=()
for f in "${cfiles[@]}"; do
	rm -f "$obj/${f%.c}.o"
done
build_objs base -k >"$obj/warn-base.txt" || true
built=0
for f in "${cfiles[@]}"; do
	[ -f "$wt/$f" ] || continue
	if [ -f "$obj/${f%.c}.o" ]; then
		built=$((built + 1))
	else
		skip[$f]=1
		echo "=== $f: not built by this config (the base does not build it)" >>"$logf"
	fi
done
[ $built -gt 0 ] || die "the base builds none of the series' files: see $logf"
fail=0
n=0
commits=$(gt rev-list --reverse smo-base..HEAD)
[ $ends = 0 ] || commits=$(gt rev-parse HEAD)
for c in $commits; do
	n=$((n + 1))
	subj=$(gt log -1 --format=%s "$c")
	[ $ends = 0 ] || { n=all; subj="the whole series ($(echo "${cfiles[@]}" | wc -w) files)"; }
	git -C "$wt" checkout -q -f --detach "$c"
	if ! build_objs "$subj" >"$obj/warn.txt"; then
		echo "FAIL $tag:$n $subj (does not build; see $logf)"
		fail=1
		continue
	fi
	new=$(comm -13 "$obj/warn-base.txt" "$obj/warn.txt")
	if [ -n "$new" ]; then
		echo "FAIL $tag:$n $subj (new W=1 warnings)"
		printf '%s\n' "$new" | sed 's/^/    /' >&2
		fail=1
	else
		echo "PASS $tag:$n $subj"
	fi
done
exit $fail
