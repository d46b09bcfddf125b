"""Differential IMAP for the extensions of issue 9 that mailboxd added
after test_imap_caps_dovecot.py: BINARY (RFC 3516), SAVEDATE (RFC 8514),
CONTEXT=SEARCH (RFC 5267), CATENATE (RFC 4469) with URL-PARTIAL (RFC
5550).  The same commands go to dovecot 2.3 and to mailboxd over the
same mailbox, on mbox and on Maildir, and the replies are compared line
by line; only what each server sets on its own is normalised: the
timing suffix, UIDVALIDITY (a command may say {UV} for the selected
mailbox's), and SAVEDATE's and APPEND's times.  Runs as
test_imap_dovecot.py does (root and the dpkg -x cache).
`python3 test_imap_ext_dovecot.py mbox|maildir CMD...` prints both
transcripts side by side.
"""

import difflib
import imaplib
import os
import re
import shutil
import sys
import tempfile
import time

import pytest

import test_imap_dovecot as idv
import test_imap_caps_dovecot as caps
from test_pop3_dovecot import tmp  # noqa: F401 (the fixture)

pytestmark = pytest.mark.skipif(idv.REASON is not None,
                                reason=str(idv.REASON))

B64_BIN = "AAECA/8KDQAg\n"             # 00 01 02 03 ff 0a 0d 00 20

MSGS = [
    ("Wed Nov 22 20:11:21 2026",
     "From: a@example.com\nSubject: plain\n\nno mime here\nsecond line\n"),
    ("Thu Nov 23 09:00:00 2026",
     "From: b@example.com\n"
     "Subject: parts\n"
     "MIME-Version: 1.0\n"
     "Content-Type: multipart/mixed; boundary=\"XX\"\n"
     "\n"
     "preamble\n"
     "--XX\n"
     "Content-Type: text/plain; charset=utf-8\n"
     "Content-Transfer-Encoding: quoted-printable\n"
     "\n"
     "caf=C3=A9 soft=\nbreak =3D ok  \nlow =e9 end\n"
     "--XX\n"
     "Content-Type: application/octet-stream\n"
     "Content-Transfer-Encoding: base64\n"
     "\n" + B64_BIN +
     "--XX\n"
     "Content-Type: message/rfc822\n"
     "\n"
     "Subject: inner\n"
     "Content-Type: text/plain\n"
     "Content-Transfer-Encoding: BASE64\n"
     "\n"
     "aW5uZXIgdGV4dAo=\n"
     "--XX\n"
     "Content-Type: text/plain\n"
     "Content-Transfer-Encoding: 7bit\n"
     "\n"
     "plain part\n"
     "--XX--\n"
     "epilogue\n"),
    ("Fri Nov 24 10:00:00 2026",
     "Subject: single base64\n"
     "Content-Type: text/plain\n"
     "Content-Transfer-Encoding: base64 (a comment)\n"
     "\n"
     "aGVsbG8g\n d29y bGQK\n"),
    ("Sat Nov 25 10:00:00 2026",
     "Subject: unknown\n"
     "Content-Transfer-Encoding: x-uuencode\n"
     "\n"
     "begin 644 x\n"),
    ("Sun Nov 26 10:00:00 2026",
     "Subject: bad base64\n"
     "Content-Transfer-Encoding: base64\n"
     "\n"
     "QUJD@@@@\n"),
    ("Mon Nov 27 10:00:00 2026",
     "Subject: bad qp\n"
     "Content-Transfer-Encoding: quoted-printable\n"
     "\n"
     "a =ZZ b\n"),
    ("Tue Nov 28 10:00:00 2026",
     "Subject: two tokens\n"
     "Content-Transfer-Encoding: base64 binary\n"
     "\n"
     "QUJD\n"),
    ("Wed Nov 29 10:00:00 2026",
     "Subject: nested unknown\n"
     "Content-Type: multipart/mixed; boundary=b\n"
     "\n"
     "--b\n"
     "\n"
     "first\n"
     "--b\n"
     "Content-Transfer-Encoding: rot13\n"
     "\n"
     "frpbaq\n"
     "--b--\n"),
    ("Thu Nov 30 10:00:00 2026",
     "Subject: padding\n"
     "Content-Transfer-Encoding: base64\n"
     "\n"
     "QQ==\n"),
    ("Fri Dec  1 10:00:00 2026",
     "Subject: short\n"
     "Content-Transfer-Encoding: base64\n"
     "\n"
     "QUJDQ\n"),
]


