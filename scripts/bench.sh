#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench: build the vanilla base and the patched kernel with the same
# fast config, build the bench module out of tree for each, boot both under
# the same QEMU settings, and write build/bench/{report.md,bench.csv,*.png}.
#
#   bench.sh [REPEAT]      (default 3 boots per kernel and QEMU mode)
. "$(dirname "$0")/lib.sh"

repeat=${1:-${BENCH_REPEAT:-3}}
out=$SMO_BUILD/bench
mkdir -p "$out"
start=$(date +%s)

log "[1/4] building the vanilla base (fast config, build/obj-vanilla-fast)"
"$SMO_TOP/scripts/build.sh" --vanilla fast
log "[2/4] building the patched kernel (fast config, build/obj-fast)"
"$SMO_TOP/scripts/prepare-src.sh"
"$SMO_TOP/scripts/build.sh" fast

log "[3/4] building scripts/bench/smo_bench.c for both kernels"
for k in vanilla patched; do
	obj=$SMO_BUILD/obj-fast
	[ $k = vanilla ] && obj=$SMO_BUILD/obj-vanilla-fast
	m=$out/mod-$k
	rm -rf "$m"
	mkdir -p "$m" "$obj/extra"
	cp "$SMO_TOP"/scripts/bench/{Makefile,smo_bench.c} "$m/"
	make -C "$obj" M="$m" ARCH=x86_64 CC="ccache gcc" W=1 modules \
		>"$out/mod-$k.log" 2>&1 || { cat "$out/mod-$k.log"; die "bench module ($k)"; }
	grep -q 'warning:' "$out/mod-$k.log" && { grep 'warning:' "$out/mod-$k.log"; die "warnings"; }
	cp "$m/smo_bench.ko" "$obj/extra/"
	"$SMO_TOP/scripts/initramfs.sh" "$obj"
done
[ -n "$(nm "$out/mod-patched/smo_bench.ko" | grep bench_migrate)" ] ||
	die "the patched kernel's bench module was built without mobility"
[ -z "$(nm "$out/mod-vanilla/smo_bench.ko" | grep bench_migrate)" ] ||
	die "the vanilla bench module has mobility: wrong kernel tree?"

log "[4/4] running (progress per boot; under TCG each takes a few minutes)"
cd "$SMO_TOP/scripts"
"$SMO_PYTHON" -m smo.bench "$SMO_BUILD/obj-vanilla-fast" "$SMO_BUILD/obj-fast" \
	"$repeat" "$out"
log "make bench done in $(( ($(date +%s) - start) / 60 )) min: $out/report.md"
