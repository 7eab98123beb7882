#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install the Debian packages the project needs (idempotent).  A package
# dpkg has never heard of makes dpkg-query exit 1: that means "missing".
. "$(dirname "$0")/lib.sh"

PKGS=(build-essential flex bison bc libelf-dev libssl-dev ccache quilt
      qemu-system-x86 busybox-static cpio kmod rsync xz-utils python3 perl
      git python3-matplotlib python3-docutils
      gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-system-arm)

log "checking ${#PKGS[@]} Debian packages"
missing=()
for p in "${PKGS[@]}"; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) || st=
	[ "$st" = "install ok installed" ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	log "installing Debian packages: ${missing[*]}"
	[ "$(id -u)" = 0 ] || SUDO=sudo
	mkdir -p "$SMO_BUILD/logs"
	apt_log=$SMO_BUILD/logs/apt-deps.log
	${SUDO:-} apt-get update -q >"$apt_log" 2>&1 ||
		warn "apt-get update failed (see $apt_log); using the package lists this machine has"
	DEBIAN_FRONTEND=noninteractive ${SUDO:-} apt-get install -y -q \
		--no-install-recommends "${missing[@]}" >>"$apt_log" 2>&1 ||
		die "apt-get install ${missing[*]} failed: $(tail -n 2 "$apt_log" | tr '\n' ' ')(log: $apt_log)"
	for p in "${missing[@]}"; do
		st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) || st=
		[ "$st" = "install ok installed" ] ||
			die "$p is still not installed after apt-get install (log: $apt_log)"
	done
fi
mkdir -p "$CCACHE_DIR"
ccache -M "$CCACHE_MAXSIZE" >/dev/null
