"""Differential IMAP for the post-login capabilities of issue 9: the same
commands (THREAD=REFS, PREVIEW and its FUZZY forms, SAVEDATE, BINARY,
...) sent to dovecot 2.3 and to mailboxd over the same mailbox, the
replies compared line by line (dovecot's timing suffix taken out).  Runs
as test_imap_dovecot.py does (root and the dpkg -x cache), on mbox and
Maildir.  `python3 test_imap_caps_dovecot.py mbox|maildir CMD...` prints
both transcripts, for looking at what dovecot answers.
"""

import difflib
import os
import re
import shutil
import socket
import sys
import tempfile

import pytest

import test_pop3_dovecot as pd
import test_imap_dovecot as idv
from test_pop3_dovecot import tmp  # noqa: F401 (the fixture)

pytestmark = pytest.mark.skipif(idv.REASON is not None,
                                reason=str(idv.REASON))

TIMING = re.compile(rb" \(\d+\.\d+ \+ \d+\.\d+(?: \+ \d+\.\d+)? secs\)")

MSGS = [
    # (From_ date, text)
    ("Wed Nov 22 20:11:21 2026",
     "Date: Wed, 22 Nov 2026 20:11:21 +0000\n"
     "From: Alice <alice@example.com>\n"
     "Subject: hello\n"
     "Message-ID: <a@example.com>\n"
     "\n"
     "Hi   there,\n\n  this is\tthe first   message.\n"),
    ("Thu Nov 23 09:00:00 2026",
     "Date: Thu, 23 Nov 2026 09:00:00 +0000\n"
     "From: bob@example.com\n"
     "Subject: parts\n"
     "Message-ID: <b@example.com>\n"
     "MIME-Version: 1.0\n"
     "Content-Type: multipart/mixed; boundary=\"XX\"\n"
     "\n"
     "preamble\n"
     "--XX\n"
     "Content-Type: text/plain; charset=utf-8\n"
     "Content-Transfer-Encoding: quoted-printable\n"
     "\n"
     "caf=C3=A9 soft=\nbreak =3D ok\n"
     "--XX\n"
     "Content-Type: application/octet-stream\n"
     "Content-Transfer-Encoding: base64\n"
     "\n"
     "AAECA/8=\n"
     "--XX\n"
     "Content-Type: text/plain\n"
     "\n"
     "plain part\n"
     "--XX--\n"),
    ("Fri Nov 24 10:00:00 2026",
     "Date: Fri, 24 Nov 2026 10:00:00 +0000\n"
     "From: carol@example.org\n"
     "Subject: Re: hello\n"
     "Message-ID: <c@example.com>\n"
     "In-Reply-To: <a@example.com>\n"
     "References: <a@example.com>\n"
     "\n" + "word " * 60 + "\n"),
    ("Sat Nov 25 10:00:00 2026",
     "Date: Mon, 20 Nov 2026 10:00:00 +0000\n"
     "From: dave@example.org\n"
     "Subject: other\n"
     "Message-ID: <d@example.com>\n"
     "References: <gone@example.com>\n"
     "Content-Type: text/html\n"
     "\n<html><body><p>Some <b>bold</b> text</p></body></html>\n"),
    ("Sun Nov 26 10:00:00 2026",
     "Date: Tue, 21 Nov 2026 10:00:00 +0000\n"
     "From: erin@example.org\n"
     "Subject: Re: other\n"
     "Message-ID: <e@example.com>\n"
     "References: <gone@example.com> <d@example.com>\n"
     "\n"
     "\n  > quoted line\n>another\nreply to other\n"),
    ("Mon Nov 27 10:00:00 2026",
     "Date: Sun, 19 Nov 2026 10:00:00 +0000\n"
     "From: fay@example.org\n"
     "Subject: lonely\n"
     "Message-ID: <f@example.com>\n"
     "References: <gone2@example.com>\n"
     "\n"),
    ("Tue Nov 28 10:00:00 2026",
     "Date: Sat, 18 Nov 2026 10:00:00 +0000\n"
     "From: gil@example.org\n"
     "Subject: sibling\n"
     "References: <gone2@example.com>\n"
     "\n"
     "no message-id\n"),
    ("Wed Nov 29 10:00:00 2026",
     "Subject: latin\n"
     "MIME-Version: 1.0\n"
     "Content-Type: text/plain; charset=iso-8859-1\n"
     "Content-Transfer-Encoding: base64\n"
     "\n"
     "Y2Fm6SAmIGJhcg0KDQo=\n"),
    ("Thu Nov 30 10:00:00 2026",
     "Subject: html\n"
     "Content-Type: text/html; charset=utf-8\n"
     "\n"
     "<html><head><style>p {x: y}</style><title>T</title></head>"
     "<body><p>One&amp;two &lt;3&gt; &#233;&nbsp;x</p>"
     "<blockquote>quoted</blockquote><div>after</div>"
     "<script>var a;</script>end</body></html>\n"),
]


