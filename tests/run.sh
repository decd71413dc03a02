#!/bin/sh
# run.sh TEST... - run the cmocka binaries given, then every tests/sh/*.sh,
# and close with one line "check: N passed, N failed, N skipped".
# A shell test passes with exit 0, is skipped with exit 77 (it prints why).
# Each test runs in its own temporary directory (TMPDIR), removed after.
pass=0 fail=0 skip=0 failed=""
top=${JRNKIT_SRC:-$(pwd)}
base=$(mktemp -d "${TMPDIR:-/tmp}/jrnkit-check.XXXXXX") || exit 1
trap 'rm -rf "$base"' EXIT
for t in "$@"; do
	name=$(basename "$t")
	d="$base/$name"; mkdir -p "$d"
	out="$d.out"
	if (cd "$d" && TMPDIR="$d" "$t") >"$out" 2>&1; then rc=0; else rc=$?; fi
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$out" | tail -1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$out" | tail -1)
	s=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' "$out" | tail -1)
	pass=$((pass + ${p:-0})); fail=$((fail + ${f:-0})); skip=$((skip + ${s:-0}))
	if [ "$rc" -ne 0 ] || [ -n "$f" ] || [ -z "$p" ]; then
		[ -z "$f" ] && fail=$((fail + 1))
		failed="$failed $name"
		echo "FAIL $name (exit $rc)"; cat "$out"
	else
		echo "ok   $name: ${p} passed${s:+, $s skipped}"
		grep -h '^# ' "$out" | sed 's/^/     /'
	fi
done
for t in "$top"/tests/sh/*.sh; do
	[ -f "$t" ] || continue
	name=$(basename "$t" .sh)
	d="$base/sh-$name"; mkdir -p "$d"
	if (cd "$d" && TMPDIR="$d" sh "$t") >"$d.out" 2>&1; then rc=0; else rc=$?; fi
	case $rc in
	0) pass=$((pass + 1)); echo "ok   $name" ;;
	77) skip=$((skip + 1)); echo "skip $name: $(tail -1 "$d.out")" ;;
	*) fail=$((fail + 1)); failed="$failed $name"; echo "FAIL $name (exit $rc)"; cat "$d.out" ;;
	esac
done
[ -n "$failed" ] && echo "failed:$failed"
echo "check: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
