# restore.sh - the restore figures of issue 3; sourced by bench.sh, which
# defines the helpers used here (say, cmdline, med, spread, calc, commas,
# now_ns, secs, new_inst, row, num, rx, ratio) and JK, BIN, WORK, N, RUNS.
#
#   restore_section    runs everything below and sets the RR_* figures
#   restore_rows       prints their rows of the summary table
#
# Our side.  An instance (commit group) with a database LIVE and an empty
# database TARGET0, both made with `jrnkit db create` before the load; the
# workload is loaded into LIVE, journaling is stopped (`jrnkit stop`), then
# each timed run copies TARGET0 to TARGET and runs
#     jrnresto -I INST --redirect LIVE=TARGET --no-switch --json
# and checks `jrnkit zwrite` of TARGET against that of LIVE: a difference, a
# status other than "done" or a failed jrnresto aborts the whole bench.
#   random      the shared workload: N updates, keys random in 1..N, 40-byte
#               values, transactions of 100, a KILL every 1000 (`jrnkit load`)
#   sequential  N SETs of ^acct(1..N) in key order, 40-byte values, ZWR lines
#               made by awk and loaded by `jrnkit zload`, which commits every
#               1000 lines: transactions of 1000, not 100
#   10x         10*N updates: the random workload loaded 10 times over with
#               the same seed (same keys, so the database ends the size of
#               the 1x one and only the journal is 10 times longer; `load -n
#               10N -k N` would touch every key, a database 1.6 times larger):
#               peak RSS against the random 1x runs
# records/s = the "records" of jrnresto's JSON (every record read, TSTART and
# TCOMMIT included) / the wall time of the jrnresto process (start to exit:
# plan check, locks, the run, the final sync).  The run's own time
# (finished_us - started_us) is printed too.  Peak RSS = /usr/bin/time %M
# (max resident set, KiB; mapped journal and database pages count).
#
# GT.M's side.  The before-image, TP variant of the shared gtm_setup.sh
# (section 4's last run, left in place as GTM_RESTORE_DIR, else one run of
# its own): the database backup taken before the updates is copied over
# g.dat and the untouched journal over g.mjl, then `mupip journal -recover
# -forward g.mjl` is timed (wall), RST_RUNS times; "Recover successful" is required and the result is
# checked against the md5 of the ZWR extract taken after the workload.
# records = every record of `mupip journal -show=statistics` (PBLK, EPOCH,
# ALIGN, PINI, PFIN, EOF included; GT.M writes no TSTART record); updates =
# its SET and KILL records (TSET/USET/UKILL/...), TCOM excluded.
#
# Environment: RST_RUNS (timed restores per workload, 5), RST_10X=0 (skip
# the 10x journal: about 30 s of load and a 1.5 GB journal), RST_SEQ=0.

RR_RPS=NA RR_UPS=NA RR_G_RPS=NA RR_G_UPS=NA RR_RATIO=NA RR_URATIO=NA
RR_SEQ_RPS=NA RR_RSS1=NA RR_RSS10=NA RR_RSS_RATIO=NA RR_DRY=NA RR_CHECK=NA RR_GPEER=missing


JR=$BIN/jrnresto
# 5 by default, not RUNS: on this 2-core VM with ext4 a restore's wall time is
# bimodal (about 0.4 s, or 0.6-0.8 s with 0.3 s more system time in the
# page faults of the database map; not seen on tmpfs), so a median of 3 lands
# on either; GT.M's recover gets the same number of runs.
RST_RUNS=${RST_RUNS:-5}

# rst_abort MSG... : a wrong restore; the figures would mean nothing
rst_abort() {
	say
	say "bench: RESTORE CHECK FAILED: $*"
	say "bench: ABORTING the benchmark; the work directory is kept for inspection"
	KEEP=1
	exit 1
}

# mib KIB -> MiB, or - for NA
mib() { case $1 in '' | NA) echo - ;; *) calc "$1 / 1024" %.0f ;; esac; }

