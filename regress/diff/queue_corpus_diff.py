#!/usr/bin/env python3
"""Figure 16 (doc/reliability.md): the queue compatibility corpus.  A
corpus of queued messages is written once by the real sendmail 8.17
(regress/oracle.sh) and once by ours, each in a flat queue and in one
with qf/ df/ xf/ subdirectories; then each corpus is read by both:

  list     the oracle's `-bp` and ours of the same queue are equal byte
           for byte, and every message of the corpus is in them
  deliver  the queue is copied twice and the oracle runs one copy
           (`-qf`), ours the other: what the local mailer got, per user
           (each message a file of its own, the Received: lines left
           out, queue ids and dates masked), and what is left queued
           (ids, the N retry count, the R lines) must be equal

So our qf/df files are processed by sendmail 8.17 as its own are, and
its files by ours.  The corpus (build_corpus) covers: one recipient,
several local and remote ones, -B8BITMIME with 8-bit text, long and
folded headers, a 200 kB body, -t with To/Cc/Bcc, DSN options (-N, -R,
-V envid), an SMTP submission (-bs) with BODY=8BITMIME, RET, ENVID,
AUTH=, NOTIFY and ORCPT, a null sender, and messages deferred by one and
by two queue runs (N1, N2, the M status line: remote recipients fail in
the test's network namespace) before the rest is queued, one of them
half delivered.  The local mailer is a script writing each message to
out/<user>/.

The hermetic world is oracle_env.py's (CentOS 7 cf, unshare).

Usage: queue_corpus_diff.py [--bin DIR] [--show] [case ...]
  cases: oracle-flat oracle-sub ours-flat ours-sub (the writer, the layout)
Prints PASS|FAIL|SKIP diff queue-corpus-<case>-<check>: ... lines.
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

ALIASES = """\
postmaster: root
list: joe, bob, far@remote.example
"""

# the local mailer: each message into OUT/<user>/ as a file of its own
LOCAL_SH = """#!/bin/sh
for u; do :; done
mkdir -p '%s'/"$u"
cat > "$(mktemp '%s'/"$u"/m.XXXXXX)"
"""

STRIP = re.compile(rb"^(Received: .*|\tby .*|\t(for .*; )?[A-Z][a-z]{2}, .*)"
                   rb"\n", re.M)

LONG_SUBJECT = b"Subject: " + b"long subject words " * 50 + b"\n"
MANY_TO = (b"To: " + b",\n\t".join(b"user%d@remote.example" % i
                                    for i in range(40)) + b"\n")
LONG_LINE_HDR = b"X-Long: " + b"x" * 3000 + b"\n"

P_FLAG = ("a recipient expanded from an alias (list: joe, bob, "
          "far@remote.example) and deferred in a queue run is written back "
          "without the P (primary) flag sendmail gives it")

# differences this corpus found, not fixed yet: (writer or "*", the
# message's Subject as subject_of() gives it) -> why
KNOWN = {
    ("*", "long subject words long"): "a header line longer than the "
    "mailer's line limit is not split on delivery; address headers are not "
    "re-folded as sendmail's commaize does",
    ("*", "many"): P_FLAG,
    ("*", "header recipients"): P_FLAG,
    ("*", "(new)"): "the return receipts queued for NOTIFY=SUCCESS: "
    "ours give their recipient the D flag (RPFD) and write an SMTP "
    "sender without its angle brackets; sendmail: RPF:<smtp@example.com>",
    ("ours", "deferred"): "after a queue run our qf lists the deferred "
    "recipients in another order",
}

CASES = ["oracle-flat", "oracle-sub", "ours-flat", "ours-sub"]


def cf_for(good, tmp, name, qdir, out):
    """A cf whose queue is qdir and whose local mailer writes into out."""
    script = os.path.join(tmp, "local-%s.sh" % name)
    write(script, LOCAL_SH % (out, out))
    os.chmod(script, 0o755)
    t = re.sub(r"(?m)^O QueueDirectory=.*$", "O QueueDirectory=" + qdir,
               good)
    t = re.sub(r"(?m)^(Mlocal,\s+P=)[^,]*,", lambda m: m.group(1) +
               script + ",", t, count=1)
    t = t.replace("A=procmail -t -Y -a $h -d $u", "A=local.sh $u", 1)
    cf = os.path.join(tmp, name + ".cf")
    write(cf, t)
    return cf


class Side:
    """One program (the oracle or ours) in the test's world."""

    def __init__(self, prefix, tmp, binary, env):
        self.prefix = prefix
        self.tmp = tmp
        self.binary = binary
        self.env = env

    def run(self, argv, stdin=None):
        return run_ns(self.prefix, self.tmp, [self.binary] + argv,
                      self.env, stdin=stdin)

    def submit(self, cf, argv, body):
        o, e, r = self.run(["-C", cf, "-odq"] + argv, stdin=body)
        if r != 0:
            raise RuntimeError("%s %s: exit %d %s" % (
                self.binary, " ".join(argv), r, (o + e)[:300]))

    def smtp(self, cf, lines):
        got = converse(self.prefix, self.tmp,
                       [self.binary, "-C", cf, "-odq", "-bs"], self.env,
                       lines)
        if not any(g.startswith(b"250 2.0.0 ") and b"accepted" in g
                   for g in got):
            raise RuntimeError("-bs: %r" % got[-6:])


