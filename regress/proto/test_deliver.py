"""Delivery by `sendmail -qf` with a cf compiled by our m4 package: SMTP
to a smarthost (a recording SMTP server the test runs on a run-time port,
header addresses rewritten for the relay), a local mailer that speaks
LMTP (F=z), a file named by an alias, deferral with the qf rewritten,
Timeout.queuewarn and Timeout.queuereturn notifications, and the -qR
filter.  Every server the test starts is stopped by the test.
"""

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
BIN = os.environ.get("BIN") or os.path.join(REPO, "bin")
SENDMAIL = os.path.join(BIN, "sendmail")

pytestmark = pytest.mark.skipif(not os.access(SENDMAIL, os.X_OK),
                                reason="no %s" % SENDMAIL)

LMTP = r'''#!/usr/bin/python3
# the test's local mailer: LMTP on stdin/stdout, root and nobody exist
import sys
out, inp = sys.stdout.buffer, sys.stdin.buffer
def say(s): out.write(s.encode() + b"\r\n"); out.flush()
say("220 lmtp"); rcpts = []
while True:
    l = inp.readline()
    if not l: break
    c = l.decode().strip(); u = c.upper()
    if u.startswith("LHLO"): say("250 lmtp")
    elif u.startswith("MAIL"): say("250 2.1.0 ok")
    elif u.startswith("RCPT"):
        w = c[c.index("<") + 1:c.index(">")]
        if w in ("root", "nobody"): rcpts.append(w); say("250 2.1.5 ok")
        else: say("550 5.1.1 no such user")
    elif u == "DATA":
        say("354 go"); data = b""
        while True:
            x = inp.readline()
            if x in (b".\r\n", b""): break
            data += (x[1:] if x.startswith(b"..") else x).replace(b"\r\n", b"\n")
        for r in rcpts:
            open("@OUT@/" + r, "ab").write(data); say("250 2.0.0 ok")
    elif u == "QUIT": say("221 bye"); break
'''

MC = """\
divert(0)dnl
define(`MAIL_SETTINGS_DIR', `@D@/etc/')dnl
define(`QUEUE_DIR', `@D@/mqueue')dnl
define(`ALIAS_FILE', `@D@/etc/aliases')dnl
define(`confSERVICE_SWITCH_FILE', `@D@/etc/service.switch')dnl
define(`confDOMAIN_NAME', `mail.example.test')dnl
define(`confDONT_BLAME_SENDMAIL', `MapInUnsafeDirPath')dnl
define(`confTO_QUEUEWARN', `4h')dnl
define(`confTO_QUEUERETURN', `5d')dnl
define(`LOCAL_MAILER_PATH', `@D@/lmtp.py')dnl
define(`LOCAL_MAILER_ARGS', `lmtp.py')dnl
define(`LOCAL_MAILER_FLAGS', `Szn')dnl
OSTYPE(`bsd4.4')dnl
FEATURE(`use_cw_file')dnl
define(`SMART_HOST', `relay:[127.0.0.1]')dnl
define(`RELAY_MAILER_ARGS', `TCP $h @PORT@')dnl
MAILER(`local')dnl
MAILER(`smtp')dnl
"""


