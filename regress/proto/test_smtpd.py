"""The SMTP daemon (sendmail -bd) on 127.0.0.1, driven by smtplib and raw
sockets.

Each test gets its own folder with a cf compiled by our m4 package from a
small .mc (a run-time port, the queue, aliases and the pid file in the
folder), the daemon started in the background as an administrator starts
it, and stopped by the PID it wrote into its PidFile.  What is checked:
replies, the queue files a 250 promises, relaying from an unknown client
(127.0.0.2) refused, pipelining, smuggling refused, 20 concurrent
sessions, and that every acknowledged message survives a SIGKILL of the
whole daemon in the middle of 20 concurrent sessions.
"""

import glob
import shutil
import os
import signal
import socket
import smtplib
import subprocess
import threading
import time

import pytest

from procs import stop_daemon

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
BIN = os.environ.get("BIN") or os.path.join(REPO, "bin")
SENDMAIL = os.path.join(BIN, "sendmail")

pytestmark = pytest.mark.skipif(not os.access(SENDMAIL, os.X_OK),
                                reason="no %s" % SENDMAIL)

MC = """\
divert(-1)
divert(0)dnl
VERSIONID(`smtpd test')dnl
dnl the machine's load must not make the daemon refuse connections
define(`confREFUSE_LA', `1000')dnl
define(`MAIL_SETTINGS_DIR', `{d}/etc/')dnl
define(`QUEUE_DIR', `{d}/mqueue')dnl
define(`STATUS_FILE', `{d}/sendmail.st')dnl
define(`ALIAS_FILE', `{d}/etc/aliases')dnl
define(`HELP_FILE', `{d}/etc/helpfile')dnl
define(`confPID_FILE', `{d}/sendmail.pid')dnl
define(`confSERVICE_SWITCH_FILE', `{d}/etc/service.switch')dnl
define(`confDOMAIN_NAME', `mail.example.test')dnl
define(`confMAX_MESSAGE_SIZE', `20000')dnl
define(`confTO_IDENT', `0')dnl
define(`confDELIVERY_MODE', `ifdef(`TEST_DELIVERY_MODE', TEST_DELIVERY_MODE, `queueonly')')dnl
OSTYPE(`bsd4.4')dnl
FEATURE(`no_default_msa')dnl
FEATURE(`use_cw_file')dnl
FEATURE(`accept_unresolvable_domains')dnl
DAEMON_OPTIONS(`Port={port},Addr=127.0.0.1, Name=MTA')dnl
MAILER(`local')dnl
MAILER(`smtp')dnl
"""


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Daemon:
    def __init__(self, root, mc_extra="", access=None):
        self.root = root
        self.port = free_port()
        etc = os.path.join(root, "etc")
        os.makedirs(etc)
        os.makedirs(os.path.join(root, "mqueue"))
        with open(os.path.join(etc, "local-host-names"), "w") as f:
            f.write("mail.example.test\n")
        with open(os.path.join(etc, "aliases"), "w") as f:
            f.write("postmaster: root\nlist: a@remote.example, root\n")
        with open(os.path.join(etc, "service.switch"), "w") as f:
            f.write("hosts files\naliases files\n")
        shutil.copy(os.path.join(REPO, "cf", "helpfile"), etc)
        if access is not None:
            path = os.path.join(etc, "access")
            with open(path, "w") as f:
                f.write(access)
            with open(path) as src:
                subprocess.run([os.path.join(BIN, "makemap"), "-C",
                                "/dev/null", "hash", path], stdin=src,
                               check=True, timeout=30)
        mc = os.path.join(root, "test.mc")
        with open(mc, "w") as f:
            f.write(MC.replace("{d}", root).replace("{port}",
                                                    str(self.port)).replace(
                "MAILER(`local')", mc_extra + "MAILER(`local')"))
        cfdir = os.path.join(REPO, "cf")
        self.cf = os.path.join(root, "sendmail.cf")
        with open(self.cf, "w") as out:
            subprocess.run(["m4", "-D_CF_DIR_=%s/" % cfdir,
                            os.path.join(cfdir, "m4/cf.m4"), mc],
                           stdout=out, check=True, timeout=60)
        self.pid = None
        # what the daemon's command line is run under (a namespace that
        # catches its syslog, test_fail2ban.py)
        self.wrap = []

    def start(self):
        pidfile = os.path.join(self.root, "sendmail.pid")
        if os.path.exists(pidfile):
            os.unlink(pidfile)      # a restart must not read the old PID
        p = subprocess.run(self.wrap + [SENDMAIL, "-C", self.cf, "-bd"],
                           capture_output=True, timeout=30)
        assert p.returncode == 0, p.stderr
        for _ in range(200):
            if os.path.exists(pidfile):
                with open(pidfile) as f:
                    lines = f.read().split("\n")
                if len(lines) >= 2 and lines[0].isdigit():
                    self.pid = int(lines[0])
                    assert "-bd" in lines[1]
                    break
            time.sleep(0.02)
        assert self.pid, "no pid file"
        try:
            self.probe()
        except BaseException:
            self.stop()     # a daemon that did start is not left behind
            raise

    def probe(self):
        for _ in range(200):
            try:
                c = socket.create_connection(("127.0.0.1", self.port), 1)
            except OSError:
                time.sleep(0.02)
                continue
            # wait for the server to end the probe, so that it is no
            # longer counted as an open connection (a loaded machine
            # may take a while to get a worker to it)
            with c:
                c.settimeout(30)
                c.shutdown(socket.SHUT_WR)
                while c.recv(4096):
                    pass
            return
        raise AssertionError("daemon does not listen")

    def stop(self):
        if self.pid is not None:
            stop_daemon(self.pid)
        self.pid = None

    def queue(self):
        return sorted(glob.glob(os.path.join(self.root, "mqueue", "qf*")))


