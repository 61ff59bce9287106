#!/bin/bash
# contrib/kubernetes/thumper-indexed-job.yaml without a cluster (README
# "Many machines"): a YAML parser checks that it is an Indexed batch/v1
# Job whose completions, parallelism and THUMPER_SHARD_COUNT agree, that
# runs `thumper --shard env` with as many workers as CPUs requested, on
# paths of a PersistentVolumeClaim, with retries that fit thumper's exit
# statuses.  Then the manifest's own command line runs once per
# completion index, as Kubernetes would start it, against the real
# thumper: the N pods add up to the unsharded run.
. "$(dirname "$0")/lib.sh"

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
MANIFEST=$top_srcdir/contrib/kubernetes/thumper-indexed-job.yaml
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
if ! "$PY" -c 'import yaml' 2>/dev/null; then
	echo "1..0 # SKIP no YAML parser for python3 (Debian package python3-yaml)"
	exit 0
fi
unset JOB_COMPLETION_INDEX THUMPER_SHARD_COUNT SLURM_ARRAY_TASK_ID

# Prints "ok DESC", or "not DESC<TAB>WHY", per check; then "count N",
# "mount PATH" and one "arg A" per word of the container's command line.
CHECK_PY='
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d is not None]
out = []
def check(desc, cond, why=""):
    out.append(("ok %s" % desc) if cond else ("not %s\t%s" % (desc, why)))
check("the manifest is one YAML document", len(docs) == 1, "%d documents" % len(docs))
job = docs[0]
spec = job.get("spec", {})
pod = spec.get("template", {}).get("spec", {})
ctrs = pod.get("containers", [])
check("a batch/v1 Job", job.get("apiVersion") == "batch/v1" and job.get("kind") == "Job",
      "%s %s" % (job.get("apiVersion"), job.get("kind")))
check("completionMode: Indexed", spec.get("completionMode") == "Indexed", spec.get("completionMode"))
check("one container", len(ctrs) == 1, "%d containers" % len(ctrs))
c = ctrs[0] if ctrs else {}
argv = [str(a) for a in c.get("command", []) + c.get("args", [])]
env = {e.get("name"): e.get("value") for e in c.get("env", [])}
count = env.get("THUMPER_SHARD_COUNT")
ok = (isinstance(count, str) and count.isdigit() and 1 <= int(count) <= 65536 and
      spec.get("completions") == int(count) == spec.get("parallelism"))
check("completions = parallelism = THUMPER_SHARD_COUNT (a quoted string, 1 to 65536)", ok,
      "completions %r, parallelism %r, THUMPER_SHARD_COUNT %r" %
      (spec.get("completions"), spec.get("parallelism"), count))
pairs = list(zip(argv, argv[1:]))
check("it runs thumper --shard env", argv[:1] == ["thumper"] and ("--shard", "env") in pairs and
      sum(1 for a in argv if a.startswith("--shard")) == 1, " ".join(argv))
jobs = [b for a, b in pairs if a in ("-j", "--jobs")]
def cpus(v):
    v = str(v)
    return float(v[:-1]) / 1000 if v.endswith("m") else float(v)
req = c.get("resources", {}).get("requests", {}).get("cpu")
lim = c.get("resources", {}).get("limits", {}).get("cpu")
check("-j equals the CPU request (and any CPU limit is no lower)",
      len(jobs) == 1 and req is not None and jobs[0].isdigit() and int(jobs[0]) == cpus(req) and
      (lim is None or cpus(lim) >= cpus(req)), "-j %s, requests.cpu %r, limits.cpu %r" % (jobs, req, lim))
mounts = {m.get("name"): m.get("mountPath") for m in c.get("volumeMounts", [])}
claims = {v.get("name"): v["persistentVolumeClaim"].get("claimName")
          for v in pod.get("volumes", []) if "persistentVolumeClaim" in v}
paths = argv[-2:]
mount = [mounts[n] for n in claims if n in mounts and claims[n] and
         all(p.startswith(mounts[n].rstrip("/") + "/") for p in paths)]
check("SRC and DEST are on a mounted PersistentVolumeClaim", len(mount) == 1,
      "paths %s, mounts %s, claims %s" % (paths, mounts, claims))
