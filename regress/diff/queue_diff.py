#!/usr/bin/env python3
"""Differential test of the queue listing (sendmail -bp / mailq): the real
sendmail 8.17 (regress/oracle.sh) writes the queue, then it and ours list
the same queue directories, and stdout, stderr and the exit status must
be equal byte for byte.  Nothing is masked: both read the same files.

The hermetic world is oracle_env.py's (CentOS 7 cf, unshare --uts --net
--mount, host name vm.example.test).  Queues, each with a cf whose
QueueDirectory points at it:

  main     messages queued by the oracle with -odq: plain, several
           recipients, a long sender and recipient (truncated columns),
           -B8BITMIME, DSN options, an odd sender (backslash, 8-bit
           byte), one deferred by a queue run (N1 and an M status line),
           one quarantined in place (-Q, hf file, listed with -qQ)
  empty    an empty directory
  sub      a queue with qf/ and df/ subdirectories
  multi    QueueDirectory=.../mq/q* over q1, q2 (qf/ df/), q3, other
  alias    a message to an alias of two remote users and a local one,
           deferred by a queue run: C lines (controlling user, shown by
           -v) and R lines with the A flag
  missing  a QueueDirectory that does not exist (error, exit 78)
  nomatch  a wildcard that matches no directory

One case lists the main queue while the test holds a flock(2) lock on
a qf, as a sendmail delivering it would ('*' after the id).

Usage: queue_diff.py [--bin DIR] [--show] [--keep] [case ...]
Prints PASS|FAIL|SKIP diff queue-<case>: ... lines (see run_tests.py).
"""

import argparse
import difflib
import fcntl
import glob
import os
import re
import shutil
import sys

from oracle_env import (REGRESS, Skip, build_cf, make_tmp, make_tree,
                        normalise, oracle_binary, oracle_env, oracle_root,
                        our_binary, ours_env, run_ns, unshare_prefix, write)

OUT_DIR = os.path.join(REGRESS, ".cache", "queue")

LONG_RCPT = ("averyveryverylongusername.with.dots@"
             "averyveryverylongdomainname.example.com")
LONG_SENDER = "a.very.long.sender.name.that.overflows@sender.example.org"
ALIASES = """\
postmaster: root
list: a@remote.example, b@remote.example, joe
"""

# (name, queue, argv after the binary; @CF@ is the queue's cf)
CASES = [
    ("empty", "empty", ["-C", "@CF@", "-bp"]),
    ("empty-verbose", "empty", ["-C", "@CF@", "-bp", "-v"]),
    ("main", "main", ["-C", "@CF@", "-bp"]),
    ("main-verbose", "main", ["-C", "@CF@", "-bp", "-v"]),
    ("main-mailq", "main", ["@MAILQ@", "-C", "@CF@"]),
    ("main-mailq-verbose", "main", ["@MAILQ@", "-C", "@CF@", "-v"]),
    ("filter-rcpt", "main", ["-C", "@CF@", "-bp", "-qRexample.com"]),
    ("filter-rcpt-case", "main", ["-C", "@CF@", "-bp", "-qRROOT"]),
    ("filter-rcpt-negated", "main", ["-C", "@CF@", "-bp", "-q!Rroot"]),
    ("filter-rcpt-none", "main", ["-C", "@CF@", "-bp", "-qRnobody.here"]),
    ("filter-sender", "main", ["-C", "@CF@", "-bp", "-qSsender@"]),
    ("filter-sender-negated", "main", ["-C", "@CF@", "-bp",
                                       "-q!Ssender"]),
    ("filter-sender-or", "main", ["-C", "@CF@", "-bp", "-qSsender@",
                                  "-qSdsn@"]),
    ("filter-id", "main", ["-C", "@CF@", "-bp", "-qI@ID0@"]),
    ("filter-id-negated", "main", ["-C", "@CF@", "-bp", "-q!I@ID0@"]),
    ("filter-id-prefix", "main", ["-C", "@CF@", "-bp", "-qIqf"]),
    ("filter-rcpt-and-sender", "main", ["-C", "@CF@", "-bp", "-qRroot",
                                        "-qSsender"]),
    ("filter-verbose", "main", ["-C", "@CF@", "-bp", "-v", "-qRroot"]),
    ("quarantine", "main", ["-C", "@CF@", "-bp", "-qQ"]),
    ("quarantine-verbose", "main", ["-C", "@CF@", "-bp", "-qQ", "-v"]),
    ("quarantine-reason", "main", ["-C", "@CF@", "-bp", "-qQheld"]),
    ("quarantine-reason-none", "main", ["-C", "@CF@", "-bp", "-qQother"]),
    ("lost", "main", ["-C", "@CF@", "-bp", "-qL"]),
    ("locked", "main", ["-C", "@CF@", "-bp"]),
    ("sub", "sub", ["-C", "@CF@", "-bp"]),
    ("sub-verbose", "sub", ["-C", "@CF@", "-bp", "-v"]),
    ("multi", "multi", ["-C", "@CF@", "-bp"]),
    ("multi-filter", "multi", ["-C", "@CF@", "-bp", "-qSs1@"]),
    ("alias", "alias", ["-C", "@CF@", "-bp"]),
    ("alias-verbose", "alias", ["-C", "@CF@", "-bp", "-v"]),
    ("alias-filter-verbose", "alias", ["-C", "@CF@", "-bp", "-v",
                                       "-qRb@remote"]),
    ("missing", "missing", ["-C", "@CF@", "-bp"]),
    ("nomatch", "nomatch", ["-C", "@CF@", "-bp"]),
]


