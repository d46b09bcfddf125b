#!/usr/bin/env python3
"""Differential test of the queue writer (src/queue/queue_write.c): messages
committed by OUR writer must be listed and delivered by the real sendmail
8.17 (regress/oracle.sh) exactly like the messages it queued itself.

For each case the oracle queues a message with -odq into a queue of its
own ("o-<case>"); regress/tools/queue_write (a driver of queue_tx_begin /
_write / _commit) then commits that qf text and df body as a new message
in another queue ("w-<case>", flat or with qf/ df/ subdirectories).  A
"hand" case commits a qf text written here, not by sendmail.  Checks:

  qf, df    our files hold the same bytes as the oracle's
  list      the oracle's `-bp` of our queue equals ours (bin/sendmail
            -bp), and equals its listing of its own queue (ids and
            paths swapped); mailq likewise
  deliver   the oracle delivers our message (-qI<id> -v) with a local
            mailer that appends to out/<user> in the test tree: every
            recipient gets the same text as from the oracle's own copy,
            that text is the qf headers and the df body, and the queue
            is left empty
  locked    while the writer still holds the committed qf open, both
            list it locked and the oracle's queue run skips it

The hermetic world is oracle_env.py's (CentOS 7 cf, unshare).

Usage: queue_write_diff.py [--bin DIR] [--tool PATH] [--keep] [case ...]
Prints PASS|FAIL|SKIP diff queue-write-<case>-<check>: ... lines.
"""

import argparse
import glob
import os
import re
import shutil
import stat
import subprocess
import sys
import time

from oracle_env import (NS_SCRIPT, REPO, Skip, build_cf, diff_lines,
                        make_tmp, make_tree, normalise, oracle_binary,
                        oracle_env, oracle_root, our_binary, ours_env, run_ns,
                        show_diff, transcript, unshare_prefix, write)

ALIASES = "postmaster: root\n"

# an SMTP dialogue on -bs, one command per reply (sendmail refuses
# commands sent before its greeting): ORCPT (Q line), RET, ENVID, NOTIFY
SMTP_DSN = [b"HELO client.example",
            b"MAIL FROM:<smtp@example.com> RET=HDRS ENVID=env-77",
            b"RCPT TO:<joe> NOTIFY=SUCCESS,FAILURE "
            b"ORCPT=rfc822;orig+2Bjoe@example.org",
            b"RCPT TO:<bob> NOTIFY=NEVER",
            b"DATA",
            b"Subject: smtp dsn\r\n\r\nvia -bs\r\n.",
            b"QUIT"]

# (name, layout of our queue, how the oracle queues it: argv, stdin)
CASES = [
    ("single", "flat", ["-f", "sender@example.com", "joe"],
     b"Subject: single\n\nhello\n"),
    ("multi", "flat", ["-f", "sender@example.com", "root", "joe", "bob"],
     b"Subject: three\nTo: root, joe, bob\n\n" + b"line\n" * 2000),
    ("dsn", "flat", ["-N", "success,delay", "-R", "hdrs", "-V", "envid42",
                     "-f", "dsn@example.com", "joe"],
     b"Subject: dsn\n\n" + b"z" * 5000 + b"\n"),
    ("smtp-dsn", "flat", ["-bs"], SMTP_DSN),
    ("8bitmime", "flat", ["-B8BITMIME", "-f", "eight@example.com", "bob"],
     b"Subject: 8bit\n\n\xe9t\xe9 \x81\xff\n"),
    ("sub", "sub", ["-f", "sub@example.com", "joe", "root"],
     b"Subject: sub\n\nin a subdirectory\n"),
    ("hand", "flat", None, None),
    ("hand-sub", "sub", None, None),
    ("locked", "flat", "locked", None),
]

ADDRESS_HEADERS = (b"to", b"cc", b"bcc", b"from", b"sender", b"reply-to",
                   b"resent-to", b"resent-cc", b"resent-from")

HAND_BODY = b"hand made\n\xc3\xa9\n\nFrom here on\n.\n..\nend\n"


