#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Carry edits of the repository's new files (lib/, tools/, ...) into
# build/tree: each changed file is squashed into the commit that adds it,
# then "make export" writes the series back.  Edits of existing kernel
# files are made and committed in build/tree itself.
#
#   fixup-new.sh            (then: make export)
. "$(dirname "$0")/lib.sh"

t=$SMO_GIT_TREE
export GIT_CONFIG_GLOBAL=/dev/null
gt() { git -C "$t" -c user.name="SMO developers" -c user.email=smo@example.org "$@"; }
[ -d "$t/.git" ] || die "no build/tree (run make tree)"
[ -z "$(gt status --porcelain --untracked-files=no)" ] ||
	die "build/tree has uncommitted changes; commit them first"
n=0
for f in $(series_all_new_files); do
	cmp -s "$SMO_TOP/$f" "$t/$f" && continue
	c=$(gt log --diff-filter=A --format=%H -1 -- "$f")
	[ -n "$c" ] || die "no commit in build/tree adds $f"
	cp -p "$SMO_TOP/$f" "$t/$f"
	gt add -f "$f"
	gt commit -q --fixup="$c"
	log "fixup of $(gt log -1 --format=%s "$c"): $f"
	n=$((n + 1))
done
[ $n = 0 ] && { log "no new file changed"; exit 0; }
GIT_SEQUENCE_EDITOR=true gt rebase -q -i --autosquash smo-base ||
	die "rebase in build/tree failed; resolve it there"
"$SMO_TOP/scripts/export.sh"
