"""`make run`'s instance: regress/run/instance.sh lays it out in a
temporary folder on run-time ports and starts sendmail -bd and mailboxd.

Checked: the layout (cf compiled from the .mc, maps and aliases.db built),
one message sent with smtplib is delivered into the INBOX at once, the
printed user and password log in over POP3 and IMAP, a second start keeps
the files (password, an edited alias) and restarts both daemons, and
`instance.sh stop` ends every process named in the folder's *.pid files
(the test kills whatever is left by the same PIDs).
"""

import glob
import imaplib
import os
import poplib
import re
import shutil
import signal
import smtplib
import socket
import subprocess
import tempfile
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
BIN = os.environ.get("BIN") or os.path.join(REPO, "bin")
SCRIPT = os.path.join(REPO, "regress", "run", "instance.sh")
SENDMAIL = os.path.join(BIN, "sendmail")

pytestmark = pytest.mark.skipif(
    not all(os.access(os.path.join(BIN, p), os.X_OK)
            for p in ("sendmail", "makemap", "mailboxd")) or
    shutil.which("m4") is None or shutil.which("bash") is None,
    reason="needs bin/sendmail, makemap, mailboxd, m4 and bash")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def alive(pid):
    """True while pid runs (a zombie waiting for its reaper is gone)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


class Instance:
    def __init__(self, root):
        self.dir = os.path.join(root, "run")
        self.cf = os.path.join(self.dir, "etc", "mail", "sendmail.cf")
        self.smtp = free_port()
        self.imap = free_port()
        self.pop3 = free_port()
        self.env = dict(os.environ, BIN=BIN, SMTP_PORT=str(self.smtp),
                        IMAP_PORT=str(self.imap), POP3_PORT=str(self.pop3))
        self.seen = set()       # every PID a pid file named

    def script(self, cmd):
        p = subprocess.run(["bash", SCRIPT, cmd, self.dir], env=self.env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=120)
        out = p.stdout.decode("utf-8", "replace")
        assert p.returncode == 0, out
        return out

    def start(self):
        out = self.script("start")
        m = re.search(r"login: user (\S+)  password (\S+)", out)
        assert m, out
        self.user, self.password = m.group(1), m.group(2)
        pids = self.pids()
        assert set(pids) == {"sendmail", "mailboxd"}, out
        self.seen.update(pids.values())
        return out

    def pids(self):
        found = {}
        for f in glob.glob(os.path.join(self.dir, "*.pid")):
            with open(f) as fh:
                first = fh.readline().strip()
            if first.isdigit():
                found[os.path.basename(f)[:-4]] = int(first)
        return found

    def kill_all(self):
        """Whatever a pid file named and still runs: TERM, then KILL."""
        self.seen.update(self.pids().values())
        for pid in self.seen:
            if alive(pid):
                os.kill(pid, signal.SIGTERM)
        deadline = time.time() + 5
        for pid in self.seen:
            while alive(pid) and time.time() < deadline:
                time.sleep(0.05)
            if alive(pid):
                os.kill(pid, signal.SIGKILL)

    def mailq(self):
        p = subprocess.run([SENDMAIL, "-C", self.cf, "-bp"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=30)
        assert p.returncode == 0, p.stderr
        return p.stdout.decode("latin1")


@pytest.fixture
def inst():
    # not below the repository: the folder's path must be one the script
    # accepts (letters, digits, . _ - + /)
    root = tempfile.mkdtemp(prefix="test_make_run.")
    i = Instance(root)
    yield i
    i.kill_all()
    shutil.rmtree(root, ignore_errors=True)


def test_send_queue_login_stop(inst):
    inst.start()
    etc = os.path.join(inst.dir, "etc", "mail")
    for f in ("sendmail.mc", "sendmail.cf", "access.db", "virtusertable.db",
              "mailertable.db", "aliases.db", "local-host-names"):
        assert os.path.exists(os.path.join(etc, f)), f
    with open(inst.cf) as f:
        cf = f.read()
    assert "Port=%d, Addr=127.0.0.1" % inst.smtp in cf
    assert "O QueueDirectory=%s/spool/mqueue" % inst.dir in cf

    s = smtplib.SMTP("127.0.0.1", inst.smtp, timeout=20)
    assert s.ehlo("client.example.net")[0] == 250
    assert s.mail("sender@example.org")[0] == 250
    assert s.rcpt("%s@localhost" % inst.user)[0] == 250
    code, msg = s.data(b"From: sender@example.org\r\n"
                       b"To: %s@localhost\r\n"
                       b"Subject: make run\r\n\r\nhello\r\n" %
                       inst.user.encode())
    s.quit()
    assert code == 250, msg
    m = re.search(rb"2\.0\.0 (\S+) Message accepted", msg)
    assert m, msg
    qid = m.group(1).decode()
    # delivered at once by the instance's mail.local into the INBOX
    mbox = os.path.join(inst.dir, "mail", inst.user)
    deadline = time.time() + 10
    while time.time() < deadline and b"Subject: make run" not in \
            open(mbox, "rb").read():
        time.sleep(0.05)
    with open(mbox, "rb") as f:
        assert b"Subject: make run\n" in f.read()
    assert "is empty" in inst.mailq()

    p = poplib.POP3("127.0.0.1", inst.pop3, timeout=20)
    p.user(inst.user)
    assert p.pass_(inst.password).startswith(b"+OK")
    assert p.stat()[0] == 1
    assert b"Subject: make run" in b"\n".join(p.retr(1)[1])
    p.quit()
    c = imaplib.IMAP4("127.0.0.1", inst.imap, timeout=20)
    assert c.login(inst.user, inst.password)[0] == "OK"
    assert c.select("INBOX")[0] == "OK"
    c.logout()

    pids = inst.pids()
    out = inst.script("stop")
    for name, pid in pids.items():
        assert "stopped %s (pid %d)" % (name, pid) in out, out
        deadline = time.time() + 5
        while alive(pid) and time.time() < deadline:
            time.sleep(0.05)
        assert not alive(pid), name
    assert inst.pids() == {}


def test_restart_keeps_files(inst):
    inst.start()
    first = inst.pids()
    password = inst.password
    aliases = os.path.join(inst.dir, "etc", "mail", "aliases")
    with open(aliases, "a") as f:
        f.write("make-run-test:\t%s\n" % inst.user)
    os.utime(aliases, (time.time() + 2, time.time() + 2))

    inst.start()
    assert inst.password == password
    again = inst.pids()
    for name in first:
        assert again[name] != first[name], name
        assert not alive(first[name]), name
    with open(aliases) as f:
        assert "make-run-test:" in f.read()
    p = subprocess.run([SENDMAIL, "-C", inst.cf, "-bv",
                        "make-run-test@localhost"], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, timeout=30)
    assert b"deliverable" in p.stdout, p.stdout
    s = smtplib.SMTP("127.0.0.1", inst.smtp, timeout=20)
    assert s.noop()[0] == 250
    s.quit()
