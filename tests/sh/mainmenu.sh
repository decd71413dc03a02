#!/bin/sh
# mainmenu.sh - the main menu (spec/dialogues.md section 1) and the journal
# properties editor as an operator meets them: a file of answers in, the
# whole screen out (stdout and stderr), compared exactly with the expected
# transcript.  Normalised, because they must vary: the instance's path
# (INST), the dates in journal file names (YYYYMMDD), free space and bytes
# used (N: the start records hold paths of this run).  Lines of the
# transcripts that end in a space end in a prompt: keep the space.
set -u
jk="${JRNKIT_BIN:?}/jrnkit"
src=${JRNKIT_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
here=$(pwd -P)
# a jrnkit with no jrndump beside it, so item 5 reads "-not available-"
# (the real jrndump behind item 5 is tested in jrndump.sh)
mkdir -p "$here/alone" && cp "$jk" "$here/alone/jrnkit" && jk=$here/alone/jrnkit
d=$here/inst
unset JRNKIT_HOME JRNKIT_MENUS
fail() { echo "FAIL: $*"; exit 1; }

norm() {
	sed -e "s|$here|TMP|g" -e 's|TMP/inst|INST|g' \
	    -e 's/[0-9]\{8\}\.\([0-9][0-9][0-9]\)/YYYYMMDD.\1/g' \
	    -e 's/(KB): -\{0,1\}[0-9][0-9]*$/(KB): N/' \
	    -e 's/space used: [0-9][0-9]*$/space used: N/'
}
# screen NAME ARGS...: jrnkit ARGS reading NAME.in; its screen, normalised,
# into NAME.got, its exit code into $rc.
screen() {
	name=$1; shift
	"$@" <"$name.in" >"$name.raw" 2>&1; rc=$?
	norm <"$name.raw" >"$name.got"
}
# same NAME: the screen must be NAME.want, byte for byte.
same() {
	diff -u "$1.want" "$1.got" >"$1.diff" ||
		{ cat "$1.diff"; fail "$1: the screen differs from the transcript (- expected, + got)"; }
}
answers() {	# answers NAME LINE...: the answer file NAME.in, one line each
	name=$1; shift
	printf '%s\n' "$@" >"$name.in"
}
fresh() {	# fresh: a new instance in $d
	rm -rf "$d"
	"$jk" init "$d" >/dev/null || fail "init"
}

MENU=' 1) Begin Journaling (jrnkit start)
 2) Stop Journaling (jrnkit stop)
 3) Switch Journal File (jrnkit switch)
 4) Restore Globals From Journal (jrnresto)
 5) -not available-
 6) Purge Journal Files (jrnkit purge)
 7) Edit Journal Properties (jrnkit options)
 8) -not available-
 9) Display Journal status (jrnkit status)
10) -not available-
11) -not available-
12) -not available-
'

# ---- the menu itself; end of input leaves ------------------------------------
fresh
: >eof.in
screen eof "$jk" -I "$d"
[ "$rc" = 0 ] || fail "end of input: exit $rc"
cat >eof.want <<EOF
$MENU
Option? 
EOF
same eof

# JRNKIT_HOME names the instance as for every command; E leaves
answers exit E
JRNKIT_HOME=$d screen exit "$jk"
[ "$rc" = 0 ] || fail "E: exit $rc"
cat >exit.want <<EOF
$MENU
Option? E
EOF
same exit

# ---- H: every item with its help ------------------------------------------------
answers help H
screen help "$jk" -I "$d"
cat >help.want <<EOF
$MENU
Option? H
 1) Begin Journaling (jrnkit start)
    Start writing updates to the journal.  Says so when journaling is
    already on, and names the file in use.
 2) Stop Journaling (jrnkit stop)
    Stop writing updates to the journal, after asking.  Updates made
    while journaling is off cannot be restored from the journal.
 3) Switch Journal File (jrnkit switch)
    Close the current journal file and go on in a new one; shows both.
 4) Restore Globals From Journal (jrnresto)
    Apply journaled updates to databases, e.g. to bring them up to date
    from a backup.  Asks what to restore before it changes anything.
 5) -not available-
    Browse journal files and their records.  Available once the
    jrndump program is installed beside jrnkit.
 6) Purge Journal Files (jrnkit purge)
    Delete journal files that recovery no longer needs, by the purge
    rules of the instance (days or backups kept).  Lists them first
    and asks.
 7) Edit Journal Properties (jrnkit options)
    Change the journal directories, file prefix, file size limit,
    commit mode and purge rules.  A change takes effect at the next
    journal switch or the next open of the instance.
 8) -not available-
    Encrypt the journal files written from now on, or stop.  Not
    available until jrnkit supports encryption.
 9) Display Journal status (jrnkit status)
    The journal directories and their free space, the current file,
    its size limit and use, and whether journaling is enabled.
