# cluster.sh - the cluster figures of issue 6; sourced by bench.sh after
# restore.sh, whose helpers it uses (rst_abort, zmd5, jnum, jstr, mib) with
# bench.sh's (say, cmdline, med, spread, calc, commas, now_ns, secs, new_inst,
# row, num, rx, ratio, judge_abs) and JK, JR, BIN, WORK, N, RUNS.
#
#   cluster_section    runs everything below and sets the CL_* figures
#   cluster_rows       prints their rows of the summary table
#
# 1. Sequence allocation: `jrnkit cluster bench-seq -p 3 -n CLU_SEQ_N DIR`:
#    3 processes each take CLU_SEQ_N numbers, one lock hold per number (lock,
#    take, unlock: what a commit does), and the command checks that every
#    number was given exactly once.  It prints the rate of 1 process alone and
#    of the 3 at once, so the contention is the ratio of the two.  Then the
#    same with --file: the counter read and written with pread/pwrite under
#    the lock, as on a network file system.  Median of CLU_RUNS.
# 2. Merged restore: a cluster of 3 members (commit group) writes one
#    database, the shared workload split over them (`load --members -n N -t
#    100 -k N -v 40 --kill-every 1000`, one process per member); every member
#    stops journaling; then `jrnresto --cluster --redirect LIVE=TARGET
#    --no-switch --json` into an empty database, timed (wall) and checked
#    (`jrnkit zwrite` of TARGET == LIVE, else the bench aborts).  Against it,
#    one instance with the same workload from 3 processes (`load -p 3`), the
#    same records less the members' own, restored the same way without
#    --cluster.  records/s = the JSON's records / wall seconds; the target is
#    merged >= 0.8 x single.
#
# Environment: CLU_RUNS (RUNS), CLU_SEQ_N (1000000), CLU_N (N: updates of the
# restore workload).

CL_SEQ1=NA CL_SEQ3=NA CL_SEQF=NA CL_SEQ_RATIO=NA CL_RPS=NA CL_SRPS=NA CL_RATIO=NA
CLU_RUNS=${CLU_RUNS:-$RUNS}
CLU_SEQ_N=${CLU_SEQ_N:-1000000}
CLU_N=${CLU_N:-$N}

# cl_seq DIR [--file] : median numbers/s of 1 and of 3 processes; sets SQ1 SQ3
cl_seq() {
	d=$1; shift
	cmdline jrnkit cluster bench-seq -p 3 -n "$CLU_SEQ_N" "$@" "$d"
	a="" b=""
	i=1
	while [ "$i" -le "$CLU_RUNS" ]; do
		out=$("$JK" cluster bench-seq -p 3 -n "$CLU_SEQ_N" "$@" "$d" 2>&1) ||
		    rst_abort "jrnkit cluster bench-seq failed: $out"
		say "    $out"
		a="$a $(echo "$out" | sed -n 's/.*1 process: \([0-9]*\) numbers.*/\1/p')"
		b="$b $(echo "$out" | sed -n 's/.* 3 processes: \([0-9]*\) numbers.*/\1/p')"
		i=$((i + 1))
	done
	# shellcheck disable=SC2086
	SQ1=$(med $a) SQ3=$(med $b)
}

# cl_restore DIR INST LABEL ARGS... : CLU_RUNS timed restores of DIR/live into copies of
#   DIR/target0 from instance INST, checked; sets CR_RPS (median records/s)
cl_restore() {
	d=$1 in=$2 lab=$3; shift 3
	cmdline jrnresto -I "$in" "$@" --redirect "$d/live=$d/target" --no-switch --json
	w=""
	i=1
	while [ "$i" -le "$CLU_RUNS" ]; do
		rm -rf "$d/target"
		cp -a --sparse=always "$d/target0" "$d/target" || rst_abort "cannot copy $d/target0"
		sync
		t0=$(now_ns)
		"$JR" -I "$in" "$@" --redirect "$d/live=$d/target" --no-switch --json >"$WORK/cl.json" 2>"$WORK/cl.err"
		rc=$?
		t1=$(now_ns)
		st=$(jstr status "$WORK/cl.json")
		if [ "$rc" != 0 ] || [ "$st" != done ]; then
			sed 's/^/    /' "$WORK/cl.err" "$WORK/cl.json" | head -20
			rst_abort "jrnresto $* exited $rc with status '$st' ($d)"
		fi
		wall=$(secs "$t0" "$t1")
		rec=$(jnum records "$WORK/cl.json")
		got=$(zmd5 "$in" "$d/target")
		[ "$got" = "$CLIVE" ] ||
		    rst_abort "jrnkit zwrite of the restored $d/target (md5, nodes: $got) differs from the live database's ($CLIVE)"
		say "    $(commas "$rec") records, $(commas "$(jnum applied "$WORK/cl.json")") applied: wall $wall s" \
		    "($(commas "$(calc "$rec / $wall" %.0f)") records/s); zwrite target == live"
		w="$w $(calc "$rec / $wall" %.0f)"
		i=$((i + 1))
	done
	# shellcheck disable=SC2086
	CR_RPS=$(med $w)
	# shellcheck disable=SC2086
	say "   $lab: median $(commas "$CR_RPS") records/s (runs $(spread $w))"
}

