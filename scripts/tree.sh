#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Make build/tree: a git working tree of the patched kernel, one commit per
# patch of patches/series; each new file is committed with the patch that
# introduces it.  Edit there, then "make export" writes the series back.
. "$(dirname "$0")/lib.sh"

t=$SMO_GIT_TREE
ver=$(cat "$SMO_BUILD/base.version")
export GIT_CONFIG_GLOBAL=/dev/null
gt() { git -C "$t" -c user.name=smo -c user.email=smo@localhost "$@"; }

if [ "$(gt log -1 --format=%s smo-base 2>/dev/null)" != "Linux base: $BASE_PACKAGE $ver" ]; then
	log "creating the git tree build/tree (takes a minute)"
	rm -rf "$t"
	cp -a "$SMO_BASE_TREE" "$t"
	chmod -R u+w "$t"
	gt init -q -b smo
	gt add -A -f .  # Debian's .gitignore ignores the top level
	GIT_AUTHOR_DATE='2026-01-01T00:00:00Z' GIT_COMMITTER_DATE='2026-01-01T00:00:00Z' \
		gt commit -q -m "Linux base: $BASE_PACKAGE $ver"
	gt tag smo-base
fi
if [ -n "$(gt status --porcelain)" ] &&
   [ "$(gt rev-parse HEAD)" != "$(gt rev-parse smo-base)" ] &&
   [ "${SMO_TREE_FORCE:-0}" != 1 ]; then
	die "build/tree has uncommitted changes; commit and 'make export' them, or SMO_TREE_FORCE=1 to discard"
fi
gt checkout -q -f -B smo smo-base
gt clean -q -fdx

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for p in $(series_patches); do
	pf=$SMO_PATCHES/$p
	[ -f "$pf" ] || die "patches/series names $p, which does not exist"
	if grep -q '^diff --git ' "$pf"; then
		gt apply --index "$pf" 2>"$tmp/err" ||
			die "$p does not apply: $(cat "$tmp/err")"
	fi
	for f in $(series_new_files "$p"); do
		mkdir -p "$t/$(dirname "$f")"
		cp "$SMO_TOP/$f" "$t/$f"
		gt add -f "$f"
	done
	git mailinfo "$tmp/msg" "$tmp/patch" <"$pf" >"$tmp/info"
	author=$(sed -n 's/^Author: //p' "$tmp/info")
	email=$(sed -n 's/^Email: //p' "$tmp/info")
	date=$(sed -n 's/^Date: //p' "$tmp/info")
	{ sed -n 's/^Subject: //p' "$tmp/info"; echo; cat "$tmp/msg"; } >"$tmp/commit"
	GIT_AUTHOR_NAME=$author GIT_AUTHOR_EMAIL=$email GIT_AUTHOR_DATE=$date \
	GIT_COMMITTER_NAME=$author GIT_COMMITTER_EMAIL=$email \
	GIT_COMMITTER_DATE=$date gt commit -q --cleanup=verbatim -F "$tmp/commit"
done
log "build/tree: $(gt rev-list --count smo-base..HEAD) commits on top of smo-base"
