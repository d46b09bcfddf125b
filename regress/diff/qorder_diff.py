#!/usr/bin/env python3
"""Differential test of the order of a queue run against the real
sendmail 8.17: QueueSortOrder (priority, host, time, filename,
modification, none; random by what is delivered only), MaxQueueRunSize
and MinQueueAge; and CheckpointInterval.

The real sendmail queues five messages (-odq) in deliver_diff.py's world;
their qf files then get the P, T, K, N lines, first recipient and file
times of the table below, and each program runs a copy of that queue
(-qf) with the case's options.  The local mailer notes each message's
recipient and Subject: in one file, so the order of delivery is what is
compared, then which messages are left.

CheckpointInterval cases: one message to five local users, whose local
mailer kills the queue runner (its parent) during the third delivery;
what is compared is the recipients its qf has left after that crash, and
every delivery made by that run and a second one (what was repeated).

Usage: qorder_diff.py [--bin DIR] [--show] [case ...]
Prints PASS|FAIL|SKIP diff qorder-<case>: ... lines (see run_tests.py).
"""

import glob
import os
import re
import shutil
import sys
import time

from deliver_diff import side
from oracle_env import (Skip, centos_world, diff_args, oracle_binary,
                        oracle_env, our_binary, ours_env, run_ns, verdict)

LOCAL_SH = """#!/bin/sh
# the test's local mailer: notes whom and what, in delivery order
for u; do :; done
s=$(sed -n 's/^Subject: //p' | head -n 1)
echo "$u $s" >> '%s'/order
"""

# subject -> (recipient, P, T age, K age (None: never tried), mtime age)
MESSAGES = {
    "m1": ("joe@vm.example.test", 30100, 500, None, 50),
    "m2": ("bob@example.test", 30050, 400, 10, 300),
    "m3": ("root@mail.example.test", 90000, 900, 3000, 10),
    "m4": ("joe@example.test", 30000, 100, None, 200),
    "m5": ("bob@vm.example.test", 60000, 700, 5000, 100),
}

# name -> (cf lines, compare the order (else the set delivered))
CASES = {
    "default": ([], True),
    "priority": (["O QueueSortOrder=priority"], True),
    "host": (["O QueueSortOrder=host"], True),
    "time": (["O QueueSortOrder=time"], True),
    "filename": (["O QueueSortOrder=filename"], True),
    "modification": (["O QueueSortOrder=modification"], True),
    "random": (["O QueueSortOrder=random"], False),
    "none": (["O QueueSortOrder=none"], True),
    "min-age": (["O MinQueueAge=5m"], True),
    "min-age-filename": (["O QueueSortOrder=filename",
                          "O MinQueueAge=5m"], True),
    "max-run": (["O MaxQueueRunSize=2"], True),
}


KILLER_SH = """#!/bin/sh
# the test's local mailer: notes whom, and kills its parent (the queue
# run) during the third delivery of the test
d='%s'
for u; do :; done
n=$(cat "$d"/count 2>/dev/null || echo 0)
n=$((n + 1))
echo $n > "$d"/count
echo "$u" >> "$d"/order
cat >/dev/null
if [ $n -eq 3 ]; then kill -9 $PPID; fi
exit 0
"""

CKPT_RCPTS = ["bob", "joe", "mail", "root", "uucp"]

# name -> cf lines
CKPT_CASES = {
    "checkpoint-2": ["O CheckpointInterval=2"],
    "checkpoint-1": ["O CheckpointInterval=1"],
    "checkpoint-default": [],
}