NORMAL = [
    # dovecot counts Maildir messages it has not indexed yet as \Recent
    # (not this business)
    (re.compile(rb" \\Recent|\\Recent ?"), b""),
    (re.compile(rb"^\* \d+ RECENT$"), b"* <n> RECENT"),
    (re.compile(rb'SAVEDATE "[^"]*"'), b'SAVEDATE "<date>"'),
    (re.compile(rb"APPENDUID \d+"), b"APPENDUID <uv>"),
    (re.compile(rb"COPYUID \d+"), b"COPYUID <uv>"),
    (re.compile(rb";UIDVALIDITY=\d+"), b";UIDVALIDITY=<uv>"),
    (re.compile(rb"\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\]"), b"[<time>]"),
]


def normal(line):
    for r, w in NORMAL:
        line = r.sub(w, line)
    return line


def both(tmp, maildir, cmds):
    got = []
    for which in ("dovecot", "mailboxd"):
        root = os.path.join(tmp, which)
        os.makedirs(root)
        pair = idv.ImapPair(root, maildir=maildir)
        caps.fill(pair, maildir, MSGS)
        got.append(pair.run(which, lambda p: caps.session(p, cmds, normal)))
    return got


def same(tmp, maildir, cmds):
    theirs, ours = both(tmp, maildir, cmds)
    assert ours == theirs
    return ours


@pytest.fixture(params=["mbox", "maildir"])
def fmt(request):
    return request.param == "maildir"


BINARY = [
    b"FETCH 1 (BINARY.PEEK[] BINARY.SIZE[])",
    b"FETCH 1 (BINARY.PEEK[1] BINARY.PEEK[TEXT] BINARY.SIZE[1])",
    b"FETCH 2 (BINARY.PEEK[1] BINARY.SIZE[1])",
    b"FETCH 2 (BINARY.PEEK[2] BINARY.SIZE[2])",
    b"FETCH 2 (BINARY.PEEK[3] BINARY.PEEK[3.1] BINARY.SIZE[3])",
    b"FETCH 2 (BINARY.PEEK[4] BINARY.PEEK[9] BINARY.SIZE[9])",
    b"FETCH 2 BINARY.PEEK[]",
    b"FETCH 2 (BINARY.SIZE[] BINARY.PEEK[TEXT])",
    b"FETCH 2 (BINARY.PEEK[2]<1.3> BINARY.PEEK[1]<4> BINARY.PEEK[2]<50.2>)",
    b"FETCH 2 (BINARY.PEEK[HEADER] BINARY.PEEK[1.MIME] BINARY.SIZE[2.MIME])",
    b"FETCH 2 (BINARY.PEEK[3.TEXT] BINARY.PEEK[3.HEADER])",
    b"FETCH 2 BINARY.PEEK[HEADER.FIELDS (Subject)]",
    b"FETCH 3 (BINARY.PEEK[] BINARY.PEEK[1] BINARY.SIZE[1])",
    b"FETCH 9 (BINARY.PEEK[1] BINARY.SIZE[1])",
    b"FETCH 1 (FLAGS)",
    b"FETCH 1 BINARY[1]",
    b"FETCH 1 (FLAGS)",
    b"FETCH 2 BINARY.SIZE[1]<0.2>",
    b"UID FETCH 2 (BINARY.SIZE[1])",
]


def test_binary_fetch_as_dovecot(tmp, fmt):
    same(tmp, fmt, BINARY)


BINARY_BAD = [
    b"FETCH 4 BINARY.PEEK[1]",
    b"FETCH 4 BINARY.SIZE[1]",
    b"FETCH 4 BINARY.PEEK[HEADER]",
    b"FETCH 5 BINARY.PEEK[1]",
    b"FETCH 6 BINARY.PEEK[]",
    b"FETCH 7 BINARY.PEEK[1]",
    b"FETCH 8 BINARY.PEEK[1]",
    b"FETCH 8 BINARY.PEEK[2]",
    b"FETCH 8 BINARY.PEEK[]",
    b"FETCH 1:3 BINARY.SIZE[1]",
    b"FETCH 1 BINARY[",
    b"FETCH 1 BINARY[FOO]",
    b"FETCH 1 BINARY.PEEK[1]<x>",
    b"FETCH 1 BINARY.FOO[1]",
]


