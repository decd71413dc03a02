#!/bin/sh
# jrndump.sh - the journal browser of spec/dialogues.md section 4 replayed
# from key scripts (--keys), its line mode, main menu item 5, and the batch
# modes (--select, --json, --stats, --verify) against expectations worked
# out by hand; damaged journals (a torn tail, flipped bits) shown up to the
# valid offset with the damage named.
#
# A screen case NAME is tests/transcripts/jrndump/NAME.keys, the keys one a
# line (jrndump(8): a letter, <down>, <resize 100x30>, "G 300" answering
# the question G asks), and NAME.out, the final screen.  In NAME.keys, @T@
# stands for the case directory, @D@ for the date of the journal file
# names, @MUS@ for the time of the marker (microseconds).  The screen
# is normalised (norm below): the directory -> @T@, dates -> @D@, process
# ids -> PID, times, file ids and transaction ids -> @TIME@ @ID@ @TX@.
#
# The fixture is built once in a directory whose path always has the same
# length, so that offsets are the same on every run.
#
#   JRNDUMP_CASES="a b"  run only these screen cases
#   JRNDUMP_BLESS=1      rewrite NAME.out from what the program prints.  Read
#                        every line of a blessed file against the spec
#                        before committing it.
set -u
bin=${JRNKIT_BIN:?}
data=$(cd "$(dirname "$0")/../transcripts/jrndump" && pwd) || exit 1
bless=${JRNDUMP_BLESS:-}
only=${JRNDUMP_CASES:-}
export TZ=UTC

