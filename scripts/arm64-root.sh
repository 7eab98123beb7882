#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The arm64 programs of the guest's initramfs: Debian's busybox-static and
# coreutils (for "timeout --foreground", which the kselftest runner calls),
# downloaded as arm64 packages with apt-get into a private package list
# (this machine's dpkg architectures and sources.list stay as they are) and
# unpacked into build/arm64-root.  The C library that timeout links against
# comes from libc6-arm64-cross (scripts/deps.sh).
. "$(dirname "$0")/lib.sh"

root=$SMO_BUILD/arm64-root
[ -x "$root/bin/busybox" ] && [ -x "$root/usr/bin/timeout" ] && exit 0
apt=$SMO_BUILD/apt-arm64
rm -rf "$apt" "$root"
mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$root" \
	"$SMO_BUILD/logs"
logf=$SMO_BUILD/logs/arm64-root.log
opts=(-o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache"
      -o APT::Architecture=arm64 -o APT::Architectures::=arm64
      -o Debug::NoLocking=1 -o APT::Sandbox::User=root)
log "arm64 guest programs: busybox-static and coreutils (arm64) from Debian"
apt-get "${opts[@]}" update -q >"$logf" 2>&1 ||
	die "apt-get update of the arm64 package lists failed (log: $logf)"
(cd "$apt" && apt-get "${opts[@]}" download busybox-static coreutils) \
	>>"$logf" 2>&1 || die "apt-get download failed (log: $logf)"
for d in "$apt"/*.deb; do
	dpkg-deb -x "$d" "$root"
done
# (readelf of the cross binutils: "file" may not be installed)
aarch64-linux-gnu-readelf -h "$root/bin/busybox" | grep -q 'Machine:.*AArch64' &&
	! aarch64-linux-gnu-readelf -l "$root/bin/busybox" | grep -q 'interpreter' ||
	die "$root/bin/busybox is not a static arm64 program"