@pytest.fixture
def daemon(tmp_path):
    d = Daemon(str(tmp_path))
    d.start()
    yield d
    d.stop()


def read_qf(path):
    with open(path, "rb") as f:
        return f.read().decode("latin1")


def test_greeting_and_ehlo(daemon):
    s = smtplib.SMTP("127.0.0.1", daemon.port, timeout=10)
    code, msg = s.ehlo("client.example.net")
    assert code == 250
    lines = msg.decode().split("\n")
    assert lines[0].startswith("mail.example.test Hello localhost "
                               "[127.0.0.1], pleased to meet you")
    for kw in ("ENHANCEDSTATUSCODES", "PIPELINING", "8BITMIME",
               "SIZE 20000", "DSN", "HELP"):
        assert kw in lines, kw
    assert s.quit()[0] == 221


def test_help_from_our_helpfile(daemon):
    s = smtplib.SMTP("127.0.0.1", daemon.port, timeout=10)
    code, msg = s.docmd("HELP")
    assert code == 214
    lines = msg.decode().split("\n")
    assert lines[0].startswith("2.0.0 This is the mailsys ")
    assert lines[0].endswith(" mail server on mail.example.test, "
                             "speaking SMTP.")
    assert lines[-1] == "2.0.0 End of HELP info"
    code, msg = s.docmd("HELP", "rcpt")
    assert code == 214 and b"RCPT TO:<recipient>" in msg
    code, msg = s.docmd("HELP", "nosuchtopicatall")
    assert (code, msg) == (504, b'5.3.0 HELP topic "nosuchtopi" unknown')
    s.quit()


def test_sighup_restarts_with_the_new_cf(daemon):
    pid = daemon.pid
    # the administrator edits the cf, then sends SIGHUP
    with open(daemon.cf) as f:
        cf = f.read()
    with open(daemon.cf, "w") as f:
        f.write(cf.replace("Djmail.example.test", "Djnew.example.test"))
    os.kill(pid, signal.SIGHUP)
    msg = b""
    for _ in range(200):
        try:
            s = smtplib.SMTP("127.0.0.1", daemon.port, timeout=10)
            code, msg = s.ehlo("c.example.net")
            s.quit()
            if msg.startswith(b"new.example.test"):
                break
        except (OSError, smtplib.SMTPException) as e:
            msg = repr(e).encode()      # what the last attempt got
        time.sleep(0.05)
    assert msg.startswith(b"new.example.test Hello"), msg
    with open(os.path.join(daemon.root, "sendmail.pid")) as f:
        assert int(f.readline()) == pid      # same process, as systemd wants


