#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install Debian's kernel source package at the pinned version and unpack
# it, read-only, into build/base.  The pristine copy is never modified.
#
# A machine that never saw the package is the normal case: dpkg-query then
# exits 1 with nothing on stdout, which must mean "not installed", not an
# error (scripts/smo/tests/fresh_machine.sh runs this script against
# stand-ins for dpkg-query, apt-get and apt-cache).
. "$(dirname "$0")/lib.sh"

stamp=$SMO_BUILD/base.version
want=$BASE_VERSION
usr_src=${SMO_USR_SRC:-/usr/src}	# where the package puts its tarball

installed() {	# the installed version of the package, or nothing
	local st
	st=$(dpkg-query -W -f='${Status} ${Version}' "$BASE_PACKAGE" 2>/dev/null) ||
		return 0
	awk '$3 == "installed" { print $4 }' <<<"$st"
}

SMO_STEP="checking for $BASE_PACKAGE"
have=$(installed)
if [ "$have" != "$want" ]; then
	log "installing $BASE_PACKAGE $want (installed: ${have:-none})"
	[ "$(id -u)" = 0 ] || SUDO=sudo
	mkdir -p "$SMO_BUILD/logs"
	apt_log=$SMO_BUILD/logs/apt-base.log
	${SUDO:-} apt-get update -q >"$apt_log" 2>&1 ||
		warn "apt-get update failed (see $apt_log); using the package lists this machine has"
	versions=$(apt-cache madison "$BASE_PACKAGE" 2>>"$apt_log" |
		awk '{ print $3 }') || versions=
	if grep -qxF "$want" <<<"$versions"; then
		pick=$want
	else
		pick=$(head -n 1 <<<"$versions")
		[ -n "$pick" ] ||
			die "the archive serves no $BASE_PACKAGE: check the network and /etc/apt/sources.list (log: $apt_log)"
		cat >&2 <<MSG
########################################################################
WARNING: the archive no longer serves $BASE_PACKAGE=$want,
WARNING: the version this series is tested against (see BASE).
WARNING: using the newest one instead: $pick
WARNING: patches may fail to apply; update BASE once they do.
########################################################################
MSG
	fi
	DEBIAN_FRONTEND=noninteractive ${SUDO:-} apt-get install -y -q \
		--no-install-recommends --allow-downgrades \
		"$BASE_PACKAGE=$pick" >>"$apt_log" 2>&1 ||
		die "apt-get install $BASE_PACKAGE=$pick failed: $(tail -n 2 "$apt_log" | tr '\n' ' ')(log: $apt_log)"
	want=$pick
	have=$(installed)
fi
[ "$have" = "$want" ] ||
	die "$BASE_PACKAGE $want is not installed after apt-get install (dpkg says: ${have:-not installed})"

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$have" ] &&
   [ -f "$SMO_BASE_TREE/Makefile" ]; then
	exit 0
fi

tarball=$usr_src/$BASE_PACKAGE.tar.xz
[ -f "$tarball" ] || die "$tarball missing although $BASE_PACKAGE $have is installed"
log "unpacking $BASE_PACKAGE $have into $SMO_BASE_TREE"
if [ -d "$SMO_BASE_TREE" ]; then
	chmod -R u+w "$SMO_BASE_TREE"
	rm -rf "$SMO_BASE_TREE"
fi
mkdir -p "$SMO_BASE_TREE"
tar -C "$SMO_BASE_TREE" --strip-components=1 -xJf "$tarball"
[ -f "$SMO_BASE_TREE/Makefile" ] || die "$tarball did not unpack into a kernel tree"
chmod -R a-w "$SMO_BASE_TREE"
echo "$have" > "$stamp"
log "base: Linux $(kernel_version_of "$SMO_BASE_TREE") ($BASE_PACKAGE $have)"
