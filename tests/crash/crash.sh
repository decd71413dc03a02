#!/bin/sh
# crash.sh - the crash tests: writers killed with SIGKILL at random moments,
# then recovery, then a check against an oracle that knows nothing of the
# journal: the load generator's own log of acknowledged commits
# (jrnkit load --log, checked by crashcheck; see tests/crash/crashcheck.c).
#
# Each iteration starts `jrnkit load` with 3 processes on an instance,
# each writing its own global (^iNpK for iteration N, process K) in units
# of 1, 3 or 7 updates (kills among them), and kills every process at a
# random moment after 5-45 ms.  Then the instance is recovered, by
# `jrnkit recover` or by the next program that opens it (a read), and
# crashcheck compares each global with its process's log: exactly the
# acknowledged units, or those and the one being committed -- in every
# iteration so far on that instance, so a recovery that disturbs older
# data is caught too.  After the check, running (state/running) must be
# gone and the report must say every database was recovered.
#
# Besides the load, one iteration in five also kills a loop of `jrnkit
# switch` and `jrnkit checkpoint` (small max_size and checkpoint_bytes make
# the load switch and checkpoint by itself too), and one in ten kills a
# `jrnresto --redirect` of the whole journal into an empty database, runs
# it again to the end and compares it with the live database (zwrite).
# One in ten also kills a loop of `jrnkit backup` (at 5-105 ms, so at
# any stage of a backup: the flush, writes locked, the switch and marker,
# the snapshots, the copies, the history); after recovery writes must not
# be locked (`jrnkit locked`; the next iteration's load writes too), every
# backup state/backups names must be whole (its manifest, and each copy a
# database `jrnkit db check` passes), and the database is checked as
# always.  A killed backup's directory may stay in the target (a copy
# killed half way), named by no history line.
#
# Instances last 10 iterations, each with a commit mode in turn (sync,
# group, none).
#
#   CRASH_ITER=N    iterations (default 200; make crash-long: 1000)
#   CRASH_SEED=S    the random sequence (default: from the clock, printed)
#   CRASH_KEEP=1    keep the directory (printed) after a failure
set -u
bin=${JRNKIT_BIN:?}
chk=$bin/../tests/crashcheck
[ -x "$chk" ] || { echo "crash.sh: no $chk (make all builds it)"; exit 1; }
iter=${CRASH_ITER:-200}
seed=${CRASH_SEED:-$(date +%s)}
base=$(mktemp -d "${TMPDIR:-/tmp}/crash.XXXXXX") && base=$(cd "$base" && pwd -P) || exit 1
keep=${CRASH_KEEP:-}
cleanup() { if [ -n "$keep" ] && [ "${failed:-0}" -ne 0 ]; then echo "kept $base"; else rm -rf "$base"; fi; }
trap cleanup EXIT
unset JRNKIT_HOME
echo "crash.sh: $iter iterations, CRASH_SEED=$seed"

# A small linear congruential generator, so a seed replays the same choices.
rnd=$seed
rand() { rnd=$(( (rnd * 1103515245 + 12345) % 2147483648 )); r=$(( rnd / 65536 % $1 )); }

failed=0
fail() { echo "FAIL (iteration $i, seed $seed): $*"; failed=1; }

# Kill a process and all below it, by their ids: each is stopped first (so
# it starts no more children), then all are killed at once.
stop_tree() {
	kill -STOP "$1" 2>/dev/null
	# kill returns before the process has stopped: it could still fork
	while [ -d /proc/$1 ] && ! grep -q '^State:[[:space:]]*[TZ]' /proc/$1/status 2>/dev/null; do
		sleep 0.001
	done
	all="$all $1"
	for c in $(ps -o pid= --ppid "$1" 2>/dev/null); do
		stop_tree "$c"
	done
}
kill_tree() {
	all=""
	stop_tree "$1"
	kill -9 $all 2>/dev/null
	wait "$1" 2>/dev/null
	# until its files (and so its locks) are closed: a zombie whose other
	# threads (the group-commit syncer) are still going has them open
	for c in $all; do
		while [ -n "$(ls /proc/$c/fd 2>/dev/null)" ]; do
			sleep 0.001
		done
	done
}

jk() { "$bin/jrnkit" -I "$I" "$@"; }

