#!/usr/bin/env python3
"""Differential test of queue runs over damaged queue files (reference
reliability.md §3.7 Q01, Q02, Q04, Q07; regress/hostile/delivery.py
plays the same changes against our daemon): the real sendmail 8.17
queues a message (-odq, CentOS 7 cf in oracle_env.py's hermetic world,
deliver_diff.py's recording local mailer), its qf is changed as another
program or a disk might change it, and the real sendmail and ours each
run a copy of that queue (`sendmail -qf`).  What the local mailer
received and which queue files are left (qf, Qf, df) must be equal.

Changes: the "." line cut off, the file cut in the middle, a record
after the ".", an F record "From evil" (sendmail: SECURITY ALERT: bogus
qf line), an unknown record letter, a NUL byte in a record (a known difference:
KNOWN), and an unchanged qf as the control.

Usage: qf_hostile_diff.py [--bin DIR] [--show] [case ...]
Prints PASS|FAIL|SKIP diff qf-hostile-<case>: ... lines (see
run_tests.py).
"""

import glob
import os
import shutil
import sys

from deliver_diff import ALIASES, LOCAL_SH, PLAIN, STRIP, delivered, side
from oracle_env import (Skip, centos_world, diff_args, oracle_binary,
                        oracle_env, our_binary, ours_env, run_ns, verdict)

CASES = {
    "control": lambda t: t,
    "no-dot": lambda t: t[:t.rindex(b"\n.\n") + 1],
    "cut-half": lambda t: t[:len(t) // 2],
    "after-dot": lambda t: t + b"Rbogus\n",
    "from-record": lambda t: t.replace(b"\n.\n", b"\nFrom evil\n.\n"),
    "unknown-letter": lambda t: t.replace(b"\n.\n", b"\nJbogus\n.\n"),
    "nul-in-record": lambda t: t.replace(b"Subject: t", b"Subj\0ect: t", 1),
}


# differences we know of, with the reason
KNOWN = {
    "nul-in-record": "sendmail reads a record as a C string: a NUL ends "
                     "it (here the header 'Subj', without a colon, is "
                     "dropped) and the message is delivered; our qf reader "
                     "takes a NUL for a bad record and sets the qf aside "
                     "as Qf, undelivered",
}


def queue_state(qdir):
    """The queue's files by kind and id ("qf ID", "Qf ID", "df ID")."""
    return sorted("%s %s" % (os.path.basename(f)[:2], "ID")
                  for f in glob.glob(qdir + "/[qQd]f*"))


def main():
    args = diff_args()
    names = args.cases or list(CASES)
    try:
        root, prefix, tmp, base = centos_world("qf_hostile_diff.", ALIASES)
        env = oracle_env(root)
        with open(base) as f:
            good = f.read()
    except Skip as e:
        for n in names:
            print("SKIP diff qf-hostile-%s: %s" % (n, e))
        return 0
    ours = our_binary(os.path.abspath(args.bin))
    failed = 0
    for n in names:
        res = {}
        for who in ("oracle", "ours"):
            qdir, out, cf = side(good, tmp, n, who, LOCAL_SH)
            if who == "oracle":
                os.makedirs(qdir)
                run_ns(prefix, tmp, [oracle_binary(root), "-C", cf, "-odq",
                                     "joe"], env, stdin=PLAIN)
                qf = glob.glob(qdir + "/qf*")[0]
                with open(qf, "rb") as f:
                    text = f.read()
                with open(qf, "wb") as f:
                    f.write(CASES[n](text))
                saved = os.path.join(tmp, "q-%s-saved" % n)
                shutil.copytree(qdir, saved)
                binary, e = oracle_binary(root), env
            else:
                shutil.copytree(saved, qdir)
                binary, e = ours, ours_env()
            run_ns(prefix, tmp, [binary, "-C", cf, "-qf"], e)
            res[who] = [STRIP.sub(b"", x) for x in delivered(out)]
            res[who] += [b"----- " + x.encode() for x in queue_state(qdir)]
        failed += verdict("qf-hostile-" + n, res["oracle"], res["ours"],
                          known=KNOWN.get(n), show=args.show)
    shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
