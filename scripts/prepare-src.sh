#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Make build/src: a copy of the pristine base with the series applied.
# Unchanged files keep their time stamps, so rebuilds stay incremental.
. "$(dirname "$0")/lib.sh"

stamp=$SMO_BUILD/src.stamp
sum=$(cd "$SMO_TOP" && { cat BASE "$SMO_BUILD/base.version"; cat patches/series;
	for p in $(series_patches); do cat "patches/$p"; done;
	for f in $(series_all_new_files); do echo "$f"; cat "$f"; done; } |
	sha256sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ]; then
	exit 0
fi
rm -f "$stamp"
log "preparing the patched tree build/src"
mkdir -p "$SMO_SRC"
# --checksum without -t: files that differ get a new mtime, so make
# rebuilds what a changed series touched, and nothing else.
rsync -rlp --checksum --delete "$SMO_BASE_TREE/" "$SMO_SRC/"
chmod -R u+w "$SMO_SRC"
"$SMO_TOP/scripts/apply.sh" "$SMO_SRC"
echo "$sum" > "$stamp"
