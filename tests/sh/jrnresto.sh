#!/bin/sh
# jrnresto.sh - the restore dialogue of spec/dialogues.md section 2, replayed
# from transcripts, and jrnresto's flags (--dry-run, --check, --json, exit
# codes, a restore interrupted by SIGINT or killed and run again).
#
# A dialogue case NAME is tests/transcripts/jrnresto/NAME.in, the answers one
# a line, and NAME.out, the whole screen.  In NAME.in, @T@ stands for the
# case's directory and @D@ for the date part of its journal file names.  The
# screen is normalised before the comparison (norm below): the case's
# directory -> @T@, the time in "[Journal restore ... at YYYYMMDD HH:MM:SS]"
# -> @TIME@, journal file names YYYYMMDD.NNN -> @D@.NNN (and the case's
# date followed by a dot anywhere, as in a bad answer "@D@.1"), "process PID" ->
# "process @PID@"; anything on stderr follows as "stderr: " lines.
#
# Each case builds its own instance from scratch (fixture below) in a
# directory whose path always has the same length, so that journal offsets
# (which depend on the lengths of the paths the journal records) are the same
# on every run.  Where a case changes databases, the result is compared
# with zwrite output worked out by hand.
#
#   JRNRESTO_CASES="a b"  run only these cases (and "flags" for the flag checks)
#   JRNRESTO_BLESS=1      rewrite NAME.out from what the program prints (never
#                         for the cases in $bugs).  Read every line of a blessed
#                         file against the spec before committing it.
#
# Cases marked BUG below expect what the spec asks for and fail until the
# program is fixed; the test says so when one fails.
set -u
bin=${JRNKIT_BIN:?}
data=$(cd "$(dirname "$0")/../transcripts/jrnresto" && pwd) || exit 1
bless=${JRNRESTO_BLESS:-}
only=${JRNRESTO_CASES:-}

# The known bugs (see the comments at the cases).
bugs=""

