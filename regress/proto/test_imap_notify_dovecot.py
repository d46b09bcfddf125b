"""Differential NOTIFY (RFC 5465) against dovecot 2.3, run as
test_imap_dovecot.py runs it (root and the dpkg -x cache), on mbox and
on Maildir.  Two sessions per server: A sets NOTIFY and then only
listens (between commands, and in IDLE); B changes mailboxes.  A's lines
are compared, normalised only where the two servers differ outside
NOTIFY: timings, UIDVALIDITY and HIGHESTMODSEQ values, \\Recent and
RECENT, mailbox names quoted or not, LIST's attributes other than
\\Subscribed and \\NonExistent (dovecot's mbox has \\Marked and
\\UnMarked), and the UID mailboxd puts in unsolicited FETCH.  The
replies to NOTIFY's good and bad arguments are compared as they are.
`python3 test_imap_notify_dovecot.py mbox|maildir` prints both.
"""

import os
import re
import sys

import pytest

import test_imap_dovecot as idv
import test_imap_caps_dovecot as caps
from test_imap_notify import Raw
from test_pop3_dovecot import tmp  # noqa: F401 (the fixture)

pytestmark = pytest.mark.skipif(idv.REASON is not None,
                                reason=str(idv.REASON))

MSG = b"APPEND %s {14+}\r\nSubject: n\r\n\r\n"
WAIT = 2.5

NORMAL = [
    (re.compile(rb" \(\d+\.\d+ \+ \d+\.\d+(?: \+ \d+\.\d+)? secs\)"), b""),
    (re.compile(rb"UIDVALIDITY \d+"), b"UIDVALIDITY <uv>"),
    (re.compile(rb"HIGHESTMODSEQ \d+"), b"HIGHESTMODSEQ <n>"),
    (re.compile(rb" \\Recent|\\Recent ?"), b""),
    (re.compile(rb"FETCH \(UID \d+ FLAGS"), b"FETCH (FLAGS"),
    (re.compile(rb'^(\* STATUS )"([^"]*)"'), rb"\1\2"),
    (re.compile(rb'^(\* LIST \([^)]*\) "[^"]*" )"([^"]*)"'), rb"\1\2"),
    (re.compile(rb'\("OLDNAME" \("([^"]*)"\)\)'), rb'("OLDNAME" (\1))'),
]


def normal(line):
    m = re.match(rb"^\* LIST \(([^)]*)\)(.*)$", line)
    if m:
        keep = [f for f in m.group(1).split()
                if f in (b"\\Subscribed", b"\\NonExistent")]
        line = b"* LIST (" + b" ".join(keep) + b")" + m.group(2)
    for r, w in NORMAL:
        line = r.sub(w, line)
    return line


def run(port, steps):
    """A's lines (normalised, RECENT dropped) for the steps: ("A", cmd),
    ("B", cmd), ("W",) to listen WAIT seconds, ("I",) IDLE, ("D",)
    DONE."""
    a, b = Raw(port), Raw(port)
    out = []
    for step in steps:
        who = step[0]
        if who == "A":
            out.append(b"A: " + step[1].split(b"\r\n")[0])
            out += a.cmd(step[1])
        elif who == "B":
            b.cmd(step[1])
        elif who == "W":
            out += a.quiet(WAIT)
        elif who == "I":
            a.send(b"IDLE")
            out.append(a.line(5))
        elif who == "D":
            a.c.sendall(b"DONE\r\n")
            out += a.quiet(WAIT)
    a.close()
    b.close()
    return [normal(x) for x in out if not re.match(rb"^\* \d+ RECENT$", x)]


def both(tmp, maildir, steps):
    got = []
    for which in ("dovecot", "mailboxd"):
        root = os.path.join(tmp, which)
        os.makedirs(root)
        pair = idv.ImapPair(root, maildir=maildir)
        caps.fill(pair, maildir, caps.MSGS[:3])
        got.append(pair.run(which, lambda p: run(p, steps)))
    return got


