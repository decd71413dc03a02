#!/bin/sh
# bench.sh - jrnkit against its peer GT.M on the shared journal workload.
#
#   make bench                       (builds VARIANT=release, then runs this)
#   N=100000 sh tests/bench/bench.sh (or QUICK=1: N=100000, RUNS=1)
#
# The shared workload (see shared/bench/README.md): N updates of ^acct(k), k
# random in 1..N, 40-byte values, transactions of 100, one KILL every 1000.
#
# Figures (each printed with the command that produced it; median of RUNS):
#   1. journaled updates/s, commit sync|group|none x 1|4 processes
#   2. sync mode group commit: commits/s with 8 committers vs 1 (-t 1)
#   3. reader: jrnkit verify (decodes every record, checks every CRC) over the
#      journal of the N-update workload, from the page cache: records/s, MB/s
#   4. GT.M, same machine, same run: M workload updates/s (before-image, TP),
#      mupip journal -verify and -extract
#   5. restore (tests/bench/restore.sh): jrnresto into an empty database,
#      random and sequential keys, against GT.M's mupip journal -recover
#      -forward; peak RSS with a 10x journal; dry-run and --check times
#   6. a table of ratios against the targets.
#   7. dump (tests/bench/dump.sh): jrndump --select and --stats against mupip
#      journal -extract and -show=statistics; the browser on a 1 GB journal
#   8. cluster (tests/bench/cluster.sh): sequence numbers/s across 3
#      processes; a merged restore of 3 members against a single instance
#   9. backup (tests/bench/backup.sh): how long writers are blocked while a
#      1 GB database is backed up (their commit gaps; the backup's locked time)
#  10. recover (tests/bench/recover.sh): jrnkit recover after kill -9 of the
#      workload against GT.M's mupip journal -recover -backward
# A target not met is reported, not failed: the exit status is 0 unless a
# jrnkit command itself failed (1) or the jrnkit binary is missing (1).
#
# Environment: N (1000000), RUNS (3), QUICK=1, JRNKIT_BIN (build/release/bin),
#   N_SYNC1 (updates for sync mode with 1 process; default: N, or fewer so that
#   a run lasts about 15 s when fsync is slow - one fsync per commit),
#   GC_SECS (target seconds per group-commit run, 3), GTM=0 (skip the peer),
#   VERIFY_RUNS (timed verify runs, ours and GT.M's: 3*RUNS+2; a run is ~0.1 s),
#   GTM_RUNS (RUNS; M workload repetitions), PEER_BENCH (shared/bench dir),
#   gtm_dist (GT.M install dir; found under /usr/lib/*/fis-gtm when unset),
#   PERF=1 (perf record the group-mode load and verify; top symbols printed),
#   KEEP=1 (keep the temp dir), TMPDIR,
#   BENCH_ONLY=restore (only section 5 and its rows of the table; default: all),
#   BENCH_ONLY=dump (only section 7, tests/bench/dump.sh; DUMP_1G=0 skips its 1 GB journal),
#   BENCH_ONLY=backup (only section 9, tests/bench/backup.sh; BK_RUNS, BK_MB, BK_WRITERS),
#   RST_RUNS (RUNS; timed restores per workload), RST_10X=0 (no 10x journal),
#   RST_SEQ=0 (no sequential restore), BENCH_ONLY=cluster (only section 7),
#   CLU_RUNS, CLU_SEQ_N, CLU_N (see cluster.sh),
#   BENCH_ONLY=recover (only section 10), RCV_RUNS (see recover.sh).
set -u

here=$(cd "$(dirname "$0")" && pwd)
SRC=${JRNKIT_SRC:-$(cd "$here/../.." && pwd)}
if [ "${QUICK:-0}" = 1 ]; then
	N=${N:-100000}
	RUNS=${RUNS:-1}
fi
N=${N:-1000000}
RUNS=${RUNS:-3}
GTM_RUNS=${GTM_RUNS:-$RUNS}
GC_SECS=${GC_SECS:-3}
VRUNS=${VERIFY_RUNS:-$((RUNS * 3 + 2))}
BIN=${JRNKIT_BIN:-$SRC/build/release/bin}
JK=$BIN/jrnkit
PEER_BENCH=${PEER_BENCH:-$(cd "$SRC/.." && pwd)/shared/bench}

