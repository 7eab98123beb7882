# SPDX-License-Identifier: GPL-2.0
# The slub_movable kselftests as a kernel developer runs them: through the
# kernel's own runner, /kselftest/run_kselftest.sh, installed by
# "make -C tools/testing/selftests TARGETS=slub_movable install".  Its TAP
# (each test's own KTAP nested in "# " lines) goes to stdout for the host;
# the job fails unless every test the runner planned reported "ok".
#
# The guest has only busybox.  run_kselftest.sh and kselftest/runner.sh of
# 6.12 work with it (no perl: runner.sh prefixes with sed; no stdbuf: it
# runs without) except for two things, the runner itself unpatched:
# - runner.sh writes the tests' output to logfile=/dev/stdout, and
#   devtmpfs has no /dev/stdout (udev makes the link): the output would go
#   into a plain file of that name and the TAP would lose every nested
#   line.  The /dev/fd, /dev/std{in,out,err} links are made.
# - runner.sh runs each test as
#     /usr/bin/timeout --foreground $T /usr/bin/timeout $T ./test.sh
#   and busybox's timeout knows no --foreground (it exits 1 at once:
#   every test would be "not ok ... # exit=1").  scripts/initramfs.sh
#   copies the host's coreutils timeout (with the libraries ldd names)
#   to /usr/bin/timeout; this job refuses to run without it.
K=/kselftest
OUT=/tmp/run_kselftest.tap

[ -L /dev/fd ] || { rm -f /dev/fd; ln -s /proc/self/fd /dev/fd; }
for f in stdin:0 stdout:1 stderr:2; do
	name=/dev/${f%:*}
	[ -L "$name" ] || { rm -f "$name"; ln -s "/proc/self/fd/${f#*:}" "$name"; }
done

if [ ! -x $K/run_kselftest.sh ] ||
   ! grep -q '^slub_movable:' $K/kselftest-list.txt 2>/dev/null; then
	echo "TAP version 13"
	echo "1..1"
	echo "not ok 1 selftests: slub_movable: not installed in $K"
	exit 1
fi

if ! /usr/bin/timeout --foreground 5 true; then
	echo "TAP version 13"
	echo "1..1"
	echo "not ok 1 selftests: slub_movable: /usr/bin/timeout is not coreutils' (scripts/initramfs.sh copies it in)"
	exit 1
fi

cd $K || exit 1
./run_kselftest.sh -c slub_movable 2>&1 | tee $OUT
# run_kselftest.sh exits 0 whatever the tests did: judge its TAP here too,
# and that each test's own TAP came through (its plan, nested in "# ").
awk '
	/^1\.\.[0-9]+/ { sub(/^1\.\./, ""); plan = $0 + 0 }
	/^# 1\.\.[0-9]+/ { nested++ }
	/^ok / { n++ }
	/^not ok / { n++; bad++ }
	END {
		if (plan == 0 || n != plan || nested != plan || bad) {
			printf "# runner: %d planned, %d reported, %d not ok, " \
				"%d with their own plan\n", plan, n, bad, nested
			exit 1
		}
	}' $OUT
