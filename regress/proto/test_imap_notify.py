"""NOTIFY (RFC 5465) against bin/mailboxd: one session sets NOTIFY over a
raw socket and sends nothing more (or IDLEs); another, driven by
imaplib, APPENDs, STOREs, EXPUNGEs, CREATEs, RENAMEs, SUBSCRIBEs and
DELETEs; the first must receive the untagged STATUS, LIST, EXISTS,
FETCH and EXPUNGE lines, between commands and during IDLE.  Servers
come from test_imap.py (mbox and Maildir), stopped by their PID.
"""

import os
import re
import select
import socket
import time

import pytest

from test_imap import MAILBOXD, Server, make, server, tmp  # noqa: F401

pytestmark = pytest.mark.skipif(not os.access(MAILBOXD, os.X_OK),
                                reason="no %s" % MAILBOXD)

WAIT = 4.0      # the session looks for changes every second


class Raw:
    """An IMAP session over a socket, read line by line."""

    def __init__(self, port):
        self.c = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = b""
        self.n = 0
        assert self.line(5).startswith(b"* OK")
        self.cmd(b"LOGIN joe secret")

    def line(self, t):
        end = time.time() + t
        while b"\n" not in self.buf:
            left = end - time.time()
            if left <= 0 or not select.select([self.c], [], [], left)[0]:
                return None
            d = self.c.recv(65536)
            if not d:
                return b""
            self.buf += d
        got, _, self.buf = self.buf.partition(b"\n")
        return got.rstrip(b"\r")

    def send(self, text):
        self.n += 1
        tag = b"n%d" % self.n
        self.c.sendall(tag + b" " + text + b"\r\n")
        return tag

    def cmd(self, text):
        """The untagged lines and the tagged one."""
        tag = self.send(text)
        out = []
        while True:
            got = self.line(10)
            assert got, "no answer to %r" % text
            out.append(got)
            if got.startswith(tag + b" "):
                return out

    def until(self, pattern, t=WAIT):
        """Lines up to one matching pattern (asserting it comes)."""
        seen = []
        end = time.time() + t
        while time.time() < end:
            got = self.line(end - time.time())
            if got is None:
                break
            seen.append(got)
            if re.search(pattern, got):
                return seen
        raise AssertionError("no %r in %r" % (pattern, seen))

    def quiet(self, t=2.5):
        """What comes in t seconds."""
        seen = []
        end = time.time() + t
        while True:
            got = self.line(max(0, end - time.time()))
            if not got:
                return seen
            seen.append(got)

    def close(self):
        self.c.close()


ALL = (b"NOTIFY SET STATUS (SELECTED (MessageNew (UID) MessageExpunge "
       b"FlagChange)) (PERSONAL (MessageNew MessageExpunge FlagChange "
       b"MailboxName SubscriptionChange))")


def test_notifications_between_commands(server):
    a = Raw(server.port)
    a.cmd(b"SELECT INBOX")
    r = a.cmd(ALL)
    assert r[-1].endswith(b"OK NOTIFY completed.")
    # STATUS for the other mailboxes at once, never the selected one
    st = [x for x in r if x.startswith(b"* STATUS")]
    assert any(b'"Trash" (MESSAGES 0 UIDNEXT 1 UIDVALIDITY ' in x
               for x in st)
    assert not any(b"INBOX" in x for x in st)
    b = server.login()
    b.create("foo")
    a.until(rb'^\* LIST \([^)]*\) "/" "foo"$')
    b.append("foo", None, None, b"Subject: x\r\n\r\nbody\r\n")
    a.until(rb'^\* STATUS "foo" \(MESSAGES 1 UIDNEXT 2 UIDVALIDITY \d+ '
            rb'UNSEEN 1\)$')
    b.select("foo")
    b.store("1", "+FLAGS", "(\\Seen)")
    a.until(rb'^\* STATUS "foo" \(MESSAGES 1 UIDNEXT 2 UIDVALIDITY \d+ '
            rb'UNSEEN 0\)$')
    b.store("1", "+FLAGS", "(\\Deleted)")
    b.expunge()
    a.until(rb'^\* STATUS "foo" \(MESSAGES 0 UIDNEXT 2 ')
    b.close()
    b.subscribe("foo")
    a.until(rb'^\* LIST \([^)]*\\Subscribed[^)]*\) "/" "foo"$')
    b.unsubscribe("foo")
    got = a.until(rb'^\* LIST \([^)]*\) "/" "foo"$')
    assert b"\\Subscribed" not in got[-1]
    b.rename("foo", "bar")
    a.until(rb'^\* LIST \([^)]*\) "/" "bar" \("OLDNAME" \("foo"\)\)$')
    b.delete("bar")
    a.until(rb'^\* LIST \(\\NonExistent\) "/" "bar"$')
    # the selected mailbox: EXISTS with MessageNew's FETCH, flags,
    # expunges (SELECTED: at once)
    b.append("INBOX", None, None, b"Subject: y\r\n\r\nbody\r\n")
    got = a.until(rb"^\* 4 FETCH \(UID 4\)$")
    assert b"* 4 EXISTS" in got
    b.select("INBOX")
    b.store("2", "+FLAGS", "(\\Flagged)")
    a.until(rb"^\* 2 FETCH \(.*FLAGS \(\\Flagged")
    b.store("1", "+FLAGS", "(\\Deleted)")
    b.expunge()
    a.until(rb"^\* 1 EXPUNGE$")
    assert b" OK NOOP completed." in a.cmd(b"NOOP")[-1]
    b.logout()
    a.close()


