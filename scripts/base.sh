#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install Debian's kernel source package at the pinned version and unpack
# it, read-only, into build/base.  The pristine copy is never modified.
. "$(dirname "$0")/lib.sh"

stamp=$SMO_BUILD/base.version
want=$BASE_VERSION

installed() {
	dpkg-query -W -f='${Status} ${Version}' "$BASE_PACKAGE" 2>/dev/null |
		awk '$3 == "installed" { print $4 }'
}

have=$(installed)
if [ "$have" != "$want" ]; then
	[ "$(id -u)" = 0 ] || SUDO=sudo
	${SUDO:-} apt-get update -q >/dev/null || true
	if apt-cache madison "$BASE_PACKAGE" | awk '{print $3}' | grep -qxF "$want"; then
		log "installing $BASE_PACKAGE=$want"
		DEBIAN_FRONTEND=noninteractive ${SUDO:-} apt-get install -y -q \
			--no-install-recommends --allow-downgrades \
			"$BASE_PACKAGE=$want" >/dev/null
	else
		newest=$(apt-cache madison "$BASE_PACKAGE" | awk 'NR==1{print $3}')
		[ -n "$newest" ] || die "the archive serves no $BASE_PACKAGE"
		cat >&2 <<MSG
########################################################################
WARNING: the archive no longer serves $BASE_PACKAGE=$want,
WARNING: the version this series is tested against (see BASE).
WARNING: using the newest one instead: $newest
WARNING: patches may fail to apply; update BASE once they do.
########################################################################
MSG
		DEBIAN_FRONTEND=noninteractive ${SUDO:-} apt-get install -y -q \
			--no-install-recommends "$BASE_PACKAGE=$newest" >/dev/null
		want=$newest
	fi
	have=$(installed)
fi
[ "$have" = "$want" ] || die "$BASE_PACKAGE $want is not installed"

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$have" ] &&
   [ -f "$SMO_BASE_TREE/Makefile" ]; then
	exit 0
fi

tarball=/usr/src/$BASE_PACKAGE.tar.xz
[ -f "$tarball" ] || die "$tarball missing"
log "unpacking $BASE_PACKAGE $have into $SMO_BASE_TREE"
if [ -d "$SMO_BASE_TREE" ]; then
	chmod -R u+w "$SMO_BASE_TREE"
	rm -rf "$SMO_BASE_TREE"
fi
mkdir -p "$SMO_BASE_TREE"
tar -C "$SMO_BASE_TREE" --strip-components=1 -xJf "$tarball"
chmod -R a-w "$SMO_BASE_TREE"
echo "$have" > "$stamp"
log "base: Linux $(kernel_version_of "$SMO_BASE_TREE") ($BASE_PACKAGE $have)"