i=0
while [ $i -lt "$iter" ]; do
	if [ $((i % 10)) -eq 0 ]; then
		I=$base/r$i/inst
		mkdir -p "$base/r$i"
		"$bin/jrnkit" init "$I" >/dev/null || { fail "init"; break; }
		round=$((i / 10 % 3))
		mode=$(echo "sync group none" | cut -d' ' -f$((round + 1)))
		jk options commit=$mode max_size=256K >/dev/null || { fail "options"; break; }
		sed -i -e 's/^checkpoint_bytes: .*/checkpoint_bytes: 64K/' -e 's/^checkpoint_secs: .*/checkpoint_secs: 1/' \
			"$I/jrnkit.yaml"
		logs=""
	fi
	L=$base/r$((i / 10 * 10))/log$i
	g=i${i}p
	mkdir -p "$L"
	logs="$logs $L=$g"
	rand 3; t=$(echo "1 3 7" | cut -d' ' -f$((r + 1)))
	rand 40; ms=$((r + 5))
	kind=load
	[ $((i % 5)) -eq 3 ] && kind=switch
	[ $((i % 10)) -eq 9 ] && kind=restore
	[ $((i % 10)) -eq 6 ] && kind=backup
	[ $kind = backup ] && { rand 100; ms=$((r + 5)); }
	jk load -n 1000000 -p 3 -t "$t" -k 40 -v 6 --kill-every 5 -g "$g" --log "$L" >/dev/null 2>&1 &
	lp=$!
	if [ $kind = switch ]; then
		( while :; do jk switch; jk checkpoint; done ) >/dev/null 2>&1 &
		sp=$!
	elif [ $kind = backup ]; then
		B=$base/r$((i / 10 * 10))/backups
		mkdir -p "$B"
		( while :; do jk backup --to "$B"; done ) >/dev/null 2>&1 &
		sp=$!
	fi
	sleep "$(printf 0.%03d $ms)"
	kill_tree $lp
	[ $kind != load ] && [ $kind != restore ] && kill_tree $sp

	# recovery: on demand, or by the next program that opens the instance.
	# A killed process can hold its files a moment after it is seen dead
	# (ps and /proc lag its last thread): recovery then finds the instance
	# in use (recover) or in use by someone (the read) and is tried again,
	# for 2 s at most.
	tries=0
	while :; do
		if [ $((i % 2)) -eq 0 ]; then
			out=$(jk recover 2>&1) && break
			case $out in *"other processes have the instance"*) ;; *) fail "jrnkit recover: $out"; break 2;; esac
		else
			out=$(jk get '^nothing' 2>&1)
			[ "$out" = "jrnkit: ^nothing: undefined" ] || echo "$out"
			[ -e "$I/state/running" ] || break
		fi
		tries=$((tries + 1))
		[ $tries -ge 200 ] && break
		sleep 0.01
	done
	if [ $tries -ge 200 ] && [ $((i % 2)) -eq 0 ]; then
		fail "jrnkit recover: $out"
		for f in /proc/[0-9]*/fd/*; do
			case $(readlink "$f" 2>/dev/null) in "$I"/*) echo "open: $f: $(tr '\0' ' ' <"${f%/fd/*}/cmdline")";; esac
		done
		break
	fi
	if [ -e "$I/state/running" ]; then
		fail "state/running is still there after recovery"
		tail -3 "$I/state/recovery.log"; cat "$I/state/startup-errors.yaml" 2>/dev/null
		echo "running: $(cat "$I/state/running")"
		for f in /proc/[0-9]*/fd/*; do
			case $(readlink "$f" 2>/dev/null) in "$I"/*) echo "open: $f: $(tr '\0' ' ' <"${f%/fd/*}/cmdline")";; esac
		done
		break
	fi
	if grep -q 'status: \(not recovered\|dismounted\)' "$I/state/recovery.yaml" 2>/dev/null; then
		fail "a database was not recovered:"; cat "$I/state/recovery.yaml"; break
	fi
	if [ -e "$I/state/startup-errors.yaml" ]; then fail "errors recorded:"; cat "$I/state/startup-errors.yaml"; break; fi
	# shellcheck disable=SC2086
	out=$("$chk" "$I/db/user" x $logs 2>&1) || { fail "the database is not the committed prefix:"; echo "$out"; break; }

	if [ $kind = backup ]; then
		out=$(jk locked 2>&1)
		[ "$out" = "Writes are not locked" ] || { fail "after a killed backup: $out"; break; }
		if [ -e "$I/state/backups" ]; then
			# backup NAME TYPE TIME_US MARKER_OFFSET MARKER_PATH DIR BYTES LOCKED_US N (SOURCE COPY)...
			bad=$(awk -F'\t' '$1 == "backup" { print $7; for (k = 0; k < $10; k++) print $(12 + 2 * k) }' \
			    "$I/state/backups" | while read -r p; do
				case $p in
				*/db[0-9]*/) "$bin/jrnkit" db check "$p" >/dev/null 2>&1 || echo "copy $p";;
				*) [ -f "${p}manifest" ] || echo "no manifest in $p";;
				esac
			done)
			[ -z "$bad" ] || { fail "a backup in state/backups is not whole: $bad"; cat "$I/state/backups"; break; }
		fi
	fi
	if [ $kind = restore ]; then
		T=$base/r$((i / 10 * 10))/target$i
		"$bin/jrnkit" db create "$T" >/dev/null || { fail "db create"; break; }
		"$bin/jrnresto" -I "$I" -q --rollback --redirect "$I/db/user=$T" >/dev/null 2>&1 &
		rp=$!
		rand 30; sleep "0.0$(printf %02d $((r + 1)))"
		kill_tree $rp
		jk get '^nothing' >/dev/null 2>&1
		out=$("$bin/jrnresto" -I "$I" -q --rollback --redirect "$I/db/user=$T" 2>&1) ||
			{ fail "jrnresto again: $out"; break; }
		jk zwrite >"$T.live" 2>&1
		jk -d "$T" zwrite >"$T.restored" 2>&1
		cmp -s "$T.live" "$T.restored" || { fail "restore after a killed restore differs from the live database"; diff "$T.live" "$T.restored" | head -5; break; }
	fi
	i=$((i + 1))
done
[ $failed -eq 0 ] && echo "crash.sh: $i iterations passed"
exit $failed
