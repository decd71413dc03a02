# dump.sh - the jrndump figures of issue 4; sourced by bench.sh, which
# defines the helpers used here (say, cmdline, med, spread, calc, commas,
# now_ns, secs, new_inst, row, num, rx, ratio, judge, judge_abs) and JK,
# BIN, WORK, N, RUNS, PEER_BENCH, gtm_dist.
#
#   dump_section    runs everything below and sets the DP_* figures
#   dump_rows       prints their rows of the summary table
#
# Our side: the shared workload (`jrnkit load -n N -t 100 -k N -v 40
# --kill-every 1000 --seed 1`, commit mode none) in a fresh instance, then,
# from the page cache:
#   select   jrndump --select -o FILE of every record (text, one line each;
#            the file of the run before is removed first, inside the timed
#            command, as on GT.M's side), RUNS runs
#   stats    jrndump --stats (counts by type, database, global, process),
#            3*RUNS+2 runs (a run is a fraction of a second)
#   browser  a journal file of about 1 GB (8*N updates of the same
#            workload), then `jrndump --keys K FILE` with K = "G -1": the
#            browser opens the file (its first page), finds its end from the
#            back (the last record's repeated length and checksum) and shows
#            the last page; RUNS runs.  DUMP_1G=0 skips it (about 20 s of load and
#            1 GB of disk).
# records/s = the records of the journal (jrndump --verify) / wall seconds;
# also per CPU second (user + system of /usr/bin/time), an info row: on a
# machine shared with other work the wall figures of both sides swing, the
# CPU ones much less.
#
# GT.M's side: the before-image, TP journal of the shared gtm_setup.sh
# (section 4's last run, left as GTM_RESTORE_DIR, else one run of its own),
# copied from pristine.mjl; timed with the same count of runs:
#   mupip journal -extract=FILE -forward g.mjl
#   mupip journal -show=statistics -forward g.mjl
# records = every record of -show=statistics.

DP_SEL=NA DP_STATS=NA DP_G_SEL=NA DP_G_STATS=NA DP_SEL_R=NA DP_STATS_R=NA DP_1G=NA DP_1G_SIZE=NA
DP_SEL_C=NA DP_STATS_C=NA DP_G_SEL_C=NA DP_G_STATS_C=NA
DP_GPEER=missing
JD=$BIN/jrndump

# dp_time COUNT LABEL CMD... : COUNT timed runs after one warm-up; the median
# wall seconds in DP_T, the median CPU seconds (user + system, /usr/bin/time)
# in DP_C (NA without /usr/bin/time)
dp_time() {
	cnt=$1 label=$2
	shift 2
	cmdline "$@"
	tv= cv=
	r=0
	while [ "$r" -le "$cnt" ]; do
		t0=$(now_ns)
		if [ -x /usr/bin/time ]; then
			/usr/bin/time -f '%U %S' -o "$WORK/dump.cpu" "$@" >/dev/null 2>"$WORK/dump.err"
		else
			"$@" >/dev/null 2>"$WORK/dump.err"
		fi || { say "    $label FAILED: $(head -3 "$WORK/dump.err")"; FAILED=1; DP_T=NA DP_C=NA; return 1; }
		t1=$(now_ns)
		if [ "$r" -ge 1 ]; then
			tv="$tv $(secs "$t0" "$t1")"
			[ -x /usr/bin/time ] && cv="$cv $(tail -1 "$WORK/dump.cpu" | awk '{ printf "%.2f", $1 + $2 }')"
		fi
		r=$((r + 1))
	done
	# shellcheck disable=SC2086
	DP_T=$(med $tv)
	# shellcheck disable=SC2086
	DP_C=$( [ -n "$cv" ] && med $cv || echo NA)
	# shellcheck disable=SC2086
	say "    $label: median $DP_T s wall (runs $(spread $tv)), $DP_C s CPU"
}
# per_cpu RECORDS -> records per CPU second, or NA
per_cpu() { awk -v r="$1" -v c="$DP_C" 'BEGIN { if (c == "NA" || c + 0 <= 0) print "NA"; else printf "%.0f", r / c }'; }

