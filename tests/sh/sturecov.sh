#!/bin/sh
# sturecov.sh - the ^STURECOV dialogue (spec/dialogues.md section 5) replayed
# from answer scripts: tests/transcripts/sturecov/NAME.in (one answer a
# line) against NAME.out (the screen).  The screen is normalised: the case's
# directory -> @T@, times YYYYMMDD HH:MM:SS -> @TIME@, journal file names
# YYYYMMDD.NNN -> @D@.NNN, offsets in "at N," -> @OFF@.
#
# Cases:
#   none     a clean instance: the error types (? and a bad answer), CLUJRN
#            (no cluster member), JRN with no errors recorded, No leaves
#   help     no errors, Yes to continue: H, then option 1 and 7 (every
#            database checked), E
#   errors   an instance that went down with a database whose data file is
#            gone: recovery records the error; then every option: 1 lists
#            it, 7 checks, 4 dismounts, 5 mounts (refused: no database there,
#            then the other one), 6 repairs the default database into a new
#            one, 2 runs recovery again (the error again), 3 marks the
#            errors resolved, 8 resets (asked, then done), E
#   no       errors recorded; No at 2, 3, 6 and 8 changes nothing
#   cluster  two cluster members i (csn 0) and j (csn 1) sharing database x,
#            both gone down with x's data file gone: CLUJRN shows the cluster
#            options (no 3, no 8), H, 1 lists both members' errors, 7 checks
#            every database of every member once, 4 dismounts x in both, 2
#            recovers both members (merged journals, the counter), 5 refuses
#            x (no database there) and mounts i's own, E
#
#   STURECOV_BLESS=1   rewrite NAME.out from what the program prints
set -u
bin=${JRNKIT_BIN:?}
data=$(cd "$(dirname "$0")/../transcripts/sturecov" && pwd) || exit 1
bless=${STURECOV_BLESS:-}
base=$(mktemp -d "${TMPDIR:-/tmp}/sturecov.XXXXXX") && base=$(cd "$base" && pwd -P) || exit 1
trap 'rm -rf "$base"' EXIT
unset JRNKIT_HOME
nfail=0

norm() {
	sed -e "s|$T|@T@|g" -e 's/[0-9]\{8\} [0-9][0-9]:[0-9][0-9]:[0-9][0-9]/@TIME@/g' \
	    -e 's/[0-9]\{8\}\.\([0-9][0-9][0-9]\)/@D@.\1/g' -e 's/at [0-9][0-9]*,/at @OFF@,/g' \
	    -e 's/^\(.*from its checkpoint at \)[0-9]*,/\1@OFF@,/' -e 's/^\(   to \)[0-9]*,/\1@OFF@,/' \
	    -e 's/[0-9][0-9]* records read/@N@ records read/'
}

# fixture NAME [errors]: T, an instance T/i with ^A(1..3) in its default
# database and ^X(1) in T/x; with "errors", it went down uncleanly and x's
# data file is gone, and a read recovered it (the error recorded).
fixture() {
	T=$base/$1
	mkdir -p "$T"
	"$bin/jrnkit" init "$T/i" >/dev/null || return 1
	"$bin/jrnkit" -I "$T/i" db create "$T/x" >/dev/null || return 1
	for n in 1 2 3; do "$bin/jrnkit" -I "$T/i" set "^A($n)" "a$n" || return 1; done
	"$bin/jrnkit" -I "$T/i" -d "$T/x" set '^X(1)' x1 || return 1
	if [ "${2:-}" = errors ]; then
		: >"$T/i/state/running"		# as a crash leaves it
		rm -f "$T/x/data.mdb"
		"$bin/jrnkit" -I "$T/i" get '^A(1)' >/dev/null || return 1
		[ -f "$T/i/state/startup-errors.yaml" ] || { echo "no errors recorded"; return 1; }
	fi
}

