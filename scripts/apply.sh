#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Apply the SMO series to a kernel tree:
#
#   apply.sh KSRC
#
# The patches in patches/series are pushed with quilt (--fuzz=0), then the
# files the series adds are copied in.  If anything fails, the tree is left
# as it was and the message names the patch and the file that failed.
. "$(dirname "$0")/lib.sh"

ksrc=${1:?usage: apply.sh /path/to/linux}
[ -d "$ksrc" ] || die "$ksrc: no such directory"
ksrc=$(cd "$ksrc" && pwd)
[ -f "$ksrc/Makefile" ] && [ -f "$ksrc/mm/slub.c" ] ||
	die "$ksrc does not look like a Linux source tree (no Makefile, mm/slub.c)"
command -v quilt >/dev/null || die "quilt is not installed (run make deps)"

pc=.smo-pc
[ -e "$ksrc/$pc" ] && die "$ksrc/$pc exists: a previous apply was interrupted; remove it after restoring the tree"

for f in $(series_all_new_files); do
	[ -f "$SMO_TOP/$f" ] || die "patches/series names new file $f, which is not in the repository"
	[ -e "$ksrc/$f" ] && die "$ksrc/$f already exists: is the series applied already? (nothing changed)"
done

quilt_in_tree() {
	(cd "$ksrc" && QUILT_PATCHES=$SMO_PATCHES QUILT_PC=$pc \
		quilt --quiltrc=- "$@")
}

out=$(mktemp)
trap 'rm -f "$out"' EXIT
if ! quilt_in_tree push -a --fuzz=0 >"$out" 2>&1; then
	failed=$(sed -n 's/^Patch \(.*\) does not apply.*/\1/p' "$out" | tail -1)
	files=$(awk '/^patching file /{f=$3} /FAILED|saving rejects|No file to patch|can.t find file/{print f}' "$out" | sort -u | tr '\n' ' ')
	quilt_in_tree pop -a -f >/dev/null 2>&1 || true
	rm -rf "${ksrc:?}/$pc"
	sed 's/^/    /' "$out" >&2
	die "patch ${failed:-?} does not apply to $ksrc (file: ${files:-?}); the tree was left as it was"
fi

for p in $(series_patches); do
	for f in $(series_new_files "$p"); do
		mkdir -p "$ksrc/$(dirname "$f")"
		cp "$SMO_TOP/$f" "$ksrc/$f"
	done
done
rm -rf "${ksrc:?}/$pc"
log "applied $(series_patches | wc -l) patches and $(series_all_new_files | wc -l) new files to $ksrc"
