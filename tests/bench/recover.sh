# recover.sh - the startup recovery figure of issue 5; sourced by bench.sh
# after restore.sh, whose helpers it uses (rst_abort, rst_prepare, zmd5,
# jnum, jstr) with bench.sh's (say, cmdline, med, spread, calc, commas,
# now_ns, secs, new_inst, row, num, rx, ratio) and JK, JR, BIN, WORK, N, RUNS.
#
#   recover_section    runs everything below and sets the RV_* figures
#   recover_rows       prints their rows of the summary table
#
# What is compared: the same workload, killed with SIGKILL at the same point,
# then each side's crash recovery, timed (wall, start to exit).
#
# The crash, both sides.  The shared workload (N updates of ^acct(k), k
# random in 1..N, 40-byte values, transactions of 100, a KILL every 1000) by
# ONE process, as GT.M's side of shared/bench/gtm_bench.sh does it, killed
# with SIGKILL (kill -9) when its journal reaches half the size of the
# journal of the whole workload (measured once per side by an untimed full
# run): about N/2 updates committed.  Then sync (untimed: the dirty pages
# the killed process left are not recovery's cost), then recovery, timed.
#
# Our side.  An instance (commit group) with a database LIVE (rst_prepare);
# automatic checkpoints are off for the run (checkpoint_bytes 1000G,
# checkpoint_secs 100000): the database's checkpoint is the start of the
# journal, so recovery replays the whole journal, as GT.M does (its epoch
# interval is 300 s, so its turnaround point is the start of its journal).
# `jrnkit load -n N -t 100 -k N -v 40 --kill-every 1000 -d LIVE`, killed;
# then `jrnkit -I INST recover`, timed.  records = "records read" of its
# report (every record from the checkpoint: TSTART, SET, KILL, TCOMMIT, file
# header and maps); records/s = records / wall.  Checked: the report says
# recovered, no errors, state/running gone; then (journaling stopped)
# `jrnresto --redirect LIVE=TARGET --no-switch --rollback` of the same
# journal into an empty database made before the load must give the same
# `jrnkit zwrite` as the recovered LIVE (a difference aborts the bench).
#
# GT.M's side.  shared/bench's gtm_make_db (before-image journal, BG, epoch
# 300 s) and jbench.m with MARK=1 (^ctl("n") set in every transaction: the
# TP atomicity check), killed; then `mupip journal -recover -backward "*"`,
# timed.  records = the logical records of the new journal generation by
# `mupip journal -show=statistics` (SET/KILL/TSET/USET/TKILL/UKILL/TCOM:
# what the forward phase replayed; exactly gtm_bench.sh's count, which gave
# the issue's 336k records/s).  Checked: "Recover successful", mupip integ
# clean, ^ctl("n") a multiple of 100.  A run where mupip first waited ~60 s
# for a latch of the killed process (initial phase >= 30 s) is printed but
# left out of the median when some run did not wait (gtm_bench.sh's
# "runs without latch wait"), which favours GT.M.
#
# Both counts are the same work to within 1%: ours counts a TSTART per
# transaction of 100, GT.M's a SET of ^ctl("n").
#
# Info row: recovery with the default checkpoints (64M, 300 s) after the
# same workload killed at 90% of its journal: the wall time and the updates
# applied (its "records read" counts the checkpoint's file from its first
# record, which the restore engine reads for its database maps).
#
# Environment: RCV_RUNS (RUNS: crashes per side).

RV_RPS=NA RV_G_RPS=NA RV_G_BEST=NA RV_RATIO=NA RV_GPEER=missing RV_DEF_WALL=NA
RCV_RUNS=${RCV_RUNS:-$RUNS}

# rv_bytes GLOB -> the bytes of the files GLOB names, together
rv_bytes() {
	# shellcheck disable=SC2086
	stat -c %s $1 2>/dev/null | awk '{ t += $1 } END { print t + 0 }'
}

# rv_kill PID GLOB BYTES : kill -9 PID (and its children) once the files GLOB hold BYTES (or it exits)
rv_kill() {
	while kill -0 "$1" 2>/dev/null && [ "$(rv_bytes "$2")" -lt "$3" ]; do
		sleep 0.02
	done
	kids=$(ps -o pid= --ppid "$1" 2>/dev/null)
	# shellcheck disable=SC2086
	kill -9 "$1" $kids 2>/dev/null
	wait "$1" 2>/dev/null
	# until its files (and so its locks) are closed
	for kp in "$1" $kids; do
		while [ -n "$(ls "/proc/$kp/fd" 2>/dev/null)" ]; do sleep 0.01; done
	done
}

