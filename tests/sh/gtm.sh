#!/bin/sh
# gtm.sh - GT.M interoperation (jrnkit import-gtm): a GT.M database with
# journaling takes transactions, kills, zkills, $INCREMENT and every byte
# value in values and subscripts; its journal extract is imported as jrnkit
# journal files and restored with jrnresto, and applied directly; both
# databases equal GT.M's mupip extract -format=zwr line for line (after its
# two header lines; jrnkit zwrite writes numbers bare as ZWRITE does, mupip
# extract quotes them: the one difference, undone with sed).  Skipped where
# GT.M is not installed.
set -u
gtm_dist=${gtm_dist:-/usr/lib/x86_64-linux-gnu/fis-gtm/V7.0-005_x86_64}
if [ ! -x "$gtm_dist/mumps" ] || [ ! -x "$gtm_dist/mupip" ]; then
	echo "GT.M is not installed (no $gtm_dist/mumps): skipped"
	exit 77
fi
jk="${JRNKIT_BIN:?}/jrnkit"
resto="${JRNKIT_BIN:?}/jrnresto"
d=$(pwd)
fail() { echo "FAIL: $*"; exit 1; }
export gtm_dist gtmgbldir="$d/g.gld" gtmroutines="$d $gtm_dist/libgtmutil.so" TZ=${TZ:-:/etc/localtime}
unset gtm_tmp gtm_chset ydb_chset

"$gtm_dist/mumps" -run GDE >gde.log 2>&1 <<EOF || fail "GDE: $(cat gde.log)"
change -segment DEFAULT -block_size=4096 -allocation=1000 -file_name="$d/g.dat"
change -region DEFAULT -record_size=4096 -key_size=1019
exit
EOF
"$gtm_dist/mupip" create >>gde.log 2>&1 || fail "mupip create: $(cat gde.log)"
"$gtm_dist/mupip" set -journal="enable,on,before,file=$d/g.mjl" -region DEFAULT >>gde.log 2>&1 ||
	fail "mupip set -journal: $(cat gde.log)"

cat >work.m <<'EOF'
work	; a workload for gtm.sh
	new i,all,x
	set all="" for i=0:1:255 set all=all_$char(i)
	for i=0:1:255 set ^V(i)=$char(i),^S($char(i))=i,^S($char(i),"v")="a"_$char(i)_"b"
	set ^ALL=all,^ALL(all)=all,^ALL(1,all,-2.5)="x"
	tstart ()
	set ^T(1)=1,^T(2)="two",^T("a b","q""uote")=$char(0,10,13,255)
	kill ^V(5)
	zkill ^S($char(7))
	tcommit
	tstart ()
	set ^T(99)="rolled back"
	trollback
	tstart ()
	set ^T(3)=3
	tstart ()
	set ^T(4)=4
	tcommit
	tcommit
	set x=$increment(^CNT,5),x=$increment(^CNT,-1.25)
	set ^K(1)=1,^K(1,2)=2,^K(1,2,3)=3,^K(2)=2
	kill ^K(1,2)
	zkill ^K(2)
	set ^N(-1.5)=.5,^N("01")=1E3,^N(1E20)=-0.001
	kill ^S($char(200))
	quit
EOF
"$gtm_dist/mumps" -run work >work.out 2>&1 || fail "the GT.M workload: $(cat work.out)"
"$gtm_dist/mupip" journal -extract=x.mjf -forward g.mjl >extract.log 2>&1 ||
	fail "mupip journal -extract: $(cat extract.log)"
"$gtm_dist/mupip" extract -format=zwr gtm.zwr >mext.log 2>&1 || fail "mupip extract: $(cat mext.log)"
tail -n +3 gtm.zwr >want.zwr
head -1 x.mjf | grep -q '^GDSJEX07$' || fail "extract label: $(head -1 x.mjf)"

# jrnkit: an instance, an empty target, the extract imported as journal files
"$jk" init "$d/inst" >/dev/null || fail "init"
export JRNKIT_HOME="$d/inst"
"$jk" db create "$d/tgt" >/dev/null || fail "db create"
mkdir jdir
out=$("$jk" import-gtm --db "$d/tgt" -o "$d/jdir" x.mjf) || fail "import-gtm: $out"
case $out in *"TSTART"*"trigger records"*"Journal file written: $d/jdir/"*) ;; *) fail "import-gtm said: $out" ;; esac
"$jk" verify "$d"/jdir/* >verify.out || fail "the journal written does not verify: $(cat verify.out)"
"$resto" -q --journal-dir "$d/jdir" --all >resto.out 2>&1 || fail "jrnresto: $(cat resto.out)"

# bare numbers quoted as mupip extract quotes them: a value is the text after the
# last '=' only when the line ends in a number (a string value ends in " or ))
quote() { sed -E 's/=(-?[0-9]*\.?[0-9]+(E-?[0-9]+)?)$/="\1"/'; }
"$jk" -d "$d/tgt" zwrite | quote >got.zwr
cmp -s want.zwr got.zwr || { diff want.zwr got.zwr | head -20; fail "restored database differs from GT.M's"; }
[ "$(wc -l <got.zwr)" -gt 700 ] || fail "too few nodes: $(wc -l <got.zwr)"

# --apply: straight from the extract, journaled, and again without journaling
"$jk" db create "$d/t2" >/dev/null && "$jk" db create "$d/t3" >/dev/null || fail "db create"
"$jk" -d "$d/t2" import-gtm --apply x.mjf >apply.out || fail "import-gtm --apply: $(cat apply.out)"
"$jk" -d "$d/t2" zwrite | quote | cmp -s want.zwr - || fail "applied database differs from GT.M's"
"$jk" -d "$d/t3" import-gtm --apply --no-journal x.mjf >apply3.out || fail "--no-journal: $(cat apply3.out)"
"$jk" -d "$d/t3" zwrite | quote | cmp -s want.zwr - || fail "--no-journal database differs from GT.M's"

# $H converted: the imported records carry this hour (UTC), seen through convert
"$jk" convert --journal-dir "$d/jdir" -o conv.txt >/dev/null || fail "convert of the imported journal"
t=$(sed -n 's/^SET \([^ ]*\) .*/\1/p' conv.txt | head -1)
now=$(date -u +%s); then=$(date -u -d "$t" +%s) || fail "bad time $t"
[ $((now - then)) -ge 0 ] && [ $((now - then)) -lt 600 ] || fail "imported time $t is not now ($(date -u))"

# trigger records are skipped and counted; a broken extract line is named
{ head -1 x.mjf; printf '%s\n' '13\67895,12282\14\25211\0\0\0\0\1\+^T(acn=1) -commands=S -xecute="do ^X"'
  sed -n '2,$p' x.mjf; } >trig.mjf
out=$("$jk" -d "$d/t2" import-gtm --apply --dry-run trig.mjf) || fail "dry run: $out"
case $out in *" 1 trigger records"*"Nothing was written"*) ;; *) fail "trigger not counted: $out" ;; esac
{ head -3 x.mjf; printf '%s\n' '05\67895,12282\9\25211\0\0\0\0\0\0\^A(1'; } >bad.mjf
out=$("$jk" -d "$d/t2" import-gtm --apply bad.mjf 2>&1) && fail "a bad line was accepted"
case $out in *"bad.mjf:4:"*) ;; *) fail "the bad line is not named: $out" ;; esac
exit 0
