#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the guest initramfs for a build dir: busybox (static), /init, the
# kernel's modules and the installed slub_movable kselftests.  For an arm64
# build dir (CONFIG_ARM64=y) the programs are Debian's arm64 ones
# (scripts/arm64-root.sh).
#
#   initramfs.sh OBJDIR     -> OBJDIR/initramfs.cpio
. "$(dirname "$0")/lib.sh"

obj=${1:?usage: initramfs.sh OBJDIR}
root=$obj/initramfs
rm -rf "$root"
mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,tmp,root,lib}
if grep -qx 'CONFIG_ARM64=y' "$obj/.config" 2>/dev/null; then
	"$SMO_TOP/scripts/arm64-root.sh"
	arm=$SMO_BUILD/arm64-root
	cp "$arm/bin/busybox" "$root/bin/busybox"
	# coreutils' timeout, and the loader and C library it names
	# (libc6-arm64-cross is the same glibc as Debian's arm64 libc6)
	install -D -m 0755 "$arm/usr/bin/timeout" "$root/usr/bin/timeout"
	install -D -m 0755 /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1 \
		"$root/lib/ld-linux-aarch64.so.1"
	install -D -m 0644 /usr/aarch64-linux-gnu/lib/libc.so.6 \
		"$root/lib/aarch64-linux-gnu/libc.so.6"
else
	cp /bin/busybox "$root/bin/busybox"
	case $(ldd /bin/busybox 2>&1 || true) in
	*"not a dynamic"*) ;;
	*) die "/bin/busybox is not static (install busybox-static)" ;;
	esac
fi
ln -s busybox "$root/bin/sh"
install -m 0755 "$SMO_TOP/scripts/guest/init" "$root/init"
# host_tool PATH: a dynamically linked host program at the same path in
# the guest, with the libraries ldd names (busybox --install keeps it: it
# does not replace an existing file with its applet).
host_tool() {
	local lib
	install -D -m 0755 "$1" "$root$1"
	for lib in $(ldd "$1" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }
				      $1 ~ /^\// { print $1 }'); do
		[ -e "$root$lib" ] || install -D -m 0755 "$lib" "$root$lib"
	done
}
# coreutils' timeout: the kselftest runner (kselftest/runner.sh) calls
# "/usr/bin/timeout --foreground", which busybox's timeout does not know
[ -e "$root/usr/bin/timeout" ] || host_tool /usr/bin/timeout
mkdir -p "$root/smo"
cp "$SMO_TOP"/scripts/guest/lib/*.sh "$root/smo/"
echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"
echo 'nobody:x:65534:65534:nobody:/:/bin/sh' >>"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
if [ -d "$obj/modinst/lib/modules" ]; then
	cp -a "$obj/modinst/lib/modules" "$root/lib/"
fi
[ -x "$obj/slabinfo" ] && cp "$obj/slabinfo" "$root/bin/slabinfo"
# out-of-tree modules (make bench puts smo_bench.ko there)
[ -d "$obj/extra" ] && cp -a "$obj/extra" "$root/extra"
if [ -d "$obj/kselftest" ]; then
	cp -a "$obj/kselftest" "$root/kselftest"
fi
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) \
	>"$obj/initramfs.cpio"
log "initramfs: $obj/initramfs.cpio ($(du -h "$obj/initramfs.cpio" | cut -f1))"
