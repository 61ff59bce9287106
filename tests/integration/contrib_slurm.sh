#!/bin/bash
# contrib/slurm/thumper-array.sbatch without a cluster (README "Many
# machines"; `make check-slurm` runs it under a real Slurm): a batch
# script is a bash script, so it runs here with the variables Slurm sets
# for the tasks of `sbatch --array=5-7`.  A stand-in thumper shows the
# command line it builds (-j from SLURM_CPUS_PER_TASK, the options passed
# through, $THUMPER before PATH) and that it exits with thumper's status;
# the real thumper shows that the three tasks add up to the unsharded run.
. "$(dirname "$0")/lib.sh"

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
SBATCH=$top_srcdir/contrib/slurm/thumper-array.sbatch
unset SLURM_ARRAY_TASK_ID SLURM_ARRAY_TASK_MIN SLURM_ARRAY_TASK_MAX \
	SLURM_ARRAY_TASK_COUNT SLURM_ARRAY_TASK_STEP SLURM_ARRAY_JOB_ID \
	SLURM_CPUS_PER_TASK JOB_COMPLETION_INDEX THUMPER_SHARD_COUNT

# task ID [VAR=VALUE...] -- ARGS: runs the script as task ID of an array
# 5-7, with the extra variables (and THUMPER only when one of them);
# RC, $OUT, $ERR as run_thumper.
task() {
	local id=$1
	shift
	local vars=()
	while [ "$1" != -- ]; do vars+=("$1"); shift; done
	shift
	LAST_CMD="task $id ${vars[*]} thumper-array.sbatch $*"
	env -u THUMPER SLURM_ARRAY_JOB_ID=4242 SLURM_ARRAY_TASK_ID="$id" SLURM_ARRAY_TASK_MIN=5 \
		SLURM_ARRAY_TASK_MAX=7 SLURM_ARRAY_TASK_COUNT=3 SLURM_ARRAY_TASK_STEP=1 \
		"${vars[@]}" timeout -k 5 "$THUMPER_TEST_TIMEOUT" bash "$SBATCH" "$@" \
		>"$OUT" 2>"$ERR" </dev/null
	RC=$?
}

# stub DIR: DIR/thumper, which writes its arguments and the shard
# variables it was given to DIR/argv and exits $STUB_RC.
stub() {
	mkdir -p "$1"
	cat >"$1/thumper" <<EOF
#!/bin/sh
echo "\$* | \$SLURM_ARRAY_TASK_ID \$SLURM_ARRAY_TASK_MIN \$SLURM_ARRAY_TASK_COUNT" >"$1/argv"
exit \${STUB_RC:-0}
EOF
	chmod +x "$1/thumper"
}

t_command_line() {
	local d
	d=$(newdir)
	stub "$d/bin"
	task 6 THUMPER="$d/bin/thumper" SLURM_CPUS_PER_TASK=3 -- -s 100x100 --force "$d/src" "$d/dest"
	expect_eq "-j from SLURM_CPUS_PER_TASK, --shard env, options and folders passed through, the array's variables kept" \
		"$RC $(cat "$d/bin/argv" 2>/dev/null)" "0 --shard env -j 3 -s 100x100 --force $d/src $d/dest | 6 5 3"
	task 5 THUMPER="$d/bin/thumper" -- "$d/src" "$d/dest"
	expect_eq "without --cpus-per-task: -j is what the task may run on (nproc)" \
		"$(cat "$d/bin/argv" 2>/dev/null)" "--shard env -j $(nproc) $d/src $d/dest | 5 5 3"
	task 7 THUMPER="$d/bin/thumper" STUB_RC=1 -- "$d/src" "$d/dest"
	expect_rc "the task exits with thumper's status (1)" 1
	task 7 THUMPER="$d/bin/thumper" STUB_RC=2 -- "$d/src" "$d/dest"
	expect_rc "the task exits with thumper's status (2)" 2
	rm -f "$d/bin/argv"
	task 5 PATH="$d/bin:$PATH" -- "$d/src" "$d/dest"
	expect_eq "without THUMPER, thumper is found on PATH" \
		"$RC $(cut -d' ' -f1-2 "$d/bin/argv" 2>/dev/null)" "0 --shard env"
	task 5 THUMPER="$d/nowhere/thumper" -- "$d/src" "$d/dest"
	if [ "$RC" = 2 ] && grep -q THUMPER "$ERR"; then
		pass "THUMPER naming no program: exit 2, saying so"
	else
		fail "THUMPER naming no program: exit 2, saying so"
	fi
	task 5 THUMPER="$d/bin/thumper" -- "$d/src"
	if [ "$RC" = 2 ] && grep -q 'usage: sbatch --array' "$ERR"; then
		pass "one folder only: exit 2 with the usage"
	else
		fail "one folder only: exit 2 with the usage"
	fi
}

t_sbatch_defaults() {
	expect_eq "#SBATCH defaults: an array 0-15, CPUs per task, memory, time, one output per task" \
		"$(grep -o '^#SBATCH --[a-z-]*' "$SBATCH" | cut -d' ' -f2 | sort | tr '\n' ' ')" \
		"--array --cpus-per-task --job-name --mem-per-cpu --output --time "
	check "the script is valid bash" bash -n "$SBATCH"
}

t_tasks_add_up() {
	local d id sz rcs= shards=
	d=$(newdir)
	for id in $(seq 1 12); do mkimg "$d/src/$((id % 3))/img$id.jpg" 160 120; done
	mkimg "$d/src/whole.jpg" 160 120
	sz=$(stat -c %s "$d/src/whole.jpg")
	head -c $((sz / 2)) "$d/src/whole.jpg" >"$d/src/1/broken.jpg"
	rm "$d/src/whole.jpg"
	run_thumper -j 2 "$d/src" "$d/whole"
	for id in 5 6 7; do
		task "$id" THUMPER="$THUMPER" SLURM_CPUS_PER_TASK=1 -- "$d/src" "$d/dest"
		rcs="$rcs$RC"
		shards="$shards $(grep -o 'shard [0-9]*/[0-9]*' "$ERR" | tail -n 1)"
	done
	expect_eq "tasks 5, 6, 7 of --array=5-7 are shards 1/3, 2/3, 3/3" "$shards" \
		" shard 1/3 shard 2/3 shard 3/3"
	expect_eq "the task whose shard holds the corrupt file alone exits 1" \
		"$(echo "$rcs" | grep -o . | sort | tr -d '\n')" "001"
	if diff -r "$d/whole" "$d/dest" >/dev/null 2>&1; then
		pass "the three tasks give the unsharded tree byte for byte"
	else
		fail "the three tasks give the unsharded tree byte for byte" \
			"$(diff -r "$d/whole" "$d/dest" 2>&1 | head -n 5)"
	fi
}

t_command_line
t_sbatch_defaults
t_tasks_add_up
tap_done