# rv_prepare DIR CKPT : rst_prepare DIR; CKPT=off: no automatic checkpoints
rv_prepare() {
	rst_prepare "$1"
	if [ "$2" = off ]; then
		sed -e 's/^checkpoint_bytes: .*/checkpoint_bytes: 1000G/' -e 's/^checkpoint_secs: .*/checkpoint_secs: 100000/' \
		    "$1/inst/jrnkit.yaml" >"$1/inst/jrnkit.yaml.new" && mv "$1/inst/jrnkit.yaml.new" "$1/inst/jrnkit.yaml"
	fi
}

# rv_crash DIR BYTES : the workload into DIR/live, killed at BYTES of journal; prints how far it got
rv_crash() {
	"$JK" -I "$1/inst" -d "$1/live" load -n "$N" -t 100 -k "$N" -v 40 --kill-every 1000 --seed 1 >/dev/null 2>&1 &
	lp=$!
	rv_kill "$lp" "$1/inst/journal/*" "$2"
	[ -e "$1/inst/state/running" ] || rst_abort "the load in $1 ended before it was killed (no state/running)"
	sync
}

# rv_run DIR : one timed recovery of DIR/inst, checked; sets RV_WALL RV_REC RV_UPD
rv_run() {
	d=$1
	t0=$(now_ns)
	"$JK" -I "$d/inst" recover >"$WORK/rcv.out" 2>&1
	rc=$?
	t1=$(now_ns)
	if [ "$rc" != 0 ] || ! grep -q ': recovered$' "$WORK/rcv.out" || ! grep -q ' records read, 0 errors' "$WORK/rcv.out"; then
		sed 's/^/    /' "$WORK/rcv.out" | head -20
		rst_abort "jrnkit recover exited $rc or did not recover ($d)"
	fi
	[ -e "$d/inst/state/running" ] && rst_abort "state/running is still there after jrnkit recover ($d)"
	RV_WALL=$(secs "$t0" "$t1")
	RV_REC=$(sed -n 's/^\([0-9]*\) records read,.*/\1/p' "$WORK/rcv.out")
	RV_UPD=$(awk '/updates applied/ { t += $1 } END { print t + 0 }' "$WORK/rcv.out")
	RV_FROM=$(sed -n 's/^ *from \(.*\)/\1/p' "$WORK/rcv.out" | sed "s|$WORK|\$WORK|g" | head -1)
	RV_RB=$(sed -n 's/^Transactions rolled back (never committed): //p' "$WORK/rcv.out")
}

# rv_check DIR : DIR/live equals a jrnresto of the journal into a copy of DIR/target0
rv_check() {
	"$JK" -I "$1/inst" stop >/dev/null || rst_abort "jrnkit stop failed in $1/inst"
	rm -rf "$1/target"
	cp -a --sparse=always "$1/target0" "$1/target" || rst_abort "cannot copy $1/target0"
	"$JR" -I "$1/inst" --redirect "$1/live=$1/target" --no-switch --rollback --json >"$WORK/rst.json" 2>"$WORK/rst.err" ||
	    { sed 's/^/    /' "$WORK/rst.err" "$WORK/rst.json" | head -20; rst_abort "jrnresto of the crashed journal failed ($1)"; }
	a=$(zmd5 "$1/inst" "$1/live")
	b=$(zmd5 "$1/inst" "$1/target")
	[ "$a" = "$b" ] || rst_abort "the recovered $1/live (md5, nodes: $a) differs from a jrnresto of its journal ($b)"
	RV_NODES=$(echo "$a" | cut -d' ' -f2)
}

