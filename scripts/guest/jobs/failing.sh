# SPDX-License-Identifier: GPL-2.0
# For the harness's own check: a guest test that fails must fail the run.
. /smo/tap.sh
tap_plan 2
ok 0 "a passing test"
ok 1 "a test that fails on purpose"
exit 0