def queue_cf(text, tmp, name, qdir):
    t = re.sub(r"(?m)^O QueueDirectory=.*$", "O QueueDirectory=" + qdir,
               text)
    path = os.path.join(tmp, name + ".cf")
    write(path, t)
    return path


class World:
    def __init__(self, root, prefix, tmp):
        self.root = root
        self.prefix = prefix
        self.tmp = tmp
        self.oracle = oracle_binary(root)
        self.env = oracle_env(root)

    def oracle_run(self, argv, stdin=None):
        o, e, r = run_ns(self.prefix, self.tmp, [self.oracle] + argv,
                         self.env, stdin=stdin)
        if r != 0:
            raise RuntimeError("oracle %s: exit %d: %s" %
                               (" ".join(argv), r, (o + e).decode(
                                   "latin-1")))
        return o

    def submit(self, cf, args, body):
        self.oracle_run(["-C", cf, "-odq"] + args, stdin=body)


def qids(qdir, letter="qf"):
    return sorted(os.path.basename(p)[2:]
                  for p in glob.glob(os.path.join(qdir, letter + "*")))


def build_queues(w, good):
    """Fill the queues with the oracle; returns {queue: cf path}, ids."""
    tmp = w.tmp
    cfs = {}
    spool = os.path.join(tmp, "var/spool")
    main = os.path.join(spool, "qmain")
    os.makedirs(main)
    cfs["main"] = queue_cf(good, tmp, "main", main)
    cf = cfs["main"]
    # the one the queue run defers (the local mailer and DNS both fail)
    w.submit(cf, ["-f", "sender@example.com", "root",
                  "user@remote.example"], b"Subject: deferred\n\nbody\n")
    w.oracle_run(["-C", cf, "-q"])
    # quarantined in place: -Q with -qI acts on queued items
    w.submit(cf, ["-f", "held@example.com", "root"],
             b"Subject: held\n\nto be held\n")
    new = [i for i in qids(main)
           if b"held@" in open(os.path.join(main, "qf" + i), "rb").read()]
    w.oracle_run(["-C", cf, "-Qheld for review", "-qI" + new[0]])
    w.submit(cf, ["-f", "sender@example.com", "root", "joe"],
             b"Subject: plain\n\nplain body, a bit longer\n")
    w.submit(cf, ["-f", LONG_SENDER, LONG_RCPT],
             b"Subject: long\n\n" + b"x" * 300 + b"\n")
    w.submit(cf, ["-f", "many@example.com"] +
             ["rcpt%d@remote.example" % i for i in range(6)],
             b"Subject: many\n\n" + b"y" * 1000 + b"\n")
    w.submit(cf, ["-B8BITMIME", "-f", "eight@example.com", "root"],
             b"Subject: 8bit\n\n\xe9t\xe9\n")
    w.submit(cf, ["-N", "success,delay", "-R", "hdrs", "-V", "envid42",
                  "-f", "dsn@example.com", LONG_RCPT + ".org"],
             b"Subject: dsn\n\n" + b"z" * 5000 + b"\n")
    w.submit(cf, ["-f", "we\\ird\xe9@example.com", "root"],
             b"Subject: odd\n\n" + b"w" * 20000 + b"\n")

    alias = os.path.join(spool, "qalias")
    os.makedirs(alias)
    cfs["alias"] = queue_cf(good, tmp, "alias", alias)
    w.oracle_run(["-C", cfs["alias"], "-bi"])
    w.submit(cfs["alias"], ["-f", "x@example.com", "list"],
             b"Subject: to a list\n\nbody\n")
    w.oracle_run(["-C", cfs["alias"], "-q"])

    empty = os.path.join(spool, "qempty")
    os.makedirs(empty)
    cfs["empty"] = queue_cf(good, tmp, "empty", empty)

    sub = os.path.join(spool, "qsub")
    for d in ("qf", "df", "xf"):
        os.makedirs(os.path.join(sub, d))
    cfs["sub"] = queue_cf(good, tmp, "sub", sub)
    w.submit(cfs["sub"], ["-f", "sub@example.com", "root"],
             b"Subject: sub\n\nin a subdirectory\n")
    w.submit(cfs["sub"], ["-f", "sub2@example.com", "joe"],
             b"Subject: sub2\n\nin a subdirectory too\n")

    mq = os.path.join(spool, "mq")
    for d in ("q1", "q2/qf", "q2/df", "q3", "other"):
        os.makedirs(os.path.join(mq, d))
    cfs["multi"] = queue_cf(good, tmp, "multi", mq + "/q*")
    for i in range(4):
        w.submit(cfs["multi"], ["-f", "s%d@example.com" % i, "root"],
                 b"Subject: m\n\n" + b"body\n" * (i + 1))

    cfs["missing"] = queue_cf(good, tmp, "missing",
                              os.path.join(spool, "nosuchqueue"))
    cfs["nomatch"] = queue_cf(good, tmp, "nomatch",
                              os.path.join(spool, "mq", "zz*"))
    return cfs, {"ID0": qids(main)[0], "MAIN": main}