def fill(pair, maildir, msgs=None):
    """The messages (MSGS when not given) into joe's INBOX; on Maildir
    the second one with CRLF line ends."""
    msgs = MSGS if msgs is None else msgs
    if not maildir:
        with open(os.path.join(pair.spool, "joe"), "w") as f:
            for date, text in msgs:
                f.write("From x@example.com %s\n%s\n" % (date, text))
        return
    md = os.path.join(pair.home, "Maildir")
    for d in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(md, d), exist_ok=True)
    for i, (date, text) in enumerate(msgs):
        name = "%d.M%dP1.test:2," % (1795000000 + i * 1000, i)
        p = os.path.join(md, "cur", name)
        with open(p, "w") as f:
            f.write(text.replace("\n", "\r\n") if i == 1 else text)
        os.utime(p, (1795000000 + i * 1000, 1795000000 + i * 1000))


def session(port, cmds, normal=lambda x: x):
    """Replies to cmds, each bytes or a list of chunks sent one after
    another's continuation, as lines (literal bytes kept inline) passed
    through normal; "{UV}" in a command is the selected mailbox's
    UIDVALIDITY."""
    c = socket.create_connection(("127.0.0.1", port), timeout=10)
    f = c.makefile("rb")
    out = []
    uv = [b"0"]

    def reply():
        try:
            line = f.readline()
        except ConnectionResetError:    # after a BYE
            line = b""
        if line == b"":
            return b"<EOF>"
        m = re.search(rb"\{(\d+)\}\r\n$", line)
        while m:
            line += f.read(int(m.group(1)))
            more = f.readline()
            line += more
            m = re.search(rb"\{(\d+)\}\r\n$", more)
        return TIMING.sub(b"", line.rstrip(b"\r\n"))

    out.append(reply())
    for i, cmd in enumerate([b"LOGIN joe secret", b"SELECT INBOX"] +
                            list(cmds)):
        tag = b"t%d " % i
        chunks = [cmd] if isinstance(cmd, bytes) else list(cmd)
        chunks = [x.replace(b"{UV}", uv[0]) for x in chunks]
        out.append(normal(b"C: " + b"".join(chunks)))
        for k, chunk in enumerate(chunks):
            c.sendall((tag if k == 0 else b"") + chunk + b"\r\n"
                      if k == len(chunks) - 1 else
                      (tag if k == 0 else b"") + chunk)
            if k < len(chunks) - 1:
                got = reply()
                if not got.startswith(b"+"):
                    out.append(got)
                    break
        while True:
            got = reply()
            m = re.search(rb"\[UIDVALIDITY (\d+)\]", got)
            if m and i == 1:
                uv[0] = m.group(1)
            out.append(normal(got))
            if got.startswith((tag, b"* BYE", b"<EOF>")):
                break
        if got == b"<EOF>":
            break
    c.close()
    # from the first command after SELECT: UIDVALIDITY and our
    # HIGHESTMODSEQ differ there, as test_imap_dovecot.py knows
    return out[out.index(b"C: SELECT INBOX"):][
        [x.startswith(b"t1 ") for x in out[out.index(
            b"C: SELECT INBOX"):]].index(True) + 1:]


def both(tmp, maildir, cmds, fresh=True):
    """(dovecot's lines, mailboxd's lines), each on a fresh copy of the
    mailbox."""
    got = []
    for which in ("dovecot", "mailboxd"):
        root = os.path.join(tmp, which)
        os.makedirs(root)
        pair = idv.ImapPair(root, maildir=maildir)
        fill(pair, maildir)
        got.append(pair.run(which, lambda p: session(p, cmds)))
    return got