def build_corpus(side, cf):
    """Queues the corpus into cf's queue with side's program.  The
    deferred ones first (their queue runs must leave the rest alone)."""
    side.submit(cf, ["-f", "defer1@example.com", "a@remote.example"],
                b"Subject: deferred once\n\nbody\n")
    side.submit(cf, ["-f", "half@example.com", "joe",
                     "b@remote.example"], b"Subject: half\n\nhalf done\n")
    side.run(["-C", cf, "-qf"])
    side.submit(cf, ["-f", "defer2@example.com", "c@remote.example",
                     "d@remote.example"], b"Subject: deferred\n\ntwice\n")
    side.run(["-C", cf, "-qf", "-qSdefer2"])
    side.run(["-C", cf, "-qf", "-qSdefer2"])
    side.submit(cf, ["-f", "plain@example.com", "joe"],
                b"Subject: plain\n\nplain body\n")
    side.submit(cf, ["-f", "many@example.com", "joe", "bob", "root",
                     "list", "e@remote.example"],
                b"Subject: many\n\n" + b"y" * 1000 + b"\n")
    side.submit(cf, ["-B8BITMIME", "-f", "eight@example.com", "joe"],
                b"Subject: 8bit \xe9t\xe9\n\n\xe9t\xe9 \xfcber\n")
    side.submit(cf, ["-f", "hdrs@example.com", "bob"],
                LONG_SUBJECT + MANY_TO + LONG_LINE_HDR +
                b"X-Folded: one\n two\n\tthree\n\nbody\n")
    side.submit(cf, ["-f", "big@example.com", "root"],
                b"Subject: big\n\n" + (b"z" * 76 + b"\n") * 2700)
    side.submit(cf, ["-t", "-f", "t@example.com"],
                b"To: joe, Bob <bob>\nCc: list\nBcc: root\n"
                b"Subject: header recipients\n\nbody\n")
    side.submit(cf, ["-N", "success,delay", "-R", "hdrs", "-V", "envid42",
                     "-f", "dsn@example.com", "joe", "f@remote.example"],
                b"Subject: dsn\n\ndsn body\n")
    side.submit(cf, ["-N", "never", "-f", "never@example.com", "bob"],
                b"Subject: never\n\nno notification\n")
    side.submit(cf, ["-f", "<>", "root"],
                b"Subject: null sender\n\nbounce-like\n")
    side.smtp(cf, ["EHLO client.example.net",
                   "MAIL FROM:<smtp@example.com> BODY=8BITMIME RET=HDRS "
                   "ENVID=env+2Bid AUTH=<>",
                   "RCPT TO:<joe> NOTIFY=SUCCESS,FAILURE "
                   "ORCPT=rfc822;joe@mail.example.test",
                   "RCPT TO:<g@remote.example> NOTIFY=NEVER",
                   "RCPT TO:<bob> ORCPT=rfc822;bob+2Bx@example.com",
                   "DATA", "Subject: over smtp",
                   "Content-Type: text/plain; charset=iso-8859-1", "",
                   "\xe9t\xe9 smtp", ".", "QUIT"])


def qfs(qdir):
    return sorted(f for f in glob.glob(os.path.join(qdir, "qf*")) +
                  glob.glob(os.path.join(qdir, "qf", "qf*"))
                  if os.path.isfile(f))


def subject_of(text):
    m = re.search(rb"(?mi)^(?:H\?\?)?Subject: ?(.{0,24})", text)
    return m.group(1).decode("latin-1").strip() if m else "(none)"


def corpus_subjects(qdir):
    """{queue id: its Subject (the first words)}."""
    res = {}
    for f in qfs(qdir):
        with open(f, "rb") as fh:
            res[os.path.basename(f)[2:]] = subject_of(fh.read())
    return res


