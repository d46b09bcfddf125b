#!/usr/bin/env python3
"""Figure 15 (reference reliability.md §4.4, §5): password guessing and
user enumeration against SMTP AUTH (our `sendmail -bd`) and the IMAP
and POP3 logins of mailboxd, and with --oracle of dovecot 2.3 in the
same set-up.

SMTP: regress/fault/world.py's daemon with AuthMechanisms PLAIN LOGIN
and an sasldb (saslpasswd2; Sendmail.conf through SASL_CONF_PATH) that
knows alice.  IMAP and POP3: regress/proto/test_pop3_dovecot.py's Pair
(a passwd-file that knows joe; mailboxd, or dovecot from the unpacked
Debian packages in a private mount namespace).

For each service, two kinds of wrong login: a known user with a wrong
password and an unknown user.

  sequence  one session per kind with --tries failed logins in a row:
            the seconds from each attempt to its reply (the delay a
            guesser pays), and whether and after which attempt the
            server closed the connection
  texts     every reply of both kinds compared (greeting and the
            protocol's fixed words aside): 0 differences wanted
  timing    --sessions fresh sessions per kind, alternating, one failed
            login each: the median time to the failure reply, and the
            difference between the kinds in % of the slower (< 10 %)

Usage: brute.py [--tries 6] [--sessions 8] [--oracle] [smtp imap pop3]
Exit 1 when a text differs between the kinds or the timing differs by
10 % or more (the delay and disconnect figures are reported only:
where they miss the target the oracle's behaviour is kept, see
doc/reliability.md).
"""

import argparse
import base64
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REGRESS = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REGRESS, "fault"))
sys.path.insert(0, os.path.join(REGRESS, "proto"))
import world  # noqa: E402

DOMAIN = "mail.example.test"
KNOWN = {"smtp": ("alice", "wrong-1"), "imap": ("joe", "wrong-1"),
         "pop3": ("joe", "wrong-1")}
UNKNOWN = {"smtp": ("nosuchuser", "wrong-1"),
           "imap": ("nosuchuser", "wrong-1"),
           "pop3": ("nosuchuser", "wrong-1")}


class Conn:
    """A line-oriented client; read() gives one line or None (closed),
    '(timeout)' after `timeout` seconds."""

    def __init__(self, port, timeout=60):
        self.s = socket.create_connection(("127.0.0.1", port), timeout)
        self.f = self.s.makefile("rb")

    def read(self):
        try:
            line = self.f.readline()
        except socket.timeout:
            return "(timeout)"
        except OSError:
            return None
        return line.decode("latin1").rstrip("\r\n") if line else None

    def send(self, data):
        try:
            self.s.sendall(data)
            return True
        except OSError:
            return False

    def close(self):
        self.s.close()


def smtp_reply(c):
    """The last line of an SMTP reply, None when closed."""
    while True:
        line = c.read()
        if line is None or line[3:4] != "-":
            return line


class Service:
    """A login service on a port: open() gives a greeted session."""
    name = None

    def __init__(self, port):
        self.port = port

    def open(self):
        c = Conn(self.port)
        c.read()
        return c


class Smtp(Service):
    name = "smtp"

    def open(self):
        c = Conn(self.port)
        smtp_reply(c)
        c.send(b"EHLO guesser.example.net\r\n")
        smtp_reply(c)
        return c

    def attempt(self, c, user, pw, i):
        """(seconds, [reply lines]) for one failed login; None lines
        when the server closed."""
        tok = base64.b64encode(b"\0" + user.encode() + b"\0" +
                               pw.encode()).decode()
        t0 = time.monotonic()
        if not c.send(("AUTH PLAIN %s\r\n" % tok).encode()):
            return time.monotonic() - t0, [None]
        r = smtp_reply(c)
        return time.monotonic() - t0, [r]


class Imap(Service):
    name = "imap"

    def attempt(self, c, user, pw, i):
        t0 = time.monotonic()
        out = []
        if not c.send(('a%d LOGIN "%s" "%s"\r\n' % (i, user, pw)).encode()):
            return time.monotonic() - t0, [None]
        while True:
            line = c.read()
            out.append(line)
            if line is None or line.startswith("a%d " % i) or \
                    line == "(timeout)":
                break
        return time.monotonic() - t0, out


class Pop3(Service):
    name = "pop3"

    def attempt(self, c, user, pw, i):
        """USER, then PASS: both replies; the time covers both."""
        t0 = time.monotonic()
        out = []
        for cmd in ("USER %s\r\n" % user, "PASS %s\r\n" % pw):
            if not c.send(cmd.encode()):
                out.append(None)
                break
            line = c.read()
            out.append(line)
            if line is None:
                break
        return time.monotonic() - t0, out


def mask(line, user):
    """A reply with the user name and a changing tag taken out, so that
    only the wording is compared."""
    if line is None:
        return "(closed)"
    return line.replace(user, "USER")


