"""STARTTLS in the SMTP client (`sendmail -qf` through the relay mailer)
against peers the test runs on 127.0.0.1: a Python SMTP server that
offers STARTTLS with the test's certificates (and can misbehave), and our
own daemon with STARTTLS.

What is checked: STARTTLS used when offered, EHLO again over TLS, the
client certificate of ClientCertFile presented (verify=OK in our
daemon's Received clause), a server's 454 to STARTTLS answered by going
on in the clear, replies a server sends behind its 220 never read as
replies over TLS (the client side of the STARTTLS injection bugs), and a
failed handshake deferring the message ("454 4.7.0 TLS handshake
failed.") unless TLSFallbacktoClear sends it again without TLS.
"""

import glob
import os
import re
import select
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading

import pytest

from test_deliver import Sink
from test_smtpd import SENDMAIL, Daemon, read_qf
from test_smtpd_tls import make_pki, tls_mc

pytestmark = pytest.mark.skipif(
    not os.access(SENDMAIL, os.X_OK) or shutil.which("openssl") is None,
    reason="no sendmail binary or no openssl")

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))

MC = """\
divert(0)dnl
define(`MAIL_SETTINGS_DIR', `@D@/etc/')dnl
define(`QUEUE_DIR', `@D@/mqueue')dnl
define(`ALIAS_FILE', `@D@/etc/aliases')dnl
define(`confSERVICE_SWITCH_FILE', `@D@/etc/service.switch')dnl
define(`confDOMAIN_NAME', `@DOM@')dnl
define(`confDONT_BLAME_SENDMAIL', `MapInUnsafeDirPath')dnl
define(`confCACERT', `@P@/ca.pem')dnl
define(`confCLIENT_CERT', `@P@/client.pem')dnl
define(`confCLIENT_KEY', `@P@/client.key')dnl
@EXTRA@dnl
OSTYPE(`bsd4.4')dnl
define(`SMART_HOST', `relay:[127.0.0.1]')dnl
define(`RELAY_MAILER_ARGS', `TCP $h @PORT@')dnl
MAILER(`local')dnl
MAILER(`smtp')dnl
"""


class TlsSink(Sink):
    """An SMTP server offering STARTTLS; mode says how it behaves:
    ok, refuse (454 to STARTTLS), inject (a reply behind the 220),
    broken (220, then garbage instead of a handshake)."""

    def __init__(self, pki, mode="ok"):
        self.mode = mode
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(os.path.join(pki, "server.pem"),
                                 os.path.join(pki, "server.key"))
        self.ctx.load_verify_locations(os.path.join(pki, "ca.pem"))
        self.ctx.verify_mode = ssl.CERT_OPTIONAL
        self.sessions = []      # per connection: commands, "TLS" marks
        super().__init__()      # binds, starts serve()

    def serve(self):
        while not self.stop:
            if not select.select([self.sock], [], [], 0.2)[0]:
                continue
            c = self.sock.accept()[0]
            c.settimeout(20)
            with c:
                try:
                    self.session(c)
                except (OSError, ssl.SSLError):
                    pass

    def session(self, c):
        log = []
        self.sessions.append(log)
        f = c.makefile("rb")
        c.sendall(b"220 sink ESMTP\r\n")
        tls = False
        while True:
            line = f.readline()
            if not line:
                return
            u = line.upper().strip()
            log.append(u.decode("latin1"))
            if u.startswith(b"EHLO"):
                c.sendall(b"250-sink\r\n" + (b"" if tls else
                          b"250-STARTTLS\r\n") + b"250 PIPELINING\r\n")
            elif u == b"STARTTLS":
                if self.mode == "refuse":
                    c.sendall(b"454 4.7.0 TLS not available\r\n")
                    continue
                if self.mode == "broken":
                    c.sendall(b"220 go ahead\r\n")
                    c.recv(4096)
                    c.sendall(b"this is no TLS record\r\n" * 10)
                    return
                c.sendall(b"220 go ahead\r\n" + (
                    b"250-fake\r\n250 fake\r\n" if self.mode == "inject"
                    else b""))
                c = self.ctx.wrap_socket(c, server_side=True)
                f = c.makefile("rb")
                tls = True
                log.append("TLS %s %s" % (c.version(), "cert" if
                                          c.getpeercert() else "nocert"))
            elif u.startswith(b"DATA"):
                c.sendall(b"354 go\r\n")
                self.messages.append((tls, read_data(f)))
                c.sendall(b"250 2.0.0 Ok: queued\r\n")
            elif u.startswith(b"QUIT"):
                c.sendall(b"221 bye\r\n")
                return
            else:
                c.sendall(b"250 ok\r\n")


def read_data(f):
    """The message lines up to the dot."""
    lines = []
    for x in iter(f.readline, b""):
        if x == b".\r\n":
            break
        lines.append(x)
    return b"".join(lines)


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return make_pki(str(tmp_path_factory.mktemp("ctls") / "pki"))


