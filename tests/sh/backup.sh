#!/bin/sh
# backup.sh - a backup taken while 8 processes write, restored elsewhere and
# brought forward by jrnresto from its marker, equals the live database;
# jrnkit lock / locked / unlock, a killed holder, writers that time out; a
# full disk at the backup target (a tiny tmpfs, when we are root); backup
# --json; load --commit-log and its stop on SIGTERM (used by the bench).
set -u
jk="${JRNKIT_BIN:?}/jrnkit"
resto="${JRNKIT_BIN:?}/jrnresto"
d=$(pwd)/inst
fail() { echo "FAIL: $*"; exit 1; }
expect() {	# expect WANT_EXIT WANT_TEXT CMD...
	want=$1 text=$2; shift 2
	out=$("$@" 2>&1); rc=$?
	[ "$rc" = "$want" ] || fail "'$*' exited $rc, not $want: $out"
	case $out in *"$text"*) ;; *) fail "'$*' printed '$out', without '$text'" ;; esac
}

$jk init "$d" >/dev/null || fail "init"
export JRNKIT_HOME=$d
acct=$d/db/acct/
$jk db create "$acct" >/dev/null || fail "db create"
mkdir bk
expect 2 "usage" $jk backup
expect 1 "does not exist" $jk backup --to "$(pwd)/nowhere"
expect 2 "full backups" $jk backup --to bk --type incremental
expect 0 "No backups" $jk backup --list

# 8 writers; the backup in the middle of their work
$jk -d "$acct" load -n 600000 -t 5 -p 8 -k 20000 -g Acct >load.out 2>&1 &
lpid=$!
i=0
until [ -s "$acct/data.mdb" ] && $jk -d "$acct" get '^Acct(1)' >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -lt 2000 ] || fail "the load never wrote"
	sleep 0.01
done
$jk backup --to bk >backup.out 2>&1 || fail "backup: $(cat backup.out)"
kill -0 $lpid 2>/dev/null || fail "the writers were done before the backup was: $(cat load.out)"
wait $lpid || fail "load: $(cat load.out)"
grep -q "^Marker: [0-9]*,$d/journal/" backup.out || fail "backup printed: $(cat backup.out)"
name=$(sed -n 's/^Backup \([^ ]*\) of.*/\1/p' backup.out)
[ -n "$name" ] || fail "no backup name in: $(cat backup.out)"
expect 0 "$name" $jk backup --list
$jk -d "$acct" zwrite >live.zwr || fail "zwrite live"
[ -s live.zwr ] || fail "empty live database"

# the backup, restored elsewhere, differs from the live database (the writers went on after it)
expect 0 "-> $(pwd)/r0/acct/" $jk restore-backup "$name" --redirect "$acct=$(pwd)/r0/acct" \
	--redirect "$d/db/user=$(pwd)/r0/user"
$jk -d r0/acct zwrite >copy.zwr || fail "zwrite copy"
cmp -s copy.zwr live.zwr && fail "the backup already holds what was written after it"

# restored again, and brought forward by jrnresto from its marker (the default now)
expect 0 "-> $(pwd)/r/acct/" $jk restore-backup "$name" --redirect "$acct=$(pwd)/r/acct" \
	--redirect "$d/db/user=$(pwd)/r/user"
$jk -d r/acct zwrite | cmp -s - copy.zwr || fail "restore-backup did not put the same copy back"
$resto -q --redirect "$acct=$(pwd)/r/acct" >resto.out 2>&1 || fail "jrnresto: $(cat resto.out)"
grep -q "starting at the marker of backup $name" resto.out || fail "jrnresto did not start at the marker: $(cat resto.out)"
$jk -d r/acct zwrite | cmp -s - live.zwr || fail "backup + journal from its marker differs from the live database"
expect 1 "no backup named 'nosuch'" $jk restore-backup nosuch

