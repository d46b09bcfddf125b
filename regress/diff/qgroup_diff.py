#!/usr/bin/env python3
"""Differential test of queue groups against the real sendmail 8.17.

The CentOS 7 cf of oracle_env.py's hermetic world gets QueueDirectory
<q>/q* (the default group "mqueue" in the folders q1 and q2), the groups

    Qfast, P=<q>/fast, F=f, R=2, I=1m, r=2
    Qslow, P=<q>/slow*, I=10m                (folders slow1 and slow2)

and a queuegroup ruleset that sends *@fast.example and the local user
joe to fast, *@slow.example and bob to slow, *@mq.example to mqueue and
*@bad.example to a group that does not exist.  Its local mailer is a
script that notes each delivery.

  submit-*  each program queues a message (-odq) from the command line
            or over -bs; compared: every queue file, grouped by queue
            group (which folder of a group is sendmail's random pick, so
            q1/q2 and slow1/slow2 are not told apart), normalised as in
            smtp_diff.py, and marked "first" when its id is the one the
            message's Received: line names (the envelope that keeps the
            message's id) or "split" otherwise.
  list-*    the real sendmail's queue of submit-mixed, listed by each
            program (-bp, -bp -qGname, an unknown group).
  run-*     that queue run by each (-qf -qGname): who was delivered and
            what is left, per group.
  multidir-*  QueueDirectory=<q>/q* without Q lines: queueing and -bp.

Usage: qgroup_diff.py [--bin DIR] [--show] [case ...]
Prints PASS|FAIL|XFAIL|SKIP diff qgroup-<case>: ... lines.
"""

import glob
import os
import re
import shutil
import sys

from oracle_env import (Skip, centos_world, diff_args, oracle_binary,
                        oracle_env, our_binary, ours_env, run_ns, verdict,
                        write)
from smtp_diff import converse, normalise

QGROUPS = """\
Qfast, P=@Q@/fast, F=f, R=2, I=1m, r=2
Qslow, P=@Q@/slow*, I=10m
"""

RULESET = """
Squeuegroup
R$+ @ fast.example	$# fast
R$+ @ slow.example	$# slow
R$+ @ mq.example	$# mqueue
R$+ @ bad.example	$# nosuch
Rjoe			$# fast
Rbob			$# slow
"""

LOCAL_SH = """#!/bin/sh
# the test's local mailer: notes whom it delivered to
for u; do :; done
cat > /dev/null
echo "$u" >> '%s'/delivered
"""

FOLDERS = ("q1", "q2", "fast", "slow1", "slow2")
MSG = b"Subject: t\n\nbody\n"
SMTP = ["EHLO c.example.net", "MAIL FROM:<a@example.org>",
        "RCPT TO:<x@fast.example>", "RCPT TO:<y@slow.example>",
        "RCPT TO:<z@other.example>", "RCPT TO:<w@fast.example>",
        "RCPT TO:<v@fast.example>", "DATA", "Subject: s", "", "body",
        ".", "QUIT"]

# name -> argv after -C cf -odq (None: the SMTP dialogue over -bs)
SUBMIT = {
    "mixed": ["joe", "a@fast.example", "b@fast.example", "c@fast.example",
              "d@slow.example", "h@mq.example", "f@other.example",
              "g@bad.example", "bob", "root"],
    "one-group": ["a@fast.example", "b@fast.example"],
    "none-first": ["b@aaa.example", "d@slow.example"],
    "follows-first": ["f@other.example", "a@fast.example"],
    "unknown-group": ["f@other.example", "g@bad.example"],
    "no-group": ["f@other.example", "root"],
    "max-rcpts": ["a@fast.example", "b@fast.example", "c@fast.example",
                  "d@fast.example", "e@fast.example"],
    "smtp": None,
}
LISTS = {
    "all": ["-bp"],
    "fast": ["-bp", "-qGfast"],
    "slow": ["-bp", "-qGslow"],
    "mqueue": ["-bp", "-qGmqueue"],
    "verbose": ["-bp", "-v", "-qGfast"],
    "unknown": ["-bp", "-qGnosuch"],
}
RUNS = {
    "fast": ["-qf", "-qGfast"],
    "slow": ["-qf", "-qGslow"],
    "mqueue": ["-qf", "-qGmqueue"],
    "all": ["-qf"],
    "unknown": ["-qf", "-qGnosuch"],
}
MULTIDIR = {
    "submit": ["joe", "bob", "a@fast.example"],
    "list": None,       # the oracle's queue of multidir-submit, -bp
}


def make_cf(good, tmp, name, qgroups=True):
    """The cf of one case and its queue tree (empty folders)."""
    q = os.path.join(tmp, "q-" + name)
    for d in FOLDERS:
        os.makedirs(os.path.join(q, d))
    out = os.path.join(tmp, "out-" + name)
    os.makedirs(out)
    script = os.path.join(tmp, "local-%s.sh" % name)
    write(script, LOCAL_SH % out)
    os.chmod(script, 0o755)
    t = re.sub(r"(?m)^O QueueDirectory=.*$", lambda m: (
        "O QueueDirectory=%s/q*\n" % q + (QGROUPS.replace("@Q@", q)
                                          if qgroups else "")).rstrip(),
               good)
    t = re.sub(r"(?m)^(Mlocal,\s+P=)[^,]*,", lambda m: m.group(1) +
               script + ",", t, count=1)
    t = t.replace("A=procmail -t -Y -a $h -d $u", "A=local.sh $u", 1)
    if qgroups:
        t += RULESET
    cf = os.path.join(tmp, name + ".cf")
    write(cf, t)
    return q, out, cf


