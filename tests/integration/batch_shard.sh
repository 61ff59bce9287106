#!/bin/bash
# thumper --shard K/N and --shard env (design.md §10): N shards, one after
# another or all at once, add up to the unsharded run byte for byte; each
# file is one shard's, for good, whatever files are added; a rerun writes
# nothing; the summary names the shard; bad values and an empty
# environment exit 2 before anything is written; and a shard's walk does
# not stat the other shards' files (strace).
. "$(dirname "$0")/lib.sh"

SHARD_VARS="SLURM_ARRAY_TASK_ID SLURM_ARRAY_TASK_MIN SLURM_ARRAY_TASK_MAX
	SLURM_ARRAY_TASK_COUNT SLURM_ARRAY_TASK_STEP JOB_COMPLETION_INDEX
	THUMPER_SHARD_COUNT"
# The tests set these themselves: a run inside a real job must not leak its own.
# shellcheck disable=SC2086
unset $SHARD_VARS

BROKEN=2024/01/broken.jpg
NGOOD=34

# make_tree SRC: 34 good images of five formats in nested folders, each
# folder holding files of several shards, and one truncated JPEG.
make_tree() {
	local src=$1 i sz
	mkimg "$src/top.jpg" 320 240
	mkimg "$src/a.png" 320 240
	for i in 1 2 3 4 5; do mkimg "$src/2024/01/IMG_000$i.jpg" 320 240; done
	for i in 1 2 3; do mkimg "$src/2024/02/p$i.png" 240 320; done
	mkimg "$src/2024/02/deep/er/x.webp" 320 240
	mkimg "$src/2025/scan.tiff" 320 240
	mkimg "$src/other/d.JPG" 320 240
	mkimg "$src/other/e.gif" 320 240
	for i in $(seq 10 29); do mkimg "$src/many/f$i.jpg" 160 120; done
	mkimg "$src/whole.jpg" 320 240
	sz=$(stat -c %s "$src/whole.jpg")
	head -c $((sz / 2)) "$src/whole.jpg" >"$src/$BROKEN"
	rm "$src/whole.jpg"
}

# mtimes_of DIR: "path mtime" of every file under DIR, sorted.
mtimes_of() { (cd "$1" && find . -type f -printf '%P %T@\n' | sort); }

# same_tree DESC WANT GOT: GOT is WANT byte for byte, with the same mtimes
# and no temporaries.
same_tree() {
	local why=
	diff -r "$2" "$3" >"$TESTROOT/.diff" 2>&1 || why="diff -r: $(head -n 5 "$TESTROOT/.diff")"
	[ "$(mtimes_of "$2")" = "$(mtimes_of "$3")" ] || why="$why mtimes differ"
	[ -z "$(hidden_in "$3")" ] || why="$why temporaries: $(hidden_in "$3" | tr '\n' ' ')"
	if [ -z "$why" ]; then pass "$1"; else fail "$1" "$why"; fi
}

# unsharded SRC DEST: the reference run; it must thumbnail every good file.
unsharded() {
	run_thumper --json -j 2 "$1" "$2"
	if [ "$RC" = 1 ] && [ "$(json_field "$OUT" "j['done'], j['shard']")" = "($NGOOD, None)" ]; then
		return 0
	fi
	fail "the unsharded reference run" "exit $RC, want 1; $(cat "$OUT")"
	return 1
}

