#!/bin/sh
# demo.sh DIR - build the demo instance used by `make run`, unless DIR already
# holds one: three databases, journals spanning several files, transactions,
# kills, markers, an alternate journal directory.  And, unless DIR/cluster
# holds one, a demo cluster (cluster_demo below).  JRNKIT_BIN names the
# directory of the programs.
set -e
dir=$1
jk="${JRNKIT_BIN:?}/jrnkit -I $dir"

# A 3-member cluster in DIR/cluster: members m0 m1 m2 writing one database
# db/ at once (load --members), a cluster-wide marker, a backup by m0 (its
# marker cluster-wide too), more writes; every member stops, and m0 and m1
# begin a second session with writes of their own and another marker.
# jrnresto -I DIR/cluster/m0 -c restores it (the CLUMENU).
cluster_demo() {
	c=$1
	k=${JRNKIT_BIN}/jrnkit
	echo "Building the demo cluster in $c"
	mkdir -p "$c/backup"
	$k cluster init "$c/clu" >/dev/null
	for n in 0 1 2; do $k init --cluster "$c/clu" --csn $n "$c/m$n" >/dev/null; done
	$k -I "$c/m0" db create "$c/db" >/dev/null
	$k -I "$c/m0" -d "$c/db" load --members -n 3000 -t 10 -k 500 -g Orders >/dev/null
	$k -I "$c/m1" mark --cluster 1 'end of day' >/dev/null
	$k -I "$c/m0" backup --to "$c/backup" >/dev/null
	$k -I "$c/m2" -d "$c/db" load --members -n 600 -t 5 -k 500 -g Orders --seed 2 >/dev/null
	for n in 0 1 2; do $k -I "$c/m$n" stop >/dev/null; done
	$k -I "$c/m0" start >/dev/null
	$k -I "$c/m1" start >/dev/null
	$k -I "$c/m0" -d "$c/db" load -n 500 -t 10 -k 200 -g Stock >/dev/null
	$k -I "$c/m1" -d "$c/db" load -n 500 -t 0 -k 200 -g Stock --seed 3 >/dev/null
	$k -I "$c/m0" mark --cluster 2 'second session' >/dev/null
}
[ -d "$dir/cluster" ] || [ ! -f "$dir/jrnkit.yaml" ] || cluster_demo "$dir/cluster"
[ -f "$dir/jrnkit.yaml" ] && exit 0
echo "Building the demo instance in $dir"
$jk init "$dir" >/dev/null 2>&1 || ${JRNKIT_BIN}/jrnkit init "$dir" >/dev/null
$jk db create "$dir/db/acct" >/dev/null
$jk db create "$dir/db/tmp" >/dev/null
mkdir -p "$dir/journal2"
$jk options alternate_dir="$dir/journal2" >/dev/null
$jk -d "$dir/db/acct" exec - <<'M'
# accounts, each opened in a transaction
tstart
set ^Acct(1042,"bal")=1500.25
set ^Acct(1042,"name")="Ada Lovelace"
set ^Acct(1042,"opened")=20261119
tcommit
tstart
set ^Acct(1043,"bal")=99
set ^Acct(1043,"name")="Grace Hopper"
set ^Acct(1043,"note")="line one"_$C(10)_"line two"
tcommit
mark 1 accounts opened
M
$jk switch >/dev/null
$jk -d "$dir/db/acct" exec - <<'M'
tstart
incr ^Acct(1042,"bal")=-250.25
incr ^Acct(1043,"bal")=250.25
set ^Xfer(1)="1042->1043 250.25"
tcommit
set ^Acct(77,"bal")=0
kill ^Acct(77)
tstart
set ^Acct(1044,"bal")=10
trollback
mark 2 transfers done
M
$jk -d "$dir/db/tmp" load -n 5000 -t 100 -k 2000 -g Scratch >/dev/null
$jk switch >/dev/null
$jk load -n 2000 -t 10 -k 500 -g Audit --seed 7 >/dev/null
$jk -d "$dir/db/acct" exec - <<'M'
set ^Acct(1042,"last")="after the last switch"
zkill ^Acct(1043,"note")
M
cluster_demo "$dir/cluster"
