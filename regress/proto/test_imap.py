"""IMAP against bin/mailboxd on 127.0.0.1, driven by imaplib.

Each test gets its own folder with a dovecot.conf, a passwd-file whose
user is the running uid (the session keeps its uid), an mbox spool or a
Maildir made by the test, and a run-time port.  Most tests run on both
storage formats.  The server runs in the foreground and is stopped by its
PID.
"""

import imaplib
import os
import re
import shutil
import socket
import ssl
import subprocess
import tempfile
import time

import pytest

from procs import MailboxdProc, free_port

imaplib.Commands.setdefault("ID", ("NONAUTH", "AUTH", "SELECTED"))

BIN = os.environ.get("BIN") or os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))), "bin")
MAILBOXD = os.path.join(BIN, "mailboxd")

pytestmark = pytest.mark.skipif(not os.access(MAILBOXD, os.X_OK),
                                reason="no %s" % MAILBOXD)

MSGS = [
    "Date: Wed, 22 Nov 2026 20:11:21 +0000\n"
    "From: Alice <alice@example.com>\n"
    "To: bob@example.com, \"Carol X\" <carol@example.org>\n"
    "Subject: one\n"
    "Message-ID: <one@example.com>\n"
    "\n"
    "line one\n"
    "needle here\n",
    "Date: Thu, 23 Nov 2026 09:00:00 +0000\n"
    "From: bob@example.com\n"
    "Subject: two\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/mixed; boundary=\"XX\"\n"
    "\n"
    "preamble\n"
    "--XX\n"
    "Content-Type: text/plain; charset=utf-8\n"
    "\n"
    "part one\n"
    "--XX\n"
    "Content-Type: application/octet-stream\n"
    "Content-Transfer-Encoding: base64\n"
    "Content-Disposition: attachment; filename=\"a.bin\"\n"
    "\n"
    "AAEC\n"
    "--XX--\n",
    "From: carol@example.org\n"
    "Subject: three\n"
    "\n"
    "third\n",
]

DATES = ["Wed Nov 22 20:11:21 2026", "Thu Nov 23 09:00:00 2026",
         "Fri Nov 24 10:00:00 2026"]


class Server(MailboxdProc):
    def __init__(self, root, fmt="mbox", extra="", ssl_mode="no",
                 plaintext="no"):
        self.root = root
        self.fmt = fmt
        self.port = free_port()
        self.sport = free_port()
        self.home = os.path.join(root, "home")
        os.makedirs(os.path.join(self.home, "mail"), exist_ok=True)
        self.spool = os.path.join(root, "spool")
        os.makedirs(self.spool, exist_ok=True)
        uid, gid = os.getuid(), os.getgid()
        with open(os.path.join(root, "passwd"), "w") as f:
            f.write("joe:{PLAIN}secret:%d:%d::%s::\n" % (uid, gid, self.home))
        loc = ("maildir:~/Maildir" if fmt == "maildir" else
               "mbox:~/mail:INBOX=%s/%%u" % self.spool)
        ssl_conf = ""
        if ssl_mode != "no":
            self.cert = os.path.join(root, "cert.pem")
            self.key = os.path.join(root, "key.pem")
            subprocess.run(
                ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                 "-keyout", self.key, "-out", self.cert, "-days", "2",
                 "-subj", "/CN=localhost"], check=True,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            ssl_conf = "ssl_cert = <%s\nssl_key = <%s\n" % (self.cert,
                                                          self.key)
        self.conf = os.path.join(root, "dovecot.conf")
        with open(self.conf, "w") as f:
            f.write(
                "# made by test_imap.py\n"
                "protocols = imap\n"
                "listen = 127.0.0.1\n"
                "ssl = %s\n%s"
                "disable_plaintext_auth = %s\n"
                "auth_mechanisms = plain login\n"
                "mail_location = %s\n"
                "first_valid_uid = 0\n"
                "login_greeting = Dovecot ready.\n"
                "auth_failure_delay = 200 msecs\n"
                "log_path = %s/mailboxd.log\n"
                "passdb {\n  driver = passwd-file\n  args = %s/passwd\n}\n"
                "userdb {\n  driver = passwd-file\n  args = %s/passwd\n}\n"
                "namespace inbox {\n  inbox = yes\n"
                "  separator = /\n"
                "  mailbox Sent {\n    special_use = \\Sent\n"
                "    auto = subscribe\n  }\n"
                "  mailbox Trash {\n    special_use = \\Trash\n"
                "    auto = create\n  }\n"
                "  mailbox Junk {\n    special_use = \\Junk\n  }\n"
                "}\n"
                "service imap-login {\n"
                "  inet_listener imap {\n    port = %d\n  }\n"
                "  inet_listener imaps {\n    port = %d\n    ssl = yes\n"
                "  }\n}\n%s" % (ssl_mode, ssl_conf, plaintext, loc, root,
                               root, root, self.port,
                               self.sport if ssl_mode != "no" else 0,
                               extra))
        self.proc = None

    def imap(self):
        return imaplib.IMAP4("127.0.0.1", self.port, timeout=10)

    def login(self):
        m = self.imap()
        m.login("joe", "secret")
        return m

    @property
    def maildir(self):
        return os.path.join(self.home, "Maildir")

    def inbox_path(self):
        if self.fmt == "maildir":
            return self.maildir
        return os.path.join(self.spool, "joe")

    def deliver(self, text, date="Sat Nov 25 11:00:00 2026", n=[0]):
        """Adds a message the way a delivery agent would."""
        n[0] += 1
        if self.fmt == "maildir":
            for d in ("new", "cur", "tmp"):
                os.makedirs(os.path.join(self.maildir, d), exist_ok=True)
            name = "%d.M%dP%d.test" % (1795000000 + n[0], n[0],
                                       os.getpid())
            tmp = os.path.join(self.maildir, "tmp", name)
            with open(tmp, "w") as f:
                f.write(text)
            os.rename(tmp, os.path.join(self.maildir, "new", name))
        else:
            with open(self.inbox_path(), "a") as f:
                f.write("From sender@example.com %s\n%s\n" % (date, text))

    def log(self):
        try:
            with open(os.path.join(self.root, "mailboxd.log")) as f:
                return f.read()
        except OSError:
            return ""