rules = spec.get("podFailurePolicy", {}).get("rules", [])
def action(code):
    for r in rules:
        e = r.get("onExitCodes")
        if e and (code in e.get("values", [])) == (e.get("operator") == "In"):
            return r.get("action")
    return None
valid = all(r.get("action") in ("FailJob", "FailIndex", "Ignore", "Count") and
            (r.get("onExitCodes") is None or
             (r["onExitCodes"].get("operator") in ("In", "NotIn") and
              r["onExitCodes"].get("containerName") in (None, c.get("name")))) for r in rules)
bl = spec.get("backoffLimitPerIndex")
check("restartPolicy Never, backoffLimitPerIndex set; exit 1 fails only its index, 2 the Job",
      pod.get("restartPolicy") == "Never" and isinstance(bl, int) and bl >= 0 and valid and
      action(1) == "FailIndex" and action(2) == "FailJob",
      "restartPolicy %r, backoffLimitPerIndex %r, exit 1 -> %s, exit 2 -> %s, rules valid %s" %
      (pod.get("restartPolicy"), bl, action(1), action(2), valid))
for line in out:
    print(line)
print("count %s" % count)
print("mount %s" % (mount[0] if mount else ""))
for a in argv:
    print("arg %s" % a)
'

t_manifest_fields() {
	local line desc why
	"$PY" -c "$CHECK_PY" "$MANIFEST" >"$TESTROOT/manifest.out" 2>"$TESTROOT/manifest.err" || {
		fail "the manifest parses" "$(head -n 5 "$TESTROOT/manifest.err")"
		return
	}
	while IFS= read -r line; do
		case $line in
		"ok "*) pass "${line#ok }" ;;
		"not "*)
			desc=${line#not }
			why=${desc#*$'\t'}
			fail "${desc%%$'\t'*}" "$why"
			;;
		esac
	done <"$TESTROOT/manifest.out"
}

# The manifest's command line, run once per index as Kubernetes would,
# with its mount point moved to a test folder and thumper from the build.
t_every_index_runs_its_shard() {
	local d n mount args=() a i rcs= sum=0 shards= want=
	d=$(newdir)
	n=$(sed -n 's/^count //p' "$TESTROOT/manifest.out")
	mount=$(sed -n 's/^mount //p' "$TESTROOT/manifest.out")
	if [ -z "$n" ] || [ "$n" = None ] || [ -z "$mount" ]; then
		fail "every index runs its shard" "the manifest gave no count or mount"
		return
	fi
	while IFS= read -r a; do
		[ "$a" = thumper ] && a=$THUMPER
		args+=("${a/#$mount\//$d/}")
	done < <(sed -n 's/^arg //p' "$TESTROOT/manifest.out")
	mkdir -p "$d/src"
	for i in $(seq 1 20); do mkimg "$d/src/$((i % 4))/img$i.jpg" 160 120; done
	run_thumper -j 2 "$d/src" "$d/whole"
	for i in $(seq 0 $((n - 1))); do
		LAST_CMD="JOB_COMPLETION_INDEX=$i THUMPER_SHARD_COUNT=$n ${args[*]}"
		JOB_COMPLETION_INDEX=$i THUMPER_SHARD_COUNT=$n timeout -k 5 "$THUMPER_TEST_TIMEOUT" \
			"${args[0]}" --json "${args[@]:1}" >"$OUT" 2>"$ERR" </dev/null
		RC=$?
		rcs="$rcs$RC"
		sum=$((sum + $(json_field "$OUT" "j['done']")))
		shards="$shards $(json_field "$OUT" "j['shard']")"
		want="$want $((i + 1))/$n"
	done
	expect_eq "the manifest's command, once per index 0..$((n - 1)): shards 1/$n..$n/$n, each exit 0" \
		"$shards $rcs" "$want $(printf '0%.0s' $(seq 1 "$n"))"
	expect_eq "the $n pods thumbnail every file once, into the unsharded tree" \
		"$sum $(diff -r "$d/whole" "$d/thumbs" >/dev/null 2>&1 && echo same)" "20 same"
}

t_manifest_fields
t_every_index_runs_its_shard
tap_done
