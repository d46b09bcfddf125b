#!/usr/bin/env python3
"""Differential test of delivery: the real sendmail 8.17 queues a message
(-odq, CentOS 7 cf in oracle_env.py's hermetic world, the local mailer
replaced by a script that appends each message to out/<user>), the queue
is copied, then the real sendmail and ours each run their copy
(`sendmail -qf`).  What the local mailer received, per user, must be
equal byte for byte after smtp_diff.py's normalisations (the Received:
lines, which carry our version, are left out), and both queues must end
up in the same state (empty, or the same ids left).

Cases cover aliases (nested, a list, duplicates), several recipients,
-t header recipients with Bcc, dots and From_ escapes in bodies, and an
unknown user (there only the count of returned messages is compared: the
notification's words are our own).

Usage: deliver_diff.py [--bin DIR] [--show] [case ...]
Prints PASS|FAIL|SKIP diff deliver-<case>: ... lines (see run_tests.py).
"""

import glob
import os
import re
import shutil
import sys

from oracle_env import (Skip, centos_world, diff_args, oracle_binary,
                        oracle_env, our_binary, ours_env, run_ns, verdict,
                        write)
from smtp_diff import normalise

ALIASES = """\
postmaster: root
list: joe, bob, joe
nested: list, root
"""

LOCAL_SH = """#!/bin/sh
# the test's local mailer: the message for the last argument into OUT/<it>
for u; do :; done
cat >> '%s'/"$u"
"""

PLAIN = b"Subject: t\n\nline one\n"
TRICKY = (b"Subject: tricky\nX-Folded: a\n\tb\n\n.leading dot\n"
          b"From the start\n..two dots\nlast line\n")

# name -> (argv to queue with, message, compare only the bounce count)
CASES = {
    "one-local": (["joe"], PLAIN, False),
    "alias-list": (["list"], PLAIN, False),
    "nested-alias": (["nested", "bob"], PLAIN, False),
    "several": (["joe", "bob", "root"], TRICKY, False),
    "header-rcpts": (["-t"], b"To: joe, Bob <bob>\nCc: list\n"
                     b"Bcc: root\nSubject: hdr\n\nbody\n", False),
    "from-sender": (["-f", "someone@example.org", "joe"], PLAIN, False),
    "unknown-user": (["joe", "nosuchuser"], PLAIN, True),
    "forward": (["joe"], PLAIN, False),
}

STRIP = re.compile(rb"^(Received: .*|\tby .*|\t(for .*; )?[A-Z][a-z]{2}, .*)$",
                   re.M)


def forward_home(tmp):
    """joe's home in the tree, with a .forward to bob and to himself."""
    home = os.path.join(tmp, "home", "joe")
    os.makedirs(home)
    os.chmod(tmp, 0o755)    # sendmail reads a .forward as its user
    write(os.path.join(home, ".forward"), "# joe's forwarding\nbob, \\joe\n")
    for p in (home, os.path.join(home, ".forward")):
        os.chown(p, 1001, 100)
    os.chmod(home, 0o755)
    os.chmod(os.path.join(home, ".forward"), 0o644)
    with open(os.path.join(tmp, "passwd")) as f:
        text = f.read()
    write(os.path.join(tmp, "passwd"),
          text.replace(":/home/joe:", ":%s:" % home))


def delivered(out):
    res = []
    for f in sorted(glob.glob(os.path.join(out, "*"))):
        with open(f, "rb") as fh:
            body = fh.read()
        res.append(b"===== " + os.path.basename(f).encode())
        res.extend(normalise(body).split(b"\n"))
    return res


def bounces(out):
    n = 0
    for f in glob.glob(os.path.join(out, "*")):
        with open(f, "rb") as fh:
            n += fh.read().count(b"Subject: Returned mail: see transcript "
                                 b"for details")
    return n


def left(qdir):
    return sorted(os.path.basename(f) for f in glob.glob(qdir + "/qf*"))


def side(good, tmp, n, who, local_sh, extra=()):
    """One program's queue folder, mailbox folder and cf for case n: the
    local mailer is local_sh (a template for the mailbox folder), extra
    cf lines ("O Name=value") replace or join the cf's own.  QueueLA and
    RefuseLA are set high: at the default (8 per CPU) a loaded machine
    makes sendmail's -qf leave every message queued."""
    qdir = os.path.join(tmp, "q-%s-%s" % (n, who))
    out = os.path.join(tmp, "out-%s-%s" % (n, who))
    os.makedirs(out)
    script = os.path.join(tmp, "local-%s-%s.sh" % (n, who))
    write(script, local_sh % out)
    os.chmod(script, 0o755)
    t = re.sub(r"(?m)^O QueueDirectory=.*$", "O QueueDirectory=" + qdir, good)
    t = re.sub(r"(?m)^(Mlocal,\s+P=)[^,]*,", lambda m: m.group(1) +
               script + ",", t, count=1)
    t = t.replace("A=procmail -t -Y -a $h -d $u", "A=local.sh $u", 1)
    for line in ["O QueueLA=999", "O RefuseLA=999"] + list(extra):
        name = line.split("=")[0]
        t = re.sub(r"(?m)^#?%s=.*$" % re.escape(name), line, t, count=1)
        if line not in t:
            t = t.replace("\nO QueueDirectory", "\n%s\nO QueueDirectory" %
                          line, 1)
    cf = os.path.join(tmp, "%s-%s.cf" % (n, who))
    write(cf, t)
    return qdir, out, cf


def main():
    args = diff_args()
    names = args.cases or list(CASES)
    try:
        root, prefix, tmp, base = centos_world("deliver_diff.", ALIASES)
        forward_home(tmp)
        env = oracle_env(root)
        with open(base) as f:
            good = f.read()
    except Skip as e:
        for n in names:
            print("SKIP diff deliver-%s: %s" % (n, e))
        return 0
    ours = our_binary(os.path.abspath(args.bin))
    failed = 0
    for n in names:
        argv, msg, bounce_only = CASES[n]
        res, runs = {}, {}
        for who in ("oracle", "ours"):
            qdir, out, cf = side(good, tmp, n, who, LOCAL_SH)
            if who == "oracle":
                os.makedirs(qdir)
                run_ns(prefix, tmp, [oracle_binary(root), "-C", cf, "-odq"]
                       + argv, env, stdin=msg)
                saved = os.path.join(tmp, "q-%s-saved" % n)
                shutil.copytree(qdir, saved)
                binary, e = oracle_binary(root), env
            else:
                shutil.copytree(saved, qdir)
                binary, e = ours, ours_env()
            # -qf: in the foreground (a bare -q returns before it is done)
            _, err, status = run_ns(prefix, tmp, [binary, "-C", cf, "-qf"],
                                    e)
            runs[who] = "%s -qf: exit %s %s" % (
                who, status, err.decode("utf-8", "replace").strip()[:600])
            if bounce_only:
                res[who] = [b"bounces %d" % bounces(out)]
            else:
                res[who] = [STRIP.sub(b"", x) for x in delivered(out)]
            res[who].append(b"----- left: " + " ".join(left(qdir)).encode())
        bad = verdict("deliver-" + n, res["oracle"], res["ours"],
                      show=args.show)
        if bad:     # what each queue run said, for a failure seen once
            print("  " + "\n  ".join(runs.values()))
        failed += bad
    shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
