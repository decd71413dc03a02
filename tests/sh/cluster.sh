#!/bin/sh
# cluster.sh - three cluster members write one database at once (jrnkit load
# --members); a cluster restore of every member's journals into an empty
# database equals the live one; a stop at a cluster marker equals the
# snapshot taken while the marker held every write; a new session after all
# members stopped; a member's journals moved and redirected; the messages.
set -u
jk="${JRNKIT_BIN:?}/jrnkit"
jr="${JRNKIT_BIN:?}/jrnresto"
t=$(pwd)
c=$t/clu
fail() { echo "FAIL: $*"; exit 1; }
expect() {	# expect WANT_EXIT WANT_TEXT CMD... : run, check exit code and that output contains text
	want=$1 text=$2; shift 2
	out=$("$@" 2>&1); rc=$?
	[ "$rc" = "$want" ] || fail "'$*' exited $rc, not $want: $out"
	case $out in *"$text"*) ;; *) fail "'$*' printed '$out', without '$text'" ;; esac
}
same() {	# same DB FILE: the database's ZWR dump equals the file
	$jk -I "$t/m0" -d "$1" zwrite >"$t/got.zwr" || fail "zwrite $1"
	cmp -s "$t/got.zwr" "$2" || fail "$1 differs from $2: $(diff "$t/got.zwr" "$2" | head -5)"
}
seqno() { $jk cluster status "$c" | sed -n 's/^Next sequence #: *//p'; }

# ---- the cluster and its members --------------------------------------------------
expect 0 "Cluster created in $c" $jk cluster init "$c"
expect 1 "there is a cluster" $jk cluster init "$c"
for n in 0 1 2; do
	expect 0 "Cluster member $n:" $jk init --cluster "$c" --csn $n "$t/m$n"
done
expect 1 "cluster member 1 is $t/m1/ already" $jk init --cluster "$c" --csn 1 "$t/m9"
[ -e "$t/m9" ] && fail "a refused init left an instance behind"
expect 2 "member number from 0 to 63" $jk init --cluster "$c" --csn 64 "$t/m8"
expect 1 "no cluster in" $jk init --cluster "$t/nowhere" --csn 3 "$t/m7"
[ "$(wc -l <"$c/CLUJRN.LOG")" = 3 ] || fail "CLUJRN.LOG: $(cat "$c/CLUJRN.LOG")"
grep -q "^1,$t/m1/journal/" "$c/CLUJRN.LOG" || fail "CLUJRN.LOG lacks member 1: $(cat "$c/CLUJRN.LOG")"
expect 0 "2 up   $t/m2/" $jk cluster status "$c"
# a fourth instance joins later: its next file carries the session
$jk init "$t/m3" >/dev/null || fail "init m3"
expect 0 "Cluster member 3:" $jk -I "$t/m3" cluster join "$c" --csn 3
grep -q "^3,$t/m3/journal/" "$c/CLUJRN.LOG" || fail "join did not log member 3's new file"
expect 1 "member 3 of the cluster" $jk -I "$t/m3" cluster join "$c" --csn 4
$jk init "$t/m9" >/dev/null || fail "init m9"
expect 1 "instance $t/m9 is not a cluster member" $jk -I "$t/m9" mark --cluster 1 x

# ---- concurrent writers, and a marker in the middle ---------------------------------------
$jk -I "$t/m0" db create "$t/db" >/dev/null || fail "db create"
$jk -I "$t/m0" -d "$t/db" load --members -n 24000 -t 10 -k 3000 --kill-every 97 >"$t/load.out" 2>&1 &
lpid=$!
# a marker once the writers are going: writes are held while the snapshot is taken
while [ "$(seqno)" -lt 3000 ]; do
	kill -0 $lpid 2>/dev/null || break
done
mk=$($jk -I "$t/m1" mark --cluster 7 'mid-day' --while-held "$jk -I $t/m0 -d $t/db zwrite >$t/snap.zwr") ||
	fail "mark --cluster: $mk"