class World:
    def __init__(self, pki, port, extra="", domain="out.example.test"):
        self.d = tempfile.mkdtemp(prefix="test_smtpc_tls.", dir="/var/tmp")
        os.chmod(self.d, 0o755)
        for sub in ("etc", "mqueue"):
            os.makedirs(os.path.join(self.d, sub))
        with open(os.path.join(self.d, "etc/aliases"), "w") as f:
            f.write("postmaster: root\n")
        with open(os.path.join(self.d, "etc/service.switch"), "w") as f:
            f.write("hosts files\naliases files\n")
        mc = os.path.join(self.d, "t.mc")
        with open(mc, "w") as f:
            f.write(MC.replace("@D@", self.d).replace("@P@", pki).replace(
                "@PORT@", str(port)).replace("@EXTRA@", extra).replace(
                "@DOM@", domain))
        self.cf = os.path.join(self.d, "t.cf")
        with open(self.cf, "w") as out:
            subprocess.run(["m4", "-D_CF_DIR_=%s/" % os.path.join(
                REPO, "cf"), os.path.join(REPO, "cf/m4/cf.m4"), mc],
                stdout=out, check=True, timeout=60)
        self.sm(["-bi"])

    def sm(self, argv, stdin=b""):
        return subprocess.run([SENDMAIL, "-C", self.cf] + argv,
                              input=stdin, capture_output=True, timeout=90)

    def queue_and_run(self):
        self.sm(["-odq", "x@remote.example"],
                b"To: x@remote.example\nSubject: tls out\n\nbody\n")
        return self.sm(["-qf", "-v"])

    def qfs(self):
        return sorted(glob.glob(os.path.join(self.d, "mqueue", "qf*")))

    def close(self):
        shutil.rmtree(self.d, ignore_errors=True)


@pytest.fixture
def sink_world(request, pki):
    mode, extra = getattr(request, "param", ("ok", ""))
    sink = TlsSink(pki, mode)
    w = World(pki, sink.port, extra)
    yield sink, w
    sink.close()
    w.close()


def sent_one(sink, w):
    """Queues a message and runs the queue: whether the sink got it over
    TLS, and its log of the first connection."""
    p = w.queue_and_run()
    assert b"x@remote.example... Sent" in p.stdout, p.stdout
    assert w.qfs() == []
    [(tls, data)] = sink.messages
    assert b"Subject: tls out" in data
    return tls, sink.sessions[0]


def test_starttls_used_when_offered(sink_world):
    tls, log = sent_one(*sink_world)
    assert tls
    i = [n for n, x in enumerate(log) if x.startswith("TLS ")][0]
    assert re.match(r"TLS TLSv1\.[23] cert$", log[i]), log
    assert log[i + 1].startswith("EHLO "), log     # EHLO again


@pytest.mark.parametrize("sink_world", [("refuse", "")], indirect=True)
def test_454_to_starttls_goes_on_in_the_clear(sink_world):
    tls, log = sent_one(*sink_world)
    assert not tls and "STARTTLS" in log


@pytest.mark.parametrize("sink_world", [("inject", "")], indirect=True)
def test_replies_behind_the_220_are_not_read_over_tls(sink_world):
    tls, log = sent_one(*sink_world)
    assert tls
    # the client waited for the real EHLO reply over TLS, in step
    i = [n for n, x in enumerate(log) if x.startswith("TLS ")][0]
    assert log[i + 1].startswith("EHLO ") and log[i + 2].startswith(
        "MAIL FROM:"), log


@pytest.mark.parametrize("sink_world", [("broken", "")], indirect=True)
def test_failed_handshake_defers(sink_world):
    sink, w = sink_world
    p = w.queue_and_run()
    assert b"Sent" not in p.stdout
    assert sink.messages == []
    [qf] = w.qfs()
    assert "TLS handshake failed" in read_qf(qf)


@pytest.mark.parametrize("sink_world", [(
    "broken", "define(`confTLS_FALLBACK_TO_CLEAR', `True')")],
    indirect=True)
def test_failed_handshake_falls_back_to_clear_when_asked(sink_world):
    sink, w = sink_world
    p = w.queue_and_run()
    assert b"x@remote.example... Sent" in p.stdout, p.stdout
    assert len(sink.sessions) == 2
    assert "STARTTLS" not in sink.sessions[1]
    [(tls, _)] = sink.messages
    assert not tls


def test_queue_runner_to_our_daemon_over_tls(tmp_path, pki):
    d = Daemon(str(tmp_path / "d"), mc_extra=tls_mc(pki))
    d.start()
    w = World(pki, d.port)
    try:
        p = w.queue_and_run()
        assert b"x@remote.example... Sent" in p.stdout, p.stdout
        [qf] = d.queue()
        rec = read_qf(qf)
        assert re.search(r"\(version=TLSv1\.3 cipher=\S+ bits=\d+ "
                         r"verify=OK\)", rec), rec
    finally:
        d.stop()
        w.close()
