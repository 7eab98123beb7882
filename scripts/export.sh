#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Write the commits of build/tree (smo-base..HEAD) back into the repository:
# patches/*.patch for changes to existing files, the new files at their
# kernel paths, and patches/series (comment lines are kept, patch lines are
# rewritten in commit order with their "# new:" files).
#
#   export.sh [--out DIR]     (default: the repository itself)
. "$(dirname "$0")/lib.sh"

out=$SMO_TOP
if [ "${1:-}" = --out ]; then out=${2:?}; fi
t=$SMO_GIT_TREE
export GIT_CONFIG_GLOBAL=/dev/null
gt() { git -C "$t" "$@"; }
gt rev-parse -q --verify smo-base >/dev/null || die "no build/tree (run make tree)"
[ -z "$(gt status --porcelain)" ] || die "build/tree has uncommitted changes"

old_new=$(series_all_new_files | sort)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
declare -A introduced_by
i=0
: >"$tmp/lines"
for c in $(gt rev-list --reverse smo-base..HEAD); do
	i=$((i + 1))
	added=$(gt diff-tree --no-commit-id -r --name-only --diff-filter=A "$c")
	for f in $(gt diff-tree --no-commit-id -r --name-only "$c"); do
		if [ -n "${introduced_by[$f]:-}" ]; then
			die "commit $(gt log -1 --format='%h %s' "$c") changes $f, a new file of '${introduced_by[$f]}': squash the change into that commit"
		fi
	done
	excl=()
	for f in $added; do
		introduced_by[$f]=$(gt log -1 --format=%s "$c")
		excl+=(":(exclude)$f")
		mkdir -p "$tmp/files/$(dirname "$f")"
		gt show "$c:$f" >"$tmp/files/$f"
		if [ "$(gt ls-tree "$c" -- "$f" | cut -d' ' -f1)" = 100755 ]; then
			chmod +x "$tmp/files/$f"
		fi
	done
	name=$(gt -c core.abbrev=12 format-patch --zero-commit --no-signature \
		--start-number=$i -1 -o "$tmp/patches" "$c" -- . "${excl[@]}")
	name=$(basename "$name")
	echo "$name${added:+  # new: $(echo $added)}" >>"$tmp/lines"
done

# Rewrite the series file: keep comments, substitute patch lines in order.
mkdir -p "$out/patches"
{
	n=0
	while IFS= read -r line; do
		case ${line%%#*} in
		*[![:space:]]*)
			n=$((n + 1))
			sed -n "${n}p" "$tmp/lines" ;;
		*) printf '%s\n' "$line" ;;
		esac
	done <"$SMO_PATCHES/series"
	sed -n "$((n + 1)),\$p" "$tmp/lines"
} >"$tmp/series"

# A new file edited in the repository but not in build/tree would be lost:
# refuse (run make tree first, or SMO_EXPORT_FORCE=1).  Edited means with
# uncommitted changes, or not yet committed at all (git diff HEAD says
# nothing about an untracked file: such an edit was lost once).
if [ "$out" = "$SMO_TOP" ] && [ "${SMO_EXPORT_FORCE:-0}" != 1 ]; then
	for f in $(cd "$tmp/files" 2>/dev/null && find . -type f | sed 's|^\./||'); do
		if [ -f "$SMO_TOP/$f" ] && ! cmp -s "$SMO_TOP/$f" "$tmp/files/$f" &&
		   { ! git -C "$SMO_TOP" diff --quiet HEAD -- "$f" 2>/dev/null ||
		     [ -z "$(git -C "$SMO_TOP" ls-files -- "$f")" ]; }; then
			die "$f has uncommitted changes that build/tree does not have; run 'make tree' (it takes them) or commit them, or SMO_EXPORT_FORCE=1 to overwrite"
		fi
	done
fi

# Remove what the old series had and the new one does not.
for f in $old_new; do
	rm -f "$out/$f"
done
find "$out/patches" -maxdepth 1 -name '*.patch' -delete
[ -d "$tmp/patches" ] && cp "$tmp/patches"/*.patch "$out/patches/"
cp "$tmp/series" "$out/patches/series"
[ -d "$tmp/files" ] && cp -r --preserve=mode "$tmp/files/." "$out/"
log "exported $i patches to ${out}/patches"
