#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Prove that apply.sh refuses cleanly: on a small copy of the files the
# series touches, a patch broken on purpose must fail with a message that
# names the patch and the file, and leave the tree exactly as it was; so
# must applying the series twice.  Prints PASS|FAIL lines.
. "$(dirname "$0")/lib.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mini=$tmp/linux
mkdir -p "$mini"
files=$(cd "$SMO_PATCHES" && for p in $(series_patches); do
	sed -n 's|^+++ b/||p' "$p"; done | sort -u)
for f in Makefile mm/slub.c $files; do
	mkdir -p "$mini/$(dirname "$f")"
	cp "$SMO_BASE_TREE/$f" "$mini/$f"
done
cp -a "$mini" "$tmp/orig"

fail=0
result() { if [ "$1" = 0 ]; then echo "PASS apply:$2"; else echo "FAIL apply:$2"; fail=1; fi; }

# 1. A broken last patch: change one context line of its first hunk.
mkdir -p "$tmp/patches"
cp "$SMO_PATCHES"/* "$tmp/patches/"
last=$(SMO_PATCHES=$tmp/patches series_patches | tail -n 1)
victim=$(sed -n 's|^+++ b/||p' "$tmp/patches/$last" | sed -n 1p)
awk 'done == 0 && /^@@/ { hunk = 1; print; next }
     hunk && done == 0 && /^ / { print " SMO-BROKEN-CONTEXT"; done = 1; next }
     { print }' "$SMO_PATCHES/$last" >"$tmp/patches/$last"
msg=$(SMO_PATCHES=$tmp/patches "$SMO_TOP/scripts/apply.sh" "$mini" 2>&1) && rc=0 || rc=$?
echo "$msg" | tail -1 | sed 's/^/    /'
[ $rc != 0 ] && grep -q "patch $last does not apply" <<<"$msg" &&
	grep -q "file: .*$victim" <<<"$msg" && r=0 || r=1
result $r "broken patch is refused, naming patch and file"
diff -r "$tmp/orig" "$mini" >/dev/null && r=0 || r=1
result $r "tree unchanged after a refused apply"

# 2. The real series applies; a second apply is refused and changes nothing.
"$SMO_TOP/scripts/apply.sh" "$mini" >/dev/null 2>&1 && r=0 || r=1
result $r "series applies with fuzz 0"
cp -a "$mini" "$tmp/applied"
msg=$("$SMO_TOP/scripts/apply.sh" "$mini" 2>&1) && rc=0 || rc=$?
[ $rc != 0 ] && diff -r "$tmp/applied" "$mini" >/dev/null && r=0 || r=1
result $r "second apply is refused and changes nothing"
exit $fail