def test_notifications_during_idle(server):
    a = Raw(server.port)
    a.cmd(b"SELECT INBOX")
    a.cmd(b"NOTIFY SET (SELECTED (MessageNew MessageExpunge)) "
          b"(PERSONAL (MessageNew MessageExpunge MailboxName))")
    tag = a.send(b"IDLE")
    assert a.line(5) == b"+ idling"
    b = server.login()
    b.create("baz")
    a.until(rb'^\* LIST \([^)]*\) "/" "baz"$')
    b.append("baz", None, None, b"Subject: z\r\n\r\nbody\r\n")
    a.until(rb'^\* STATUS "baz" \(MESSAGES 1 ')
    b.append("INBOX", None, None, b"Subject: z\r\n\r\nbody\r\n")
    a.until(rb"^\* 4 EXISTS$")
    a.c.sendall(b"DONE\r\n")
    a.until(rb"^" + tag + rb" OK Idle completed\.$")
    b.logout()
    a.close()


def test_selected_delayed_keeps_expunges_for_a_command(server):
    a = Raw(server.port)
    a.cmd(b"SELECT INBOX")
    a.cmd(b"NOTIFY SET (SELECTED-DELAYED (MessageNew MessageExpunge))")
    b = server.login()
    b.select("INBOX")
    b.store("1", "+FLAGS", "(\\Deleted)")
    b.expunge()
    assert not any(b"EXPUNGE" in x for x in a.quiet())
    assert b"* 1 EXPUNGE" in a.cmd(b"NOOP")
    b.logout()
    a.close()


def test_no_selected_events_keeps_quiet_about_it(server):
    """dovecot: NOTIFY without a selected filter sends nothing about the
    selected mailbox, not even after NOOP; NOTIFY NONE ends that."""
    a = Raw(server.port)
    a.cmd(b"SELECT INBOX")
    a.cmd(b"NOTIFY SET (PERSONAL (MessageNew MessageExpunge))")
    b = server.login()
    b.append("INBOX", None, None, b"Subject: q\r\n\r\nbody\r\n")
    b.append("Trash", None, None, b"Subject: q\r\n\r\nbody\r\n")
    got = a.until(rb'^\* STATUS "Trash" \(MESSAGES 1 ')
    assert not any(b"EXISTS" in x or b"INBOX" in x for x in got)
    assert not any(b"EXISTS" in x for x in a.cmd(b"NOOP"))
    got = a.cmd(b"NOTIFY NONE")
    assert got[-1].endswith(b"OK NOTIFY completed.")
    assert b"* 4 EXISTS" in got + a.cmd(b"NOOP")
    b.append("Trash", None, None, b"Subject: q\r\n\r\nbody\r\n")
    assert a.quiet() == []
    b.logout()
    a.close()


