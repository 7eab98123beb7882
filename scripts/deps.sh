#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install the Debian packages the project needs (idempotent).
. "$(dirname "$0")/lib.sh"

PKGS=(build-essential flex bison bc libelf-dev libssl-dev ccache quilt
      qemu-system-x86 busybox-static cpio kmod rsync xz-utils python3 perl
      git python3-matplotlib python3-docutils)

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	log "installing Debian packages: ${missing[*]}"
	[ "$(id -u)" = 0 ] || SUDO=sudo
	${SUDO:-} apt-get update -q >/dev/null
	DEBIAN_FRONTEND=noninteractive ${SUDO:-} apt-get install -y -q \
		--no-install-recommends "${missing[@]}" >/dev/null ||
		die "apt-get install ${missing[*]} failed"
fi
mkdir -p "$CCACHE_DIR"
ccache -M "$CCACHE_MAXSIZE" >/dev/null
