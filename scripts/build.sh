#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Configure and build a kernel, its modules and the SMO selftests.
#
#   build.sh [--vanilla] [--arch x86_64|arm64] CONFIG
#
# CONFIG: fast, debug or nodebug (x86_64, the default), or fast, hwtags or
# swtags (arm64: KASAN with MTE or with software tags; cross-compiled with
# Debian's gcc-aarch64-linux-gnu).  The patched kernel is built from
# build/src (see prepare-src.sh) into build/obj-<CONFIG> (x86_64) or
# build/obj-arm64-<CONFIG>; --vanilla builds the pristine base into
# build/obj-vanilla-<CONFIG> with the same config minus the SMO options.
. "$(dirname "$0")/lib.sh"

vanilla=0 arch=x86_64
while [ $# -gt 1 ]; do
	case $1 in
	--vanilla) vanilla=1; shift ;;
	--arch) arch=$2; shift 2 ;;
	*) break ;;
	esac
done
cfg=${1:?usage: build.sh [--vanilla] [--arch x86_64|arm64] CONFIG}

if [ $vanilla = 1 ]; then
	src=$SMO_BASE_TREE
	obj=$SMO_BUILD/$(kernel_objdir "$arch" "vanilla-$cfg")
else
	src=$SMO_SRC
	obj=$SMO_BUILD/$(kernel_objdir "$arch" "$cfg")
fi
frags=$(kernel_frags "$arch" "$cfg" "$vanilla") ||
	die "unknown config '$cfg' for $arch (x86_64: fast, debug, nodebug; arm64: fast, hwtags, swtags)"
mapfile -t frags <<<"$frags"
[ -f "$src/Makefile" ] || die "no kernel tree at $src (run make src)"
mkdir -p "$obj" "$SMO_BUILD/logs"
logf=$SMO_BUILD/logs/build-$(basename "$obj").log

# Show one line per 250 objects, and every warning or error, as they come.
progress() {
	local n=0 line
	while IFS= read -r line; do
		case $line in
		"  CC"*|"  AS"*|"  LD"*|"  AR"*)
			n=$((n + 1))
			[ $((n % 250)) = 0 ] &&
				echo "    ... $n objects, $(( $(date +%s) - $1 ))s" ;;
		*error:*|*warning:*) echo "    $line" ;;
		esac
	done
}

kmake() { kernel_make "$arch" "$src" "$obj" "$@"; }

log "configuring $(basename "$obj") ($arch) from ${frags[*]#"$SMO_TOP/"}"
kernel_configure "$arch" "$src" "$obj" "$logf" "${frags[@]}" ||
	die "config check failed for $(basename "$obj") (log: $logf)"

log "building $(basename "$obj") (log: ${logf#"$SMO_TOP/"})"
start=$(date +%s)
set +e
kmake "$(kernel_image_target "$arch")" modules 2>&1 | tee -a "$logf" |
	progress "$start"
rc=${PIPESTATUS[0]}
set -e
if [ "$rc" != 0 ]; then
	tail -40 "$logf" >&2
	die "build of $(basename "$obj") failed (log: $logf)"
fi
rm -rf "$obj/modinst"
kmake -s INSTALL_MOD_PATH="$obj/modinst" INSTALL_MOD_STRIP=1 \
	modules_install >>"$logf" 2>&1
# tools/mm/slabinfo, static, for the guest
"$(kernel_cross "$arch")gcc" -O2 -Wall -static -o "$obj/slabinfo" \
	"$src/tools/mm/slabinfo.c" >>"$logf" 2>&1 ||
	die "slabinfo build failed (log: $logf)"
if [ -d "$src/tools/testing/selftests/slub_movable" ]; then
	rm -rf "$obj/kselftest"
	make -C "$src/tools/testing/selftests" TARGETS=slub_movable \
		ARCH="$arch" CROSS_COMPILE="$(kernel_cross "$arch")" \
		O="$obj/kselftest-build" INSTALL_PATH="$obj/kselftest" \
		install >>"$logf" 2>&1 || die "kselftest install failed (log: $logf)"
fi
log "built $(basename "$obj"): $(cat "$obj/include/config/kernel.release")" \
	"in $(( $(date +%s) - start ))s"