def test_errors_as_dovecot_gives_them(server):
    a = Raw(server.port)
    cases = [
        (b"NOTIFY", b"BAD Error in IMAP command NOTIFY: Invalid arguments."),
        (b"NOTIFY SET (SELECTED (MessageNew))",
         b"BAD Error in IMAP command NOTIFY: MessageNew and MessageExpunge "
         b"must be together."),
        (b"NOTIFY SET (SELECTED (FlagChange))",
         b"BAD Error in IMAP command NOTIFY: FlagChange requires MessageNew "
         b"and MessageExpunge."),
        (b"NOTIFY SET (SELECTED (MessageNew (FOO) MessageExpunge))",
         b"BAD Error in IMAP command NOTIFY: Invalid fetch-att list: "
         b"Unknown parameter: FOO."),
        (b"NOTIFY SET (SELECTED NONE) (SELECTED-DELAYED NONE)",
         b"BAD Error in IMAP command NOTIFY: Duplicate selected filter."),
        (b"NOTIFY SET (PERSONAL (MessageNew (UID) MessageExpunge))",
         b"BAD Error in IMAP command NOTIFY: Invalid arguments."),
        (b"NOTIFY SET (PERSONAL (MessageNew MessageExpunge "
         b"AnnotationChange ServerMetadataChange MailboxMetadataChange))",
         b"NO [BADEVENT AnnotationChange MailboxMetadataChange "
         b"ServerMetadataChange] Unsupported NOTIFY events."),
        (b"NOTIFY SET (MAILBOXES () (MessageNew MessageExpunge))",
         b"BAD Error in IMAP command NOTIFY: Invalid arguments."),
    ]
    for cmd, want in cases:
        got = a.cmd(cmd)
        assert got[-1].split(b" ", 1)[1] == want, cmd
    a.close()


def test_too_many_mailboxes_overflow(tmp):  # noqa: F811
    """NOTIFY watches at most 1000 mailboxes: more refuses it; growing
    past that later turns it off with NOTIFICATIONOVERFLOW."""
    s = make(tmp, "mbox")
    try:
        root = os.path.join(s.home, "mail")
        for i in range(990):
            open(os.path.join(root, "m%04d" % i), "w").close()
        a = Raw(s.port)
        t0 = time.time()
        r = a.cmd(b"NOTIFY SET STATUS (PERSONAL (MessageNew MessageExpunge "
                  b"MailboxName))")
        assert r[-1].endswith(b"OK NOTIFY completed.")
        assert len([x for x in r if x.startswith(b"* STATUS")]) >= 990
        assert time.time() - t0 < 20
        for i in range(990, 1010):
            open(os.path.join(root, "m%04d" % i), "w").close()
        a.until(rb"^\* OK \[NOTIFICATIONOVERFLOW\] ")
        r = a.cmd(b"NOTIFY SET (PERSONAL (MailboxName))")
        assert r[-1].split(b" ", 1)[1].startswith(
            b"NO [NOTIFICATIONOVERFLOW]")
        # the selected mailbox alone is always fine
        a.cmd(b"SELECT INBOX")
        r = a.cmd(b"NOTIFY SET (SELECTED (MessageNew MessageExpunge))")
        assert r[-1].endswith(b"OK NOTIFY completed.")
        a.close()
    finally:
        s.stop()


def test_capability_advertises_notify(server):
    m = server.login()
    caps = m.capability()[1][0].split()
    assert caps[caps.index(b"LITERAL+") + 1] == b"NOTIFY"
    m.logout()


def test_status_of_a_name_that_looks_like_status(server):
    a = Raw(server.port)
    a.cmd(b"NOTIFY SET (PERSONAL (MessageNew MessageExpunge MailboxName))")
    b = server.login()
    name = '"x (MESSAGES 9 UIDNEXT 9"'
    b.create(name)
    a.until(rb'^\* LIST \([^)]*\) "/" "x \(MESSAGES 9 UIDNEXT 9"$')
    b.append(name, None, None, b"Subject: x\r\n\r\nbody\r\n")
    a.until(rb'^\* STATUS "x \(MESSAGES 9 UIDNEXT 9" \(MESSAGES 1 '
            rb'UIDNEXT 2 UIDVALIDITY \d+ UNSEEN 1\)$')
    b.logout()
    a.close()
