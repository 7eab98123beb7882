#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The setup scripts (deps.sh, base.sh) on machines they have never seen.
# Stand-ins for dpkg-query, apt-get, apt-cache, ccache and sudo come first
# on PATH and play, case by case:
#   fresh       dpkg never heard of the packages (dpkg-query: exit 1, nothing
#               on stdout); the archive serves the pinned version
#   removed     the package was removed but not purged ("deinstall ok
#               config-files")
#   gone        the pinned version is no longer in the archive, a newer one is
#   installed   everything is there already: no apt-get at all
#   none        the archive serves no linux-source-6.12 at all
#   apt-fails   apt-get update and install fail (no network)
# Each case must install and unpack, or stop with a clear message naming
# what failed, never die silently.  Prints PASS|FAIL lines.
. "$(dirname "$0")/../lib.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
result() {	# status name [detail]
	if [ "$1" = 0 ]; then echo "PASS fresh:$2"
	else echo "FAIL fresh:$2${3:+ # $3}"; fail=1; fi
}

# The stand-ins.  State: $FAKE/installed ("name version status" lines),
# $FAKE/calls (every apt-get call), $FAKE_MODE (the case).
bin=$tmp/bin
mkdir -p "$bin"
cat >"$bin/dpkg-query" <<'STUB'
#!/bin/bash
# dpkg-query -W -f=FORMAT PKG: as dpkg does for a package it never saw
fmt=${2#-f=}; pkg=$3
line=$(awk -v p="$pkg" '$1 == p' "$FAKE/installed" 2>/dev/null | tail -n 1)
if [ -z "$line" ]; then
	echo "dpkg-query: no packages found matching $pkg" >&2
	exit 1
fi
read -r _ ver st <<<"$line"
case $st in
installed) status="install ok installed" ;;
removed) status="deinstall ok config-files" ;;
esac
fmt=${fmt//\$\{Status\}/$status}
printf '%s' "${fmt//\$\{Version\}/$ver}"
STUB
cat >"$bin/apt-get" <<'STUB'
#!/bin/bash
echo "apt-get $*" >>"$FAKE/calls"
[ "$FAKE_MODE" = apt-fails ] && {
	echo "E: Failed to fetch http://deb.debian.org/debian: Temporary failure resolving" >&2
	exit 100
}
[ "$1" = update ] && exit 0
for a in "$@"; do
	case $a in -*|install) continue ;; esac
	name=${a%%=*} ver=${a#*=}
	[ "$ver" = "$a" ] && ver=1.0
	if [ "$name" = linux-source-6.12 ]; then
		mkdir -p "$FAKE/src/linux-source-6.12" "$FAKE/usr-src"
		printf 'kernelversion:\n\t@echo 6.12.117\n' \
			>"$FAKE/src/linux-source-6.12/Makefile"
		tar -C "$FAKE/src" -cJf "$FAKE/usr-src/linux-source-6.12.tar.xz" \
			linux-source-6.12
	fi
	echo "$name $ver installed" >>"$FAKE/installed"
done
STUB
cat >"$bin/apt-cache" <<'STUB'
#!/bin/bash
# apt-cache madison PKG
case $FAKE_MODE in
apt-fails|none) echo "N: Unable to locate package $2" >&2 ;;
gone) echo " $2 | 6.12.999-1~deb12u1 | http://deb.debian.org/debian bookworm/main amd64 Packages" ;;
*)
	echo " $2 | 6.12.999-1~deb12u1 | http://deb.debian.org/debian bookworm/main amd64 Packages"
	echo " $2 | $FAKE_WANT | http://deb.debian.org/debian bookworm-security/main amd64 Packages" ;;
