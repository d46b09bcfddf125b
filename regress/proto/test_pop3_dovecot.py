"""Differential POP3: the same mailbox served by dovecot 2.3 and by
mailboxd, one after the other, must give the same replies and UIDL lists
(so a POP3 client that leaves mail on the server re-downloads nothing
after a switch in either direction).

Dovecot is never installed: its Debian packages are fetched with
`apt-get download` into regress/.cache/dovecot, unpacked with `dpkg -x`,
and run in a private mount namespace with the unpacked /usr overlaid on
the real one (its helper paths are compiled in).  That needs root; the
tests are skipped with the reason otherwise.  Both servers read one
dovecot.conf text (only the port differs) and run sessions as the
`nobody` user, so mailboxd's uid change after login is exercised too.
"""

import os
import poplib
import pwd
import grp
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
BIN = os.environ.get("BIN") or os.path.join(REPO, "bin")
MAILBOXD = os.path.join(BIN, "mailboxd")
CACHE = os.path.join(REPO, "regress", ".cache", "dovecot")
TREE = os.path.join(CACHE, "root")
DOVECOT = os.path.join(TREE, "usr", "sbin", "dovecot")

MBOX = (
    "From alice@example.com Wed Nov 22 20:11:21 2026\n"
    "Subject: one\n"
    "\n"
    "line one\n"
    ".starts with a dot\n"
    "From me in a body line\n"
    "\n"
    "From bob@example.com Thu Nov 23 09:00:00 2026\n"
    "Subject: two\n"
    "X-Other: y\n"
    "Content-Length: 6\n"
    "\n"
    "a\n"
    "b\n"
    "c\n"
    "\n"
    "From carol@example.com Fri Nov 24 10:00:00 2026\n"
    "Subject: three\r\n"
    "\r\n"
    "crlf body\r\n"
    "\n"
    "From dave@example.com Sat Nov 25 10:00:00 2026\n"
    "Subject: four\n"
    "\n"
    "no final newline"
)


def _prepare():
    """The unpacked dovecot tree, or a reason it is not there."""
    if os.geteuid() != 0:
        return "needs root (overlay mount in a private namespace, setuid)"
    if not os.access(MAILBOXD, os.X_OK):
        return "no %s" % MAILBOXD
    if not os.path.exists(DOVECOT):
        os.makedirs(CACHE, exist_ok=True)
        try:
            r = subprocess.run(["apt-get", "download", "dovecot-core",
                                "dovecot-pop3d"], cwd=CACHE, timeout=300,
                               stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)
        except (OSError, subprocess.TimeoutExpired) as e:
            return "apt-get download dovecot failed: %s" % e
        debs = [f for f in os.listdir(CACHE) if f.endswith(".deb")]
        if r.returncode != 0 or len(debs) < 2:
            return "apt-get download dovecot failed: %s" % \
                r.stdout.decode(errors="replace")[-300:]
        for d in debs:
            subprocess.run(["dpkg", "-x", os.path.join(CACHE, d), TREE],
                           check=True)
    try:
        r = subprocess.run(
            ["unshare", "-m", "sh", "-c",
             "mount -t overlay overlay -o lowerdir=%s/usr:/usr /usr && "
             "exec /usr/sbin/dovecot --version" % TREE],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as e:
        return "cannot run dovecot from %s: %s" % (TREE, e)
    if r.returncode != 0 or not r.stdout.startswith(b"2.3"):
        return "cannot run dovecot from %s: %s" % (
            TREE, r.stdout.decode(errors="replace")[-300:])
    return None


REASON = _prepare()
pytestmark = pytest.mark.skipif(REASON is not None, reason=str(REASON))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, proc, what):
    deadline = time.time() + 15
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError("%s exited: %s" % (
                    what, proc.stdout.read().decode(errors="replace")))
            time.sleep(0.05)
    raise RuntimeError("%s did not listen on %d" % (what, port))