base=$(mktemp -d "${TMPDIR:-/tmp}/jrnresto.XXXXXX") && base=$(cd "$base" && pwd -P) || exit 1
trap 'rm -rf "$base"' EXIT
TLEN=100	# every case directory's path is this long
[ $((${#base} + 25)) -le $TLEN ] || { echo "skip: TMPDIR is too deep for fixed-length case directories"; exit 77; }

nfail=0
bad() { echo "FAIL: $*"; nfail=$((nfail + 1)); }
wanted() { [ -z "$only" ] || case " $only " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
is_bug() { case " $bugs " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

jk() { "$bin/jrnkit" -I "${I:-$T/i}" "$@"; }
has() { case " $opts " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

# ---- the fixture --------------------------------------------------------------------

# fixture NAME [OPTION...]: a fresh case directory T holding
#   i/          the instance; journal files @D@.001 and @D@.002, journaling stopped
#   acct/ tmp/  databases with the updates below; bak/acct, bak/tmp: as they
#               were before them (empty: the "backup")
#   restore/    an empty database; nodb/: a directory without a database
# acct gets, in @D@.001: ^Acct(1)=10 ^Acct(2)=20 ^Acct2(1)="x" ^Balax=5
# ^Balbx=6 ^Balx=7 ^Other=1; tmp: ^T(1)=1 ^Acct(9)=9.  Then a switch, and in
# @D@.002: acct ^Acct(3)=30, a transaction {^Acct(4)=40 ^Balcx=8}, ^Acct(1)
# incremented by 5 (15), ^Acct(2) killed; tmp ^T(2)=2.
# Options:
#   on      journaling left on: @D@.002 is the current file
#   gone    a database gone/ with ^G(1)="g1" ^G(2)="g2" last in @D@.002,
#           then removed: the journal names a directory with no database here
#   three   a third file @D@.003 with acct ^Acct(7)=70
#   broken  (with three) broken.log: a copy of journal.log without @D@.002
#   other   the journal is another instance's: made in o/, its journal.log
#           copied to o.log, its files moved to moved/, o/ removed; i/ is a
#           new instance (journaling, one empty file of its own)
#   reset   acct/ and tmp/ put back as in bak/ (the backup restored)
#   damage  a byte in the middle of @D@.001 flipped
#   tx      (implies on) then a transaction {^Acct(5)=50 ^Acct(6)=60
#           ^Balzx=9} whose TCOMMIT is cut off the end of @D@.002
fixture() {
	T=$base/$1_
	while [ ${#T} -lt $TLEN ]; do T=${T}_; done
	shift
	opts=" $* "
	has tx && opts="$opts on"
	mkdir -p "$T/bak" "$T/nodb" || return 1
	I=$T/i
	has other && I=$T/o
	jk init "$I" >/dev/null || return 1
	for d in acct tmp restore; do jk db create "$T/$d" >/dev/null || return 1; done
	cp -a "$T/acct" "$T/tmp" "$T/bak/"
	jk -d "$T/acct" exec - <<-'EOF'
	set ^Acct(1)=10
	set ^Acct(2)=20
	set ^Acct2(1)="x"
	set ^Balax=5
	set ^Balbx=6
	set ^Balx=7
	set ^Other=1
	EOF
	jk -d "$T/tmp" exec - <<-'EOF'
	set ^T(1)=1
	set ^Acct(9)=9
	EOF
	jk switch >/dev/null
	jk -d "$T/acct" exec - <<-'EOF'
	set ^Acct(3)=30
	tstart
	set ^Acct(4)=40
	set ^Balcx=8
	tcommit
	incr ^Acct(1)=5
	kill ^Acct(2)
	EOF
	jk -d "$T/tmp" exec - <<-'EOF'
	set ^T(2)=2
	EOF
	if has gone; then
		jk db create "$T/gone" >/dev/null
		printf 'set ^G(1)="g1"\nset ^G(2)="g2"\n' | jk -d "$T/gone" exec -
	fi
	if has three; then
		jk switch >/dev/null
		printf 'set ^Acct(7)=70\n' | jk -d "$T/acct" exec -
	fi
	if has tx; then
		jk -d "$T/acct" exec - <<-'EOF'
		tstart
		set ^Acct(5)=50
		set ^Acct(6)=60
		set ^Balzx=9
		tcommit
		EOF
		# the marker starts right after the TCOMMIT (52 bytes): cut both off
		m=$(jk mark 1 x) || return 1
		jk stop >/dev/null
		truncate -s $((${m%%,*} - 52)) "${m#*,}"
	fi
	if has gone; then
		jk db dismount "$T/gone" >/dev/null
		rm -rf "$T/gone"
	fi
	has on || jk stop >/dev/null
	D=$(ls "$I/journal" | head -1 | cut -c1-8)
	if has broken; then
		sed "/$D\\.002\$/d" "$I/journal.log" >"$T/broken.log"
	fi
	if has damage; then
		f=$I/journal/$D.001
		off=$(($(stat -c %s "$f") / 2))
		b=$(od -An -tu1 -j "$off" -N 1 "$f" | tr -d ' ')
		printf "\\$(printf %03o $((b ^ 255)))" | dd of="$f" bs=1 seek="$off" conv=notrunc 2>/dev/null
	fi
	if has other; then
		mkdir "$T/moved"
		cp "$I/journal.log" "$T/o.log"
		mv "$I"/journal/* "$T/moved/"
		rm -rf "$I"
		I=$T/i
		jk init "$I" >/dev/null
	fi
	if has reset; then
		rm -rf "$T/acct" "$T/tmp"
		cp -a "$T/bak/acct" "$T/bak/tmp" "$T/"
	fi
	unset I
}

# The screen as the transcripts have it (see the top).
norm() {
	sed -e "s|$(printf '%s' "$T" | sed 's/[].[*^$\\|]/\\&/g')|@T@|g" \
	    -e 's/^\(\[Journal restore [a-z ]*at \)[0-9]\{8\} [0-9]\{2\}:[0-9]\{2\}:[0-9]\{2\}\]$/\1@TIME@]/' \
	    -e "s/$D\\./@D@./g" -e 's/[0-9]\{8\}\.\([0-9]\{3\}\)/@D@.\1/g' \
	    -e 's/  process [0-9]*, /  process @PID@, /'
}

# dialogue NAME EXIT [OPTION...]: the fixture, NAME.in replayed into the
# dialogue, the screen compared with NAME.out, the exit code with EXIT.
# Returns 1 when the case is not run (JRNRESTO_CASES).
dialogue() {
	name=$1 want=$2
	shift 2
	wanted "$name" || return 1
	echo "case $name"
	fixture "$name" "$@" || { bad "$name: fixture"; return 0; }
	sed -e "s|@T@|$T|g" -e "s|@D@|$D|g" "$data/$name.in" >"$T/answers"
	(cd "$T" && exec "$bin/jrnresto" -I "$T/i" <"$T/answers" >"$T/stdout" 2>"$T/stderr")
	rc=$?
	{ cat "$T/stdout"; sed 's/^/stderr: /' "$T/stderr"; } | norm >"$T/screen"
	if [ -n "$bless" ] && ! is_bug "$name"; then
		cp "$T/screen" "$data/$name.out"
	fi
	if ! cmp -s "$data/$name.out" "$T/screen"; then
		diff -u "$data/$name.out" "$T/screen" | sed 's/^/    /'
		if is_bug "$name"; then
			bad "$name: the screen differs from $name.out (a known BUG, see jrnresto.sh)"
		else
			bad "$name: the screen differs from $name.out"
		fi
	fi
	[ "$rc" = "$want" ] || bad "$name: exit $rc, not $want"
	return 0
}

# zw DB: the globals of database DB must be the ZWR lines on stdin.
zw() {
	jk -d "$1" zwrite >"$T/zw.got" 2>&1
	if ! diff -u - "$T/zw.got" >"$T/zw.diff"; then
		sed 's/^/    /' "$T/zw.diff"
		bad "$name: $1 holds other globals than expected"
	fi
}

# nothing_written: no restore ran here (no restore record) and restore/ is empty.
nothing_written() {
	[ ! -e "$T/i/state/restore.yaml" ] || bad "$name: a restore record was written"
	zw "$T/restore" </dev/null
}

# run WANT_EXIT CMD...: run with output to $T/out (stdout and stderr); check the exit code.
run() {
	want=$1
	shift
	(cd "$T" && exec "$@") >"$T/out" 2>&1
	rc=$?
	[ "$rc" = "$want" ] || { sed 's/^/    /' "$T/out"; bad "$name: '$*' exited $rc, not $want"; }
}
# says TEXT: the last run printed TEXT.
says() {
	grep -qF -- "$1" "$T/out" || { sed 's/^/    /' "$T/out"; bad "$name: no '$1' in the output"; }
}

# What a whole restore of the fixture's acct/ writes with ^Acct* and ^Bal?x selected.
acct_selected() {
	cat <<-'EOF'
	^Acct(1)=15
	^Acct(3)=30
	^Acct(4)=40
	^Acct2(1)="x"
	^Balax=5
	^Balbx=6
	^Balcx=8
	EOF
}
# ... with all its globals.
acct_all() {
	cat <<-'EOF'
	^Acct(1)=15
	^Acct(3)=30
	^Acct(4)=40
	^Acct2(1)="x"
	^Balax=5
	^Balbx=6
	^Balcx=8
	^Balx=7
	^Other=1
	EOF
}
tmp_all() {
	printf '%s\n' '^Acct(9)=9' '^T(1)=1' '^T(2)=2'
}

# ---- the dialogue ---------------------------------------------------------------------

# All globals in all directories, into the databases the journal names
# (put back to the backup first).
if dialogue all 0 reset; then
	acct_all | zw "$T/acct"
	tmp_all | zw "$T/tmp"
fi

# Chosen directories: acct/ redirected to restore/, its globals ^Acct* and
# ^Bal?x (a bad answer to a yes/no question, ? and ?L at the global prompt,
# a bad name refused, ^ before a name, a name given twice); tmp/ not chosen,
# so skipped.
if dialogue chosen 0; then
	acct_selected | zw "$T/restore"
	tmp_all | zw "$T/tmp"
fi

# The rules of global names (a letter, %, * or ? first, then letters,
# digits, *, ?, .; at most 31 characters); a directory already in the list
# (as typed, and in another form); ^ at the directory prompt.
dialogue names 0 && nothing_written

# The same-target rule: tmp/ redirected to restore/ too, with all globals;
# R (lower case, after ? and a bad answer) asks the redirection again, and
# Enter keeps tmp/ (put back to the backup, so the restore shows).
if dialogue same_target_r 0 reset; then
	acct_selected | zw "$T/restore"
	tmp_all | zw "$T/tmp"
fi

# ... and G asks the globals again: the same two, in the other order, are
# the same selection.  tmp's ^Acct(9) joins restore/.
if dialogue same_target_g 0; then
	cat <<-'EOF' | zw "$T/restore"
	^Acct(1)=15
	^Acct(3)=30
	^Acct(4)=40
	^Acct(9)=9
	^Acct2(1)="x"
	^Balax=5
	^Balbx=6
	^Balcx=8
	EOF
fi

# A source directory with no database here (gone/, which the journal names):
# the two lines of the spec, Enter (the same directory) refused, a target
# without a database (nodb/) refused, restore/ taken.
if dialogue nodb 0 gone; then
	printf '%s\n' '^G(1)="g1"' '^G(2)="g2"' | zw "$T/restore"
fi

# Specifications correct? No: the directories are asked again from the
# start, and only the second answers count.  Files from another operating
# system: answered yes, nothing to convert.
if dialogue specs_no 0; then
	tmp_all | zw "$T/restore"
fi

# Another instance's journal files: its history log copied to o.log, the
# files moved to moved/ ("Directory of the journal files:"), ? at both; the
# first file given by name, @D@.002, so only its updates: ^Acct(1) is the
# incremented 15, ^Acct(2) was killed.
if dialogue foreign_log 0 other; then
	cat <<-'EOF' | zw "$T/restore"
	^Acct(1)=15
	^Acct(3)=30
	^Acct(4)=40
	^Balcx=8
	EOF
fi

# BUG: a history log that does not exist is taken at "Journal history log:";
# the directories of the journal files are asked, and only then "no history
# log '...'" and the files are asked again from "Are journal files created
# by this instance...?".  Like every other answer the dialogue can check
# when it is typed (a redirection, a directory to search, a next file, the
# first and final file), it should be refused at once and asked again.  The
# refusal line is the message the dialogue prints now.
dialogue history_log_refused 0 other && nothing_written

# BUG: "Directory of the journal files:" takes a directory that does not
# exist, and a file, without a word (the files the log names are then
# looked for in vain and keep their logged paths); "Directory to search:"
# refuses both with "There is no directory X" and asks again, and so should
# this prompt.
dialogue journal_dir_refused 0 other && nothing_written

# No history log: from/through (bad names refused, through before from
# refused, ? help), the prefix (Enter: none), the directories to search (a
# nonexistent one refused, - empties the list).  @D@.002 only, as above.
if dialogue by_name 0 other; then
	cat <<-'EOF' | zw "$T/restore"
	^Acct(1)=15
	^Acct(3)=30
	^Acct(4)=40
	^Balcx=8
	EOF
fi

# The missing-file check finds a broken chain (a copied log without
# @D@.002): Restore these files anyway? Yes restores @D@.001 and @D@.003 ...
if dialogue broken_yes 0 three broken; then
	cat <<-'EOF' | zw "$T/restore"
	^Acct(1)=10
	^Acct(2)=20
	^Acct(7)=70
	^Acct2(1)="x"
	EOF
fi
# ... and No asks for the files again ("Choose the journal files again."),
# where ^ leaves, writing nothing.
dialogue broken_no 0 three broken && nothing_written

# Check journal integrity? Yes with a byte of @D@.001 damaged: the check
# names the damage; the journal-error policy changed to continue: the rest
# of @D@.001 is skipped, @D@.002 applied, the report names the damage.
# Exit 3 (journal damage), as jrnresto with flags.
if dialogue damage_continue 3 damage reset; then
	cat <<-'EOF' | zw "$T/acct"
	^Acct(1)=15
	^Acct(3)=30
	^Acct(4)=40
	^Acct2(1)="x"
	^Balax=5
	^Balcx=8
	EOF
	printf '%s\n' '^T(2)=2' | zw "$T/tmp"
fi

# The same damage with the default policy: the restore aborts at the
# damage (offset 546 of 1197), every update before it applied; the
# percentages of that file stop at the quarters it crossed, " 25.00%".
if dialogue damage_abort 3 damage reset; then
	cat <<-'EOF' | zw "$T/acct"
	^Acct(1)=10
	^Acct(2)=20
	^Acct2(1)="x"
	^Balax=5
	EOF
	zw "$T/tmp" </dev/null
fi

# All directories, with gone/ among them: a database error, and by default
# the restore goes on without gone/.  Exit 1 (a database error).
if dialogue db_continue 1 gone reset; then
	acct_all | zw "$T/acct"
	tmp_all | zw "$T/tmp"
fi

# The error-policy block changed to abort at a database error: the restore
# stops at gone's first update (offset 1231 of 1413 in @D@.002), every
# update before it applied; the percentages stop at 75%.  Exit 1.
if dialogue db_abort 1 gone reset; then
	acct_all | zw "$T/acct"
	tmp_all | zw "$T/tmp"
fi

# The range includes the current journal file: the switch answered Yes
# (after ?): journaling goes on in @D@.003, the restore runs ...
if dialogue switch_yes 0 on; then
	acct_selected | zw "$T/restore"
	[ "$(sed -n '$s|.*/||p' "$T/i/journal.log")" = "$D.003" ] ||
		bad "switch_yes: journal.log does not end with $D.003"
fi
# ... and No stops, with nothing switched and nothing written.
if dialogue switch_no 0 on; then
	nothing_written
	[ "$(wc -l <"$T/i/journal.log")" -eq 2 ] || bad "switch_no: the journal was switched"
fi

# Do you want to disable journaling the updates? No, journaling on (the
# range is @D@.001, so no switch): the updates are journaled, in @D@.002,
# which then names restore/ ...
if dialogue journal_on 0 on; then
	cat <<-'EOF' | zw "$T/restore"
	^Acct(1)=10
	^Acct(2)=20
	^Acct2(1)="x"
	^Balax=5
	^Balbx=6
	^Balx=7
	^Other=1
	EOF
	grep -aq "$T/restore/" "$T/i/journal/$D.002" || bad "journal_on: the restored updates are not in $D.002"
fi
# ... and No with journaling stopped: they cannot be.
if dialogue journal_off 0; then
	acct_all | zw "$T/restore"
	! grep -aq "$T/restore/" "$T"/i/journal/* || bad "journal_off: a journal file names restore/"
fi

# Start the restore? No.
dialogue start_no 0 && nothing_written

# An incomplete transaction (its TCOMMIT cut off the end of @D@.002):
# Rollback incomplete transactions? Yes (after ?) leaves its updates out ...
if dialogue rollback_yes 0 tx; then
	cat <<-'EOF' | zw "$T/restore"
	^Acct(1)=15
	^Acct(3)=30
	^Acct(4)=40
	^Balcx=8
	EOF
fi
# ... No applies them.
if dialogue rollback_no 0 tx; then
	cat <<-'EOF' | zw "$T/restore"
	^Acct(1)=15
	^Acct(3)=30
	^Acct(4)=40
	^Acct(5)=50
	^Acct(6)=60
	^Balcx=8
	^Balzx=9
	EOF
fi

# Save these settings as a plan file? Yes: the plan is written, and
# jrnresto --plan runs the same restore again (into restore/, emptied).
if dialogue save_plan 0; then
	acct_selected | zw "$T/restore"
	if [ -f "$T/plan.yaml" ]; then
		rm -rf "$T/restore"
		jk db create "$T/restore" >/dev/null
		run 0 "$bin/jrnresto" -I "$T/i" -q --plan "$T/plan.yaml"
		acct_selected | zw "$T/restore"
	else
		bad "save_plan: no plan.yaml"
	fi
fi

# Restore the Journal? No.
dialogue restore_no 0 && nothing_written

# ^ at a prompt in the middle, and the end of input in the middle: both
# back out, [Journal restore aborted], nothing written.
if dialogue caret 0; then
	nothing_written
	acct_all | zw "$T/acct"
fi
dialogue eof 0 && nothing_written

# ? at every prompt of a whole restore: each prints its help (or the list
# of files) and asks again.
if dialogue help 0; then
	printf '%s\n' '^Acct(1)=15' '^Acct(3)=30' '^Acct(4)=40' '^Acct2(1)="x"' | zw "$T/restore"
fi

# Prompt for name of the next file to process? Yes: @D@.001 chosen, then
# @D@.002 named as the next file (after ? and a file that does not exist).
if dialogue prompt_next 0; then
	acct_selected | zw "$T/restore"
fi

# The cluster branch of section 2 ("jrnresto run on a cluster member first
# asks `Cluster journal restore? `") belongs to cluster journaling (issue 6),
# with the cluster menu it leads to; its test comes with it.

# ---- flags ------------------------------------------------------------------------------


# A menu file that lacks a text the dialogue prints: refused at start-up, naming it.
if wanted menus; then
	echo "case menus"
	fixture menus
	mkdir "$T/menus"
	cp "$JRNKIT_SRC/menus/"*.yaml "$T/menus/"
	sed -i '/- id: aborted/,+1d' "$T/menus/jrnresto.yaml"
	out=$(echo yes | JRNKIT_MENUS="$T/menus" "$bin/jrnresto" -I "$T/i" 2>&1)
	rc=$?
	[ "$rc" = 1 ] || bad "menus: exit $rc, not 1"
	case $out in
	*"menus/jrnresto.yaml: no text 'aborted' (the restore dialogue prints it)"*) ;;
	*) bad "menus: '$out'" ;;
	esac
fi

if wanted flags; then
	name=flags
	fixture flags
	r="$bin/jrnresto"

	# --dry-run: counts per global, worked out from the fixture; nothing written.
	run 0 "$r" -I "$T/i" --dry-run --redirect "$T/acct=$T/restore" --global 'Acct*' --global 'Bal?x'
	sed -n '/^Database \//,$p' "$T/out" | norm >"$T/dry"
	cat >"$T/dry.want" <<-'EOF'
	Database @T@/acct/ (Redirect to: @T@/restore/)
	  Global                              to apply not selected      skipped
	  ^Acct                                      6            0            0
	  ^Acct2                                     1            0            0
	  ^Balax                                     1            0            0
	  ^Balbx                                     1            0            0
	  ^Balcx                                     1            0            0
	  ^Balx                                      0            1            0
	  ^Other                                     0            1            0
	  total                                     10            2            0

	Database @T@/tmp/ (not selected)
	  Global                              to apply not selected      skipped
	  ^Acct                                      0            0            1
	  ^T                                         0            0            2
	  total                                      0            0            3

	Transactions: 1 complete, 0 incomplete, 0 rolled back in the journal
	EOF
	diff -u "$T/dry.want" "$T/dry" >"$T/dry.diff" ||
		{ sed 's/^/    /' "$T/dry.diff"; bad "flags: --dry-run counts"; }
	says "25 records read, 10 updates to apply, 2 not selected, 3 skipped"
	says "Nothing was written (a dry run)."
	nothing_written

	# --check: the plan shown, nothing written; a target without a database refused (1).
	run 0 "$r" -I "$T/i" --check --redirect "$T/acct=$T/restore" --global 'Acct*'
	says "The plan checks: nothing was written."
	nothing_written
	run 1 "$r" -I "$T/i" --check --redirect "$T/acct=$T/nodb"
	says "No database exists in that directory: $T/nodb/"

	# Exit codes: 2 usage, 1 a plan refused (nothing written), 0 done.
	run 2 "$r" -I "$T/i" --bogus
	run 2 "$r" -I "$T/i" --redirect "$T/acct="
	run 2 "$r" -I "$T/i" --global 'Acct*'
	run 2 "$r" -I "$T/i" --start nonsense --db "$T/acct"
	run 1 "$r" -I "$T/i" --redirect "$T/acct=$T/nodb"
	nothing_written
	run 0 "$r" -I "$T/i" -q --redirect "$T/acct=$T/restore"
	acct_all | zw "$T/restore"

	# --json: the result's fields, and the counts of that restore again.
	run 0 "$r" -I "$T/i" --json --redirect "$T/acct=$T/restore"
	for k in status why dry_run error records applied filtered skipped tx_complete \
	    tx_rolledback started_us finished_us next switched_to databases updated \
	    skipped_databases incomplete damage torn; do
		says "\"$k\": "
	done
	says '"status": "done"'
	says '"records": 25, "applied": 12, "filtered": 0, "skipped": 3, "tx_complete": 1'
	says "\"updated\": [\"$T/restore/\"], \"skipped_databases\": [\"$T/tmp/\"]"
	run 0 "$r" -I "$T/i" --json --dry-run --redirect "$T/acct=$T/restore" --global 'Bal?x'
	says '"dry_run": true'
	says "{\"database\": \"$T/acct/\", \"global\": \"Balbx\", \"applied\": 1, \"filtered\": 0, \"skipped\": 0}"

	# 3: journal damage, whatever the policy.
	fixture flags_damage damage reset
	run 3 "$r" -I "$T/i" -q --db "$T/acct"
	says "[Journal restore aborted at "
	says "valid up to offset 546"
	run 3 "$r" -I "$T/i" -q --db "$T/acct" --skip-damage
	says "(the rest of the file skipped)"
fi

# interrupt NAME SIGNAL WANT_EXIT [dialogue]: a big restore into r1/ (by
# flags, or answered in the dialogue) stopped by SIGNAL while it runs must
# exit WANT_EXIT, and the same restore (by flags) again must finish
# it: r1/ then equals r2/, restored in one go, and the database the journal
# was written from.  The load commits 100 sets a transaction.
big=
interrupt() {
	name=$1 sig=$2 iwant=$3	# (run sets want); $4: dialogue to run it from the dialogue
	if [ -z "$big" ]; then
		fixture big on
		big=$T
		jk db create "$T/r2" >/dev/null
		jk load -n 300000 -t 100 --seed 7 >/dev/null || bad "big: load"
		jk stop >/dev/null
		t0=$(date +%s%N)
		run 0 "$bin/jrnresto" -I "$T/i" -q --redirect "$T/i/db/user=$T/r2"
		ms=$((($(date +%s%N) - t0) / 1000000))
		jk zwrite >"$T/user.zwr"
		jk -d "$T/r2" zwrite >"$T/r2.zwr"
		cmp -s "$T/user.zwr" "$T/r2.zwr" || bad "big: the restore into r2/ differs from the database"
		[ "$(wc -l <"$T/r2.zwr")" -gt 100000 ] || bad "big: too few nodes"
	fi
	T=$big
	# stop it a third of the way through (the restore into r2/ took $ms ms);
	# should it have finished by then, or stopped only before the final JEND,
	# again sooner
	for delay in $(awk -v ms="$ms" 'BEGIN { printf "%.3f %.3f 0", ms / 3000, ms / 10000 }'); do
		rm -rf "$T/r1"
		jk db create "$T/r1" >/dev/null
		rm -f "$T/i/state/restore.yaml"
		if [ "${4:-}" = dialogue ]; then
			printf '%s\n' yes no '' "$T/i/db/user" "$T/r1" yes '' yes yes '' '' '' '' '' '' '' '' '' |
				"$bin/jrnresto" -I "$T/i" >"$T/out" 2>&1 &
		else
			"$bin/jrnresto" -I "$T/i" -q --redirect "$T/i/db/user=$T/r1" >"$T/out" 2>&1 &
		fi
		pid=$!
		until grep -q '^status: running' "$T/i/state/restore.yaml" 2>/dev/null; do
			kill -0 $pid 2>/dev/null || break
			sleep 0.01
		done
		sleep $delay
		kill -s "$sig" $pid 2>/dev/null
		wait $pid
		rc=$?
		[ "$rc" = 0 ] && continue
		[ "$(jk -d "$T/r1" zwrite | wc -l)" -lt "$(wc -l <"$T/r2.zwr")" ] && break
	done
	[ "$rc" = "$iwant" ] || { sed 's/^/    /' "$T/out"; bad "$name: exited $rc, not $iwant"; }
	if [ "$sig" = INT ]; then
		says "[Journal restore interrupted at "
		says "Run the same restore again to finish it."
		# it stopped at a record boundary before a transaction's TBEGIN (type 10, level 1)
		at=$(sed -n 's/^Stopped before the record at \([0-9]*\),.*/\1/p' "$T/out")
		f=$(sed -n 's/^Stopped before the record at [0-9]*,//p' "$T/out")
		if [ -z "$at" ] || [ ! -f "$f" ]; then
			bad "$name: no 'Stopped before the record at OFFSET,PATH'"
		else
			[ "$(od -An -tu1 -j $((at + 4)) -N 3 "$f" | tr -s ' ')" = " 10 0 1" ] ||
				bad "$name: $at,$f is not the TBEGIN of a transaction"
		fi
	else
		grep -q '^status: running' "$T/i/state/restore.yaml" || bad "$name: the restore record does not say running"
	fi
	cut=$(jk -d "$T/r1" zwrite | wc -l)
	echo "$name: stopped after ${delay}s with $cut of $(wc -l <"$T/r2.zwr") nodes restored"
	[ "$cut" -lt "$(wc -l <"$T/r2.zwr")" ] || bad "$name: the first run was not cut short"
	run 0 "$bin/jrnresto" -I "$T/i" -q --redirect "$T/i/db/user=$T/r1"
	says "[Journal restore completed at "
	jk -d "$T/r1" zwrite >"$T/r1.zwr"
	cmp -s "$T/r1.zwr" "$T/r2.zwr" || bad "$name: interrupted and finished, r1/ differs from r2/"
}
wanted sigint && interrupt sigint INT 4
wanted kill9 && interrupt kill9 KILL 137
wanted sigint_dialogue && interrupt sigint_dialogue INT 4 dialogue

# ---- the end ---------------------------------------------------------------------------

if [ "$nfail" -gt 0 ]; then
	echo "jrnresto: $nfail failure(s)"
	exit 1
fi
echo "jrnresto: all passed"
