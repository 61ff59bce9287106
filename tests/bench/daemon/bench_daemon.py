#!/usr/bin/python3
"""bench_daemon.py - thumperd against doc/design.md §9 (`make bench-daemon`).

Three measurements, each repeated BENCH_DAEMON_RUNS times; the table shows
medians over the repeats (and says how busy the machine was):

  latency    thumperd -d on an empty drop folder; latprobe renames real
             JPEGs in from a staging folder on the same filesystem, one at
             a time, and times rename -> thumbnail visible with inotify on
             the dest folder.  The overhead is computed per upload against
             that job's own worker time: as thumperd logs it (whole ms,
             floored: the figure the verdict uses, conservative), and as
             the workers' CPU time around the job from /proc schedstat (us
             resolution, but a worker waiting for a CPU counts as
             overhead); a third figure uses the file's median time in an
             in-process loop (thumb_time).  README.md says why.
  memory     thumperd -d on up-to-date trees of empty *.jpg files whose
             thumbnails already carry their sources' exact mtimes, so the
             start-up walk queues nothing: 100,000 and 1,000,000 files in
             folders of 1,000, and 1,000,000 in one folder.  VmRSS is
             sampled every 100 ms, VmHWM read once `walked` is logged.
  reconcile  the same runs: time from the daemon's `ready` line to its
             `walked` line (the walk starts in the first loop turn after
             `ready`), paired with `find SRC DEST -printf '%T@\\n'
             >/dev/null` on the same tree, both warm, order alternated.
             One more, untimed, run per tree polls `status` every 50 ms
             and reports the slowest reply: how long the walk held the
             event loop up.

Environment (all optional):
  BENCH_DAEMON_RUNS     repeats (5)
  BENCH_DAEMON_UPLOADS  uploads per latency run (200)
  BENCH_DAEMON_WORKERS  workers = N in the daemon's config (2)
  BENCH_DAEMON_GAP_MS   pause after each thumbnail before the next upload (20)
  BENCH_DAEMON_IMAGES   a folder of JPEGs (/usr/share/backgrounds/mate, recursive)
  BENCH_DAEMON_TREES    trees for memory/reconcile: N = N files in folders
                        of 1,000, flat:N = N files in one folder
                        ("100000 1000000 flat:1000000")
  BENCH_DAEMON_TMP      where the trees go (/dev/shm when it has the inodes)
  BENCH_DAEMON_ONLY     "latency", "trees" or both (default both)
  BENCH_DAEMON_MAX_LOAD share of the CPUs other work may use before a
                        repeat is run again (0.10; at most 2 retries)
  BENCH_DAEMON_PATIENCE seconds in all that may go to waiting for a quiet
                        machine and to repeats run again (240)
Set by the make target: THUMPERD, THUMPER_WORKER, BENCH_DAEMON_BIN (the
helpers' folder), BENCH_DAEMON_RESULTS (the table is also written there).

Standard library only; every daemon is killed by its pid, every temporary
folder removed, every wait bounded.
"""
import datetime
import glob
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

NCPU = os.cpu_count() or 1
CLK_TCK = os.sysconf("SC_CLK_TCK")

ENV = {
    "RUNS": int(os.environ.get("BENCH_DAEMON_RUNS", "5")),
    "UPLOADS": int(os.environ.get("BENCH_DAEMON_UPLOADS", "200")),
    "WORKERS": int(os.environ.get("BENCH_DAEMON_WORKERS", "2")),
    "GAP_MS": int(os.environ.get("BENCH_DAEMON_GAP_MS", "20")),
    "IMAGES": os.environ.get("BENCH_DAEMON_IMAGES", "/usr/share/backgrounds/mate"),
    "TREES": os.environ.get("BENCH_DAEMON_TREES",
                            "100000 1000000 flat:1000000").split(),
    "ONLY": os.environ.get("BENCH_DAEMON_ONLY", "latency trees").split(),
    "MAX_LOAD": float(os.environ.get("BENCH_DAEMON_MAX_LOAD", "0.10")),
}
RETRIES = 2
# Seconds, in all, that may go to waiting for a quiet machine and to
# repeats run again: past that, what was measured is kept (and flagged).
PATIENCE = float(os.environ.get("BENCH_DAEMON_PATIENCE", "240"))
PATIENCE_END = time.monotonic() + PATIENCE
FILES_PER_DIR = 1000