# cl_databases DIR INST : the live database and the empty target (made before the load)
cl_databases() {
	"$JK" -I "$2" db create "$1/live" >/dev/null || rst_abort "jrnkit db create $1/live failed"
	JRNKIT_HOME= "$JK" db create "$1/target0" >/dev/null || rst_abort "jrnkit db create $1/target0 failed"
}

cluster_section() {
	say "== 8. cluster: sequence allocation across 3 processes; merged restore of 3 members"
	c=$WORK/clu
	rm -rf "$c"
	mkdir -p "$c"
	"$JK" cluster init "$c/dir" >/dev/null || rst_abort "jrnkit cluster init failed"
	say "-- sequence numbers: lock, take one, unlock; $CLU_SEQ_N per process, median of $CLU_RUNS"
	cl_seq "$c/dir"
	CL_SEQ1=$SQ1 CL_SEQ3=$SQ3
	CL_SEQ_RATIO=$(ratio "$SQ3" "$SQ1")
	cl_seq "$c/dir" --file
	CL_SEQF=$SQ3

	say "-- merged restore: 3 members, the shared workload split over them, N=$CLU_N"
	for n in 0 1 2; do
		cmdline jrnkit init --cluster "\$WORK/clu/dir" --csn $n "\$WORK/clu/m$n"
		"$JK" init --cluster "$c/dir" --csn $n "$c/m$n" >/dev/null || rst_abort "jrnkit init --cluster failed"
		"$JK" -I "$c/m$n" status --json | grep -q '"commit":"group"' || rst_abort "member $n is not in commit mode group"
	done
	cl_databases "$c" "$c/m0"
	cmdline jrnkit -I "\$WORK/clu/m0" -d "\$WORK/clu/live" load --members -n "$CLU_N" -t 100 -k "$CLU_N" -v 40 --kill-every 1000 --seed 1
	out=$("$JK" -I "$c/m0" -d "$c/live" load --members -n "$CLU_N" -t 100 -k "$CLU_N" -v 40 --kill-every 1000 --seed 1 2>&1) ||
	    rst_abort "load --members failed: $out"
	say "    $out"
	for n in 0 1 2; do "$JK" -I "$c/m$n" stop >/dev/null || rst_abort "jrnkit stop failed in $c/m$n"; done
	cat "$c"/m*/journal/* >/dev/null
	CLIVE=$(zmd5 "$c/m0" "$c/live")
	cl_restore "$c" "$c/m0" "merged (3 members)" --cluster
	CL_RPS=$CR_RPS
	rm -rf "$c"

	say "-- single instance: the same workload from 3 processes (load -p 3), N=$CLU_N"
	s=$WORK/single
	rm -rf "$s"
	mkdir -p "$s"
	new_inst "$s/inst" group || rst_abort "cannot make an instance in $s/inst"
	cl_databases "$s" "$s/inst"
	cmdline jrnkit -I "\$WORK/single/inst" -d "\$WORK/single/live" load -p 3 -n "$CLU_N" -t 100 -k "$CLU_N" -v 40 --kill-every 1000 --seed 1
	out=$("$JK" -I "$s/inst" -d "$s/live" load -p 3 -n "$CLU_N" -t 100 -k "$CLU_N" -v 40 --kill-every 1000 --seed 1 2>&1) ||
	    rst_abort "load failed: $out"
	say "    $out"
	"$JK" -I "$s/inst" stop >/dev/null || rst_abort "jrnkit stop failed in $s/inst"
	cat "$s"/inst/journal/* >/dev/null
	CLIVE=$(zmd5 "$s/inst" "$s/live")
	cl_restore "$s" "$s/inst" "single instance"
	CL_SRPS=$CR_RPS
	rm -rf "$s"
	CL_RATIO=$(ratio "$CL_RPS" "$CL_SRPS")
	say
}

cluster_rows() {
	row "cluster: sequence numbers/s, 3 processes" "$(num "$CL_SEQ3")" "-" "-" ">= 1M/s" "$(judge_abs "$CL_SEQ3" 1000000)"
	row "cluster: ... 1 process alone / 3 vs 1" "$(num "$CL_SEQ1")" "-" "$(rx "$CL_SEQ_RATIO")" "-" "info"
	row "cluster: ... 3 processes, pread/pwrite" "$(num "$CL_SEQF")" "-" "-" "-" "info"
	row "cluster: merged restore records/s" "$(num "$CL_RPS")" "-" "-" "-" "info"
	row "cluster: merged / single-instance restore" "$(num "$CL_RPS") / $(num "$CL_SRPS")" "-" "$(rx "$CL_RATIO")" ">= 0.8x" "$(judge_abs "$CL_RATIO" 0.8)"
}