t_shards_add_up_to_the_whole() {
	local d k f rcs= sum=0 skipped= shards= failing= lists
	d=$(newdir)
	make_tree "$d/src"
	unsharded "$d/src" "$d/all" || return
	for k in 1 2 3; do
		run_thumper --json -j 2 --shard "$k/3" "$d/src" "$d/one"
		rcs="$rcs $RC"
		sum=$((sum + $(json_field "$OUT" "j['done']")))
		skipped="$skipped $(json_field "$OUT" "j['skipped']")"
		shards="$shards $(json_field "$OUT" "j['shard']")"
		failing="$failing $(json_field "$OUT" \
			"','.join(f['source'][len('$d/src/'):] for f in j['failures']) or '-'")"
	done
	expect_eq "--json names each shard" "$shards" " 1/3 2/3 3/3"
	expect_eq "3 shards one after another: their done counts add up to the unsharded run's, none skipped another's" \
		"$sum$skipped" "$NGOOD 0 0 0"
	if [ "$(echo $failing | tr ' ' '\n' | grep -c .)" = 3 ] &&
		[ "$(echo $failing | tr ' ' '\n' | grep -cxF "$BROKEN")" = 1 ] &&
		[ "$(echo $failing | tr ' ' '\n' | grep -cx -- -)" = 2 ]; then
		pass "the corrupt file fails in exactly one shard"
	else
		fail "the corrupt file fails in exactly one shard" "failures per shard:$failing"
	fi
	expect_eq "that shard alone exits 1" \
		"$(for k in 1 2 3; do f=$(echo $failing | cut -d' ' -f$k); [ "$f" = - ] && echo -n 0 || echo -n 1; done)" \
		"$(echo $rcs | tr -d ' ')"
	same_tree "the shards' DEST is the unsharded one byte for byte, same mtimes, no temporaries" \
		"$d/all" "$d/one"

	# each shard alone, into its own DEST: disjoint, and together all
	for k in 1 2 3; do run_thumper -j 2 --shard "$k/3" "$d/src" "$d/own$k"; done
	lists=$(for k in 1 2 3; do files_in "$d/own$k"; done)
	expect_eq "each thumbnail is made by exactly one shard (shards into their own DESTs are disjoint and add up)" \
		"$(echo "$lists" | sort | uniq -d | tr '\n' ' ')|$(echo "$lists" | sort)" \
		"|$(files_in "$d/all")"
	if [ -n "$(files_in "$d/own1")" ] && [ -n "$(files_in "$d/own2")" ] && [ -n "$(files_in "$d/own3")" ]; then
		pass "every shard has files of its own"
	else
		fail "every shard has files of its own" "$(for k in 1 2 3; do echo "$k: $(files_in "$d/own$k" | wc -l)"; done)"
	fi
}

t_rerun_writes_nothing() {
	local d k before bad=
	d=$(newdir)
	make_tree "$d/src"
	for k in 1 2 3; do run_thumper -j 2 --shard "$k/3" "$d/src" "$d/dest"; done
	before=$(stamp_of "$d/dest")
	for k in 1 2 3; do
		run_thumper --json -j 2 --shard "$k/3" "$d/src" "$d/dest"
		[ "$(json_field "$OUT" "j['done']")" = 0 ] || bad="$bad $k/3: $(cat "$OUT")"
		[ "$(stamp_of "$d/dest")" = "$before" ] || bad="$bad $k/3 rewrote files"
	done
	expect_eq "a rerun of each shard into a complete DEST writes nothing (same inodes and mtimes)" "$bad" ""
}

t_concurrent_shards() {
	local d k rcs= sum=0 skipped= pids=()
	d=$(newdir)
	make_tree "$d/src"
	unsharded "$d/src" "$d/all" || return
	for k in 1 2 3; do
		timeout -k 5 "$THUMPER_TEST_TIMEOUT" "$THUMPER" --json -j 1 --shard "$k/3" \
			"$d/src" "$d/dest" >"$d/out$k" 2>"$d/err$k" </dev/null &
		pids+=($!)
		bg_track $!
	done
	for k in 0 1 2; do
		wait "${pids[$k]}"
		rcs="$rcs $?"
		bg_untrack "${pids[$k]}"
		sum=$((sum + $(json_field "$d/out$((k + 1))" "j['done']")))
		skipped="$skipped $(json_field "$d/out$((k + 1))" "j['skipped']")"
	done
	expect_eq "3 shards at once into one DEST: one exits 1 (the corrupt file), two exit 0" \
		"$(echo $rcs | tr ' ' '\n' | sort | tr -d '\n')" "001"
	expect_eq "3 shards at once: done counts add up to the unsharded run's, none skipped" \
		"$sum$skipped" "$NGOOD 0 0 0"
	same_tree "3 shards at once give the unsharded tree byte for byte, same mtimes, no temporaries" \
		"$d/all" "$d/dest"
}