def hand_qf(now):
    """A qf written here: 8BITMIME, DSN fields, the 0x81 macro byte."""
    return (b"V8\nT%d\nK0\nN0\nP30200\nB8BITMIME\nF8d\n"
            b"$_root@localhost\n"
            b"${daemon_flags}c u\n"
            b"$rESMTP\n"
            b"$sclient.example\n"
            b"Shand@example.com\n"
            b"Zhand-envid\n"
            b"Ahand@example.com\n"
            b"Qrfc822;first@example.org\n"
            b"RPNS:joe\n"
            b"RPFD:bob\n"
            b"H?P?Return-Path: <\x81g>\n"
            b"H??Received: from client.example (localhost [127.0.0.1])\n"
            b"\tby vm.example.test with ESMTP id HANDMADE;\n"
            b"\tTue, 24 Nov 2026 08:00:00 GMT\n"
            b"H?D?Date: Tue, 24 Nov 2026 08:00:00 GMT\n"
            b"H?F?From: Hand <hand@example.com>\n"
            b"H?M?Message-Id: <handmade@example.com>\n"
            b"H??Subject: hand made\n"
            b"H??X-Long: first part\n\tsecond part\n"
            b".\n" % now)


DELIVER_SH = """#!/bin/sh
# the local mailer of the test: appends the message to OUT/<last arg>
for u; do :; done
cat >> '%s'/"$u"
"""


def find_tool(opt):
    if opt.tool:
        return opt.tool
    cands = []
    if os.environ.get("OBJ"):
        cands.append(os.path.join(os.environ["OBJ"], "rtools"))
    if opt.bin or os.environ.get("BIN"):
        b = os.path.abspath(opt.bin or os.environ["BIN"])
        cands.append(os.path.join(os.path.dirname(b), "rtools"))
    cands.append(os.path.join(REPO, "obj", "opt", "rtools"))
    for c in cands:
        p = os.path.join(c, "queue_write")
        if os.access(p, os.X_OK):
            return p
    p = os.path.join(REPO, "obj", "opt", "rtools", "queue_write")
    subprocess.run(["make", "-C", REPO, "-s", "obj/opt/rtools/queue_write"],
                   capture_output=True, timeout=600)
    if os.access(p, os.X_OK):
        return p
    raise Skip("regress/tools/queue_write is not built (make unit)")


class World:
    def __init__(self, root, prefix, tmp, good, ours, tool):
        self.root = root
        self.prefix = prefix
        self.tmp = tmp
        self.good = good
        self.oracle = oracle_binary(root)
        self.env = oracle_env(root)
        self.ours = ours
        self.tool = tool
        self.links = {}
        for who, b in (("oracle", self.oracle), ("ours", ours)):
            d = os.path.join(tmp, "mailq-" + who)
            os.makedirs(d)
            os.symlink(b, os.path.join(d, "mailq"))
            self.links[who] = os.path.join(d, "mailq")

    def queue(self, name, layout):
        """A queue folder, its delivery folder and a cf for both."""
        qdir = os.path.join(self.tmp, "var/spool", name)
        os.makedirs(qdir)
        if layout == "sub":
            for d in ("qf", "df", "xf"):
                os.makedirs(os.path.join(qdir, d))
        out = os.path.join(self.tmp, "out", name)
        os.makedirs(out)
        script = os.path.join(self.tmp, "deliver-%s.sh" % name)
        write(script, DELIVER_SH % out)
        os.chmod(script, 0o755)
        t = re.sub(r"(?m)^O QueueDirectory=.*$", "O QueueDirectory=" + qdir,
                   self.good)
        t = re.sub(r"(?m)^(Mlocal,\s+P=)[^,]*,", lambda m: m.group(1) +
                   script + ",", t, count=1)
        t = t.replace("A=procmail -t -Y -a $h -d $u", "A=deliver.sh $u", 1)
        cf = os.path.join(self.tmp, name + ".cf")
        write(cf, t)
        return qdir, out, cf

    def run(self, binary, argv, stdin=None, env=None):
        return run_ns(self.prefix, self.tmp, [binary] + argv,
                      env or self.env, stdin=stdin)

    def smtp(self, argv, lines):
        """Runs the oracle with -bs and talks lines to it, each sent
        after the previous reply.  Returns the transcript."""
        p = subprocess.Popen(self.prefix + ["sh", "-c", NS_SCRIPT, "sh",
                                            self.tmp, self.oracle] + argv,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, env=self.env)
        log = []

        def reply():
            while True:
                r = p.stdout.readline()
                log.append(r)
                if not r or r[3:4] != b"-":
                    return r
        try:
            reply()
            for line in lines:
                p.stdin.write(line + b"\r\n")
                p.stdin.flush()
                r = reply()
                if not r.startswith((b"2", b"3")):
                    raise RuntimeError("oracle -bs: %r after %r" %
                                       (r, line))
            p.stdin.close()
            p.wait(timeout=30)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        return b"".join(log)

    def oracle_ok(self, argv, stdin=None):
        o, e, r = self.run(self.oracle, argv, stdin)
        if r != 0:
            raise RuntimeError("oracle %s: exit %d: %s" % (
                " ".join(argv), r, (o + e).decode("latin-1")))
        return o + e