def test_binary_errors_as_dovecot(tmp, fmt):
    same(tmp, fmt, BINARY_BAD)


def test_binary_of_data_that_stops_half_way_ends_the_session(tmp, fmt):
    ours = same(tmp, fmt, [b"FETCH 10 BINARY.PEEK[1]", b"NOOP"])
    assert ours[-1] == b"<EOF>"


def lit(data, eight=False):
    """data as a LITERAL+ literal (literal8 when eight)."""
    return b"%s{%d+}\r\n%s" % (b"~" if eight else b"", len(data), data)


APPEND8 = [
    b"APPEND INBOX " + lit(b"Subject: x\r\n\r\na\x00b\x00c", True),
    b"FETCH 11 (BINARY.PEEK[] BINARY.SIZE[1] RFC822.SIZE BODY.PEEK[TEXT])",
    b"APPEND INBOX " + lit(b"Subject: y\r\n"
                           b"Content-Type: text/plain\r\n"
                           b"Content-Transfer-Encoding: binary\r\n\r\n"
                           b"\x00\x01\x02\xff\n\nab\r\ncd\x00", True),
    b"FETCH 12 (BODY.PEEK[] BINARY.PEEK[1] BINARY.SIZE[1])",
    b"APPEND INBOX " + lit(b"Subject: z"),
    b"SELECT ~{0+}",
    b"NOOP",
]


def test_append_literal8_as_dovecot(tmp, fmt):
    same(tmp, fmt, APPEND8)


SAVEDATE = [
    b"FETCH 1:2 (SAVEDATE)",
    b"APPEND INBOX " + lit(b"Subject: n"),
    b"FETCH 11 (UID SAVEDATE)",
    b"SEARCH SAVEDATESUPPORTED",
    b"SEARCH SAVEDSINCE 1-Jan-2020",
    b"SEARCH SAVEDBEFORE 1-Jan-2020",
    b"SEARCH SAVEDON 1-Jan-2020",
    b"UID SEARCH NOT SAVEDBEFORE 1-Jan-2099",
    b"SEARCH SAVEDSINCE 1-Foo-2020",
    b"COPY 1 INBOX",
    b"FETCH 12 SAVEDATE",
]


def test_savedate_as_dovecot(tmp, fmt):
    same(tmp, fmt, SAVEDATE)


def test_savedate_is_kept_in_mailboxd_savedate(tmp):
    """A Maildir message's save date is its file's ctime when first asked
    for, and stays so (flag changes rename the file); APPEND's is the
    time of the APPEND; both in mailboxd-savedate, read by the next
    session."""
    pair = idv.ImapPair(tmp, maildir=True)
    caps.fill(pair, True, MSGS)

    def dates(port, change=False):
        m = imaplib.IMAP4("127.0.0.1", port)
        m.login("joe", "secret")
        m.select("INBOX")
        if change:
            m.append("INBOX", None, None, b"Subject: new\r\n\r\nx\r\n")
        typ, data = m.fetch("1:*", "(UID SAVEDATE)")
        if change:
            m.store("1", "+FLAGS", "(\\Seen)")
        m.logout()
        return [x for x in data if isinstance(x, bytes)]

    before = int(time.time())
    first = pair.run("mailboxd", lambda p: dates(p, True))
    assert len(first) == len(MSGS) + 1
    assert all(b'SAVEDATE "' in x for x in first)
    time.sleep(1.1)
    assert pair.run("mailboxd", dates) == first
    with open(os.path.join(pair.home, "Maildir", "mailboxd-savedate"),
              "rb") as f:
        lines = f.read().split(b"\n")
    assert lines[0].startswith(b"V")
    kept = dict(tuple(int(v) for v in x.split()) for x in lines[1:] if x)
    assert sorted(kept) == list(range(1, len(MSGS) + 2))
    assert kept[len(MSGS) + 1] >= before