# Shards in containers, or on several machines, sharing one DEST: each in
# its own pid namespace, where its workers get the same PIDs as the
# others' (2, 3, ...), as in Kubernetes pods.  Their temporaries must not
# collide, and no shard's start-up walk may take another's live writer
# for a dead one of its own (design.md §4).
t_shards_in_separate_pid_namespaces() {
	local d k rcs= pids=()
	if [ "$(id -u)" != 0 ] || ! unshare --pid --fork --mount-proc true 2>/dev/null; then
		skip "3 shards in 3 pid namespaces at once give the unsharded tree" \
			"needs root and unshare --pid (util-linux)"
		return
	fi
	d=$(newdir)
	make_tree "$d/src"
	for k in $(seq 30 89); do mkimg "$d/src/many/f$k.jpg" 160 120; done
	run_thumper -j 2 "$d/src" "$d/all"
	for k in 1 2 3; do
		timeout -k 5 "$THUMPER_TEST_TIMEOUT" unshare --pid --fork --mount-proc \
			"$THUMPER" -j 2 --shard "$k/3" "$d/src" "$d/dest" \
			>"$d/out$k" 2>"$d/err$k" </dev/null &
		pids+=($!)
		bg_track $!
	done
	for k in 0 1 2; do
		wait "${pids[$k]}"
		rcs="$rcs $?"
		bg_untrack "${pids[$k]}"
	done
	expect_eq "3 shards in 3 pid namespaces at once: only the corrupt file fails" \
		"$(echo $rcs | tr ' ' '\n' | sort | tr -d '\n') $(cat "$d"/err? | grep -c '^thumper: failed:')" "001 1"
	same_tree "3 shards in 3 pid namespaces at once give the unsharded tree, no temporaries" \
		"$d/all" "$d/dest"
}

t_added_files_stay_in_their_shard() {
	local d k old new bad=
	d=$(newdir)
	make_tree "$d/src"
	for k in 1 2 3; do run_thumper -j 2 --shard "$k/3" "$d/src" "$d/before$k"; done
	mkimg "$d/src/2024/01/IMG_0006.jpg" 320 240
	mkimg "$d/src/2024/03/new.png" 320 240
	mkimg "$d/src/aaa.jpg" 160 120
	for k in $(seq 30 45); do mkimg "$d/src/many/f$k.jpg" 160 120; done
	for k in 1 2 3; do run_thumper -j 2 --shard "$k/3" "$d/src" "$d/after$k"; done
	new="2024/01/IMG_0006.jpg 2024/03/new.png aaa.jpg $(seq -f 'many/f%g.jpg' 30 45 | tr '\n' ' ')"
	for k in 1 2 3; do
		old=$(files_in "$d/after$k" | grep -vxF -f <(echo "$new" | tr ' ' '\n' | grep .))
		[ "$old" = "$(files_in "$d/before$k")" ] || bad="$bad shard $k/3: $(diff <(files_in "$d/before$k") <(echo "$old") | tr '\n' ' ')"
	done
	expect_eq "19 files added: every earlier file stays in its shard" "$bad" ""
	expect_eq "each added file is taken by exactly one shard" \
		"$(for k in 1 2 3; do files_in "$d/after$k"; done | grep -xF -f <(echo "$new" | tr ' ' '\n' | grep .) | sort | uniq -c | awk '$1 != 1' | wc -l) $(for k in 1 2 3; do files_in "$d/after$k"; done | grep -cxF -f <(echo "$new" | tr ' ' '\n' | grep .))" \
		"0 19"
}

t_summary_names_the_shard() {
	local d
	d=$(newdir)
	mkimg "$d/src/a.jpg" 100 80
	run_thumper --shard 2/3 "$d/src" "$d/dest"
	if grep -q '^thumper: shard 2/3: [0-9]* done, [0-9]* skipped, [0-9]* failed' "$ERR"; then
		pass "the human summary says 'shard 2/3'"
	else
		fail "the human summary says 'shard 2/3'"
	fi
	run_thumper --json --shard 3/3 "$d/src" "$d/dest"
	expect_eq "--json: \"shard\": \"3/3\"" "$(json_field "$OUT" "repr(j['shard'])")" "'3/3'"
	expect_eq "with --json no human summary on stderr" \
		"$(grep -c 'shard 3/3' "$ERR")" 0
}

t_bad_values_exit_2() {
	local d v bad=
	d=$(newdir)
	mkimg "$d/src/a.jpg" 100 80
	for v in 0/3 4/3 1/0 x/y 3 1/65537 "" -1/3; do
		run_thumper --shard "$v" "$d/src" "$d/dest"
		if [ "$RC" != 2 ] || ! grep -qF -- "--shard" "$ERR" || ! grep -qF -- "'$v'" "$ERR" ||
			[ -e "$d/dest" ]; then
			bad="$bad [$v: exit $RC, $(head -n 1 "$ERR"), dest $([ -e "$d/dest" ] && echo made || echo absent)]"
		fi
		rm -rf "$d/dest"
	done
	run_thumper --shard=4/3 "$d/src" "$d/dest"
	[ "$RC" = 2 ] && grep -qF -- "'4/3'" "$ERR" && [ ! -e "$d/dest" ] || bad="$bad [--shard=4/3: exit $RC]"
	expect_eq "0/3 4/3 1/0 x/y 3 1/65537 '' -1/3: exit 2 naming --shard and the value; DEST not created" "$bad" ""
}

