#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Write a self-contained, mailable series (git format-patch, cover letter
# with diffstat) from build/tree into build/series/, each new file riding
# in the patch that introduces it.
#
#   series.sh            write build/series/
#   series.sh --check    also "git am" it onto the pristine base and
#                        compare the result with build/src (make apply)
. "$(dirname "$0")/lib.sh"

t=$SMO_GIT_TREE
out=$SMO_BUILD/series
export GIT_CONFIG_GLOBAL=/dev/null
gt() { git -C "$t" -c user.name=smo -c user.email=smo@localhost "$@"; }
gt rev-parse -q --verify smo-base >/dev/null || die "no build/tree (run make tree)"

rm -rf "$out"
gt -c core.abbrev=12 format-patch -q --cover-letter --no-signature \
	-o "$out" smo-base..HEAD
cover=$(ls "$out"/0000-cover-letter.patch)
subject=$(head -1 "$SMO_PATCHES/cover-letter.txt")
blurb=$(tail -n +3 "$SMO_PATCHES/cover-letter.txt")
SUBJ=$subject BLURB=$blurb perl -0pi -e \
	's/\*\*\* SUBJECT HERE \*\*\*/$ENV{SUBJ}/; s/\*\*\* BLURB HERE \*\*\*/$ENV{BLURB}/' "$cover"
log "mailable series: $out ($(ls "$out" | wc -l) files incl. cover letter)"

[ "${1:-}" = --check ] || exit 0

# git am onto the pristine base in a throw-away worktree, then compare.
wt=$SMO_BUILD/series-check
gt worktree remove -f "$wt" >/dev/null 2>&1 || rm -rf "$wt"
gt worktree prune
gt worktree add -q --detach "$wt" smo-base
mapfile -t mails < <(ls "$out"/*.patch | grep -v '/0000-cover-letter.patch$')
git -C "$wt" -c user.name=smo -c user.email=smo@localhost am -q "${mails[@]}" ||
	die "git am of the mailable series onto the base failed"
if ! diff -r -q -x .git -x .smo-pc "$wt" "$SMO_SRC" >"$SMO_BUILD/series-check.diff"; then
	cat "$SMO_BUILD/series-check.diff" >&2
	die "git am of build/series differs from make apply (build/src)"
fi
gt worktree remove -f "$wt"
log "git am of the mailable series equals make apply"
