# SPDX-License-Identifier: GPL-2.0
# Common settings and helpers for the SMO scripts.  Source it, do not run it.

set -Eeuo pipefail

# No script may die without a word: any command that fails outside an
# if/&&/|| context prints the script, the line, the step it was in (the
# last log() message or section) and the command, then the script exits
# with its status.  -E makes functions inherit the trap; subshells report
# through their parent, so each failure is reported once.
SMO_STEP=starting
smo_on_err() {
	local rc=$? cmd=$BASH_COMMAND
	# not the top-level shell, or errexit off (set +e: the script looks
	# at the status itself): not a death, stay quiet
	[ "$BASHPID" = "$$" ] && [[ $- == *e* ]] || return "$rc"
	printf 'ERROR: %s: line %s, step "%s": command failed (exit %s): %s\n' \
		"${0##*/}" "${BASH_LINENO[0]}" "$SMO_STEP" "$rc" "$cmd" >&2
	exit "$rc"
}
trap smo_on_err ERR

SMO_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SMO_BUILD=${SMO_BUILD:-$SMO_TOP/build}
SMO_BASE_TREE=$SMO_BUILD/base		# pristine, read-only
SMO_SRC=$SMO_BUILD/src			# patched tree the kernels are built from
SMO_GIT_TREE=$SMO_BUILD/tree		# git tree, one commit per patch
SMO_PATCHES=${SMO_PATCHES:-$SMO_TOP/patches}
SMO_PYTHON=${SMO_PYTHON:-/usr/bin/python3}
# ccache lives outside the repository so that fresh clones (CI) reuse it.
export CCACHE_DIR=${CCACHE_DIR:-/var/cache/smo-ccache}
export CCACHE_BASEDIR=$SMO_TOP
export CCACHE_NOHASHDIR=1
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-8G}
export CCACHE_SLOPPINESS=${CCACHE_SLOPPINESS:-time_macros}
# Reproducible kernel builds: fixed strings keep init/version.o cacheable.
export KBUILD_BUILD_USER=smo KBUILD_BUILD_HOST=smo
export KBUILD_BUILD_TIMESTAMP='2026-01-01'

# shellcheck source=/dev/null
. "$SMO_TOP/BASE"

log() { SMO_STEP=$*; printf '==> %s\n' "$*" >&2; }
warn() { printf 'WARNING: %s\n' "$*" >&2; }
die() { printf 'ERROR: %s: %s\n' "${0##*/}" "$*" >&2; exit 1; }

# The patch file names listed in patches/series, in order.
series_patches() {
	sed -e 's/#.*//' -e 's/^[[:space:]]*//' -e 's/[[:space:]].*//' \
		-e '/^$/d' "$SMO_PATCHES/series"
}

# New files introduced by patch $1, from its "# new: a b c" annotation.
series_new_files() {
	awk -v p="$1" '{
		line = $0; sub(/^[ \t]*/, "", line)
		if (line ~ /^#/ || line == "") next
		split(line, w, /[ \t]+/)
		if (w[1] != p) next
		if (match(line, /#[ \t]*new:/)) {
			rest = substr(line, RSTART + RLENGTH)
			n = split(rest, f, /[ \t]+/)
			for (i = 1; i <= n; i++) if (f[i] != "") print f[i]
		}
	}' "$SMO_PATCHES/series"
}

# Every new file of the series, in series order.
series_all_new_files() {
	local p
	for p in $(series_patches); do
		series_new_files "$p"
	done
}

kernel_version_of() {	# $1: tree
	make -s -C "$1" kernelversion 2>/dev/null
}

# --- kernel configs and builds, per architecture ------------------------------
# x86_64 is native; arm64 is cross-compiled with Debian's gcc-aarch64-linux-gnu.
# $arch is the kernel's ARCH= as well.
kernel_cross() {	# $1: arch -> the CROSS_COMPILE prefix ("" when native)
	case $1 in x86_64) echo "" ;; arm64) echo aarch64-linux-gnu- ;; *) return 1 ;; esac
}
kernel_image_target() {	# $1: arch -> the make target of the bootable image
	case $1 in x86_64) echo bzImage ;; arm64) echo Image ;; *) return 1 ;; esac
}
kernel_objdir() {	# $1: arch, $2: config -> the build dir's name
	case $1 in x86_64) echo "obj-$2" ;; *) echo "obj-$1-$2" ;; esac
}
# The config fragments of a build, one path per line, in the order they
# apply: fast, the architecture's, the config's own, then smo (not for a
# vanilla build).  Fails for a config the architecture does not have.
kernel_frags() {	# $1: arch, $2: config, $3: 1 for vanilla
	case $1:$2 in
	*:fast|x86_64:debug|x86_64:nodebug|arm64:hwtags|arm64:swtags) ;;
	*) return 1 ;;
	esac
	echo "$SMO_TOP/configs/fast.config"
	echo "$SMO_TOP/configs/$1.config"
	[ "$2" = fast ] || echo "$SMO_TOP/configs/$2.config"
	[ "${3:-0}" = 1 ] || echo "$SMO_TOP/configs/smo.config"
}
kernel_make() {	# $1: arch, $2: source tree, $3: build dir, make arguments...
	local arch=$1 src=$2 obj=$3 cross
	cross=$(kernel_cross "$arch")
	shift 3
	make -C "$src" O="$obj" ARCH="$arch" CROSS_COMPILE="$cross" \
		CC="ccache ${cross}gcc" HOSTCC="ccache gcc" -j"$(nproc)" "$@"
}
# tinyconfig, the fragments merged, olddefconfig, then every line of the
# fragments checked in the final .config.
kernel_configure() {	# $1: arch, $2: src, $3: obj, $4: log, fragments...
	local arch=$1 src=$2 obj=$3 logf=$4
	shift 4
	mkdir -p "$obj"
	kernel_make "$arch" "$src" "$obj" -s tinyconfig >/dev/null &&
	"$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" \
		"$@" >"$logf" 2>&1 &&
	kernel_make "$arch" "$src" "$obj" -s olddefconfig >>"$logf" 2>&1 &&
	(cd "$SMO_TOP/scripts" && "$SMO_PYTHON" -m smo.cli check-config \
		--config "$obj/.config" "$@")
}
