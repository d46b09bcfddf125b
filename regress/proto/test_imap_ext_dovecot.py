"""Differential IMAP for the extensions of issue 9 that mailboxd added
after test_imap_caps_dovecot.py: BINARY (RFC 3516), SAVEDATE (RFC 8514),
CONTEXT=SEARCH (RFC 5267), CATENATE (RFC 4469) with URL-PARTIAL (RFC
5550), I18NLEVEL=1 (RFC 5255: SEARCH and SORT on non-ASCII text).  The same commands go to dovecot 2.3 and to mailboxd over the
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


def fill_bytes(pair, maildir, msgs):
    """caps.fill for texts given as bytes (other charsets than UTF-8)."""
    if not maildir:
        with open(os.path.join(pair.spool, "joe"), "wb") as f:
            for date, text in msgs:
                f.write(b"From x@example.com %s\n%s\n" % (date.encode(),
                                                            text))
        return
    md = os.path.join(pair.home, "Maildir")
    for d in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(md, d), exist_ok=True)
    for i, (date, text) in enumerate(msgs):
        p = os.path.join(md, "cur", "%d.M%dP1.test:2," % (
            1795000000 + i * 1000, i))
        with open(p, "wb") as f:
            f.write(text)
        os.utime(p, (1795000000 + i * 1000, 1795000000 + i * 1000))


def both(tmp, maildir, cmds, msgs=None):
    got = []
    for which in ("dovecot", "mailboxd"):
        root = os.path.join(tmp, which)
        os.makedirs(root)
        pair = idv.ImapPair(root, maildir=maildir)
        if msgs is None:
            caps.fill(pair, maildir, MSGS)
        else:
            fill_bytes(pair, maildir, msgs)
        got.append(pair.run(which, lambda p: caps.session(p, cmds, normal)))
    return got


def same(tmp, maildir, cmds, msgs=None):
    theirs, ours = both(tmp, maildir, cmds, msgs)
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
    assert no_maildir_recent(fmt, ours) == no_maildir_recent(fmt, theirs)
    assert len([a for a in ours if b"EXPUNGE" in a]) == 3


def no_maildir_recent(maildir, lines):
    """dovecot takes Maildir messages it has not indexed yet for
    \\Recent (the NORMAL note), so its RECENT after an EXPUNGE of them
    is not ours to match there."""
    return [x for x in lines if not (maildir and x == b"* <n> RECENT")]


# EXPUNGE replies highest first, then RECENT when \Recent ones went;
# STORE answers only for flags that changed, MODSEQ first, MODSEQ alone
# under .SILENT (the numbers are dovecot's own: normalised)
STORE_EXPUNGE = [
    b"STORE 2,4,7 +FLAGS.SILENT (\\Deleted)",
    b"EXPUNGE",
    b"CLOSE",
    b"SELECT INBOX",
    b"STORE 1,3 +FLAGS.SILENT (\\Deleted)",
    b"EXPUNGE",
    b"APPEND INBOX " + lit(b"Subject: n"),
    b"NOOP",
    b"STORE 1,5 +FLAGS (\\Deleted)",
    b"UID EXPUNGE 1:*",
    b"STORE 1 +FLAGS (\\Seen)",
    b"STORE 1 +FLAGS (\\Seen)",
    b"STORE 1:3 +FLAGS (\\Seen)",
    b"UID STORE 1:* FLAGS (\\Seen)",
    b"ENABLE CONDSTORE",
    b"STORE 1 +FLAGS (\\Seen)",
    b"STORE 1:2 +FLAGS (\\Seen \\Flagged)",
    b"UID STORE 2 -FLAGS (\\Draft)",
    b"STORE 3 (UNCHANGEDSINCE 1) +FLAGS (\\Seen)",
    b"STORE 3 +FLAGS.SILENT (\\Answered)",
    b"UID STORE 3 +FLAGS.SILENT (\\Draft)",
    b"UID STORE 3 FLAGS (\\Draft)",
]


def test_store_and_expunge_replies_as_dovecot(tmp, fmt):
    theirs, ours = both(tmp, fmt, STORE_EXPUNGE)
    ms = re.compile(rb"(MODSEQ \(|HIGHESTMODSEQ )\d+")
    # dovecot's SELECT tells HIGHESTMODSEQ only once it has changes
    # to count; ours always: not this test's business
    hi = re.compile(rb"^\* OK \[HIGHESTMODSEQ \d+\] Highest$")
    uv = re.compile(rb"UIDVALIDITY \d+")
    theirs, ours = [[uv.sub(b"UIDVALIDITY <uv>", ms.sub(rb"\1<m>", x))
                     for x in no_maildir_recent(fmt, got) if not hi.match(x)]
                    for got in (theirs, ours)]
    assert ours == theirs


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


# ---- I18NLEVEL=1 (RFC 5255): SEARCH and SORT on non-ASCII text

I18N_MSGS = [
    ("Wed Nov 22 20:11:21 2026",
     b"From: =?utf-8?q?J=C3=BCrgen_M=C3=BCller?= <j@example.com>\n"
     b"Subject: =?utf-8?b?R3LDvMOfZSBhdXMgS8O2bG4=?=\n"
     b"\n"
     b"Caf\xc3\xa9 STRASSE na\xc3\xafve\n"),
    ("Thu Nov 23 09:00:00 2026",
     b"From: b@example.com\n"
     b"Subject: =?iso-8859-1?q?=C9t=E9_=E0_Paris?=\n"
     b"Content-Type: text/plain; charset=iso-8859-1\n"
     b"Content-Transfer-Encoding: 8bit\n"
     b"\n"
     b"d\xe9j\xe0 vu \xc9T\xc9\n"),
    ("Fri Nov 24 10:00:00 2026",
     b"From: c@example.com\n"
     b"Subject: \xc3\x89cole utf8 raw\n"
     b"Content-Type: text/plain; charset=utf-8\n"
     b"Content-Transfer-Encoding: quoted-printable\n"
     b"\n"
     b"=C5=93uvre \xef\xac\x81n =C7=85 Dz e\xcc\x81t\xc3\xa9\n"),
    ("Sat Nov 25 10:00:00 2026",
     "From: e@example.com\n"
     "Subject: edge\n"
     "Content-Type: text/plain; charset=utf-8\n"
     "\n"
     "[\uff21\uff22\uff23] [\u00b5] [x\u00b2] [\u1fb3] [\u212b] "
     "[\u01c6] [\u01d6] [\uac00] [\u0130] [\u0131] [\u00df] "
     "[\u03c2] [\u2126]\n".encode()),
    ("Sun Nov 26 10:00:00 2026",
     b"From: d@example.com\n"
     b"Subject: greek\n"
     b"MIME-Version: 1.0\n"
     b"Content-Type: multipart/mixed; boundary=\"b\"\n"
     b"\n"
     b"pre \xc3\xa9t\xc3\xa9\n"
     b"--b\n"
     b"Content-Type: text/plain; charset=utf-8\n"
     b"Content-Transfer-Encoding: base64\n"
     b"\n"
     b"zrPOsc6zzrEgzqPOmc6jzqPOkQo=\n"
     b"--b\n"
     b"Content-Type: text/plain; charset=koi8-r\n"
     b"Content-Transfer-Encoding: quoted-printable\n"
     b"\n"
     b"=F0=D2=C9=D7=C5=D4\n"
     b"--b--\n"),
]

# each key as a quoted string with its UTF-8 (or ISO-8859-1) bytes;
# what dovecot answers (observed): titlecase then one level of
# decomposition, so CAFE finds "Caf\u00e9" and "fin" not "\ufb01n"
I18N_SEARCH = [b"SEARCH CHARSET UTF-8 " + x.encode() for x in [
    'SUBJECT "gr\u00fc\u00dfe"', 'SUBJECT "GR\u00dc\u00dfE AUS"',
    'FROM "m\u00fcller"', 'FROM "M\u00dcLLER <j@"', 'FROM "=?utf"',
    'HEADER SUBJECT "=?iso"', 'SUBJECT "\u00e9t\u00e9 \u00e0"',
    'SUBJECT "\u00c9COLE"', 'TEXT "subject: \u00e9cole"',
    'BODY "caf\u00e9"', 'BODY CAFE', 'BODY "CAF\u00c9 STRASSE"',
    'BODY "d\u00e9j\u00e0"', 'BODY "D\u00c9J\u00c0"', 'BODY ete',
    'BODY "\u00e9t\u00e9"', 'BODY fin', 'BODY "\ufb01n"',
    'BODY "\u0152UVRE"', 'BODY "\u01c5"', 'BODY "=C5"',
    'BODY "[ABC]"', 'BODY "[\uff41\uff42\uff43]"', 'BODY "[\u039c]"',
    'BODY "[x2]"', 'BODY "[\u1fbc]"', 'BODY "[\u0391\u0345]"',
    'BODY "[\u00c5]"', 'BODY "[\u212b]"', 'BODY "[\u01c4]"',
    'BODY "[\u00dc\u0304]"', 'BODY "[\u01d5]"', 'BODY "[\u1100\u1161]"',
    'BODY "[i\u0307]"', 'BODY "[i]"', 'BODY "[SS]"', 'BODY "[\u03c3]"',
    'BODY "[\u03c9]"', 'BODY "\u03b3\u03b1\u03b3\u03b1"',
    'BODY "\u03c3\u03b9\u03c3\u03c3\u03b1"', 'BODY zrPO',
    'BODY "\u043f\u0440\u0438\u0432\u0435\u0442"', 'BODY pre',
    'TEXT "\u00e9t\u00e9"', 'TEXT "koi8-r"', 'TEXT naive',
    'TEXT "NA\u00cfVE"', 'OR BODY "\u00e9t\u00e9" SUBJECT "\u00e9t\u00e9"',
]] + [
    b'SEARCH CHARSET ISO-8859-1 BODY "d\xe9j\xe0"',
    b'SEARCH CHARSET ISO-8859-1 SUBJECT "\xc9T\xc9"',
    b'SEARCH CHARSET ISO-8859-1 BODY "\xc3\xa9"',
    b'SEARCH CHARSET UTF-8 BODY "\xff"',
    b'SEARCH BODY "caf\xc3\xa9"',
    b'SEARCH CHARSET X-NOPE BODY x',
    b'UID SEARCH RETURN (COUNT) CHARSET UTF-8 TEXT "\xc3\xa9"',
]


def test_i18n_search_as_dovecot(tmp, fmt):
    same(tmp, fmt, I18N_SEARCH, I18N_MSGS)


SORT_SUBJECTS = [
    "=?utf-8?q?=C3=89lan?=", "eagle", "Zebra", "=?iso-8859-1?q?z=E8bre?=",
    "\u00c4pfel", "apple", "=?utf-8?b?w5xiZXI=?=", "uber", "\u03a9mega",
    "\u00e9cole", "Re: =?utf-8?q?=C3=A9cole?=", "_under", "[tag] zz",
    "\u01c6x", "\u01c5y"]
SORT_FROMS = [
    "=?utf-8?q?=C3=96sterreich?= <o@x.at>", "Zorro <z@x>",
    "\"\u00e4rger\" <a@x>", "bob <B@x>", "=?iso-8859-1?q?=C9mile?= <e@x>",
    "\u00d6 <oe@x>", "Aaron <aa@x>", "\u00e9 <Ea@x>", "_x <u@x>",
    "zed <zz@x>", "Re <r@x>", "x <x@x>", "y <y@x>", "q <q@x>", "w <w@x>"]
SORT_MSGS = [
    ("Mon Nov %2d 10:00:00 2026" % (i + 1),
     ("From: %s\nSubject: %s\nDate: Mon, %d Nov 2026 10:00:00 +0000\n\n"
      "body %d\n" % (f, s, i + 1, i)).encode())
    for i, (s, f) in enumerate(zip(SORT_SUBJECTS, SORT_FROMS))]

I18N_SORT = [
    b"SORT (SUBJECT) UTF-8 ALL",
    b"SORT (REVERSE SUBJECT) UTF-8 ALL",
    b"SORT (FROM) UTF-8 ALL",
    b"SORT (DISPLAYFROM) UTF-8 ALL",
    b"UID SORT (DISPLAYFROM REVERSE SUBJECT) UTF-8 ALL",
    b"SORT (SUBJECT) ISO-8859-1 SUBJECT \"z\xe8\"",
    b"SORT (SUBJECT) UTF-8 SUBJECT \"\xc3\xa9\"",
    b"SORT RETURN (MIN MAX) (DISPLAYFROM) UTF-8 FROM \"\xc3\xa4\"",
    b"THREAD ORDEREDSUBJECT UTF-8 ALL",
    b"SORT (SUBJECT) X-NOPE ALL",
    b"THREAD REFS X-NOPE ALL",
]


def test_i18n_sort_as_dovecot(tmp, fmt):
    same(tmp, fmt, I18N_SORT, SORT_MSGS)


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