10) -not available-
    Restore from the journals of every cluster member, merged in
    update order.  Available on a cluster member only.
11) -not available-
    Finish or discard the rollback of incomplete transactions that
    startup recovery left pending.  Available only when one is.
12) -not available-

$MENU
Option? 
EOF
same help

# ---- bad choices, unavailable items -------------------------------------------
answers bad 13 x 5 8 10 11 12 e
screen bad "$jk" -I "$d"
cat >bad.want <<EOF
$MENU
Option? 13
enter one of the options shown, E to exit or H for help
Option? x
enter one of the options shown, E to exit or H for help
Option? 5
option 5 is not available
Option? 8
option 8 is not available
Option? 10
option 10 is not available
Option? 11
option 11 is not available
Option? 12
option 12 is not available
Option? e
EOF
same bad

# ---- 1, 2, 3 in each state -------------------------------------------------------
fresh
answers journal 1 3 2 '' 2 n 2 ^ 2 '?' y 2 3 1 1 E
screen journal "$jk" -I "$d"
[ "$rc" = 0 ] || fail "start/stop/switch: exit $rc"
cat >journal.want <<EOF
$MENU
Option? 1
Already journaling to INST/journal/YYYYMMDD.001

$MENU
Option? 3
Switching from: INST/journal/YYYYMMDD.001
To:             INST/journal/YYYYMMDD.002

$MENU
Option? 2
Stop journaling now? No => No

$MENU
Option? 2
Stop journaling now? No => n

$MENU
Option? 2
Stop journaling now? No => ^

$MENU
Option? 2
Stop journaling now? No => ?
Yes ends the current journal file and stops journaling: updates made
from then on are not journaled and cannot be restored from the
journal.  No, Enter or ^ leave journaling on.
Stop journaling now? No => y
Journaling stopped; last file INST/journal/YYYYMMDD.002

$MENU
Option? 2
Not journaling now.

$MENU
Option? 3
Not journaling now.

$MENU
Option? 1
Journaling started to INST/journal/YYYYMMDD.003

$MENU
Option? 1
Already journaling to INST/journal/YYYYMMDD.003

$MENU
Option? E
EOF
same journal
"$jk" -I "$d" status | grep -q "Journaling is enabled." || fail "journaling is not on after 1"

# an error is one line and the menu goes on: the journal directory is gone
mkdir "$here/gone"
"$jk" -I "$d" options journal_dir="$here/gone" >/dev/null || fail "options journal_dir"
rmdir "$here/gone"
answers gone 3 E
screen gone "$jk" -I "$d"
[ "$rc" = 0 ] || fail "switch error: exit $rc"
cat >gone.want <<EOF
$MENU
Option? 3
cannot create journal 'TMP/gone/YYYYMMDD.004': No such file or directory

$MENU
Option? E
EOF
same gone

# ---- 9: status, the same as jrnkit status ------------------------------------
fresh
mkdir "$here/alt"
"$jk" -I "$d" options alternate_dir="$here/alt" >/dev/null || fail "options alternate_dir"
answers status 9
screen status "$jk" -I "$d"
STATUS="Current journal directory: INST/journal/
Current journal directory free space (KB): N
Alternate journal directory: TMP/alt/
Alternate journal directory free space (KB): N
Current journal file: INST/journal/YYYYMMDD.001
Current journal file maximum size: 1073741824
Current journal file space used: N
Journaling is enabled."
cat >status.want <<EOF
$MENU
Option? 9
$STATUS

