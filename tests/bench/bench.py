#!/usr/bin/python3
"""bench.py - paired-run benchmark of thumper against its yardsticks
(doc/design.md §9).

Called by run.sh (`make bench`), which checks the tools and builds the
corpus first.  For each subset of the corpus (one per format: SUBSETS
below, or any corpus folder by name) it times, in one session:

  thumper  thumper -j N --no-progress -s BOX SRC DEST
  loops    N x bench_loop sharing one counter (the worker's thumb code, no pool)
  static   N x bench_loop over a static round-robin split of the list
  seed     the original Python/Pillow pool, original.py --workers N
  xargs    find SRC -type f | xargs -P N -n 1 vipsthumbnail -s BOX -o DEST/%s.jpg

Method: the corpus is read once (warm page cache), then every contender
runs once untimed while a sampler adds up the VmRSS of its process tree
every 20 ms (the "tree" column).  Then R repeats each run every contender
back to back, the order rotated by one per repeat, into a fresh empty DEST.
A repeat during which anything else used more than 10% of the machine's
CPUs (read from /proc/stat: a shared build box) is dropped and run again.
Time is the whole wall time from spawn to the last exit; "max" RSS is the
largest ru_maxrss of any one process of the tree (wait4 reports the maximum
over a process and its reaped descendants): for thumper and the original
that is the peak of one worker, for xargs of one vipsthumbnail.  Minor page
faults and system time are wait4's too, summed over the tree.  A ratio is
taken inside each repeat (paired) and the median of those is shown; img/s
is the median too, never the best run.

Standard library only: it runs under Debian's /usr/bin/python3.
"""
import argparse
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024
CLK_TCK = os.sysconf("SC_CLK_TCK")
NCPU = os.cpu_count()


