#!/bin/sh
# clumenu.sh - the cluster journal restore menu of spec/dialogues.md
# section 3 (jrnresto -c, the main menu's item 10, "Cluster journal
# restore?"), replayed from transcripts; the databases its restores leave
# are checked against what the journals hold and against jrnresto
# --cluster run with the same choices.
#
# A case NAME is tests/transcripts/clumenu/NAME.in, the answers one a line,
# and NAME.out, the whole screen.  In NAME.in, @T@ stands for the case's
# directory, @D@ for the date part of its journal file names, @MK@ for the
# offset of the cluster marker "mid" in member 1's first file and @BK@ for
# the offset of the backup's marker there.  The screen is normalised (norm
# below): the case's directory -> @T@, times "YYYYMMDD HH:MM:SS" -> @TIME@,
# journal file names -> @D@.NNN, backup names -> full-@BK@, "process PID"
# -> "process @PID@"; stderr follows as "stderr: " lines.
#
# Each case builds its cluster from scratch (fixture) in a directory whose
# path always has the same length, so that journal offsets are the same on
# every run.
#
#   CLUMENU_CASES="a b"  run only these cases
#   CLUMENU_BLESS=1      rewrite NAME.out from what the program prints.  Read
#                        every line of a blessed file against the spec.
set -u
bin=${JRNKIT_BIN:?}
data=$(cd "$(dirname "$0")/../transcripts/clumenu" && pwd) || exit 1
bless=${CLUMENU_BLESS:-}
only=${CLUMENU_CASES:-}