class Pair:
    """A user `joe` (uid of nobody), a spool, and a config per server."""

    def __init__(self, root, maildir=False, extra=""):
        self.root = root
        self.extra = extra
        nobody = pwd.getpwnam("nobody")
        self.uid, self.gid = nobody.pw_uid, nobody.pw_gid
        self.home = os.path.join(root, "home")
        self.spool = os.path.join(root, "spool")
        for d in (self.home, os.path.join(self.home, "mail"), self.spool,
                  os.path.join(root, "run"), os.path.join(root, "state")):
            os.makedirs(d, exist_ok=True)
        with open(os.path.join(root, "passwd"), "w") as f:
            f.write("joe:{PLAIN}secret:%d:%d::%s::\n" %
                    (self.uid, self.gid, self.home))
        os.chmod(os.path.join(root, "passwd"), 0o644)
        self.loc = ("maildir:~/Maildir" if maildir else
                    "mbox:~/mail:INBOX=%s/%%u" % self.spool)
        self.procs = []
        self.protocol = "pop3"      # or "imap" (regress/hostile/brute.py)

    def conf(self, name, port):
        group = grp.getgrgid(self.gid).gr_name
        path = os.path.join(self.root, name + ".conf")
        with open(path, "w") as f:
            f.write(
                "protocols = %(proto)s\n"
                "listen = 127.0.0.1\n"
                "base_dir = %(r)s/run/%(n)s\n"
                "state_dir = %(r)s/state\n"
                "default_internal_user = nobody\n"
                "default_login_user = nobody\n"
                "default_internal_group = %(g)s\n"
                "%(extra)s"
                "auth_mechanisms = plain login\n"
                "passdb {\n  driver = passwd-file\n"
                "  args = scheme=CRYPT %(r)s/passwd\n}\n"
                "userdb {\n  driver = passwd-file\n"
                "  args = %(r)s/passwd\n}\n"
                "mail_location = %(loc)s\n"
                "first_valid_uid = 0\n"
                "log_path = %(r)s/%(n)s.log\n"
                "login_greeting = Dovecot ready.\n"
                "service %(proto)s-login {\n"
                "  inet_listener %(proto)s {\n    port = %(p)d\n  }\n"
                "  inet_listener %(proto)ss {\n    port = 0\n  }\n}\n" %
                {"r": self.root, "n": name, "g": group, "loc": self.loc,
                 "p": port, "proto": self.protocol,
                 "extra": self.extra or
                 "ssl = no\ndisable_plaintext_auth = no\n"})
        return path

    def own(self):
        debian = getattr(self, "debian_spool", False)
        for d, dirs, files in os.walk(self.root):
            for x in dirs + files:
                p = os.path.join(d, x)
                if p.startswith(self.spool) and debian:
                    # mail.local's user:mail 0660 spool files
                    os.chown(p, self.uid, grp.getgrnam("mail").gr_gid)
                elif p.startswith((self.home, self.spool)):
                    os.chown(p, self.uid, self.gid)
        os.chown(self.home, self.uid, self.gid)
        if getattr(self, "debian_spool", False):
            # Debian's /var/mail: root:mail 2775, users not in group mail
            os.chown(self.spool, 0, grp.getgrnam("mail").gr_gid)
            os.chmod(self.spool, 0o2775)
        else:
            os.chown(self.spool, self.uid, self.gid)

    def run(self, which, script):
        port = free_port()
        conf = self.conf(which, port)
        self.own()
        if which == "dovecot":
            argv = ["unshare", "-m", "sh", "-c",
                    "mount -t overlay overlay -o lowerdir=%s/usr:/usr /usr "
                    "&& exec /usr/sbin/dovecot -F -c %s" % (TREE, conf)]
        else:
            argv = [MAILBOXD, "-F", "-c", conf]
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT)
        try:
            wait_port(port, proc, which)
            return script(port)
        finally:
            os.kill(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()
            proc.stdout.close()
            time.sleep(0.2)     # dovecot's children leave after the master


def transcript(port):
    """Replies to a fixed session, as lines."""
    out = []
    c = socket.create_connection(("127.0.0.1", port), timeout=10)
    f = c.makefile("rb")

    def line():
        return f.readline().rstrip(b"\r\n")

    def multi():
        got = [line()]
        if got[0].startswith(b"+OK"):
            while got[-1] != b".":
                got.append(line())
        return got

    out.append(line())
    for cmd, is_multi in (
            (b"CAPA", True), (b"USER joe", False), (b"PASS secret", False),
            (b"STAT", False), (b"LIST", True), (b"UIDL", True),
            (b"LIST 2", False), (b"UIDL 4", False), (b"RETR 1", True),
            (b"RETR 2", True), (b"RETR 3", True), (b"RETR 4", True),
            (b"TOP 2 1", True), (b"TOP 1 0", True), (b"RETR 0", False),
            (b"RETR 99", False), (b"RETR abc", False),
            (b"TOP 1 -1", False), (b"DELE 1", False), (b"RETR 1", False),
            (b"DELE 1", False), (b"STAT", False), (b"LIST", True),
            (b"RSET", False), (b"NOOP", False), (b"FOO", False),
            (b"QUIT", False)):
        c.sendall(cmd + b"\r\n")
        out.append(b"C: " + cmd)
        out += multi() if is_multi else [line()]
    c.close()
    return out


def uidls(port, dele=()):
    p = poplib.POP3("127.0.0.1", port, timeout=10)
    p.user("joe")
    p.pass_("secret")
    got = [(x.split()[1], int(y.split()[1])) for x, y in
           zip(p.uidl()[1], p.list()[1])]
    for n in dele:
        p.dele(n)
    p.quit()
    return got


@pytest.fixture
def tmp():
    d = tempfile.mkdtemp(prefix="test_pop3_dovecot.")
    os.chmod(d, 0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def write_mbox(pair):
    with open(os.path.join(pair.spool, "joe"), "w", newline="") as f:
        f.write(MBOX)


def test_same_session_replies_on_a_dovecot_mbox(tmp):
    pair = Pair(tmp)
    write_mbox(pair)
    theirs = pair.run("dovecot", transcript)
    ours = pair.run("mailboxd", transcript)
    assert ours == theirs


def test_same_session_replies_on_a_mailboxd_mbox(tmp):
    pair = Pair(tmp)
    write_mbox(pair)
    ours = pair.run("mailboxd", transcript)
    theirs = pair.run("dovecot", transcript)
    assert ours == theirs


def test_uidls_survive_switching_both_ways_with_deletes(tmp):
    pair = Pair(tmp)
    write_mbox(pair)
    first = pair.run("dovecot", uidls)
    assert pair.run("mailboxd", lambda p: uidls(p, dele=(2,))) == first
    after = pair.run("dovecot", lambda p: uidls(p, dele=(1,)))
    assert after == [first[0], first[2], first[3]]
    assert pair.run("mailboxd", uidls) == [first[2], first[3]]


def test_maildir_uidls_match_both_ways(tmp):
    pair = Pair(tmp, maildir=True)
    md = os.path.join(pair.home, "Maildir")
    for d in ("new", "cur", "tmp"):
        os.makedirs(os.path.join(md, d))
    for i, (sub, name) in enumerate((("new", "1700000000.M1P1.h"),
                                     ("cur", "1700000001.M2P1.h:2,S"),
                                     ("new", "1700000002.M3P1.h"))):
        with open(os.path.join(md, sub, name), "w") as f:
            f.write("Subject: m%d\n\nbody %d\n" % (i, i))
    first = pair.run("dovecot", uidls)
    assert pair.run("mailboxd", lambda p: uidls(p, dele=(1,))) == first
    with open(os.path.join(md, "new", "1700000009.M9P1.h"), "w") as f:
        f.write("Subject: late\n\nlate\n")
    theirs = pair.run("dovecot", uidls)
    assert theirs[:2] == first[1:]
    assert pair.run("mailboxd", uidls) == theirs


def insecure_transcript(port):
    """A client on 127.0.0.2 (not the server's address: not secured)."""
    c = socket.create_connection(("127.0.0.1", port), timeout=10,
                                 source_address=("127.0.0.2", 0))
    f = c.makefile("rb")
    out = [f.readline()]
    for cmd, n in ((b"CAPA", 0), (b"USER joe", 1), (b"PASS secret", 1),
                   (b"AUTH", 0), (b"AUTH PLAIN", 1), (b"STLS", 1),
                   (b"QUIT", 1)):
        c.sendall(cmd + b"\r\n")
        out.append(b"C: " + cmd)
        line = f.readline()
        out.append(line)
        if n == 0 and line.startswith(b"+OK"):
            while line != b".\r\n":
                line = f.readline()
                out.append(line)
    c.close()
    return out


def test_same_replies_to_plaintext_from_an_insecure_address(tmp):
    pair = Pair(tmp, extra="ssl = no\ndisable_plaintext_auth = yes\n")
    write_mbox(pair)
    theirs = pair.run("dovecot", insecure_transcript)
    ours = pair.run("mailboxd", insecure_transcript)
    assert ours == theirs


def loopback_transcript(port):
    """CAPA, then plaintext and STLS from 127.0.0.1 (secured, not TLS)."""
    c = socket.create_connection(("127.0.0.1", port), timeout=10)
    f = c.makefile("rb")
    out = [f.readline()]
    for cmd, n in ((b"CAPA", 0), (b"USER joe", 1), (b"PASS secret", 1),
                   (b"STAT", 1), (b"QUIT", 1)):
        c.sendall(cmd + b"\r\n")
        out.append(b"C: " + cmd)
        line = f.readline()
        out.append(line)
        if n == 0 and line.startswith(b"+OK"):
            while line != b".\r\n":
                line = f.readline()
                out.append(line)
    c.close()
    return out


def test_same_replies_with_ssl_required(tmp):
    cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                    "-nodes", "-keyout", key, "-out", cert, "-days", "2",
                    "-subj", "/CN=localhost"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    pair = Pair(tmp, extra="ssl = required\nssl_cert = <%s\n"
                           "ssl_key = <%s\n" % (cert, key))
    write_mbox(pair)
    theirs = pair.run("dovecot", loopback_transcript)
    ours = pair.run("mailboxd", loopback_transcript)
    assert ours == theirs


@pytest.mark.skipif(REASON is None and not any(
    g.gr_name == "mail" for g in grp.getgrall()), reason="no group mail")
def test_root_mail_spool_needs_mail_privileged_group(tmp):
    pair = Pair(tmp, extra="ssl = no\ndisable_plaintext_auth = no\n"
                           "mail_privileged_group = mail\n")
    pair.debian_spool = True
    write_mbox(pair)
    os.chmod(os.path.join(pair.spool, "joe"), 0o660)
    first = pair.run("dovecot", lambda p: uidls(p, dele=(1,)))
    assert pair.run("mailboxd", lambda p: uidls(p, dele=(1,))) == first[1:]
    # our rewrite kept owner, group and mode, and left nothing behind
    st = os.stat(os.path.join(pair.spool, "joe"))
    assert (st.st_uid, st.st_gid, st.st_mode & 0o777) == \
        (pair.uid, grp.getgrnam("mail").gr_gid, 0o660)
    assert sorted(os.listdir(pair.spool)) == ["joe"]
    assert pair.run("dovecot", uidls) == first[2:]


def test_debian_stock_config_reads_like_doveconf():
    """Debian's shipped dovecot.conf and conf.d, unchanged."""
    conf = os.path.join(TREE, "usr", "share", "dovecot", "dovecot.conf")
    r = subprocess.run([MAILBOXD, "-n", "-c", conf], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    assert r.returncode == 0, r.stderr
    out = r.stdout.decode()
    for line in ("mail_location = mbox:~/mail:INBOX=/var/mail/%u\n",
                 "mail_privileged_group = mail\n",
                 "passdb {\n  driver = pam\n}\n",
                 "userdb {\n  driver = passwd\n}\n",
                 '  mailbox "Sent Messages" {\n    special_use = \\Sent\n'):
        assert line in out
    assert "service pop3 {" not in out      # empty sections left out
    assert out.count("\nnamespace inbox {\n") == 1