esac
STUB
printf '#!/bin/sh\nexit 0\n' >"$bin/ccache"
printf '#!/bin/sh\nexec "$@"\n' >"$bin/sudo"
chmod +x "$bin"/*

# run CASE SCRIPT: the script's status and output, as on that machine
run() {
	export FAKE=$tmp/$1 FAKE_MODE=$1 FAKE_WANT=$BASE_VERSION
	mkdir -p "$FAKE"
	: >"$FAKE/calls"
	case $1 in
	installed) echo "linux-source-6.12 $BASE_VERSION installed" >"$FAKE/installed"
		mkdir -p "$FAKE/src/linux-source-6.12" "$FAKE/usr-src"
		printf 'kernelversion:\n\t@echo 6.12.117\n' \
			>"$FAKE/src/linux-source-6.12/Makefile"
		tar -C "$FAKE/src" -cJf "$FAKE/usr-src/linux-source-6.12.tar.xz" \
			linux-source-6.12 ;;
	removed) echo "linux-source-6.12 $BASE_VERSION removed" >"$FAKE/installed" ;;
	esac
	# every package deps.sh asks for (its PKGS list, read from it)
	[ "$1" = installed ] && for p in $(sed -n '/^PKGS=(/,/)/p' \
		"$SMO_TOP/scripts/deps.sh" | tr -d '()' | sed 's/^PKGS=//'); do
		echo "$p 1.0 installed" >>"$FAKE/installed"
	done
	out=$(PATH=$bin:$PATH SMO_BUILD=$FAKE/build SMO_USR_SRC=$FAKE/usr-src \
		CCACHE_DIR=$FAKE/ccache "$SMO_TOP/scripts/$2" 2>&1) && rc=0 || rc=$?
	printf '%s\n' "$out" | sed "s/^/    $1: $2: /"
}
# a clear message, and not the ERR trap's "command failed"
said() { grep -qE -- "$1" <<<"$out" && ! grep -q 'command failed' <<<"$out"; }
unpacked() {	# version
	[ -f "$FAKE/build/base/Makefile" ] &&
	[ "$(cat "$FAKE/build/base.version")" = "$1" ]
}

for c in fresh removed; do
	run $c base.sh
	[ $rc = 0 ] && unpacked "$BASE_VERSION" &&
		grep -q "install .*linux-source-6.12=$BASE_VERSION" "$FAKE/calls" && r=0 || r=1
	result $r "$c: base.sh installs $BASE_VERSION and unpacks it" "rc $rc"
done
run fresh deps.sh
[ $rc = 0 ] && grep -q 'install .*qemu-system-x86' "$FAKE/calls" &&
	said 'installing Debian packages' && r=0 || r=1
result $r "fresh: deps.sh installs the missing packages" "rc $rc"

run gone base.sh
[ $rc = 0 ] && unpacked 6.12.999-1~deb12u1 &&
	said "no longer serves linux-source-6.12=$BASE_VERSION" && r=0 || r=1
result $r "gone: base.sh warns and uses the newest version" "rc $rc"

run installed base.sh
[ $rc = 0 ] && unpacked "$BASE_VERSION" && [ ! -s "$FAKE/calls" ] && r=0 || r=1
result $r "installed: base.sh unpacks without calling apt-get" "rc $rc"
run installed deps.sh
[ $rc = 0 ] && [ ! -s "$FAKE/calls" ] && r=0 || r=1
result $r "installed: deps.sh calls no apt-get" "rc $rc"

run none base.sh
[ $rc != 0 ] && said 'ERROR: base.sh: the archive serves no linux-source-6.12' && r=0 || r=1
result $r "none: base.sh stops, saying the archive serves no package" "rc $rc"

run apt-fails base.sh
[ $rc != 0 ] && said 'apt-get update failed' &&
	said 'ERROR: base.sh: the archive serves no linux-source-6.12' && r=0 || r=1
result $r "apt-fails: base.sh stops with the apt failure" "rc $rc"
run apt-fails deps.sh
[ $rc != 0 ] && said 'ERROR: deps.sh: apt-get install .* failed: .*Temporary failure resolving' && r=0 || r=1
result $r "apt-fails: deps.sh stops, naming the packages and apt's error" "rc $rc"

# the ERR trap: a script that dies says which script, which line and step
out=$(bash -c '. "$1/scripts/lib.sh"; log "doing the thing"; false; echo after' \
	x "$SMO_TOP" 2>&1) && rc=0 || rc=$?
[ $rc = 1 ] && grep -q 'ERROR: .*line 1, step "doing the thing": command failed (exit 1): false' <<<"$out" &&
	! grep -q after <<<"$out" && r=0 || r=1
result $r "a script that dies names itself, the step and the command" "$out"
exit $fail