def outcome(qdir, out, subjects):
    """What a queue run did, per corpus message (by Subject): the
    masked texts each user got, and the N and R lines of its qf if it is
    still queued; messages the run made (notifications) under
    "(new)"."""
    res = {}
    for d in sorted(glob.glob(os.path.join(out, "*"))):
        for f in glob.glob(os.path.join(d, "m.*")):
            with open(f, "rb") as fh:
                text = fh.read()
            res.setdefault(subject_of(text), []).append(
                b"===== to " + os.path.basename(d).encode() + b"\n" +
                normalise(STRIP.sub(b"", text)))
    for f in qfs(qdir):
        qid = os.path.basename(f)[2:]
        with open(f, "rb") as fh:
            lines = fh.read().split(b"\n")
        key = subjects.get(qid, "(new)")
        res.setdefault(key, []).append(b"----- left queued\n" + b"\n".join(
            x for x in lines if x[:1] in (b"N", b"R")))
    return {k: b"\n".join(sorted(v)).split(b"\n") for k, v in res.items()}


def make_queue(tmp, name, sub):
    qdir = os.path.join(tmp, "var/spool", name)
    os.makedirs(qdir)
    if sub:
        for d in ("qf", "df", "xf"):
            os.makedirs(os.path.join(qdir, d))
    return qdir


def copy_queue(src, dst):
    shutil.copytree(src, dst)


def one_case(case, good, tmp, sides, show):
    writer, layout = case.split("-")
    sub = layout == "sub"
    label = "queue-corpus-" + case
    qdir = make_queue(tmp, "c-" + case, sub)
    out = os.path.join(tmp, "out-w-" + case)
    cf = cf_for(good, tmp, "w-" + case, qdir, out)
    try:
        build_corpus(sides[writer], cf)
    except RuntimeError as e:
        print("FAIL diff %s-write: %s" % (label, e))
        return 1
    ids = [os.path.basename(f)[2:] for f in qfs(qdir)]
    failed = 0
    listing = {}
    for who in ("oracle", "ours"):
        o, e, r = sides[who].run(["-C", cf, "-bp"])
        listing[who] = (o + b"\n===== stderr\n" + e +
                        b"\n===== exit %d\n" % r).split(b"\n")
    missing = [i for i in ids if not any(i.encode() in x
                                         for x in listing["oracle"])]
    failed += verdict(label + "-list", listing["oracle"],
                      listing["ours"], show=show)
    if missing or len(ids) < 13:
        print("FAIL diff %s-corpus: %d messages, not listed: %s" %
              (label, len(ids), missing))
        failed += 1
    else:
        print("PASS diff %s-corpus: %d messages queued, all listed" %
              (label, len(ids)))
    subjects = corpus_subjects(qdir)
    res = {}
    for who in ("oracle", "ours"):
        q2 = os.path.join(tmp, "var/spool", "d-%s-%s" % (case, who))
        copy_queue(qdir, q2)
        out2 = os.path.join(tmp, "out-%s-%s" % (case, who))
        cf2 = cf_for(good, tmp, "d-%s-%s" % (case, who), q2, out2)
        _, err, status = sides[who].run(["-C", cf2, "-qf"])
        res[who] = outcome(q2, out2, subjects)
        res[who]["(exit)"] = [b"exit %d" % status]
    keys = sorted(set(res["oracle"]) | set(res["ours"]))
    same, n = 0, 0
    for k in keys:
        known = KNOWN.get((writer, k)) or KNOWN.get(("*", k))
        tag = re.sub(r"[^A-Za-z0-9]+", "-", k).strip("-")
        bad = verdict("%s-deliver-%s" % (label, tag), res["oracle"].get(k, []),
                      res["ours"].get(k, []), known=known, show=show)
        failed += bad
        if k.startswith("("):
            continue
        n += 1
        if res["oracle"].get(k) == res["ours"].get(k):
            same += 1
    # (not a test line: run_tests.py counts only PASS/FAIL/SKIP/XFAIL)
    print("  %s-deliver: %d of %d corpus messages with the same outcome" %
          (label, same, n))
    return failed


def main():
    args = diff_args()
    names = args.cases or CASES
    try:
        root, prefix, tmp, base = centos_world("queue_corpus_diff.",
                                               ALIASES)
        with open(base) as f:
            good = f.read()
    except Skip as e:
        for n in names:
            print("SKIP diff queue-corpus-%s: %s" % (n, e))
        return 0
    sides = {"oracle": Side(prefix, tmp, oracle_binary(root),
                            oracle_env(root)),
             "ours": Side(prefix, tmp,
                          our_binary(os.path.abspath(args.bin)),
                          ours_env())}
    failed = 0
    for n in names:
        failed += one_case(n, good, tmp, sides, args.show)
    shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