@pytest.fixture(params=["mbox", "maildir"])
def fmt(request):
    return request.param == "maildir"


EVENTS = [
    ("A", b"SELECT INBOX"),
    ("A", b"NOTIFY SET STATUS (SELECTED (MessageNew (UID FLAGS) "
          b"MessageExpunge FlagChange)) (PERSONAL (MessageNew "
          b"MessageExpunge FlagChange MailboxName SubscriptionChange))"),
    ("B", b"CREATE foo"), ("W",),
    ("B", MSG % b"foo"), ("B", MSG % b"foo"), ("W",),
    ("B", b"SELECT foo"), ("B", b"STORE 1 +FLAGS.SILENT (\\Seen)"), ("W",),
    ("B", b"STORE 2 +FLAGS.SILENT (\\Deleted)"), ("B", b"EXPUNGE"),
    ("W",),
    ("B", b"SUBSCRIBE foo"), ("W",),
    ("B", b"UNSUBSCRIBE foo"), ("W",),
    ("B", b"CREATE bar"), ("W",),
    ("B", b"RENAME bar baz"), ("W",),
    ("B", b"DELETE baz"), ("W",),
    ("B", b"SELECT INBOX"), ("B", MSG % b"INBOX"), ("W",),
    ("B", b"STORE 1 +FLAGS.SILENT (\\Flagged)"), ("W",),
    ("B", b"STORE 2 +FLAGS.SILENT (\\Deleted)"), ("B", b"EXPUNGE"),
    ("W",),
    ("I",), ("B", MSG % b"foo"), ("B", b"CREATE qux"), ("W",), ("D",),
    ("A", b"NOTIFY NONE"),
    ("B", MSG % b"foo"), ("W",),
    ("A", b"NOTIFY SET STATUS (MAILBOXES foo (MessageNew MessageExpunge))"),
    ("A", b"ENABLE CONDSTORE"),
    ("B", MSG % b"foo"), ("W",),
]


def test_events_as_dovecot(tmp, fmt):
    theirs, ours = both(tmp, fmt, EVENTS)
    # A's SELECT: only the part NOTIFY does not touch is compared
    # elsewhere (test_imap_caps_dovecot.py)
    def cut(v):
        return v[[x.startswith(b"A: NOTIFY") for x in v].index(True):]
    assert cut(ours) == cut(theirs)
    assert sum(x.startswith(b"* STATUS foo") for x in ours) >= 5
    assert sum(x.startswith(b"* LIST") for x in ours) >= 6