def test_message_is_queued_before_250(daemon):
    s = smtplib.SMTP("127.0.0.1", daemon.port, timeout=10)
    s.ehlo("client.example.net")
    s.mail("alice@example.com")
    code, msg = s.rcpt("root@mail.example.test")
    assert code == 250 and msg.endswith(b"Recipient ok")
    code, msg = s.data(b"Subject: test\r\n\r\nhello\r\n.leading dot\r\n")
    assert code == 250
    qid = msg.split()[1].decode()
    s.quit()
    qf = os.path.join(daemon.root, "mqueue", "qf" + qid)
    df = os.path.join(daemon.root, "mqueue", "df" + qid)
    text = read_qf(qf)
    assert text.endswith("\n.\n")
    assert "S<alice@example.com>\n" in text
    assert "RPFD:<root@mail.example.test>\n" in text
    assert "H??Received: from client.example.net (localhost [127.0.0.1])" \
        in text
    assert "H??Subject: test\n" in text
    with open(df, "rb") as f:
        assert f.read() == b"hello\n.leading dot\n"


def test_relaying_denied_from_unknown_client(daemon):
    s = smtplib.SMTP("127.0.0.1", daemon.port, timeout=10,
                     source_address=("127.0.0.2", 0))
    s.ehlo("outside.example.net")
    s.mail("spammer@example.org")
    code, msg = s.rcpt("victim@example.com")
    # 127.0.0.2 has no name: the cf says so, as sendmail's does; 450
    # when the PTR lookup could not be done at all (no name server)
    assert (code, msg) in [
        (550, b"5.7.1 <victim@example.com>... Relaying denied. "
              b"IP name lookup failed [127.0.0.2]"),
        (450, b"4.4.0 <victim@example.com>... Relaying temporarily "
              b"denied. Cannot resolve PTR record for 127.0.0.2")]
    code, _ = s.rcpt("root@mail.example.test")
    assert code == 250
    s.quit()


def test_unknown_user_and_size(daemon):
    s = smtplib.SMTP("127.0.0.1", daemon.port, timeout=10)
    s.ehlo("c.example.net")
    code, msg = s.mail("a@example.com", ["SIZE=30000"])
    assert code == 552
    assert b"exceeds fixed maximum message size (20000)" in msg
    s.mail("a@example.com")
    code, msg = s.rcpt("nosuchuser@mail.example.test")
    assert (code, msg) == (550, b"5.1.1 <nosuchuser@mail.example.test>... "
                           b"User unknown")
    s.quit()
    assert daemon.queue() == []


def test_pipelined_commands_answered_in_order(daemon):
    c = socket.create_connection(("127.0.0.1", daemon.port), 10)
    f = c.makefile("rb")
    assert f.readline().startswith(b"220 ")
    c.sendall(b"EHLO c.example.net\r\n")
    while not f.readline().startswith(b"250 "):
        pass
    c.sendall(b"MAIL FROM:<a@example.com>\r\nRCPT TO:<root>\r\n"
              b"RCPT TO:<nobody-here>\r\nDATA\r\n")
    got = [f.readline() for _ in range(4)]
    assert got[0].startswith(b"250 2.1.0")
    assert got[1].startswith(b"250 2.1.5")
    assert got[2].startswith(b"550 5.1.1")
    assert got[3].startswith(b"354 ")
    c.sendall(b"Subject: p\r\n\r\nx\r\n.\r\nQUIT\r\n")
    assert f.readline().startswith(b"250 2.0.0 ")
    assert f.readline().startswith(b"221 ")
    c.close()
    assert len(daemon.queue()) == 1


@pytest.mark.parametrize("body", [b"x\n.\r\n", b"x\r\n.\n", b"bare\nlf\r\n",
                                  b"x\r.\r\n"])