def run_checkpoint(n, world, ours):
    """One CheckpointInterval case; (oracle lines, our lines)."""
    root, prefix, tmp, good, env = world
    res = {}
    for who in ("oracle", "ours"):
        qdir, out, cf = side(good, tmp, n, who, KILLER_SH, CKPT_CASES[n])
        binary, e = ((oracle_binary(root), env) if who == "oracle"
                     else (ours, ours_env()))
        if who == "oracle":
            os.makedirs(qdir)
            run_ns(prefix, tmp, [binary, "-C", cf, "-odq"] + CKPT_RCPTS,
                   e, stdin=b"Subject: ckpt\n\nbody\n")
            saved = os.path.join(tmp, "q-%s-saved" % n)
            shutil.copytree(qdir, saved)
        else:
            shutil.copytree(os.path.join(tmp, "q-%s-saved" % n), qdir)
        run_ns(prefix, tmp, [binary, "-C", cf, "-qf"], e)
        left = []
        for f in sorted(glob.glob(qdir + "/qf*")):
            with open(f, "rb") as fh:
                left += [ln.split(b":", 1)[-1] for ln in fh.read().split(
                    b"\n") if ln.startswith(b"R")]
        run_ns(prefix, tmp, [binary, "-C", cf, "-qf"], e)
        with open(os.path.join(out, "order"), "rb") as fh:
            order = fh.read().split(b"\n")
        res[who] = [b"----- left after the crash"] + left + [
            b"----- delivered by both runs"] + order + [
            b"----- left: %d" % len(glob.glob(qdir + "/qf*"))]
    return res["oracle"], res["ours"]


def make_queue(root, prefix, tmp, good, env):
    """The five messages, queued by the real sendmail, then edited."""
    qdir, _, cf = side(good, tmp, "build", "oracle", LOCAL_SH)
    os.makedirs(qdir)
    now = int(time.time())
    for subj in sorted(MESSAGES):
        run_ns(prefix, tmp, [oracle_binary(root), "-C", cf, "-odq", "joe"],
               env, stdin=b"Subject: %s\n\nbody\n" % subj.encode())
    for f in glob.glob(qdir + "/qf*"):
        with open(f, encoding="latin-1") as fh:
            text = fh.read()
        subj = re.search(r"(?m)^H\?\?Subject: (\S+)$", text).group(1)
        rcpt, pri, tage, kage, mage = MESSAGES[subj]
        text = re.sub(r"(?m)^P\d+$", "P%d" % pri, text)
        text = re.sub(r"(?m)^T\d+$", "T%d" % (now - tage), text)
        text = re.sub(r"(?m)^K\d+$", "K%d" % (0 if kage is None else
                                              now - kage), text)
        text = re.sub(r"(?m)^N\d+$", "N%d" % (0 if kage is None else 1),
                      text)
        text = re.sub(r"(?m)^(C.*\n)?(r.*\n)?R([A-Z]*):.*$",
                      "R\\3:" + rcpt, text, count=1)
        with open(f, "w", encoding="latin-1") as fh:
            fh.write(text)
        os.utime(f, (now - mage, now - mage))
    return qdir


def main():
    args = diff_args()
    names = args.cases or list(CASES) + list(CKPT_CASES)
    try:
        root, prefix, tmp, base = centos_world("qorder_diff.")
        env = oracle_env(root)
        with open(base) as f:
            good = f.read()
        saved = make_queue(root, prefix, tmp, good, env)
    except Skip as e:
        for n in names:
            print("SKIP diff qorder-%s: %s" % (n, e))
        return 0
    ours = our_binary(os.path.abspath(args.bin))
    failed = 0
    for n in names:
        if n in CKPT_CASES:
            want, got = run_checkpoint(n, (root, prefix, tmp, good, env),
                                       ours)
            failed += verdict("qorder-" + n, want, got, show=args.show)
            continue
        opts, ordered = CASES[n]
        res = {}
        for who in ("oracle", "ours"):
            qdir, out, cf = side(good, tmp, n, who, LOCAL_SH, opts)
            shutil.copytree(saved, qdir)
            for f in glob.glob(saved + "/*"):   # keep the file times
                st = os.stat(f)
                os.utime(os.path.join(qdir, os.path.basename(f)),
                         (st.st_atime, st.st_mtime))
            binary, e = ((oracle_binary(root), env) if who == "oracle"
                         else (ours, ours_env()))
            run_ns(prefix, tmp, [binary, "-C", cf, "-qf"], e)
            lines = []
            if os.path.exists(os.path.join(out, "order")):
                with open(os.path.join(out, "order"), "rb") as fh:
                    lines = fh.read().split(b"\n")
            res[who] = (lines if ordered else sorted(lines)) + [
                b"----- left: " + b" ".join(sorted(
                    os.path.basename(f).encode()
                    for f in glob.glob(qdir + "/qf*")))]
        failed += verdict("qorder-" + n, res["oracle"], res["ours"],
                          show=args.show)
    shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