ARGS = [
    b"NOTIFY NONE", b"NOTIFY", b"NOTIFY FOO", b"NOTIFY SET",
    b"NOTIFY SET STATUS", b"NOTIFY SET (SELECTED (MessageNew))",
    b"NOTIFY SET (SELECTED (MessageNew MessageExpunge FlagChange))",
    b"NOTIFY SET (SELECTED (FlagChange))",
    b"NOTIFY SET (SELECTED (MessageNew MessageExpunge AnnotationChange))",
    b"NOTIFY SET (SELECTED (Foo))", b"NOTIFY SET (SELECTED NONE)",
    b"NOTIFY SET (SELECTED ())",
    b"NOTIFY SET (SELECTED (MessageNew (UID FLAGS) MessageExpunge))",
    b"NOTIFY SET (SELECTED (MessageNew (UID BODY[]) MessageExpunge))",
    b"NOTIFY SET (SELECTED (MessageNew (FOO) MessageExpunge))",
    b"NOTIFY SET (SELECTED (MessageNew () MessageExpunge))",
    b"NOTIFY SET (SELECTED (MessageExpunge MessageNew))",
    b"NOTIFY SET (SELECTED (MessageNew MessageExpunge)) "
    b"(SELECTED-DELAYED (MessageNew MessageExpunge))",
    b"NOTIFY SET (PERSONAL (MessageNew MessageExpunge))",
    b"NOTIFY SET (PERSONAL (MessageNew (UID) MessageExpunge))",
    b"NOTIFY SET (PERSONAL (MailboxName SubscriptionChange))",
    b"NOTIFY SET (PERSONAL (MailboxMetadataChange))",
    b"NOTIFY SET (PERSONAL (ServerMetadataChange))",
    b"NOTIFY SET (PERSONAL (MessageNew MessageExpunge AnnotationChange "
    b"MailboxMetadataChange ServerMetadataChange))",
    b"NOTIFY SET (PERSONAL (FlagChange))", b"NOTIFY SET (PERSONAL NONE)",
    b"NOTIFY SET (INBOXES (MessageNew MessageExpunge))",
    b"NOTIFY SET (SUBSCRIBED (MessageNew MessageExpunge))",
    b"NOTIFY SET (SUBTREE (foo bar) (MessageNew MessageExpunge))",
    b"NOTIFY SET (MAILBOXES (INBOX foo) (MessageNew MessageExpunge))",
    b"NOTIFY SET (MAILBOXES () (MessageNew MessageExpunge))",
    b"NOTIFY SET (MAILBOXES INBOX)",
    b"NOTIFY SET (BOGUS (MessageNew MessageExpunge))",
    b"NOTIFY SET STATUS (PERSONAL (MessageNew MessageExpunge))",
    b"NOTIFY SET STATUS (SELECTED (MessageNew MessageExpunge))",
    b"NOTIFY SET (SELECTED (MessageNew MessageExpunge)) extra",
    b"NOTIFY SET (SELECTED (MessageNew MessageExpunge) extra)",
    b"NOTIFY SET STATUS STATUS (PERSONAL (MessageNew MessageExpunge))",
    b"NOTIFY set (personal (messagenew messageexpunge))",
    b"NOTIFY NONE extra",
    b"NOTIFY SET \"STATUS\" (PERSONAL (MessageNew MessageExpunge))",
    b"NOTIFY SET (\"PERSONAL\" (MessageNew MessageExpunge))",
    b"NOTIFY SET (MAILBOXES \"foo\" (MessageNew MessageExpunge))",
    b"NOTIFY SET (PERSONAL (MessageNew MessageExpunge FOO))",
    b"NOTIFY SET (MAILBOXES {5+}\r\nINBOX (MessageNew MessageExpunge))",
    b"UNSELECT",
    b"NOTIFY SET STATUS (MAILBOXES inbox (MessageNew MessageExpunge))",
    b"NOTIFY SET STATUS (MAILBOXES INBOX (MessageExpunge))",
    b"NOTIFY SET STATUS (MAILBOXES INBOX (FlagChange))",
    b"NOTIFY SET STATUS (MAILBOXES INBOX (MailboxName))",
    b"NOTIFY SET STATUS (SUBTREE INBOX (MessageNew)) (PERSONAL (FlagChange))",
    b"ENABLE CONDSTORE",
    b"NOTIFY SET STATUS (MAILBOXES INBOX (MessageNew))",
]


def test_arguments_as_dovecot(tmp, fmt):
    """The same replies, line for line (STATUS's name unquoted)."""
    got = []
    for which in ("dovecot", "mailboxd"):
        root = os.path.join(tmp, which)
        os.makedirs(root)
        pair = idv.ImapPair(root, maildir=fmt)
        caps.fill(pair, fmt, caps.MSGS[:3])
        got.append(pair.run(which, lambda p: caps.session(p, ARGS, normal)))
    assert got[1] == got[0]
    assert len(got[0]) > len(ARGS) * 2


if __name__ == "__main__":
    import tempfile
    d = tempfile.mkdtemp(prefix="notify_dv.")
    os.chmod(d, 0o755)
    for t, o in zip(*both(d, sys.argv[1:2] == ["maildir"], EVENTS)):
        print("%-60s %s %s" % (t.decode(errors="replace")[:60],
                               "  " if t == o else "<>",
                               o.decode(errors="replace")[:60]))
