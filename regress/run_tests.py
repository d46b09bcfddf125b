#!/usr/bin/env python3
"""Run every test `make check` knows about and end with `N passed, N failed`.

Called by `make check` as
    SAN=1 BIN=<abs dir of binaries> OBJ=<abs obj dir> python3 regress/run_tests.py

Categories (each may be absent; nothing found is not an error):
  unit   every cmocka binary under $OBJ/unit/ (each of its tests counts)
  fuzz   every replay binary $OBJ/fuzz/<name>/fuzz_<name>, fed the files of
         regress/fuzz/<name>/corpus/ (one test per target)
  diff   every regress/diff/*_diff.py script (bt_diff.py, mode_diff.py ...);
         each prints `PASS|FAIL|SKIP diff <name>: ...` lines, one test per
         line; `XFAIL diff ...` (a known, labelled difference) counts as
         neither pass nor failure, `XPASS diff ...` as a pass
  pytest test_*.py under regress/proto/, regress/diff/ and regress/e2e/
         (python3 -m pytest, a run per folder)
  e2e    regress/e2e alone (not in the default set: pytest covers it)

Skipped tests and expected differences are reported on their own lines
(`N skipped`, `N expected to differ (XFAIL)`) before the last line and never
count as passed.  Exit status is 1 when anything failed.

Options: --only unit|fuzz|diff|pytest (repeatable) to run a subset;
--jobs N (default $CHECK_JOBS, else 2): with N >= 2 the diff scripts and
the pytest suites run side by side, each as a child `run_tests.py --only`
whose lines are passed through as they come and whose tallies are added
up (the oracle is fetched first, so the two never fetch it at once).
Each diff script and pytest suite reports its run time, and the slowest
are listed at the end.
"""

import argparse
import os
import re
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
TIMEOUT = 600             # seconds per binary or script


class Tally:
    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.skipped = 0
        self.xfailed = 0
        self.failures = []

    def add(self, passed=0, failed=0, skipped=0, what=None, xfailed=0):
        self.passed += passed
        self.failed += failed
        self.skipped += skipped
        self.xfailed += xfailed
        if failed and what:
            self.failures.append(what)


def rel(path):
    return os.path.relpath(path, REPO)


def run(argv, env=None, cwd=REPO, timeout=TIMEOUT):
    """Run argv; returns (rc, combined output).  rc None on timeout."""
    try:
        p = subprocess.run(argv, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, env=env, cwd=cwd,
                           timeout=timeout)
        return p.returncode, p.stdout.decode("utf-8", "replace")
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode("utf-8", "replace")
        return None, out + "\n*** timed out after %d s\n" % timeout
    except OSError as e:
        return 127, "cannot run %s: %s\n" % (argv[0], e)


def show(text, indent="    ", limit=60):
    lines = text.rstrip("\n").split("\n")
    if len(lines) > limit:
        lines = lines[:limit] + ["... (%d more lines)" % (len(lines) - limit)]
    for line in lines:
        print(indent + line)


def base_env():
    env = dict(os.environ)
    if env.get("SAN") == "1":
        env.setdefault("ASAN_OPTIONS",
                       "abort_on_error=0:halt_on_error=1:detect_leaks=1")
        env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
    return env


def executables(top):
    """Executable regular files below top, sorted."""
    found = []
    for d, dirs, files in os.walk(top):
        dirs.sort()
        for f in sorted(files):
            p = os.path.join(d, f)
            if (os.access(p, os.X_OK) and os.path.isfile(p)
                    and not f.endswith((".o", ".d", ".a"))):
                found.append(p)
    return found


TOOK = re.compile(r"^took (\S+ \S+): (\d+) s$", re.M)


def took(what, t0):
    """The line that says how long a script or suite ran."""
    return "took %s: %d s" % (what, round(time.monotonic() - t0))


# ---- cmocka unit binaries

CM_PASSED = re.compile(r"^\[  PASSED  \] (\d+) test\(s\)\.", re.M)
CM_FAILED = re.compile(r"^\[  FAILED  \] (\d+) test\(s\), listed below", re.M)
CM_SKIPPED = re.compile(r"^\[  SKIPPED \] (\d+) test\(s\), listed below",
                        re.M)


def run_unit(obj, tally):
    top = os.path.join(obj, "unit")
    if not os.path.isdir(top):
        print("unit: no %s, none run" % top)
        return
    env = base_env()
    env["CMOCKA_MESSAGE_OUTPUT"] = "STDOUT"
    for b in executables(top):
        name = os.path.relpath(b, top)
        rc, out = run([b], env=env)
        p = sum(int(n) for n in CM_PASSED.findall(out))
        f = sum(int(n) for n in CM_FAILED.findall(out))
        s = sum(int(n) for n in CM_SKIPPED.findall(out))
        if rc != 0 and f == 0:
            f = 1       # crashed, sanitizer report or no summary at all
        if rc == 0 and p + f + s == 0:
            f = 1       # ran nothing we could see: not a pass
        verdict = "FAIL" if f else "PASS"
        print("%s unit %s: %d passed, %d failed, %d skipped%s" %
              (verdict, name, p, f, s,
               "" if rc == 0 else " (exit %s)" % rc))
        if f:
            show(out)
        tally.add(p, f, s, "unit " + name)


