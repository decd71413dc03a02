# backup.sh - the backup figure of issue 5: "a backup of a 1 GB database
# blocks writers for under 1 s when the copy is done by snapshot".
# Sourced by bench.sh, which defines the helpers used here (say, cmdline,
# med, spread, calc, commas, now_ns, secs, new_inst, row) and JK, WORK, RUNS.
#
#   backup_section    runs everything below and sets the BK_* figures
#   backup_rows       prints their rows of the summary table
#
# The database.  A fresh instance (commit none while it is filled), then
#     jrnkit load -n BK_MB*250 -t 100 -k 1000000000000 -v 4000 --kill-every 0 -g big
# BK_MB*250 nodes of 4000 bytes, every subscript distinct: one LMDB
# overflow page a node, about BK_MB MB of data.mdb (1 GB by default); then
# commit mode group (jrnkit options commit=group), the default.
#
# Each run (BK_RUNS, RUNS by default).  BK_WRITERS writer processes,
#     jrnkit load -n 1000000000 -t 10 -p BK_WRITERS -k 1000000 -v 40
#         --kill-every 0 -g w --commit-log LOG
# (transactions of 10 sets of 40 bytes, as fast as they can, into the same
# database), and after BK_PRE seconds
#     jrnkit backup --to DIR --json
# BK_POST seconds after it returns the writers get SIGTERM: each stops at
# the end of its transaction and appends "PID TIME_US" of every one of its
# commits to LOG.  Measured:
#   writers' side   for each writer, the gaps between two consecutive
#                   commits.  "during": the longest gap that overlaps the
#                   backup (from the start of `jrnkit backup` to its exit),
#                   whatever its cause (the write lock, or the copy's I/O);
#                   "across the lock": the longest gap that overlaps the
#                   write lock (locked_at_us .. + locked_us of the JSON; it
#                   may have begun before, in the flush that precedes it);
#                   "no backup": the longest gap wholly before or after the
#                   backup (the first 0.2 s of the writers left out), the
#                   noise of the machine without a backup.
#   backup's side   locked_us of `backup --json`: from the moment the write
#                   lock is taken to the moment it is let go (switch,
#                   marker, snapshot start), timed by the backup itself.
# Every figure is the worst writer of a run; the summary shows the range
# over the runs and judges the worst run.
#
# Environment: BK_RUNS (RUNS), BK_MB (1000: the database's size in MB),
#   BK_WRITERS (2), BK_PRE (2 s), BK_POST (1 s).

BK_GAP=NA BK_GAP_R=NA BK_LOCKGAP_R=NA BK_CTRL_R=NA BK_LOCKED=NA BK_LOCKED_R=NA BK_WALL_R=NA BK_SIZE=NA
BK_RUNS=${BK_RUNS:-$RUNS}
BK_MB=${BK_MB:-1000}
BK_WRITERS=${BK_WRITERS:-2}
BK_PRE=${BK_PRE:-2}
BK_POST=${BK_POST:-1}

# bk_gaps LOG B0_US B1_US L0_US L1_US -> "during across_lock no_backup commits_during writers
#   during_at no_backup_at" (gaps in s, of the worst writer; _at: where the gap began, s from the
#   start of the backup)
bk_gaps() {
	awk -v b0="$2" -v b1="$3" -v l0="$4" -v l1="$5" '
	{
		p = $1; t = $2
		if (!(p in first)) first[p] = t
		if (p in last) {
			g = t - last[p]
			if (last[p] <= b1 && t >= b0) { if (g > D) { D = g; Dat = last[p] } if (t <= b1) nd++ }
			if (last[p] <= l1 && t >= l0 && g > L) L = g
			if ((t < b0 || last[p] > b1) && last[p] >= first[p] + 200000 && g > C) { C = g; Cat = last[p] }
		}
		last[p] = t
	}
	END {
		for (p in first) n++
		printf "%.4f %.4f %.4f %d %d %+.2f %+.2f\n", D / 1e6, L / 1e6, C / 1e6, nd, n, (Dat - b0) / 1e6, (Cat - b0) / 1e6
	}' "$1"
}