def transcript(o, e, r):
    return o + b"\n===== stderr\n" + e + b"\n===== exit %d\n" % r


def run_case(w, binary, env, argv, cfs, queue, ids, links):
    args = []
    cmd = [binary]
    for a in argv:
        if a == "@MAILQ@":
            cmd = [links]
            continue
        a = a.replace("@CF@", cfs[queue]).replace("@ID0@", ids["ID0"])
        args.append(a)
    o, e, r = run_ns(w.prefix, w.tmp, cmd + args, env)
    return transcript(o, e, r)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin")
    ap.add_argument("--show", action="store_true")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("names", nargs="*")
    opt = ap.parse_args()
    sel = [c for c in CASES if not opt.names or c[0] in opt.names]
    try:
        root = oracle_root()
        prefix = unshare_prefix()
        if not shutil.which("m4"):
            raise Skip("m4 not installed")
    except Skip as e:
        for c in sel:
            print("SKIP diff queue-%s: %s" % (c[0], e))
        return 77

    ours = our_binary(opt.bin)
    tmp = make_tmp("queue_diff.")
    failed = 0
    try:
        make_tree(root, tmp, aliases=ALIASES)
        w = World(root, prefix, tmp)
        good = open(build_cf("centos7", root, tmp)).read()
        try:
            cfs, ids = build_queues(w, good)
        except (RuntimeError, IndexError, OSError) as e:
            for c in sel:
                print("SKIP diff queue-%s: could not fill the queue: %s" %
                      (c[0], e))
            return 77
        # the names sendmail answers to as mailq
        links = {}
        for who, b in (("oracle", w.oracle), ("ours", ours)):
            d = os.path.join(tmp, "mailq-" + who)
            os.makedirs(d)
            os.symlink(b, os.path.join(d, "mailq"))
            links[who] = os.path.join(d, "mailq")
        os.makedirs(OUT_DIR, exist_ok=True)
        for name, queue, argv in sel:
            lock = None
            if name == "locked":
                lock = open(os.path.join(ids["MAIN"], "qf" + ids["ID0"]),
                            "rb")
                fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                want = run_case(w, w.oracle, w.env, argv, cfs, queue, ids,
                                links["oracle"])
                got = run_case(w, ours, ours_env(), argv, cfs, queue, ids,
                               links["ours"])
            finally:
                if lock is not None:
                    lock.close()
            for sfx, data in ((".oracle", want), (".ours", got)):
                with open(os.path.join(OUT_DIR, name + sfx), "wb") as f:
                    f.write(data)
            a = want.split(b"\n")
            b = got.split(b"\n")
            sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
            same = sum(blk.size for blk in sm.get_matching_blocks())
            ok = want == got
            print("%s diff queue-%s: %d/%d lines matched" %
                  ("PASS" if ok else "FAIL", name, same, max(len(a),
                                                             len(b))))
            if not ok:
                failed += 1
                for tag, i1, i2, j1, j2 in sm.get_opcodes():
                    if tag == "equal":
                        continue
                    for x in a[i1:i2][:6]:
                        print("    - %r" % normalise(x, tmp))
                    for y in b[j1:j2][:6]:
                        print("    + %r" % normalise(y, tmp))
            if opt.show:
                print(normalise(want, tmp).decode("latin-1"))
    finally:
        if opt.keep:
            print("kept %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