# ---- fuzz corpus replay

def run_fuzz(obj, tally):
    top = os.path.join(obj, "fuzz")
    if not os.path.isdir(top):
        print("fuzz: no %s, none run" % top)
        return
    env = base_env()
    for b in executables(top):
        fname = os.path.basename(b)
        name = fname[len("fuzz_"):] if fname.startswith("fuzz_") else fname
        corpus = os.path.join(HERE, "fuzz", name, "corpus")
        inputs = []
        if os.path.isdir(corpus):
            for d, dirs, files in os.walk(corpus):
                dirs.sort()
                inputs += [os.path.join(d, f) for f in sorted(files)]
        if not inputs:
            print("SKIP fuzz %s: no corpus in %s" % (name, rel(corpus)))
            tally.add(skipped=1)
            continue
        rc, out = run([b] + inputs, env=env)
        if rc == 0:
            print("PASS fuzz %s: %d inputs replayed" % (name, len(inputs)))
            tally.add(passed=1)
        else:
            print("FAIL fuzz %s: exit %s on %d inputs" %
                  (name, rc, len(inputs)))
            show(out)
            tally.add(failed=1, what="fuzz " + name)


# ---- differential scripts

DIFF_LINE = re.compile(r"^(PASS|FAIL|SKIP|XFAIL|XPASS) (\S+ \S+?):", re.M)


def run_diff(bindir, tally):
    top = os.path.join(HERE, "diff")
    scripts = sorted(f for f in os.listdir(top) if f.endswith("_diff.py")) \
        if os.path.isdir(top) else []
    if not scripts:
        print("diff: no regress/diff/*_diff.py, none run")
        return
    env = base_env()
    env["BIN"] = bindir
    for s in scripts:
        t0 = time.monotonic()
        rc, out = run([sys.executable, os.path.join(top, s)], env=env)
        sys.stdout.write(out if out.endswith("\n") else out + "\n")
        print(took("diff " + s, t0))
        seen = DIFF_LINE.findall(out)
        for verdict, what in seen:
            if verdict in ("PASS", "XPASS"):
                tally.add(passed=1)
            elif verdict == "SKIP":
                tally.add(skipped=1)
            elif verdict == "XFAIL":
                tally.add(xfailed=1)
            else:
                tally.add(failed=1, what=what)
        if rc not in (0, 77) and not any(v == "FAIL" for v, _ in seen):
            print("FAIL diff %s: exit %s" % (s, rc))
            tally.add(failed=1, what="diff " + s)
        if not seen and rc in (0, 77):
            print("FAIL diff %s: reported no result" % s)
            tally.add(failed=1, what="diff " + s)


# ---- pytest suites

PY_COUNT = re.compile(r"(\d+) (passed|failed|errors?|skipped|xfailed|"
                      r"xpassed|deselected)")


def pytest_python():
    """An interpreter that has pytest: ours, else Debian's python3."""
    for py in (sys.executable, "/usr/bin/python3"):
        if py and os.access(py, os.X_OK):
            rc, _ = run([py, "-c", "import pytest"], timeout=60)
            if rc == 0:
                return py
    return None


def run_pytest(bindir, obj, tally, subs=("proto", "diff", "e2e")):
    suites = []
    for sub in subs:
        d = os.path.join(HERE, sub)
        if os.path.isdir(d):
            for dd, dirs, files in os.walk(d):
                dirs[:] = sorted(x for x in dirs
                                 if not x.startswith((".", "__")))
                if any(f.startswith("test_") and f.endswith(".py")
                       for f in files):
                    suites.append(d)
                    break
    if not suites:
        print("pytest: no test_*.py under regress/%s" % " or ".join(subs))
        return
    py = pytest_python()
    for d in suites:
        name = rel(d)
        if py is None:
            print("SKIP pytest %s: pytest is not installed (make deps)" %
                  name)
            tally.add(skipped=1)
            continue
        env = base_env()
        env["BIN"] = bindir
        env["OBJ"] = obj
        t0 = time.monotonic()
        rc, out = run([py, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                       d], env=env, timeout=3600)
        print(took("pytest " + name, t0))
        lines = [l for l in out.strip().split("\n") if l.strip()]
        summary = lines[-1] if lines else ""
        counts = {}
        for n, kind in PY_COUNT.findall(summary):
            counts[kind] = counts.get(kind, 0) + int(n)
        p = counts.get("passed", 0) + counts.get("xpassed", 0)
        f = counts.get("failed", 0) + counts.get("error", 0) + \
            counts.get("errors", 0)
        s = counts.get("skipped", 0) + counts.get("xfailed", 0)
        if rc not in (0, 5) and f == 0:
            f = 1       # collection or internal error
        print("%s pytest %s: %d passed, %d failed, %d skipped" %
              ("FAIL" if f else "PASS", name, p, f, s))
        if f or s:
            show(out)
        tally.add(p, f, s, "pytest " + name)


