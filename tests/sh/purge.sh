#!/bin/sh
# purge.sh - jrnkit purge and main-menu item 6: "None purged" while the rules
# keep everything; after backups (purge_backups), the files before the last
# backup's marker go, listed; the current file and what recovery needs
# stay; journal.log keeps its lines, and jrnresto names a purged file as
# missing, and when it was purged (state/purged).
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
j=$d/journal
$jk set '^P' 1 && $jk switch >/dev/null && $jk set '^P' 2 && $jk switch >/dev/null || fail "setup"
expect 0 "None purged" $jk purge
expect 0 "None purged" $jk purge --backups 1
expect 2 "usage" $jk purge --days x
mkdir bk
$jk backup --to bk >/dev/null || fail "backup"
expect 0 "None purged" $jk purge
marker=$(sed -n 's/^backup	[^	]*	[^	]*	[^	]*	[0-9]*	\([^	]*\)	.*/\1/p' "$d/state/backups")
[ -n "$marker" ] || fail "no marker file in state/backups"
expect 0 "Would purge $(sed -n 1p "$d/journal.log")" $jk purge --backups 1 --dry-run
[ -f "$(sed -n 1p "$d/journal.log")" ] || fail "a dry run removed a file"

# item 6 with purge_backups=1: the list, the question; No keeps them, Yes purges
$jk options purge_backups=1 >/dev/null || fail "options"
printf '6\nno\nE\n' | $jk >menu1.out 2>&1
grep -q "Purge these journal files? No => no" menu1.out || fail "item 6 did not ask: $(cat menu1.out)"
[ -f "$(sed -n 1p "$d/journal.log")" ] || fail "No purged"
mkdir saved && cp "$(sed -n 2p "$d/journal.log")" saved/ || fail "cp"
printf '6\nyes\nE\n' | $jk >menu2.out 2>&1
n=$(grep -c "^Purged $j/" menu2.out)
[ "$n" = 3 ] || fail "item 6 purged $n files, not 3: $(cat menu2.out)"
for f in $(sed -n 1,3p "$d/journal.log"); do
	[ -f "$f" ] && fail "$f was listed as purged but is there"
	grep -q "	$f\$" "$d/state/purged" || fail "$f not in state/purged"
done
[ -f "$marker" ] || fail "the marker's file (needed by recovery and the current file) was purged"
[ "$(wc -l <"$d/journal.log")" = 4 ] || fail "journal.log lost lines"
expect 0 "None purged" $jk purge
expect 0 "2" $jk get '^P'

# jrnresto over the purged files: a clear missing-file message
mkdir -p r
$jk db create r/u >/dev/null || fail "db create"
f1=$(sed -n 1p "$d/journal.log")
t1=$(awk -F'\t' -v f="$f1" '$2 == f { t = $1 } END { print int(t / 1000000) }' "$d/state/purged")
expect 1 "journal file $f1 is missing (purged on $(date -d "@$t1" '+%Y-%m-%d %H:%M:%S') by jrnkit purge; number 1 of the" \
	$resto --redirect "$d/db/user=$(pwd)/r/u"
# a missing file that state/purged does not name is only missing
grep -v "	$f1\$" "$d/state/purged" >purged.new && cp "$d/state/purged" purged.old && mv purged.new "$d/state/purged"
expect 1 "journal file $f1 is missing (number 1 of the" $resto --redirect "$d/db/user=$(pwd)/r/u"
rm "$d/state/purged"
expect 1 "journal file $f1 is missing (number 1 of the" $resto --redirect "$d/db/user=$(pwd)/r/u"
mv purged.old "$d/state/purged"
# a purged file missing between two that are there: found by the link check
f3=$(sed -n 3p "$d/journal.log")
printf '%s\n%s\n' "$(pwd)/saved/$(basename "$(sed -n 2p "$d/journal.log")")" "$(sed -n 4p "$d/journal.log")" >two.log
expect 1 "journal file $f3 is missing (purged on $(date -d "@$(awk -F'\t' -v f="$f3" '$2 == f { t = $1 } END { print int(t / 1000000) }' "$d/state/purged")" '+%Y-%m-%d %H:%M:%S') by jrnkit purge): $(sed -n 4p "$d/journal.log") follows it" \
	$resto --log two.log --redirect "$d/db/user=$(pwd)/r/u" --check
exit 0