# rv_gtm : GT.M's backward recovery after kill -9; sets RV_G_RPS RV_GPEER
rv_gtm() {
	if [ "${GTM:-1}" = 0 ]; then RV_GPEER=skipped; say "   GT.M skipped (GTM=0)"; return; fi
	if [ -z "${gtm_dist:-}" ] || [ ! -x "$gtm_dist/mupip" ] || [ ! -f "$PEER_BENCH/common.sh" ] ||
	    ! command -v bash >/dev/null 2>&1; then
		say "   GT.M, bash or the shared peer scripts missing: no peer figure"
		return
	fi
	G=$WORK/gtm-rcv
	rm -rf "$G"
	mkdir -p "$G"
	(
		export gtm_dist PEER_BENCH G
		alloc=$((N / 20 > 20000 ? N / 20 : 20000))
		# gmake DIR : shared/bench's gtm_make_db (before-image, BG, epoch 300 s)
		gmake() { ALLOC=$alloc bash -c '. "$PEER_BENCH/common.sh" && gtm_make_db "$1" BG before' _ "$1" ||
		    { say "    gtm_make_db $1 FAILED"; exit 2; }; }
		genv() { export gtmgbldir="$1/g.gld" gtmroutines="$1 $gtm_dist/libgtmutil.so" TZ="${TZ:-:/etc/localtime}"; unset gtm_tmp; }
		# the journal of the whole workload (MARK=1), untimed: where half of it is
		gmake "$G/full"
		genv "$G/full"
		cmdline "(cd \$WORK/gtm-rcv/full && mumps -run jbench $N 100 $N 1000 1)   (whole workload, untimed)"
		(cd "$G/full" && "$gtm_dist/mumps" -run jbench "$N" 100 "$N" 1000 1) >"$G/full.out" 2>&1 ||
		    { say "    jbench FAILED: $(tail -2 "$G/full.out")"; exit 2; }
		half=$(($(stat -c %s "$G/full/g.mjl") / 2))
		say "    $(cat "$G/full.out"); journal $(commas "$(stat -c %s "$G/full/g.mjl")") bytes: killed at $(commas "$half")"
		rm -rf "$G/full"
		cmdline "(cd DIR && mumps -run jbench $N 100 $N 1000 1 & ... kill -9 at $half bytes of g.mjl; sync; mupip journal -recover -backward \"*\")"
		i=1
		while [ "$i" -le "$RCV_RUNS" ]; do
			c=$G/c$i
			gmake "$c"
			genv "$c"
			(cd "$c" && exec "$gtm_dist/mumps" -run jbench "$N" 100 "$N" 1000 1) >"$c/workload.txt" 2>&1 &
			rv_kill "$!" "$c/g.mjl" "$half"
			crashed=$(rv_bytes "$c/g.mjl")
			sync
			t0=$(now_ns)
			(cd "$c" && "$gtm_dist/mupip" journal -recover -backward "*") >"$c/recover.log" 2>&1
			t1=$(now_ns)
			grep -q "Recover successful" "$c/recover.log" ||
			    { say "    mupip journal -recover -backward did not succeed:"; tail -5 "$c/recover.log" | sed 's/^/    /'; exit 2; }
			s=$(secs "$t0" "$t1")
			integ=$(cd "$c" && "$gtm_dist/mupip" integ -region DEFAULT 2>&1 | grep -c "No errors detected by integ")
			# shellcheck disable=SC2016
			n=$(cd "$c" && "$gtm_dist/mumps" -run %XCMD 'w +$g(^ctl("n"))' 2>/dev/null)
			recs=$("$gtm_dist/mupip" journal -show=statistics -forward "$c/g.mjl" 2>&1 |
			    awk '$1 ~ /^(SET|KILL|TSET|USET|UKILL|TKILL|TCOM)$/ { t += $2 } END { print t + 0 }')
			ts() { date -d "$(sed -n "s/.*$1 processing started at //p" "$c/recover.log" | head -1)" +%s 2>/dev/null || echo 0; }
			wait_s=$(($(ts Backward) - $(ts Initial)))
			[ "$integ" -gt 0 ] || { say "    run $i: mupip integ found errors"; exit 2; }
			[ $((n % 100)) = 0 ] || { say "    run $i: ^ctl(\"n\")=$n is not a multiple of 100: not TP atomic"; exit 2; }
			say "    run $i: crashed journal $(commas "$crashed") bytes, ^ctl(\"n\")=$n; recover $s s (initial phase ${wait_s} s):" \
			    "$(commas "$recs") logical records replayed, $(commas "$(calc "$recs / $s" %.0f)") records/s; integ clean, TP atomic"
			echo "$s $recs $wait_s" >>"$G/runs"
			rm -rf "$c"
			i=$((i + 1))
		done
	)
	rc=$?
	if [ "$rc" = 0 ] && [ -s "$G/runs" ]; then
		all=$(awk '{ printf "%.0f\n", $2 / $1 }' "$G/runs")
		fast=$(awk '$3 < 30 { printf "%.0f\n", $2 / $1 }' "$G/runs")
		# shellcheck disable=SC2086
		if [ -n "$fast" ]; then RV_G_RPS=$(med $fast); else RV_G_RPS=$(med $all); fi
		note=
		[ -n "$fast" ] && [ "$(echo "$fast" | wc -w)" != "$(echo "$all" | wc -w)" ] &&
		    note="; median of the runs without the latch wait"
		# shellcheck disable=SC2086
		say "   GT.M recover -backward: median $(commas "$RV_G_RPS") records/s (runs $(spread $all)$note)"
		# shellcheck disable=SC2086
		RV_G_BEST=$(printf '%s\n' ${fast:-$all} | sort -g | tail -1)
		RV_GPEER=ok
	else
		RV_GPEER=failed
	fi
	rm -rf "$G"
}

recover_section() {
	say "== 10. startup recovery after kill -9: jrnkit recover against mupip journal -recover -backward, $RCV_RUNS crashes each"
	if [ ! -x "$JR" ]; then
		say "   no jrnresto binary at $JR (the check needs it)"
		FAILED=1
		return
	fi
	d=$WORK/rcv
	say "-- ours: the workload by 1 process, checkpoints off, killed at half its journal"
	rv_prepare "$d" off
	cmdline jrnkit -I "$d/inst" -d "$d/live" load -n "$N" -t 100 -k "$N" -v 40 --kill-every 1000 --seed 1 "  (whole workload, untimed)"
	out=$("$JK" -I "$d/inst" -d "$d/live" load -n "$N" -t 100 -k "$N" -v 40 --kill-every 1000 --seed 1 2>&1) ||
	    rst_abort "load failed: $out"
	# shellcheck disable=SC2046
	full=$(cat $(journal_files "$d/inst") | wc -c)
	half=$((full / 2))
	say "    $(echo "$out" | grep '^load:' | tail -1); journal $(commas "$full") bytes: killed at $(commas "$half")"
	cmdline "jrnkit ... load ... & kill -9 at $half bytes of journal; sync; jrnkit -I $d/inst recover"
	w="" v=""
	i=1
	while [ "$i" -le "$RCV_RUNS" ]; do
		rv_prepare "$d" off
		rv_crash "$d" "$half"
		rv_run "$d"
		rv_check "$d"
		say "    run $i: recover $RV_WALL s: $(commas "$RV_REC") records read (from $RV_FROM), $(commas "$RV_UPD") updates applied," \
		    "$RV_RB rolled back: $(commas "$(calc "$RV_REC / $RV_WALL" %.0f)") records/s; == jrnresto of the journal ($(commas "$RV_NODES") nodes)"
		w="$w $RV_WALL" v="$v $(calc "$RV_REC / $RV_WALL" %.0f)"
		i=$((i + 1))
	done
	# shellcheck disable=SC2086
	RV_RPS=$(med $v)
	# shellcheck disable=SC2086
	say "   jrnkit recover: median $(commas "$RV_RPS") records/s (runs $(spread $v)); wall $(med $w) s (runs $(spread $w))"
	if [ "${PERF:-0}" = 1 ] && command -v perf >/dev/null 2>&1; then
		say "-- perf record of one recovery (top symbols, self time)"
		rv_prepare "$d" off
		rv_crash "$d" "$half"
		perf record -q -o "$WORK/rcv.perf" -- "$JK" -I "$d/inst" recover >/dev/null 2>&1 &&
		    perf report -i "$WORK/rcv.perf" --stdio --no-children --sort dso,symbol 2>/dev/null |
		    grep -v '^#' | grep -v '^$' | head -25 | sed 's/^/    /'
	fi

	say "-- ours, default checkpoints (checkpoint_bytes 64M, checkpoint_secs 300), killed at 90% of the journal (info)"
	rv_prepare "$d" default
	rv_crash "$d" $((full * 9 / 10))
	rv_run "$d"
	rv_check "$d"
	RV_DEF_WALL=$RV_WALL
	say "    recover $RV_WALL s from $RV_FROM: $(commas "$RV_UPD") updates applied ($(commas "$RV_REC") records read, from the" \
	    "first record of the checkpoint's file); == jrnresto of the journal"
	rm -rf "$d"

	say "-- GT.M: the same workload by 1 process (jbench.m, MARK=1), killed at half its journal, mupip journal -recover -backward"
	rv_gtm
	RV_RATIO=$(ratio "$RV_RPS" "$RV_G_RPS")
	[ "$RV_GPEER" = ok ] && say "   ratio ${RV_RATIO}x; against GT.M's best run ($(commas "$RV_G_BEST") records/s): $(ratio "$RV_RPS" "$RV_G_BEST")x"
	say
}

recover_rows() {
	gj=$(awk -v v="$RV_RATIO" -v p="$RV_GPEER" 'BEGIN { if (v == "NA" || v == "") print (p == "ok" ? "n/a" : "peer " p); else print (v + 0 >= 3 ? "met" : "NOT MET") }')
	row "recovery after kill -9: records/s (wall)" "$(num "$RV_RPS")" "$(num "$RV_G_RPS")" "$(rx "$RV_RATIO")" ">= 3x" "$gj"
	row "recovery, default checkpoints: wall s" "$RV_DEF_WALL" "-" "-" "-" "info"
}