[ "$(echo "$mk" | grep -c "^[0-9]*,$t/m[0-3]/journal/")" = 4 ] || fail "mark --cluster printed '$mk'"
wait $lpid || fail "load --members: $(cat "$t/load.out")"
grep -q "24000 sets" "$t/load.out" || fail "load: $(cat "$t/load.out")"
# (on a slow build the writers may be done before the marker: these updates come after it whatever happens)
$jk -I "$t/m2" -d "$t/db" load --members -n 600 -t 3 -k 3000 --seed 5 >/dev/null || fail "load after the marker"
$jk -I "$t/m0" -d "$t/db" zwrite >"$t/live.zwr"
cmp -s "$t/snap.zwr" "$t/live.zwr" && fail "no update came after the marker: the test proves nothing"
[ -s "$t/snap.zwr" ] || fail "the snapshot is empty: the marker came before any update"
for f in "$t"/m*/journal/*; do $jk verify "$f" >/dev/null || fail "verify $f"; done

# ---- cluster restores ------------------------------------------------------------------------------
$jk -I "$t/m0" db create "$t/r1" >/dev/null
expect 0 "Journal restore completed" $jr -q -I "$t/m0" --cluster --redirect "$t/db=$t/r1"
same "$t/r1" "$t/live.zwr"
$jk -I "$t/m0" db create "$t/r2" >/dev/null
expect 0 "Journal restore completed" $jr -q -I "$t/m2" --cluster --redirect "$t/db=$t/r2" --stop-marker mid-day
same "$t/r2" "$t/snap.zwr"
# from the marker on, onto the snapshot's state: the live database again
expect 0 "Journal restore completed" $jr -q -I "$t/m2" --cluster --redirect "$t/db=$t/r2" --start-marker 7
same "$t/r2" "$t/live.zwr"
# a marker location stands for its sequence number
loc=$(echo "$mk" | sed -n 2p)
$jk -I "$t/m0" db create "$t/r3" >/dev/null
expect 0 "completed" $jr -q -I "$t/m0" --cluster --redirect "$t/db=$t/r3" --stop "$loc"
same "$t/r3" "$t/snap.zwr"
expect 1 "not among the cluster's journal files" $jr -q -I "$t/m0" --cluster --redirect "$t/db=$t/r3" --stop-marker nosuch
expect 0 "2. member 1: $t/m1/journal/" $jr -I "$t/m0" --cluster --redirect "$t/db=$t/r3" --check
expect 1 "cannot be saved as a plan file yet" $jr -q -I "$t/m0" --cluster --redirect "$t/db=$t/r3" --check --save-plan "$t/p.yaml"
expect 2 "is not a cluster member: give --cluster-log LOG" $jr -q -I "$t/m9" --cluster --all
expect 1 "not at a time" $jr -q -I "$t/m0" --cluster --redirect "$t/db=$t/r3" --stop-time '20991231 00:00:00'

# ---- a new session: every member stops, one starts again ------------------------------------------
csi1=$($jk cluster status "$c" | sed -n 's/^Cluster session: *//p')
for n in 0 1 2 3; do $jk -I "$t/m$n" stop >/dev/null || fail "stop m$n"; done
expect 0 "0 down" $jk cluster status "$c"
$jk -I "$t/m1" start >/dev/null || fail "start m1"
csi2=$($jk cluster status "$c" | sed -n 's/^Cluster session: *//p')
[ "$csi1" != "$csi2" ] || fail "no new session after all members stopped: $csi1"
$jk -I "$t/m2" start >/dev/null || fail "start m2"
$jk -I "$t/m1" -d "$t/db" load -n 500 -t 5 -k 300 >/dev/null || fail "load m1"
$jk -I "$t/m2" -d "$t/db" load -n 500 -t 0 -k 300 --seed 9 >/dev/null || fail "load m2"
$jk -I "$t/m0" -d "$t/db" zwrite >"$t/live2.zwr"
$jk -I "$t/m0" db create "$t/r4" >/dev/null
expect 0 "completed" $jr -q -I "$t/m1" --cluster --redirect "$t/db=$t/r4"
same "$t/r4" "$t/live2.zwr"

# ---- a member's journals moved: redirected, the same records -------------------------------------
$jk -I "$t/m2" stop >/dev/null
mkdir "$t/moved" && mv "$t/m2/journal" "$t/moved/j2" || fail "move"
$jk -I "$t/m0" db create "$t/r5" >/dev/null
expect 1 "missing" $jr -q -I "$t/m1" --cluster --redirect "$t/db=$t/r5"
expect 0 "completed" $jr -q -I "$t/m1" --cluster --redirect "$t/db=$t/r5" \
	--journal-redirect "$t/m2/journal=$t/moved/j2"
same "$t/r5" "$t/live2.zwr"
expect 2 "two directories" $jr -q -I "$t/m1" --cluster --redirect "$t/db=$t/r5" --journal-redirect nonsense
expect 2 "cannot go to two" $jr -q -I "$t/m1" --cluster --redirect "$t/db=$t/r5" \
	--journal-redirect "$t/m2/journal=$t/a" --journal-redirect "$t/m2/journal=$t/b"
# a copy of the log names the files too
cp "$c/CLUJRN.LOG" "$t/copy.log"
$jk -I "$t/m0" db create "$t/r6" >/dev/null
expect 0 "completed" $jr -q -I "$t/m1" --cluster-log "$t/copy.log" --redirect "$t/db=$t/r6" \
	--journal-redirect "$t/m2/journal=$t/moved/j2"
same "$t/r6" "$t/live2.zwr"
echo bogus >>"$t/copy.log"
expect 1 "expected 'CSN,PATH', not 'bogus'" $jr -q -I "$t/m1" --cluster-log "$t/copy.log" --redirect "$t/db=$t/r6"
exit 0
