"""Sections 3.9 (IMAP) and 3.10 (POP3) of the hostile-input catalogue,
and the mailboxd half of 3.4 (MIME bombs in BODYSTRUCTURE), against
mailboxd on a dovecot.conf of the test's: IMAP and POP3 on run-time
ports of 127.0.0.1, STARTTLS with a certificate the test makes,
disable_plaintext_auth = yes (dovecot trusts a client on the server's
own address: 127.0.0.1 may log in in the clear, 127.0.0.2 may not), and
an mbox INBOX of five messages: three plain ones, one multipart nested
10,000 deep (CVE-2020-12100 shape), one of 20,000 parts whose last is a
message/rfc822 (CVE-2020-25275 shape).

The catalogue records dovecot's behaviour as rules (BAD, NO, a refusal
without a "+" continuation, a command behind STARTTLS never run); a
case asserts that, dovecot's reply text where the tests of regress/proto
compared it byte for byte, and that mailboxd still answers afterwards.
"""

import os
import sys
import time

from harness import Case, Tls, greets, self_signed

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "proto"))
from procs import MailboxdProc, free_port  # noqa: E402

NAME = "mailboxd"
LOGIN = (b"l LOGIN joe secret\r\n", 1)
SELECT = (b"s SELECT INBOX\r\n", 1)
POP_LOGIN = [(b"USER joe\r\n", 1), (b"PASS secret\r\n", 1)]
NO_PLUS = r"^\+"            # a continuation: the server wants the literal
REFUSED = r"^(\S+ (BAD|NO)|\* BYE|\(closed\))"
PLAIN = ("From: a@example.com\nTo: joe@example.com\nSubject: m%d\n\n"
         "body %d\n")


def deep_multipart(depth):
    head = "".join("Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n"
                   % (i, i) for i in range(depth))
    return ("From: a@example.com\nSubject: deep\nMIME-Version: 1.0\n" +
            head + "Content-Type: text/plain\n\nleaf\n" +
            "".join("--b%d--\n" % i for i in reversed(range(depth))))


def many_parts(n):
    parts = "".join("--p\nContent-Type: text/plain\n\npart %d\n" % i
                    for i in range(n - 1))
    return ("From: a@example.com\nSubject: wide\nMIME-Version: 1.0\n"
            "Content-Type: multipart/mixed; boundary=p\n\n" + parts +
            "--p\nContent-Type: message/rfc822\n\nSubject: inner\n\nx\n"
            "--p--\n")


def imap(cid, steps, expect=(), never=(), **kw):
    return Case(cid, steps, expect=expect, never=never, proto="imap",
                ref=kw.pop("ref", "§3.9"), **kw)


def pop(cid, steps, expect=(), never=(), **kw):
    return Case(cid, steps, expect=expect, never=never, proto="pop3",
                ref=kw.pop("ref", "§3.10"), **kw)


def inbox_intact(n):
    """After the session the INBOX still holds n messages."""
    def check(ctx):
        with open(ctx.inbox, "rb") as f:
            got = sum(1 for l in f if l.startswith(b"From "))
        return got == n, "INBOX has %d messages, not %d" % (got, n)
    return check


def nothing_outside(ctx):
    """No file was made outside the user's home and the spool."""
    made = [n for n in os.listdir(os.path.dirname(ctx.root))
            if n not in ctx.expected_siblings]
    made += [n for n in ("x", "etc") if os.path.exists(
        os.path.join(ctx.root, n))]
    return not made, "files made outside the mail store: %s" % made