base=$(mktemp -d "${TMPDIR:-/tmp}/jrndump.XXXXXX") && base=$(cd "$base" && pwd -P) || exit 1
trap 'rm -rf "$base"' EXIT
TLEN=80
[ $((${#base} + 10)) -le $TLEN ] || { echo "skip: TMPDIR is too deep for a fixed-length directory"; exit 77; }

nfail=0
bad() { echo "FAIL: $*"; nfail=$((nfail + 1)); }
wanted() { [ -z "$only" ] || case " $only " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

T=$base/d_
while [ ${#T} -lt $TLEN ]; do T=${T}_; done
I=$T/i
jk() { "$bin/jrnkit" -I "$I" "$@"; }

# ---- the fixture --------------------------------------------------------------------
# @D@.001: acct ^Acct(1)=10 ^Acct(2)=20 ^Acct2(1)="x"; a transaction
# {^Acct(4)=40 ^Balcx=8}; ^Acct(1) incremented by 5; ^Acct(2) killed; tmp
# ^T(1)=1; marker 7 "before switch".  Switch.  @D@.002: acct ^Acct(3)=30,
# ^B("a<tab>b")="x"_$C(0); a transaction {kill ^Acct(1), zkill ^Acct(3)};
# tmp ^T(2)=2.  Journaling stays on: @D@.002 is the current file.
mkdir -p "$T" || exit 1
jk init "$I" >/dev/null || exit 1
jk db create "$T/acct" >/dev/null && jk db create "$T/tmp" >/dev/null || exit 1
jk -d "$T/acct" exec - <<-'EOF' || exit 1
set ^Acct(1)=10
set ^Acct(2)=20
set ^Acct2(1)="x"
tstart
set ^Acct(4)=40
set ^Balcx=8
tcommit
incr ^Acct(1)=5
kill ^Acct(2)
EOF
printf 'set ^T(1)=1\n' | jk -d "$T/tmp" exec - || exit 1
jk mark 7 "before switch" >/dev/null || exit 1
jk switch >/dev/null || exit 1
jk -d "$T/acct" exec - <<-'EOF' || exit 1
set ^Acct(3)=30
set ^B("a"_$C(9)_"b")="x"_$C(0)
tstart
kill ^Acct(1)
zkill ^Acct(3)
tcommit
EOF
printf 'set ^T(2)=2\n' | jk -d "$T/tmp" exec - || exit 1
D=$(ls "$I/journal" | head -1 | cut -c1-8)
F1=$I/journal/$D.001
F2=$I/journal/$D.002
# the marker's time, for T
MUS=$("$bin/jrndump" --select --op M --json "$F1" | sed 's/.*"time_us":\([0-9]*\).*/\1/')

# an instance with nine files, for paging the file list
"$bin/jrnkit" init "$T/many" >/dev/null || exit 1
for n in 1 2 3 4 5 6 7 8; do "$bin/jrnkit" -I "$T/many" switch >/dev/null || exit 1; done

# damaged copies: a torn tail (the last record cut in half) and a flipped byte in the middle
mkdir -p "$T/bad"
cp "$F1" "$T/bad/torn.001"
size=$(stat -c %s "$F1")
truncate -s $((size - 30)) "$T/bad/torn.001"
cp "$F1" "$T/bad/flip.001"
off=$(($("$bin/jrndump" --select --global Acct2 "$F1" | cut -d' ' -f2) + 50))
b=$(od -An -tu1 -j "$off" -N 1 "$F1" | tr -d ' ')
printf "\\$(printf %03o $((b ^ 255)))" | dd of="$T/bad/flip.001" bs=1 seek="$off" conv=notrunc 2>/dev/null

# a cluster c/ of three members m0 m1 m2 sharing the database cdb/.
# Session 1: m0 ^A(1)=1 ^A(2)=2; m1 ^B(1)=1; m2 {^C(1)=1 ^A(3)=3}; m0
# switches to its .002 and sets ^A(4)=4; m1 switches to its .002 and sets
# ^B(2)=2.  Every member stops; m1 and m0 start again: session 2: m1
# ^B(3)=3; m0 ^A(5)=5.  Then m1's .002 is removed (a file gone: D).
C=$T/cl
cjk() { m=$1; shift; "$bin/jrnkit" -I "$C/m$m" "$@"; }
mkdir -p "$C" && "$bin/jrnkit" cluster init "$C/c" >/dev/null || exit 1
for n in 0 1 2; do "$bin/jrnkit" init --cluster "$C/c" --csn $n "$C/m$n" >/dev/null || exit 1; done
cjk 0 db create "$C/cdb" >/dev/null || exit 1
printf 'set ^A(1)=1\nset ^A(2)=2\n' | cjk 0 -d "$C/cdb" exec - || exit 1
printf 'set ^B(1)=1\n' | cjk 1 -d "$C/cdb" exec - || exit 1
printf 'tstart\nset ^C(1)=1\nset ^A(3)=3\ntcommit\n' | cjk 2 -d "$C/cdb" exec - || exit 1
cjk 0 switch >/dev/null && printf 'set ^A(4)=4\n' | cjk 0 -d "$C/cdb" exec - || exit 1
cjk 1 switch >/dev/null && printf 'set ^B(2)=2\n' | cjk 1 -d "$C/cdb" exec - || exit 1
for n in 0 1 2; do cjk $n stop >/dev/null || exit 1; done
cjk 1 start >/dev/null && cjk 0 start >/dev/null || exit 1
printf 'set ^B(3)=3\n' | cjk 1 -d "$C/cdb" exec - || exit 1
printf 'set ^A(5)=5\n' | cjk 0 -d "$C/cdb" exec - || exit 1
rm "$C/m1/journal/$D.002" || exit 1

# ---- helpers ----------------------------------------------------------------------------

norm() {
	sed -e "s|$(printf '%s' "$T" | sed 's/[].[*^$\\|]/\\&/g')|@T@|g" \
	    -e "s/$D\\./@D@./g" \
	    -e 's/^\(Time stamp: \|Time created: *\).*/\1@TIME@/' \
	    -e 's/^\(Cluster session: *\)[0-9].*/\1@TIME@/' \
	    -e 's/^\([ >]Session \)[0-9]\{8\} [0-9:]\{8\}$/\1@TIME@/' \
	    -e 's/^\(File ID: *\)[0-9a-f]\{16\}$/\1@ID@/' \
	    -e 's/(id [0-9a-f]\{16\})/(id @ID@)/' \
	    -e 's/^\(Transaction ID: \)[0-9]*/\1@TX@/' -e 's/^\(Process ID: \)[0-9]*/\1PID/' \
	    -e 's/^\([ >][ 0-9]\{8\}\) [ 0-9]\{6\}[0-9] /\1     PID /' \
	    -e 's/ [0-9-]\{10\} [0-9:]\{8\}\.[0-9]\{6\} / @TIME@ /' \
	    -e 's/ pid=[0-9]* / pid=PID /' -e 's/ tx=[0-9]* / tx=@TX@ /' \
	    -e 's/\(next_id\|id\)=[0-9a-f]\{16\}/\1=@ID@/' \
	    -e 's/"time":"[^"]*","time_us":[0-9]*,"pid":[0-9]*/"time":@TIME@,"pid":PID/' \
	    -e 's/"tx":[0-9]*/"tx":@TX@/' \
	    -e 's/^\([0-9]\{1,7\}\)\( *[0-9]* *[0-9.]*% *[0-9]* *[0-9.]*%\)$/PID\2/' \
	    -e "s/^jrndump: \(.*\) [0-9]\{8\}\.\([0-9]\{3\}\)/jrndump: \1 @D@.\2/"
}

# screen NAME EXIT [ARGS...]: replay NAME.keys, compare the final screen with NAME.out.
screen() {
	name=$1 want=$2
	shift 2
	wanted "$name" || return 0
	echo "case $name"
	sed -e "s|@T@|$T|g" -e "s|@D@|$D|g" -e "s|@MUS@|$MUS|g" "$data/$name.keys" >"$base/keys"
	# 160 columns unless the case says: the paths of the case directory fit
	case " $* " in *" --size "*) ;; *) set -- --size 160x24 "$@" ;; esac
	(cd "$T" && exec "$bin/jrndump" -I "${SI:-$I}" --keys "$base/keys" "$@" >"$base/stdout" 2>"$base/stderr")
	rc=$?
	{ cat "$base/stdout"; sed 's/^/stderr: /' "$base/stderr"; } | norm >"$base/screen"
	[ -n "$bless" ] && cp "$base/screen" "$data/$name.out"
	if ! cmp -s "$data/$name.out" "$base/screen"; then
		diff -u "$data/$name.out" "$base/screen" | sed 's/^/    /'
		bad "$name: the screen differs from $name.out"
	fi
	[ "$rc" = "$want" ] || bad "$name: exit $rc, not $want"
}

# ---- the screens -------------------------------------------------------------------------

# The file list, the cursor on the current file; moving, paging (a small screen).
screen files 0
screen files_move 0
SI=$T/many screen files_pages 0 --size 160x10
# The first file's records again after the last file's closed its reader.
SI=$T/many screen files_reopen 0
screen files_help 0
screen files_badkey 0
# Info with its databases, and back.
screen info 0
screen info_current 0
screen dbs 0
screen dbs_back 0
# Records: the current file; the first; pages through the chain (N at the
# end of a file goes on into the next, P back); G to 0, -1 and an address
# inside a record; F; a bad address.
screen recs 0
screen recs_first 0
screen recs_next_chain 0 --size 160x12
screen recs_prev_chain 0 --size 160x12
screen recs_no_more 0
screen recs_at_start 0
screen goto_start 0
screen goto_end 0 --size 160x12
screen goto_inexact 0
screen goto_bad 0
screen find 0
screen find_next_file 0
screen find_missing 0
screen recs_help 0
# One record: in a transaction (old value), a kill with the nodes it removed,
# a marker, N and P through the chain, Q back to the page.
screen detail_tx 0
screen detail_kill 0
screen detail_marker 0
screen detail_next 0
screen detail_prev_file 0
screen detail_back 0
# Beyond the original: select (filter) live, clear it, a bad filter; jump to a time.
screen select_ops 0
screen select_global 0
screen select_tx 0
screen select_clear 0
screen select_bad 0
screen time 0
# G in the file list: any path; a file that is not there.
screen goto_file 0
screen goto_file_missing 0
# The terminal changes size.
screen resize 0
# Damage: a torn tail, a flipped byte, shown up to the valid offset and named.
screen torn 0 "$T/bad/torn.001"
screen torn_info 0 "$T/bad/torn.001"
screen flip 0 "$T/bad/flip.001"
# jrndump FILE: the records of FILE at once.
screen file_arg 0 "$F1"

# ---- a cluster member: the cluster's files by session (the fixture's c/) -----------------
# The list, the cursor on m0's current file; moving over the session
# headings; paging a small screen (the heading of a session kept above its
# first file), and back; help; a key it does not take.
SI=$C/m0 screen clu_files 0
SI=$C/m0 screen clu_move 0
SI=$C/m0 screen clu_pages 0 --size 160x10
SI=$C/m0 screen clu_pages_back 0 --size 160x10
SI=$C/m0 screen clu_move_top 0 --size 160x10
SI=$C/m0 screen clu_help 0
SI=$C/m0 screen clu_badkey 0
# A file's records as for one instance: on into its member's next file (not
# another member's), a record, back from a member's session 2 file past its
# gone .002 into its .001; E on a gone file names why; I (of a gone file
# too) and D; T goes
# through the member's own chain.
SI=$C/m0 screen clu_examine 0 --size 160x16
SI=$C/m0 screen clu_detail 0
SI=$C/m1 screen clu_prev_chain 0 --size 160x12
SI=$C/m0 screen clu_gone 0
SI=$C/m0 screen clu_info 0
SI=$C/m0 screen clu_info_gone 0
SI=$C/m0 screen clu_dbs 0
SI=$C/m1 screen clu_time 0
# G: a file not in the cluster's log joins the list (not a cluster file: session unknown);
# jrndump FILE on a member: FILE's records, Q to its row in the cluster list.
SI=$C/m0 screen clu_goto 0
SI=$C/m0 screen clu_file_arg 0 "$C/m2/journal/$D.001"

# ---- the line mode: every screen, keys echoed ------------------------------------------
if wanted line; then
	echo "case line"
	printf 'P\nI\nQ\nQ\n' | (cd "$T" && "$bin/jrndump" -I "$I" --size 160x12) 2>&1 | norm >"$base/screen"
	[ -n "$bless" ] && cp "$base/screen" "$data/line.out"
	cmp -s "$data/line.out" "$base/screen" || { diff -u "$data/line.out" "$base/screen" | sed 's/^/    /'; bad "line: differs from line.out"; }
	# end of input leaves
	out=$(printf 'E\n' | "$bin/jrndump" -I "$I" 2>&1); rc=$?
	[ "$rc" = 0 ] || bad "line mode at end of input: exit $rc"
fi

# ---- main menu item 5 runs this jrndump, which reads the next answers ----------------------
if wanted mainmenu; then
	echo "case mainmenu"
	printf '5\nI\nQ\nQ\nE\n' >"$base/answers"
	(cd "$T" && "$bin/jrnkit" -I "$I" <"$base/answers") >"$base/mm" 2>&1; rc=$?
	[ "$rc" = 0 ] || bad "main menu item 5: exit $rc"
	grep -q '^File count: *2 of 2$' "$base/mm" || bad "main menu item 5: jrndump did not show the info screen"
	grep -q 'exited with status' "$base/mm" && bad "main menu item 5: jrndump failed: $(grep 'exited' "$base/mm")"
	[ "$(grep -c '^Option? ' "$base/mm")" = 2 ] || bad "main menu item 5: the menu did not come back after jrndump"
fi

# ---- batch: --select, each filter against the records worked out by hand ------------------
# sel ARGS...: --select's lines, normalised, without the file and length fields
sel() { "$bin/jrndump" --select "$@" 2>&1 | norm | sed 's/ len=[0-9]*//'; }
expect() {
	if [ "$got" != "$(cat)" ]; then
		bad "batch: $1:"; printf '%s\n' "$got" | sed 's/^/    got: /'
	fi
}
if wanted batch; then
	echo "case batch"
	got=$(sel --global Acct "$F1" | cut -d' ' -f2-)
	expect "--global Acct" <<-EOF
	270 @TIME@ pid=PID op=S ^["@T@/acct/"]Acct(1)=10
	335 @TIME@ pid=PID op=S ^["@T@/acct/"]Acct(2)=20
	513 @TIME@ pid=PID op=ST tx=@TX@ ^["@T@/acct/"]Acct(4)=40 old=<undef>
	701 @TIME@ pid=PID op=SI ^["@T@/acct/"]Acct(1)=15 by=5
	771 @TIME@ pid=PID op=K ^["@T@/acct/"]Acct(2)
	EOF
	got=$(sel --global 'Acct(1)' --op SI,K "$F1" "$F2" | cut -d' ' -f2-)
	expect "--global 'Acct(1)' --op SI,K" <<-EOF
	701 @TIME@ pid=PID op=SI ^["@T@/acct/"]Acct(1)=15 by=5
	549 @TIME@ pid=PID op=KT tx=@TX@ ^["@T@/acct/"]Acct(1) removed=1
	EOF
	got=$(sel --global 'Bal?x' --global 'T*' -I "$I" | cut -d' ' -f2-)
	expect "--global 'Bal?x' --global 'T*' (every file of the instance)" <<-EOF
	583 @TIME@ pid=PID op=ST tx=@TX@ ^["@T@/acct/"]Balcx=8 old=<undef>
	973 @TIME@ pid=PID op=S ^["@T@/tmp/"]T(1)=1
	904 @TIME@ pid=PID op=S ^["@T@/tmp/"]T(2)=2
	EOF
	got=$(sel --global-contains '$C(9)' -I "$I" | cut -d' ' -f2-)
	expect "--global-contains" <<-EOF
	438 @TIME@ pid=PID op=S ^["@T@/acct/"]B("a"_\$C(9)_"b")="x"_\$C(0)
	EOF
	got=$(sel --dir "$T/tmp" -I "$I" | cut -d' ' -f2-)
	expect "--dir" <<-EOF
	830 @TIME@ pid=PID op=DB db=2 id=@ID@ dir=@T@/tmp/
	973 @TIME@ pid=PID op=S ^["@T@/tmp/"]T(1)=1
	761 @TIME@ pid=PID op=DB db=2 id=@ID@ dir=@T@/tmp/
	904 @TIME@ pid=PID op=S ^["@T@/tmp/"]T(2)=2
	EOF
	got=$(sel --tx yes --from "$D.002" -I "$I" | cut -d' ' -f2-)
	expect "--tx yes --from" <<-EOF
	501 @TIME@ pid=PID op=BT tx=@TX@ level=1
	549 @TIME@ pid=PID op=KT tx=@TX@ ^["@T@/acct/"]Acct(1) removed=1
	629 @TIME@ pid=PID op=kT tx=@TX@ ^["@T@/acct/"]Acct(3) removed=1
	709 @TIME@ pid=PID op=CT tx=@TX@ level=1 updates=2
	EOF
	got=$(sel --offset 600-800 --through "$D.001" -I "$I" | cut -d' ' -f2-)
	expect "--offset --through" <<-EOF
	649 @TIME@ pid=PID op=CT tx=@TX@ level=1 updates=2
	701 @TIME@ pid=PID op=SI ^["@T@/acct/"]Acct(1)=15 by=5
	771 @TIME@ pid=PID op=K ^["@T@/acct/"]Acct(2)
	EOF
	got=$(sel --op M,JE "$F1" | cut -d' ' -f2-)
	expect "--op M,JE" <<-EOF
	1034 @TIME@ pid=PID op=M id=7 seq=1 prev=0 text="before switch"
	1121 @TIME@ pid=PID op=JE next_id=@ID@ next=@T@/i/journal/@D@.002
	EOF
	got=$(sel --since "@$MUS" --op S,M -I "$I" | cut -d' ' -f2- | head -2)
	expect "--since" <<-EOF
	1034 @TIME@ pid=PID op=M id=7 seq=1 prev=0 text="before switch"
	373 @TIME@ pid=PID op=S ^["@T@/acct/"]Acct(3)=30
	EOF
	got=$(sel --until "@$((MUS - 1))" --op M "$F1")
	expect "--until before the marker" </dev/null
	got=$(sel --seq 1- "$F1")
	expect "--seq (no cluster: every sequence number is 0)" </dev/null
	got=$(sel --pid 1 -I "$I")
	expect "--pid of no writer" </dev/null
	got=$(sel --json --global 'Acct(4)' "$F1")
	expect "--json" <<-EOF
	{"file":"@T@/i/journal/@D@.001","offset":513,"len":70,"type":"Set","op":"ST","time":@TIME@,"pid":PID,"tx":@TX@,"level":1,"dbnum":1,"db":"@T@/acct/","global":"^Acct(4)","value":"40","old":null}
	EOF
	# -o FILE
	"$bin/jrndump" --select -o "$base/all.txt" -I "$I" || bad "--select -o: exit $?"
	n=$(wc -l <"$base/all.txt")
	recs=$("$bin/jrndump" --verify -I "$I" | awk '/records,/ { n += $2 } END { print n }')
	[ "$n" = "$recs" ] || bad "--select of every record: $n lines, not $recs"
	# usage
	"$bin/jrndump" --select --op X "$F1" >/dev/null 2>"$base/err"; rc=$?
	[ "$rc" = 2 ] || bad "--op X: exit $rc, not 2"
	grep -q "unknown op code 'X'" "$base/err" || bad "--op X: $(cat "$base/err")"
	"$bin/jrndump" --op S "$F1" >/dev/null 2>&1; rc=$?
	[ "$rc" = 2 ] || bad "a filter without --select: exit $rc, not 2"
	# a full disk: the writer thread's error comes back, named, exit 1
	if [ -w /dev/full ]; then
		"$bin/jrndump" --select -o /dev/full -I "$I" 2>"$base/err"; rc=$?
		[ "$rc" = 1 ] || bad "--select -o /dev/full: exit $rc, not 1"
		grep -q 'cannot write /dev/full' "$base/err" || bad "--select -o /dev/full: $(cat "$base/err")"
		"$bin/jrndump" --select -I "$I" >/dev/full 2>"$base/err"; rc=$?
		[ "$rc" = 1 ] || bad "--select >/dev/full: exit $rc, not 1"
		grep -q 'cannot write' "$base/err" || bad "--select >/dev/full: $(cat "$base/err")"
	fi
	"$bin/jrndump" --select "$T/nonesuch" >/dev/null 2>"$base/err"; rc=$?
	[ "$rc" = 1 ] || bad "a missing file: exit $rc, not 1"
	grep -q "cannot open journal '$T/nonesuch'" "$base/err" || bad "a missing file: $(cat "$base/err")"
fi

# ---- batch: --stats totals equal the records --------------------------------------------------
if wanted stats; then
	echo "case stats"
	"$bin/jrndump" --stats -I "$I" >"$base/stats" || bad "--stats: exit $?"
	recs=$("$bin/jrndump" --verify -I "$I" | awk '/records,/ { n += $2 } END { print n }')
	bytes=$("$bin/jrndump" --select --json -I "$I" | sed 's/.*"len":\([0-9]*\).*/\1/' | awk '{ n += $1 } END { print n }')
	head -1 "$base/stats" | grep -q "^$recs records, $bytes bytes of records in 2 files$" ||
	    bad "--stats: $(head -1 "$base/stats"), not $recs records, $bytes bytes"
	[ "$(grep -c "^Total  *$recs 100.00%  *$bytes 100.00%$" "$base/stats")" = 4 ] ||
	    { sed 's/^/    /' "$base/stats"; bad "--stats: not four totals of $recs records and $bytes bytes"; }
	grep -q "^Acct  *8 " "$base/stats" || bad "--stats: ^Acct is not 8 records"
	grep -q "^$T/tmp/  *4 " "$base/stats" || bad "--stats: $T/tmp/ is not 4 records"
	"$bin/jrndump" --stats --op S --json -I "$I" >"$base/stats.json" || bad "--stats --json: exit $?"
	grep -q '^{"files":2,"records":9,' "$base/stats.json" || bad "--stats --op S --json: $(cat "$base/stats.json")"
fi

# ---- batch: --verify and damage -------------------------------------------------------------
if wanted verify; then
	echo "case verify"
	"$bin/jrndump" --verify "$F1" "$T/bad/torn.001" "$T/bad/flip.001" >"$base/v" 2>"$base/verr"; rc=$?
	[ "$rc" = 3 ] || bad "--verify of damaged files: exit $rc, not 3"
	grep -q "^$F1: 15 records, valid up to offset $(stat -c %s "$F1") of $(stat -c %s "$F1") bytes, whole, closed$" "$base/v" ||
	    bad "--verify: $(head -1 "$base/v")"
	grep -q "^$T/bad/torn.001: 14 records, valid up to offset 1121 of .* bytes, torn tail$" "$base/v" ||
	    bad "--verify torn: $(grep torn "$base/v")"
	grep -q "torn tail at offset 1121 of $T/bad/torn.001: valid up to offset 1121" "$base/verr" ||
	    bad "--verify torn: $(cat "$base/verr")"
	grep -q "damaged record at offset 400 of $T/bad/flip.001 .*: valid up to offset 400" "$base/verr" ||
	    bad "--verify flipped: $(cat "$base/verr")"
	# --select of a damaged file: what is valid, the damage named, exit 3
	"$bin/jrndump" --select "$T/bad/torn.001" >"$base/s" 2>"$base/serr"; rc=$?
	[ "$rc" = 3 ] || bad "--select of a torn file: exit $rc, not 3"
	[ "$(wc -l <"$base/s")" = 14 ] || bad "--select of a torn file: $(wc -l <"$base/s") lines, not 14"
	grep -q "valid up to offset 1121" "$base/serr" || bad "--select of a torn file: $(cat "$base/serr")"
fi

# ---- damage anywhere: a byte flipped at every 29th offset of @D@.001 and the
# file cut at every 97th; the browser and the batch never crash (a sanitizer
# build fails here on any bad read), the batch says 0 or 3 ----------------------------------
if wanted corrupt; then
	echo "case corrupt"
	printf 'G -1\nP\nP\n<up>\nE\nP\nQ\nF zzz\nQ\nI\nD\nQ\nQ\n' >"$base/ck"
	size=$(stat -c %s "$F1")
	off=0
	while [ "$off" -lt "$size" ]; do
		cp "$F1" "$base/c.001"
		b=$(od -An -tu1 -j "$off" -N 1 "$F1" | tr -d ' ')
		printf "\\$(printf %03o $((b ^ 1)))" | dd of="$base/c.001" bs=1 seek="$off" conv=notrunc 2>/dev/null
		"$bin/jrndump" --keys "$base/ck" "$base/c.001" >/dev/null 2>"$base/cerr"; rc=$?
		[ "$rc" = 0 ] || bad "browser, byte $off flipped: exit $rc $(head -3 "$base/cerr")"
		"$bin/jrndump" --select --json "$base/c.001" >/dev/null 2>"$base/cerr"; rc=$?
		case $rc in 0 | 3) ;; 1) grep -q 'header\|magic\|version' "$base/cerr" || bad "--select, byte $off flipped: exit 1 $(head -3 "$base/cerr")" ;;
		*) bad "--select, byte $off flipped: exit $rc $(head -3 "$base/cerr")" ;; esac
		off=$((off + 29))
	done
	off=1
	while [ "$off" -lt "$size" ]; do
		head -c "$off" "$F1" >"$base/c.001"
		"$bin/jrndump" --keys "$base/ck" "$base/c.001" >/dev/null 2>"$base/cerr"; rc=$?
		[ "$rc" = 0 ] || bad "browser, cut at $off: exit $rc $(head -3 "$base/cerr")"
		"$bin/jrndump" --stats "$base/c.001" >/dev/null 2>"$base/cerr"; rc=$?
		case $rc in 0 | 3) ;; 1) grep -q 'header\|magic' "$base/cerr" || bad "--stats, cut at $off: exit 1 $(head -3 "$base/cerr")" ;;
		*) bad "--stats, cut at $off: exit $rc $(head -3 "$base/cerr")" ;; esac
		off=$((off + 97))
	done