base=$(mktemp -d "${TMPDIR:-/tmp}/clumenu.XXXXXX") && base=$(cd "$base" && pwd -P) || exit 1
trap 'rm -rf "$base"' EXIT
TLEN=90
[ $((${#base} + 20)) -le $TLEN ] || { echo "skip: TMPDIR is too deep for fixed-length case directories"; exit 77; }

nfail=0
bad() { echo "FAIL: $*"; nfail=$((nfail + 1)); }
wanted() { [ -z "$only" ] || case " $only " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
has() { case " $opts " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
jk() { "$bin/jrnkit" "$@"; }

# ---- the fixture --------------------------------------------------------------------

# fixture NAME [OPTION...]: a fresh case directory T holding the cluster c/,
# members m0 m1 m2, the database db/ they share, an empty database r/.
# Session 1: m0 ^A(1)=1 ^A(2)=2; m1 ^B(1)=1; m2 a transaction {^C(1)=1
# ^A(3)=3}; the cluster marker 7 "mid"; m0 ^A(1)=11; a backup by m0 to bk/
# (its marker cluster-wide); m1 ^B(2)=2; m2 kills ^A(2).  Every member
# stops; m0 and m1 start again: session 2: m0 ^A(4)=4; m1 ^B(3)=3.
# Options:
#   restored  the backup restored into r/ (restore-backup --redirect db=r)
#   moved     copy.log: a copy of CLUJRN.LOG; m2's journal directory moved
#             to moved/
fixture() {
	T=$base/$1_
	while [ ${#T} -lt $TLEN ]; do T=${T}_; done
	shift
	opts=" $* "
	mkdir -p "$T/bk" || return 1
	jk cluster init "$T/c" >/dev/null || return 1
	for n in 0 1 2; do jk init --cluster "$T/c" --csn $n "$T/m$n" >/dev/null || return 1; done
	jk -I "$T/m0" db create "$T/db" >/dev/null || return 1
	printf 'set ^A(1)=1\nset ^A(2)=2\n' | jk -I "$T/m0" -d "$T/db" exec - || return 1
	printf 'set ^B(1)=1\n' | jk -I "$T/m1" -d "$T/db" exec - || return 1
	printf 'tstart\nset ^C(1)=1\nset ^A(3)=3\ntcommit\n' | jk -I "$T/m2" -d "$T/db" exec - || return 1
	MK=$(jk -I "$T/m1" mark --cluster 7 mid | sed -n 2p) || return 1
	MK=${MK%%,*}
	printf 'set ^A(1)=11\n' | jk -I "$T/m0" -d "$T/db" exec - || return 1
	jk -I "$T/m0" backup --to "$T/bk" >"$T/backup.out" || return 1
	BK=$(jk -I "$T/m0" backup --list | sed -n 's/^.*  \(full-[0-9-]*\)  .*$/\1/p' | head -1)
	jk -I "$T/m0" db create "$T/r" >/dev/null || return 1
	printf 'set ^B(2)=2\n' | jk -I "$T/m1" -d "$T/db" exec - || return 1
	printf 'kill ^A(2)\n' | jk -I "$T/m2" -d "$T/db" exec - || return 1
	for n in 0 1 2; do jk -I "$T/m$n" stop >/dev/null || return 1; done
	jk -I "$T/m0" start >/dev/null && jk -I "$T/m1" start >/dev/null || return 1
	printf 'set ^A(4)=4\n' | jk -I "$T/m0" -d "$T/db" exec - || return 1
	printf 'set ^B(3)=3\n' | jk -I "$T/m1" -d "$T/db" exec - || return 1
	D=$(ls "$T/m0/journal" | head -1 | cut -c1-8)
	BKOFF=$("$bin/jrndump" --select --op M "$T/m1/journal/$D.001" |
	    sed -n 's/^[^ ]* \([0-9]*\) .* id=-1 .*$/\1/p' | head -1)
	jk -I "$T/m0" -d "$T/db" zwrite >"$T/live.zwr"
	if has restored; then
		jk -I "$T/m0" restore-backup "$BK" --redirect "$T/db=$T/r" >/dev/null || return 1
	fi
	if has moved; then
		cp "$T/c/CLUJRN.LOG" "$T/copy.log"
		mkdir "$T/moved" && mv "$T/m2/journal" "$T/moved/j2" || return 1
	fi
	return 0
}

norm() {
	sed -e "s|$(printf '%s' "$T" | sed 's/[].[*^$\\|]/\\&/g')|@T@|g" \
	    -e 's/[0-9]\{8\} [0-9]\{2\}:[0-9]\{2\}:[0-9]\{2\}/@TIME@/g' \
	    -e 's/[0-9]\{8\};[0-9]\{2\}:[0-9]\{2\}:[0-9]\{2\}/@TIME@/g' \
	    -e 's/full-[0-9]\{8\}-[0-9]\{6\}/full-@BK@/g' \
	    -e "s/$D\\./@D@./g" -e 's/[0-9]\{8\}\.\([0-9]\{3\}\)/@D@.\1/g' \
	    -e 's/  process [0-9]*, /  process @PID@, /'
}

# dialogue NAME EXIT PROGRAM [OPTION...]: the fixture, NAME.in replayed into
# PROGRAM (clumenu: jrnresto -c; resto: jrnresto; main: jrnkit) on member
# 0, the screen compared with NAME.out, the exit code with EXIT.  Returns 1
# when the case is not run.
dialogue() {
	name=$1 want=$2 prog=$3
	shift 3
	wanted "$name" || return 1
	echo "case $name"
	fixture "$name" "$@" || { bad "$name: fixture"; return 1; }
	sed -e "s|@T@|$T|g" -e "s|@D@|$D|g" -e "s|@MK@|$MK|g" -e "s|@BK@|$BKOFF|g" \
	    "$data/$name.in" >"$T/answers"
	case $prog in
	clumenu) set -- "$bin/jrnresto" -I "$T/m0" -c ;;
	resto) set -- "$bin/jrnresto" -I "$T/m0" ;;
	main) set -- "$bin/jrnkit" -I "$T/m0" ;;
	esac
	(cd "$T" && exec "$@" <"$T/answers" >"$T/stdout" 2>"$T/stderr")
	rc=$?
	{ cat "$T/stdout"; sed 's/^/stderr: /' "$T/stderr"; } | norm >"$T/screen"
	[ -n "$bless" ] && cp "$T/screen" "$data/$name.out"
	if ! cmp -s "$data/$name.out" "$T/screen"; then
		diff -u "$data/$name.out" "$T/screen" | sed 's/^/    /'
		bad "$name: the screen differs from $name.out"
	fi
	[ "$rc" = "$want" ] || bad "$name: exit $rc, not $want"
	return 0
}

# zw DB: the globals of database DB must be the ZWR lines on stdin.
zw() {
	jk -I "$T/m0" -d "$1" zwrite >"$T/zw.got" 2>&1
	if ! diff -u - "$T/zw.got" >"$T/zw.diff"; then
		sed 's/^/    /' "$T/zw.diff"
		bad "$name: $1 holds other globals than expected"
	fi
}

# same_as_flags FLAGS...: jrnresto --cluster with the same choices, into a
# fresh database, gives what the menu's restore gave r/.
same_as_flags() {
	jk -I "$T/m0" db create "$T/r2" >/dev/null
	"$bin/jrnresto" -q -I "$T/m0" --cluster --redirect "$T/db=$T/r2" "$@" >"$T/flags.out" 2>&1 ||
	    bad "$name: jrnresto --cluster $*: $(cat "$T/flags.out")"
	jk -I "$T/m0" -d "$T/r" zwrite >"$T/r.zwr"
	jk -I "$T/m0" -d "$T/r2" zwrite >"$T/r2.zwr"
	cmp -s "$T/r.zwr" "$T/r2.zwr" || bad "$name: the menu's restore and jrnresto --cluster $* differ:
$(diff "$T/r.zwr" "$T/r2.zwr")"
}

live() { zw "$T/r" <"$T/live.zwr"; }

# ---- the cases ------------------------------------------------------------------------

# the menu and its help
dialogue menu 0 clumenu

# option 1 from the first session: r == live, as jrnresto --cluster gives it
if dialogue restore 0 clumenu; then
	live
	same_as_flags
fi

# the defaults (the current session), the switches redrawn, Q and No
if dialogue toggles 0 clumenu; then
	zw "$T/r" </dev/null
fi

# Q, Yes: the private restore dialogue (backed out of)
dialogue private 0 clumenu

# item 1: [I] another log (a copy), [R] m2's journals moved and redirected
if dialogue identify 0 clumenu moved; then
	live
	same_as_flags --cluster-log "$T/copy.log" --journal-redirect "$T/m2/journal=$T/moved/j2"
fi

# item 1: [C] a log made from three members' directories: the same records
if dialogue create 0 clumenu; then
	live
	grep -q "^2,$T/m2/journal/$D.001\$" "$T/made.log" || bad "create: made.log: $(cat "$T/made.log")"
fi

# item 2: the second session only; the stop screen, (*) on the current location
if dialogue start_session 0 clumenu; then
	zw "$T/r" <<-'EOF'
	^A(4)=4
	^B(3)=3
	EOF
	s2=$("$bin/jrndump" --select "$T/m0/journal/$D.003" "$T/m1/journal/$D.002" |
	    sed -n 's/^.* len=[0-9]* seq=\([1-9][0-9]*\).*$/\1/p' | sort -n | head -1)
	same_as_flags --start-seq "$s2"
fi

# item 2: at the cluster marker, by file and offset; item 3: at the backup's marker
if dialogue start_marker 0 clumenu; then
	zw "$T/r" <<-'EOF'
	^A(1)=11
	EOF
	same_as_flags --start-marker 7 --stop-offset "$BKOFF,$T/m1/journal/$D.001"
fi

# item 3: at the end of session 1; item 2 refused answers
if dialogue stop_session 0 clumenu; then
	zw "$T/r" <<-'EOF'
	^A(1)=11
	^A(3)=3
	^B(1)=1
	^B(2)=2
	^C(1)=1
	EOF
fi

# bad answers at every kind of question
dialogue bad_answers 0 clumenu

# option 2: a common-format file of the range; read back, it gives the same database
if dialogue common 0 clumenu; then
	zw "$T/r" </dev/null
	jk -I "$T/m0" read "$T/out.jcf" >/dev/null 2>&1 || bad "common: jrnkit read $T/out.jcf"
	live
fi

# option 3 without a backup restored; option 4 with one never restored
dialogue no_backup 0 clumenu

# option 3 after restore-backup: from the backup's marker, onto the copy in r/
if dialogue after_backup 0 clumenu restored; then
	live
fi

# option 4: a backup of the history; its databases where it was restored
if dialogue from_backup 0 clumenu restored; then
	live
fi

# jrnresto on a member asks first; the main menu's item 10
dialogue member_yes 0 resto
dialogue member_no 0 resto
dialogue main_menu 0 main

# not a member: said, exit 2
if wanted not_member; then
	echo "case not_member"
	name=not_member
	T=$base/nm
	jk init "$T/i" >/dev/null
	out=$(echo 1 | "$bin/jrnresto" -I "$T/i" -c 2>&1)
	rc=$?
	[ "$rc" = 2 ] || bad "not_member: exit $rc, not 2"
	case $out in *"This instance is not a cluster member"*) ;; *) bad "not_member: '$out'" ;; esac
	out=$(echo 10 | "$bin/jrnkit" -I "$T/i" 2>&1)
	case $out in *"10) -not available-"*) ;; *) bad "not_member: the main menu: '$out'" ;; esac
fi

[ "$nfail" = 0 ] || { echo "$nfail failures"; exit 1; }
exit 0