def files(qdir):
    """Every queue file below qdir (qf/df/tf/xf ...), relative names."""
    got = []
    for dp, dirs, fs in os.walk(qdir):
        for f in fs:
            got.append(os.path.relpath(os.path.join(dp, f), qdir))
    return sorted(got)


def qfile(qdir, letter, qid):
    for p in (os.path.join(qdir, letter + "f", letter + "f" + qid),
              os.path.join(qdir, letter + "f" + qid)):
        if os.path.exists(p):
            return p
    raise RuntimeError("no %sf%s in %s" % (letter, qid, qdir))


def only_id(qdir):
    ids = [os.path.basename(f)[2:] for f in files(qdir)
           if os.path.basename(f).startswith("qf")]
    if len(ids) != 1:
        raise RuntimeError("%d qf files in %s" % (len(ids), qdir))
    return ids[0]


def read(path):
    with open(path, "rb") as f:
        return f.read()


def delivered(out):
    return {u: read(os.path.join(out, u)) for u in sorted(os.listdir(out))}


def rcpts_of(qf):
    return [l.split(b":", 1)[1].decode("latin-1")
            for l in qf.split(b"\n") if l.startswith(b"R")]


def header_lines(qf, sender):
    """The qf's header lines as delivered (\\201g -> the sender)."""
    hdrs = []
    for line in qf.split(b"\n"):
        if line.startswith(b"H"):
            m = re.match(rb"H(\?[^?]*\?)?(.*)", line, re.S)
            hdrs.append(m.group(2).replace(b"\x81g", sender))
        elif line.startswith(b"\t") and hdrs:
            hdrs[-1] += b"\n" + line
    return hdrs


class Report:
    def __init__(self, tmp):
        self.tmp = tmp
        self.failed = 0

    def check(self, name, ok, detail, diff=None):
        print("%s diff queue-write-%s: %s" %
              ("PASS" if ok else "FAIL", name, detail))
        if not ok:
            self.failed += 1
            if diff:
                for line in diff[:12]:
                    print("    %r" % normalise(line, self.tmp))

    def equal(self, name, want, got, what):
        if want == got:
            self.check(name, True, what + " equal")
            return
        a, b, sm, same, total = diff_lines(normalise(want, self.tmp),
                                           normalise(got, self.tmp))
        self.check(name, False, "%s differ: %d/%d lines matched" %
                   (what, same, total))
        show_diff(a, b, sm, width=200)