@pytest.fixture
def tmp():
    d = tempfile.mkdtemp(prefix="test_imap.")
    os.chmod(d, 0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def make(tmp, fmt, **kw):
    s = Server(tmp, fmt, **kw)
    for text, date in zip(MSGS, DATES):
        s.deliver(text, date)
    return s.start()


@pytest.fixture(params=["mbox", "maildir"])
def server(request, tmp):
    s = make(tmp, request.param)
    yield s
    s.stop()


@pytest.fixture
def mbox_server(tmp):
    s = make(tmp, "mbox")
    yield s
    s.stop()


def untagged(m, name):
    return m.untagged_responses.get(name, [])


# ---- greeting, capabilities, login


def test_greeting_and_capabilities_before_and_after_login(server):
    m = server.imap()
    assert m.welcome == (b"* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS"
                         b" ID ENABLE IDLE LITERAL+ AUTH=PLAIN AUTH=LOGIN] "
                         b"Dovecot ready.")
    typ, data = m.login("joe", "secret")
    assert typ == "OK"
    caps = data[0].decode()
    assert caps.startswith("[CAPABILITY IMAP4rev1 ")
    for c in ("IDLE", "NAMESPACE", "UIDPLUS", "MOVE", "UNSELECT",
              "CHILDREN", "SPECIAL-USE", "LITERAL+", "ENABLE", "ID",
              "ESEARCH", "ESORT", "SEARCHRES", "SORT", "CONDSTORE"):
        assert c in caps[:caps.index("]")].split()
    assert caps.endswith("] Logged in")
    typ, data = m.capability()
    assert typ == "OK" and b"UIDPLUS" in data[0]
    assert m.logout()[0] == "BYE"


def test_wrong_password_is_refused_and_logged_for_fail2ban(server):
    m = server.imap()
    with pytest.raises(imaplib.IMAP4.error) as e:
        m.login("joe", "wrong")
    assert "AUTHENTICATIONFAILED" in str(e.value)
    with pytest.raises(imaplib.IMAP4.error):
        m.login("nobody", "wrong")
    m.logout()
    time.sleep(0.2)
    # dovecot 2.3's words: LOGOUT before a login "aborted" it
    assert re.search(r"imap-login: Info: Disconnected: Aborted login by "
                     r"logging out \(auth failed, 2 attempts in \d+ secs\): "
                     r"user=<nobody>, method=PLAIN, rip=127\.0\.0\.1, "
                     r"lip=127\.0\.0\.1, secured, session=<[^>]{16}>",
                     server.log())


def test_authenticate_plain_with_initial_response(server):
    m = server.imap()
    typ, _ = m.authenticate("PLAIN", lambda _: b"\0joe\0secret")
    assert typ == "OK"
    assert m.select("INBOX")[0] == "OK"
    m.logout()


def test_authenticate_login_mechanism(server):
    m = server.imap()
    answers = iter([b"joe", b"secret"])
    typ, _ = m.authenticate("LOGIN", lambda _: next(answers))
    assert typ == "OK"
    m.logout()


def test_commands_before_login_are_refused(server):
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    f = sock.makefile("rb")
    f.readline()
    sock.sendall(b"a SELECT INBOX\r\n")
    assert f.readline() == (b"a BAD Error in IMAP command received by "
                            b"server.\r\n")
    sock.close()


def test_plaintext_login_disabled_on_insecure_connection(tmp):
    s = make(tmp, "mbox", plaintext="yes")
    try:
        sock = socket.create_connection(("127.0.0.1", s.port), timeout=10,
                                        source_address=("127.0.0.2", 0))
        f = sock.makefile("rb")
        greet = f.readline()
        assert b"LOGINDISABLED" in greet
        assert b"AUTH=" not in greet
        sock.sendall(b"a LOGIN joe secret\r\n")
        assert f.readline().startswith(b"* BAD [ALERT] Plaintext "
                                       b"authentication not allowed")
        assert f.readline() == (b"a NO [PRIVACYREQUIRED] Plaintext "
                                b"authentication disallowed on non-secure "
                                b"(SSL/TLS) connections.\r\n")
        sock.close()
    finally:
        s.stop()


def test_starttls_then_login(tmp):
    s = make(tmp, "mbox", ssl_mode="yes", plaintext="yes")
    try:
        m = imaplib.IMAP4("127.0.0.1", s.port, timeout=10)
        assert "STARTTLS" in m.capabilities
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        assert m.starttls(ctx)[0] == "OK"
        m.login("joe", "secret")
        assert m.select()[1] == [b"3"]
        m.logout()
        m = imaplib.IMAP4_SSL("127.0.0.1", s.sport, ssl_context=ctx,
                              timeout=10)
        m.login("joe", "secret")
        m.logout()
    finally:
        s.stop()


# ---- SELECT and the mailbox view


def test_select_gives_dovecots_untagged_responses(server):
    m = server.login()
    typ, data = m.select("INBOX")
    assert (typ, data) == ("OK", [b"3"])
    assert untagged(m, "FLAGS") == [
        b"(\\Answered \\Flagged \\Deleted \\Seen \\Draft)"]
    assert untagged(m, "RECENT") == [b"3"]
    assert untagged(m, "UNSEEN") == [b"1"]
    assert untagged(m, "UIDNEXT") == [b"4"]
    assert int(untagged(m, "UIDVALIDITY")[0]) > 0
    assert untagged(m, "READ-WRITE") == [b""]
    m.logout()


def test_examine_is_read_only_and_leaves_recent(server):
    m = server.login()
    m.select("INBOX", readonly=True)
    assert untagged(m, "READ-ONLY") == [b""]
    typ, data = m.store("1", "+FLAGS", "\\Seen")
    assert typ == "NO"
    m.fetch("1", "(BODY[])")
    typ, data = m.fetch("1", "(FLAGS)")
    assert b"\\Seen" not in data[0]
    m.logout()


def test_uids_and_uidvalidity_survive_sessions(server):
    m = server.login()
    m.select()
    uv = untagged(m, "UIDVALIDITY")[0]
    typ, data = m.fetch("1:*", "(UID)")
    uids = [re.search(rb"UID (\d+)", d).group(1) for d in data]
    assert uids == [b"1", b"2", b"3"]
    m.logout()
    m = server.login()
    m.select()
    assert untagged(m, "UIDVALIDITY")[0] == uv
    assert untagged(m, "RECENT") == [b"0"]
    m.logout()
    if server.fmt == "mbox":
        text = open(server.inbox_path()).read()
        assert re.search(r"X-IMAPbase: %s 0000000003\n" % uv.decode(), text)
        assert "X-UID: 3\n" in text
    else:
        head = open(os.path.join(server.maildir,
                                 "dovecot-uidlist")).readline()
        assert head.startswith("3 V%s N4 G" % uv.decode())


def index_path(server):
    if server.fmt == "mbox":
        return os.path.join(server.home, "mail", ".imap", "INBOX",
                            "mailboxd-index")
    return os.path.join(server.maildir, "mailboxd-index")


def test_index_may_be_deleted_or_damaged_and_follows_new_mail(server):
    """mailboxd-index is a cache: what a session sees is the same with
    it, without it and with it damaged, and mail delivered or appended
    after it was written shows up with the next UIDs."""
    def view():
        m = server.login()
        m.select()
        uv = untagged(m, "UIDVALIDITY")[0]
        typ, data = m.fetch("1:*", "(UID FLAGS RFC822.SIZE)")
        m.logout()
        # \Recent goes to the first session only
        return uv, [re.sub(rb"\\Recent | \\Recent|\\Recent", b"", d)
                    for d in data]

    m = server.login()
    m.select()
    m.store("2", "+FLAGS", "(\\Flagged $Label1)")
    m.logout()
    time.sleep(0.05)        # past the clock tick of the last write
    want = view()
    assert os.path.exists(index_path(server))
    assert view() == want
    with open(index_path(server), "r+b") as f:
        f.seek(60)
        f.write(b"\xff" * 16)
    assert view() == want
    os.unlink(index_path(server))
    assert view() == want
    assert os.path.exists(index_path(server))
    # a delivery (no X-UID) and an APPEND (X-UID, IMAPbase bumped in place)
    server.deliver("Subject: four\n\nfour\n")
    m = server.login()
    m.append("INBOX", "(\\Seen)", None, b"Subject: five\r\n\r\nfive\r\n")
    m.logout()
    uv, data = view()
    assert uv == want[0]
    assert data[:3] == want[1]
    uids = [re.search(rb"UID (\d+)", d).group(1) for d in data]
    assert uids == [b"1", b"2", b"3", b"4", b"5"]
    assert b"\\Seen" in data[4]
    os.unlink(index_path(server))
    assert view() == (uv, data)


def test_namespace_id_enable_noop(server):
    m = server.login()
    typ, data = m.namespace()
    assert data == [b'(("" "/")) NIL NIL']
    typ, data = m._simple_command("ID", "NIL")
    assert typ == "OK"
    typ, data = m._simple_command("ENABLE", "CONDSTORE")
    assert typ == "OK"
    assert m.noop()[0] == "OK"
    m.logout()


# ---- FETCH


def test_fetch_envelope_size_and_internaldate(server):
    m = server.login()
    m.select()
    typ, data = m.fetch("1", "(UID RFC822.SIZE INTERNALDATE ENVELOPE)")
    line = data[0]
    size = len(MSGS[0].replace("\n", "\r\n"))
    assert b"RFC822.SIZE %d" % size in line
    if server.fmt == "mbox":
        assert b'INTERNALDATE "22-Nov-2026 20:11:21 +0000"' in line
    assert (b'ENVELOPE ("Wed, 22 Nov 2026 20:11:21 +0000" "one" '
            b'(("Alice" NIL "alice" "example.com")) '
            b'(("Alice" NIL "alice" "example.com")) '
            b'(("Alice" NIL "alice" "example.com")) '
            b'((NIL NIL "bob" "example.com")'
            b'("Carol X" NIL "carol" "example.org")) NIL NIL NIL '
            b'"<one@example.com>")') in line
    m.logout()


def test_fetch_body_sections_and_partials(server):
    m = server.login()
    m.select()
    typ, data = m.fetch("1", "(BODY.PEEK[])")
    assert data[0][1] == MSGS[0].replace("\n", "\r\n").encode()
    typ, data = m.fetch("1", "(BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)])")
    assert data[0][1] == (b"From: Alice <alice@example.com>\r\n"
                          b"Subject: one\r\n\r\n")
    typ, data = m.fetch("1", "(BODY.PEEK[HEADER.FIELDS.NOT (Subject "
                        "From To Date)])")
    assert data[0][1] == b"Message-ID: <one@example.com>\r\n\r\n"
    typ, data = m.fetch("1", "(BODY.PEEK[TEXT]<5.3>)")
    assert b"BODY[TEXT]<5>" in data[0][0] and data[0][1] == b"one"
    typ, data = m.fetch("2", "(BODY.PEEK[1] BODY.PEEK[2.MIME] "
                        "BODY.PEEK[2])")
    assert data[0][1] == b"part one"
    assert data[1][1].startswith(b"Content-Type: application/octet-stream")
    assert data[2][1] == b"AAEC"
    typ, data = m.fetch("1", "(FLAGS)")
    assert b"\\Seen" not in data[0]
    m.logout()


def test_fetch_body_sets_seen_and_reports_flags(server):
    m = server.login()
    m.select()
    typ, data = m.fetch("3", "(BODY[TEXT])")
    # before the text, as dovecot puts its buffered items first
    assert b"FLAGS (\\Seen \\Recent) BODY[TEXT]" in data[0][0]
    m.close()
    m.select()
    typ, data = m.fetch("3", "(FLAGS)")
    assert b"\\Seen" in data[0]
    m.logout()


def test_bodystructure_of_multipart(server):
    m = server.login()
    m.select()
    typ, data = m.fetch("2", "(BODYSTRUCTURE)")
    assert data[0] == (
        b'2 (BODYSTRUCTURE (("text" "plain" ("charset" "utf-8") NIL NIL '
        b'"7bit" 8 1 NIL NIL NIL NIL)("application" "octet-stream" NIL NIL '
        b'NIL "base64" 4 NIL ("attachment" ("filename" "a.bin")) NIL NIL) '
        b'"mixed" ("boundary" "XX") NIL NIL NIL))')
    typ, data = m.fetch("1", "(BODY)")
    assert data[0] == (b'1 (BODY ("text" "plain" ("charset" "us-ascii") NIL '
                       b'NIL "7bit" 23 2))')
    m.logout()


def test_fetch_macros_and_uid_fetch(server):
    m = server.login()
    m.select()
    typ, data = m.fetch("1:2", "ALL")
    assert len(data) == 2 and b"ENVELOPE" in data[0]
    typ, data = m.uid("FETCH", "2:*", "(FLAGS)")
    assert [d.split()[0] for d in data] == [b"2", b"3"]
    assert data[0].startswith(b"2 (UID 2 FLAGS")
    typ, data = m.uid("FETCH", "99", "(FLAGS)")
    assert typ == "OK" and data == [None]
    m.logout()


def test_invalid_fetch_is_bad(server):
    m = server.login()
    m.select()
    with pytest.raises(imaplib.IMAP4.error):
        m.fetch("9", "(FLAGS)")
    with pytest.raises(imaplib.IMAP4.error):
        m.fetch("1", "(NOSUCHITEM)")
    m.logout()


# ---- STORE and flag persistence


def test_store_flags_and_keywords_persist(server):
    m = server.login()
    m.select()
    typ, data = m.store("1", "+FLAGS", "(\\Flagged \\Answered $Label1)")
    assert data == [b"1 (FLAGS (\\Answered \\Flagged \\Recent $Label1))"]
    typ, data = m.store("1", "-FLAGS", "(\\Answered)")
    assert data == [b"1 (FLAGS (\\Flagged \\Recent $Label1))"]
    typ, data = m.uid("STORE", "2", "FLAGS.SILENT", "(\\Seen)")
    assert typ == "OK" and data == [None]
    m.logout()
    if server.fmt == "mbox":
        text = open(server.inbox_path()).read()
        # padded as dovecot pads it, for later changes in place
        assert re.search(r"X-Status: F\nX-Keywords: \$Label1 +\n", text)
        assert re.search(r"X-IMAPbase: \d+ 0000000003 \$Label1\n", text)
        assert "X-UID: 2\nStatus: RO\n" in text
    else:
        names = sorted(os.listdir(os.path.join(server.maildir, "cur")))
        assert any(n.endswith(":2,Fa") for n in names)
        assert any(n.endswith(":2,S") for n in names)
        kw = open(os.path.join(server.maildir, "dovecot-keywords")).read()
        assert kw == "0 $Label1\n"
    m = server.login()
    m.select()
    typ, data = m.fetch("1:2", "(FLAGS)")
    assert data == [b"1 (FLAGS (\\Flagged $Label1))", b"2 (FLAGS (\\Seen))"]
    m.logout()


def test_existing_dovecot_flags_are_read(tmp):
    s = Server(tmp, "mbox")
    with open(s.inbox_path(), "w") as f:
        f.write("From a@b Wed Nov 22 20:11:21 2026\n"
                "Subject: x\n"
                "X-IMAPbase: 1795378281 0000000041 $Label1 Junk\n"
                "X-UID: 40\n"
                "Status: RO\n"
                "X-Status: AF\n"
                "X-Keywords: Junk\n"
                "\n"
                "body\n\n")
    s.start()
    try:
        m = s.login()
        m.select()
        assert untagged(m, "UIDVALIDITY") == [b"1795378281"]
        assert untagged(m, "UIDNEXT") == [b"42"]
        typ, data = m.fetch("1", "(UID FLAGS)")
        assert data == [b"1 (UID 40 FLAGS (\\Answered \\Flagged \\Seen "
                        b"Junk))"]
        m.logout()
    finally:
        s.stop()


# ---- SEARCH


def test_search_keys(server):
    m = server.login()
    m.select()
    m.store("2", "+FLAGS", "(\\Flagged)")
    cases = {
        "ALL": b"1 2 3",
        "FLAGGED": b"2",
        "UNFLAGGED": b"1 3",
        "FROM alice": b"1",
        "SUBJECT TWO": b"2",
        "BODY needle": b"1",
        "TEXT carol": b"1 3",
        "HEADER Message-ID one@": b"1",
        "OR FROM alice SUBJECT three": b"1 3",
        "NOT FROM alice": b"2 3",
        "LARGER 300": b"2",
        "SMALLER 100": b"3",
        "SENTSINCE 23-Nov-2026": b"2",
        "SENTBEFORE 23-Nov-2026": b"1",
        "UID 2:3": b"2 3",
        "2:* UNSEEN": b"2 3",
        "RECENT": b"1 2 3",
        "(FROM bob SUBJECT two)": b"2",
        "KEYWORD $Nothing": b"",
    }
    for crit, want in cases.items():
        typ, data = m.search(None, crit)
        assert (crit, data) == (crit, [want])
    if server.fmt == "mbox":
        typ, data = m.search(None, "SINCE 23-Nov-2026")
        assert data == [b"2 3"]
    typ, data = m.uid("SEARCH", "FLAGGED")
    assert data == [b"2"]
    typ, data = m.search("UTF-8", "SUBJECT", "one")
    assert data == [b"1"]
    with pytest.raises(imaplib.IMAP4.error):
        m.search(None, "NOSUCHKEY")
    m.logout()


# ---- APPEND, COPY, MOVE, EXPUNGE


def test_append_gives_appenduid_and_exists(server):
    m = server.login()
    m.select()
    uv = untagged(m, "UIDVALIDITY")[0]
    msg = b"Subject: appended\r\nFrom: x@y\r\n\r\nFrom the start\r\n"
    typ, data = m.append("INBOX", "(\\Seen $Work)",
                         '"24-Nov-2026 10:00:00 +0100"', msg)
    assert typ == "OK"
    assert data == [b"[APPENDUID %s 4] Append completed." % uv]
    assert untagged(m, "EXISTS")[-1] == b"4"
    typ, data = m.fetch("4", "(FLAGS INTERNALDATE BODY.PEEK[])")
    assert b"\\Seen" in data[0][0] and b"$Work" in data[0][0]
    assert b'INTERNALDATE "24-Nov-2026 09:00:00 +0000"' in data[0][0]
    if server.fmt == "mbox":
        # mbox escapes the body's From_ line, as dovecot does
        assert data[0][1] == msg.replace(b"\r\nFrom the", b"\r\n>From the")
    else:
        assert data[0][1] == msg
    typ, data = m.append("Nonexistent", None, None, msg)
    assert typ == "NO" and b"[TRYCREATE]" in data[0]
    m.logout()


def test_append_with_synchronising_literal(server):
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    f = sock.makefile("rb")
    f.readline()
    sock.sendall(b"a LOGIN {3}\r\n")
    assert f.readline() == b"+ OK\r\n"
    sock.sendall(b"joe {6+}\r\nsecret\r\n")
    assert f.readline().startswith(b"a OK [CAPABILITY")
    body = b"Subject: lit\r\n\r\nx\r\n"
    sock.sendall(b"b APPEND INBOX {%d}\r\n" % len(body))
    assert f.readline() == b"+ OK\r\n"
    sock.sendall(body + b"\r\n")
    assert f.readline().startswith(b"b OK [APPENDUID ")
    sock.sendall(b"c LOGOUT\r\n")
    assert f.readline() == b"* BYE Logging out\r\n"
    assert f.readline() == b"c OK Logout completed.\r\n"
    sock.close()


def test_copy_and_move_give_copyuid(server):
    m = server.login()
    m.select()
    m.store("1", "+FLAGS", "(\\Flagged)")
    typ, data = m.copy("1:2", "Trash")
    assert typ == "OK"
    assert re.match(rb"\[COPYUID \d+ 1:2 1:2\] Copy completed\.", data[0])
    typ, data = m.uid("MOVE", "3", "Trash")
    assert typ == "OK"
    assert untagged(m, "EXPUNGE") == [b"3"]
    m.select("Trash")
    assert untagged(m, "EXISTS")[-1] == b"3"
    typ, data = m.fetch("1", "(FLAGS BODY.PEEK[HEADER.FIELDS (Subject)])")
    assert b"\\Flagged" in data[0][0]
    assert data[0][1] == b"Subject: one\r\n\r\n"
    typ, data = m.copy("1", "Nonexistent")
    assert typ == "NO" and b"TRYCREATE" in data[0]
    m.logout()


def test_expunge_and_close(server):
    m = server.login()
    m.select()
    m.store("1,3", "+FLAGS", "(\\Deleted)")
    typ, data = m.expunge()
    assert data == [b"3", b"1"]      # highest first, as dovecot
    typ, data = m.fetch("1:*", "(UID)")
    assert data == [b"1 (UID 2)"]
    m.store("1", "+FLAGS", "(\\Deleted)")
    assert m.close()[0] == "OK"
    m.select()
    assert untagged(m, "EXISTS") == [b"0"]
    assert untagged(m, "UIDNEXT") == [b"4"]
    m.logout()


def test_uid_expunge_only_touches_the_set(server):
    m = server.login()
    m.select()
    m.store("1:2", "+FLAGS", "(\\Deleted)")
    typ, data = m.uid("EXPUNGE", "2")
    assert typ == "OK" and untagged(m, "EXPUNGE") == [b"2"]
    typ, data = m.fetch("1:*", "(UID)")
    assert data == [b"1 (UID 1)", b"2 (UID 3)"]
    m.unselect()
    m.logout()


def test_new_mail_and_other_sessions_changes_are_reported(server):
    a = server.login()
    a.select()
    b = server.login()
    b.select()
    server.deliver("Subject: four\n\nfour\n")
    typ, _ = a.noop()
    assert untagged(a, "EXISTS")[-1] == b"4"
    b.store("1", "+FLAGS", "(\\Deleted \\Flagged)")
    b.expunge()
    a.noop()
    assert untagged(a, "EXPUNGE") == [b"1"]
    typ, data = a.fetch("1:*", "(UID)")
    assert [re.search(rb"UID (\d+)", d).group(1) for d in data] == \
        [b"2", b"3", b"4"]
    a.logout()
    b.logout()


def test_idle_reports_new_mail(server):
    m = server.login()
    m.select()
    m.send(b"i1 IDLE\r\n")
    assert m.readline() == b"+ idling\r\n"
    server.deliver("Subject: pushed\n\npushed\n")
    line = m.readline()
    while line.startswith(b"* OK"):
        line = m.readline()
    assert line == b"* 4 EXISTS\r\n"
    assert m.readline() == b"* 4 RECENT\r\n"
    m.send(b"DONE\r\n")
    assert m.readline() == b"i1 OK Idle completed.\r\n"
    m.logout()


# ---- folders


def test_list_lsub_with_special_use_and_children(server):
    m = server.login()
    typ, data = m.list()
    names = {d.rsplit(b" ", 1)[1]: d for d in data}
    assert set(names) == {b'"INBOX"', b'"Sent"', b'"Trash"'}
    assert b"\\Sent" in names[b'"Sent"'] and b"\\Trash" in names[b'"Trash"']
    typ, data = m.lsub()
    assert data == [b'() "/" "Sent"']
    assert m.create("Work/2026")[0] == "OK"
    typ, data = m.list('""', "Work/%")
    assert data == [b'(\\HasNoChildren) "/" "Work/2026"'] or \
        data == [b'(\\NoInferiors) "/" "Work/2026"']
    typ, data = m.list('""', "%")
    work = [d for d in data if d.endswith(b'"Work"')][0]
    assert b"\\HasChildren" in work
    typ, data = m.list('""', '""')
    assert data == [b'(\\Noselect) "/" ""']
    typ, data = m.list('""', "*")
    assert len(data) == 5
    typ, data = m._simple_command("LIST", "(SPECIAL-USE)", '""', '"*"')
    typ, data = m._untagged_response(typ, data, "LIST")
    assert sorted(data) == [b'(\\NoInferiors \\Sent) "/" "Sent"',
                            b'(\\NoInferiors \\Trash) "/" "Trash"'] or \
        sorted(data) == [b'(\\HasNoChildren \\Sent) "/" "Sent"',
                         b'(\\HasNoChildren \\Trash) "/" "Trash"']
    m.logout()


def test_create_rename_delete_subscribe(server):
    m = server.login()
    assert m.create("Projects")[0] == "OK"
    typ, data = m.create("Projects")
    assert typ == "NO" and b"ALREADYEXISTS" in data[0]
    assert m.subscribe("Projects")[0] == "OK"
    assert m.rename("Projects", "Archive")[0] == "OK"
    m.select("Archive")
    assert untagged(m, "EXISTS") == [b"0"]
    m.unselect()
    typ, data = m.select("Projects")
    assert typ == "NO"
    assert m.unsubscribe("Projects")[0] == "OK"
    typ, data = m.lsub()
    assert data == [b'() "/" "Sent"']
    assert m.delete("Archive")[0] == "OK"
    typ, data = m.delete("Archive")
    assert typ == "NO" and b"NONEXISTENT" in data[0]
    typ, data = m.delete("INBOX")
    assert typ == "NO"
    if server.fmt == "mbox":
        subs = open(os.path.join(server.home, "mail",
                                 ".subscriptions")).read()
    else:
        subs = open(os.path.join(server.maildir, "subscriptions")).read()
    assert subs.startswith("V\t2\n")
    m.logout()


@pytest.mark.parametrize("name", [
    "../escape", "/etc/passwd", "a/../../b", "~root/x", "a//b", ".hidden",
    "x/./y", "bad\x01name"])
def test_names_that_leave_the_mail_root_are_refused(server, name):
    m = server.login()
    quoted = '"%s"' % name
    for cmd in ("CREATE", "SELECT", "DELETE", "SUBSCRIBE"):
        typ, data = m._simple_command(cmd, quoted)
        assert typ in ("NO", "BAD"), (cmd, name, data)
    typ, data = m._simple_command("STATUS", quoted, "(MESSAGES)")
    assert typ in ("NO", "BAD")
    m.logout()
    for root, dirs, files in os.walk(os.path.dirname(server.home)):
        assert "escape" not in dirs + files
    assert not os.path.exists(os.path.join(server.root, "b"))


def test_status(server):
    m = server.login()
    m.select()
    m.store("1", "+FLAGS", "(\\Seen)")
    typ, data = m.status("INBOX", "(MESSAGES UNSEEN UIDNEXT RECENT)")
    assert data == [b'"INBOX" (MESSAGES 3 UNSEEN 2 UIDNEXT 4 RECENT 3)']
    m.append("Trash", None, None, b"Subject: t\r\n\r\nt\r\n")
    typ, data = m.status("Trash", "(MESSAGES UIDVALIDITY)")
    assert re.match(rb'"Trash" \(MESSAGES 1 UIDVALIDITY \d+\)', data[0])
    typ, data = m.status("Nope", "(MESSAGES)")
    assert typ == "NO"
    m.logout()


def test_bad_commands_before_login_disconnect(server):
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    f = sock.makefile("rb")
    f.readline()
    for i in range(3):
        sock.sendall(b"x%d FOO\r\n" % i)
        assert f.readline() == (b"x%d BAD Error in IMAP command received "
                                b"by server.\r\n" % i)
    assert f.readline() == b"* BYE Too many invalid IMAP commands.\r\n"
    assert f.readline() == b""
    sock.close()


def test_huge_literal_before_login_is_refused(server):
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    f = sock.makefile("rb")
    f.readline()
    sock.sendall(b"a LOGIN {999999999}\r\n")
    reply = f.readline()
    assert reply.startswith(b"a NO [TOOBIG]") or reply.startswith(b"a BAD")
    sock.sendall(b"b NOOP\r\n")
    assert f.readline() == b"b OK NOOP completed.\r\n"
    sock.close()


# ---- ESEARCH and SORT


def test_esearch_return_options(server):
    m = server.login()
    m.select()
    typ, data = m._simple_command("SEARCH", "RETURN", "(MIN MAX COUNT ALL)",
                                  "ALL")
    typ, data = m._untagged_response(typ, data, "ESEARCH")
    # dovecot's order: ALL before COUNT
    assert re.match(rb'\(TAG "\w+"\) MIN 1 MAX 3 ALL 1:3 COUNT 3$', data[0])
    typ, data = m._simple_command("UID", "SEARCH", "RETURN", "()",
                                  "FROM", "nobody")
    typ, data = m._untagged_response(typ, data, "ESEARCH")
    assert re.match(rb'\(TAG "\w+"\) UID$', data[0])
    m.logout()


def test_sort(server):
    m = server.login()
    m.select()
    assert m.sort("(SUBJECT)", "UTF-8", "ALL")[1] == [b"1 3 2"]
    assert m.sort("(REVERSE SIZE)", "UTF-8", "ALL")[1] == [b"2 1 3"]
    assert m.sort("(FROM)", "UTF-8", "ALL")[1] == [b"1 2 3"]
    assert m.sort("(DATE)", "UTF-8", "NOT FROM bob")[1] == [b"1 3"]
    typ, data = m.uid("SORT", "(ARRIVAL)", "UTF-8", "ALL")
    assert data == [b"1 2 3"]
    m.logout()


def esearch(m, *args):
    typ, data = m._simple_command(*args)
    assert typ == "OK"
    return m._untagged_response(typ, data, "ESEARCH")[1]


def test_esort_gives_min_max_all_count_in_sort_order(server):
    m = server.login()
    m.select()
    assert b" ESORT " in m.capability()[1][0]
    imaplib.Commands.setdefault("SORT", ("SELECTED",))
    data = esearch(m, "SORT", "RETURN", "(MIN MAX COUNT ALL)", "(SUBJECT)",
                   "UTF-8", "ALL")
    # as dovecot: MIN and MAX are the first and last in sort order
    assert re.match(rb'\(TAG "\w+"\) MIN 1 MAX 2 ALL 1,3,2 COUNT 3$',
                    data[0])
    data = esearch(m, "UID", "SORT", "RETURN", "()", "(REVERSE SIZE)",
                   "UTF-8", "ALL")
    assert re.match(rb'\(TAG "\w+"\) UID ALL 2,1,3$', data[0])
    with pytest.raises(imaplib.IMAP4.error) as e:
        m._simple_command("SORT", "RETURN", "(BOGUS)", "(SIZE)", "UTF-8",
                          "ALL")
    assert "Unknown SEARCH return option" in str(e.value)
    m.logout()


def test_searchres_saves_a_result_for_dollar(server):
    m = server.login()
    m.select()
    assert b" SEARCHRES " in m.capability()[1][0]
    # SAVE alone answers no ESEARCH
    typ, data = m._simple_command("SEARCH", "RETURN", "(SAVE)", "NOT",
                                  "SUBJECT", "two")
    assert typ == "OK" and "ESEARCH" not in m.untagged_responses
    typ, data = m.fetch("$", "(UID)")
    assert data == [b"1 (UID 1)", b"3 (UID 3)"]
    assert m.search(None, "$")[1] == [b"1 3"]
    assert m.uid("SEARCH", "$ SUBJECT three")[1] == [b"3"]
    typ, data = m.store("$", "+FLAGS", "(\\Flagged)")
    assert typ == "OK"
    assert m.search(None, "FLAGGED")[1] == [b"1 3"]
    # SAVE with MIN alone keeps just the first
    data = esearch(m, "UID", "SEARCH", "RETURN", "(SAVE MIN)", "ALL")
    assert re.match(rb'\(TAG "\w+"\) UID MIN 1$', data[0])
    assert m.uid("FETCH", "$", "(UID)")[1] == [b"1 (UID 1)"]
    # a sorted result saved too; $ is by UID, so it follows an expunge
    imaplib.Commands.setdefault("SORT", ("SELECTED",))
    typ, data = m._simple_command("SORT", "RETURN", "(SAVE)",
                                  "(REVERSE SUBJECT)", "UTF-8", "ALL")
    assert typ == "OK"
    m.store("1", "+FLAGS", "(\\Deleted)")
    m.expunge()
    typ, data = m.fetch("$", "(UID)")
    assert data == [b"1 (UID 2)", b"2 (UID 3)"]
    # a new SELECT forgets it
    m.select()
    typ, data = m.fetch("$", "(UID)")
    assert typ == "OK" and data == [None]
    m.logout()


def test_thread_references_and_orderedsubject(server):
    server.deliver("Message-ID: <r1@x>\nIn-Reply-To: <one@example.com>\n"
                   "Subject: Re: one\n\nreply\n")
    m = server.login()
    m.select()
    typ, data = m.thread("REFERENCES", "UTF-8", "ALL")
    assert data == [b"(1 4)(2)(3)"]
    typ, data = m.thread("ORDEREDSUBJECT", "UTF-8", "ALL")
    assert data == [b"(1 4)(2)(3)"]
    typ, data = m.uid("THREAD", "REFERENCES", "UTF-8", "NOT SUBJECT two")
    assert data == [b"(1 4)(3)"]
    m.logout()


def test_multiappend_gives_a_uid_set(server):
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    f = sock.makefile("rb")
    f.readline()
    sock.sendall(b"a LOGIN joe secret\r\n")
    f.readline()
    sock.sendall(b"b APPEND Trash (\\Seen) {12+}\r\nSubject: x\r\n"
                 b" {12+}\r\nSubject: y\r\n\r\n")
    line = f.readline()
    assert re.match(rb"b OK \[APPENDUID \d+ 1:2\] Append completed\.", line)
    sock.sendall(b"c STATUS Trash (MESSAGES UNSEEN)\r\n")
    assert f.readline() == b'* STATUS "Trash" (MESSAGES 2 UNSEEN 1)\r\n'
    sock.close()


# ---- CONDSTORE


def test_condstore_modseqs_persist_and_guard_stores(server):
    m = server.login()
    typ, data = m._simple_command("ENABLE", "CONDSTORE")
    assert m._untagged_response(typ, data, "ENABLED")[1] == [b"CONDSTORE"]
    m.select()
    h0 = int(untagged(m, "HIGHESTMODSEQ")[0])
    typ, data = m.store("2", "+FLAGS", "(\\Flagged)")
    mod = int(re.search(rb"MODSEQ \((\d+)\)", data[0]).group(1))
    assert mod > h0
    typ, data = m.fetch("1:*", "(UID) (CHANGEDSINCE %d)" % h0)
    assert len(data) == 1 and data[0].startswith(b"2 (UID 2 MODSEQ")
    typ, data = m._simple_command("STORE", "1:2", "(UNCHANGEDSINCE %d)" % h0,
                                  "+FLAGS", "(\\Seen)")
    assert typ == "OK" and b"[MODIFIED 2]" in data[0]
    typ, data = m.search(None, "MODSEQ", str(mod))
    assert re.match(rb"2 1 \(MODSEQ \d+\)|1 2 \(MODSEQ \d+\)", data[0])
    m.logout()
    m = server.login()
    m.select()
    assert int(untagged(m, "HIGHESTMODSEQ")[0]) > mod
    typ, data = m.fetch("2", "(MODSEQ)")
    assert data == [b"2 (MODSEQ (%d))" % mod]
    typ, data = m.status("INBOX", "(HIGHESTMODSEQ)")
    assert re.match(rb'"INBOX" \(HIGHESTMODSEQ \d+\)', data[0])
    m.logout()


def qresync_session(server):
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    f = sock.makefile("rb")
    f.readline()

    def cmd(line):
        tag = line.split(b" ", 1)[0]
        sock.sendall(line + b"\r\n")
        out = []
        while True:
            r = f.readline()
            out.append(r)
            if r.startswith(tag + b" ") or not r:
                return out
    cmd(b"a LOGIN joe secret")
    return sock, cmd


def test_qresync_vanished_and_resync(server):
    sock, cmd = qresync_session(server)
    assert cmd(b"b ENABLE QRESYNC")[0] == b"* ENABLED QRESYNC\r\n"
    out = cmd(b"c SELECT INBOX")
    uv = int(re.search(rb"UIDVALIDITY (\d+)", b"".join(out)).group(1))
    h = int(re.search(rb"HIGHESTMODSEQ (\d+)", b"".join(out)).group(1))
    # another session changes a flag and expunges a message
    other = server.login()
    other.select()
    other.store("1", "+FLAGS", "(\\Flagged)")
    other.store("2", "+FLAGS", "(\\Deleted)")
    other.expunge()
    other.logout()
    out = cmd(b"d NOOP")
    assert b"* VANISHED 2\r\n" in out
    assert any(re.match(rb"\* 1 FETCH \(UID 1 FLAGS \(\\Flagged \\Recent\) "
                        rb"MODSEQ \(\d+\)\)", r) for r in out)
    out = cmd(b"e UID FETCH 1:* (FLAGS) (CHANGEDSINCE %d VANISHED)" % h)
    assert out[0] == b"* VANISHED (EARLIER) 2\r\n"
    cmd(b"f LOGOUT")
    sock.close()
    # a fresh session catches up in one SELECT
    sock, cmd = qresync_session(server)
    cmd(b"b ENABLE QRESYNC")
    out = cmd(b"c SELECT INBOX (QRESYNC (%d %d))" % (uv, h))
    assert b"* VANISHED (EARLIER) 2\r\n" in out
    assert any(re.match(rb"\* 1 FETCH \(UID 1 FLAGS \(\\Flagged\) MODSEQ",
                        r) for r in out)
    assert out[-1].startswith(b"c OK [READ-WRITE]")
    out = cmd(b"d SELECT INBOX")
    assert b"* OK [CLOSED] Previous mailbox closed.\r\n" in out
    sock.close()


def test_list_extended_and_list_status(server):
    m = server.login()
    m.create("Work/2026")
    m.subscribe("Work/2026")
    m.subscribe("Gone")
    typ, data = m._simple_command("LIST", "(SUBSCRIBED)", '""', '"*"')
    typ, data = m._untagged_response(typ, data, "LIST")
    assert b'(\\NonExistent \\Subscribed) "/" "Gone"' in data
    assert any(d.endswith(b'"Work/2026"') and b"\\Subscribed" in d
               for d in data)
    typ, data = m._simple_command("LIST", "(SUBSCRIBED RECURSIVEMATCH)",
                                  '""', '"%"')
    typ, data = m._untagged_response(typ, data, "LIST")
    assert any(d.endswith(b'"Work" (CHILDINFO ("SUBSCRIBED"))')
               for d in data)
    typ, data = m._simple_command("LIST", '""', '("INBOX" "Trash")',
                                  "RETURN", "(STATUS (MESSAGES UNSEEN))")
    assert typ == "OK"
    typ, st = m._untagged_response(typ, data, "STATUS")
    assert st == [b'"INBOX" (MESSAGES 3 UNSEEN 3)',
                  b'"Trash" (MESSAGES 0 UNSEEN 0)']
    with pytest.raises(imaplib.IMAP4.error):
        m._simple_command("LIST", "(RECURSIVEMATCH)", '""', '"*"')
    m.logout()


def test_within_older_younger(server):
    m = server.login()
    m.select()
    m.append("INBOX", None, None, b"Subject: new\r\n\r\nnew\r\n")
    typ, data = m.search(None, "YOUNGER", "3600")
    assert b"4" in data[0].split()
    typ, data = m.search(None, "OLDER", "1000000000")
    assert data == [b""]
    typ, data = m.search(None, "YOUNGER", "1000000000")
    assert data == [b"1 2 3 4"]
    m.logout()