# jnum FIELD FILE -> the first "FIELD": NUMBER of a JSON file (top level comes first)
jnum() { grep -o "\"$1\": *[0-9][0-9]*" "$2" | head -1 | sed 's/.*: *//'; }
jstr() { grep -o "\"$1\": *\"[^\"]*\"" "$2" | head -1 | sed 's/.*: *"//; s/"$//'; }

# zmd5 INST DB -> md5 of `jrnkit zwrite` of DB, and its line count
zmd5() {
	"$JK" -I "$1" -d "$2" zwrite >"$WORK/zwrite.out" 2>"$WORK/zwrite.err" ||
	    rst_abort "jrnkit -I $1 -d $2 zwrite failed: $(head -3 "$WORK/zwrite.err")"
	echo "$(md5sum <"$WORK/zwrite.out" | cut -d' ' -f1) $(wc -l <"$WORK/zwrite.out")"
	rm -f "$WORK/zwrite.out" "$WORK/zwrite.err"
}

# rst_prepare DIR : a fresh instance DIR/inst with empty databases DIR/live and DIR/target0
rst_prepare() {
	rm -rf "$1"
	mkdir -p "$1"
	new_inst "$1/inst" group || rst_abort "cannot make an instance in $1/inst"
	"$JK" -I "$1/inst" db create "$1/live" >/dev/null ||
	    rst_abort "jrnkit db create $1/live failed"
	# the target: created before the load, outside the instance's list;
	# copied (sparse: data.mdb is a 1 TiB sparse file) before each run
	JRNKIT_HOME= "$JK" db create "$1/target0" >/dev/null ||
	    rst_abort "jrnkit db create $1/target0 failed"
}

# rst_stop DIR : stop journaling (so --no-switch is accepted); print the journal
rst_stop() {
	cmdline jrnkit -I "$1/inst" stop
	"$JK" -I "$1/inst" stop >/dev/null || rst_abort "jrnkit stop failed in $1/inst"
	# shellcheck disable=SC2046
	RJ_BYTES=$(cat $(journal_files "$1/inst") | wc -c)
	RJ_MAX=$(journal_files "$1/inst" | xargs stat -c %s | sort -n | tail -1)
	say "    journal: $(journal_files "$1/inst" | wc -l) file(s), $(calc "$RJ_BYTES / 1e6" %.1f) MB, largest $(calc "$RJ_MAX / 1e6" %.1f) MB"
	# shellcheck disable=SC2046
	cat $(journal_files "$1/inst") >/dev/null	# page cache, as GT.M's journal is
	RLIVE=$(zmd5 "$1/inst" "$1/live")
	say "    live database: $(echo "$RLIVE" | cut -d' ' -f2) nodes (jrnkit zwrite)"
	[ "$(echo "$RLIVE" | cut -d' ' -f2)" -gt 0 ] || rst_abort "the live database in $1 is empty"
}

# rst_random DIR NUPD TIMES : the shared workload (NUPD updates, keys 1..NUPD) into
#   DIR/live, loaded TIMES times over with the same seed: the same keys each time
rst_random() {
	rst_prepare "$1"
	cmdline jrnkit -I "$1/inst" -d "$1/live" load -n "$2" -t 100 -k "$2" -v 40 --kill-every 1000 --seed 1
	[ "$3" -gt 1 ] && say "    ($3 times)"
	i=1
	while [ "$i" -le "$3" ]; do
		out=$("$JK" -I "$1/inst" -d "$1/live" load -n "$2" -t 100 -k "$2" -v 40 --kill-every 1000 --seed 1 2>&1) ||
		    rst_abort "load failed: $out"
		if [ "$3" = 1 ]; then
			say "    $(echo "$out" | grep '^load:' | tail -1)"
		elif [ "$i" = 1 ] || [ "$i" = "$3" ]; then
			say "    $i: $(echo "$out" | grep '^load:' | tail -1)"
		fi
		i=$((i + 1))
	done
	rst_stop "$1"
}