def log(*a):
    print(*a, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- processes

def children_of(pid):
    """Direct children of PID (needs CONFIG_PROC_CHILDREN, Debian has it)."""
    kids = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                kids.extend(int(x) for x in f.read().split())
    except OSError:
        pass
    return kids


def tree_of(pids):
    seen, todo = [], list(pids)
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.append(p)
        todo.extend(children_of(p))
    return seen


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * PAGE_KIB
    except (OSError, IndexError, ValueError):
        return 0


def stat_counts(pid):
    """(minor faults, user ticks, system ticks) of PID, or None."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            v = f.read().rsplit(")", 1)[1].split()
        return int(v[7]), int(v[11]), int(v[12])
    except (OSError, IndexError, ValueError):
        return None


def status_kib(pid, key):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


class TreeSampler(threading.Thread):
    """Peak of the summed VmRSS of the process trees under ROOTS."""

    def __init__(self, roots, interval=0.02):
        super().__init__(daemon=True)
        self.roots, self.interval = roots, interval
        self.peak, self.stop = 0, threading.Event()

    def run(self):
        while not self.stop.is_set():
            total = sum(rss_kib(p) for p in tree_of(self.roots))
            self.peak = max(self.peak, total)
            self.stop.wait(self.interval)


def busy_seconds():
    """CPU time the whole machine has spent busy since boot."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + v[4]          # idle + iowait
    return (sum(v[:8]) - idle) / CLK_TCK


def busy_share(seconds):
    """Share of the CPUs busy over the next SECONDS (we only sleep)."""
    b0 = busy_seconds()
    time.sleep(seconds)
    return (busy_seconds() - b0) / (seconds * NCPU)


def wait_quiet(limit, idle):
    """Waits (at most LIMIT seconds) for a second in which the machine is
    about as busy as when idle, so a repeat does not start inside someone
    else's burst."""
    deadline = time.monotonic() + limit
    while busy_share(1.0) > idle + 0.05 and time.monotonic() < deadline:
        pass


def run_group(cmds, env, sample=False):
    """Starts every command of CMDS at once, waits for all.

    Returns dict(wall, rc (worst), maxrss_kib, tree_kib, foreign, stderr);
    foreign is the share of the machine's CPUs busy with anything but this
    run during it (other users of the machine: should be near 0)."""
    errs = [tempfile.TemporaryFile() for _ in cmds]
    busy0 = busy_seconds()
    t0 = time.perf_counter()
    # each command leads its own process group, so an interrupted run
    # can take down its whole tree (xargs' children too)
    procs = [subprocess.Popen(c, env=env, stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=e,
                              start_new_session=True)
             for c, e in zip(cmds, errs)]
    sampler = None
    if sample:
        sampler = TreeSampler([p.pid for p in procs])
        sampler.start()
    rc, maxrss, cpu, sys_s, minflt = 0, 0, 0.0, 0.0, 0
    try:
        for p in procs:
            _, status, ru = os.wait4(p.pid, 0)
            p.returncode = os.waitstatus_to_exitcode(status)
            rc = rc or p.returncode
            maxrss = max(maxrss, ru.ru_maxrss)
            cpu += ru.ru_utime + ru.ru_stime
            sys_s += ru.ru_stime
            minflt += ru.ru_minflt
    except BaseException:        # interrupted: leave nothing running
        for p in procs:
            if p.returncode is None:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
        raise
    wall = time.perf_counter() - t0
    foreign = max(0.0, busy_seconds() - busy0 - cpu) / (wall * NCPU)
    if sampler:
        sampler.stop.set()
        sampler.join()
    text = b""
    for e in errs:
        e.seek(0)
        text += e.read()
        e.close()
    return dict(wall=wall, rc=rc, maxrss_kib=maxrss, foreign=foreign,
                cpu=cpu, sys=sys_s, minflt=minflt,
                tree_kib=sampler.peak if sampler else None,
                stderr=text.decode(errors="replace"))


def count_files(top):
    n = 0
    for _dirpath, _dirs, files in os.walk(top):
        n += sum(1 for f in files if not f.startswith("."))
    return n


# ---------------------------------------------------------------- subsets

# The corpus' subsets by format (make-corpus.sh): a folder and the ending
# of the files taken from it (None: all of them).  Any other name given to
# --sets is a corpus folder taken whole (photos-jpeg, mixed).
SUBSETS = {
    "jpeg": ("photos-jpeg", None),
    "png": ("png", None),
    "webp": ("mixed", ".webp"),
    "tiff-tiled": ("mixed", ".tif"),
    "tiff-large": ("tiff-large", None),
}

# The targets of issue 11, per subset: thumper ÷ the original and thumper
# ÷ xargs vipsthumbnail at least this (WebP: ahead of the original); on
# mixed, 1.5× is what shrink-on-load should give.  Other folders: ahead.
GOALS = {
    "jpeg": (1.5, 2.0), "photos-jpeg": (1.5, 2.0),
    "png": (2.0, 2.0), "webp": (1.0001, 2.0),
    "tiff-tiled": (2.0, 2.0), "tiff-large": (2.0, 2.0),
    "mixed": (1.5, 2.0),
}


def goals(name):
    return GOALS.get(name, (1.0001, 2.0))


def subset(corpus, name, work):
    """(folder, sorted files) of subset NAME.  A subset of part of a folder
    is a flat folder of hard links (copies across file systems) in WORK."""
    folder, ending = SUBSETS.get(name, (name, None))
    top = os.path.join(corpus, folder)
    files = sorted(os.path.join(dp, f) for dp, _ds, fs in os.walk(top)
                   for f in fs)
    if ending is None:
        return top, files
    view = os.path.join(work, "subset-" + name)
    shutil.rmtree(view, ignore_errors=True)
    os.mkdir(view)
    picked = []
    for i, f in enumerate(f for f in files if f.endswith(ending)):
        t = os.path.join(view, f"{i:03d}-{os.path.basename(f)}")
        try:
            os.link(f, t)
        except OSError:
            shutil.copyfile(f, t)
        picked.append(t)
    return view, picked


# ---------------------------------------------------------------- contenders

class Contender:
    def __init__(self, key, label, cmds, exact_outputs=True):
        self.key, self.label = key, label
        self.cmds = cmds                  # (src, dest, work) -> [argv, ...]
        self.exact_outputs = exact_outputs
        self.walls, self.maxrss, self.tree = [], [], None
        self.cpus, self.foreign, self.syss, self.minflts = [], [], [], []
        self.problems = []


def contenders(a, listfile):
    n = a.jobs
    w, h = a.size.split("x")
    box = ["-s", a.size]
    out = []
    if a.thumper:
        out.append(Contender(
            "thumper", f"`thumper -j {n}`",
            lambda s, d, _w: [[a.thumper, "-j", str(n), "--no-progress",
                               *box, s, d]]))
    if a.loop:
        out.append(Contender(
            "loops", f"{n} × in-process loop, shared counter",
            lambda s, d, wk: [[a.loop, "--claim", os.path.join(wk, "claim"),
                               "-l", listfile, *box, s, d]
                              for _ in range(n)]))
        out.append(Contender(
            "static", f"{n} × in-process loop, static split",
            lambda s, d, _w: [[a.loop, "--shard", f"{k}/{n}", "-l", listfile,
                               *box, s, d] for k in range(n)]))
    out.append(Contender(
        "seed", f"`original.py --workers {n}` (Pillow pool)",
        lambda s, d, _w: [[a.python, a.seed, s, d, "--workers", str(n),
                           "--width", w, "--height", h]]))
    out.append(Contender(
        "xargs", f"`xargs -P {n} -n 1 vipsthumbnail`",
        lambda s, d, _w: [["sh", "-c",
                           'find "$1" -type f | xargs -P "$3" -n 1 '
                           'vipsthumbnail --size "$4" -o "$2/%s.jpg"',
                           "sh", s, d, str(n), a.size]],
        exact_outputs=False))   # %s.jpg: a.png, a.webp, a.tif collide
    return out


def one_run(c, src, work, nfiles, env, sample=False):
    dest = os.path.join(work, "dest")
    shutil.rmtree(dest, ignore_errors=True)
    os.mkdir(dest)
    claim = os.path.join(work, "claim")
    if os.path.exists(claim):
        os.unlink(claim)
    r = run_group(c.cmds(src, dest, work), env, sample)
    got = count_files(dest)
    if r["rc"] != 0:
        c.problems.append(f"exit {r['rc']}: {r['stderr'].strip()[-400:]}")
    elif c.exact_outputs and got != nfiles:
        c.problems.append(f"{got} thumbnails for {nfiles} sources")
    shutil.rmtree(dest, ignore_errors=True)
    return r


# ---------------------------------------------------------------- worker RSS

def steady_state(a, b):
    """Minor faults per image and system share of the worker's CPU time
    between samples A and B of worker_rss()."""
    images = b[0] - a[0]
    (fa, ua, sa), (fb, ub, sb) = a[4], b[4]
    cpu = (ub + sb) - (ua + sa)
    return dict(images=images, faults=(fb - fa) / images if images else None,
                sys=(sb - sa) / cpu if cpu else None)


def worker_rss(a, corpus, work, env):
    """RSS of the real worker after ~10 and ~1000 thumbnails (thumper -j 1)
    and of one bench_loop process after 10 and 1000 (--rss); and the
    worker's minor faults and system time per image in between.  Returns
    (rows, steady)."""
    rows, steady = [], None
    src = os.path.join(corpus, "photos-jpeg")
    files = sorted(os.path.join(src, f) for f in os.listdir(src))
    big = os.path.join(work, "x6")          # 6 copies: 1,200 files
    dest = os.path.join(work, "rssdest")
    for d in (big, dest):
        shutil.rmtree(d, ignore_errors=True)
    for k in range(6):
        os.makedirs(os.path.join(big, f"r{k}"))
        for f in files:
            t = os.path.join(big, f"r{k}", os.path.basename(f))
            try:
                os.link(f, t)
            except OSError:
                shutil.copyfile(f, t)
    os.mkdir(dest)

    if a.thumper:
        p = subprocess.Popen([a.thumper, "-j", "1", "--no-progress",
                              "-s", a.size, big, dest], env=env,
                             stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
        samples = []   # (done, worker pid, VmRSS, VmHWM, stat_counts)
        try:
            while p.poll() is None:
                kids = children_of(p.pid)
                if kids:
                    wp = kids[0]
                    done = sum(count_files(os.path.join(dest, f"r{k}"))
                               for k in range(6)
                               if os.path.isdir(os.path.join(dest, f"r{k}")))
                    rss = status_kib(wp, "VmRSS")
                    hwm = status_kib(wp, "VmHWM")
                    counts = stat_counts(wp)
                    if rss and counts:
                        samples.append((done, wp, rss, hwm, counts))
                time.sleep(0.005)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        err = p.stderr.read().decode(errors="replace")
        # RSS moves with the image in flight, so compare the worker at rest
        # between images: the least RSS sampled while thumbnails 10-30 and
        # 970-1000 were done (as bench_loop --rss reads it after an image),
        # all of one worker process (it may be recycled after 1,000 jobs)
        label = "thumper-worker (`thumper -j 1`, sampled)"
        wp = next((s[1] for s in samples if s[0] >= 10), None)
        early = [s for s in samples if s[1] == wp and 10 <= s[0] <= 30]
        late = [s for s in samples if s[1] == wp and 970 <= s[0] <= 1000]
        if p.returncode != 0 or not early or not late:
            rows.append((label, None, None, f"no usable samples (exit "
                         f"{p.returncode}, {len(samples)} samples) "
                         f"{err.strip()[-200:]}"))
        else:
            first_pass = [s for s in samples if s[1] == wp and s[0] <= 200]
            rows.append((label, first_pass[-1][3], min(x[2] for x in late),
                         f"worker pid {wp}, RSS at rest {min(x[2] for x in early) / 1024:.0f} MiB "
                         f"after 10–30 done (least of {len(early)} samples), "
                         f"least of {len(late)} at 970–1000; max "
                         f"{max(x[2] for x in early) / 1024:.0f} → "
                         f"{max(x[2] for x in late) / 1024:.0f} MiB; VmHWM "
                         f"{first_pass[-1][3] / 1024:.0f} MiB after the "
                         f"first 200 (one pass), {late[-1][3] / 1024:.0f} "
                         f"after 1000"))
            steady = steady_state(early[0], late[-1])
        shutil.rmtree(dest, ignore_errors=True)
        os.mkdir(dest)

    if a.loop:
        r = subprocess.run([a.loop, "--rss", "10,1000", "-s", a.size, src,
                            dest, *files], env=env, stdin=subprocess.DEVNULL,
                           capture_output=True, text=True)
        vals = {}
        for tok in r.stdout.split():
            k, _, v = tok.partition("=")
            vals[k] = int(v)
        if "rss_after_10_kib" in vals and "rss_after_1000_kib" in vals:
            rows.append(("bench_loop --rss 10,1000 (thumb.c in a loop; "
                         "for information)", None,
                         vals["rss_after_1000_kib"],
                         f"RSS {vals['rss_after_10_kib'] / 1024:.0f} MiB "
                         f"after 10; VmHWM "
                         f"{vals['hwm_after_1000_kib'] / 1024:.0f} MiB after "
                         f"1000"
                         + (f"; exit {r.returncode}" if r.returncode else "")))
        else:
            rows.append(("bench_loop --rss 10,1000", None, None,
                         f"failed: {r.stderr.strip()[-200:]}"))
    shutil.rmtree(dest, ignore_errors=True)
    shutil.rmtree(big, ignore_errors=True)
    return rows, steady


# ---------------------------------------------------------------- report

def mib(kib):
    return "—" if kib is None else f"{kib / 1024:.0f}"


def fmt_ratio(x):
    return "—" if x is None else f"{x:.2f}"


def paired(cs, a_key, b_key):
    """Median over repeats of time(b)/time(a) = speed(a)/speed(b)."""
    ca = next((c for c in cs if c.key == a_key), None)
    cb = next((c for c in cs if c.key == b_key), None)
    if not ca or not cb or not ca.walls or len(ca.walls) != len(cb.walls):
        return None
    return statistics.median(tb / ta for ta, tb in zip(ca.walls, cb.walls))


def verdict(x, target):
    if x is None:
        return "not measured"
    return "PASS" if x >= target else "FAIL"


def report_corpus(name, nfiles, mbytes, a, cs, discarded, idle):
    lines = [f"### {name}: {nfiles} files, {mbytes:.0f} MiB, box {a.size}, "
             f"N = {a.jobs}, {a.runs} paired repeats", "",
             "| contender | img/s (median) | min–max | CPU ms/img "
             "| minor faults/img | system time, % of CPU "
             "| thumper ÷ this (paired) | this ÷ loops (paired) "
             "| max RSS, one process (MiB) | peak RSS, tree sum (MiB) |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for c in cs:
        if not c.walls:
            continue
        rates = [nfiles / t for t in c.walls]
        lines.append(
            f"| {c.label} | {statistics.median(rates):.1f} | "
            f"{min(rates):.1f}–{max(rates):.1f} | "
            f"{1000 * statistics.median(c.cpus) / nfiles:.1f} | "
            f"{faults_per_image(c, nfiles)} | {sys_share(c)} | "
            f"{fmt_ratio(paired(cs, 'thumper', c.key))} | "
            f"{fmt_ratio(paired(cs, c.key, 'loops'))} | "
            f"{mib(statistics.median(c.maxrss))} | {mib(c.tree)} |")
    lines.append("")
    t_loops = paired(cs, "thumper", "loops")
    t_seed = paired(cs, "thumper", "seed")
    t_xargs = paired(cs, "thumper", "xargs")
    seed_goal = goals(name)[0]
    lines += [
        f"- pool overhead: thumper ÷ loops = {fmt_ratio(t_loops)} "
        f"(target ≥ 0.97): **{verdict(t_loops, 0.97)}**",
        f"- the original: thumper ÷ seed = {fmt_ratio(t_seed)} "
        f"(target > 1.00: **{verdict(t_seed, 1.0001)}**; "
        f"issue 11 {goal_text(seed_goal)}: {verdict(t_seed, seed_goal)})",
        f"- process per image: thumper ÷ xargs = {fmt_ratio(t_xargs)} "
        f"(target ≥ 2): **{verdict(t_xargs, 2.0)}**",
    ]
    foreign = [f for c in cs for f in c.foreign]
    if foreign:
        lines.append(f"- other load on the machine during the timed runs: "
                     f"median {100 * statistics.median(foreign):.0f}%, max "
                     f"{100 * max(foreign):.0f}% of the CPUs"
                     + (f" ({discarded} disturbed repeat(s) dropped)"
                        if discarded else "")
                     + (" — **numbers disturbed, rerun on a quiet machine**"
                        if statistics.median(foreign) > idle + 0.05 else ""))
    for c in cs:
        if c.problems:
            lines.append(f"- WARNING {c.key}: {len(c.problems)} bad run(s): "
                         f"{c.problems[0]}")
    lines.append("")
    return lines


def goal_text(g):
    return "> 1" if g < 1.01 else f"≥ {g:.1f}"


def faults_per_image(c, nfiles):
    """Median minor page faults of the whole run (start-up included) per
    image, as text."""
    if not c.minflts:
        return "—"
    return f"{statistics.median(c.minflts) / nfiles:,.0f}"


def sys_share(c):
    """Median share of system time in the CPU time, as text."""
    shares = [s / t for s, t in zip(c.syss, c.cpus) if t > 0]
    return f"{100 * statistics.median(shares):.1f}" if shares else "—"


def report_summary(summary, a):
    """One line per subset: thumper against the original and xargs, with
    issue 11's goals, and what each costs in faults, system time and the
    peak RSS of one process (a worker, for thumper and the original)."""
    lines = [f"### per format, N = {a.jobs} (medians of {a.runs} paired "
             "repeats; the subsets' own tables above)", "",
             "| subset | files | thumper img/s | ÷ original | ÷ xargs "
             "| goal ÷ original, ÷ xargs | minor faults/img: thumper / "
             "original / xargs | system time, % of CPU: thumper / original "
             "/ xargs | peak RSS of one process, MiB: thumper / original / "
             "xargs |", "|---|---:|---:|---:|---:|---|---:|---:|---:|"]
    for name, nfiles, cs in summary:
        by = {c.key: c for c in cs if c.walls}
        t = by.get("thumper")
        if t is None:
            continue
        seed, xargs = paired(cs, "thumper", "seed"), paired(cs, "thumper",
                                                            "xargs")
        g_seed, g_xargs = goals(name)
        ok = (verdict(seed, g_seed) == "PASS" and
              verdict(xargs, g_xargs) == "PASS")
        keys = ("thumper", "seed", "xargs")
        lines.append(
            f"| {name} | {nfiles} | "
            f"{statistics.median(nfiles / w for w in t.walls):.1f} | "
            f"{fmt_ratio(seed)} | {fmt_ratio(xargs)} | "
            f"{goal_text(g_seed)}, {goal_text(g_xargs)}: "
            f"**{'PASS' if ok else 'FAIL'}** | "
            + " / ".join(faults_per_image(by[k], nfiles) if k in by else "—"
                         for k in keys) + " | "
            + " / ".join(sys_share(by[k]) if k in by else "—"
                         for k in keys) + " | "
            + " / ".join(mib(statistics.median(by[k].maxrss)) if k in by
                         else "—" for k in keys) + " |")
    lines += ["", "Minor faults and system time are whole runs, start-up "
              "included (starting a thumper worker or a vipsthumbnail "
              "costs ~2,500 faults), which weighs on the small subsets; "
              "the worker's steady state is under the memory table.", ""]
    return lines


# Minor faults per image of a worker in steady state before issue 11
# (thumper -j 2 on photos-jpeg, doc/design.md §6 "Memory"); the target
# is a quarter of it.
FAULTS_BEFORE = 1250


def report_rss(rows, steady):
    lines = ["### worker memory (doc/design.md §9: RSS at rest after 1,000 "
             "images ≤ 1.5× the peak of the first pass)", "",
             "The worker keeps the working set of the largest picture it "
             "has seen (design.md §6), so its RSS is bounded, not flat: "
             "what must not happen is growth beyond it.  Peak: VmHWM once "
             "all 200 photos were done once; at rest: the least VmRSS "
             "sampled between images at 970–1000 done.", "",
             "| process | peak, first pass (MiB) | at rest after ~1000 (MiB) "
             "| ratio | target ≤ 1.5 | notes |",
             "|---|---:|---:|---:|---|---|"]
    for label, r10, r1000, note in rows:
        ratio = r1000 / r10 if r10 and r1000 else None
        ok = "—" if ratio is None else ("PASS" if ratio <= 1.5 else "FAIL")
        lines.append(f"| {label} | {mib(r10)} | {mib(r1000)} | "
                     f"{fmt_ratio(ratio)} | {ok} | {note} |")
    lines.append("")
    if steady and steady["faults"] is not None:
        goal = FAULTS_BEFORE / 4
        lines.append(
            f"- worker in steady state ({steady['images']} images from ~10 "
            f"done, /proc/PID/stat): {steady['faults']:,.0f} minor faults "
            f"an image (issue 11: ≤ {goal:.0f}, a quarter of the "
            f"{FAULTS_BEFORE:,} before): "
            f"**{'PASS' if steady['faults'] <= goal else 'FAIL'}**; system "
            f"time {100 * steady['sys']:.1f}% of its CPU time (< 10%): "
            f"**{'PASS' if steady['sys'] < 0.10 else 'FAIL'}**")
        lines.append("")
    return lines


def machine_header(a, idle):
    def out(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True,
                                  timeout=10).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            return "?"
    pil = out([a.python, "-c", "import PIL; print(PIL.__version__)"])
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(l.split(":", 1)[1].strip() for l in f
                       if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return [f"## thumper benchmark — {time.strftime('%Y-%m-%d %H:%M')}", "",
            f"{os.cpu_count()} CPUs ({cpu}), Linux {platform.release()}, "
            f"libvips {out(['vips', '--version'])}, Pillow {pil}, "
            f"Python {out([a.python, '-c', 'import sys; print(sys.version.split()[0])'])}.",
            "Wall time of whole processes, warm page cache, fresh empty DEST "
            "per run, contenders in rotating order inside each repeat. "
            "*max RSS, one process*: largest ru_maxrss in the process tree "
            "(wait4), median over repeats. *peak RSS, tree sum*: highest sum "
            "of VmRSS over the tree, sampled every 20 ms in one untimed "
            "warm-up run (shared pages count once per process). "
            "*other load*: CPU time the machine spent on anything but the "
            "run, as a share of its CPUs (idle baseline, measured before "
            "the first run: "
            + (a.idle_note or f"{100 * idle:.0f}%")
            + "). A repeat with more than "
            f"{100 * (idle + a.max_foreign):.0f}% is dropped and run again "
            f"(at most {a.runs * (a.retries + 1)} tries per corpus; if too "
            "few are clean, the least disturbed fill in).", ""]


# ---------------------------------------------------------------- main

def main():
    # SIGTERM (make interrupted, timeout) unwinds like ^C: children are
    # killed and the work folder removed
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--sets", default=",".join(SUBSETS))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--size", default="200x200")
    ap.add_argument("--thumper")
    ap.add_argument("--loop")
    ap.add_argument("--seed", required=True)
    ap.add_argument("--python", default="/usr/bin/python3")
    ap.add_argument("--results")
    ap.add_argument("--work", default=None)
    ap.add_argument("--no-rss", action="store_true")
    ap.add_argument("--quiet-wait", type=float, default=30,
                    help="seconds to wait for an idle machine before a repeat")
    ap.add_argument("--max-foreign", type=float, default=0.10,
                    help="share of CPUs busy with other work, above the idle "
                    "machine's, that voids a repeat")
    ap.add_argument("--retries", type=int, default=2,
                    help="at most R x (RETRIES + 1) repeats are tried to get "
                    "R undisturbed ones")
    ap.add_argument("--only", default=None,
                    help="comma-separated contender keys to run")
    a = ap.parse_args()
    a.idle_note = None
    for k in ("thumper", "loop"):
        p = getattr(a, k)
        if p and not os.access(p, os.X_OK):
            log(f"bench: {p} is not built: skipping it")
            setattr(a, k, None)

    env = dict(os.environ, VIPS_WARNING="0", LC_ALL="C")
    work = tempfile.mkdtemp(prefix="thumper-bench.", dir=a.work)
    # what an idle machine costs (kernel threads, the VM's own agents):
    # the least busy of five 1 s looks
    idle = min(busy_share(1.0) for _ in range(5))
    if idle > 0.15:
        log(f"bench: the machine is {100 * idle:.0f}% busy before the first "
            "run: other work will disturb the numbers (see 'other load')")
        idle = 0.10
        a.idle_note = "machine busy, 10% assumed"
    lines = machine_header(a, idle)

    def flush():
        text = "\n".join(lines) + "\n"
        if a.results:
            with open(a.results, "w") as f:
                f.write(text)
        return text

    try:
        summary = []
        for name in [s for s in a.sets.split(",") if s]:
            src, files = subset(a.corpus, name, work)
            if not files:
                log(f"bench: {name}: no files in {src}: skipped")
                continue
            nbytes = 0
            for f in files:                      # warm the page cache
                with open(f, "rb") as fh:
                    while chunk := fh.read(1 << 20):
                        nbytes += len(chunk)
            listfile = os.path.join(work, "list")
            with open(listfile, "w") as f:
                f.write("".join(p + "\n" for p in files))
            cs = contenders(a, listfile)
            if a.only:
                cs = [c for c in cs if c.key in a.only.split(",")]
            log(f"bench: {name}: {len(files)} files; warm-up + memory run")
            for c in cs:
                r = one_run(c, src, work, len(files), env, sample=True)
                c.tree = r["tree_kib"]
                log(f"  warm-up {c.key:8} {len(files) / r['wall']:6.1f} img/s")
            # Keep the first R repeats that no other work disturbed; give
            # up after R x (retries + 1) tries and fill in with the least
            # disturbed of the rest.
            clean, spoilt, tries = [], [], 0
            while len(clean) < a.runs and tries < a.runs * (a.retries + 1):
                k = tries % len(cs)
                tries += 1
                wait_quiet(a.quiet_wait, idle)
                got = {c.key: one_run(c, src, work, len(files), env)
                       for c in cs[k:] + cs[:k]}
                worst = max(r["foreign"] for r in got.values())
                ok = worst <= idle + a.max_foreign
                (clean if ok else spoilt).append((worst, got))
                log(f"  try {tries}: " + ", ".join(
                    f"{c.key} {len(files) / got[c.key]['wall']:.1f}"
                    for c in cs) + f" img/s; other load ≤ {100 * worst:.0f}%"
                    + ("" if ok else ": disturbed, run again"))
            spoilt.sort(key=lambda x: x[0])
            kept = clean + spoilt[:a.runs - len(clean)]
            for _worst, got in kept:
                for c in cs:
                    r = got[c.key]
                    c.walls.append(r["wall"])
                    c.maxrss.append(r["maxrss_kib"])
                    c.cpus.append(r["cpu"])
                    c.syss.append(r["sys"])
                    c.minflts.append(r["minflt"])
                    c.foreign.append(r["foreign"])
            discarded = tries - len(kept)
            lines.extend(report_corpus(name, len(files), nbytes / 2**20, a, cs,
                                       discarded, idle))
            summary.append((name, len(files), cs))
            flush()
        if len(summary) > 1:
            lines.extend(report_summary(summary, a))
            flush()
        if not a.no_rss:
            log("bench: worker memory over 1,000 images")
            lines.extend(report_rss(*worker_rss(a, a.corpus, work, env)))
        sys.stdout.write(flush())
        if a.results:
            log(f"bench: results written to {a.results}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