# bk_json FIELD FILE -> the number of "FIELD": N
bk_json() { grep -o "\"$1\": *[0-9][0-9]*" "$2" | head -1 | sed 's/.*: *//'; }

bk_run() {	# bk_run N : one backup under writers; appends to the lists
	d=$WORK/bkp
	rm -f "$d/commits.log"
	rm -rf "$d/bk" && mkdir -p "$d/bk"
	"$JK" -I "$d/inst" load -n 1000000000 -t 10 -p "$BK_WRITERS" -k 1000000 -v 40 --kill-every 0 -g w \
	    --seed "$1" --commit-log "$d/commits.log" >"$d/load.out" 2>&1 &
	wp=$!
	sleep "$BK_PRE"
	b0=$(now_ns)
	"$JK" -I "$d/inst" backup --to "$d/bk" --json >"$d/bk.json" 2>"$d/bk.err"
	brc=$?
	b1=$(now_ns)
	sleep "$BK_POST"
	kill -TERM "$wp" 2>/dev/null
	wait "$wp"
	wrc=$?
	if [ "$brc" != 0 ] || [ "$wrc" != 0 ]; then
		say "    run $1 FAILED: backup exit $brc: $(head -3 "$d/bk.err"); writers exit $wrc: $(tail -3 "$d/load.out")"
		FAILED=1
		return 1
	fi
	la=$(bk_json locked_at_us "$d/bk.json")
	lu=$(bk_json locked_us "$d/bk.json")
	bytes=$(bk_json bytes "$d/bk.json")
	# shellcheck disable=SC2046
	set -- $(bk_gaps "$d/commits.log" $((b0 / 1000)) $((b1 / 1000)) "$la" $((la + lu))) "$1"
	wall=$(secs "$b0" "$b1")
	lk=$(calc "$lu / 1e6" %.4f)
	say "    run $8: backup $wall s, $(calc "$bytes / 1e9" %.2f) GB copied; writes locked $lk s (backup's timing)," \
	    "from +$(calc "($la - $b0 / 1000) / 1e6" %.3f) s; $5 writers, $4 commits during the backup"
	say "      longest gap between two commits of a writer: during the backup $1 s (at $6 s)," \
	    "across the write lock $2 s, with no backup running $3 s (at $7 s)"
	say "      writers: $(sed -n 's/^load: //p' "$d/load.out")"
	BK_L_GAP="$BK_L_GAP $1" BK_L_LOCK="$BK_L_LOCK $2" BK_L_CTRL="$BK_L_CTRL $3" BK_L_LOCKED="$BK_L_LOCKED $lk"
	BK_L_WALL="$BK_L_WALL $wall"
	rm -rf "$d/bk"
}