dp_ours() {
	d=$WORK/dump
	new_inst "$d" none || return 1
	cmdline jrnkit -I "$d" load -n "$N" -t 100 -k "$N" -v 40 --kill-every 1000 --seed 1
	"$JK" -I "$d" load -n "$N" -t 100 -k "$N" -v 40 --kill-every 1000 --seed 1 >/dev/null 2>&1 ||
	    { say "    load FAILED"; FAILED=1; return 1; }
	files=$(journal_files "$d")
	# shellcheck disable=SC2086
	recs=$("$JD" --verify $files | awk '/records,/ { n += $2 } END { print n + 0 }')
	# shellcheck disable=SC2086
	bytes=$(cat $files | wc -c)
	say "   journal: $(commas "$recs") records, $(calc "$bytes / 1e6" %.1f) MB"
	# shellcheck disable=SC2086
	cat $files >/dev/null
	# The output of the run before is removed inside the timed command, as
	# GT.M's side does: writing over it instead (O_TRUNC) costs the open the
	# freeing of its pages and, on ext4 (auto_da_alloc), the close a flush of
	# the new data, a cost that GT.M's side never pays.
	if dp_time "$RUNS" "select" sh -c "rm -f '$WORK/dump.txt'; exec '$JD' --select -o '$WORK/dump.txt' $files"; then
		DP_SEL=$(calc "$recs / $DP_T" %.0f)
		DP_SEL_C=$(per_cpu "$recs")
		say "    select: $(commas "$DP_SEL") records/s, $(calc "$(wc -c <"$WORK/dump.txt") / 1e6" %.1f) MB of text"
	fi
	rm -f "$WORK/dump.txt"
	# shellcheck disable=SC2086
	if dp_time $((RUNS * 3 + 2)) "stats" "$JD" --stats $files; then
		DP_STATS=$(calc "$recs / $DP_T" %.0f)
		DP_STATS_C=$(per_cpu "$recs")
		say "    stats: $(commas "$DP_STATS") records/s"
	fi
	rm -rf "$d"
}

dp_browser() {
	if [ "${DUMP_1G:-1}" = 0 ]; then say "   browser on 1 GB skipped (DUMP_1G=0)"; return; fi
	d=$WORK/dump1g
	new_inst "$d" none || return 1
	n1g=$((N * 8))
	cmdline jrnkit -I "$d" load -n "$n1g" -t 100 -k "$N" -v 40 --kill-every 1000 --seed 2
	"$JK" -I "$d" load -n "$n1g" -t 100 -k "$N" -v 40 --kill-every 1000 --seed 2 >/dev/null 2>&1 ||
	    { say "    load FAILED"; FAILED=1; rm -rf "$d"; return 1; }
	f=$(journal_files "$d" | head -1)
	DP_1G_SIZE=$(calc "$(stat -c %s "$f") / 1e9" %.2f)
	say "   the first journal file: $DP_1G_SIZE GB$( [ "$(journal_files "$d" | wc -l)" -gt 1 ] && echo ' (the load went on into a second file)')"
	printf 'G -1\n' >"$WORK/end.keys"
	cat "$f" >/dev/null
	if dp_time "$RUNS" "open and page to the end" "$JD" --keys "$WORK/end.keys" "$f"; then
		DP_1G=$DP_T
		"$JD" --keys "$WORK/end.keys" "$f" | tail -3 | sed 's/^/    | /'
	fi
	rm -rf "$d"
}