$MENU
Option? 
EOF
same status
: >cmd.in
screen cmd "$jk" -I "$d" status
echo "$STATUS" >cmd.want
same cmd
"$jk" -I "$d" status --json | grep -q '"journaling":true' || fail "status --json"
"$jk" -I "$d" options alternate_dir= >/dev/null || fail "options alternate_dir="
"$jk" -I "$d" stop >/dev/null
"$jk" -I "$d" status >st.raw
norm <st.raw >cmd.got
printf '%s\n' "Current journal directory: INST/journal/" \
	"Current journal directory free space (KB): N" \
	"Alternate journal directory: (none)" \
	"Current journal file: INST/journal/YYYYMMDD.001" \
	"Current journal file maximum size: 1073741824" \
	"Current journal file space used: N" \
	"Journaling is disabled." >cmd.want
same cmd

# ---- 4: the restore dialogue runs in this process, ^ comes back -----------------
answers restore 4 ^ E
screen restore "$jk" -I "$d"
cat >restore.want <<EOF
$MENU
Option? 4
This utility uses the contents of journal files
to bring globals up to date from a backup.

Restore the Journal? Yes => ^
[Journal restore aborted]

$MENU
Option? E
EOF
same restore

# ---- 7: the editor ------------------------------------------------------------------
fresh
mkdir "$here/j2" "$here/alt2"
: >"$here/afile"
cp "$d/jrnkit.yaml" before.yaml
OPTS0="1) Primary Journal Directory: INST/journal/
2) Alternate Journal Directory: (none)
3) Journal File Prefix: (none)
4) Journal File Size Limit (MB): 1024
5) Commit Mode: group
6) Purge Journal Files After (days): 0
7) Purge Journal Files After (backups): 0
"
# ^ at every question backs out changing nothing; ? helps; E and ^ leave
answers back 7 1 ^ 2 ^ 3 '?' ^ 4 ^ 5 ^ 6 ^ 7 ^ H ^ E
screen back "$jk" -I "$d"
cat >back.want <<EOF
$MENU
Option? 7
$OPTS0
Option? 1
Primary Journal Directory: INST/journal/ => ^

$OPTS0
Option? 2
Alternate Journal Directory: ^

$OPTS0
Option? 3
Journal File Prefix: ?
At most 63 letters, digits, '_', '.' and '-', not starting with '.'
or '-'; - for no prefix.  Enter changes nothing.
Journal File Prefix: ^

$OPTS0
Option? 4
Journal File Size Limit (MB): 1024 => ^

$OPTS0
Option? 5
Commit Mode: group => ^

$OPTS0
Option? 6
Purge Journal Files After (days): 0 => ^

$OPTS0
Option? 7
Purge Journal Files After (backups): 0 => ^

$OPTS0
Option? H
Each item changes one setting of this instance's jrnkit.yaml, which
is rewritten at once.  A change takes effect at the next journal
switch (the directory, prefix and size limit of the next file) or
when a program next opens the instance; programs that have it open
now keep the settings they started with.  ^ at a question backs out
changing nothing.
1) Primary Journal Directory: INST/journal/
   Where new journal files are made.
2) Alternate Journal Directory: (none)
   A second directory for journal files, for when the first cannot
   be written.  This version shows it in the status only.
3) Journal File Prefix: (none)
   Journal files are named PREFIXyyyymmdd.nnn.
4) Journal File Size Limit (MB): 1024
   The journal switches to a new file when the current one reaches
   this size.
5) Commit Mode: group
   When a commit returns: sync (its journal records are on disk),
   group (they are synced within group_ms) or none (left to the
   operating system).
6) Purge Journal Files After (days): 0
   Journal files that recovery no longer needs may be purged once
   they are this many days old; 0 keeps them.
7) Purge Journal Files After (backups): 0
   ... or once this many backups are newer; 0 keeps them.

$OPTS0
Option? ^

$MENU
Option? E
EOF
same back
cmp -s before.yaml "$d/jrnkit.yaml" || fail "backing out changed jrnkit.yaml"

# every option changed, bad values refused with the message and the question again
SAVED="Saved. Changes take effect at the next journal switch or the next open of the instance."
answers edit 7 \
	1 /nonexistent "$here/afile" "$here/j2" \
	2 '' 2 "$here/alt2" \
	3 -x 'a/b' JK_ \
	4 0 abc 64 \
	5 fast SYNC \
	6 -1 36501 30 \
	7 4 \
	1 '' \
	E 3 E
