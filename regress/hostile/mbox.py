"""Section 3.8 of the hostile-input catalogue: what our mail.local
writes into an mbox, read back by mailboxd over POP3 (our stand-in for
dovecot, which regress/proto compares it with) and byte by byte:

  X01  body lines "From me", ">From x", and "From" as the first body
       line: each "From " at a line start escaped to ">From "

and after each: POP3 and the mbox's From_ lines count exactly the
messages delivered, and the mbox ends in a blank line.
  X02  a message without a final newline: the writer adds it and the
       separating blank line; the next message still parses
  X05  50 mail.local runs at once on the same mbox: 50 more messages,
       each body whole and once (the locks keep them apart)
  X-huge  a 1 MB line: delivered whole
  X08  the mbox replaced by a symlink to a file elsewhere, then by a
       FIFO: mail.local refuses (a temporary failure), the link's target
       is not written, the FIFO is not opened for ever

mail.local writes /var/mail/USER: hostile.py runs in a mount namespace
of its own (as root), where a folder of the test's is bound over
/var/mail; elsewhere the section is skipped.  The user is root
(mail.local looks the name up in the password file), mailboxd serves
root's mbox from a passwd-file of the test's.
"""

import os
import poplib
import subprocess
import time

from harness import SENDMAIL, Case
from mailboxd_cases import MailboxdWorld

NAME = "mbox"
MAILLOCAL = os.path.join(os.path.dirname(SENDMAIL), "mail.local")
IN_NS = os.environ.get("HOSTILE_NETNS") == "1"
LOGIN = [(b"USER root\r\n", 1), (b"PASS secret\r\n", 1)]


STAT = LOGIN + [(b"STAT\r\n", 1)]
STAT_OK = [r"^\+OK Logged in", r"^\+OK \d+ \d+$"]


def pop3_count(ctx):
    """How many messages mailboxd's POP3 finds in the mbox now."""
    p = poplib.POP3("127.0.0.1", ctx.pport, timeout=30)
    try:
        p.user("root")
        p.pass_("secret")
        return p.stat()[0]
    finally:
        p.quit()


def deliver(text, user="root"):
    """mail.local -f sender user < text; returns its exit code."""
    p = subprocess.run([MAILLOCAL, "-f", "sender@example.com", user],
                       input=text, capture_output=True, timeout=60)
    return p.returncode


class MboxWorld(MailboxdWorld):
    def __init__(self, root):
        os.makedirs(root)
        self.spool = os.path.join(root, "varmail")
        os.makedirs(self.spool)
        os.chmod(self.spool, 0o1777)
        subprocess.run(["mount", "--bind", self.spool, "/var/mail"],
                       check=True)
        self.bound = True
        self.n = 0
        MailboxdWorld.__init__(self, os.path.join(root, "d"), user="root",
                               spool="/var/mail", messages=[])
        os.unlink(self.inbox)       # mail.local makes it

    def mbox(self):
        with open(os.path.join(self.spool, "root"), "rb") as f:
            return f.read()

    def close(self):
        MailboxdWorld.close(self)
        if self.bound:
            subprocess.run(["umount", "/var/mail"], check=False)
            self.bound = False


def sends(*texts):
    def before(ctx):
        for t in texts:
            if deliver(t) != 0:
                raise RuntimeError("mail.local failed for %r" % t[:40])
            ctx.n += 1
    return before


def mbox_has(*pieces, count=None):
    def check(ctx):
        box = ctx.mbox()
        n = pop3_count(ctx)
        if n != ctx.n:
            return False, "POP3 finds %d messages, not %d" % (n, ctx.n)
        bad = [p for p in pieces if p not in box]
        seps = sum(1 for l in box.split(b"\n") if l.startswith(b"From "))
        if bad:
            return False, "not in the mbox: %r" % bad
        if seps != ctx.n:
            return False, "%d From_ lines for %d messages" % (seps, ctx.n)
        if not box.endswith(b"\n\n"):
            return False, "the mbox does not end in a blank line"
        if count is not None:
            return count(box)
        return True, ""
    return check


def concurrent(ctx):
    procs = [subprocess.Popen([MAILLOCAL, "-f", "s@example.com", "root"],
                              stdin=subprocess.PIPE,
                              stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL) for _ in range(50)]
    for i, p in enumerate(procs):
        p.stdin.write(b"Subject: c%d\n\nbody-%04d\n" % (i, i) * 1)
        p.stdin.close()
    bad = [p.wait(timeout=120) for p in procs]
    if any(bad):
        raise RuntimeError("mail.local exit codes %s" % bad)
    ctx.n += 50


def each_once(box):
    missing = [i for i in range(50) if box.count(b"body-%04d\n" % i) != 1]
    return not missing, "bodies not there exactly once: %s" % missing[:10]


def refuse_odd(ctx):
    """The mbox as a symlink, then as a FIFO: mail.local must not
    deliver; returns what went wrong."""
    path = os.path.join(ctx.spool, "root")
    keep = path + ".kept"
    os.rename(path, keep)
    target = os.path.join(ctx.root, "elsewhere")
    with open(target, "wb") as f:
        f.write(b"untouched\n")
    os.symlink(target, path)
    bad = []
    try:
        if deliver(b"Subject: link\n\nlink\n") == 0:
            bad.append("delivered through a symlink")
        with open(target, "rb") as f:
            if f.read() != b"untouched\n":
                bad.append("the symlink's target was written")
        os.unlink(path)
        os.mkfifo(path)
        t0 = time.time()
        try:
            if deliver(b"Subject: fifo\n\nfifo\n") == 0:
                bad.append("delivered into a FIFO")
        except subprocess.TimeoutExpired:
            bad.append("mail.local blocked on a FIFO")
        if time.time() - t0 > 30:
            bad.append("mail.local took %.0f s on a FIFO" % (
                time.time() - t0))
    finally:
        if os.path.lexists(path):
            os.unlink(path)
        os.rename(keep, path)
    return not bad, "; ".join(bad)


def cases():
    skip = None if IN_NS else "needs hostile.py's mount namespace (root)"
    c = []

    def case(cid, before, after, ref, quick=True):
        c.append(Case(cid, STAT, expect=STAT_OK, before=before,
                      after=after, proto="pop3", ref=ref, quick=quick,
                      skip=skip))
    case("X01", sends(b"Subject: x01\n\nFrom the first line\nok\n"
                         b"From me\n>From x\nFrom\n"),
         mbox_has(b"\n\n>From the first line\n", b"\n>From me\n",
                  b"\n>From x\n", b"\nFrom\n"), "§3.8 X01")
    case("X02", sends(b"Subject: x02\n\nno newline at the end",
                         b"Subject: after\n\nnext\n"),
         mbox_has(b"\nno newline at the end\n\nFrom "), "§3.8 X02")
    case("X-huge", sends(b"Subject: huge\n\n" + b"h" * 1000000 + b"\n"),
         mbox_has(b"\n" + b"h" * 1000000 + b"\n\n"), "§3.8 huge line",
         quick=False)
    case("X05", concurrent, mbox_has(count=each_once),
         "§3.8 X05: 50 at once", quick=False)
    c.append(Case("X08", LOGIN, expect=[r"^\+OK Logged in"],
                  after=refuse_odd, proto="pop3", ref="§3.8 X08",
                  skip=skip))
    return c


def start(root):
    return MboxWorld(root).start()
