#!/bin/bash
# run.sh - make check-slurm: contrib/slurm/thumper-array.sbatch under a
# real Slurm (README "Many machines: Slurm and Kubernetes").
#
#   tests/slurm/run.sh --srcdir DIR --builddir DIR
#
# Starts a private single-node cluster as root in a temporary folder:
# munged on its own key and socket, slurmctld and slurmd in the
# foreground on a slurm.conf naming that folder for every state, spool,
# log and pid file, on two free ports, with this machine's node line from
# `slurmd -C`.  Then `sbatch --wait --array=5-7` runs the script over a
# tree of real images (one corrupt), so SLURM_ARRAY_TASK_MIN is 5, and
# checks that the three tasks were shards 1/3, 2/3 and 3/3, that their
# DEST equals an unsharded run's byte for byte, and that the task holding
# the corrupt file alone exited 1.  Every daemon it started is stopped by
# its pid (TERM, a bounded wait, then KILL), and the folder removed, also
# on failure or interrupt.
#
# TAP on stdout; the last line is "check-slurm: N passed, N failed".
# Skips (never passes) without root or without slurm-wlm and munge.
# Exit status 0 only if nothing failed.
set -u

srcdir= builddir=
while [ $# -gt 0 ]; do
	case $1 in
	--srcdir) srcdir=$2; shift 2 ;;
	--builddir) builddir=$2; shift 2 ;;
	*) echo "usage: $0 --srcdir DIR --builddir DIR" >&2; exit 2 ;;
	esac
done
[ -n "$srcdir" ] && [ -n "$builddir" ] ||
	{ echo "usage: $0 --srcdir DIR --builddir DIR" >&2; exit 2; }
name=check-slurm

skip_all() { echo "1..0 # SKIP $1"; echo "$name: 0 passed, 0 failed (skipped: $1)"; exit 0; }
[ "$(id -u)" -eq 0 ] || skip_all "needs root (slurmd runs jobs as their user; munged and slurmctld as root here)"
for tool in slurmctld:slurmctld slurmd:slurmd sbatch:slurm-client \
	scontrol:slurm-client sinfo:slurm-client munged:munge munge:munge; do
	command -v "${tool%%:*}" >/dev/null 2>&1 ||
		skip_all "${tool%%:*} is missing (Debian package ${tool#*:}; slurm-wlm installs them all)"
done

export THUMPER=$builddir/thumper THUMPER_WORKER=$builddir/thumper-worker
# lib.sh: TAP, mkimg, wait_for (bounded polls), bg_track and at_exit; its
# EXIT trap removes $TESTROOT and kills what is still tracked.
# shellcheck source=../integration/lib.sh
. "$srcdir/tests/integration/lib.sh"
trap 'exit 1' INT TERM HUP

T=$TESTROOT/slurm
export SLURM_CONF=$T/slurm.conf
unset SLURM_ARRAY_TASK_ID SLURM_ARRAY_TASK_MIN SLURM_ARRAY_TASK_COUNT \
	SLURM_JOB_ID JOB_COMPLETION_INDEX THUMPER_SHARD_COUNT

finish() {
	echo "1..$TAP_N"
	echo "$name: $((TAP_N - TAP_FAILED)) passed, $TAP_FAILED failed"
	[ "$TAP_FAILED" -eq 0 ]
	exit
}
# bail DESC [DIAG...]: a failure that makes the rest pointless, with the
# daemons' logs.
bail() {
	local f
	fail "$@"
	for f in "$T"/*.log; do
		[ -s "$f" ] && { diag "${f##*/} (tail):"; tail -n 15 "$f" | sed 's/^/#   /'; }
	done
	finish
}

