"""POP3 against bin/mailboxd on 127.0.0.1, driven by poplib.

Each test gets its own folder with a dovecot.conf, a passwd-file whose
users are the running uid (the no-root mode: the session keeps its uid),
an mbox or Maildir made by the test, and a run-time port.  The server runs
in the foreground and is stopped by its PID.
"""

import os
import poplib
import shutil
import socket
import ssl
import subprocess
import tempfile
import time

import pytest

from procs import MailboxdProc, free_port

BIN = os.environ.get("BIN") or os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))), "bin")
MAILBOXD = os.path.join(BIN, "mailboxd")

pytestmark = pytest.mark.skipif(not os.access(MAILBOXD, os.X_OK),
                                reason="no %s" % MAILBOXD)

MBOX = (
    "From alice@example.com Wed Nov 22 20:11:21 2026\n"
    "Subject: one\n"
    "\n"
    "line one\n"
    ".starts with a dot\n"
    "\n"
    "From bob@example.com Thu Nov 23 09:00:00 2026\n"
    "Subject: two\n"
    "X-Other: y\n"
    "\n"
    "a\n"
    "b\n"
    "c\n"
    "\n"
    "From carol@example.com Fri Nov 24 10:00:00 2026\n"
    "Subject: three\n"
    "\n"
    "third\n"
    "\n"
)