THUMPERD = os.environ.get("THUMPERD", "")
BIN = os.environ.get("BENCH_DAEMON_BIN", "")
RESULTS = os.environ.get("BENCH_DAEMON_RESULTS", "")

LIVE = set()        # pids of daemons still running, killed at exit
TMPROOT = None


def log(*a):
    print("bench-daemon:", *a, file=sys.stderr, flush=True)


def die(msg):
    log(msg)
    sys.exit(2)


# ---------------------------------------------------------------- statistics

def median(v):
    v = [x for x in v if x == x]     # without NaN
    return statistics.median(v) if v else float("nan")


def pct(v, p):
    """Nearest-rank percentile P of V."""
    s = sorted(x for x in v if x == x)
    if not s:
        return float("nan")
    k = max(0, min(len(s) - 1, -(-len(s) * p // 100) - 1))
    return s[int(k)]


# ---------------------------------------------------------------- machine load

def busy_seconds():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return (sum(v[:8]) - v[3] - v[4]) / CLK_TCK


def own_seconds():
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


class LoadMeter:
    """CPU time used by others (not this process or its reaped children)
    while it runs, as a share of all CPUs.  Stop only once the children
    of the measured step are reaped."""

    def __init__(self):
        self.t = time.monotonic()
        self.busy = busy_seconds()
        self.own = own_seconds()

    def other_share(self):
        wall = time.monotonic() - self.t
        other = (busy_seconds() - self.busy) - (own_seconds() - self.own)
        return max(0.0, other / (wall * NCPU)) if wall > 0 else 0.0


def patience_left():
    return PATIENCE_END - time.monotonic()


def wait_quiet(limit=30.0, window=0.5):
    """Waits (at most LIMIT seconds, and only while the patience budget
    lasts) for a WINDOW in which other work uses at most MAX_LOAD of the
    CPUs, so a repeat does not start in the middle of someone else's
    build.  Returns the share seen last."""
    end = time.monotonic() + max(0.0, min(limit, patience_left()))
    while True:
        m = LoadMeter()
        time.sleep(window)
        share = m.other_share()
        if share <= ENV["MAX_LOAD"] or time.monotonic() >= end:
            return share


def with_retries(what, fn):
    """Runs FN (one repeat) until others used at most MAX_LOAD of the
    CPUs meanwhile, at most RETRIES extra times.  Returns (result, load,
    retried)."""
    for attempt in range(RETRIES + 1):
        wait_quiet()
        m = LoadMeter()
        r = fn()
        load = m.other_share()
        if load <= ENV["MAX_LOAD"] or attempt == RETRIES or patience_left() <= 0:
            if load > ENV["MAX_LOAD"]:
                log(f"{what}: other work used {load:.0%} of the CPUs; kept")
            return r, load, attempt
        log(f"{what}: other work used {load:.0%} of the CPUs; again")
    raise AssertionError


# ---------------------------------------------------------------- the daemon

class Daemon:
    """thumperd -c CONF -d with its stderr read line by line, each line
    stamped with time.monotonic() as it arrives."""

    def __init__(self, workdir, source, dest, workers, debug=True):
        self.dir = workdir
        self.sock = os.path.join(workdir, "ctl.sock")
        self.conf = os.path.join(workdir, "thumper.conf")
        os.makedirs(os.path.join(workdir, "state"), exist_ok=True)
        with open(self.conf, "w") as f:
            f.write(f'workers = {workers};\n'
                    f'control_socket = "{self.sock}";\n'
                    f'state_dir = "{workdir}/state";\n'
                    f'watch = ( {{ source = "{source}"; dest = "{dest}"; }} );\n'
                    'sizes = ( { width = 200; height = 200; } );\n')
        self.lines = []
        self.cv = threading.Condition()
        self.t_spawn = time.monotonic()
        self.p = subprocess.Popen([THUMPERD, "-c", self.conf, "-d"],
                                  stdin=subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE)
        LIVE.add(self.p.pid)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for raw in self.p.stderr:
            t = time.monotonic()
            with self.cv:
                self.lines.append((t, raw.decode("utf-8", "replace").rstrip("\n")))
                self.cv.notify_all()
        with self.cv:
            self.lines.append((time.monotonic(), None))  # EOF
            self.cv.notify_all()

    def wait_line(self, pattern, timeout, tick=None):
        """The first (time, line) matching PATTERN; calls TICK() every
        0.1 s meanwhile.  Raises on timeout or daemon exit."""
        rx = re.compile(pattern)
        end = time.monotonic() + timeout
        i = 0
        with self.cv:
            while True:
                while i < len(self.lines):
                    t, line = self.lines[i]
                    i += 1
                    if line is None:
                        raise RuntimeError(f"thumperd exited before /{pattern}/:\n"
                                           + self.tail())
                    if rx.search(line):
                        return t, line
                left = end - time.monotonic()
                if left <= 0:
                    raise RuntimeError(f"no /{pattern}/ from thumperd in "
                                       f"{timeout} s:\n" + self.tail())
                self.cv.wait(min(left, 0.1))
                if tick:
                    self.cv.release()
                    try:
                        tick()
                    finally:
                        self.cv.acquire()

    def tail(self, n=15):
        return "\n".join(l for _, l in self.lines[-n:] if l is not None)

    def log_lines(self):
        with self.cv:
            return [l for _, l in self.lines if l is not None]

    def request(self, line, timeout=5.0):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        try:
            s.connect(self.sock)
            s.sendall(line.encode() + b"\n")
            buf = b""
            while True:
                b = s.recv(65536)
                if not b:
                    break
                buf += b
        finally:
            s.close()
        return json.loads(buf)

    def vm(self):
        """(VmRSS, VmHWM) in KiB."""
        out = {}
        with open(f"/proc/{self.p.pid}/status") as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("VmRSS", "VmHWM"):
                    out[k] = int(v.split()[0])
        return out.get("VmRSS", 0), out.get("VmHWM", 0)

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(20)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        LIVE.discard(self.p.pid)
        self.reader.join(5)


def kill_live():
    for pid in list(LIVE):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


# ---------------------------------------------------------------- latency

def images():
    files = sorted(f for f in glob.glob(os.path.join(ENV["IMAGES"], "**", "*"),
                                        recursive=True)
                   if f.lower().endswith((".jpg", ".jpeg")) and os.path.isfile(f))
    if not files:
        die(f"no JPEG under {ENV['IMAGES']} (apt-get install mate-backgrounds, "
            "or set BENCH_DAEMON_IMAGES)")
    return files


def worker_yardstick(base, pool):
    """Median in-process thumb_make() time per pool file, in us."""
    out = os.path.join(base, "tt")
    os.makedirs(out, exist_ok=True)
    r = subprocess.run([os.path.join(BIN, "thumb_time"), "-n", "7", out]
                       + [os.path.join(pool, n) for n in sorted(os.listdir(pool))],
                       capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        die("thumb_time failed:\n" + r.stderr)
    t = {}
    for line in r.stdout.splitlines():
        path, med, lo, hi = line.rsplit(" ", 3)
        t[os.path.basename(path)] = (float(med), float(lo), float(hi))
    shutil.rmtree(out)
    return t


def latency_run(base, pool, names, yard):
    run = tempfile.mkdtemp(prefix="lat.", dir=base)
    src, dst, stage = (os.path.join(run, x) for x in ("in", "out", "stage"))
    for d in (src, dst, stage):
        os.mkdir(d)
    uploads = []
    for i, n in enumerate(names):
        u = f"u{i:04d}-{n}"
        os.link(os.path.join(pool, n), os.path.join(stage, u))
        uploads.append(u)
    warm = []
    for i in range(4):   # untimed: the first jobs of fresh workers
        w = f"w{i}-{names[i % len(names)]}"
        os.link(os.path.join(pool, names[i % len(names)]), os.path.join(stage, w))
        warm.append(w)
    d = Daemon(run, src, dst, ENV["WORKERS"])
    try:
        d.wait_line(r"\bready\b", 20)
        d.wait_line(r"\bwalked\b", 20)
        probe = [os.path.join(BIN, "latprobe"), "-t", "30", "-g", str(ENV["GAP_MS"]),
                 "-p", str(d.p.pid), stage, src, dst]
        r = subprocess.run(probe + warm, capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            raise RuntimeError("latprobe (warm-up) failed: " + r.stderr + d.tail())
        r = subprocess.run(probe + uploads, capture_output=True, text=True,
                           timeout=30 * len(uploads))
        if r.returncode != 0:
            raise RuntimeError("latprobe failed: " + r.stderr + d.tail())
        status = d.request("status")
    finally:
        d.stop()
    logged = {}
    for line in d.log_lines():
        m = re.search(r"thumbnail of (.*) in (\d+) ms$", line)
        if m:
            logged[os.path.basename(m.group(1))] = int(m.group(2))
    rows = []
    for line in r.stdout.splitlines():
        u, lat, *rest = line.split()
        # microseconds; -1 (a worker went away meanwhile) is unknown
        wcpu, wwait, wjob, dcpu, dwait = (float(x) if float(x) >= 0 else float("nan")
                                          for x in rest)
        orig = u.split("-", 1)[1]
        lat = float(lat) / 1e3
        rows.append({
            "lat": lat,
            "ovh": lat - wcpu / 1e3,
            "ovh_loop": lat - yard[orig][0] / 1e3,
            "ovh_log": lat - logged[u] if u in logged else float("nan"),
            "wwait": wwait / 1e3,
            "wjob": wjob / 1e3,
            "dcpu": dcpu / 1e3,
            "dwait": dwait / 1e3,
        })
    shutil.rmtree(run)
    if len(rows) != len(uploads):
        raise RuntimeError(f"{len(rows)} of {len(uploads)} uploads timed")
    lat_ms = status.get("latency_ms", {})
    summary = {k: (median([r[k] for r in rows]), pct([r[k] for r in rows], 99))
               for k in rows[0]}
    summary["status"] = (lat_ms.get("p50"), lat_ms.get("p99"), lat_ms.get("samples"))
    return summary


def bench_latency(base):
    files = images()
    pool = os.path.join(base, "pool")
    os.makedirs(pool, exist_ok=True)
    for i, f in enumerate(files):   # one copy each on the benchmark's filesystem,
        name = re.sub(r"[^A-Za-z0-9._-]", "_", os.path.basename(f))   # unique,
        shutil.copyfile(f, os.path.join(pool, f"{i:03d}-{name}"))     # no spaces
    pnames = sorted(os.listdir(pool))
    names = [pnames[i % len(pnames)] for i in range(ENV["UPLOADS"])]
    log(f"latency: worker yardstick (thumb_time, {len(pnames)} files x 7)")
    yard = worker_yardstick(base, pool)
    runs, loads, retried = [], [], 0
    for k in range(ENV["RUNS"]):
        log(f"latency: run {k + 1}/{ENV['RUNS']}, {len(names)} uploads")
        s, load, again = with_retries(f"latency run {k + 1}",
                                      lambda: latency_run(base, pool, names, yard))
        runs.append(s)
        loads.append(load)
        retried += again
    shutil.rmtree(pool)
    return {"runs": runs, "loads": loads, "retried": retried,
            "files": len(pnames), "yard": yard}


# ---------------------------------------------------------------- trees

def tree_shape(spec):
    """"N" is N files in folders of 1,000; "flat:N" is N files in one."""
    flat = spec.startswith("flat:")
    n = int(spec.split(":")[-1])
    return (n, 1, n) if flat else (n, max(1, n // FILES_PER_DIR), min(n, FILES_PER_DIR))


def tree_label(spec):
    n, ndirs, per = tree_shape(spec)
    return f"{n:,} files" + (" in one folder" if ndirs == 1 and n > FILES_PER_DIR
                             else f" ({ndirs:,} folders of {per:,})")


def make_tree(base, spec):
    n, ndirs, per = tree_shape(spec)
    tag = spec.replace(":", "-")
    src, dst = os.path.join(base, f"src-{tag}"), os.path.join(base, f"dst-{tag}")
    t = time.monotonic()
    r = subprocess.run([os.path.join(BIN, "mktree"), src, dst, str(ndirs), str(per)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        die("mktree failed: " + r.stderr)
    log(f"trees: {tree_label(spec)}, and as many thumbnails, made in "
        f"{time.monotonic() - t:.1f} s")
    return src, dst


def time_find(src, dst):
    t = time.monotonic()
    subprocess.run(["find", src, dst, "-printf", "%T@\n"], stdout=subprocess.DEVNULL,
                   check=True, timeout=600)
    return time.monotonic() - t


class StatusPoller:
    """Asks the daemon for `status` every 50 ms from a thread and keeps
    the slowest reply: how long the event loop was kept from serving."""

    def __init__(self, d):
        self.d, self.worst, self.n = d, 0.0, 0
        self.stop = threading.Event()
        self.t = threading.Thread(target=self._run, daemon=True)
        self.t.start()

    def _run(self):
        while not self.stop.is_set():
            t = time.monotonic()
            try:
                self.d.request("status", timeout=60)
                self.worst = max(self.worst, time.monotonic() - t)
                self.n += 1
            except (OSError, ValueError):
                pass
            self.stop.wait(0.05)

    def end(self):
        self.stop.set()
        self.t.join(70)
        return self.worst


def daemon_walk(base, src, dst, n, poll=False):
    work = tempfile.mkdtemp(prefix="walk.", dir=base)
    d = Daemon(work, src, dst, ENV["WORKERS"])
    rss, poller = [], None

    def tick():
        try:
            rss.append(d.vm()[0])
        except OSError:
            pass
    try:
        t_ready, _ = d.wait_line(r"\bready\b", 30, tick)
        if poll:
            poller = StatusPoller(d)
        t_walked, line = d.wait_line(r"\bwalked\b", 600, tick)
        after_rss, hwm = d.vm()
        m = re.search(r"walked .*: (\d+) folders, (\d+) images, (\d+) queued, "
                      r"(\d+) orphans", line)
        if not m or int(m.group(2)) != n or int(m.group(3)) or int(m.group(4)):
            raise RuntimeError(f"not a pure reconciliation of {n} files: {line}")
    finally:
        blocked = poller.end() if poller else None
        d.stop()
    shutil.rmtree(work)
    return {"walk": t_walked - t_ready, "start": t_walked - d.t_spawn,
            "hwm": hwm, "rss_during": max(rss) if rss else 0, "rss_after": after_rss,
            "blocked": blocked}


def bench_tree(base, spec):
    n = tree_shape(spec)[0]
    src, dst = make_tree(base, spec)
    time_find(src, dst)              # warm: both see the same cache state
    # The daemon's first run is untimed; it measures how long the loop
    # is kept busy instead (status polled all through the walk).
    blocked = daemon_walk(base, src, dst, n, poll=True)["blocked"]
    log(f"trees: {tree_label(spec)}: slowest status reply during the walk "
        f"{blocked * 1e3:.0f} ms")
    reps, loads, retried = [], [], 0
    for k in range(ENV["RUNS"]):
        def pair():
            if k % 2 == 0:
                f = time_find(src, dst)
                w = daemon_walk(base, src, dst, n)
            else:
                w = daemon_walk(base, src, dst, n)
                f = time_find(src, dst)
            w["find"] = f
            w["ratio"] = w["walk"] / f
            return w
        r, load, again = with_retries(f"{tree_label(spec)}, repeat {k + 1}", pair)
        log(f"trees: {tree_label(spec)}: walk {r['walk']:.3f} s, find {r['find']:.3f} s, "
            f"x{r['ratio']:.2f}, VmHWM {r['hwm']} KiB")
        reps.append(r)
        loads.append(load)
        retried += again
    t = time.monotonic()
    subprocess.run(["rm", "-rf", src, dst], check=False)
    log(f"trees: {tree_label(spec)}: removed in {time.monotonic() - t:.1f} s")
    return {"reps": reps, "loads": loads, "retried": retried, "blocked": blocked,
            "n": n, "flat": spec.startswith("flat:")}


# ---------------------------------------------------------------- report

def verdict(ok):
    return "yes" if ok else "**NO**"


def report(lat, trees):
    envs = " ".join(f"{k}={os.environ[k]}" for k in sorted(os.environ)
                    if k.startswith("BENCH_DAEMON_") and k not in
                    ("BENCH_DAEMON_BIN", "BENCH_DAEMON_RESULTS"))
    cmd = (envs + " " if envs else "") + "make bench-daemon"
    out = ["## thumperd against doc/design.md §9", "",
           f"`{cmd}` in the build tree; {datetime.datetime.now():%Y-%m-%d %H:%M}, "
           f"{NCPU} CPUs, Linux {platform.release()}, workers = {ENV['WORKERS']}, "
           f"files on {TMPROOT_FS}.  Every figure is the median over "
           f"{ENV['RUNS']} repeats (for p99: the median of the repeats' p99s).", "",
           "| measure | result | target | met |", "|---|---:|---|:-:|"]
    row = lambda *c: out.append("| " + " | ".join(c) + " |")

    def med(key, i):
        return median([r[key][i] for r in lat["runs"]])

    if lat:
        n = ENV["UPLOADS"]
        o50, o99 = med("ovh_log", 0), med("ovh_log", 1)
        row(f"live overhead p50: latency − the worker's own time on that job as "
            f"thumperd logs it (whole ms, floored: reads 0–1 ms high); {n} uploads "
            f"of {lat['files']} photos", f"{o50:.2f} ms", "≤ 2 ms", verdict(o50 <= 2))
        row("live overhead p99, the same", f"{o99:.2f} ms", "≤ 10 ms", verdict(o99 <= 10))
        row("live overhead, µs resolution: latency − worker CPU time on the job "
            "(/proc schedstat; a worker waiting for a CPU counts as overhead), p50 / p99",
            f"{med('ovh', 0):.2f} / {med('ovh', 1):.2f} ms", "", "")
        row("cross-check: latency − median in-process time of the file "
            "(thumb_time), p50 / p99",
            f"{med('ovh_loop', 0):.2f} / {med('ovh_loop', 1):.2f} ms", "", "")
        row("rename → thumbnail visible, p50 / p99",
            f"{med('lat', 0):.1f} / {med('lat', 1):.1f} ms", "", "")
        s50 = median([r["status"][0] for r in lat["runs"]])
        s99 = median([r["status"][1] for r in lat["runs"]])
        row("thumperd's own `status` latency_ms p50 / p99 (queued → result)",
            f"{s50:g} / {s99:g} ms", "", "")
        row("workers runnable but waiting for a CPU during an upload, p50 / p99",
            f"{med('wwait', 0):.2f} / {med('wwait', 1):.2f} ms", "", "")
        row("thumperd waiting for a CPU during an upload, p50 / p99",
            f"{med('dwait', 0):.2f} / {med('dwait', 1):.2f} ms", "", "")
        row("thumperd CPU time per upload (event, dispatch, result, -d log), p50 / p99",
            f"{med('dcpu', 0):.3f} / {med('dcpu', 1):.3f} ms", "", "")
    hw = {}
    for spec, t in trees.items():
        hw[spec] = median([r["hwm"] for r in t["reps"]])
        rd = median([r["rss_during"] for r in t["reps"]])
        ra = median([r["rss_after"] for r in t["reps"]])
        row(f"thumperd peak RSS (VmHWM) reconciling {tree_label(spec)}; VmRSS "
            f"sampled during / after the walk {rd / 1024:.1f} / {ra / 1024:.1f} MiB",
            f"{hw[spec] / 1024:.1f} MiB", "≤ 20 MiB", verdict(hw[spec] <= 20 * 1024))
    foldered = sorted((t["n"], spec) for spec, t in trees.items() if not t["flat"])
    if len(foldered) >= 2:
        (n0, s0), (n1, s1) = foldered[0], foldered[-1]
        q = hw[s1] / hw[s0]
        row(f"peak RSS {n1:,} / {n0:,} files", f"{q:.3f}", "0.90–1.10",
            verdict(0.9 <= q <= 1.1))
    for spec, t in trees.items():
        ratio = median([r["ratio"] for r in t["reps"]])
        w = median([r["walk"] for r in t["reps"]])
        f = median([r["find"] for r in t["reps"]])
        st = median([r["start"] for r in t["reps"]])
        row(f"reconcile {tree_label(spec)}: walk (`ready` → `walked` {w:.2f} s; "
            f"spawn → `walked` {st:.2f} s) / `find SRC DEST -printf '%T@\\n'` "
            f"({f:.2f} s), paired", f"{ratio:.2f}×", "≤ 1.5×", verdict(ratio <= 1.5))
    for spec, t in trees.items():
        row(f"event loop held up during that walk: slowest `status` reply "
            f"(polled every 50 ms, untimed run), {tree_label(spec)}",
            f"{t['blocked'] * 1e3:.0f} ms", "", "")
    out.append("")
    notes = []
    if lat:
        notes.append(f"latency runs: other work used {median(lat['loads']):.0%} "
                     f"(max {max(lat['loads']):.0%}) of the CPUs, "
                     f"{lat['retried']} repeat(s) run again")
    for spec, t in trees.items():
        notes.append(f"{tree_label(spec)}: {median(t['loads']):.0%} "
                     f"(max {max(t['loads']):.0%}), {t['retried']} run again")
    out.append("Other work on the machine while measuring: " + "; ".join(notes) +
               f".  A repeat during which others used more than "
               f"{ENV['MAX_LOAD']:.0%} of the CPUs is run again (at most {RETRIES} "
               "times, within BENCH_DAEMON_PATIENCE) and then kept: on a busy machine "
               "distrust the absolute times first.")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- main

TMPROOT_FS = "?"


def pick_tmp():
    want = os.environ.get("BENCH_DAEMON_TMP")
    need = 100000
    if "trees" in ENV["ONLY"]:     # one tree (and its thumbnails) at a time
        need += 2 * max(tree_shape(t)[0] for t in ENV["TREES"])
    for cand in ([want] if want else ["/dev/shm", "/var/tmp"]):
        try:
            st = os.statvfs(cand)
        except OSError:
            continue
        if want or st.f_favail > need * 1.2:
            return cand
    die("no folder with enough inodes for the trees: set BENCH_DAEMON_TMP")


def fs_type(path):
    best, kind = "", "?"
    with open("/proc/mounts") as f:
        for line in f:
            dev, mnt, typ = line.split()[:3]
            if (path == mnt or path.startswith(mnt.rstrip("/") + "/")) and \
                    len(mnt) >= len(best):
                best, kind = mnt, typ
    return f"{path} ({kind})"


def main():
    global TMPROOT, TMPROOT_FS
    if not THUMPERD or not BIN:
        die("run through `make bench-daemon` (THUMPERD and BENCH_DAEMON_BIN unset)")
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda s, f: sys.exit(128 + s))
    where = pick_tmp()
    TMPROOT = tempfile.mkdtemp(prefix="thumper-bench-daemon.", dir=where)
    TMPROOT_FS = fs_type(where)
    t0 = time.monotonic()
    lat, trees = None, {}
    try:
        if "latency" in ENV["ONLY"]:
            lat = bench_latency(TMPROOT)
        if "trees" in ENV["ONLY"]:
            for spec in ENV["TREES"]:
                trees[spec] = bench_tree(TMPROOT, spec)
    finally:
        kill_live()
        subprocess.run(["rm", "-rf", TMPROOT], check=False)
    table = report(lat, trees)
    print(table, end="")
    if RESULTS:
        with open(RESULTS, "w") as f:
            f.write(table)
    log(f"done in {time.monotonic() - t0:.0f} s" +
        (f"; table written to {RESULTS}" if RESULTS else ""))


if __name__ == "__main__":
    main()