# rst_sequential DIR NUPD : ^acct(1..NUPD) in order, 40 random printable bytes each, by zload
rst_sequential() {
	rst_prepare "$1"
	cmdline "awk (^acct(1..$2)=40 random printable bytes, ZWR) > \$WORK/seq.zwr"
	awk -v n="$2" 'BEGIN {
		srand(1)
		for (i = 0; i < 65536; i++) pool = pool sprintf("%c", 33 + int(rand() * 94))
		for (i = 1; i <= n; i++) {
			v = substr(pool, 1 + int(rand() * (65536 - 40)), 40)
			gsub(/"/, "\"\"", v)
			printf "^acct(%d)=\"%s\"\n", i, v
		}
	}' >"$WORK/seq.zwr" || rst_abort "awk failed making the sequential workload"
	cmdline jrnkit -I "$1/inst" -d "$1/live" zload "\$WORK/seq.zwr"
	t0=$(now_ns)
	out=$("$JK" -I "$1/inst" -d "$1/live" zload "$WORK/seq.zwr" 2>&1) || rst_abort "zload failed: $out"
	t1=$(now_ns)
	say "    $(echo "$out" | sed "s|$WORK|\$WORK|g") in $(secs "$t0" "$t1") s"
	rm -f "$WORK/seq.zwr"
	rst_stop "$1"
}