fi

# ---- --stats on threads: each file read in ranges, a thread each, gives
# what one reader gives, byte for byte, damage included (the first damage in
# file order, the counts of the valid prefix): a file of more than 8 MB (split
# without --threads on a machine of 2 cores or more) with a second database
# mapped in the middle, whole, cut, and with a byte flipped in each range;
# the small fixture file split in 3 with a byte flipped at every 29th offset
# and cut at every 97th; and a file whose values are copies of a record, so
# that the boundaries found by checksum are inside records ------------------
if wanted stats-threads; then
	echo "case stats-threads"
	# cmp_stats FILE WHAT ARGS...: --threads 1 against the default and 2, 3, 4
	cmp_stats() {
		f=$1 what=$2
		shift 2
		"$bin/jrndump" --stats --threads 1 "$@" "$f" >"$base/o1" 2>"$base/e1"; r1=$?
		for t in auto 2 3 4; do
			if [ "$t" = auto ]; then
				"$bin/jrndump" --stats "$@" "$f" >"$base/o2" 2>"$base/e2"; r2=$?
			else
				"$bin/jrndump" --stats --threads "$t" "$@" "$f" >"$base/o2" 2>"$base/e2"; r2=$?
			fi
			if [ "$r1" != "$r2" ] || ! cmp -s "$base/o1" "$base/o2" || ! cmp -s "$base/e1" "$base/e2"; then
				bad "--stats $* ($what), threads $t: exit $r2 not $r1, or another output:"
				diff "$base/o1" "$base/o2" | head -10 | sed 's/^/    /'
				diff "$base/e1" "$base/e2" | head -4 | sed 's/^/    /'
			fi
		done
		return "$r1"
	}
	# flip FILE OFFSET: the byte at OFFSET xor 1
	flip() {
		b=$(od -An -tu1 -j "$2" -N 1 "$1" | tr -d ' ')
		printf "\\$(printf %03o $((b ^ 1)))" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
	}
	L=$base/L
	"$bin/jrnkit" init "$L/i" >/dev/null && "$bin/jrnkit" -I "$L/i" db create "$L/a" >/dev/null &&
	    "$bin/jrnkit" -I "$L/i" db create "$L/b" >/dev/null || exit 1
	"$bin/jrnkit" -I "$L/i" -d "$L/a" load -n 40000 -t 100 -k 1000 -v 40 --kill-every 1000 --seed 1 >/dev/null || exit 1
	printf 'set ^Z(1)=1\n' | "$bin/jrnkit" -I "$L/i" -d "$L/b" exec - || exit 1
	"$bin/jrnkit" -I "$L/i" -d "$L/a" load -n 30000 -t 100 -k 1000 -v 40 --seed 2 -g Q >/dev/null || exit 1
	printf 'set ^Z(2)=1\n' | "$bin/jrnkit" -I "$L/i" -d "$L/b" exec - || exit 1
	big=$(ls "$L/i/journal/"*)
	size=$(stat -c %s "$big")
	[ "$size" -gt 8500000 ] || bad "the large journal is $size bytes, not over 8 MB"
	cmp_stats "$big" whole || bad "--stats of the large file: exit $?"
	grep -q "^$L/b/  *3 " "$base/o1" || bad "--stats: $L/b/ is not 3 records: $(grep "^$L" "$base/o1")"
	cmp_stats "$big" whole --json --op S,K
	cmp_stats "$big" whole --dir "$L/b"
	for cut in $((size / 4 + 13)) $((size / 2 + 1)) $((size * 3 / 4 - 7)) $((size - 5)); do
		head -c "$cut" "$big" >"$base/L.001"
		cmp_stats "$base/L.001" "cut at $cut"; rc=$?
		[ "$rc" = 3 ] && grep -q "torn tail at offset" "$base/e1" || bad "--stats, cut at $cut: exit $rc $(cat "$base/e1")"
	done
	for off in 5000 $((size / 3 + 11)) $((size / 2 + 3)) $((size * 2 / 3 - 17)) $((size - 40)); do
		cp "$big" "$base/L.001"
		flip "$base/L.001" "$off"
		cmp_stats "$base/L.001" "byte $off flipped"; rc=$?
		# (in the last record: a torn tail, nothing whole follows it)
		[ "$rc" = 3 ] && grep -q "damaged record at offset\\|torn tail at offset" "$base/e1" || bad "--stats, byte $off flipped: exit $rc $(cat "$base/e1")"
	done
	# two damages: the first in file order is the one reported
	cp "$big" "$base/L.001"
	flip "$base/L.001" $((size / 3))
	flip "$base/L.001" $((size * 3 / 4))
	cmp_stats "$base/L.001" "two bytes flipped"
	rm -f "$base/L.001"

	size=$(stat -c %s "$F1")
	off=0
	while [ "$off" -lt "$size" ]; do
		cp "$F1" "$base/c.001"
		flip "$base/c.001" "$off"
		cmp_stats "$base/c.001" "byte $off flipped"
		off=$((off + 29))
	done
	off=1
	while [ "$off" -lt "$size" ]; do
		head -c "$off" "$F1" >"$base/c.001"
		cmp_stats "$base/c.001" "cut at $off"
		off=$((off + 97))
	done

	# values made of a record's bytes, four times over: a checksum finds
	# records inside them
	o=$("$bin/jrndump" --select --op S "$F1" | awk 'NR == 1 { print $2 }')
	n=$("$bin/jrndump" --select --json --offset "$o" "$F1" | sed 's/.*"len":\([0-9]*\).*/\1/')
	v="\$C($(od -An -tu1 -j "$o" -N "$n" "$F1" | tr -s ' \n' ',,' | sed 's/^,//; s/,$//'))"
	i=1
	while [ "$i" -le 150 ]; do
		echo "set ^E($i)=$v""_$v""_$v""_$v"
		i=$((i + 1))
	done >"$base/e.script"
	"$bin/jrnkit" init "$L/j" >/dev/null && "$bin/jrnkit" -I "$L/j" db create "$L/e" >/dev/null &&
	    "$bin/jrnkit" -I "$L/j" -d "$L/e" exec "$base/e.script" || exit 1
	for t in 2 3 5 8 13 16; do
		"$bin/jrndump" --stats --threads 1 "$L/j/journal/"* >"$base/o1" 2>&1
		"$bin/jrndump" --stats --threads "$t" "$L/j/journal/"* >"$base/o2" 2>&1 || bad "--stats --threads $t of records in records: exit $?"
		cmp -s "$base/o1" "$base/o2" || bad "--stats --threads $t of records in records: $(diff "$base/o1" "$base/o2" | head -5)"
	done
	grep -q "^E  *150 " "$base/o1" || bad "--stats of records in records: ^E is not 150 records"
	"$bin/jrndump" --select --threads 2 "$F1" >/dev/null 2>&1; rc=$?
	[ "$rc" = 2 ] || bad "--select --threads 2: exit $rc, not 2"
	"$bin/jrndump" --stats --threads 0 "$F1" >/dev/null 2>&1; rc=$?
	[ "$rc" = 2 ] || bad "--stats --threads 0: exit $rc, not 2"
	rm -rf "$L"
fi

[ "$nfail" -eq 0 ] || { echo "jrndump: $nfail failed"; exit 1; }
echo "jrndump: all passed"