CONTEXT = [
    b"SEARCH RETURN (CONTEXT) SUBJECT parts",
    b"SEARCH RETURN (PARTIAL 2:4) ALL",
    b"SEARCH RETURN (PARTIAL 4:2 COUNT) ALL",
    b"SEARCH RETURN (PARTIAL 20:30) ALL",
    b"UID SEARCH RETURN (MIN PARTIAL 1:1 MAX) ALL",
    b"SEARCH RETURN (PARTIAL 1:2 ALL) ALL",
    b"SEARCH RETURN (PARTIAL 0:2) ALL",
    b"SEARCH RETURN (PARTIAL) ALL",
    b"SEARCH RETURN (PARTIAL 1:2 PARTIAL 1:3) ALL",
    b"SEARCH RETURN (PARTIAL 1:3 SAVE) ALL",
    b"FETCH $ UID",
    b"UID SEARCH RETURN (UPDATE) UNSEEN",
    b"SEARCH RETURN (UPDATE COUNT) SEEN",
    b"STORE 2 +FLAGS (\\Seen)",
    b"NOOP",
    b"STORE 2 -FLAGS (\\Seen)",
    b"APPEND INBOX " + lit(b"Subject: n"),
    b"NOOP",
    b"SEARCH RETURN (UPDATE UPDATE) ALL",
    b"CANCELUPDATE \"t13\"",
    b"STORE 1 +FLAGS (\\Seen)",
    b"CANCELUPDATE \"nope\"",
    b"CANCELUPDATE t12",
    b"CANCELUPDATE",
    b"STORE 1 -FLAGS (\\Seen)",
]


def test_context_search_as_dovecot(tmp, fmt):
    same(tmp, fmt, CONTEXT)


CONTEXT_SORT = [
    b"UID SEARCH RETURN (UPDATE) ALL",
    b"SORT RETURN (PARTIAL 1:2) (SUBJECT) UTF-8 ALL",
    b"SORT RETURN (UPDATE) (SUBJECT) UTF-8 ALL",
    b"UID SORT RETURN (UPDATE MIN) (SUBJECT) UTF-8 UNSEEN",
    b"STORE 1 +FLAGS (\\Seen)",
    b"STORE 2,4 +FLAGS (\\Deleted)",
    b"EXPUNGE",
    b"SORT RETURN (PARTIAL 2:3 COUNT) (REVERSE SUBJECT) UTF-8 ALL",
    b"APPEND INBOX " + lit(b"Subject: n\r\n\r\nx"),
    b"NOOP",
]


def test_context_sort_and_expunge_as_dovecot(tmp, fmt):
    """Kept results lose expunged messages before the EXPUNGE replies;
    SORT keeps its result as a set."""
    theirs, ours = both(tmp, fmt, CONTEXT_SORT)
    # dovecot sends RECENT again after EXPUNGE and expunges the
    # highest first: mailboxd's EXPUNGE is not this business
    x = re.compile(rb"^\* (<n> RECENT|\d+ EXPUNGE)$")
    assert [a for a in ours if not x.match(a)] == \
        [a for a in theirs if not x.match(a)]
    assert len([a for a in ours if b"EXPUNGE" in a]) == 3


