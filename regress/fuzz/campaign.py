#!/usr/bin/env python3
"""Run every libFuzzer target for a while and keep the account.

Called by `make fuzz` (after `make fuzzbuild` built obj/fuzz/fuzz_NAME):

    python3 regress/fuzz/campaign.py [--seconds S] [--only NAME ...]
        [--nice N] [--merge]

Each target runs S seconds (-max_total_time) on one core, starting from
its corpus regress/fuzz/NAME/corpus; what it finds that is new goes to
obj/fuzz/work/NAME (and, with --merge, the inputs that add coverage are
merged into the kept corpus with -merge=1, to be committed).  Crashes,
leaks, timeouts and sanitizer reports are kept as obj/fuzz/crashes/NAME/
crash-* and make the run fail.

Every run appends one line to regress/fuzz/hours.tsv (date, commit,
target, CPU seconds, executions, result), which is how the CPU-hours per
target in doc/reliability.md (figure 11) are added up: --sum prints the
totals without running anything.
"""

import argparse
import datetime
import os
import re
import resource
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
LEDGER = os.path.join(HERE, "hours.tsv")
OBJ = os.path.join(REPO, "obj", "fuzz")
HEADER = "date\tcommit\ttarget\tcpu_s\texecs\tresult\n"
EXECS = re.compile(r"stat::number_of_executed_units:\s*(\d+)")


def targets():
    return sorted(d for d in os.listdir(HERE)
                  if os.path.isfile(os.path.join(HERE, d, "fuzz_%s.c" % d)))


def commit():
    p = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO,
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    return p.stdout.decode().strip() or "-"


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_one(name, seconds, nice, merge):
    """(cpu seconds, executions, result) of one target's run."""
    binary = os.path.join(OBJ, "fuzz_" + name)
    corpus = os.path.join(HERE, name, "corpus")
    work = os.path.join(OBJ, "work", name)
    crashes = os.path.join(OBJ, "crashes", name)
    os.makedirs(work, exist_ok=True)
    os.makedirs(crashes, exist_ok=True)
    argv = ["nice", "-n", str(nice), binary,
            "-max_total_time=%d" % seconds, "-timeout=10",
            "-rss_limit_mb=2048", "-print_final_stats=1",
            "-artifact_prefix=%s/" % crashes, work, corpus]
    before = children_cpu()
    old = set(os.listdir(crashes))      # a run's own findings only
    p = subprocess.run(argv, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, cwd=REPO)
    cpu = children_cpu() - before
    out = p.stdout.decode("utf-8", "replace")
    m = EXECS.findall(out)
    execs = int(m[-1]) if m else 0
    found = sorted(f for f in set(os.listdir(crashes)) - old
                   if f.startswith(("crash-", "leak-", "timeout-", "oom-")))
    if p.returncode != 0 or found:
        tail = "\n".join(out.rstrip().split("\n")[-25:])
        print("FAIL fuzz %s: exit %d, kept: %s\n%s" %
              (name, p.returncode, " ".join(found) or "-", tail))
        result = "crash"
    else:
        result = "ok"
    if merge and result == "ok":
        subprocess.run([binary, "-merge=1", corpus, work],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       cwd=REPO)
    return cpu, execs, result


def summary():
    tot = {}
    if os.path.exists(LEDGER):
        with open(LEDGER) as f:
            for line in f.readlines()[1:]:
                v = line.rstrip("\n").split("\t")
                if len(v) == 6:
                    t = tot.setdefault(v[2], [0.0, 0, 0])
                    t[0] += float(v[3])
                    t[1] += int(v[4])
                    t[2] += v[5] != "ok"
    for name in sorted(tot):
        cpu, execs, bad = tot[name]
        print("%-14s %7.2f CPU-hours %13d executions %d crashing runs" %
              (name, cpu / 3600, execs, bad))
    print("%-14s %7.2f CPU-hours" %
          ("total", sum(t[0] for t in tot.values()) / 3600))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--only", action="append")
    ap.add_argument("--nice", type=int, default=10)
    ap.add_argument("--merge", action="store_true")
    ap.add_argument("--sum", action="store_true")
    opt = ap.parse_args()
    if opt.sum:
        summary()
        return 0
    names = opt.only or targets()
    missing = [n for n in names
               if not os.access(os.path.join(OBJ, "fuzz_" + n), os.X_OK)]
    if missing:
        print("not built (make fuzzbuild): %s" % " ".join(missing))
        return 1
    if not os.path.exists(LEDGER):
        with open(LEDGER, "w") as f:
            f.write(HEADER)
    rev, bad = commit(), []
    for name in names:
        cpu, execs, result = run_one(name, opt.seconds, opt.nice, opt.merge)
        print("%s fuzz %s: %.0f s CPU, %d executions" %
              ("PASS" if result == "ok" else "FAIL", name, cpu, execs))
        sys.stdout.flush()
        with open(LEDGER, "a") as f:
            f.write("%s\t%s\t%s\t%.0f\t%d\t%s\n" %
                    (datetime.date.today().isoformat(), rev, name, cpu,
                     execs, result))
        if result != "ok":
            bad.append(name)
    summary()
    if bad:
        print("crashes kept under obj/fuzz/crashes/: %s" % " ".join(bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
