"""Section 3.6 of the hostile-input catalogue: a broken access map
(D01, D02) and an alias database made by one newaliases while another
runs (D06), against our daemon with FEATURE(access_db) (hash, built by
our makemap) and an entry that refuses a sender:

  From:spammer@example.org   REJECT

While the map reads, MAIL FROM:<spammer@example.org> gets sendmail's
"550 5.7.1 ... Access denied".  With the map truncated mid-page, filled
with random bytes, or missing (it is not optional), the daemon must
answer the cf's temporary failure, "451 4.3.0 Temporary system failure.
Please try again later.", and never take the refused sender or relay:
a map that cannot be read is not an empty map (sendmail 8.11.1's rule,
STYLE.md's MAP_TEMPFAIL).  Each case changes the file, restarts the
daemon (its workers keep a map open), plays its session and puts the
good map back.
"""

import os
import subprocess

from harness import EHLO, SENDMAIL, Case, SmtpWorld

NAME = "maps"
SPAM = b"MAIL FROM:<spammer@example.org>\r\n"
DENIED = r"^550 5\.7\.1 <spammer@example\.org>\.\.\. Access denied"
TEMP = r"^451 4\.3\.0 Temporary system failure\. Please try again later\."
ACCESS = "From:spammer@example.org\tREJECT\n"


class MapsWorld(SmtpWorld):
    def __init__(self, root):
        self.access = os.path.join(root, "etc", "access")
        SmtpWorld.__init__(self, root, extra_mc=(
            "FEATURE(`access_db', `hash -T<TMPF> %s')dnl\n" % self.access))
        self.makemap()
        with open(self.access + ".db", "rb") as f:
            self.good = f.read()

    def makemap(self):
        bindir = os.path.dirname(SENDMAIL)
        subprocess.run([os.path.join(bindir, "makemap"), "-C", self.w.cf,
                        "hash", self.access], input=ACCESS.encode(),
                       check=True, timeout=30)

    def put(self, data):
        """The access map's file now holds data (None: no file); the
        daemon restarted to see it."""
        db = self.access + ".db"
        if data is None:
            os.unlink(db)
        else:
            with open(db, "wb") as f:
                f.write(data)
        self.restart()



def broken(change):
    def before(ctx):
        ctx.put(change(ctx.good))
    return before


def restore(ctx):
    ctx.put(ctx.good)
    return True, ""


def cases():
    steps = [(EHLO, 1), (SPAM, 1),
             (b"RCPT TO:<relaytest@example.net>\r\n", 1)]
    c = [Case("D00-control", steps, expect=[DENIED],
              ref="§3.6 control: the map read")]
    for cid, change, ref in (
            ("D01-truncated", lambda d: d[:len(d) // 2 + 100],
             "truncated mid-page"),
            ("D01-random", lambda d: os.urandom(len(d)), "random bytes"),
            ("D01-empty", lambda d: b"", "an empty file"),
            ("D02-missing", lambda d: None, "missing")):
        c.append(Case(cid, steps, expect=[TEMP],
                      never=[r"^250 2\.1\.0 <spammer", r"^250 2\.1\.5"],
                      src="127.0.0.2", before=broken(change), after=restore,
                      ref="§3.6 %s: %s" % (cid[:3], ref),
                      quick=cid == "D01-truncated"))
    c.append(Case("D00-again", steps, expect=[DENIED],
                  ref="§3.6 control: the map put back"))
    return c


def start(root):
    return MapsWorld(root).start()
