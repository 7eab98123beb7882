#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Configure and build a kernel, its modules and the SMO selftests.
#
#   build.sh [--vanilla] fast|debug|nodebug
#
# The patched kernel is built from build/src (see prepare-src.sh) into
# build/obj-<cfg>; --vanilla builds the pristine base into
# build/obj-vanilla-<cfg> with the same config minus the SMO options.
. "$(dirname "$0")/lib.sh"

vanilla=0
if [ "${1:-}" = --vanilla ]; then vanilla=1; shift; fi
cfg=${1:?usage: build.sh [--vanilla] fast|debug|nodebug}

frags=("$SMO_TOP/configs/fast.config")
case $cfg in
fast) ;;
debug|nodebug) frags+=("$SMO_TOP/configs/$cfg.config") ;;
*) die "unknown config '$cfg' (fast, debug or nodebug)" ;;
esac

if [ $vanilla = 1 ]; then
	src=$SMO_BASE_TREE
	obj=$SMO_BUILD/obj-vanilla-$cfg
else
	src=$SMO_SRC
	obj=$SMO_BUILD/obj-$cfg
	frags+=("$SMO_TOP/configs/smo.config")
fi
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

kmake() {
	make -C "$src" O="$obj" ARCH=x86_64 CC="ccache gcc" HOSTCC="ccache gcc" \
		-j"$(nproc)" "$@"
}

log "configuring $(basename "$obj") from ${frags[*]#"$SMO_TOP/"}"
kmake -s tinyconfig >/dev/null
"$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" \
	"${frags[@]}" >"$logf" 2>&1
kmake -s olddefconfig >>"$logf" 2>&1
(cd "$SMO_TOP/scripts" && "$SMO_PYTHON" -m smo.cli check-config \
	--config "$obj/.config" "${frags[@]}") ||
	die "config check failed for $(basename "$obj")"

log "building $(basename "$obj") (log: ${logf#"$SMO_TOP/"})"
start=$(date +%s)
set +e
kmake bzImage modules 2>&1 | tee -a "$logf" | progress "$start"
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
gcc -O2 -Wall -static -o "$obj/slabinfo" "$src/tools/mm/slabinfo.c" \
	>>"$logf" 2>&1 || die "slabinfo build failed (log: $logf)"
if [ -d "$src/tools/testing/selftests/slub_movable" ]; then
	rm -rf "$obj/kselftest"
	make -C "$src/tools/testing/selftests" TARGETS=slub_movable \
		O="$obj/kselftest-build" INSTALL_PATH="$obj/kselftest" \
		install >>"$logf" 2>&1 || die "kselftest install failed (log: $logf)"
fi
log "built $(basename "$obj"): $(cat "$obj/include/config/kernel.release")" \
	"in $(( $(date +%s) - start ))s"