screen edit "$jk" -I "$d"
[ "$rc" = 0 ] || fail "editor: exit $rc"
cat >edit.want <<EOF
$MENU
Option? 7
1) Primary Journal Directory: INST/journal/
2) Alternate Journal Directory: (none)
3) Journal File Prefix: (none)
4) Journal File Size Limit (MB): 1024
5) Commit Mode: group
6) Purge Journal Files After (days): 0
7) Purge Journal Files After (backups): 0

Option? 1
Primary Journal Directory: INST/journal/ => /nonexistent
cannot use directory '/nonexistent/': No such file or directory
Primary Journal Directory: INST/journal/ => TMP/afile
cannot use directory 'TMP/afile/': Not a directory
Primary Journal Directory: INST/journal/ => TMP/j2  TMP/j2/
Saved. Changes take effect at the next journal switch or the next open of the instance.

1) Primary Journal Directory: TMP/j2/
2) Alternate Journal Directory: (none)
3) Journal File Prefix: (none)
4) Journal File Size Limit (MB): 1024
5) Commit Mode: group
6) Purge Journal Files After (days): 0
7) Purge Journal Files After (backups): 0

Option? 2
Alternate Journal Directory: 

1) Primary Journal Directory: TMP/j2/
2) Alternate Journal Directory: (none)
3) Journal File Prefix: (none)
4) Journal File Size Limit (MB): 1024
5) Commit Mode: group
6) Purge Journal Files After (days): 0
7) Purge Journal Files After (backups): 0

Option? 2
Alternate Journal Directory: TMP/alt2  TMP/alt2/
Saved. Changes take effect at the next journal switch or the next open of the instance.

1) Primary Journal Directory: TMP/j2/
2) Alternate Journal Directory: TMP/alt2/
3) Journal File Prefix: (none)
4) Journal File Size Limit (MB): 1024
5) Commit Mode: group
6) Purge Journal Files After (days): 0
7) Purge Journal Files After (backups): 0

Option? 3
Journal File Prefix: -x
enter at most 63 letters, digits, '_', '.' and '-', not starting with '.' or '-', or - for none, please
Journal File Prefix: a/b
enter at most 63 letters, digits, '_', '.' and '-', not starting with '.' or '-', or - for none, please
Journal File Prefix: JK_
Saved. Changes take effect at the next journal switch or the next open of the instance.

1) Primary Journal Directory: TMP/j2/
2) Alternate Journal Directory: TMP/alt2/
3) Journal File Prefix: JK_
4) Journal File Size Limit (MB): 1024
5) Commit Mode: group
6) Purge Journal Files After (days): 0
7) Purge Journal Files After (backups): 0

Option? 4
Journal File Size Limit (MB): 1024 => 0
enter a number from 1 to 1048576, please
Journal File Size Limit (MB): 1024 => abc
enter a number from 1 to 1048576, please
Journal File Size Limit (MB): 1024 => 64
Saved. Changes take effect at the next journal switch or the next open of the instance.

1) Primary Journal Directory: TMP/j2/
2) Alternate Journal Directory: TMP/alt2/
3) Journal File Prefix: JK_
4) Journal File Size Limit (MB): 64
5) Commit Mode: group
6) Purge Journal Files After (days): 0
7) Purge Journal Files After (backups): 0

Option? 5
Commit Mode: group => fast
enter one of sync, group, none, please
Commit Mode: group => SYNC
Saved. Changes take effect at the next journal switch or the next open of the instance.

1) Primary Journal Directory: TMP/j2/
2) Alternate Journal Directory: TMP/alt2/
3) Journal File Prefix: JK_
4) Journal File Size Limit (MB): 64
5) Commit Mode: sync
6) Purge Journal Files After (days): 0
7) Purge Journal Files After (backups): 0

Option? 6
Purge Journal Files After (days): 0 => -1
enter a number from 0 to 36500, please
Purge Journal Files After (days): 0 => 36501
enter a number from 0 to 36500, please
Purge Journal Files After (days): 0 => 30
Saved. Changes take effect at the next journal switch or the next open of the instance.

1) Primary Journal Directory: TMP/j2/
2) Alternate Journal Directory: TMP/alt2/
3) Journal File Prefix: JK_
4) Journal File Size Limit (MB): 64
5) Commit Mode: sync
6) Purge Journal Files After (days): 30
7) Purge Journal Files After (backups): 0