# lock / locked / unlock; writers wait lock_wait_ms, then fail clearly
sed -i 's/^lock_wait_ms: .*/lock_wait_ms: 200/' "$d/jrnkit.yaml"
grep -q '^lock_wait_ms: 200' "$d/jrnkit.yaml" || fail "no lock_wait_ms in jrnkit.yaml"
expect 1 "not locked" $jk locked
expect 0 "Writes locked" $jk lock
expect 0 "locked by jrnkit lock" $jk locked
$jk -d "$acct" get '^Acct(1)' >/dev/null || fail "a reader was blocked"
expect 1 "writes are locked for a backup" $jk set '^L' 1
expect 1 "already locked" $jk lock --wait 0
expect 0 "Writes unlocked" $jk unlock
expect 1 "not locked" $jk locked
expect 0 "" $jk set '^L' 1

# a holder killed with SIGKILL leaves nothing locked
expect 0 "Writes locked" $jk lock
pid=$(echo "$out" | sed -n 's/.*held by process \([0-9]*\).*/\1/p')
[ -n "$pid" ] || fail "no holder pid in '$out'"
kill -KILL "$pid"
i=0
while $jk locked >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -lt 500 ] || fail "the lock outlived its killed holder"
	sleep 0.01
done
expect 0 "" $jk set '^L' 2
expect 0 "2" $jk get '^L'

# backup --json: the history's fields and the locked section (bench backup.sh reads it)
$jk backup --to bk --json >bk.json 2>&1 || fail "backup --json: $(cat bk.json)"
for f in '"name": "full-' '"locked_at_us": [1-9]' '"locked_us": [0-9]' '"bytes": [1-9]' '"source": "'"$acct"'"'; do
	grep -q "$f" bk.json || fail "backup --json printed no $f: $(cat bk.json)"
done
expect 0 "$(sed 's/.*"name": "\([^"]*\)".*/\1/' bk.json)" $jk backup --list

# load --commit-log: a line per commit of each process; SIGTERM stops at a transaction's end
$jk -d "$acct" load -n 400 -t 10 -p 2 -g Log --commit-log commits.log >log.out 2>&1 || fail "load: $(cat log.out)"
[ "$(wc -l <commits.log)" = 40 ] || fail "40 commits, $(wc -l <commits.log) lines in the commit log"
[ "$(cut -f1 commits.log | sort -u | wc -l)" = 2 ] || fail "the commit log names not 2 processes: $(cut -f1 commits.log | sort -u)"
awk -F'\t' 'NF != 2 || $2 !~ /^[0-9]+$/ || (($1 in t) && $2 < t[$1]) { exit 1 } { t[$1] = $2 }' commits.log ||
	fail "the commit log is not PID TAB TIME_US, in order per process"
rm commits.log
$jk -d "$acct" load -n 100000000 -t 10 -p 2 -g Stop --commit-log commits.log >stop.out 2>&1 &
lpid=$!
sleep 0.5
kill -TERM $lpid
wait $lpid || fail "a load stopped by SIGTERM exited $?: $(cat stop.out)"
c=$(sed -n 's/.* \([0-9]*\) commits by 2 processes.*/\1/p' stop.out)
[ -n "$c" ] && [ "$c" -gt 0 ] || fail "the stopped load printed: $(cat stop.out)"
[ "$(wc -l <commits.log)" = "$c" ] || fail "$c commits, $(wc -l <commits.log) lines in the commit log"
sets=$(sed -n 's/^load: \([0-9]*\) sets.*/\1/p' stop.out)
[ "$sets" = $((c * 10)) ] || fail "a stopped load made $sets sets in $c commits of 10"
n=$($jk -d "$acct" zwrite '^Stop' | wc -l)
[ "$n" -gt 0 ] && [ "$n" -le "$sets" ] || fail "^Stop has $n nodes after $sets sets"

# a full disk at the target: the backup fails, writes are unlocked, nothing is left
if [ "$(id -u)" = 0 ] && mkdir small && mount -t tmpfs -o size=64k tmpfs small 2>/dev/null; then
	trap 'umount "$(pwd)/small" 2>/dev/null' EXIT
	$jk -d "$acct" load -n 3000 -t 1 -k 3000 -v 100 -g Big >/dev/null || fail "load big"
	expect 1 "No space left on device" $jk backup --to small
	expect 1 "not locked" $jk locked
	[ -z "$(ls -A small)" ] || fail "a failed backup left $(ls -A small)"
	expect 0 "" $jk set '^L' 3
	umount small
	trap - EXIT
else
	echo "# full-disk case skipped: not root or no tmpfs (test_bkp covers it through bkp_set_io)"
fi
exit 0