def cases():
    c = [
        imap("I01-login", [(b"a LOGIN {4294967295}\r\n", 1)],
             expect=[REFUSED], never=[NO_PLUS]),
        imap("I01-append", [LOGIN, (b"b APPEND INBOX {4294967295}\r\n", 1)],
             expect=[r"^l OK", REFUSED], never=[NO_PLUS]),
    ]
    for i, lit in enumerate((b"{18446744073709551616}", b"{-1}", b"{1a}",
                             b"{99999999999999999999999}"), 1):
        c.append(imap("I02-%d" % i, [(b"a LOGIN " + lit + b"\r\n", 1),
                                     (b"b NOOP\r\n", 1)],
                      expect=[REFUSED], never=[NO_PLUS]))
    c += [
        imap("I03", [(b"a LOGIN {100000000+}\r\n" + b"x" * 65536, 1)],
             quit=False,
             expect=[REFUSED]),
        imap("I04", [(b"a NOOP " + b"(" * 4000 + b")" * 4000 + b"\r\n", 1)],
             expect=[REFUSED]),
        imap("I04-auth", [LOGIN, SELECT,
                          (b"b SEARCH " + b"(" * 4000 + b"ALL" + b")" * 4000
                           + b"\r\n", 1)], quick=False, expect=[r"^l OK", REFUSED]),
        imap("I05-quote", [(b'a LOGIN "joe secret\r\n', 1)],
             expect=[REFUSED]),
        imap("I05-nul", [(b'a LOGIN "jo\0e" secret\r\n', 1)],
             expect=[REFUSED]),
        imap("I05-backslash", [(b'a LOGIN "joe\\\r\n', 1)],
             expect=[REFUSED]),
        imap("I05-long", [(b"a NOOP " + b"x" * 70000 + b"\r\n", 1)],
             expect=[REFUSED]),
    ]
    for i, seq in enumerate((b"0", b"1:4294967296", b"*:0", b"1,,2", b"1:",
                             b"-1", b"4294967296"), 1):
        c.append(imap("I06-bad%d" % i, [LOGIN, SELECT,
                                        (b"f FETCH " + seq + b" FLAGS\r\n",
                                         1)],
                      expect=[r"^s OK", r"^f BAD"]))
    for i, seq in enumerate((b"1:*,*:1", b"*:*", b"4294967295",
                             b",".join(b"%d" % (i % 5 + 1)
                                       for i in range(100000))), 1):
        c.append(imap("I06-ok%d" % i, [LOGIN, SELECT,
                                       (b"f FETCH " + seq + b" FLAGS\r\n",
                                        1)], quick=i < 4,
                      expect=[r"^s OK", r"^f (OK|BAD)"]))
    c += [
        imap("I06-uid", [LOGIN, SELECT,
                         (b"f UID FETCH 1:4294967295 FLAGS\r\n", 1)],
             expect=[r"^s OK", r"^f OK"]),
        imap("I07-not", [LOGIN, SELECT,
                         (b"f SEARCH " + b"NOT " * 10000 + b"ALL\r\n", 1)],
             quick=False, expect=[r"^s OK", r"^f (OK|BAD|NO)"]),
        imap("I07-or", [LOGIN, SELECT,
                        (b"f SEARCH " + b"OR ALL " * 9000 + b"ALL\r\n", 1)],
             quick=False, expect=[r"^s OK", r"^f (OK|BAD|NO)"]),
        imap("I08", [LOGIN, (b'f LIST "" "' + b"%*" * 30 + b'x"\r\n', 1)],
             expect=[r"^f OK"]),
        imap("I09-short", [LOGIN, (b"b APPEND INBOX {10}\r\n", 1),
                           (b"x" * 1000 + b"\r\n", 1)],
             expect=[r"^\+", r"^\S+ (BAD|NO|OK)"],
             after=inbox_intact(5), ref="§3.9 (the extra bytes are a "
             "command; a bad one)"),
        imap("I12", [(b"c CAPABILITY\r\n", 1), (b"a LOGIN joe secret\r\n", 1)],
             expect=[r"LOGINDISABLED", r"^c OK",
                     r"^a NO \[PRIVACYREQUIRED\] Plaintext authentication "
                     r"disallowed on non-secure \(SSL/TLS\) connections\."],
             src="127.0.0.2"),
        imap("I13", [(b"a STARTTLS\r\nb LOGIN joe secret\r\n", 0),
                     (Tls(cmd=False), 0), (b"c CAPABILITY\r\n", 1)],
             expect=[r"^a OK", r"^\(tls\)", r"^c OK"],
             never=[r"^b "], src="127.0.0.2", ref="§3.9, CVE-2011-0411"),
        imap("I14", [LOGIN] + [(b'm%d CREATE "%s"\r\n' % (i, n), 1)
                               for i, n in enumerate(
                                   (b"../../x", b"INBOX/../../x", b"~root/x",
                                    b"/etc/x", b"&AAA", b"a\0b"))] +
             [(b'm9 CREATE {70000}\r\n', 1), (b"x" * 70000 + b"\r\n", 1),
              (b's SELECT "../../etc/passwd"\r\n', 1)],
             expect=[r"^l OK"] + [r"^m%d (NO|BAD)" % i for i in range(6)] +
             [r"^(m9|s) (NO|BAD)"], after=nothing_outside),
        imap("I15-parts", [LOGIN, SELECT,
                           (b"f FETCH 1 BODY[" + b".".join(
                               [b"1"] * 1000) + b"]\r\n", 1)],
             expect=[r"^s OK", r"^f (OK|BAD)"]),
        imap("I15-fields", [LOGIN, SELECT,
                            (b"f FETCH 1 BODY[HEADER.FIELDS (" + b" ".join(
                                b"X-H%d" % i for i in range(10000)) +
                             b")]\r\n", 1)],
             quick=False, expect=[r"^s OK", r"^f (OK|BAD)"]),
        imap("I15-partial", [LOGIN, SELECT,
                             (b"f FETCH 1 BODY[]<4294967295.4294967295>\r\n",
                              1), (b"g FETCH 1 BODY[]<99999999999999999999."
                                   b"1>\r\n", 1)],
             expect=[r"^s OK", r"^f (OK|BAD)", r"^g BAD"]),
        imap("I16-preauth", [(b"a SELECT INBOX\r\n", 1),
                             (b"b FETCH 1 FLAGS\r\n", 1)],
             expect=[r"^a BAD", r"^b BAD"]),
        imap("I16-tags", [(b"x" * 1000 + b" NOOP\r\n", 1),
                          (b"* NOOP\r\n", 1), (b"+ NOOP\r\n", 1),
                          (b"a{ NOOP\r\n", 1), (b"\r\n", 1)],
             expect=[REFUSED]),
        imap("M01", [LOGIN, SELECT, (b"f FETCH 4 BODYSTRUCTURE\r\n", 1),
                     (b"g FETCH 4 BODY[1.1.1.1]\r\n", 1)],
             quick=False, expect=[r"^s OK", r"^f OK", r"^g OK"], ref="§3.4 M01"),
        imap("M02", [LOGIN, SELECT, (b"f FETCH 5 BODYSTRUCTURE\r\n", 1),
                     (b"g FETCH 5 BODY[20000.HEADER]\r\n", 1)],
             quick=False, expect=[r"^s OK", r"^f OK", r"^g OK"], ref="§3.4 M02"),
        imap("M01-search", [LOGIN, SELECT, (b"f SEARCH BODY leaf\r\n", 1)],
             quick=False, expect=[r"^s OK", r"^\* SEARCH", r"^f OK"], ref="§3.4 M01"),
    ]
    c += [
        pop("P01", POP_LOGIN + [(b"%s\r\n" % x, 1) for x in (
            b"RETR 0", b"RETR -1", b"RETR 4294967296", b"RETR 99999",
            b"RETR abc", b"TOP 1 -1", b"DELE 0", b"LIST 4294967297")],
            expect=[r"^\+OK Logged in"] + [r"^-ERR"] * 8),
        pop("P02", POP_LOGIN + [(b"DELE 1\r\n", 1), (b"RETR 1\r\n", 1),
                                (b"DELE 1\r\n", 1)],
            expect=[r"^\+OK Marked to be deleted", r"^-ERR Message is "
                    r"deleted", r"^-ERR Message is deleted"],
            after=inbox_intact(5), quit=False,
            ref="§3.10 (dropped without QUIT: nothing expunged)"),
        pop("P05", [(b"PASS secret\r\n", 1), (b"USER " + b"j" * 1000000 +
                                              b"\r\n", 1)],
            expect=[r"^-ERR", r"^(-ERR|\(closed\))"]),
        pop("P05-nul", [(b"USER jo\0e\r\n", 1), (b"PASS secret\r\n", 1)],
            expect=[r"^(\+OK|-ERR)", r"^-ERR"]),
        pop("P07", [(b"STLS\r\nUSER joe\r\n", 0), (Tls(cmd=False), 0),
                    (b"NOOP\r\n", 1)],
            expect=[r"^\+OK Begin TLS", r"^\(tls\)", r"^-ERR Unknown "
                    r"command"], src="127.0.0.2", ref="§3.10, CVE-2011-0411"),
        pop("P08", [(b"USER joe\r\n", 1)],
            expect=[r"^-ERR \[AUTH\] Plaintext authentication disallowed on "
                    r"non-secure \(SSL/TLS\) connections\."],
            src="127.0.0.2"),
    ]
    return c


