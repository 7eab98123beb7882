#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The tally's own test (make test runs it before any kernel is built):
# jobs that go wrong in every way a job can must each end as one FAIL
# verdict with the right reason, and a good job as one PASS.  Prints
# PASS|FAIL lines.  Needs no kernel: the harness runs against an empty
# stand-in build directory, and QEMU is never reached.
. "$(dirname "$0")/../lib.sh"
. "$SMO_TOP/scripts/tally.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
EXPECTED_SKIPS=('cfg:expected@1node|*why it skips*')
obj=$tmp/obj
mkdir -p "$obj/arch/x86/boot"
: >"$obj/arch/x86/boot/bzImage"
: >"$obj/initramfs.cpio"
tally_init "$tmp/results.txt" "$tmp/jobs"
fail=0

# expect KIND NAME STATUS [REASON-ERE]: the scratch tally's verdict of NAME
expect() {
	local v line
	v=$2; [ "$1" = job ] && v=job:$2
	line=$(awk -v v="$v" '($1 == "PASS" || $1 == "FAIL") {
		l = substr($0, 6); i = index(l, " # ")
		if ((i ? substr(l, 1, i - 1) : l) == v) print }' "$R")
	if [ "$(wc -l <<<"$line")" = 1 ] && [ "${line%% *}" = "$3" ] &&
	   { [ -z "${4:-}" ] || grep -qE -- "$4" <<<"$line"; }; then
		echo "PASS tally:$2 -> $3${4:+ ($4)}"
	else
		echo "FAIL tally:$2 -> $3${4:+ ($4)}: recorded '${line:-nothing}'"
		fail=1
	fi
}
py() { (cd "$SMO_TOP/scripts" && "$SMO_PYTHON" -m smo.cli "$@"); }
rec() { printf '%s\n' "$@" >>"$SMO_RESULTS_FILE"; }
quiet() { "$@" >>"$tmp/out.txt" 2>&1; }

quiet job "records nothing" true
expect job "records nothing" FAIL 'recorded no check'
quiet job "passes, then exits 3" sh -c 'echo "PASS a"; exit 3'
expect job "passes, then exits 3" FAIL 'exit status 3'
quiet job "killed" sh -c 'echo "PASS a"; kill -9 $$'
expect job "killed" FAIL 'exit status 137'
quiet job "plan shortfall" rec "PLAN l 3" "PASS l:a" "PASS l:b" "PASS l:boot"
expect job "plan shortfall" FAIL 'l: 2 checks recorded, its TAP plans announced 3'
quiet job "plan counts its own label only" rec "PLAN l 2" "PASS l:a" "SKIP cfg:expected@1node:why it skips" \
	"PASS l:boot"
expect job "plan counts its own label only" FAIL 'l: 1 checks recorded'
quiet job "good" rec "PLAN m 2" "PASS m:a" "PASS m:b # with a reason" "PASS m:boot"
expect job "good" PASS
quiet job "unexpected skip" rec "SKIP cfg:other@1node:why it skips"
expect job "unexpected skip" FAIL 'unexpected SKIP'
expect check "cfg:other@1node:why it skips" FAIL 'unexpected SKIP'
quiet job "expected skip" rec "SKIP cfg:expected@1node:why it skips" "PASS x"
expect job "expected skip" PASS
quiet job "a malformed line" rec "PASS a" "garbage"
expect job "a malformed line" FAIL 'malformed'
quiet job "harness raises" env SMO_HARNESS_FAULT=raise SMO_QEMU=/nonexistent/qemu \
	"$SMO_PYTHON" -c 'import os, sys; os.chdir(sys.argv[1]); from smo import cli; sys.exit(cli.main(sys.argv[2:]))' \
	"$SMO_TOP/scripts" run --obj "$obj" --topology 1node --job guest/jobs/boot.sh \
	--tap --label h
expect job "harness raises" FAIL 'failing checks'
expect check "h:boot" FAIL 'harness error: RuntimeError'
quiet job "qemu cannot start" env SMO_QEMU=/nonexistent/qemu "$SMO_PYTHON" -c \
	'import os, sys; os.chdir(sys.argv[1]); from smo import cli; sys.exit(cli.main(sys.argv[2:]))' \
	"$SMO_TOP/scripts" run --obj "$obj" --topology 1node --job guest/jobs/boot.sh \
	--tap --label q
expect job "qemu cannot start" FAIL 'exit status 1'
expect check "q:boot" FAIL 'cannot start QEMU \(/nonexistent/qemu\)'
quiet job "no build" py suite --obj "$tmp/none" --topology 2node --label n
expect check "n:boot" FAIL 'does not exist \(build first\)'
quiet step "a step that fails" false
expect check "a step that fails" FAIL 'exit status 1'
quiet expect_fail "fails for another reason" 'the reason' sh -c 'echo other; exit 1'
expect check "fails for another reason" FAIL
quiet expect_fail "fails by a traceback" 'the reason' sh -c \
	'echo "Traceback (most recent call last):"; echo the reason; exit 1'
expect check "fails by a traceback" FAIL
quiet expect_fail "does not fail" 'the reason' sh -c 'echo the reason'
expect check "does not fail" FAIL
quiet expect_fail "fails for the reason" 'the reason' sh -c 'echo the reason; exit 1'
expect check "fails for the reason" PASS

# the summary: a planned job without its verdict is a shortfall
printf 'checks\tlost job\n' >>"$JOBS/planned"
if quiet tally_summary; then
	echo "FAIL tally:summary fails on a job without a verdict"; fail=1
else
	echo "PASS tally:summary fails on a job without a verdict"
fi
grep -q '^FAIL job:lost job # 0 verdicts recorded, expected 1' "$R" &&
	echo "PASS tally:the lost job is named" ||
	{ echo "FAIL tally:the lost job is named"; fail=1; }
exit $fail