dp_gtm() {
	if [ "${GTM:-1}" = 0 ]; then DP_GPEER=skipped; say "   GT.M skipped (GTM=0)"; return; fi
	if [ -z "${gtm_dist:-}" ] || [ ! -x "$gtm_dist/mupip" ] || [ ! -x "$PEER_BENCH/gtm_setup.sh" ]; then
		say "   GT.M or the shared peer scripts missing: no peer figure"
		return
	fi
	gd=${GTM_RESTORE_DIR:-$WORK/gtm-dump/before_tp}
	if [ ! -f "$gd/pristine.mjl" ]; then
		gd=$WORK/gtm-dump/before_tp
		mkdir -p "$WORK/gtm-dump/out"
		cmdline "VARIANTS=before_tp OUTDIR=\$WORK/gtm-dump/out $PEER_BENCH/gtm_setup.sh \$WORK/gtm-dump $N"
		VARIANTS=before_tp OUTDIR=$WORK/gtm-dump/out gtm_dist=$gtm_dist \
		    "$PEER_BENCH/gtm_setup.sh" "$WORK/gtm-dump" "$N" >"$WORK/gtm-dump/setup.out" 2>&1 ||
		    { say "    GT.M setup FAILED"; DP_GPEER=failed; return; }
	fi
	grecs=$(awk '$1 ~ /^[*A-Z]+$/ && $2 ~ /^[0-9]+$/ { t += $2 } END { print t + 0 }' "$gd/stats.txt")
	say "   GT.M journal: $(commas "$grecs") records by -show=statistics"
	export gtmgbldir="$gd/g.gld" gtmroutines="$gd $gtm_dist/libgtmutil.so" TZ="${TZ:-:/etc/localtime}" gtm_dist
	unset gtm_tmp
	cp "$gd/pristine.mjl" "$gd/g.mjl" && cat "$gd/g.mjl" >/dev/null
	owd=$(pwd)
	cd "$gd" || return
	if dp_time "$RUNS" "GT.M extract" sh -c "rm -f '$WORK/g.mjf'; exec '$gtm_dist/mupip' journal -extract='$WORK/g.mjf' -forward g.mjl"; then
		DP_G_SEL=$(calc "$grecs / $DP_T" %.0f)
		DP_G_SEL_C=$(per_cpu "$grecs")
		say "    GT.M extract: $(commas "$DP_G_SEL") records/s"
	fi
	rm -f "$WORK/g.mjf"
	if dp_time $((RUNS * 3 + 2)) "GT.M show=statistics" "$gtm_dist/mupip" journal -show=statistics -forward g.mjl; then
		DP_G_STATS=$(calc "$grecs / $DP_T" %.0f)
		DP_G_STATS_C=$(per_cpu "$grecs")
		say "    GT.M show=statistics: $(commas "$DP_G_STATS") records/s"
	fi
	cd "$owd" || return
	DP_GPEER=ok
}

dump_section() {
	say "== 7. dump: jrndump --select and --stats against mupip journal -extract and -show=statistics; the browser on 1 GB"
	if [ ! -x "$JD" ]; then
		say "   no jrndump binary at $JD"
		FAILED=1
		return
	fi
	dp_ours
	dp_gtm
	dp_browser
	DP_SEL_R=$(ratio "$DP_SEL" "$DP_G_SEL")
	DP_STATS_R=$(ratio "$DP_STATS" "$DP_G_STATS")
	say
}

dump_rows() {
	export PEER=$DP_GPEER
	row "jrndump --select records/s (to a file)" "$(num "$DP_SEL")" "$(num "$DP_G_SEL")" "$(rx "$DP_SEL_R")" ">= 3x" "$(judge "$DP_SEL_R" 3)"
	row "  the same per CPU second (user + system)" "$(num "$DP_SEL_C")" "$(num "$DP_G_SEL_C")" \
	    "$(rx "$(ratio "$DP_SEL_C" "$DP_G_SEL_C")")" "-" "info"
	row "jrndump --stats records/s" "$(num "$DP_STATS")" "$(num "$DP_G_STATS")" "$(rx "$DP_STATS_R")" ">= 3x" "$(judge "$DP_STATS_R" 3)"
	row "  the same per CPU second (user + system)" "$(num "$DP_STATS_C")" "$(num "$DP_G_STATS_C")" \
	    "$(rx "$(ratio "$DP_STATS_C" "$DP_G_STATS_C")")" "-" "info"
	row "browser: open $DP_1G_SIZE GB, page to end (s)" "$DP_1G" "-" "-" "< 1 s" \
	    "$(awk -v v="$DP_1G" 'BEGIN { if (v == "NA") print "n/a"; else print (v + 0 < 1 ? "met" : "NOT MET") }')"
}