class MailboxdWorld:
    """mailboxd -F on a dovecot.conf of ours; stopped by its PID."""

    qdir = None

    def __init__(self, root, user="joe", spool=None, messages=None):
        """mailboxd for user (password "secret") whose mbox INBOX is
        spool/user (spool: root/spool), holding messages (None: the
        five of this module)."""
        self.root = root
        os.makedirs(os.path.join(root, "home", "mail"))
        spool = spool or os.path.join(root, "spool")
        os.makedirs(spool, exist_ok=True)
        self.expected_siblings = set(os.listdir(os.path.dirname(root)))
        self.inbox = os.path.join(spool, user)
        if messages is None:
            messages = [PLAIN % (n, n) for n in (1, 2, 3)] + [
                deep_multipart(10000), many_parts(20000)]
        with open(self.inbox, "w") as f:
            for i, text in enumerate(messages):
                f.write("From a@example.com Mon Nov 23 10:00:%02d 2026\n%s\n"
                        % (i, text))
        with open(os.path.join(root, "passwd"), "w") as f:
            f.write("%s:{PLAIN}secret:%d:%d::%s/home::\n" % (
                user, os.getuid(), os.getgid(), root))
        key, cert = self_signed(root, "localhost")
        self.port, self.pport = free_port(), free_port()
        self.conf = os.path.join(root, "dovecot.conf")
        with open(self.conf, "w") as f:
            f.write("protocols = imap pop3\nlisten = 127.0.0.1\n"
                    "ssl = yes\nssl_cert = <%s\nssl_key = <%s\n"
                    "disable_plaintext_auth = yes\n"
                    "auth_mechanisms = plain login\n"
                    "mail_location = mbox:~/mail:INBOX=%s/%%u\n"
                    "first_valid_uid = 0\nauth_failure_delay = 10 msecs\n"
                    "log_path = %s/mailboxd.log\n"
                    "passdb {\n  driver = passwd-file\n  args = %s/passwd\n}\n"
                    "userdb {\n  driver = passwd-file\n  args = %s/passwd\n}\n"
                    "service imap-login {\n  inet_listener imap {\n"
                    "    port = %d\n  }\n}\n"
                    "service pop3-login {\n  inet_listener pop3 {\n"
                    "    port = %d\n  }\n}\n" % (
                        cert, key, spool, root, root, root, self.port,
                        self.pport))
        self.proc = None

    def start(self):
        self.proc = MailboxdProc()
        self.proc.conf, self.proc.port = self.conf, self.port
        self.proc.start()
        for _ in range(100):
            if greets("127.0.0.1", self.pport, b"+OK"):
                break
            time.sleep(0.05)
        return self

    def target(self, case):
        return "127.0.0.1", self.port if case.proto == "imap" else self.pport

    def alive(self):
        return (greets("127.0.0.1", self.port, b"* OK") and
                greets("127.0.0.1", self.pport, b"+OK"))

    def restart(self):
        self.proc.stop()
        self.start()

    def finish(self):
        return []

    def close(self):
        if self.proc:
            self.proc.stop()


def start(root):
    return MailboxdWorld(root).start()