def run_locked(w, rep, name):
    """While our writer still holds a committed qf (as a delivery agent
    in the SMTP server would), both list it locked ('*') and the
    oracle's queue run leaves it alone; once closed, it is delivered."""
    wq, wout, wcf = w.queue("w-" + name, "flat")
    src_qf = os.path.join(w.tmp, name + ".qf")
    src_df = os.path.join(w.tmp, name + ".df")
    with open(src_qf, "wb") as f:
        f.write(hand_qf(int(time.time()) - 120))
    with open(src_df, "wb") as f:
        f.write(HAND_BODY)
    p = subprocess.Popen([w.tool, "-W", wq, src_qf, src_df],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        wid = p.stdout.readline().decode().strip()
        want = transcript(*w.run(w.oracle, ["-C", wcf, "-bp"]))
        got = transcript(*w.run(w.ours, ["-C", wcf, "-bp"],
                                env=ours_env()))
        marked = (wid + "*").encode() in want
        rep.check(name + "-list", want == got and marked,
                  "oracle %s it locked, ours %s" %
                  ("lists" if marked else "does NOT list",
                   "alike" if want == got else "differs"))
        o, e, r = w.run(w.oracle, ["-C", wcf, "-qI" + wid, "-v"])
        held = not delivered(wout) and ("qf" + wid) in files(wq)
        rep.check(name + "-queue-run", held,
                  "the oracle's queue run %s the locked message" %
                  ("skips" if held else "did NOT skip"),
                  None if held else normalise(o + e, w.tmp).split(b"\n"))
    finally:
        p.stdin.close()
        p.wait(timeout=30)
    o, e, r = w.run(w.oracle, ["-C", wcf, "-qI" + wid, "-v"])
    got = delivered(wout)
    left = [f for f in files(wq) if wid in f]
    ok = r == 0 and sorted(got) == ["bob", "joe"] and not left
    rep.check(name + "-deliver", ok, "after close: exit %d, delivered to "
              "%s, message left: %s" % (r, " ".join(sorted(got)) or "none",
                                        " ".join(left) or "none"),
              None if ok else normalise(o + e, w.tmp).split(b"\n"))


def run_case(w, rep, name, layout, argv, stdin):
    if argv == "locked":
        run_locked(w, rep, name)
        return
    oq, oout, ocf = w.queue("o-" + name, "flat")
    wq, wout, wcf = w.queue("w-" + name, layout)
    if argv is None:
        qf_text = hand_qf(int(time.time()) - 120)
        df_text = HAND_BODY
        oid = None
    else:
        if argv == ["-bs"]:
            w.smtp(["-C", ocf, "-odq", "-bs"], stdin)
        else:
            w.oracle_ok(["-C", ocf, "-odq"] + argv, stdin)
        oid = only_id(oq)
        qf_text = read(qfile(oq, "q", oid))
        df_text = read(qfile(oq, "d", oid))
    src_qf = os.path.join(w.tmp, name + ".qf")
    src_df = os.path.join(w.tmp, name + ".df")
    with open(src_qf, "wb") as f:
        f.write(qf_text)
    with open(src_df, "wb") as f:
        f.write(df_text)
    p = subprocess.run([w.tool, wq, src_qf, src_df], capture_output=True,
                       timeout=60)
    if p.returncode != 0:
        rep.check(name + "-commit", False, "queue_write exit %d: %s" %
                  (p.returncode, p.stderr.decode("latin-1").strip()))
        return
    wid = p.stdout.decode().strip()
    want_files = (["df/df" + wid, "qf/qf" + wid] if layout == "sub" else
                  ["df" + wid, "qf" + wid])
    rep.check(name + "-files", files(wq) == want_files,
              "%s after commit" % " ".join(files(wq)))
    kinds = []
    for line in qf_text.split(b"\n"):
        k = line[:1].decode("latin-1")
        if k and k not in kinds and k not in "\t.":
            kinds.append(k)
    rep.equal(name + "-qf", qf_text, read(qfile(wq, "q", wid)),
              "qf bytes (records %s%s)" % ("".join(kinds),
                                           ", raw 0x81" if b"\x81" in
                                           qf_text else ""))
    rep.equal(name + "-df", df_text, read(qfile(wq, "d", wid)), "df bytes")
    mode = stat.S_IMODE(os.stat(qfile(wq, "q", wid)).st_mode)
    rep.check(name + "-mode", mode == 0o640, "qf mode %o" % mode)

    # (a) the listings
    for label, args, links in (("list", ["-bp"], None),
                               ("list-verbose", ["-bp", "-v"], None),
                               ("mailq", [], "mailq")):
        ob = w.links["oracle"] if links else w.oracle
        ub = w.links["ours"] if links else w.ours
        want = transcript(*w.run(ob, ["-C", wcf] + args))
        got = transcript(*w.run(ub, ["-C", wcf] + args, env=ours_env()))
        ok = want == got and (wid.encode() in want)
        if oid is not None:
            own = transcript(*w.run(ob, ["-C", ocf] + args))
            own = own.replace(oid.encode(), wid.encode())
            own = own.replace(oq.encode(), wq.encode())
            if layout == "sub":
                own = own.replace(wq.encode() + b" (",
                                  wq.encode() + b"/df (")
            if own != want:
                rep.equal(name + "-" + label + "-as-own", own, want,
                          "oracle's listing of its own queue and of ours")
        if ok:
            rep.check(name + "-" + label, True, "oracle and ours list "
                      "the message alike")
        else:
            rep.equal(name + "-" + label, want, got, "listings")

    # (b) delivery by the oracle
    o, e, r = w.run(w.oracle, ["-C", wcf, "-qI" + wid, "-v"])
    text = normalise(o + e, w.tmp)
    got = delivered(wout)
    # a success DSN the delivery queues (NOTIFY=SUCCESS) is not ours
    left = [f for f in files(wq) if wid in f]
    dsns = sorted(set(os.path.basename(f)[2:] for f in files(wq)
                      if wid not in f))
    ok = r == 0 and not left and got
    rep.check(name + "-deliver", bool(ok),
              "exit %d, %d mailbox(es), message left: %s%s" %
              (r, len(got), " ".join(left) or "none",
               ", and a DSN queued" if dsns else ""),
              None if ok else text.split(b"\n"))
    if not got:
        return
    if oid is not None:
        ro = w.run(w.oracle, ["-C", ocf, "-qI" + oid, "-v"])
        want = delivered(oout)
        same = want == got
        rep.check(name + "-deliver-as-own", same,
                  "%d recipient(s): %s" % (len(got), "same text as the "
                                           "oracle's own copy" if same else
                                           "texts differ"))
        if not same:
            for u in sorted(set(want) | set(got)):
                rep.equal(name + "-deliver-" + u, want.get(u, b""),
                          got.get(u, b""), "delivery to " + u)
        tr_o = normalise(ro[0] + ro[1], w.tmp).replace(oid.encode(),
                                                       wid.encode())
        tr_o = tr_o.replace(b"o-" + name.encode(), b"w-" + name.encode())
        if layout == "sub":
            tr_o = tr_o.replace(b"/" + wid.encode(), b"/df/" + wid.encode())
        rep.check(name + "-deliver-transcript",
                  tr_o.split(b"\n") == text.split(b"\n"),
                  "-v transcripts %s" % ("equal" if tr_o == text
                                         else "differ"),
                  None if tr_o == text else
                  [b"- " + x for x in tr_o.split(b"\n")[:8]] +
                  [b"+ " + x for x in text.split(b"\n")[:8]])
    # the text is the qf's headers and the df's body
    sender = re.search(rb"(?m)^S(.*)$", qf_text).group(1).strip(b"<>")
    hdrs = header_lines(qf_text, sender)
    users = sorted(set(re.sub(r"@.*", "", r.strip("<>"))
                       for r in rcpts_of(qf_text)))
    bad = []
    for u in users:
        t = got.get(u)
        if t is None:
            bad.append(b"no delivery to " + u.encode())
            continue
        head, sep, body = t.partition(b"\n\n")
        if body != df_text:
            bad.append(b"body to " + u.encode() + b" is not the df")
        # address headers are rewritten (qualified) on the way out
        for h in hdrs:
            hname = h.split(b":", 1)[0]
            if hname.lower() in ADDRESS_HEADERS:
                found = re.search(rb"(?mi)^" + re.escape(hname) + b":",
                                  head) is not None
            else:
                found = h + b"\n" in head + b"\n"
            if not found:
                bad.append(b"header missing for " + u.encode() + b": " + h)
    rep.check(name + "-deliver-text", not bad,
              "%d recipient(s) got the qf headers and the df body" %
              len(users) if not bad else "delivered text is not the "
              "qf headers + df body", bad)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin")
    ap.add_argument("--tool")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("names", nargs="*")
    opt = ap.parse_args()
    sel = [c for c in CASES if not opt.names or c[0] in opt.names]
    try:
        root = oracle_root()
        prefix = unshare_prefix()
        if not shutil.which("m4"):
            raise Skip("m4 not installed")
        tool = find_tool(opt)
    except Skip as e:
        for c in sel:
            print("SKIP diff queue-write-%s: %s" % (c[0], e))
        return 77

    ours = our_binary(opt.bin)
    tmp = make_tmp("queue_write_diff.")
    rep = Report(tmp)
    try:
        make_tree(root, tmp, aliases=ALIASES)
        good = open(build_cf("centos7", root, tmp)).read()
        w = World(root, prefix, tmp, good, ours, tool)
        for name, layout, argv, stdin in sel:
            try:
                run_case(w, rep, name, layout, argv, stdin)
            except (RuntimeError, OSError) as e:
                rep.check(name, False, "error: %s" %
                          normalise(str(e).encode(), tmp).decode(
                              "latin-1"))
    finally:
        if opt.keep:
            print("kept %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 1 if rep.failed else 0


if __name__ == "__main__":
    sys.exit(main())