# run_env VAR=VALUE... -- ARGS: run_thumper with just these shard variables.
run_env() {
	local v
	while [ "$1" != -- ]; do
		export "${1?}"
		shift
	done
	shift
	run_thumper "$@"
	for v in $SHARD_VARS; do unset "$v"; done
}

t_shard_env() {
	local d
	d=$(newdir)
	make_tree "$d/src"
	run_thumper -j 2 --shard 2/3 "$d/src" "$d/ref2"
	run_thumper -j 2 --shard 3/3 "$d/src" "$d/ref3"

	run_env SLURM_ARRAY_TASK_ID=6 SLURM_ARRAY_TASK_MIN=5 SLURM_ARRAY_TASK_MAX=7 \
		SLURM_ARRAY_TASK_COUNT=3 SLURM_ARRAY_TASK_STEP=1 -- \
		--json -j 2 --shard env "$d/src" "$d/slurm"
	expect_eq "Slurm --array=5-7, task 6: shard 2/3 (ID - MIN), the same files as --shard 2/3" \
		"$(json_field "$OUT" "j['shard']") $(files_in "$d/slurm" | md5sum)" \
		"2/3 $(files_in "$d/ref2" | md5sum)"
	run_env SLURM_ARRAY_TASK_ID=0 SLURM_ARRAY_TASK_MIN=0 SLURM_ARRAY_TASK_MAX=2 \
		SLURM_ARRAY_TASK_COUNT=3 -- --json --shard env "$d/src" "$d/slurm0"
	expect_eq "Slurm --array=0-2, task 0: shard 1/3" "$(json_field "$OUT" "j['shard']")" "1/3"
	run_env SLURM_ARRAY_TASK_ID=2 SLURM_ARRAY_TASK_MIN=0 SLURM_ARRAY_TASK_MAX=4 \
		SLURM_ARRAY_TASK_COUNT=3 SLURM_ARRAY_TASK_STEP=2 -- --shard env "$d/src" "$d/step"
	if [ "$RC" = 2 ] && grep -q -- '--shard env:.*step.*SLURM_ARRAY_TASK_STEP=2' "$ERR" && [ ! -e "$d/step" ]; then
		pass "Slurm --array=0-4:2: exit 2, the step refused by name"
	else
		fail "Slurm --array=0-4:2: exit 2, the step refused by name"
	fi

	run_env JOB_COMPLETION_INDEX=2 THUMPER_SHARD_COUNT=3 -- \
		--json -j 2 --shard env "$d/src" "$d/k8s"
	expect_eq "Kubernetes index 2 of 3: shard 3/3, the same files as --shard 3/3" \
		"$(json_field "$OUT" "j['shard']") $(files_in "$d/k8s" | md5sum)" \
		"3/3 $(files_in "$d/ref3" | md5sum)"
	run_env JOB_COMPLETION_INDEX=3 THUMPER_SHARD_COUNT=3 -- --shard env "$d/src" "$d/k8s3"
	if [ "$RC" = 2 ] && grep -q 'JOB_COMPLETION_INDEX=3.*THUMPER_SHARD_COUNT=3' "$ERR" && [ ! -e "$d/k8s3" ]; then
		pass "Kubernetes index 3 of 3: exit 2 showing both values"
	else
		fail "Kubernetes index 3 of 3: exit 2 showing both values"
	fi
	run_env JOB_COMPLETION_INDEX=1 -- --shard env "$d/src" "$d/k8sn"
	if [ "$RC" = 2 ] && grep -q 'THUMPER_SHARD_COUNT=(unset)' "$ERR" && [ ! -e "$d/k8sn" ]; then
		pass "Kubernetes without THUMPER_SHARD_COUNT: exit 2 saying it is unset"
	else
		fail "Kubernetes without THUMPER_SHARD_COUNT: exit 2 saying it is unset"
	fi

	run_env -- --shard env "$d/src" "$d/none"
	if [ "$RC" = 2 ] && grep -q -- '--shard env' "$ERR" && grep -q SLURM_ARRAY_TASK_ID "$ERR" &&
		grep -q JOB_COMPLETION_INDEX "$ERR" && [ ! -e "$d/none" ]; then
		pass "--shard env with neither set: exit 2 naming SLURM_ARRAY_TASK_ID and JOB_COMPLETION_INDEX"
	else
		fail "--shard env with neither set: exit 2 naming SLURM_ARRAY_TASK_ID and JOB_COMPLETION_INDEX"
	fi
}