def sequence(proto, kind, user, pw, tries):
    """tries failed logins in one session: [(secs, replies)], the
    attempt after which the server closed (0: it did not)."""
    c = proto.open()
    out, closed = [], 0
    try:
        for i in range(1, tries + 1):
            secs, rep = proto.attempt(c, user, pw, i)
            out.append((secs, [mask(r, user) for r in rep]))
            if None in rep:
                closed = i - 1 if rep == [None] else i
                break
            if any(r and ("BYE" in r or r.startswith("421")) for r in rep):
                closed = i
                break
    finally:
        c.close()
    return out, closed


def timing(proto, sessions):
    """Median seconds to the first failure reply, per kind."""
    t = {"known": [], "unknown": []}
    for _ in range(sessions):
        for kind, table in (("known", KNOWN), ("unknown", UNKNOWN)):
            user, pw = table[proto.name]
            c = proto.open()
            try:
                secs, _ = proto.attempt(c, user, pw, 1)
            finally:
                c.close()
            t[kind].append(secs)
    return {k: statistics.median(v) for k, v in t.items()}, t


def measure(label, proto, a):
    print("brute: %s %s (load average %.1f)" %
          (label, proto.name, os.getloadavg()[0]))
    res = {}
    for kind, table in (("known", KNOWN), ("unknown", UNKNOWN)):
        user, pw = table[proto.name]
        seq, closed = sequence(proto, kind, user, pw, a.tries)
        res[kind] = seq
        print("brute:   %-7s delays %s; %s" % (
            kind, " ".join("%.2f" % s for s, _ in seq),
            "closed after attempt %d" % closed if closed else
            "still open after %d" % len(seq)))
    diffs = []
    for (_, rk), (_, ru) in zip(res["known"], res["unknown"]):
        if rk != ru:
            diffs.append((rk, ru))
    if len(res["known"]) != len(res["unknown"]):
        diffs.append(("%d attempts" % len(res["known"]),
                      "%d attempts" % len(res["unknown"])))
    print("brute:   replies %s; textual differences %d" %
          (" | ".join(res["known"][0][1]), len(diffs)))
    for k, u in diffs[:3]:
        print("brute:     known %r / unknown %r" % (k, u))
    med, _ = timing(proto, a.sessions)
    hi = max(med.values())
    pct = abs(med["known"] - med["unknown"]) / hi * 100 if hi else 0.0
    print("brute:   first failure, median of %d sessions: known %.6f s, "
          "unknown %.6f s, difference %.1f %%" %
          (a.sessions, med["known"], med["unknown"], pct))
    return len(diffs), pct


def smtp_world(root):
    conf = os.path.join(root, "sasl")
    os.makedirs(conf)
    db = os.path.join(conf, "sasldb2")
    subprocess.run(["saslpasswd2", "-p", "-c", "-f", db, "-u", DOMAIN,
                    "alice"], input=b"wonderland", check=True, timeout=30)
    with open(os.path.join(conf, "Sendmail.conf"), "w") as f:
        f.write("pwcheck_method: auxprop\nauxprop_plugin: sasldb\n"
                "sasldb_path: %s\nmech_list: PLAIN LOGIN\n" % db)
    os.environ["SASL_CONF_PATH"] = conf
    return world.World(os.path.join(root, "w"), mode="queueonly",
                       sink=False, extra_mc=(
                           "define(`confAUTH_MECHANISMS', `PLAIN LOGIN')dnl\n"
                           "TRUST_AUTH_MECH(`PLAIN LOGIN')dnl\n"
                           "define(`confREFUSE_LA', `1000')dnl\n"))


def run_mailbox(root, which, proto_cls, a):
    import test_pop3_dovecot as dv
    pair = dv.Pair(os.path.join(root, which + "-" + proto_cls.name))
    pair.protocol = proto_cls.name
    with open(os.path.join(pair.spool, "joe"), "w") as f:
        f.write("")
    return pair.run(which, lambda port: measure(
        "dovecot 2.3" if which == "dovecot" else "mailboxd",
        proto_cls(port), a))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tries", type=int, default=6)
    ap.add_argument("--sessions", type=int, default=8)
    ap.add_argument("--oracle", action="store_true",
                    help="dovecot 2.3 too (IMAP, POP3)")
    ap.add_argument("protos", nargs="*",
                    default=["smtp", "imap", "pop3"])
    a = ap.parse_args()
    root = tempfile.mkdtemp(prefix="brute.", dir="/var/tmp")
    os.chmod(root, 0o755)
    bad = []
    if "smtp" in a.protos:
        w = smtp_world(root)
        try:
            w.start()
            nd, pct = measure("sendmail -bd (ours)", Smtp(w.port), a)
            if nd or pct >= 10:
                bad.append("smtp")
        finally:
            w.close()
    for name, cls in (("imap", Imap), ("pop3", Pop3)):
        if name not in a.protos:
            continue
        for which in ("mailboxd", "dovecot") if a.oracle else ("mailboxd",):
            nd, pct = run_mailbox(root, which, cls, a)
            if which == "mailboxd" and (nd or pct >= 10):
                bad.append(name)
    print("brute: %s" % ("PASS" if not bad else "FAIL " + " ".join(bad)))
    subprocess.run(["rm", "-rf", root])
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
