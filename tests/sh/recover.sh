#!/bin/sh
# recover.sh - startup recovery from the command line: `jrnkit recover`
# after writers were killed (its report, state/recovery.yaml, running
# gone, and checkpoints taken by the load itself, so the replay starts
# late in the journal), recovery refused while another process has the
# instance open, and main-menu item 11, available only while a rollback
# is pending.
set -u
bin=${JRNKIT_BIN:?}
base=$(mktemp -d "${TMPDIR:-/tmp}/recover.XXXXXX") && base=$(cd "$base" && pwd -P) || exit 1
trap 'rm -rf "$base"' EXIT
unset JRNKIT_HOME
nfail=0
bad() { echo "FAIL: $*"; nfail=$((nfail + 1)); }
I=$base/i
jk() { "$bin/jrnkit" -I "$I" "$@"; }

jk init "$I" >/dev/null || exit 1
sed -i -e 's/^checkpoint_bytes: .*/checkpoint_bytes: 64K/' "$I/jrnkit.yaml"
"$bin/jrnkit" -I "$I" load -n 100000000 -p 2 -t 5 -k 100 -v 20 >/dev/null 2>&1 &
lp=$!
# until the load has written well past a few checkpoints
for n in $(seq 200); do
	s=$(stat -c %s "$I"/journal/* 2>/dev/null | sort -n | tail -1)
	[ "${s:-0}" -gt 400000 ] && break
	sleep 0.01
done
kill -STOP $lp; kids=$(ps -o pid= --ppid $lp); kill -9 $lp $kids; wait $lp 2>/dev/null
for k in $kids $lp; do while [ -n "$(ls /proc/$k/fd 2>/dev/null)" ]; do sleep 0.01; done; done
[ -e "$I/state/running" ] || bad "no state/running after the writers were killed"

out=$(jk recover 2>&1); rc=$?
[ $rc -eq 0 ] || bad "jrnkit recover: exit $rc: $out"
echo "$out" | grep -q '^\[Startup recovery (crash) completed at ' || bad "report: no completed line: $out"
echo "$out" | grep -q "^1\. $I/db/user/: recovered$" || bad "report: the database is not recovered: $out"
off=$(echo "$out" | sed -n 's/^   from its checkpoint at \([0-9]*\),.*/\1/p')
[ "${off:-0}" -gt 1000 ] || bad "report: the replay did not start at a checkpoint the load made ($off): $out"
echo "$out" | grep -q '^Transactions rolled back (never committed): 0$' || bad "report: rolled back: $out"
[ -e "$I/state/running" ] && bad "state/running left after recovery"
grep -q '^why: crash$' "$I/state/recovery.yaml" || bad "recovery.yaml: why"
grep -q '^    status: recovered$' "$I/state/recovery.yaml" || bad "recovery.yaml: status"
grep -q 'recovery (crash): 1 databases, 1 recovered, 0 errors' "$I/state/recovery.log" || bad "recovery.log"
[ -e "$I/state/startup-errors.yaml" ] && bad "errors recorded by a clean recovery"
# the data equals a restore of the whole journal
"$bin/jrnkit" db create "$base/r" >/dev/null
"$bin/jrnresto" -I "$I" -q --rollback --redirect "$I/db/user=$base/r" >/dev/null || bad "jrnresto"
[ "$(jk zwrite)" = "$(jk -d "$base/r" zwrite)" ] || bad "the recovered database differs from a restore of its journal"

# on demand, nothing to do: said so
out=$(jk recover) || bad "recover on demand"
echo "$out" | grep -q '^\[Startup recovery (on demand) completed' || bad "on demand: $out"

# another process has the instance open: refused, and nothing changed
mkfifo "$base/fifo"
"$bin/jrnkit" -I "$I" exec - <"$base/fifo" >/dev/null 2>&1 &
ep=$!
exec 8>"$base/fifo"
for n in $(seq 500); do
	ls -l /proc/$ep/fd 2>/dev/null | grep -q instance.lock && break
	sleep 0.01
done
out=$(jk recover 2>&1) && bad "recover while another process has the instance open"
echo "$out" | grep -q "other processes have the instance $I open" || bad "refusal: $out"
exec 8>&-
wait $ep

# item 11: not available now; available after a recovery that left a database not recovered
printf '11\nE\n' | jk | grep -q '^11) -not available-' || bad "item 11 available without a pending rollback"
jk db create "$base/x" >/dev/null && jk -d "$base/x" set '^X' 1
: >"$I/state/running"; rm -f "$base/x/data.mdb"
jk get '^nothing' >/dev/null 2>&1
out=$(printf '11\nE\n' | jk)
echo "$out" | grep -q '^11) Manage pending or in progress transaction rollback$' || bad "item 11 not available: $out"
echo "$out" | grep -q "^2\. $base/x/: not recovered$" || bad "item 11 did not run recovery: $out"
jk set '^A' 1 2>/dev/null && bad "a write allowed while errors are recorded"
[ $nfail -eq 0 ]