CATENATE = [
    b"APPEND INBOX CATENATE (TEXT " + lit(b"Subject: c\r\n\r\n") +
    b" URL \"/INBOX;UIDVALIDITY={UV}/;UID=1/;SECTION=TEXT\")",
    b"FETCH 11 BODY.PEEK[]",
    b"APPEND INBOX CATENATE (URL \"/INBOX/;UID=2/;SECTION=1\" "
    b"TEXT {2+}\r\n\r\n URL \";UID=2/;SECTION=2.MIME\" "
    b"URL \"/INBOX;UIDVALIDITY={UV}/;UID=1/;PARTIAL=6.10\")",
    b"FETCH 12 BODY.PEEK[]",
    b"APPEND INBOX CATENATE (URL \"/INBOX/;UID=2/;SECTION=HEADER.FIELDS"
    b"%20(SUBJECT)\" URL \"/INBOX/;UID=1/;SECTION=TEXT/;PARTIAL=3\")",
    b"FETCH 13 BODY.PEEK[]",
    b"APPEND INBOX (\\Seen) CATENATE (TEXT " + lit(b"A: ") + b" TEXT " +
    lit(b"b\r\n\r\nc") + b") CATENATE (TEXT " + lit(b"S: d\r\n\r\ne") + b")",
    b"FETCH 14:* (FLAGS BODY.PEEK[])",
    b"APPEND INBOX CATENATE (URL \"/INBOX;UIDVALIDITY=1/;UID=1\")",
    b"APPEND INBOX CATENATE (URL \"/INBOX/;UID=99\")",
    b"APPEND INBOX CATENATE (URL \"/Nope/;UID=1\")",
    b"APPEND INBOX CATENATE (URL \"imap://joe@localhost/INBOX/;UID=1\")",
    b"APPEND INBOX CATENATE (URL \"/INBOX/;UID=0\")",
    b"APPEND INBOX CATENATE (URL \"/INBOX/;UID=1/;PARTIAL=1.0\")",
    b"APPEND INBOX CATENATE (URL \"/INBOX/;UID=1/;FOO=1\")",
    b"APPEND INBOX CATENATE ()",
    b"APPEND INBOX CATENATE (TEXT \"x\")",
    b"APPEND INBOX CATENATE (FOO x)",
    b"APPEND INBOX CATENATE (TEXT " + lit(b"A: ") + b" TEXT " +
    lit(b"b\r\n", True) + b")",
    b"APPEND INBOX CATENATE (TEXT " + lit(b"A: \x00\r\n\r\n", True) +
    b" URL \"/INBOX/;UID=1/;SECTION=TEXT\")",
    b"FETCH 16 BINARY.PEEK[]",
    b"APPEND INBOX CATENATE (TEXT {0+}\r\n)",
    b"APPEND Nope CATENATE (URL \"/INBOX/;UID=1\")",
    b"NOOP",
]


def test_catenate_as_dovecot(tmp, fmt):
    theirs, ours = both(tmp, fmt, CATENATE)
    # dovecot reads APPEND as a stream: after a bad CATENATE part it
    # takes the rest of the line ("x)", ")") for a command of its own
    stray = b"* BAD Error in IMAP tag: Invalid tag."
    assert theirs.count(stray) == 2
    assert ours == [x for x in theirs if x != stray]


def test_catenate_url_mailboxes_go_through_select_checks(tmp, fmt):
    """A URL's mailbox is a name like SELECT's, never a path: names that
    would leave the mail root, and a CR LF (which dovecot 2.3 echoes
    into its reply), are refused; INBOX in any case is INBOX."""
    pair = idv.ImapPair(tmp, maildir=fmt)
    caps.fill(pair, fmt, MSGS)
    urls = [b"/..%2F..%2Fetc/;UID=1", b"/%2Fetc%2Fpasswd/;UID=1",
            b"/~root/;UID=1", b"/a%0D%0Ab/;UID=1", b"/.x/;UID=1",
            b"/a/..%2F..%2F..%2Fb/;UID=1"]
    got = pair.run("mailboxd", lambda p: caps.session(p, [
        b"APPEND INBOX CATENATE (URL \"%s\")" % u for u in urls] + [
        b"APPEND INBOX CATENATE (URL \"/inbox/;UID=1/;SECTION=TEXT\")",
        b"NOOP"]))
    tagged = [x for x in got if re.match(rb"t\d+ ", x)]
    for i, u in enumerate(urls):
        assert tagged[i] == b"t%d NO [BADURL %s] Invalid mailbox name%s" % (
            i + 2, u, b": Invalid mailbox name." if b"%0D" not in u
            else b".")
    assert tagged[len(urls)].startswith(b"t%d OK [APPENDUID" %
                                        (len(urls) + 2))
    assert tagged[-1].startswith(b"t%d OK NOOP" % (len(urls) + 3))


if __name__ == "__main__":
    d = tempfile.mkdtemp(prefix="imapext.")
    os.chmod(d, 0o755)
    try:
        theirs, ours = both(d, sys.argv[1] == "maildir",
                            [a.encode().decode("unicode_escape").encode(
                                "latin-1") for a in sys.argv[2:]])
        for x in difflib.ndiff([x.decode(errors="replace") for x in theirs],
                               [x.decode(errors="replace") for x in ours]):
            if not x.startswith("?"):
                print(x)
    finally:
        shutil.rmtree(d, ignore_errors=True)