# ---- diff and pytest side by side

SUMMARY = re.compile(r"^(\d+) passed, (\d+) failed$", re.M)
SKIPPED = re.compile(r"^(\d+) skipped$", re.M)
XFAILED = re.compile(r"^(\d+) expected to differ \(XFAIL\)$", re.M)
FAILED = re.compile(r"^failed: (.*)$", re.M)


def run_child(cat, tally, lock, timings):
    """run_tests.py --only CAT as a child: its lines printed as they
    come (a line at a time, under lock), its tallies added to tally."""
    argv = [sys.executable, os.path.abspath(__file__), "--only", cat,
            "--jobs", "1", "--quiet-header"]
    seen = []
    try:
        p = subprocess.Popen(argv, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, cwd=REPO)
    except OSError as e:
        with lock:
            print("FAIL %s: cannot run %s: %s" % (cat, argv[0], e))
            tally.add(failed=1, what=cat)
        return
    for raw in p.stdout:
        line = raw.decode("utf-8", "replace")
        seen.append(line)
        with lock:
            sys.stdout.write(line)
            sys.stdout.flush()
    rc = p.wait()
    out = "".join(seen)
    m = SUMMARY.findall(out)
    with lock:
        if not m:
            print("FAIL %s: the child ended (exit %s) without a summary" %
                  (cat, rc))
            tally.add(failed=1, what=cat)
            return
        passed, failed = (int(x) for x in m[-1])
        skipped = sum(int(x) for x in SKIPPED.findall(out))
        xfailed = sum(int(x) for x in XFAILED.findall(out))
        tally.add(passed, 0, skipped, xfailed=xfailed)
        names = FAILED.findall(out)
        tally.failed += failed
        tally.failures += names[-1].split(", ") if names else \
            ([cat] if failed else [])
        timings += [(int(n), w) for w, n in TOOK.findall(out)]


def fetch_oracle():
    """The oracle before the side-by-side children, which both use it."""
    rc, out = run(["sh", os.path.join(HERE, "oracle.sh")], timeout=900)
    if rc != 0:
        print("note: oracle.sh: %s (the tests that need it say so)" %
              out.strip())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", action="append",
                    choices=["unit", "fuzz", "diff", "pytest", "e2e"])
    ap.add_argument("--jobs", type=int,
                    default=int(os.environ.get("CHECK_JOBS") or 2))
    ap.add_argument("--quiet-header", action="store_true",
                    help=argparse.SUPPRESS)
    opt = ap.parse_args()
    want = set(opt.only or ["unit", "fuzz", "diff", "pytest"])

    bindir = os.path.abspath(os.environ.get("BIN") or
                             os.path.join(REPO, "bin"))
    obj = os.path.abspath(os.environ.get("OBJ") or
                          os.path.join(REPO, "obj", "opt"))
    if not opt.quiet_header:
        print("run_tests: BIN=%s OBJ=%s SAN=%s jobs=%d" %
              (bindir, obj, os.environ.get("SAN", "0"), opt.jobs))
    sys.stdout.flush()
    start = time.monotonic()

    tally = Tally()
    for cat, fn in (("unit", lambda: run_unit(obj, tally)),
                    ("fuzz", lambda: run_fuzz(obj, tally))):
        if cat in want:
            fn()
            sys.stdout.flush()
    side = [c for c in ("diff", "pytest") if c in want]
    timings = []
    if opt.jobs >= 2 and len(side) == 2:
        fetch_oracle()
        lock = threading.Lock()
        threads = [threading.Thread(target=run_child,
                                    args=(c, tally, lock, timings))
                   for c in side]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    else:
        for cat, fn in (("diff", lambda: run_diff(bindir, tally)),
                        ("pytest", lambda: run_pytest(bindir, obj,
                                                      tally))):
            if cat in want:
                fn()
                sys.stdout.flush()
    if "e2e" in want:
        run_pytest(bindir, obj, tally, ("e2e",))

    if timings and not opt.quiet_header:
        timings.sort(reverse=True)
        print("slowest: " + ", ".join("%s %d s" % (w, n)
                                     for n, w in timings[:8]))
    if tally.failures:
        print("failed: " + ", ".join(tally.failures))
    if tally.skipped:
        print("%d skipped" % tally.skipped)
    if tally.xfailed:
        print("%d expected to differ (XFAIL)" % tally.xfailed)
    if not opt.quiet_header:
        print("run time %d s" % round(time.monotonic() - start))
    print("%d passed, %d failed" % (tally.passed, tally.failed))
    return 1 if tally.failed else 0


if __name__ == "__main__":
    sys.exit(main())