# rss_sample TPID OUT : while TPID (/usr/bin/time) runs, sample its child's
#   /proc/PID/smaps every 0.1 s; OUT gets the breakdown (MiB) at the largest
#   sampled total: journal files, databases (data.mdb), anonymous, the rest
rss_sample() {
	best=0 line=
	while kill -0 "$1" 2>/dev/null; do
		c=$(cat "/proc/$1/task/$1/children" 2>/dev/null | awk '{ print $1 }')
		if [ -n "$c" ] && [ -r "/proc/$c/smaps" ]; then
			l=$(awk '/^[0-9a-f]+-[0-9a-f]+ / { name = $6 }
			    /^Rss:/ { if (name ~ /\/journal\//) j += $2; else if (name ~ /data\.mdb$/) d += $2;
			              else if (name == "" || name ~ /^\[(heap|stack|anon)/) a += $2; else o += $2; t += $2 }
			    END { printf "%d journal files %.0f, databases %.0f, anonymous %.1f, other %.0f", t, j / 1024, d / 1024, a / 1024, o / 1024 }' \
			    "/proc/$c/smaps" 2>/dev/null)
			t=${l%% *}
			if [ -n "$t" ] && [ "$t" -gt "$best" ]; then best=$t line=${l#* }; fi
		fi
		sleep 0.1
	done
	[ -n "$line" ] && echo "$line" >"$2"
}

# rst_run DIR [SAMPLE] : one timed restore of DIR/live's journal into a copy of DIR/target0, checked;
#   sets RS_WALL RS_RUN (s), RS_REC RS_APP, RS_RSS (KiB)
rst_run() {
	rm -rf "$1/target"
	cp -a --sparse=always "$1/target0" "$1/target" || rst_abort "cannot copy $1/target0"
	sync
	d=$1
	TM=
	[ -x /usr/bin/time ] && TM="/usr/bin/time -f %M -o $WORK/rst.time"
	t0=$(now_ns)
	rm -f "$WORK/rss.sample"
	if [ -n "${2:-}" ] && [ -n "$TM" ] && [ -r /proc/self/smaps ]; then
		$TM "$JR" -I "$d/inst" --redirect "$d/live=$d/target" --no-switch --json >"$WORK/rst.json" 2>"$WORK/rst.err" &
		tp=$!
		rss_sample "$tp" "$WORK/rss.sample" &
		sp=$!
		wait "$tp"
		rc=$?
		t1=$(now_ns)
		wait "$sp"
	else
		$TM "$JR" -I "$d/inst" --redirect "$d/live=$d/target" --no-switch --json >"$WORK/rst.json" 2>"$WORK/rst.err"
		rc=$?
		t1=$(now_ns)
	fi
	st=$(jstr status "$WORK/rst.json")
	if [ "$rc" != 0 ] || [ "$st" != done ]; then
		sed 's/^/    /' "$WORK/rst.err" "$WORK/rst.json" | head -20
		rst_abort "jrnresto exited $rc with status '$st' ($d)"
	fi
	RS_WALL=$(secs "$t0" "$t1")
	RS_REC=$(jnum records "$WORK/rst.json")
	RS_APP=$(jnum applied "$WORK/rst.json")
	RS_RUN=$(calc "($(jnum finished_us "$WORK/rst.json") - $(jnum started_us "$WORK/rst.json")) / 1e6" %.4f)
	RS_RSS=NA
	[ -n "$TM" ] && RS_RSS=$(tail -1 "$WORK/rst.time")
	got=$(zmd5 "$d/inst" "$d/target")
	if [ "$got" != "$RLIVE" ]; then
		rst_abort "jrnkit zwrite of the restored $d/target (md5, nodes: $got) differs from the live database's ($RLIVE)"
	fi
	say "    $(commas "$RS_REC") records, $(commas "$RS_APP") applied: wall ${RS_WALL} s ($(commas "$(calc "$RS_REC / $RS_WALL" %.0f)") records/s), run ${RS_RUN} s, max RSS $(mib "$RS_RSS") MiB; zwrite target == live"
	[ -s "$WORK/rss.sample" ] && say "      RSS at the sampled peak (MiB, smaps every 0.1 s): $(cat "$WORK/rss.sample")"
	rm -f "$WORK/rss.sample"
}

# rst_series DIR LABEL : RST_RUNS runs; sets RSM_WALL RSM_RUN RSM_RSS (medians), RSM_REC RSM_APP
rst_series() {
	cmdline jrnresto -I "$1/inst" --redirect "$1/live=$1/target" --no-switch --json
	w="" r="" m=""
	i=1
	while [ "$i" -le "$RST_RUNS" ]; do
		if [ "$i" = "$RST_RUNS" ]; then rst_run "$1" sample; else rst_run "$1"; fi
		w="$w $RS_WALL" r="$r $RS_RUN" m="$m $RS_RSS"
		i=$((i + 1))
	done
	# shellcheck disable=SC2086
	RSM_WALL=$(med $w) RSM_RUN=$(med $r) RSM_RSS=$(med $m)
	RSM_REC=$RS_REC RSM_APP=$RS_APP
	# shellcheck disable=SC2086
	say "   $2: median wall $RSM_WALL s (runs $(spread $w)): $(commas "$(calc "$RSM_REC / $RSM_WALL" %.0f)") records/s," \
	    "$(commas "$(calc "$RSM_APP / $RSM_WALL" %.0f)") updates/s; run time (JSON) median $RSM_RUN s:" \
	    "$(commas "$(calc "$RSM_REC / $RSM_RUN" %.0f)") records/s; max RSS median $(mib "$RSM_RSS") MiB"
}

# rst_time_op DIR LABEL ARGS... : median wall of jrnresto ARGS (read-only) over RST_RUNS runs, 1 warm-up
rst_time_op() {
	d=$1 lab=$2; shift 2
	cmdline jrnresto -I "$d/inst" --redirect "$d/live=$d/target" --no-switch "$@"
	v=""
	i=0
	while [ "$i" -le "$RST_RUNS" ]; do
		t0=$(now_ns)
		"$JR" -I "$d/inst" --redirect "$d/live=$d/target" --no-switch "$@" >"$WORK/op.json" 2>"$WORK/op.err" ||
		    { sed 's/^/    /' "$WORK/op.err" "$WORK/op.json" | head; rst_abort "jrnresto $* failed"; }
		t1=$(now_ns)
		[ "$i" -ge 1 ] && v="$v $(secs "$t0" "$t1")"
		i=$((i + 1))
	done
	# shellcheck disable=SC2086
	RO_MED=$(med $v)
	# shellcheck disable=SC2086
	say "   $lab: median $RO_MED s (runs $(spread $v)); output: $(head -c 160 "$WORK/op.json" | tr '\n' ' ')..."
}

# rst_gtm : GT.M's forward recovery; sets RR_G_RPS RR_G_UPS RR_GPEER
rst_gtm() {
	if [ "${GTM:-1}" = 0 ]; then RR_GPEER=skipped; say "   GT.M skipped (GTM=0)"; return; fi
	if [ -z "${gtm_dist:-}" ] || [ ! -x "$gtm_dist/mupip" ] || [ ! -x "$PEER_BENCH/gtm_setup.sh" ]; then
		say "   GT.M or the shared peer scripts missing: no peer figure"
		return
	fi
	gd=${GTM_RESTORE_DIR:-$WORK/gtm-restore/before_tp}
	if [ ! -f "$gd/pristine.mjl" ]; then
		gd=$WORK/gtm-restore/before_tp
		rm -rf "$WORK/gtm-restore"
		mkdir -p "$WORK/gtm-restore/out"
		cmdline "VARIANTS=before_tp OUTDIR=\$WORK/gtm-restore/out $PEER_BENCH/gtm_setup.sh \$WORK/gtm-restore $N"
		if ! VARIANTS=before_tp OUTDIR=$WORK/gtm-restore/out gtm_dist=$gtm_dist \
		    "$PEER_BENCH/gtm_setup.sh" "$WORK/gtm-restore" "$N" >"$WORK/gtm-restore/setup.out" 2>&1; then
			say "    GT.M setup FAILED:"; tail -5 "$WORK/gtm-restore/setup.out" | sed 's/^/    /'
			RR_GPEER=failed
			return
		fi
	else
		say "   (GT.M database, backup and journal from section 4's last gtm_setup.sh run)"
	fi
	grecs=$(awk '$1 ~ /^[*A-Z]+$/ && $2 ~ /^[0-9]+$/ { t += $2 } END { print t + 0 }' "$gd/stats.txt")
	gupd=$(awk '$1 ~ /^(SET|FSET|GSET|TSET|USET|KILL|FKILL|GKILL|TKILL|UKILL|ZKILL|FZKIL|GZKIL|TZKIL|UZKIL)$/ { t += $2 } END { print t + 0 }' "$gd/stats.txt")
	say "   GT.M journal g.mjl: $(commas "$grecs") records by -show=statistics (every type), of which $(commas "$gupd") SET/KILL;" \
	    "$(awk '$1 == "TCOM" { print $2 }' "$gd/stats.txt") TCOM, $(awk '$1 == "PBLK" { print $2 }' "$gd/stats.txt") PBLK"
	(
		export gtmgbldir="$gd/g.gld" gtmroutines="$gd $gtm_dist/libgtmutil.so" TZ="${TZ:-:/etc/localtime}" gtm_dist
		unset gtm_tmp
		cd "$gd" || exit 1
		cmdline "(cd $gd && cp bak/g.dat g.dat && cp pristine.mjl g.mjl && mupip journal -recover -forward g.mjl)"
		i=1
		while [ "$i" -le "$RST_RUNS" ]; do
			cp --sparse=always bak/g.dat g.dat && cp pristine.mjl g.mjl && sync || exit 1
			t0=$(now_ns)
			echo NA >"$WORK/g.time"
			if [ -x /usr/bin/time ]; then
				/usr/bin/time -f %M -o "$WORK/g.time" "$gtm_dist/mupip" journal -recover -forward g.mjl >"$WORK/g.out" 2>&1
			else
				"$gtm_dist/mupip" journal -recover -forward g.mjl >"$WORK/g.out" 2>&1
			fi
			t1=$(now_ns)
			if ! grep -q "Recover successful" "$WORK/g.out"; then
				say "    mupip journal -recover -forward did not succeed:"; tail -5 "$WORK/g.out" | sed 's/^/    /'
				exit 2
			fi
			s=$(secs "$t0" "$t1")
			say "    run $i: $s s, $(commas "$(calc "$grecs / $s" %.0f)") records/s, max RSS $(tail -1 "$WORK/g.time" | awk '{ print ($1 == "NA" ? "-" : sprintf("%.0f", $1 / 1024)) }') MiB"
			echo "$s" >>"$WORK/g.walls"
			i=$((i + 1))
		done
		rm -f "$WORK/g.zwr"
		"$gtm_dist/mupip" extract -format=zwr "$WORK/g.zwr" >/dev/null 2>&1
		if [ "$(tail -n +3 "$WORK/g.zwr" | md5sum | cut -d' ' -f1)" != "$(cat post.md5)" ]; then
			say "    GT.M's recovered database DIFFERS from the one the workload left (post.md5)"
			exit 2
		fi
		say "    recovered database == the workload's (md5 of mupip extract -format=zwr)"
		rm -f "$WORK/g.zwr"
	)
	rc=$?
	if [ "$rc" = 0 ]; then
		# shellcheck disable=SC2046
		m=$(med $(cat "$WORK/g.walls"))
		# shellcheck disable=SC2046
		say "   GT.M recover -forward: median $m s (runs $(spread $(cat "$WORK/g.walls"))): $(commas "$(calc "$grecs / $m" %.0f)") records/s, $(commas "$(calc "$gupd / $m" %.0f)") updates/s"
		RR_G_RPS=$(calc "$grecs / $m" %.0f)
		RR_G_UPS=$(calc "$gupd / $m" %.0f)
		RR_GPEER=ok
	else
		RR_GPEER=failed
	fi
	rm -f "$WORK/g.walls" "$WORK/g.out" "$WORK/g.time"
	rm -rf "$WORK/gtm-restore" "$WORK/gtm"
}

restore_section() {
	say "== 5. restore: jrnresto --redirect LIVE=TARGET --no-switch --json into an empty database, median of $RST_RUNS"
	if [ ! -x "$JR" ]; then
		say "   no jrnresto binary at $JR"
		FAILED=1
		return
	fi
	[ -x /usr/bin/time ] || say "   (no /usr/bin/time: no RSS figures)"

	say "-- random keys: the shared workload, N=$N"
	rst_random "$WORK/rst-rand" "$N" 1
	rst_series "$WORK/rst-rand" "random 1x"
	RR_RPS=$(calc "$RSM_REC / $RSM_WALL" %.0f)
	RR_UPS=$(calc "$RSM_APP / $RSM_WALL" %.0f)
	RR_RSS1=$RSM_RSS
	RR_RUN_RPS=$(calc "$RSM_REC / $RSM_RUN" %.0f)
	rst_time_op "$WORK/rst-rand" "dry run (--dry-run --json)" --dry-run --json
	RR_DRY=$RO_MED
	rst_time_op "$WORK/rst-rand" "plan check (--check --json)" --check --json
	RR_CHECK=$RO_MED
	if [ "${PERF:-0}" = 1 ] && command -v perf >/dev/null 2>&1; then
		say "-- perf record -g of one random restore (top symbols, self time)"
		rm -rf "$WORK/rst-rand/target"
		cp -a --sparse=always "$WORK/rst-rand/target0" "$WORK/rst-rand/target"
		perf record -q -g -o "$WORK/rst.perf" -- "$JR" -I "$WORK/rst-rand/inst" \
		    --redirect "$WORK/rst-rand/live=$WORK/rst-rand/target" --no-switch --json >/dev/null 2>&1 &&
		    perf report -i "$WORK/rst.perf" --stdio --no-children --sort dso,symbol -g none 2>/dev/null |
		    grep -v '^#' | grep -v '^$' | head -25 | sed 's/^/    /'
	fi
	rm -rf "$WORK/rst-rand"

	say "-- GT.M: mupip journal -recover -forward of the same workload (before-image, TP of 100), median of $RST_RUNS"
	rst_gtm
	RR_RATIO=$(ratio "$RR_RPS" "$RR_G_RPS")
	RR_URATIO=$(ratio "$RR_UPS" "$RR_G_UPS")

	if [ "${RST_SEQ:-1}" != 0 ]; then
		say "-- sequential keys: ^acct(1..$N) in order (jrnkit zload: it commits every 1000 lines, so transactions of 1000, not 100)"
		rst_sequential "$WORK/rst-seq" "$N"
		rst_series "$WORK/rst-seq" "sequential"
		RR_SEQ_RPS=$(calc "$RSM_REC / $RSM_WALL" %.0f)
		rm -rf "$WORK/rst-seq"
	fi

	if [ "${RST_10X:-1}" != 0 ]; then
		n10=$((N * 10))
		say "-- 10x: $n10 updates: the random workload loaded 10 times over (same seed, same keys: the database ends"
		say "   as the 1x one, only the journal is 10 times longer); one restore, peak RSS against the 1x runs"
		rst_random "$WORK/rst-10x" "$N" 10
		save=$RST_RUNS
		RST_RUNS=1
		rst_series "$WORK/rst-10x" "random 10x"
		RST_RUNS=$save
		RR_RSS10=$RSM_RSS
		RR_RSS_RATIO=$(ratio "$RR_RSS10" "$RR_RSS1")
		RR_10X_RPS=$(calc "$RSM_REC / $RSM_WALL" %.0f)
		say "   peak RSS: 1x $(mib "$RR_RSS1") MiB, 10x $(mib "$RR_RSS10") MiB: ${RR_RSS_RATIO}x; 10x restore $(commas "$RR_10X_RPS") records/s"
		rm -rf "$WORK/rst-10x"
	fi
	say
}

# judge_max VALUE MAX -> met / NOT MET / n/a (below MAX meets)
judge_max() { awk -v v="$1" -v t="$2" 'BEGIN { if (v == "NA" || v == "") print "n/a"; else print (v + 0 < t + 0 ? "met" : "NOT MET") }'; }

restore_rows() {
	gj=$(awk -v v="$RR_RATIO" -v p="$RR_GPEER" 'BEGIN { if (v == "NA" || v == "") print (p == "ok" ? "n/a" : "peer " p); else print (v + 0 >= 3 ? "met" : "NOT MET") }')
	row "restore random: records/s (wall)" "$(num "$RR_RPS")" "$(num "$RR_G_RPS")" "$(rx "$RR_RATIO")" ">= 3x" "$gj"
	row "restore random: updates/s (wall)" "$(num "$RR_UPS")" "$(num "$RR_G_UPS")" "$(rx "$RR_URATIO")" "-" "info"
	row "restore sequential: records/s (wall)" "$(num "$RR_SEQ_RPS")" "-" "-" ">= 1M/s" "$(judge_abs "$RR_SEQ_RPS" 1000000)"
	row "restore peak RSS MiB: 1x / 10x journal" "$(mib "$RR_RSS1") / $(mib "$RR_RSS10")" "-" "$(rx "$RR_RSS_RATIO")" "< 1.2x" "$(judge_max "$RR_RSS_RATIO" 1.2)"
	row "restore dry run s (1x, --dry-run --json)" "$RR_DRY" "-" "-" "-" "info"
	row "restore plan check s (1x, --check --json)" "$RR_CHECK" "-" "-" "-" "info"
}