class Server(MailboxdProc):
    def __init__(self, root, extra="", ssl_mode="no", maildir=False):
        self.root = root
        self.port = free_port()
        self.sport = free_port() if ssl_mode != "no" else 0
        self.home = os.path.join(root, "home")
        os.makedirs(os.path.join(self.home, "mail"), exist_ok=True)
        self.spool = os.path.join(root, "spool")
        os.makedirs(self.spool, exist_ok=True)
        uid, gid = os.getuid(), os.getgid()
        with open(os.path.join(root, "passwd"), "w") as f:
            f.write("joe:{PLAIN}secret:%d:%d::%s::\n" % (uid, gid, self.home))
            f.write("ann:{SHA512-CRYPT}%s:%d:%d::%s::\n" % (
                "$6$abcdefgh$ltjgWl6579NluT/Vi1nwEvcil.G5Nbc4NiXZaNGStk8"
                "PSwGfQv72N2CKPPrVACtLtip/cZ/1GM/O6IND4WQhG.", uid, gid,
                self.home))
        loc = ("maildir:~/Maildir" if maildir else
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
        os.makedirs(os.path.join(root, "conf.d"), exist_ok=True)
        with open(os.path.join(root, "conf.d", "10-auth.conf"), "w") as f:
            f.write("auth_mechanisms = plain login\n"
                    "passdb {\n  driver = passwd-file\n"
                    "  args = scheme=CRYPT %s/passwd\n}\n"
                    "userdb {\n  driver = passwd-file\n"
                    "  args = %s/passwd\n}\n" % (root, root))
        self.conf = os.path.join(root, "dovecot.conf")
        with open(self.conf, "w") as f:
            f.write(
                "# made by test_pop3.py\n"
                "protocols = pop3\n"
                "listen = 127.0.0.1\n"
                "ssl = %s\n%s"
                "disable_plaintext_auth = no\n"
                "mail_location = %s\n"
                "first_valid_uid = 0\n"
                "login_greeting = Dovecot ready.\n"
                "auth_failure_delay = 200 msecs\n"
                "log_path = %s/mailboxd.log\n"
                "mail_privileged_group = mail\n"
                "!include conf.d/*.conf\n"
                "service pop3-login {\n"
                "  inet_listener pop3 {\n    port = %d\n  }\n"
                "  inet_listener pop3s {\n    port = %d\n    ssl = yes\n"
                "  }\n}\n%s" % (ssl_mode, ssl_conf, loc, root, self.port,
                               self.sport, extra))
        self.proc = None

    def pop(self):
        return poplib.POP3("127.0.0.1", self.port, timeout=10)

    def login(self, user="joe", pw="secret"):
        p = self.pop()
        p.user(user)
        p.pass_(pw)
        return p

    def mbox(self, user="joe"):
        return os.path.join(self.spool, user)

    def log(self):
        try:
            with open(os.path.join(self.root, "mailboxd.log")) as f:
                return f.read()
        except OSError:
            return ""


@pytest.fixture
def tmp():
    d = tempfile.mkdtemp(prefix="test_pop3.")
    os.chmod(d, 0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def server(tmp):
    s = Server(tmp)
    with open(s.mbox(), "w") as f:
        f.write(MBOX)
    s.start()
    yield s
    s.stop()


def test_greeting_and_capa_match_dovecot(server):
    p = server.pop()
    assert p.getwelcome() == b"+OK Dovecot ready."
    resp, caps, _ = p._longcmd("CAPA")
    assert resp == b"+OK"
    assert caps == [b"CAPA", b"TOP", b"UIDL", b"RESP-CODES", b"PIPELINING",
                    b"AUTH-RESP-CODE", b"USER", b"SASL PLAIN LOGIN"]
    assert p.quit() == b"+OK Logging out"


def test_user_pass_stat_list(server):
    p = server.login()
    count, size = p.stat()
    assert count == 3
    resp, lines, _ = p.list()
    assert resp == b"+OK 3 messages:"
    sizes = [int(x.split()[1]) for x in lines]
    assert sum(sizes) == size
    # "Subject: one\n\nline one\n.starts with a dot\n" with CRLF
    assert sizes[0] == 14 + 2 + 10 + 20
    assert p.list(2) == b"+OK 2 %d" % sizes[1]
    assert p.quit() == b"+OK Logging out."


def test_retr_hides_storage_headers_and_unstuffs(server):
    p = server.login()
    resp, lines, octets = p.retr(1)
    assert resp == b"+OK 46 octets"
    assert lines == [b"Subject: one", b"", b"line one", b".starts with a dot"]
    resp, lines, _ = p.retr(2)
    assert b"X-UID" not in b"".join(lines)
    assert b"Status" not in b"".join(lines)
    p.quit()


def test_uidl_is_dovecots_default_format_and_stable(server):
    p = server.login()
    resp, lines, _ = p.uidl()
    uidls = [x.split()[1].decode() for x in lines]
    p.quit()
    with open(server.mbox()) as f:
        text = f.read()
    base = [l for l in text.split("\n") if l.startswith("X-IMAPbase: ")][0]
    uv = int(base.split()[1])
    assert uidls == ["%08x%08x" % (i, uv) for i in (1, 2, 3)]
    assert base.split()[2] == "0000000003"     # last UID
    p = server.login()
    assert [x.split()[1].decode() for x in p.uidl()[1]] == uidls
    assert p.uidl(3) == ("+OK 3 " + uidls[2]).encode()
    p.quit()


def test_top_gives_headers_and_n_lines(server):
    p = server.login()
    resp, lines, _ = p.top(2, 2)
    assert resp == b"+OK"
    assert lines == [b"Subject: two", b"X-Other: y", b"", b"a", b"b"]
    resp, lines, _ = p.top(2, 0)
    assert lines == [b"Subject: two", b"X-Other: y", b""]
    p.quit()


def test_dele_rset_and_quit_expunges(server):
    p = server.login()
    uidls = p.uidl()[1]
    assert p.dele(1) == b"+OK Marked to be deleted."
    with pytest.raises(poplib.error_proto, match="Message is deleted"):
        p.retr(1)
    assert p.stat()[0] == 2
    assert p.rset() == b"+OK"
    assert p.stat()[0] == 3
    p.dele(2)
    p.quit()
    p = server.login()
    assert p.stat()[0] == 2
    assert p.uidl()[1] == [b"1 " + uidls[0].split()[1],
                           b"2 " + uidls[2].split()[1]]
    p.quit()
    with open(server.mbox()) as f:
        assert "Subject: two" not in f.read()


def test_drop_without_quit_expunges_nothing(server):
    p = server.login()
    p.dele(1)
    p.sock.close()
    time.sleep(0.3)
    p = server.login()
    assert p.stat()[0] == 3
    p.quit()


def test_bad_numbers_get_err(server):
    p = server.login()
    for cmd, want in ((b"RETR 0", b"-ERR There's no message 0."),
                      (b"RETR 99999", b"-ERR There's no message 99999."),
                      (b"RETR -1", b"-ERR Invalid message number: -1"),
                      (b"RETR 4294967296",
                       b"-ERR Invalid message number: 4294967296"),
                      (b"RETR abc", b"-ERR Invalid message number: abc"),
                      (b"TOP 1 -1", b"-ERR Invalid size: -1")):
        p._putcmd(cmd.decode())
        assert p._getline()[0] == want
    assert p.noop() == b"+OK"
    p.quit()


def test_wrong_password_and_unknown_user_look_alike(server):
    replies = []
    for user, pw in (("joe", "wrong"), ("nosuch", "secret")):
        p = server.pop()
        assert p.user(user) == b"+OK"
        t = time.time()
        with pytest.raises(poplib.error_proto) as e:
            p.pass_(pw)
        assert time.time() - t >= 0.19      # auth_failure_delay
        replies.append(e.value.args[0])
        p.quit()
    assert replies == [b"-ERR [AUTH] Authentication failed."] * 2
    time.sleep(0.2)
    assert ("pop3-login: Info: Disconnected: Aborted login by logging out "
            "(auth failed, 1 attempts in " in server.log())
    assert "rip=127.0.0.1" in server.log()


def test_sha512_crypt_user_and_auth_plain(server):
    p = server.login("ann", "secret")
    assert p.stat()[0] == 0     # ann has no spool file
    p.quit()
    p = server.pop()
    import base64
    ir = base64.b64encode(b"\0joe\0secret").decode()
    p._putcmd("AUTH PLAIN " + ir)
    assert p._getline()[0] == b"+OK Logged in."
    p.quit()


def test_commands_before_login_are_unknown(server):
    p = server.pop()
    p._putcmd("STAT")
    assert p._getline()[0] == b"-ERR Unknown command."
    p._putcmd("PASS x")
    assert p._getline()[0] == b"-ERR No username given."
    p.quit()


def test_second_session_gets_in_use(tmp):
    s = Server(tmp, extra="protocol pop3 {\n  pop3_lock_session = yes\n}\n")
    with open(s.mbox(), "w") as f:
        f.write(MBOX)
    s.start()
    try:
        p1 = s.login()
        p2 = s.pop()
        p2.user("joe")
        with pytest.raises(poplib.error_proto,
                           match=r"-ERR \[IN-USE\] "):
            p2.pass_("secret")
        p1.quit()
        p2 = s.login()
        assert p2.stat()[0] == 3
        p2.quit()
    finally:
        s.stop()


def test_maildir(tmp):
    s = Server(tmp, maildir=True)
    md = os.path.join(s.home, "Maildir")
    for d in ("new", "cur", "tmp"):
        os.makedirs(os.path.join(md, d))
    with open(os.path.join(md, "new", "1700000000.M1P1.h"), "w") as f:
        f.write("Subject: a\n\nbody\n")
    with open(os.path.join(md, "cur", "1700000001.M2P1.h:2,S"), "w") as f:
        f.write("Subject: b\n\nbody\n")
    s.start()
    try:
        p = s.login()
        assert p.stat() == (2, 40)
        uidls = [x.split()[1] for x in p.uidl()[1]]
        p.dele(1)
        p.quit()
        with open(os.path.join(md, "dovecot-uidlist")) as f:
            head = f.readline().split()
        uv = int(head[1][1:])
        assert uidls == [b"%08x%08x" % (i, uv) for i in (1, 2)]
        p = s.login()
        assert [x.split()[1] for x in p.uidl()[1]] == [uidls[1]]
        p.quit()
    finally:
        s.stop()


def test_stls_and_pop3s(tmp):
    s = Server(tmp, ssl_mode="yes")
    with open(s.mbox(), "w") as f:
        f.write(MBOX)
    s.start()
    try:
        ctx = ssl.create_default_context(cafile=s.cert)
        ctx.check_hostname = False
        p = s.pop()
        caps = p.capa()
        assert "STLS" in caps
        assert p.stls(ctx).startswith(b"+OK Begin TLS")
        assert "STLS" not in p.capa()
        p.user("joe")
        p.pass_("secret")
        assert p.stat()[0] == 3
        p.quit()
        p = poplib.POP3_SSL("127.0.0.1", s.sport, context=ctx, timeout=10)
        assert p.getwelcome() == b"+OK Dovecot ready."
        assert "STLS" not in p.capa()
        p.user("joe")
        p.pass_("secret")
        p.quit()
    finally:
        s.stop()


def test_stls_discards_pipelined_commands(tmp):
    s = Server(tmp, ssl_mode="yes")
    s.start()
    try:
        c = socket.create_connection(("127.0.0.1", s.port), timeout=10)
        f = c.makefile("rb")
        assert f.readline().startswith(b"+OK")
        c.sendall(b"STLS\r\nUSER joe\r\n")
        assert f.readline().startswith(b"+OK Begin TLS")
        ctx = ssl.create_default_context(cafile=s.cert)
        ctx.check_hostname = False
        t = ctx.wrap_socket(c)
        t.sendall(b"PASS secret\r\n")
        assert t.recv(1000).startswith(b"-ERR No username given.")
        t.close()
    finally:
        s.stop()


def test_ssl_required_refuses_plaintext(tmp):
    s = Server(tmp, ssl_mode="required")
    s.start()
    try:
        # from 127.0.0.2: not the server's address, so not "secured"
        p = poplib.POP3.__new__(poplib.POP3)
        p.host, p.port, p._tls_established = "127.0.0.1", s.port, False
        p.encoding = "UTF-8"
        p.sock = socket.create_connection(("127.0.0.1", s.port), 10,
                                          source_address=("127.0.0.2", 0))
        p.file = p.sock.makefile("rb")
        p._debugging = 0
        p.welcome = p._getresp()
        caps = p.capa()
        assert "USER" not in caps and "STLS" in caps
        with pytest.raises(poplib.error_proto,
                           match=r"-ERR \[AUTH\] Plaintext authentication "
                                 r"disallowed on non-secure"):
            p.user("joe")
        p.quit()
    finally:
        s.stop()


def test_config_print_and_errors(tmp):
    s = Server(tmp, extra="mail_plugins = quota\nnamespace inbox {\n"
                          "  inbox = yes\n}\n")
    out = subprocess.run([MAILBOXD, "-n", "-c", s.conf],
                         stdout=subprocess.PIPE, check=True).stdout.decode()
    assert "protocols = pop3\n" in out
    assert "passdb {\n  args = scheme=CRYPT" in out
    assert "mail_plugins" in out.split("\n")[1]      # listed as ignored
    bad = os.path.join(tmp, "bad.conf")
    with open(bad, "w") as f:
        f.write("protocols = pop3\nthis is wrong\n")
    r = subprocess.run([MAILBOXD, "-n", "-c", bad], stderr=subprocess.PIPE)
    assert r.returncode == 78
    assert ("%s line 2" % bad) in r.stderr.decode()
    # the running server says once which settings it ignores
    s.start()
    s.stop()
    err = s.proc.stderr
    assert err.closed


def test_auth_check_mode(tmp):
    s = Server(tmp)
    r = subprocess.run([MAILBOXD, "-c", s.conf, "-a", "ANN"],
                       input=b"secret\n", stdout=subprocess.PIPE)
    assert r.returncode == 0 and b"auth succeeded" in r.stdout
    r = subprocess.run([MAILBOXD, "-c", s.conf, "-a", "ann"],
                       input=b"nope\n", stdout=subprocess.PIPE)
    assert r.returncode == 77
    # no line at all is an empty password: getline's buffer was read
    # without a terminator (ASan: heap-buffer-overflow; scan-build)
    r = subprocess.run([MAILBOXD, "-c", s.conf, "-a", "ann"],
                       input=b"", stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    assert r.returncode == 77 and b"auth failed" in r.stdout, r.stderr


SCHEMES = [
    ("{PLAIN}secret", True),
    ("{PLAIN}secreT", False),
    ("{CLEARTEXT}secret", True),
    ("{SHA512-CRYPT}$6$abcdefgh$ltjgWl6579NluT/Vi1nwEvcil.G5Nbc4NiXZaNGStk8"
     "PSwGfQv72N2CKPPrVACtLtip/cZ/1GM/O6IND4WQhG.", True),
    ("$6$abcdefgh$ltjgWl6579NluT/Vi1nwEvcil.G5Nbc4NiXZaNGStk8PSwGfQv72N2CK"
     "PPrVACtLtip/cZ/1GM/O6IND4WQhG.", True),           # default CRYPT
    ("{MD5-CRYPT}$1$xy$mkJt1Ht8AivD6sawHd.Cf1", True),
    ("{CRYPT}$1$xy$mkJt1Ht8AivD6sawHd.Cf0", False),
    ("{SHA256}K7gNU3sdo+OL0wNhqoVWhr3g6s1xYv72ol/pe/Unols=", True),
    ("{SSHA256}lXT7qF+fT7OVoVlwD0tMd02E1ak2dLDbk993wZxIM65zYWx0MTIzNA==",
     True),
    ("{PLAIN-MD5}5ebe2294ecd0e0f08eab7690d2a6ee69", True),
    ("{SSHA256}!!!", False),
    ("{NOSUCH}secret", False),
]


@pytest.mark.parametrize("stored,ok", SCHEMES)
def test_password_schemes(tmp, stored, ok):
    s = Server(tmp)
    with open(os.path.join(tmp, "passwd"), "w") as f:
        f.write("joe:%s:%d:%d::/h::\n" % (stored, os.getuid(), os.getgid()))
    r = subprocess.run([MAILBOXD, "-c", s.conf, "-a", "joe"],
                       input=b"secret\n", stdout=subprocess.PIPE)
    assert (r.returncode == 0) == ok, r.stdout


def raw(server, data, lines):
    c = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    f = c.makefile("rb")
    f.readline()
    c.sendall(data)
    got = [f.readline() for _ in range(lines)]
    c.close()
    return got


def test_pipelined_commands_in_one_write(server):
    got = raw(server, b"USER joe\r\nPASS secret\r\nSTAT\r\nNOOP\r\nQUIT\r\n",
              5)
    assert got == [b"+OK\r\n", b"+OK Logged in.\r\n", b"+OK 3 108\r\n",
                   b"+OK\r\n", b"+OK Logging out.\r\n"]


def test_overlong_line_and_nul_are_refused(server):
    # 64 KiB: far over the 8 KiB limit, yet all of it fits in the socket
    # buffers, so the server's close cannot reset our write half-way
    got = raw(server, b"USER " + b"x" * (1 << 16) + b"\r\n", 1)
    assert got == [b"-ERR Input line too long.\r\n"]
    got = raw(server, b"USER a\0b\r\nQUIT\r\n", 2)
    assert got == [b"-ERR Unknown command.\r\n", b"+OK Logging out\r\n"]


def test_unreadable_mailbox_is_a_temporary_error(tmp):
    s = Server(tmp)
    with open(s.mbox(), "w") as f:
        f.write("not an mbox\n")
    s.start()
    try:
        p = s.pop()
        p.user("joe")
        with pytest.raises(poplib.error_proto,
                           match=r"-ERR \[SYS/TEMP\] Couldn't open INBOX"):
            p.pass_("secret")
    finally:
        s.stop()
    assert "not an mbox file" in s.log()


def test_user_names_cannot_forge_log_fields(server):
    p = server.pop()
    p.user("x>, method=PLAIN, rip=10.9.8.7, lip=1.1.1.1")
    with pytest.raises(poplib.error_proto):
        p.pass_("nope")
    p.quit()
    time.sleep(0.3)
    log = server.log()
    assert "rip=10.9.8.7" not in log and "rip=127.0.0.1" in log
    assert "user=<x??" in log