Option? 7
Purge Journal Files After (backups): 0 => 4
Saved. Changes take effect at the next journal switch or the next open of the instance.

1) Primary Journal Directory: TMP/j2/
2) Alternate Journal Directory: TMP/alt2/
3) Journal File Prefix: JK_
4) Journal File Size Limit (MB): 64
5) Commit Mode: sync
6) Purge Journal Files After (days): 30
7) Purge Journal Files After (backups): 4

Option? 1
Primary Journal Directory: TMP/j2/ => 

1) Primary Journal Directory: TMP/j2/
2) Alternate Journal Directory: TMP/alt2/
3) Journal File Prefix: JK_
4) Journal File Size Limit (MB): 64
5) Commit Mode: sync
6) Purge Journal Files After (days): 30
7) Purge Journal Files After (backups): 4

Option? E

$MENU
Option? 3
Switching from: INST/journal/YYYYMMDD.001
To:             TMP/j2/JK_YYYYMMDD.001

$MENU
Option? E
EOF
same edit
# the file: every value as answered, the comments kept
for l in "journal_dir: \"$here/j2/\"" "alternate_dir: \"$here/alt2/\"" 'prefix: "JK_"' \
    'max_size: 64M' 'commit: sync' 'purge_days: 30' 'purge_backups: 4' \
    '# Directory of the journal files; a relative path is relative to'; do
	grep -qxF "$l" "$d/jrnkit.yaml" || fail "jrnkit.yaml has no line '$l'"
done

# jrnkit options without arguments and without a terminal: the same editor on stdin
OPTS1="1) Primary Journal Directory: TMP/j2/
2) Alternate Journal Directory: TMP/alt2/
3) Journal File Prefix: JK_
4) Journal File Size Limit (MB): 64
5) Commit Mode: sync
6) Purge Journal Files After (days): 30
7) Purge Journal Files After (backups): 4
"
answers alone 2 y '' 2 '?' n 3 - 3 ''
screen alone "$jk" -I "$d" options
[ "$rc" = 0 ] || fail "jrnkit options: exit $rc"
cat >alone.want <<EOF
$OPTS1
Option? 2
Use an alternate journal directory? Yes => y
Alternate Journal Directory: TMP/alt2/ => 

$OPTS1
Option? 2
Use an alternate journal directory? Yes => ?
No removes the alternate directory TMP/alt2/; Yes goes on to
ask which directory to use.
Use an alternate journal directory? Yes => n
$SAVED

1) Primary Journal Directory: TMP/j2/
2) Alternate Journal Directory: (none)
3) Journal File Prefix: JK_
4) Journal File Size Limit (MB): 64
5) Commit Mode: sync
6) Purge Journal Files After (days): 30
7) Purge Journal Files After (backups): 4

Option? 3
Journal File Prefix: JK_ => -
$SAVED

1) Primary Journal Directory: TMP/j2/
2) Alternate Journal Directory: (none)
3) Journal File Prefix: (none)
4) Journal File Size Limit (MB): 64
5) Commit Mode: sync
6) Purge Journal Files After (days): 30
7) Purge Journal Files After (backups): 4

Option? 3
Journal File Prefix: 

1) Primary Journal Directory: TMP/j2/
2) Alternate Journal Directory: (none)
3) Journal File Prefix: (none)
4) Journal File Size Limit (MB): 64
5) Commit Mode: sync
6) Purge Journal Files After (days): 30
7) Purge Journal Files After (backups): 4

Option? 
EOF
same alone
grep -qxF 'alternate_dir: ""' "$d/jrnkit.yaml" || fail "the alternate directory was not removed"
grep -qxF 'prefix: ""' "$d/jrnkit.yaml" || fail "the prefix was not removed"