def test_smuggling_refused(daemon, body):
    c = socket.create_connection(("127.0.0.1", daemon.port), 10)
    f = c.makefile("rb")
    f.readline()
    # HELO and DATA must be the last of a pipelined group
    c.sendall(b"HELO c.example.net\r\n")
    f.readline()
    c.sendall(b"MAIL FROM:<a@example.com>\r\nRCPT TO:<root>\r\n")
    f.readline()
    f.readline()
    c.sendall(b"DATA\r\n")
    assert f.readline().startswith(b"354 ")
    c.sendall(b"Subject: s\r\n\r\n" + body + b"MAIL FROM:<evil@example>\r\n"
              b"RCPT TO:<root>\r\nDATA\r\nsmuggled\r\n.\r\n")
    reply = f.readline()
    assert reply.startswith(b"421 4.5.0 Bare "), reply
    c.close()
    time.sleep(0.2)
    assert daemon.queue() == []


def test_rate_and_connection_limits(tmp_path):
    d = Daemon(str(tmp_path), mc_extra=(
        "define(`confDONT_BLAME_SENDMAIL', `MapInUnsafeDirPath')dnl\n"
        "FEATURE(`access_db', `hash -T<TMPF> %s/etc/access')dnl\n"
        "FEATURE(`delay_checks')dnl\n"
        "FEATURE(`ratecontrol', `nodelay', `terminate')dnl\n"
        "FEATURE(`conncontrol', `nodelay', `terminate')dnl\n"
        % str(tmp_path)),
        access="ClientRate:127.0.0.1\t5\nClientConn:127.0.0.1\t2\n")
    d.start()   # its probe is connection 1 of the rate window
    try:
        # two open connections are allowed, the third is one too many
        held = []
        for _ in range(2):
            c = socket.create_connection(("127.0.0.1", d.port), 10)
            assert c.makefile("rb").readline().startswith(b"220 ")
            held.append(c)
        c = socket.create_connection(("127.0.0.1", d.port), 10)
        assert c.makefile("rb").readline() == (
            b"421 4.3.2 Too many open connections.\r\n")
        held.append(c)
        # the server forgets a connection before it closes the socket, so
        # the end of its output says the count has gone down
        for c in held:
            c.shutdown(socket.SHUT_WR)
            while c.recv(4096):
                pass
            c.close()
        # five connections in the window are allowed, the sixth is not
        c = socket.create_connection(("127.0.0.1", d.port), 10)
        assert c.makefile("rb").readline().startswith(b"220 ")
        c.close()
        c = socket.create_connection(("127.0.0.1", d.port), 10)
        assert c.makefile("rb").readline() == (
            b"421 4.3.2 Connection rate limit exceeded.\r\n")
        c.close()
    finally:
        d.stop()


HEADER_CHECK = """\
LOCAL_CONFIG
HSubject: $>CheckSubject
LOCAL_RULESETS
SCheckSubject
R$* cheap pills $*	$#error $: 550 5.7.1 Header looks like spam
R$* discard me $*	$#discard $: discard
"""


def test_header_check_rulesets(tmp_path):
    d = Daemon(str(tmp_path), mc_extra=HEADER_CHECK)
    d.start()
    try:
        s = smtplib.SMTP("127.0.0.1", d.port, timeout=10)
        s.ehlo("c.example.net")
        for subject, want in ((b"buy cheap pills now", 550),
                              (b"please discard me", 250),
                              (b"a normal subject", 250)):
            s.mail("a@example.com")
            s.rcpt("root")
            code, msg = s.data(b"Subject: " + subject + b"\r\n\r\nx\r\n")
            assert code == want, (subject, code, msg)
            if code == 550:
                assert msg == b"5.7.1 Header looks like spam"
        s.quit()
        # only the normal message was queued; the check line adds nothing
        qfs = d.queue()
        assert len(qfs) == 1
        text = read_qf(qfs[0])
        assert "H??Subject: a normal subject\n" in text
        assert "CheckSubject" not in text
    finally:
        d.stop()


LOCAL_SCRIPT = """#!/bin/sh
# the test's local mailer: the message for user $1 into out/$1
cat >> "{d}/out/$1"
"""