class Sink:
    """A small SMTP server recording what it is given."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.port = self.sock.getsockname()[1]
        self.messages = []
        self.stop = False
        self.silent = False     # accept, never greet
        self.held = []
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        self.sock.settimeout(0.2)
        while not self.stop:
            try:
                c, _ = self.sock.accept()
            except socket.timeout:
                continue
            if self.silent:
                self.held.append(c)
                continue
            f = c.makefile("rb")
            c.sendall(b"220 sink ESMTP\r\n")
            env = {"rcpt": []}
            while True:
                line = f.readline()
                if not line:
                    break
                u = line.upper()
                if u.startswith(b"EHLO"):
                    c.sendall(b"250-sink\r\n250 PIPELINING\r\n")
                elif u.startswith(b"MAIL"):
                    env["from"] = line.strip()
                    c.sendall(b"250 ok\r\n")
                elif u.startswith(b"RCPT"):
                    env["rcpt"].append(line.strip())
                    c.sendall(b"250 ok\r\n")
                elif u.startswith(b"DATA"):
                    c.sendall(b"354 go\r\n")
                    data = b""
                    while True:
                        x = f.readline()
                        if x in (b".\r\n", b""):
                            break
                        data += x
                    env["data"] = data
                    self.messages.append(env)
                    env = {"rcpt": []}
                    c.sendall(b"250 2.0.0 Ok: queued as 42\r\n")
                elif u.startswith(b"QUIT"):
                    c.sendall(b"221 bye\r\n")
                    break
                else:
                    c.sendall(b"250 ok\r\n")
            c.close()

    def close(self):
        self.stop = True
        self.thread.join(5)
        for c in self.held:
            c.close()
        self.sock.close()


@pytest.fixture
def world():
    # the file mailer writes as DefaultUser: a folder it can reach
    d = tempfile.mkdtemp(prefix="test_deliver.", dir="/var/tmp")
    os.chmod(d, 0o755)
    for sub in ("etc", "mqueue", "out"):
        os.makedirs(os.path.join(d, sub))
    with open(os.path.join(d, "etc/local-host-names"), "w") as f:
        f.write("mail.example.test\n")
    with open(os.path.join(d, "etc/aliases"), "w") as f:
        f.write("postmaster: root\ncopy: %s/out/copyfile, root\n" % d)
    with open(os.path.join(d, "etc/service.switch"), "w") as f:
        f.write("hosts files\naliases files\n")
    script = os.path.join(d, "lmtp.py")
    with open(script, "w") as f:
        f.write(LMTP.replace("@OUT@", os.path.join(d, "out")))
    os.chmod(script, 0o755)
    os.chmod(os.path.join(d, "out"), 0o777)
    sink = Sink()
    mc = os.path.join(d, "t.mc")
    with open(mc, "w") as f:
        f.write(MC.replace("@D@", d).replace("@PORT@", str(sink.port)))
    cf = os.path.join(d, "t.cf")
    with open(cf, "w") as out:
        subprocess.run(["m4", "-D_CF_DIR_=%s/" % os.path.join(REPO, "cf"),
                        os.path.join(REPO, "cf/m4/cf.m4"), mc], stdout=out,
                       check=True, timeout=60)
    subprocess.run([SENDMAIL, "-C", cf, "-bi"], capture_output=True,
                   timeout=30)
    yield d, cf, sink
    sink.close()
    shutil.rmtree(d, ignore_errors=True)


def sm(cf, argv, stdin=b""):
    return subprocess.run([SENDMAIL, "-C", cf] + argv, input=stdin,
                          capture_output=True, timeout=60)


def qfs(d):
    return sorted(glob.glob(os.path.join(d, "mqueue", "qf*")))


def test_relay_through_smarthost(world):
    d, cf, sink = world
    sm(cf, ["-odq", "-F", "The Admin", "x@remote.example"],
       b"To: x@remote.example, Bob <bob>\nSubject: out\n\n.dot\nbody\n")
    p = sm(cf, ["-qf", "-v"])
    assert b"x@remote.example... Sent" in p.stdout, p.stdout
    assert qfs(d) == []
    [m] = sink.messages
    assert m["rcpt"] == [b"RCPT To:<x@remote.example>"]
    assert m["from"] == b"MAIL From:<root@mail.example.test>"
    assert b"From: The Admin <root@mail.example.test>\r\n" in m["data"]
    assert b"To: x@remote.example, Bob <bob@mail.example.test>\r\n" in \
        m["data"]
    assert m["data"].endswith(b"\r\n..dot\r\nbody\r\n")


def test_cf_timeout_for_the_greeting(world):
    d, cf, sink = world
    sink.silent = True
    sm(cf, ["-odq", "x@remote.example"], b"Subject: t\n\nbody\n")
    t0 = time.monotonic()
    p = sm(cf, ["-O", "Timeout.initial=1s", "-qf", "-v"])
    # the cf's Timeout.initial, not sendmail's default of 5 minutes
    assert time.monotonic() - t0 < 20
    assert b"x@remote.example... Deferred: Connection timed out" in \
        p.stdout, p.stdout
    assert len(qfs(d)) == 1


def test_lmtp_local_file_and_bounce(world):
    d, cf, sink = world
    sm(cf, ["-odq", "root", "nobody", "daemon", "copy"],
       b"Subject: local\n\nhello\n")
    sm(cf, ["-qf"])
    out = os.path.join(d, "out")
    with open(os.path.join(out, "nobody"), "rb") as f:
        assert b"Subject: local\n" in f.read()
    with open(os.path.join(out, "copyfile"), "rb") as f:
        text = f.read()
    assert text.startswith(b"From root ") and b"\nhello\n" in text
    with open(os.path.join(out, "root"), "rb") as f:
        root = f.read()
    # daemon was refused by the LMTP mailer: one notification to root
    assert root.count(b"Subject: Returned mail: see transcript") == 1
    assert b"Final-Recipient: RFC822; daemon\nAction: failed\n" in root
    assert qfs(d) == []


def test_deferral_warning_and_return(world):
    d, cf, sink = world
    sink.close()                    # the smarthost is down
    sm(cf, ["-odq", "y@remote.example"], b"Subject: late\n\nx\n")
    [qf] = qfs(d)
    sm(cf, ["-qf"])
    with open(qf, encoding="latin1") as f:
        text = f.read()
    assert "\nN1\n" in text and "Connection refused" in text
    # five hours old: one warning, F line gets w
    text = text.replace(text.split("\n")[1], "T%d" % (time.time() - 5 * 3600))
    with open(qf, "w", encoding="latin1") as f:
        f.write(text)
    sm(cf, ["-qf"])
    sm(cf, ["-qf"])
    root = os.path.join(d, "out", "root")
    with open(root, "rb") as f:
        assert f.read().count(b"Subject: Warning: could not send") == 1
    with open(qf, encoding="latin1") as f:
        text = f.read()
    assert "\nFws\n" in text
    # six days old: returned
    text = text.replace(text.split("\n")[1], "T%d" % (time.time() - 6 * 86400))
    with open(qf, "w", encoding="latin1") as f:
        f.write(text)
    sm(cf, ["-qf"])
    assert qfs(d) == []
    with open(root, "rb") as f:
        body = f.read()
    assert body.count(b"Subject: Returned mail") == 1
    assert b"Status: 4.4.7" in body


def test_filter_takes_only_matching(world):
    d, cf, sink = world
    sm(cf, ["-odq", "root"], b"Subject: a\n\nx\n")
    sm(cf, ["-odq", "nobody"], b"Subject: b\n\nx\n")
    sm(cf, ["-qf", "-qRnobody"])
    assert os.path.exists(os.path.join(d, "out", "nobody"))
    assert not os.path.exists(os.path.join(d, "out", "root"))
    assert len(qfs(d)) == 1