# traced_calls LOG: "STATS OPENS" made by the thumper process (and any
# threads), not by its workers (the pids that exec thumper-worker).
traced_calls() {
	awk '
	$2 ~ /^execve\(/ && /thumper-worker/ { worker[$1] = 1 }
	{ call[NR] = $1 " " $2 }
	END {
		for (i = 1; i <= NR; i++) {
			split(call[i], f, " ")
			if (f[1] in worker) continue
			if (f[2] ~ /^(stat|lstat|fstat|newfstatat|fstatat64|statx)\(/) s++
			else if (f[2] ~ /^(open|openat|openat2)\(/) o++
		}
		printf "%d %d\n", s, o
	}' "$1"
}

# trace_run LOG ARGS: thumper ARGS under strace -f, stat family, opens
# and execs into LOG.  LeakSanitizer cannot work under ptrace: in a
# sanitizer build it is off for this run.
trace_run() {
	local log=$1
	shift
	LAST_CMD="strace thumper $*"
	# a TMPDIR of its own: the pool's start-up sweep of dead workers'
	# scratch folders (tmpclean_scratch()) opens what other tests left in
	# /tmp, which is no cost of the walk
	mkdir -p "$log.tmp"
	TMPDIR="$log.tmp" \
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
	timeout -k 5 "$THUMPER_TEST_TIMEOUT" strace -f -qq -o "$log" \
		-e trace=%%stat,open,openat,openat2,execve "$THUMPER" "$@" >"$OUT" 2>"$ERR" </dev/null
	RC=$?
}

t_walk_skips_other_shards_files() {
	local d i all shard base sk
	if ! command -v strace >/dev/null || ! strace -qq -o /dev/null true 2>/dev/null; then
		skip "a shard's walk stats only its own files" "strace is missing or cannot trace here"
		return
	fi
	d=$(newdir)
	# 3,000 empty *.jpg in 30 folders, and a DEST that is up to date (the
	# same names, the same mtimes): every file is skipped, no worker works
	for i in $(seq -w 0 29); do
		mkdir -p "$d/src/d$i"
		(cd "$d/src/d$i" && seq -f "IMG_%04g.jpg" 0 99 | xargs touch -d "2020-01-02 03:04:05.123456789")
	done
	cp -a "$d/src" "$d/dest"
	# the folders alone: what a walk costs whatever it takes
	(cd "$d/src" && find . -type d -exec mkdir -p "$d/bare/{}" "$d/bare.out/{}" \;)
	trace_run "$d/bare.log" -j 1 "$d/bare" "$d/bare.out"
	base=$(traced_calls "$d/bare.log")
	trace_run "$d/all.log" -j 1 "$d/src" "$d/dest"
	all=$(traced_calls "$d/all.log")
	trace_run "$d/shard.log" --json -j 1 --shard 1/16 "$d/src" "$d/dest"
	shard=$(traced_calls "$d/shard.log")
	sk=$(json_field "$OUT" "j['skipped']")
	diag "stat/open calls of the thumper process: folders only: $base;" \
		"unsharded: $all; shard 1/16: $shard (it took $sk of 3000 files)"
	# beyond the folders' own cost: unsharded, a stat of each source and
	# of its thumbnail (2 x 3000); a shard, the same for its files alone
	# (1/16 of 6000 = 375 when the split is even; 20% leeway), no opens
	if awk -v b="${base% *}" -v a="${all% *}" -v s="${shard% *}" -v sk="$sk" \
		'BEGIN { exit !(a - b >= 6000 && (s - b) * 16 <= (a - b) * 1.2 && s - b <= 2 * sk + 30) }' &&
		[ "${shard#* }" = "${base#* }" ] && [ "${all#* }" = "${base#* }" ]; then
		pass "a shard's walk stats only its own files: shard 1/16 makes ~1/16 of the unsharded stats beyond the folders', and no opens per file"
	else
		fail "a shard's walk stats only its own files: shard 1/16 makes ~1/16 of the unsharded stats beyond the folders', and no opens per file" \
			"folders only $base, unsharded $all, shard 1/16 $shard (stats opens)"
	fi
}

t_shards_add_up_to_the_whole
t_rerun_writes_nothing
t_concurrent_shards
t_shards_in_separate_pid_namespaces
t_added_files_stay_in_their_shard
t_summary_names_the_shard
t_bad_values_exit_2
t_shard_env
t_walk_skips_other_shards_files
tap_done