run_case() {
	name=$1
	sed "s|@T@|$T|g" "$data/$name.in" | "$bin/sturecov" -I "$T/i" >"$T/out" 2>&1
	echo "exit $?" >>"$T/out"
	norm <"$T/out" >"$T/got"
	if [ -n "$bless" ]; then
		cp "$T/got" "$data/$name.out"
	elif ! cmp -s "$T/got" "$data/$name.out"; then
		echo "FAIL: sturecov case $name"; diff "$data/$name.out" "$T/got" | head -30
		nfail=$((nfail + 1))
	fi
}

fixture none && run_case none
fixture help && run_case help
fixture errors errors && run_case errors
[ -d "$T/fixed" ] && [ "$("$bin/jrnkit" -I "$T/i" -d "$T/fixed" zwrite)" = "$("$bin/jrnkit" -I "$T/i" zwrite)" ] ||
	{ echo "FAIL: errors: the repaired copy differs"; nfail=$((nfail + 1)); }
# after the case: reset done, no errors pending, writes allowed, no running
[ -e "$T/i/state/running" ] && { echo "FAIL: errors: running left after the reset"; nfail=$((nfail + 1)); }
"$bin/jrnkit" -I "$T/i" set '^A(9)' ok || { echo "FAIL: errors: writes refused after the reset"; nfail=$((nfail + 1)); }
grep -q "reset: the journal will not be restored" "$T/i/state/recovery.log" ||
	{ echo "FAIL: errors: the reset is not logged"; nfail=$((nfail + 1)); }
fixture no errors && run_case no
"$bin/jrnkit" -I "$T/i" set '^A(9)' no 2>"$T/err" && { echo "FAIL: no: a write was allowed"; nfail=$((nfail + 1)); }
grep -q "sturecov" "$T/err" || { echo "FAIL: no: the refusal does not say what to do"; nfail=$((nfail + 1)); }

# fixture_cluster: T/c a cluster, members T/i (csn 0) and T/j (csn 1) sharing
# T/x, written by both; both went down uncleanly with x's data file gone, and
# a read of each recovered it (the error recorded in each).
fixture_cluster() {
	T=$base/$1
	mkdir -p "$T"
	"$bin/jrnkit" cluster init "$T/c" >/dev/null || return 1
	"$bin/jrnkit" init --cluster "$T/c" --csn 0 "$T/i" >/dev/null || return 1
	"$bin/jrnkit" init --cluster "$T/c" --csn 1 "$T/j" >/dev/null || return 1
	"$bin/jrnkit" -I "$T/i" db create "$T/x" >/dev/null || return 1
	"$bin/jrnkit" -I "$T/j" db mount "$T/x" >/dev/null || return 1
	"$bin/jrnkit" -I "$T/i" -d "$T/x" set '^X(1)' i1 || return 1
	"$bin/jrnkit" -I "$T/j" -d "$T/x" set '^X(1)' j1 || return 1
	"$bin/jrnkit" -I "$T/i" -d "$T/x" set '^X(2)' i2 || return 1
	"$bin/jrnkit" -I "$T/i" set '^A(1)' a1 || return 1
	: >"$T/i/state/running"
	: >"$T/j/state/running"
	rm -f "$T/x/data.mdb"
	"$bin/jrnkit" -I "$T/i" get '^A(1)' >/dev/null || return 1
	"$bin/jrnkit" -I "$T/j" get '^A(1)' >/dev/null 2>&1
	[ -f "$T/i/state/startup-errors.yaml" ] && [ -f "$T/j/state/startup-errors.yaml" ] ||
	    { echo "no errors recorded"; return 1; }
}
fixture_cluster cluster && run_case cluster
for m in i j; do
	"$bin/jrnkit" -I "$T/$m" db list | grep -q "^dismounted $T/x/\$" ||
	    { echo "FAIL: cluster: x is not dismounted in member $m"; nfail=$((nfail + 1)); }
	grep -q "recovery (on demand)" "$T/$m/state/recovery.log" ||
	    { echo "FAIL: cluster: member $m was not recovered again"; nfail=$((nfail + 1)); }
done
[ $nfail -eq 0 ]