# stop_daemon PID: TERM, up to 15 s to exit, then KILL; reaped either way.
stop_daemon() {
	kill -TERM "$1" 2>/dev/null
	wait_for 15 eval "! pid_alive $1" || kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	bg_untrack "$1"
}
DAEMONS=()
# The daemons in the reverse order of their start.
stop_all() {
	local i
	for ((i = ${#DAEMONS[@]} - 1; i >= 0; i--)); do
		stop_daemon "${DAEMONS[$i]}"
	done
	DAEMONS=()
}
at_exit stop_all

# start NAME CMD...: CMD in the background, its output in $T/NAME.out.
start() {
	local n=$1
	shift
	"$@" >"$T/$n.out" 2>&1 </dev/null &
	DAEMONS+=($!)
	bg_track $!
}

# free_port: a TCP port nothing listens on now.
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

munge_up() { munge -n -S "$T/munge/munge.socket" 2>/dev/null | unmunge -S "$T/munge/munge.socket" >/dev/null 2>&1; }
ctld_up() { scontrol ping 2>/dev/null | grep -q 'is UP'; }
node_idle() { [ "$(sinfo -h -n localhost -o %t 2>/dev/null)" = idle ]; }

start_cluster() {
	local p1 p2 node
	mkdir -p "$T/munge" "$T/state" "$T/spool"
	chmod 0711 "$T/munge"
	head -c 1024 /dev/urandom >"$T/munge/munge.key"
	chmod 0400 "$T/munge/munge.key"
	start munged munged -F -f -S "$T/munge/munge.socket" --key-file="$T/munge/munge.key" \
		--pid-file="$T/munge/munged.pid" --log-file="$T/munged.log" \
		--seed-file="$T/munge/munged.seed"
	wait_for 20 munge_up || bail "munged answers on its own socket"
	pass "munged answers on its own socket"

	p1=$(free_port)
	p2=$(free_port)
	while [ "$p2" = "$p1" ]; do p2=$(free_port); done
	node=$(slurmd -C | sed -n 's/^NodeName=[^ ]*/NodeName=localhost/p')
	: >"$T/plugstack.conf"
	cat >"$SLURM_CONF" <<EOF
ClusterName=thumpertest
SlurmctldHost=localhost
SlurmctldPort=$p1
SlurmdPort=$p2
SlurmUser=root
AuthType=auth/munge
AuthInfo=socket=$T/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldLogFile=$T/slurmctld.log
SlurmdLogFile=$T/slurmd.log
PlugStackConfig=$T/plugstack.conf
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
ReturnToService=2
$node
PartitionName=test Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
	start slurmctld slurmctld -D -f "$SLURM_CONF"
	wait_for 30 ctld_up || bail "slurmctld is up (scontrol ping)"
	start slurmd slurmd -D -N localhost -f "$SLURM_CONF"
	wait_for 30 node_idle || bail "the node is idle (sinfo)"
	pass "slurmctld and slurmd up, node localhost idle ($(echo "$node" | grep -o 'CPUs=[0-9]*'))"
}

# make_tree SRC: 24 real images in nested folders and a truncated JPEG.
make_tree() {
	local i sz
	for i in $(seq 1 24); do mkimg "$1/$((i % 4))/$((i % 3))/img$i.jpg" 200 150; done
	mkimg "$1/whole.jpg" 200 150
	sz=$(stat -c %s "$1/whole.jpg")
	head -c $((sz / 2)) "$1/whole.jpg" >"$1/2/broken.jpg"
	rm "$1/whole.jpg"
}

t_array_5_to_7() {
	local d=$TESTROOT/tree job rc id out shards= codes= broken=
	make_tree "$d/src"
	LAST_CMD=
	timeout -k 5 60 "$THUMPER" -j 2 "$d/src" "$d/whole" >/dev/null 2>&1
	LAST_CMD="sbatch --wait --array=5-7 thumper-array.sbatch"
	# the script's defaults ask for 4 CPUs; this node may have fewer
	timeout -k 5 90 sbatch --wait --parsable --array=5-7 --cpus-per-task=1 \
		--output="$T/task-%a.out" "$srcdir/contrib/slurm/thumper-array.sbatch" \
		"$d/src" "$d/dest" >"$T/sbatch.out" 2>"$T/sbatch.err"
	rc=$?
	job=$(head -n 1 "$T/sbatch.out" | cut -d';' -f1)
	if [ "$rc" = 124 ] || [ -z "$job" ]; then
		bail "sbatch --wait --array=5-7 ran the job" "exit $rc: $(cat "$T/sbatch.err")"
	fi
	expect_eq "sbatch --wait exits with the highest task status (1: one image is corrupt)" "$rc" 1
	for id in 5 6 7; do
		out=$T/task-$id.out
		shards="$shards $(grep -o 'shard [0-9]*/[0-9]*' "$out" 2>/dev/null | tail -n 1)"
		codes="$codes $(scontrol -o show job "${job}_$id" 2>/dev/null | grep -o ' ExitCode=[0-9:]*' | cut -d= -f2)"
		grep -q 'broken.jpg' "$out" 2>/dev/null && broken="$broken $id"
	done
	expect_eq "tasks 5, 6, 7 ran as shards 1/3, 2/3, 3/3 (SLURM_ARRAY_TASK_MIN=5)" "$shards" \
		" shard 1/3 shard 2/3 shard 3/3"
	if [ "$(echo $codes | tr ' ' '\n' | sort | tr '\n' ' ')" = "0:0 0:0 1:0 " ] &&
		[ "$(echo $broken | wc -w)" = 1 ]; then
		pass "the task whose shard holds the corrupt file alone exits 1 and names it"
	else
		fail "the task whose shard holds the corrupt file alone exits 1 and names it" \
			"exit codes:$codes; outputs naming broken.jpg:$broken"
	fi
	if diff -r "$d/whole" "$d/dest" >"$T/diff" 2>&1 && [ -z "$(hidden_in "$d/dest")" ]; then
		pass "the array's DEST equals the unsharded run byte for byte, no temporaries"
	else
		fail "the array's DEST equals the unsharded run byte for byte, no temporaries" \
			"$(head -n 5 "$T/diff")" "$(hidden_in "$d/dest")"
	fi
	[ "$TAP_FAILED" -eq 0 ] || for id in 5 6 7; do
		diag "task $id output:"
		sed 's/^/#   /' "$T/task-$id.out" 2>/dev/null
	done
}

t_daemons_stop() {
	local pids=("${DAEMONS[@]}") p left=
	stop_all
	for p in "${pids[@]}"; do pid_alive "$p" && left="$left $p"; done
	expect_eq "munged, slurmctld and slurmd stop on TERM, by pid" "$left" ""
}

start_cluster
t_array_5_to_7
t_daemons_stop
finish
