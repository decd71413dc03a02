#!/bin/sh
# cli.sh - the jrnkit command as a user meets it: answers, messages, exit codes.
set -u
jk="${JRNKIT_BIN:?}/jrnkit"
d=$(pwd)/inst
fail() { echo "FAIL: $*"; exit 1; }
expect() {	# expect WANT_EXIT WANT_TEXT CMD... : run, check exit code and that output contains text
	want=$1 text=$2; shift 2
	out=$("$@" 2>&1); rc=$?
	[ "$rc" = "$want" ] || fail "'$*' exited $rc, not $want: $out"
	case $out in *"$text"*) ;; *) fail "'$*' printed '$out', without '$text'" ;; esac
}

expect 0 "Instance created" $jk init "$d"
expect 1 "already" $jk init "$d"
export JRNKIT_HOME=$d
expect 2 "usage" $jk -h
expect 2 "usage" $jk bogus
expect 2 "usage" $jk set
expect 2 "column" $jk set '^A(1,"x"' v
expect 2 "column" $jk get '^1A'
expect 0 "" $jk set '^Acct(1042,"bal")' 1500.25
expect 0 "1500.25" $jk get '^Acct(1042,"bal")'
expect 1 "undefined" $jk get '^Acct(9)'
expect 0 "" $jk set '^Acct(1042,"note")="a"_$C(10)_"b"'
expect 0 '^Acct(1042,"note")="a"_$C(10)_"b"' $jk zwrite '^Acct'
expect 0 "1600.25" $jk incr '^Acct(1042,"bal")' 100
out=$($jk mark 5 'end of day') || fail "mark: $out"
case $out in [0-9]*,"$d"/journal/*) ;; *) fail "mark printed '$out', not offset,path" ;; esac
expect 2 "-6,marker id" $jk mark x y
expect 0 "Switching from:" $jk switch
expect 0 "Journaling is enabled." $jk status
expect 0 '"journaling":true' $jk status --json
expect 0 "Journaling stopped" $jk stop
expect 0 "Not journaling now." $jk stop
expect 1 "-12,not journaling" $jk mark 1 x
expect 0 "Journaling started" $jk start
expect 0 "Already journaling to" $jk start

# exec: errors name file and line; an open transaction is rolled back
printf 'set ^E(1)=1\ntstart\nset ^E(2)=2\nbogus ^E\n' >bad.m
expect 1 "bad.m:4: unknown command 'bogus'" $jk exec bad.m
expect 1 "undefined" $jk get '^E(2)'
expect 0 "1" $jk get '^E(1)'

# zload / zwrite round trip, with mupip extract's header lines
$jk zwrite >all.zwr || fail "zwrite"
{ echo "GT.M MUPIP EXTRACT"; echo "21-NOV-2026  00:00:00 ZWR"; cat all.zwr; } >ext.zwr
$jk init "$d.2" >/dev/null || fail "init 2"
expect 0 "Loaded" $jk -I "$d.2" zload ext.zwr
$jk -I "$d.2" zwrite >all2.zwr
cmp -s all.zwr all2.zwr || fail "zload of zwrite output differs"
printf '^Z(1)=1\n^Z(2)=nope\n' >bad.zwr
expect 1 "bad.zwr:2:" $jk -I "$d.2" zload bad.zwr

# kill, zkill
$jk set '^K(1)' a; $jk set '^K(1,2)' b
expect 0 "" $jk zkill '^K(1)'
expect 0 "b" $jk get '^K(1,2)'
expect 0 "" $jk kill '^K(1)'
expect 1 "undefined" $jk get '^K(1,2)'

# databases
expect 0 "Database created" $jk db create "$d/db/acct"
expect 0 "mounted" $jk db list
expect 0 "" $jk -d "$d/db/acct" set '^X' 1
expect 0 "dismounted" $jk db dismount "$d/db/acct"
expect 1 "dismounted" $jk -d "$d/db/acct" set '^X' 2
expect 0 "mounted" $jk db mount "$d/db/acct"
expect 0 "No errors found." $jk db check "$d/db/acct"
expect 1 "no database" $jk -d "$d/nodb" get '^X'

# verify: whole files exit 0, a torn one exits 3 and says how far it is valid
f=$(ls "$d"/journal/* | head -1)
expect 0 "valid up to offset" $jk verify "$d"/journal/*
size=$(stat -c %s "$f")
head -c $((size - 3)) "$f" >torn.jrn
expect 3 "torn tail" $jk verify torn.jrn
expect 1 "cannot open journal" $jk verify nosuchfile

# load prints what it committed; value and key limits
expect 0 "load: 1000 sets" $jk load -n 1000 -t 10 -k 100 --seed 3
expect 2 "needs a number" $jk load -n abc
long=$(head -c 600 /dev/zero | tr '\0' x)
expect 2 "column" $jk set "^L(\"$long\")" v
# load is deterministic for a seed and one process; -p 4 commits everything
for n in a b; do
	$jk init "$d.$n" >/dev/null || fail "init $n"
	$jk -I "$d.$n" load -n 3000 -t 7 -k 500 -v 12 --kill-every 50 --seed 99 >/dev/null || fail "load $n"
	$jk -I "$d.$n" zwrite >"load.$n"
done
cmp -s load.a load.b || fail "two loads with one seed differ"
[ -s load.a ] || fail "load wrote nothing"
$jk init "$d.p" >/dev/null
expect 0 "load: 4000 sets, 0 kills, 400 commits by 4 processes" \
	$jk -I "$d.p" load -n 4000 -t 10 -p 4 -k 1000000 --kill-every 0
[ "$($jk -I "$d.p" zwrite | wc -l)" -ge 3990 ] || fail "-p 4 lost updates"

# a bad settings file names its line and column
$jk init "$d.3" >/dev/null || fail "init 3"
sed -i 's/^commit: .*/comit: sync/' "$d.3/jrnkit.yaml"
expect 1 "jrnkit.yaml:" $jk -I "$d.3" status
expect 1 "unknown key 'comit'" $jk -I "$d.3" status
echo "cli: all passed"