def background_daemon(root, script_text=LOCAL_SCRIPT):
    """A started daemon in DeliveryMode=background whose local mailer is
    the shell script script_text ("{d}" is root), writing into out/."""
    os.makedirs(os.path.join(root, "out"))
    script = os.path.join(root, "lmail.sh")
    with open(script, "w") as f:
        f.write(script_text.replace("{d}", root))
    os.chmod(script, 0o755)
    d = Daemon(root, mc_extra=(
        "define(`TEST_DELIVERY_MODE', `background')dnl\n"
        "define(`LOCAL_MAILER_PATH', `%s')dnl\n"
        "define(`LOCAL_MAILER_ARGS', `lmail.sh $u')dnl\n"
        "define(`LOCAL_MAILER_FLAGS', `S')dnl\n" % script))
    d.start()
    return d


def test_background_delivery_after_250(tmp_path):
    """DeliveryMode=background: the message goes to the local mailer at
    once after the 250 and leaves the queue."""
    root = str(tmp_path)
    d = background_daemon(root)
    try:
        s = smtplib.SMTP("127.0.0.1", d.port, timeout=10)
        s.ehlo("c.example.net")
        s.sendmail("a@example.com", ["root@mail.example.test"],
                   b"Subject: now\r\n\r\nbody line\r\n")
        s.quit()
        out = os.path.join(root, "out", "root")
        for _ in range(200):
            if os.path.exists(out) and not d.queue():
                break
            time.sleep(0.02)
        with open(out, "rb") as f:
            text = f.read()
        assert b"Subject: now\n" in text and text.endswith(b"body line\n")
        assert d.queue() == []
    finally:
        d.stop()


def send_many(port, n, acked, errors, tag):
    try:
        s = smtplib.SMTP("127.0.0.1", port, timeout=20)
        s.ehlo("c.example.net")
        for i in range(n):
            s.mail("a@example.com")
            s.rcpt("root")
            code, msg = s.data(("Subject: %s-%d\r\n\r\n" % (tag, i)).encode()
                               + b"x" * 5000 + b"\r\n")
            if code == 250:
                acked.append((msg.split()[1].decode(), "%s-%d" % (tag, i)))
        s.quit()
    except (OSError, smtplib.SMTPException) as e:
        errors.append(e)


def test_twenty_concurrent_sessions(daemon):
    acked, errors = [], []
    threads = [threading.Thread(target=send_many,
                                args=(daemon.port, 10, acked, errors, t))
               for t in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert len(acked) == 200
    assert len(daemon.queue()) == 200
    assert len({q for q, _ in acked}) == 200


def daemon_pids(pid):
    """The daemon and its workers."""
    pids = [pid]
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/stat" % d) as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        pids.append(int(d))
            except (OSError, ValueError, IndexError):
                pass
    return pids


def test_acknowledged_mail_survives_sigkill(tmp_path):
    d = Daemon(str(tmp_path))
    for cycle in range(3):
        d.start()
        acked, errors = [], []
        threads = [threading.Thread(target=send_many,
                                    args=(d.port, 50, acked, errors,
                                          "c%d-%d" % (cycle, t)))
                   for t in range(20)]
        for t in threads:
            t.start()
        while len(acked) < 30 * (cycle + 1) and any(t.is_alive()
                                                    for t in threads):
            time.sleep(0.01)
        # the daemon leads its own process group: one kill takes the
        # master and every worker, even one forked a moment ago
        pids = daemon_pids(d.pid)
        os.killpg(d.pid, signal.SIGKILL)
        for _ in range(500):
            if not any(os.path.exists("/proc/%d" % p) for p in pids):
                break
            time.sleep(0.01)
        d.pid = None
        for t in threads:
            t.join(60)
        for qid, tag in list(acked):
            text = read_qf(os.path.join(d.root, "mqueue", "qf" + qid))
            assert text.endswith("\n.\n"), qid
            assert "Subject: %s\n" % tag in text
            with open(os.path.join(d.root, "mqueue", "df" + qid), "rb") as f:
                assert f.read() == b"x" * 5000 + b"\n"
        # no half-written control file may remain under a qf name
        for qf in d.queue():
            assert read_qf(qf).endswith("\n.\n")
        time.sleep(0.2)