def group_of(q, path):
    """q1, q2 -> mqueue; slow1, slow2 -> slow; fast -> fast."""
    folder = os.path.relpath(os.path.dirname(path), q)
    if re.fullmatch(r"q\d+", folder):
        return "mqueue"
    return re.sub(r"\d+$", "", folder)


def queue_state(q):
    """Every qf, by group, normalised, first/split marked; sorted."""
    recs = []
    for f in glob.glob(os.path.join(q, "*", "qf*")):
        with open(f, "rb") as fh:
            text = fh.read()
        qid = os.path.basename(f)[2:].encode()
        m = re.search(rb"\bid ([0-9A-Za-x]{8}\d+);", text)
        kind = b"first" if m and m.group(1) == qid else b"split"
        df = os.path.join(os.path.dirname(f), "df" + qid.decode())
        body = b"df: %s" % (b"yes" if os.path.exists(df) else b"MISSING")
        recs.append([b"===== %s %s" % (group_of(q, f).encode(), kind),
                     body] + normalise(text).split(b"\n"))
    recs.sort()
    return [ln for r in recs for ln in r]


def rcpts_left(q):
    """Per group, the recipients of each qf left."""
    left = []
    for f in glob.glob(os.path.join(q, "*", "qf*")):
        with open(f, "rb") as fh:
            rs = [ln.split(b":", 1)[1] for ln in fh.read().split(b"\n")
                  if ln.startswith(b"R")]
        left.append(group_of(q, f).encode() + b": " + b" ".join(rs))
    return sorted(left)


def sides(root, bindir):
    return {"oracle": (oracle_binary(root), oracle_env(root)),
            "ours": (our_binary(os.path.abspath(bindir)), ours_env())}


def submit(world, who, name, argv, qgroups=True):
    root, prefix, tmp, good, progs = world
    binary, env = progs[who]
    q, _, cf = make_cf(good, tmp, "%s-%s" % (name, who), qgroups)
    if argv is None:
        got = converse(prefix, tmp, [binary, "-C", cf, "-bs", "-odq"],
                       env, SMTP)
        head = [normalise(x) for x in got]
    else:
        out, err, rc = run_ns(prefix, tmp, [binary, "-C", cf, "-odq"] +
                              argv, env, stdin=MSG)
        head = [normalise(out), err, b"exit %d" % rc]
    return q, cf, head + [b"----- queue"] + queue_state(q)


def copy_queue(src, dst):
    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(src, dst)


def main():
    args = diff_args()
    names = args.cases or (["submit-" + n for n in SUBMIT] +
                           ["list-" + n for n in LISTS] +
                           ["run-" + n for n in RUNS] +
                           ["multidir-" + n for n in MULTIDIR])
    try:
        root, prefix, tmp, base = centos_world("qgroup_diff.")
        with open(base) as f:
            good = f.read()
    except Skip as e:
        for n in names:
            print("SKIP diff qgroup-%s: %s" % (n, e))
        return 0
    progs = sides(root, args.bin)
    world = (root, prefix, tmp, good, progs)
    failed = 0
    # the real sendmail's queue that the list and run cases share
    saved, _, _ = submit(world, "oracle", "saved", SUBMIT["mixed"])
    _, md_cf, _ = submit(world, "oracle", "mdsaved", MULTIDIR["submit"],
                         qgroups=False)
    for n in names:
        kind, case = n.split("-", 1)
        res = {}
        for who in ("oracle", "ours"):
            binary, env = progs[who]
            if kind == "submit":
                res[who] = submit(world, who, case, SUBMIT[case])[2]
                continue
            if kind == "multidir" and case == "submit":
                res[who] = submit(world, who, n, MULTIDIR["submit"],
                                  qgroups=False)[2]
                continue
            if kind == "multidir":
                out, err, rc = run_ns(prefix, tmp, [binary, "-C", md_cf,
                                                    "-bp"], env)
                res[who] = [out, err, b"exit %d" % rc]
                continue
            q, out_dir, cf = make_cf(good, tmp, "%s-%s" % (n, who))
            copy_queue(saved, q)
            argv = LISTS[case] if kind == "list" else RUNS[case]
            out, err, rc = run_ns(prefix, tmp, [binary, "-C", cf] + argv,
                                  env)
            if kind == "list":
                # the same tree for both: only its name differs
                res[who] = [out.replace(q.encode(), b"Q"), err,
                            b"exit %d" % rc]
                continue
            dl = os.path.join(out_dir, "delivered")
            got = []
            if os.path.exists(dl):
                with open(dl, "rb") as fh:
                    got = sorted(fh.read().split(b"\n"))
            res[who] = (got + [b"----- left"] + rcpts_left(q) +
                        [b"----- exit %d" % rc, out.replace(q.encode(),
                                                            b"Q")])
        failed += verdict("qgroup-" + n, res["oracle"], res["ours"],
                          show=args.show)
    shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
