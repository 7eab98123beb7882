# SPDX-License-Identifier: GPL-2.0
# The tally of make test: jobs, their checks and their one verdict each.
# Source it after lib.sh; scripts/test.sh says the rules at its top, and
# scripts/tests/tally.sh checks them.  A job never fails the caller: its
# verdict is in the tally, and tally_summary's status is the result.

# named NAME FILE [--prefix]: how many PASS/FAIL/SKIP lines of FILE have
# the check name NAME (the text before " # "), or start with NAME.
named() {
	awk -v v="$1" -v pre="${3:-}" '
	$1 == "PASS" || $1 == "FAIL" || $1 == "SKIP" {
		l = substr($0, 6); i = index(l, " # ")
		if (i) l = substr(l, 1, i - 1)
		if (l == v || (pre != "" && index(l, v) == 1)) n++
	} END { print n + 0 }' "$2"
}

tally_init() {	# results file, directory for the jobs' own files
	R=$1 JOBS=$2 NJOBS=0
	rm -rf "$JOBS"
	mkdir -p "$JOBS"
	: >"$R"
	: >"$JOBS/planned"
}

# Copy a job's output to the terminal; its "PASS|FAIL|SKIP" lines also go
# to the job's results file ($1).
collect() {
	local line
	while IFS= read -r line; do
		case $line in
		"PASS "*) echo "$line" >>"$1"; echo "    ok   ${line#PASS }" ;;
		"FAIL "*) echo "$line" >>"$1"; echo "    FAIL ${line#FAIL }" ;;
		"SKIP "*) echo "$line" >>"$1"; echo "    skip ${line#SKIP }" ;;
		*) printf '%s\n' "$line" ;;
		esac
	done
}

skip_expected() {	# "<label>:<check>"
	local e
	for e in "${EXPECTED_SKIPS[@]}"; do
		# shellcheck disable=SC2053
		[[ $1 == ${e%%|*}:${e#*|} ]] && return 0
	done
	return 1
}

# judge NAME FILE RC MODE: the job's one verdict.  MODE "checks": it must
# have recorded checks; "status": its exit status is its only check.
judge() {
	local name=$1 f=$2 rc=$3 mode=$4 why=() line n want got label
	local fixed=$f.judged
	: >"$fixed"
	while IFS= read -r line; do
		case $line in
		"SKIP "*)
			if skip_expected "${line#SKIP }"; then
				echo "$line" >>"$fixed"
			else
				echo "FAIL ${line#SKIP } # unexpected SKIP" >>"$fixed"
				echo "    FAIL ${line#SKIP } (a SKIP not in EXPECTED_SKIPS)"
				why+=("unexpected SKIP")
			fi ;;
		PASS*|FAIL*) echo "$line" >>"$fixed" ;;
		PLAN*) ;;
		*) why+=("a malformed result line: ${line:0:60}") ;;
		esac
	done <"$f"
	n=$(grep -c '^[A-Z]' "$fixed" || true)
	[ "$mode" = status ] || [ "$n" -gt 0 ] || why+=("recorded no check")
	[ "$rc" = 0 ] || why+=("exit status $rc")
	grep -q '^FAIL ' "$fixed" && why+=("failing checks")
	while read -r _ label want; do
		# the "<label>:boot" verdict is the harness's, not a planned test
		got=$(( $(named "$label:" "$fixed" --prefix) -
			$(named "$label:boot" "$fixed") ))
		[ "$got" = "$want" ] ||
			why+=("$label: $got checks recorded, its TAP plans announced $want")
	done < <(grep '^PLAN ' "$f" || true)
	cat "$fixed" >>"$R"
	local vname=$name
	[ "$mode" = status ] || vname=job:$name
	if [ ${#why[@]} = 0 ]; then
		echo "PASS $vname" >>"$R"
		if [ "$mode" = status ]; then echo "    ok   $vname"; fi
	else
		local reason
		reason=$(IFS=';'; echo "${why[*]}")
		echo "FAIL $vname # $reason" >>"$R"
		echo "    FAIL $vname: $reason"
	fi
}

# job [--status] NAME CMD...: run one job (see the top of this file).
# Never fails itself: its verdict is in the tally.
job() {
	local mode=checks name f rc
	[ "$1" = --status ] && { mode=status; shift; }
	name=$1; shift
	NJOBS=$((NJOBS + 1))
	f=$JOBS/$NJOBS.txt
	: >"$f"
	printf '%s\t%s\n' "$mode" "$name" >>"$JOBS/planned"
	set +e
	SMO_RESULTS_FILE=$f "$@" 2>&1 | collect "$f"
	rc=${PIPESTATUS[0]}
	set -e
	judge "$name" "$f" "$rc" "$mode"
	return 0
}
step() { job --status "$@"; }	# step NAME CMD...: a check by exit status

# expect_fail NAME REASON CMD...: CMD must fail, for REASON (an extended
# regular expression its output must match), not because the harness broke.
expect_fail() {
	local name=$1 reason=$2; shift 2
	job --status "$name" expect_fail_run "$reason" "$@"
}
expect_fail_run() {
	local reason=$1 out rc; shift
	out=$("$@" 2>&1) && rc=0 || rc=$?
	if [ "$rc" = 0 ]; then
		echo "         not caught: the command succeeded"; return 1
	fi
	if grep -q '^Traceback' <<<"$out"; then
		echo "         the harness itself failed:"
		grep -A3 '^Traceback' <<<"$out" | sed 's/^/         /'
		return 1
	fi
	if ! grep -qE -- "$reason" <<<"$out"; then
		echo "         failed (exit $rc) but not with /$reason/:"
		tail -n 5 <<<"$out" | sed 's/^/         /'
		return 1
	fi
	grep -E -m 2 -- "$reason" <<<"$out" | sed 's/^ */         caught: /'
}


# Every planned job has exactly one verdict; print the failures and the
# counts; the status is non-zero on any failure or shortfall.
tally_summary() {
	local mode name v n short=0 p f s jobs=0 verdicts=0 planned
	while IFS=$'\t' read -r mode name; do
		v=$name
		[ "$mode" = status ] || v=job:$name
		n=$(named "$v" "$R")
		jobs=$((jobs + 1))
		if [ "$n" = 1 ]; then
			verdicts=$((verdicts + 1))
		else
			echo "FAIL $v # $n verdicts recorded, expected 1" >>"$R"
			short=1
		fi
	done <"$JOBS/planned"
	grep '^FAIL ' "$R" | sed 's/^/    /' || true
	p=$(grep -c '^PASS ' "$R" || true)
	f=$(grep -c '^FAIL ' "$R" || true)
	s=$(grep -c '^SKIP ' "$R" || true)
	planned=$(awk '$1 == "PLAN" { n += $3 } END { print n + 0 }' \
		"$JOBS"/*.txt /dev/null)
	echo "$jobs jobs planned, $verdicts with their one verdict;" \
		"guest TAP plans announced $planned checks, each job's count checked"
	echo "$p passed, $f failed, $s skipped"
	[ "$f" = 0 ] && [ "$p" -gt 0 ] && [ "$short" = 0 ]
}