# ---- jrnkit options KEY=VALUE ---------------------------------------------------------
fresh
expect() {	# expect WANT_EXIT WANT_TEXT CMD...: exit code, and text in the output
	want=$1 text=$2; shift 2
	out=$("$@" 2>&1); rc=$?
	[ "$rc" = "$want" ] || fail "'$*' exited $rc, not $want: $out"
	case $out in *"$text"*) ;; *) fail "'$*' printed '$out', without '$text'" ;; esac
}
cp "$d/jrnkit.yaml" before.yaml
expect 2 "unknown setting 'group_ms'" "$jk" -I "$d" options group_ms=5
expect 2 "expected KEY=VALUE, not 'max_size'" "$jk" -I "$d" options max_size
expect 2 "max_size must be a size in bytes" "$jk" -I "$d" options max_size=0
expect 2 "commit must be sync, group or none, not 'fast'" "$jk" -I "$d" options commit=fast
expect 2 "prefix must be" "$jk" -I "$d" options prefix=a/b
expect 2 "purge_days must be a whole number" "$jk" -I "$d" options purge_days=-1
expect 2 "journal_dir must not be empty" "$jk" -I "$d" options journal_dir=
# all or none: a good setting beside a bad one is not written either
expect 1 "journal_dir: cannot use directory '$here/nonexistent/': No such file or directory" \
	"$jk" -I "$d" options max_size=64M journal_dir=nonexistent
cmp -s before.yaml "$d/jrnkit.yaml" || fail "a refused options command changed jrnkit.yaml"
expect 0 "No change." "$jk" -I "$d" options commit=group
expect 0 "max_size: 1G -> 2M" "$jk" -I "$d" options max_size=2048K purge_backups=2 alternate_dir=alt
grep -qxF 'max_size: 2M' "$d/jrnkit.yaml" || fail "max_size=2048K"
grep -qxF 'purge_backups: 2' "$d/jrnkit.yaml" || fail "purge_backups=2"
grep -qxF "alternate_dir: \"$here/alt/\"" "$d/jrnkit.yaml" || fail "alternate_dir=alt (relative)"
expect 1 "no jrnkit instance in '$here/none'" "$jk" -I "$here/none" options commit=sync
: >none.in
screen none "$jk" -I "$here/none"
[ "$rc" = 1 ] || fail "the menu of no instance: exit $rc, not 1"
echo "jrnkit: no jrnkit instance in 'TMP/none' (no jrnkit.yaml)" >none.want
same none

# ---- a menu file that breaks the schema stops jrnkit at start-up -------------------
cp -R "$src/menus" "$here/menus"
sed -i 's/^        label: Begin Journaling/        lable: Begin Journaling/' "$here/menus/main.yaml"
line=$(grep -n '^        lable:' "$here/menus/main.yaml" | cut -d: -f1)
: >schema.in
JRNKIT_MENUS=$here/menus screen schema "$jk" -I "$d"
[ "$rc" = 1 ] || fail "a broken main.yaml: exit $rc, not 1"
echo "jrnkit: TMP/menus/main.yaml:$line:9: unknown key 'lable' (an item has key, label, action, when, hide, available, help)" >schema.want
same schema
cp "$src/menus/main.yaml" "$here/menus/main.yaml"
sed -i 's/^  - id: purge_days$/  - id: purge_dayz/' "$here/menus/options.yaml"
JRNKIT_MENUS=$here/menus screen schema "$jk" -I "$d"
[ "$rc" = 1 ] || fail "options.yaml without purge_days: exit $rc, not 1"
echo "jrnkit: TMP/menus/options.yaml: jrnkit needs a prompt 'purge_days' of kind number" >schema.want
same schema
JRNKIT_MENUS=$here/menus screen schema "$jk" -I "$d" options
[ "$rc" = 1 ] || fail "jrnkit options with a broken options.yaml: exit $rc, not 1"
same schema

# ---- 5 with a jrndump beside jrnkit: it gets the terminal and the next answers ----
mkdir "$here/bin"
cp "$jk" "$here/bin/jrnkit"
cat >"$here/bin/jrndump" <<'SH'
#!/bin/sh
echo "jrndump $*"
read -r line
echo "jrndump read: $line"
exit 3
SH
chmod +x "$here/bin/jrndump"
answers dump 5 'a line for jrndump' 9x E
JRNKIT_MENUS=$src/menus screen dump "$here/bin/jrnkit" -I "$d"
[ "$rc" = 0 ] || fail "dump: exit $rc"
MENU5=$(echo "$MENU" | sed 's/^ 5) -not available-$/ 5) Display Journal File (jrndump)/')
cat >dump.want <<EOF
$MENU5

Option? 5
jrndump -I INST
jrndump read: a line for jrndump
jrndump exited with status 3

$MENU5

Option? 9x
enter one of the options shown, E to exit or H for help
Option? E
EOF
same dump
echo "mainmenu: all passed"