@pytest.fixture(params=["mbox", "maildir"])
def fmt(request):
    return request.param == "maildir"


def same(tmp, maildir, cmds, skip=()):
    theirs, ours = both(tmp, maildir, cmds)
    for t, o in zip(theirs, ours):
        if any(t.startswith(s) for s in skip):
            continue
        assert o == t
    assert len(theirs) == len(ours)


def test_capability_list_is_dovecots(tmp, fmt):
    theirs, ours = both(tmp, fmt, [b"CAPABILITY"])
    # dovecot has no special-use mailboxes in this config
    cap = [x for x in theirs if x.startswith(b"* CAPABILITY")][0]
    ocap = [x for x in ours if x.startswith(b"* CAPABILITY")][0]
    missing = [w for w in cap.split() if w not in ocap.split()]
    # what we still lack, in dovecot's order otherwise
    assert [w for w in cap.split() if w not in missing] + \
        [b"SPECIAL-USE"] == ocap.split()
    assert missing == LACKING


LACKING = []


THREADS = [b"THREAD REFS UTF-8 ALL", b"UID THREAD REFS UTF-8 ALL",
           b"THREAD REFS US-ASCII NOT SUBJECT lonely",
           b"THREAD REFS UTF-8 2:5", b"THREAD REFERENCES UTF-8 ALL",
           b"THREAD REFS", b"THREAD REFS UTF-8 SINCE 1-Jan-2030"]


def test_thread_refs_as_dovecot(tmp, fmt):
    same(tmp, fmt, THREADS)


PREVIEWS = [b"FETCH 1:5 (PREVIEW)", b"FETCH 7:9 PREVIEW",
            b"UID FETCH 2:4 PREVIEW",
            b"FETCH 1 (SNIPPET (FUZZY))", b"FETCH 3 (PREVIEW (FUZZY) UID)",
            b"FETCH 5 (SNIPPET)", b"FETCH 7 (SNIPPET (LAZY))",
            b"FETCH 1 (PREVIEW (FOO))", b"FETCH 1 (SNIPPET (BAR))",
            b"FETCH 1 (PREVIEW ())", b"FETCH 9 (PREVIEW (LAZY))"]


def test_preview_as_dovecot(tmp, fmt):
    # PREVIEW (LAZY) once the preview is made: dovecot answers NIL
    # before (from its cache), we always make it
    same(tmp, fmt, PREVIEWS)


def test_previews_that_stop_dovecot(tmp, fmt):
    # dovecot 2.3.19 panics on (LAZY FUZZY) and drops the connection on
    # an mbox message with an empty body
    theirs, ours = both(tmp, fmt, [b"FETCH 1 (PREVIEW (LAZY FUZZY))",
                                   b"FETCH 6 PREVIEW"])
    assert theirs[-1] == b"<EOF>"
    assert ours[1:] == [
        b'* 1 FETCH (PREVIEW (FUZZY "Hi there, this is the first '
        b'message."))', b"t2 OK Fetch completed.",
        b"C: FETCH 6 PREVIEW", b'* 6 FETCH (PREVIEW "")',
        b"t3 OK Fetch completed."]


def test_preview_lazy_is_made_at_once(tmp, fmt):
    theirs, ours = both(tmp, fmt, [b"FETCH 1 (PREVIEW (LAZY))"])
    assert theirs[1] == b"* 1 FETCH (PREVIEW NIL)"
    assert ours[1] == b'* 1 FETCH (PREVIEW "Hi there, this is the ' \
        b'first message.")'


if __name__ == "__main__":
    d = tempfile.mkdtemp(prefix="imapcaps.")
    os.chmod(d, 0o755)
    try:
        theirs, ours = both(d, sys.argv[1] == "maildir",
                            [a.encode() for a in sys.argv[2:]])
        for x in difflib.ndiff([x.decode(errors="replace") for x in theirs],
                               [x.decode(errors="replace") for x in ours]):
            if not x.startswith("?"):
                print(x)
    finally:
        shutil.rmtree(d, ignore_errors=True)