BENCH_ONLY=${BENCH_ONLY:-all}
case $BENCH_ONLY in all | restore | dump | cluster | backup | recover) ;; *)
	echo "bench: BENCH_ONLY must be all, restore, dump, cluster, backup or recover, not '$BENCH_ONLY'" >&2; exit 2 ;;
esac
case $N$RUNS$GTM_RUNS${N_SYNC1:-0}$GC_SECS$VRUNS in *[!0-9]*)
	echo "bench: N, RUNS, GTM_RUNS, N_SYNC1 and GC_SECS must be whole numbers" >&2; exit 2 ;;
esac
if [ ! -x "$JK" ]; then
	echo "bench: no jrnkit binary at $JK (build with: make VARIANT=release)" >&2
	exit 1
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/jrnkit-bench.XXXXXX") || exit 1
cleanup() {
	if [ "${KEEP:-0}" = 1 ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
FAILED=0
T0=$(date +%s)

# ---- helpers -----------------------------------------------------------------

now_ns() { date +%s%N; }
# secs T0NS T1NS -> seconds with 4 decimals
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", (b - a) / 1e9 }'; }
# med V... -> median (lower middle for an even count)
med() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print (NR ? a[int((NR + 1) / 2)] : "NA") }'; }
# spread V... -> "min-max"
spread() { printf '%s\n' "$@" | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { print lo "-" hi }'; }
# calc EXPR -> awk arithmetic, printed with %.6g unless FMT is given
calc() { awk "BEGIN { printf \"${2:-%.6g}\", $1 }"; }
# commas 1234567 -> 1,234,567 (for reading; the figures stay plain numbers elsewhere)
commas() { echo "$1" | awk '{ s = sprintf("%.0f", $1); o = ""; while (length(s) > 3) { o = "," substr(s, length(s) - 2) o; s = substr(s, 1, length(s) - 3) } print s o }'; }
say() { printf '%s\n' "$*"; }
# row FIGURE OURS GTM RATIO TARGET STATUS
row() { printf '| %-44s | %14s | %14s | %8s | %10s | %-12s |\n' "$@"; }
# judge VALUE MIN -> met / NOT MET / n/a
judge() { awk -v v="$1" -v t="$2" 'BEGIN { if (v == "NA" || v == "") print (ENVIRON["PEER"] == "ok" ? "n/a" : "peer " ENVIRON["PEER"]); else print (v + 0 >= t + 0 ? "met" : "NOT MET") }'; }
judge_abs() { awk -v v="$1" -v t="$2" 'BEGIN { if (v == "NA" || v == "") print "n/a"; else print (v + 0 >= t + 0 ? "met" : "NOT MET") }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "NA" || b == "NA" || a == "" || b == "" || b + 0 <= 0) print "NA"; else printf "%.2f", a / b }'; }
num() { [ "$1" = NA ] && echo "-" || commas "$1"; }
rx() { [ "$1" = NA ] && echo "-" || echo "${1}x"; }
cmdline() { printf '  $ %s\n' "$*" | sed "s|$WORK|\$WORK|g"; }

# new_inst DIR MODE : fresh instance with commit mode MODE
new_inst() {
	rm -rf "$1"
	"$JK" init "$1" >/dev/null || { echo "bench: jrnkit init $1 failed" >&2; FAILED=1; return 1; }
	if grep -q '^commit:' "$1/jrnkit.yaml"; then
		sed "s/^commit:.*/commit: $2/" "$1/jrnkit.yaml" >"$1/jrnkit.yaml.new" &&
		    mv "$1/jrnkit.yaml.new" "$1/jrnkit.yaml"
	else
		echo "commit: $2" >>"$1/jrnkit.yaml"
	fi
	# status --json ("commit":"group"); older builds printed "Commit mode: group"
	got=$("$JK" -I "$1" status --json 2>/dev/null | sed -n 's/.*"commit": *"\([a-z]*\)".*/\1/p')
	[ -n "$got" ] || got=$("$JK" -I "$1" status 2>&1 | sed -n 's/^Commit mode: //p')
	if [ "$got" != "$2" ]; then
		echo "bench: could not set commit mode $2 in $1/jrnkit.yaml (status says '$got')" >&2
		FAILED=1
		return 1
	fi
}

# field WORD LINE : the number just before WORD in LINE ("426866 updates/s," -> 426866)
field() { echo "$2" | awk -v w="$1" '{ for (i = 2; i <= NF; i++) if ($i == w || $i == w ",") { print $(i - 1); exit } }'; }

# run_load DIR ARGS... : one load run on a fresh instance already made in DIR;
#   prints the load line; sets UPS and CPS (updates/s, commits/s)
run_load() {
	d=$1; shift
	sync	# untimed: the previous run's dirty pages are not this run's cost
	cmdline jrnkit -I "$d" load "$@"
	if ! out=$("$JK" -I "$d" load "$@" 2>&1); then
		say "    FAILED: $out"
		FAILED=1
		UPS=NA CPS=NA
		return 1
	fi
	line=$(echo "$out" | grep '^load:' | tail -1)
	say "    $line"
	UPS=$(field updates/s "$line")
	CPS=$(field commits/s "$line")
	[ -n "$UPS" ] || { UPS=NA; FAILED=1; }
	[ -n "$CPS" ] || CPS=NA
}

# journal_files DIR -> the instance's journal files, oldest first
journal_files() {
	if [ -s "$1/journal.log" ]; then
		awk 'NF { print $NF }' "$1/journal.log" | while read -r f; do
			case $f in /*) ;; *) f=$1/$f ;; esac
			# an instance moved after it was written: its files are in its own journal/
			[ -f "$f" ] || f=$1/journal/$(basename "$f")
			[ -f "$f" ] && echo "$f"
		done
	else
		find "$1/journal" -type f | sort
	fi
}

if [ -z "${gtm_dist:-}" ]; then
	for g in /usr/lib/*/fis-gtm/*/mumps /usr/lib/fis-gtm/*/mumps; do
		[ -x "$g" ] && gtm_dist=$(dirname "$g")
	done
fi
# shellcheck source=tests/bench/restore.sh
. "$here/restore.sh"
# shellcheck source=tests/bench/dump.sh
. "$here/dump.sh"
# shellcheck source=tests/bench/cluster.sh
. "$here/cluster.sh"
# shellcheck source=tests/bench/backup.sh
. "$here/backup.sh"
# shellcheck source=tests/bench/recover.sh
. "$here/recover.sh"
summary_head() {
	if [ "$BENCH_ONLY" = backup ]; then
		say "== 6. summary (backups: range of $BK_RUNS run(s), judged on the worst)"
	elif [ "$BENCH_ONLY" = restore ]; then
		say "== 6. summary (N=$N, restores median of $RST_RUNS; GT.M figures from the same run)"
	else
		say "== 6. summary (N=$N, median of $RUNS, verify median of $VRUNS, restores median of $RST_RUNS; GT.M figures from the same run)"
	fi
	row figure ours GT.M ratio target status
	echo "|----------------------------------------------|----------------|----------------|----------|------------|--------------|"
}
summary_foot() {
	say "records = every journal record in the files; MB = 1e6 bytes; GB = 1e9 bytes."
	say "restore: records/s = records read (jrnresto JSON; GT.M: every record type of -show=statistics) / wall seconds;"
	say "  updates/s = SETs and KILLs applied / wall seconds. RSS = /usr/bin/time %M of the restore process."
	case $BENCH_ONLY in all | backup)
		say "backup: ours = min-max over the $BK_RUNS run(s), judged on the worst; a gap = the time between two commits of a writer." ;;
	esac
	say "total time $(( $(date +%s) - T0 )) s"
	if [ "$FAILED" != 0 ]; then
		say "bench: some jrnkit commands FAILED (see above)"
		exit 1
	fi
	exit 0
}

say "jrnkit benchmark against GT.M: N=$N, RUNS=$RUNS, $(nproc) cores, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
say "binary $JK; temp dir \$WORK=$WORK; $(date -u +%Y-%m-%dT%H:%M:%SZ)"
say "workload: N updates of ^acct(k), k random in 1..N, 40-byte values, transactions of 100, a KILL every 1000"
say

if [ "$BENCH_ONLY" = dump ]; then
	say "(BENCH_ONLY=dump: section 7 only)"
	say
	dump_section
	summary_head
	dump_rows
	say
	summary_foot
fi
if [ "$BENCH_ONLY" = backup ]; then
	say "(BENCH_ONLY=backup: section 9 only)"
	say
	backup_section
	summary_head
	backup_rows
	say
	summary_foot
fi
if [ "$BENCH_ONLY" = restore ]; then
	say "(BENCH_ONLY=restore: section 5 only)"
	say
	restore_section
	summary_head
	restore_rows
	say
	summary_foot
fi
if [ "$BENCH_ONLY" = cluster ]; then
	say "(BENCH_ONLY=cluster: section 8 only)"
	say
	cluster_section
	say "== 6. summary (N=$N, cluster figures median of $CLU_RUNS)"
	row figure ours GT.M ratio target status
	echo "|----------------------------------------------|----------------|----------------|----------|------------|--------------|"
	cluster_rows
	say
	summary_foot
fi
if [ "$BENCH_ONLY" = recover ]; then
	say "(BENCH_ONLY=recover: section 10 only)"
	say
	recover_section
	say "== 6. summary (N=$N, recovery figures median of $RCV_RUNS)"
	row figure ours GT.M ratio target status
	echo "|----------------------------------------------|----------------|----------------|----------|------------|--------------|"
	recover_rows
	say
	summary_foot
fi

# ---- 1. updates/s per commit mode and process count ---------------------------------

# ---- 0. the disk's fsync latency (what sync mode waits for) -----------------------------------

if command -v cc >/dev/null 2>&1 && [ -f "$PEER_BENCH/limits_fsync.c" ] &&
    cc -O2 -o "$WORK/limits_fsync" "$PEER_BENCH/limits_fsync.c" 2>/dev/null; then
	say "== 0. fsync latency of the disk under \$WORK (shared limits_fsync.c, 4 KiB writes)"
	cmdline limits_fsync "$WORK/fsync.dat" 300 4096
	"$WORK/limits_fsync" "$WORK/fsync.dat" 300 4096 2>&1 | sed 's/^/    /'
	rm -f "$WORK/fsync.dat"
	say
fi

say "== 1. journaled updates/s (median of $RUNS; fresh instance per run)"
UPS_sync_1=NA UPS_sync_4=NA UPS_group_1=NA UPS_group_4=NA UPS_none_1=NA UPS_none_4=NA GC_1=NA GC_8=NA
if [ -z "${N_SYNC1:-}" ]; then
	# sync mode, 1 process: one fsync per commit of 100.  Use N unless that
	# would take more than ~15 s a run on this disk.
	N_SYNC1=$N
	cal=$((N / 50))
	[ "$cal" -lt 2000 ] && cal=2000
	[ "$cal" -gt "$N" ] && cal=$N
	d=$WORK/cal-sync
	if new_inst "$d" sync; then
		out=$("$JK" -I "$d" load -n "$cal" -t 100 -k "$N" -v 40 --kill-every 1000 --seed 99 2>&1)
		u=$(field updates/s "$(echo "$out" | grep '^load:' | tail -1)")
		if [ -n "$u" ]; then
			N_SYNC1=$(awk -v u="$u" -v n="$N" 'BEGIN { m = int(u * 15 / 1000) * 1000; if (m < 10000) m = 10000; print (m < n ? m : n) }')
		fi
		say "   (calibration: sync mode, 1 process, N=$cal: ${u:-?} updates/s => N=$N_SYNC1 for the sync 1-process runs)"
	fi
	rm -rf "$d"
fi
for mode in sync group none; do
	for p in 1 4; do
		n=$N
		note=
		if [ "$mode" = sync ] && [ "$p" = 1 ] && [ "$N_SYNC1" != "$N" ]; then
			n=$N_SYNC1
			note=" (N=$n: one fsync per commit, fsync bound, so a smaller N)"
		fi
		say "-- commit: $mode, $p process(es)$note"
		vals="" cvals=""
		r=1
		while [ "$r" -le "$RUNS" ]; do
			d=$WORK/load-$mode-$p
			if new_inst "$d" "$mode"; then
				run_load "$d" -n "$n" -t 100 -k "$N" -v 40 --kill-every 1000 -p "$p" --seed "$r"
				vals="$vals $UPS" cvals="$cvals $CPS"
			fi
			# keep the group-mode 1-process journal of the full workload for the reader figure
			if [ "$mode/$p/$r" = "group/1/1" ]; then
				rm -rf "$WORK/reader"; mv "$d" "$WORK/reader"
			else
				rm -rf "$d"
			fi
			r=$((r + 1))
		done
		# shellcheck disable=SC2086
		m=$(med $vals)
		# shellcheck disable=SC2086
		say "   median $(commas "$m") updates/s (runs $(spread $vals)), $(commas "$(med $cvals)") commits/s"
		eval "UPS_${mode}_$p=$m"
	done
done
say

# ---- 2. group commit in sync mode --------------------------------------------------------

say "== 2. sync mode group commit: 1-update transactions (-t 1), 8 committers vs 1"
# calibrate the sizes so each timed run lasts about GC_SECS seconds
gc_run() {	# gc_run P N -> sets CPS
	d=$WORK/gc-$1
	new_inst "$d" sync || { CPS=NA; return 1; }
	run_load "$d" -n "$2" -t 1 -k 1000000 -v 40 --kill-every 0 -p "$1" --seed 7
	rm -rf "$d"
}
say "-- calibration (sizes for ~${GC_SECS} s runs)"
gc_run 1 1000
c1=$CPS
gc_run 8 4000
c8=$CPS
n1=$(awk -v c="$c1" -v s="$GC_SECS" 'BEGIN { n = (c == "NA" ? 200 : c * s); n = int(n); if (n < 200) n = 200; if (n > 200000) n = 200000; print n }')
n8=$(awk -v c="$c8" -v s="$GC_SECS" 'BEGIN { n = (c == "NA" ? 800 : c * s); n = int(n / 8) * 8; if (n < 800) n = 800; if (n > 800000) n = 800000; print n }')
for p in 1 8; do
	eval "n=\$n$p"
	say "-- $p committer(s), $n transactions of 1 update in all"
	vals=""
	r=1
	while [ "$r" -le "$RUNS" ]; do
		gc_run "$p" "$n"
		vals="$vals $CPS"
		r=$((r + 1))
	done
	# shellcheck disable=SC2086
	m=$(med $vals)
	# shellcheck disable=SC2086
	say "   median $(commas "$m") commits/s (runs $(spread $vals))"
	eval "GC_$p=$m"
done
GC_RATIO=$(awk -v a="$GC_8" -v b="$GC_1" 'BEGIN { if (a == "NA" || b == "NA" || b <= 0) print "NA"; else printf "%.2f", a / b }')
say "   8 vs 1 committers: ${GC_RATIO}x"
say

# ---- 3. reader: verify over the journal of the full workload -------------------------------

say "== 3. reader: jrnkit verify over the journal of the N=$N workload (group mode, 1 process, run 1); median of $VRUNS"
say "   (there is no dump command yet: verify decodes every record and checks its CRC, so verify = full decode here)"
RD_RPS=NA RD_MBS=NA RD_GBS=NA RD_RECS=NA RD_BYTES=NA
files=
[ -d "$WORK/reader" ] && files=$(journal_files "$WORK/reader" | tr '\n' ' ')
if [ -z "$files" ]; then
	say "   no journal files (the group-mode load failed?)"
	FAILED=1
else
	# shellcheck disable=SC2086
	cat $files >/dev/null
	cmdline jrnkit verify $files
	# warm-up run (untimed); its output gives the counts
	# shellcheck disable=SC2086
	if ! "$JK" verify $files >"$WORK/verify.out" 2>&1; then
		say "    FAILED:"; sed 's/^/    /' "$WORK/verify.out"
		FAILED=1
	fi
	sed "s|$WORK|\$WORK|g; s/^/    /" "$WORK/verify.out"
	RD_RECS=$(awk '{ for (i = 2; i <= NF; i++) if ($i == "records,") t += $(i - 1) } END { print t + 0 }' "$WORK/verify.out")
	RD_BYTES=$(awk '{ for (i = 2; i <= NF; i++) if ($i == "bytes,") t += $(i - 1) } END { print t + 0 }' "$WORK/verify.out")
	TIMEV=
	[ -x /usr/bin/time ] && TIMEV="/usr/bin/time -f %U+%S -o $WORK/verify.time"
	vals="" cpu=""
	r=1
	while [ "$r" -le "$VRUNS" ]; do
		t0=$(now_ns)
		# shellcheck disable=SC2086
		$TIMEV "$JK" verify $files >/dev/null 2>&1 || FAILED=1
		t1=$(now_ns)
		vals="$vals $(secs "$t0" "$t1")"
		[ -n "$TIMEV" ] && cpu="$cpu $(tail -1 "$WORK/verify.time")"
		r=$((r + 1))
	done
	# shellcheck disable=SC2086
	m=$(med $vals)
	RD_RPS=$(calc "$RD_RECS / $m" %.0f)
	RD_MBS=$(calc "$RD_BYTES / $m / 1e6" %.1f)
	RD_GBS=$(calc "$RD_BYTES / $m / 1e9" %.3f)
	# shellcheck disable=SC2086
	say "   $(commas "$RD_RECS") records, $(calc "$RD_BYTES / 1e6" %.1f) MB in $(echo $files | wc -w) file(s); median ${m} s (runs $(spread $vals)${cpu:+; user+sys s:$cpu})"
	say "   $(commas "$RD_RPS") records/s, $RD_MBS MB/s = $RD_GBS GB/s (page cache)"
	if [ "${PERF:-0}" = 1 ] && command -v perf >/dev/null 2>&1; then
		say "-- perf record of verify (top symbols)"
		# shellcheck disable=SC2086
		perf record -q -o "$WORK/verify.perf" -- "$JK" verify $files >/dev/null 2>&1 &&
		    perf report -i "$WORK/verify.perf" --stdio --sort symbol 2>/dev/null | grep -v '^#' | grep -v '^$' | head -15 | sed 's/^/    /'
	fi
fi
rm -rf "$WORK/reader"
if [ "${PERF:-0}" = 1 ] && command -v perf >/dev/null 2>&1; then
	say "-- perf record of the group-mode 1-process load (top symbols)"
	d=$WORK/perf-load
	if new_inst "$d" group; then
		perf record -q -g -o "$WORK/load.perf" -- "$JK" -I "$d" load -n "$N" -t 100 -k "$N" -v 40 --kill-every 1000 >/dev/null 2>&1 &&
		    perf report -i "$WORK/load.perf" --stdio --no-children --sort symbol -g none 2>/dev/null | grep -v '^#' | grep -v '^$' | head -25 | sed 's/^/    /'
	fi
	rm -rf "$d"
fi
say

# ---- 4. GT.M --------------------------------------------------------------------------------

say "== 4. peer: GT.M (before-image journal, BG, TP of 100; shared scripts $PEER_BENCH)"
G_FSYNC='' G_UPS=NA G_VRPS=NA G_VMBS=NA G_XRPS=NA G_XMBS=NA G_RECS=NA G_BYTES=NA
PEER=missing
if [ "${GTM:-1}" = 0 ]; then
	say "   skipped (GTM=0)"
	PEER=skipped
elif [ -z "${gtm_dist:-}" ] || [ ! -x "$gtm_dist/mumps" ] || [ ! -x "$gtm_dist/mupip" ]; then
	say "   GT.M is not installed (apt-get install fis-gtm): the peer is missing, our figures only"
elif [ ! -x "$PEER_BENCH/gtm_setup.sh" ] || ! command -v bash >/dev/null 2>&1; then
	say "   no shared peer scripts at $PEER_BENCH (or no bash): the peer is missing, our figures only"
else
	export gtm_dist
	G=$WORK/gtm
	mkdir -p "$G/out"
	say "-- M workload, $GTM_RUNS run(s) (jbench.m via gtm_setup.sh; each run a fresh database)"
	r=1
	while [ "$r" -le "$GTM_RUNS" ]; do
		cmdline "VARIANTS=before_tp OUTDIR=$G/out $PEER_BENCH/gtm_setup.sh $G/data $N"
		if VARIANTS=before_tp OUTDIR=$G/out "$PEER_BENCH/gtm_setup.sh" "$G/data" "$N" >"$G/setup.out" 2>&1; then
			sed -n 's/.*done: /    /p' "$G/setup.out"
		else
			say "    FAILED:"; tail -5 "$G/setup.out" | sed 's/^/    /'
			break
		fi
		r=$((r + 1))
	done
	col() { awk -F'\t' -v c="$1" 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next } $1 == "before_tp" { print $h[c] }' "$G/data/setup.tsv" 2>/dev/null; }
	vals=$(col upd_per_s | tr '\n' ' ')
	if [ -n "$vals" ] && [ -f "$G/data/before_tp/g.mjl" ]; then
		PEER=ok
		# shellcheck disable=SC2086
		G_UPS=$(med $vals)
		# shellcheck disable=SC2086
		say "   median $(commas "$G_UPS") updates/s (runs $(spread $vals))"
		G_RECS=$(col total_recs | tail -1)
		gd=$G/data/before_tp
		G_BYTES=$(stat -c %s "$gd/g.mjl")
		export gtmgbldir="$gd/g.gld" gtmroutines="$gd $gtm_dist/libgtmutil.so" TZ="${TZ:-:/etc/localtime}"
		unset gtm_tmp
		cat "$gd/g.mjl" >/dev/null
		# gtm_op COUNT LABEL PREP CMD... : 1 warm-up + COUNT timed runs; sets OPS (median s)
		gtm_op() {
			cnt=$1 label=$2 prep=$3; shift 3
			cmdline "(cd $gd && $*)"
			ov=
			r=0
			while [ "$r" -le "$cnt" ]; do
				[ -n "$prep" ] && eval "$prep"
				t0=$(now_ns)
				(cd "$gd" && "$@") >"$G/op.out" 2>&1 || { say "    $label failed:"; tail -3 "$G/op.out" | sed 's/^/    /'; }
				t1=$(now_ns)
				[ "$r" -ge 1 ] && ov="$ov $(secs "$t0" "$t1")"
				r=$((r + 1))
			done
			# shellcheck disable=SC2086
			OPS=$(med $ov)
			# shellcheck disable=SC2086
			OPSPREAD=$(spread $ov)
		}
		gtm_op "$VRUNS" verify "" "$gtm_dist/mupip" journal -verify -forward g.mjl
		grep -q "Verify successful" "$G/op.out" || say "    (mupip did not say 'Verify successful')"
		G_VRPS=$(calc "$G_RECS / $OPS" %.0f)
		G_VMBS=$(calc "$G_BYTES / $OPS / 1e6" %.1f)
		say "   verify: $(commas "$G_RECS") records, $(calc "$G_BYTES / 1e6" %.1f) MB; median $OPS s (runs $OPSPREAD): $(commas "$G_VRPS") records/s, $G_VMBS MB/s"
		gtm_op "$RUNS" extract "rm -f $G/x.mjf" "$gtm_dist/mupip" journal -extract="$G/x.mjf" -forward g.mjl
		G_XRPS=$(calc "$G_RECS / $OPS" %.0f)
		G_XMBS=$(calc "$G_BYTES / $OPS / 1e6" %.1f)
		say "   extract: median $OPS s (runs $OPSPREAD): $(commas "$G_XRPS") records/s, $G_XMBS MB/s"
		rm -f "$G/x.mjf"
		cmp -s "$gd/g.mjl" "$gd/pristine.mjl" || say "   (warning: the read-only mupip operations changed g.mjl)"
		if command -v strace >/dev/null 2>&1; then
			# how GT.M commits: count its journal fsyncs over 200 more transactions
			cmdline "(cd $gd && strace -f -y -e trace=fsync,fdatasync mumps -run jbench 20000 100 $N 1000 0)"
			G_FSYNC=$(cd "$gd" && strace -f -y -e trace=fsync,fdatasync "$gtm_dist/mumps" -run jbench 20000 100 "$N" 1000 0 2>&1 >/dev/null | grep -c 'g\.mjl>')
			say "   GT.M fsyncs of g.mjl during 200 transactions of 100: $G_FSYNC"
		fi

	else
		say "   GT.M workload failed: the peer is missing from this run"
		PEER=failed
	fi
	# the last workload stays for the restore section's forward recovery (in
	# place: GT.M's global directory and journal name the database's path)
	if [ "$PEER" = ok ]; then
		GTM_RESTORE_DIR=$G/data/before_tp
	else
		rm -rf "$G"
	fi
fi
say

# ---- 5. restore -------------------------------------------------------------------------------

restore_section

# ---- 7. dump (tests/bench/dump.sh) --------------------------------------------------------------

dump_section

# ---- 8. cluster --------------------------------------------------------------------------------

cluster_section

# ---- 9. backup (tests/bench/backup.sh) ----------------------------------------------------------

backup_section

# ---- 10. recover (tests/bench/recover.sh) ---------------------------------------------------------

recover_section

# ---- 6. summary -------------------------------------------------------------------------------

export PEER
R_UPS=$(ratio "$UPS_group_1" "$G_UPS")
R_VER=$(ratio "$RD_MBS" "$G_VMBS")
R_RPS=$(ratio "$RD_RPS" "$G_VRPS")
R_SYNC=$(ratio "$UPS_sync_1" "$G_UPS")
[ "$N_SYNC1" != "$N" ] && R_SYNC=NA
R_GBS=$R_VER
G_GBS=$( [ "$G_VMBS" = NA ] && echo "-" || calc "$G_VMBS / 1000" %.3f)
summary_head
row "updates/s, group commit, 1 process" "$(num "$UPS_group_1")" "$(num "$G_UPS")" "$(rx "$R_UPS")" ">= 2x" "$(judge "$R_UPS" 2)"
row "verify MB/s (journal of the workload)" "$RD_MBS" "$( [ "$G_VMBS" = NA ] && echo - || echo "$G_VMBS")" "$(rx "$R_VER")" ">= 3x" "$(judge "$R_VER" 3)"
row "sync group commit: commits/s 8 vs 1" "$(num "$GC_8") / $(num "$GC_1")" "-" "$(rx "$GC_RATIO")" ">= 4x" "$(judge_abs "$GC_RATIO" 4)"
row "reader records/s (verify = full decode)" "$(num "$RD_RPS")" "$(num "$G_VRPS")" "$(rx "$R_RPS")" ">= 5M/s" "$(judge_abs "$RD_RPS" 5000000)"
row "verify GB/s from page cache" "$RD_GBS" "$G_GBS" "$(rx "$R_GBS")" ">= 1.5" "$(judge_abs "$RD_GBS" 1.5)"
row "updates/s, sync, 1 process (N=$N_SYNC1)" "$(num "$UPS_sync_1")" "$(num "$G_UPS")" "$(rx "$R_SYNC")" "-" "info"
row "updates/s, sync, 4 processes" "$(num "$UPS_sync_4")" "-" "-" "-" "info"
row "updates/s, group, 4 processes" "$(num "$UPS_group_4")" "-" "-" "-" "info"
row "updates/s, none, 1 process" "$(num "$UPS_none_1")" "-" "-" "-" "info"
row "updates/s, none, 4 processes" "$(num "$UPS_none_4")" "-" "-" "-" "info"
restore_rows
dump_rows
cluster_rows
backup_rows
recover_rows
say
if [ -n "${G_FSYNC:-}" ] && [ "$G_FSYNC" -ge 150 ]; then
	say "GT.M fsyncs its journal at every TCOMMIT ($G_FSYNC fsyncs for 200 transactions above): its M workload is like our"
	say "sync mode (the 'sync, 1 process' row); the target row compares our group mode, as specified."
elif [ -n "${G_FSYNC:-}" ]; then
	say "GT.M fsynced its journal $G_FSYNC times for 200 transactions: not per TCOMMIT, so group mode is the like-for-like row."
fi
summary_foot