backup_section() {
	say "== 9. backup: a ${BK_MB} MB database, $BK_WRITERS writers committing while \`jrnkit backup\` runs; $BK_RUNS run(s)"
	say "   How the snapshot works (src/bkp.h): the backup flushes the databases while writers go on, then locks"
	say "   writes (a record lock in state/backup.lock, a word every writer reads at its journal lock), switches"
	say "   the journal (which waits for a transaction in progress), writes its marker (id -1), begins an LMDB read"
	say "   transaction in each database (the snapshot: mdb_env_copyfd2 holds it, the copy is what the database"
	say "   was at the marker) and unlocks writes.  The copy (compacted) is then written from the snapshot while"
	say "   the writers go on.  So writers wait for the switch, the marker and the start of the snapshots, not the copy."
	say "   Measured from the writers' side (the longest gap between two commits of a writer, from their commit"
	say "   logs) and from the backup's own timing of its locked section (locked_us of backup --json)."
	d=$WORK/bkp
	rm -rf "$d"
	mkdir -p "$d"
	new_inst "$d/inst" none || return 1
	nodes=$((BK_MB * 250))
	cmdline jrnkit -I "$d/inst" load -n "$nodes" -t 100 -k 1000000000000 -v 4000 --kill-every 0 -g big --seed 3
	t0=$(now_ns)
	if ! out=$("$JK" -I "$d/inst" load -n "$nodes" -t 100 -k 1000000000000 -v 4000 --kill-every 0 -g big --seed 3 2>&1); then
		say "    load FAILED: $out"
		FAILED=1
		rm -rf "$d"
		return 1
	fi
	t1=$(now_ns)
	"$JK" -I "$d/inst" options commit=group >/dev/null || { say "    jrnkit options commit=group FAILED"; FAILED=1; return 1; }
	BK_SIZE=$(du -B1 "$d/inst/db/user/data.mdb" | cut -f1)
	say "    $(echo "$out" | grep '^load:') ($(secs "$t0" "$t1") s)"
	say "    database: $(calc "$BK_SIZE / 1e9" %.2f) GB of data.mdb (blocks in use); then commit mode group"
	cmdline "jrnkit -I \$WORK/bkp/inst load -n 1000000000 -t 10 -p $BK_WRITERS -k 1000000 -v 40 --kill-every 0 -g w --commit-log LOG &"
	cmdline "sleep $BK_PRE; jrnkit -I \$WORK/bkp/inst backup --to \$WORK/bkp/bk --json; sleep $BK_POST; kill -TERM (the writers)"
	BK_L_GAP="" BK_L_LOCK="" BK_L_CTRL="" BK_L_LOCKED="" BK_L_WALL=""
	r=1
	while [ "$r" -le "$BK_RUNS" ]; do
		sync
		bk_run "$r"
		r=$((r + 1))
	done
	if [ -n "$BK_L_GAP" ]; then
		# shellcheck disable=SC2086
		BK_GAP=$(spread $BK_L_GAP | sed 's/.*-//')
		# shellcheck disable=SC2086
		BK_LOCKED=$(spread $BK_L_LOCKED | sed 's/.*-//')
		# shellcheck disable=SC2086
		BK_GAP_R=$(spread $BK_L_GAP) BK_LOCKGAP_R=$(spread $BK_L_LOCK) BK_CTRL_R=$(spread $BK_L_CTRL)
		# shellcheck disable=SC2086
		BK_LOCKED_R=$(spread $BK_L_LOCKED) BK_WALL_R=$(spread $BK_L_WALL)
		say "   writers' longest gap during the backup: $BK_GAP_R s (worst $BK_GAP s); across the write lock: $BK_LOCKGAP_R s;"
		say "   with no backup running: $BK_CTRL_R s.  Writes locked (backup's timing): $BK_LOCKED_R s.  Backup wall: $BK_WALL_R s"
	fi
	rm -rf "$d"
	say
}

backup_rows() {
	bj() { awk -v v="$1" 'BEGIN { if (v == "NA" || v == "") print "n/a"; else print (v + 0 < 1 ? "met" : "NOT MET") }'; }
	sz="$BK_MB MB"
	[ "$BK_SIZE" != NA ] && sz="$(calc "$BK_SIZE / 1e9" %.2f) GB"
	row "backup $sz: writers' longest gap (s)" "$BK_GAP_R" "-" "-" "< 1 s" "$(bj "$BK_GAP")"
	row "  the same, across the write lock (s)" "$BK_LOCKGAP_R" "-" "-" "-" "info"
	row "  the same, with no backup running (s)" "$BK_CTRL_R" "-" "-" "-" "info"
	row "backup: writes locked, backup's timing (s)" "$BK_LOCKED_R" "-" "-" "< 1 s" "$(bj "$BK_LOCKED")"
	row "backup: wall time of jrnkit backup (s)" "$BK_WALL_R" "-" "-" "-" "info"
}
