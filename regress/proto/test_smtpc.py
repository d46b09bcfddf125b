"""The SMTP client of src/deliver (smtpc), driven through
regress/tools/smtpc_send against

 (a) a scripted server in this process on 127.0.0.1 (run-time port) that
     records every byte it receives and can misbehave at each stage:
     4xx/5xx per command, stall, close, multi-line and garbage replies,
     no PIPELINING, a SIZE limit, no 8BITMIME, lying about SIZE;
 (b) Postfix's smtp-sink from /opt/postfix-x, when it is there.

What is checked: the exact bytes on the wire (commands, parameters only
when offered, dot-stuffing, CRLF everywhere, no bare CR or LF), the
per-recipient results and the sysexits / dsn / stat= texts sendmail's
client gives, next-host behaviour, timeouts, and connection reuse with
RSET.  smtpc_send runs with a timeout and is killed by its PID if it
overstays; smtp-sink is stopped by its PID.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

import pytest

from procs import stop_child

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
OBJ = os.environ.get("OBJ") or os.path.join(REPO, "obj", "opt")
TOOL = os.path.join(OBJ, "rtools", "smtpc_send")
SINK_DIR = "/opt/postfix-x"
SINK = os.path.join(SINK_DIR, "usr/sbin/smtp-sink")
SINK_LIB = os.path.join(SINK_DIR, "usr/lib/postfix")

pytestmark = pytest.mark.skipif(not os.access(TOOL, os.X_OK),
                                reason="no %s (make unit)" % TOOL)

EHLO_ALL = ["PIPELINING", "SIZE 10000000", "8BITMIME", "DSN",
            "ENHANCEDSTATUSCODES"]

# ---------------------------------------------------------------- server


class Conn:
    """One session as the server saw it."""

    def __init__(self):
        self.raw = b""          # every byte received
        self.cmds = []          # command lines, without CRLF
        self.messages = []      # DATA contents as received (stuffed)
        self.pipelined = {}     # verb -> bytes already waiting at reply


class FakeSMTP:
    """A scripted SMTP server.  `replies` maps a stage to what it says:
    a reply string (may hold several CRLF-separated lines), "stall" (say
    nothing until the client goes), "close" (hang up), or a function of
    the command line giving one of those; a reply ending in "|close" is
    sent, then the server hangs up; "slow:reply" dribbles it out a byte
    every 0.3 s.  Stages: greeting, EHLO, HELO,
    MAIL, RCPT, DATA, EOM (after the final dot), RSET, QUIT."""

    DEFAULT = {
        "greeting": "220 fake.example.test ESMTP ready",
        "HELO": "250 fake.example.test",
        "MAIL": "250 2.1.0 Ok",
        "RCPT": "250 2.1.5 Ok",
        "DATA": "354 End data with <CR><LF>.<CR><LF>",
        "EOM": "250 2.0.0 Ok: queued as 12345",
        "RSET": "250 2.0.0 Ok",
        "QUIT": "221 2.0.0 Bye",
        "NOOP": "250 2.0.0 Ok",
    }

    def __init__(self, replies=None, ehlo=None, peek=0.0, v6=False):
        self.replies = dict(self.DEFAULT)
        self.replies.update(replies or {})
        if "EHLO" not in self.replies:
            ext = EHLO_ALL if ehlo is None else ehlo
            lines = ["fake.example.test Hello"] + list(ext)
            self.replies["EHLO"] = "\r\n".join(
                "250%s%s" % ("-" if i < len(lines) - 1 else " ", l)
                for i, l in enumerate(lines))
        self.peek = peek
        self._conns = []
        self.sessions = []
        self.sock = socket.socket(socket.AF_INET6 if v6 else
                                  socket.AF_INET)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("::1" if v6 else "127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.stop = threading.Event()
        self.threads = []
        t = threading.Thread(target=self._accept, daemon=True)
        t.start()
        self.threads.append(t)

    @property
    def conns(self):
        """The sessions so far, each finished (the client has gone by
        the time a test looks, but the thread may still be reading)."""
        for t in list(self.sessions):
            t.join(5)
        return self._conns

    def close(self):
        self.stop.set()
        try:
            self.sock.close()
        except OSError:
            pass
        for t in self.threads:
            t.join(5)

    def _accept(self):
        self.sock.settimeout(0.2)
        while not self.stop.is_set():
            try:
                s, _ = self.sock.accept()
            except (socket.timeout, OSError):
                continue
            c = Conn()
            self._conns.append(c)
            t = threading.Thread(target=self._session, args=(s, c),
                                 daemon=True)
            t.start()
            self.threads.append(t)
            self.sessions.append(t)

    def _reply(self, stage, line):
        r = self.replies.get(stage, "500 5.5.1 Command unrecognized")
        if callable(r):
            r = r(line)
        return r

    def _send(self, s, r):
        """Sends r; False when the session ends here."""
        if r == "stall":
            s.settimeout(0.2)
            while not self.stop.is_set():
                try:
                    if s.recv(65536) == b"":
                        return False
                except socket.timeout:
                    continue
                except OSError:
                    return False
            return False
        if r == "close":
            return False
        if isinstance(r, str) and r.startswith("slow:"):
            # a byte every 0.3 s
            for b in (r[5:] + "\r\n").encode():
                if self.stop.wait(0.3):
                    return False
                try:
                    s.sendall(bytes([b]))
                except OSError:
                    return False
            return True
        hangup = isinstance(r, str) and r.endswith("|close")
        if hangup:
            r = r[:-len("|close")]
        data = r if isinstance(r, bytes) else (r + "\r\n").encode()
        try:
            s.sendall(data)
        except OSError:
            return False
        return not hangup

    def _session(self, s, c):
        buf = b""
        try:
            s.settimeout(30)
            if not self._send(s, self._reply("greeting", "")):
                return
            while not self.stop.is_set():
                while b"\n" not in buf:
                    d = s.recv(65536)
                    if not d:
                        return
                    c.raw += d
                    buf += d
                line, buf = buf.split(b"\n", 1)
                line = line.rstrip(b"\r").decode("latin-1")
                c.cmds.append(line)
                verb = line.split(" ", 1)[0].split(":", 1)[0].upper()
                if self.peek and verb in ("MAIL", "EHLO"):
                    time.sleep(self.peek)
                    s.setblocking(False)
                    try:
                        extra = s.recv(65536, socket.MSG_PEEK)
                    except BlockingIOError:
                        extra = b""
                    s.settimeout(30)
                    c.pipelined[verb] = len(buf) + len(extra)
                r = self._reply(verb, line)
                if not self._send(s, r):
                    return
                if verb == "DATA" and r.startswith("354"):
                    msg = b""
                    while True:
                        while b"\n" not in buf:
                            d = s.recv(65536)
                            if not d:
                                c.messages.append(msg)
                                return
                            c.raw += d
                            buf += d
                        l, buf = buf.split(b"\n", 1)
                        if l == b".\r":
                            break
                        msg += l + b"\n"
                    c.messages.append(msg)
                    if not self._send(s, self._reply("EOM", "")):
                        return
                if verb == "QUIT":
                    return
        except OSError:
            pass
        finally:
            s.close()


@pytest.fixture
def servers():
    made = []

    def make(**kw):
        srv = FakeSMTP(**kw)
        made.append(srv)
        return srv
    yield make
    for srv in made:
        srv.close()


def dead_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# ---------------------------------------------------------------- driver

MSG = b"Subject: test\n\nhello\n"


def send(hosts, rcpts, msg=MSG, args=(), timeout=60, msgfile=None):
    """Runs smtpc_send; returns (list of results, stderr transcript)."""
    argv = [TOOL, "-v"] + list(args)
    if msgfile is not None:
        argv += ["-m", msgfile]
    argv += [",".join(hosts)] + list(rcpts)
    p = subprocess.Popen(argv, stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, err = p.communicate(msg if msgfile is None else b"",
                                 timeout=timeout)
    except subprocess.TimeoutExpired:
        os.kill(p.pid, signal.SIGKILL)
        p.wait()
        raise
    res = [json.loads(l) for l in out.decode().splitlines() if l]
    assert res, err.decode()
    assert p.returncode == res[-1]["status"]
    return res, err.decode("latin-1")


def one(hosts, rcpts, **kw):
    res, _ = send(hosts, rcpts, **kw)
    assert len(res) == 1
    return res[0]


def lit(srv):
    return "[127.0.0.1]:%d" % srv.port


# ---------------------------------------------------------------- tests


def test_pipelined_transaction_exact_bytes(servers):
    srv = servers(peek=0.2)
    msg = (b"Subject: dots\n\n.leading dot\n..two\n.\nplain\r\n"
           b"bare\rcr\nlf only\nx.\n \n.last without newline")
    r = one([lit(srv)], ["a@b.test", "c@d.test"], msg=msg)
    assert r["status"] == 0
    assert r["stat"] == "Sent (Ok: queued as 12345)"
    assert r["dsn"] == "2.0.0"
    assert r["host"] == "[127.0.0.1]" and r["addr"] == "127.0.0.1"
    assert [x["status"] for x in r["rcpts"]] == [0, 0]
    assert [x["code"] for x in r["rcpts"]] == [250, 250]
    c = srv.conns[0]
    assert c.cmds[:5] == ["EHLO client.example.test",
                          "MAIL From:<sender@example.test>",
                          "RCPT To:<a@b.test>", "RCPT To:<c@d.test>",
                          "DATA"]
    # MAIL and both RCPTs came in one go: waiting when MAIL was read
    assert c.pipelined["MAIL"] == len(b"RCPT To:<a@b.test>\r\n"
                                      b"RCPT To:<c@d.test>\r\n")
    assert c.messages == [
        b"Subject: dots\r\n\r\n..leading dot\r\n...two\r\n..\r\n"
        b"plain\r\nbare\r\ncr\r\nlf only\r\nx.\r\n \r\n"
        b"..last without newline\r\n"]
    assert c.cmds[-1] == "QUIT"
    # nothing but CRLF line ends from the client, ever
    assert c.raw.count(b"\n") == c.raw.count(b"\r\n")
    assert c.raw.count(b"\r") == c.raw.count(b"\r\n")


def test_message_from_fd_is_the_same(servers, tmp_path):
    srv = servers()
    f = tmp_path / "msg"
    f.write_bytes(b"A: b\n\n.x\r\ny\n")
    r = one([lit(srv)], ["a@b.test"], msgfile=str(f))
    assert r["status"] == 0
    assert srv.conns[0].messages == [b"A: b\r\n\r\n..x\r\ny\r\n"]


def test_no_pipelining_waits_for_each_reply(servers):
    srv = servers(ehlo=["SIZE", "8BITMIME"], peek=0.2)
    r = one([lit(srv)], ["a@b.test", "c@d.test"])
    assert r["status"] == 0
    assert srv.conns[0].pipelined["MAIL"] == 0


def test_ehlo_5xx_falls_back_to_helo_without_extensions(servers):
    srv = servers(replies={"EHLO": "502 5.5.1 no EHLO here"})
    r = one([lit(srv)], ["a@b.test;SUCCESS;rfc822;a@b.test"],
            args=["-s", "123", "-E", "ENV1", "-R", "HDRS"])
    assert r["status"] == 0
    c = srv.conns[0]
    assert c.cmds[:4] == ["EHLO client.example.test",
                          "HELO client.example.test",
                          "MAIL From:<sender@example.test>",
                          "RCPT To:<a@b.test>"]
    # without ENHANCEDSTATUSCODES sendmail keeps the code in the text
    assert r["stat"] == "Sent (2.0.0 Ok: queued as 12345)"


def test_helo_only_when_greeting_does_not_say_esmtp(servers):
    srv = servers(replies={"greeting": "220 fake.example.test ready"})
    r = one([lit(srv)], ["a@b.test"])
    assert r["status"] == 0
    assert srv.conns[0].cmds[0] == "HELO client.example.test"
    srv2 = servers(replies={"greeting": "220 fake.example.test ready"})
    r = one([lit(srv2)], ["a@b.test"], args=["-F", "e"])
    assert srv2.conns[0].cmds[0] == "EHLO client.example.test"


def test_params_sent_only_when_offered(servers):
    full = servers()
    args = ["-s", "4321", "-8", "-E", "ENV+2B1", "-R", "HDRS"]
    r = one([lit(full)], ["a@b.test;SUCCESS,DELAY;rfc822;a+2Bx@b.test",
                          "n@b.test;NEVER", "plain@b.test"], args=args)
    assert r["status"] == 0
    assert full.conns[0].cmds[1:5] == [
        "MAIL From:<sender@example.test> SIZE=4321 BODY=8BITMIME "
        "ENVID=ENV+2B1 RET=HDRS",
        "RCPT To:<a@b.test> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;a+2Bx@b.test",
        "RCPT To:<n@b.test> NOTIFY=NEVER",
        "RCPT To:<plain@b.test>"]
    bare = servers(ehlo=["PIPELINING", "8BITMIME"])
    r = one([lit(bare)], ["a@b.test;SUCCESS;rfc822;a@b.test"], args=args)
    assert r["status"] == 0
    assert bare.conns[0].cmds[1:3] == [
        "MAIL From:<sender@example.test> BODY=8BITMIME",
        "RCPT To:<a@b.test>"]


def test_null_sender_and_body_type(servers):
    srv = servers()
    r = one([lit(srv)], ["a@b.test"], args=["-f", "", "-B", "7BIT"])
    assert r["status"] == 0
    assert srv.conns[0].cmds[1] == "MAIL From:<> BODY=7BIT"


def test_size_over_the_advertised_limit_is_refused_before_mail(servers):
    srv = servers(ehlo=["PIPELINING", "SIZE 1000"])
    r = one([lit(srv)], ["a@b.test", "c@d.test"], args=["-s", "5000"])
    assert r["status"] == 69
    assert r["dsn"] == "5.3.4"
    assert r["stat"] == "Message is too large; 1000 bytes max"
    assert r["msg"] == "552 5.3.4 Message is too large; 1000 bytes max"
    assert r["maxsize"] == 1000 and r["flags"] & 2
    assert [x["status"] for x in r["rcpts"]] == [69, 69]
    assert not any(c.startswith("MAIL") for c in srv.conns[0].cmds)
    assert srv.conns[0].cmds[-1] == "QUIT"
    # under the limit: SIZE= given
    srv2 = servers(ehlo=["PIPELINING", "SIZE 1000"])
    r = one([lit(srv2)], ["a@b.test"], args=["-s", "999"])
    assert r["status"] == 0
    assert srv2.conns[0].cmds[1] == "MAIL From:<sender@example.test> " \
        "SIZE=999"


def test_server_lying_about_size_rejects_mail_552(servers):
    srv = servers(replies={
        "MAIL": "552 5.3.4 Message size exceeds fixed limit"})
    r = one([lit(srv)], ["a@b.test"], args=["-s", "5000"])
    assert r["status"] == 69
    assert r["dsn"] == "5.3.4"
    assert r["stat"] == "Service unavailable"
    assert r["reply"] == "552 5.3.4 Message size exceeds fixed limit"
    assert r["rcpts"][0]["status"] == 69
    cmds = srv.conns[0].cmds
    assert "DATA" not in cmds and "RSET" in cmds


def test_server_lying_about_size_rejects_after_data(servers):
    srv = servers(replies={
        "EOM": "552 5.3.4 Message size exceeds fixed limit"})
    r = one([lit(srv)], ["a@b.test"], args=["-s", "10"])
    assert r["status"] == 69
    assert r["stat"] == "Service unavailable"
    assert r["rcpts"][0]["status"] == 69
    assert r["rcpts"][0]["reply"] == \
        "552 5.3.4 Message size exceeds fixed limit"


def test_8bit_body_to_peer_without_8bitmime_is_left_to_caller(servers):
    srv = servers(ehlo=["PIPELINING"])
    r = one([lit(srv)], ["a@b.test"], args=["-8"])
    assert r["status"] == 65
    assert r["dsn"] == "5.6.3"
    assert r["flags"] & 1
    assert r["msg"] == "[127.0.0.1] does not support 8BITMIME"
    assert not any(c.startswith("MAIL") for c in srv.conns[0].cmds)
    # the caller chose to send anyway (F=8 / EightBitMode=pass)
    srv2 = servers(ehlo=["PIPELINING"])
    r = one([lit(srv2)], ["a@b.test"], args=["-8", "-F", "8"],
            msg=b"S: x\n\ncaf\xc3\xa9\n")
    assert r["status"] == 0
    assert srv2.conns[0].cmds[1] == "MAIL From:<sender@example.test>"
    assert srv2.conns[0].messages == [b"S: x\r\n\r\ncaf\xc3\xa9\r\n"]


def test_per_recipient_results(servers):
    def rcpt(line):
        if "bad" in line:
            return "550 5.1.1 <bad@b.test>... User unknown"
        if "later" in line:
            return "451 4.3.0 <later@b.test>... Try again"
        if "full" in line:
            return "552 5.2.2 Mailbox full"
        if "notlocal" in line:
            return "551 User not local"
        return "250 2.1.5 Ok"
    srv = servers(replies={"RCPT": rcpt})
    r = one([lit(srv)], ["ok@b.test", "bad@b.test", "later@b.test",
                         "full@b.test", "notlocal@b.test"])
    assert r["status"] == 0
    rc = r["rcpts"]
    assert [x["status"] for x in rc] == [0, 67, 75, 69, 67]
    assert [x["code"] for x in rc] == [250, 550, 451, 552, 551]
    assert [x["dsn"] for x in rc] == ["2.0.0", "5.1.1", "4.3.0", "5.2.2",
                                      "5.1.6"]
    assert rc[0]["stat"] == "Sent (Ok: queued as 12345)"
    assert rc[1]["stat"] == "User unknown"
    assert rc[1]["reply"] == "550 5.1.1 <bad@b.test>... User unknown"
    assert rc[2]["stat"] == "Deferred: 451 4.3.0 <later@b.test>... Try again"
    assert rc[3]["stat"] == "Service unavailable"
    assert "DATA" in srv.conns[0].cmds


def test_no_recipient_accepted_no_data(servers):
    srv = servers(replies={"RCPT": "550 5.1.1 User unknown"})
    r = one([lit(srv)], ["a@b.test", "c@b.test"])
    assert r["status"] == 67
    assert r["dsn"] == "5.1.1"
    assert r["stat"] == "User unknown"
    assert r["reply"] == "550 5.1.1 User unknown"
    cmds = srv.conns[0].cmds
    assert "DATA" not in cmds
    assert cmds[-2:] == ["RSET", "QUIT"]
    # one temporary among permanent ones: the envelope is deferred
    srv2 = servers(replies={"RCPT": lambda l: "450 4.2.1 busy"
                            if "c@" in l else "550 5.1.1 unknown"})
    r = one([lit(srv2)], ["a@b.test", "c@b.test"])
    assert r["status"] == 75
    assert r["stat"] == "Deferred: 450 4.2.1 busy"
    assert [x["status"] for x in r["rcpts"]] == [67, 75]


@pytest.mark.parametrize("reply,status,dsn,stat", [
    ("451 4.3.0 Try later", 75, "4.3.0", "Deferred: 451 4.3.0 Try later"),
    ("421 4.3.2 Going down", 75, "4.3.2", "Deferred: 421 4.3.2 Going down"),
    ("501 5.5.2 Bad syntax", 65, "5.5.2", "Data format error"),
    ("553 5.1.8 Bad sender", 65, "5.1.8", "Data format error"),
    ("550 5.7.1 Go away", 69, "5.7.1", "Service unavailable"),
    ("354 what", 76, "5.5.1", "Remote protocol error"),
])
def test_mail_replies(servers, reply, status, dsn, stat):
    srv = servers(replies={"MAIL": reply})
    r = one([lit(srv)], ["a@b.test", "c@d.test"])
    assert (r["status"], r["dsn"], r["stat"]) == (status, dsn, stat)
    assert [x["status"] for x in r["rcpts"]] == [status, status]
    assert "DATA" not in srv.conns[0].cmds


def test_pipelined_mail_421_then_hangup_keeps_the_421(servers):
    srv = servers(replies={"MAIL": "421 4.3.2 Shutting down|close"})
    r = one([lit(srv)], ["a@b.test", "c@d.test"])
    assert r["status"] == 75
    assert r["stat"] == "Deferred: 421 4.3.2 Shutting down"
    assert [x["status"] for x in r["rcpts"]] == [75, 75]


def test_rcpt_421_then_hangup_defers_everyone(servers):
    srv = servers(replies={"RCPT": lambda l: "421 4.3.2 Bye|close"
                           if "c@" in l else "250 2.1.5 Ok"})
    r = one([lit(srv)], ["a@b.test", "c@d.test", "e@f.test"],
            args=["-F", "P"])
    assert r["status"] == 75
    assert [x["status"] for x in r["rcpts"]] == [75, 75, 75]
    assert "DATA" not in srv.conns[0].cmds


def test_mail_reply_without_enhanced_codes_uses_sendmail_defaults(servers):
    srv = servers(ehlo=["PIPELINING"],
                  replies={"MAIL": "553 sender rejected",
                           "RCPT": "503 need MAIL"})
    r = one([lit(srv)], ["a@b.test"])
    assert (r["status"], r["dsn"]) == (65, "5.1.3")


@pytest.mark.parametrize("stage,reply,status,stat", [
    ("DATA", "554 5.5.1 No valid recipients", 69, "Service unavailable"),
    ("DATA", "451 4.3.0 Not now", 75, "Deferred: 451 4.3.0 Not now"),
    ("DATA", "250 what", 76, "Remote protocol error"),
    ("EOM", "554 5.7.1 Spam", 69, "Service unavailable"),
    ("EOM", "452 4.3.1 Full", 75, "Deferred: 452 4.3.1 Full"),
])
def test_data_replies(servers, stage, reply, status, stat):
    srv = servers(replies={stage: reply})
    r = one([lit(srv)], ["a@b.test"])
    assert (r["status"], r["stat"]) == (status, stat)
    assert r["rcpts"][0]["status"] == status


def test_multiline_replies_first_line_kept(servers):
    srv = servers(replies={
        "greeting": "220-fake.example.test ESMTP\r\n220-more\r\n220 end",
        "MAIL": "250-2.1.0 first\r\n250 2.1.0 second",
        "EOM": "250-2.0.0 Queued as A1\r\n250-2.0.0 line two\r\n"
               "250 2.0.0 last",
    })
    r = one([lit(srv)], ["a@b.test"])
    assert r["status"] == 0
    assert r["stat"] == "Sent (Queued as A1)"
    assert r["reply"] == "250-2.0.0 Queued as A1"


def test_garbage_lines_are_skipped(servers):
    srv = servers(replies={
        "greeting": "hello there\r\n\r\n220 fake.example.test ESMTP",
        "MAIL": "xyz\r\n2\r\n250 ok"})
    r = one([lit(srv)], ["a@b.test"])
    assert r["status"] == 0


@pytest.mark.parametrize("bad", [
    "250-" + "x" * 5000,                      # line too long
    "\r\n".join(["250-x"] * 120 + ["250 x"]),  # too many lines
    "250-ok\r\n550 changed my mind",           # code changed
    "\r\n".join(["junk"] * 150),               # only garbage
])
def test_hostile_replies_are_protocol_errors(servers, bad):
    srv = servers(replies={"MAIL": bad})
    r = one([lit(srv)], ["a@b.test"])
    assert r["status"] == 76
    assert r["stat"] == "Remote protocol error"
    assert "DATA" not in srv.conns[0].cmds
    assert "QUIT" not in srv.conns[0].cmds   # out of step: just close


def test_hostile_reply_after_dot_defers(servers):
    srv = servers(replies={"EOM": "250-" + "y" * 9000})
    r = one([lit(srv)], ["a@b.test"])
    assert r["status"] == 75      # the message may have been taken


def test_reply_with_control_bytes_is_cleaned(servers):
    srv = servers(replies={
        "RCPT": b"550 5.1.1 bad\x01user\x7f\r\n"})
    r = one([lit(srv)], ["a@b.test"])
    assert r["rcpts"][0]["reply"] == "550 5.1.1 bad user "


def test_greeting_554_stops_without_next_host(servers):
    bad = servers(replies={"greeting": "554 5.7.1 No service"})
    good = servers()
    r = one([lit(bad), lit(good)], ["a@b.test"])
    assert r["status"] == 69
    assert r["dsn"] == "5.5.0"
    assert r["stat"] == "Service unavailable"
    assert r["reply"] == "554 5.7.1 No service"
    assert good.conns == []
    assert bad.conns[0].cmds == ["QUIT"]


def test_ehlo_and_helo_5xx_is_unavailable(servers):
    srv = servers(replies={"EHLO": "550 no", "HELO": "550 no"})
    r = one([lit(srv)], ["a@b.test"])
    assert r["status"] == 69


@pytest.mark.parametrize("greeting", [
    "421 4.3.2 Too busy", "close", "hello\r\n" + "x" * 5000,
])
def test_greeting_failure_tries_next_host(servers, greeting):
    bad = servers(replies={"greeting": greeting})
    good = servers()
    r = one([lit(bad), lit(good)], ["a@b.test"])
    assert r["status"] == 0
    assert r["host"] == "[127.0.0.1]"
    assert len(good.conns) == 1 and good.conns[0].messages


def test_connection_refused_tries_next_host(servers):
    good = servers()
    r = one(["[127.0.0.1]:%d" % dead_port(), lit(good)], ["a@b.test"])
    assert r["status"] == 0
    assert len(good.conns) == 1


def test_all_hosts_refused_defers(servers):
    r = one(["[127.0.0.1]:%d" % dead_port(),
             "[127.0.0.1]:%d" % dead_port()], ["a@b.test"])
    assert r["status"] == 75
    assert r["dsn"] == "4.4.1"
    assert r["stat"] == "Deferred: Connection refused by [127.0.0.1]"
    assert r["rcpts"][0]["stat"] == r["stat"]


def test_host_names_resolved(servers):
    srv = servers()
    r = one(["localhost:%d" % srv.port], ["a@b.test"])
    assert r["status"] == 0
    assert r["host"] == "localhost"
    assert r["addr"] in ("127.0.0.1", "::1")
    r = one(["nonexistent.invalid:%d" % srv.port], ["a@b.test"])
    assert r["status"] in (68, 75)
    if r["status"] == 68:
        assert r["stat"] == ("Host unknown (Name server: "
                             "nonexistent.invalid: host not found)")


def test_unknown_host_then_refused_is_deferred():
    r = one(["[127.0.0.1]:%d" % dead_port(), "nonexistent.invalid"],
            ["a@b.test"])
    assert r["status"] == 75


def test_ipv6_literal(servers):
    try:
        srv = servers(v6=True)
    except OSError as e:
        pytest.skip("no ::1 here: %s" % e)
    r = one(["[IPv6:::1]:%d" % srv.port], ["a@b.test"])
    assert r["status"] == 0
    assert r["host"] == "[IPv6:::1]" and r["addr"] == "::1"
    # a local address of the other family cannot be used
    r = one(["[IPv6:::1]:%d" % srv.port], ["a@b.test"],
            args=["-b", "127.0.0.1"])
    assert r["status"] == 75


def test_bind_address(servers):
    srv = servers()
    r = one([lit(srv)], ["a@b.test"], args=["-b", "127.0.0.1"])
    assert r["status"] == 0


@pytest.mark.parametrize("stage,tmo", [
    ("greeting", "initial"), ("EHLO", "helo"), ("MAIL", "mail"),
    ("RCPT", "rcpt"), ("DATA", "datainit"), ("EOM", "datafinal"),
])
def test_stall_at_each_stage_times_out(servers, stage, tmo):
    srv = servers(replies={stage: "stall"})
    t0 = time.monotonic()
    r = one([lit(srv)], ["a@b.test"], args=["-t", "%s=1" % tmo])
    assert time.monotonic() - t0 < 10
    assert r["status"] == 75
    assert r["stat"] == "Deferred: Connection timed out with [127.0.0.1]"


@pytest.mark.parametrize("stage", ["EHLO", "MAIL", "RCPT", "DATA", "EOM"])
def test_close_at_each_stage_defers(servers, stage):
    srv = servers(replies={stage: "close"})
    r = one([lit(srv)], ["a@b.test"])
    assert r["status"] == 75
    assert r["stat"] == "Deferred: Connection reset by [127.0.0.1]"
    assert r["rcpts"][0]["status"] == 75


def test_connect_timeout_on_full_backlog(servers):
    """A listener that never accepts and whose backlog is full: the SYN
    goes unanswered and Timeout.connect ends the wait."""
    lst = socket.socket()
    lst.bind(("127.0.0.1", 0))
    lst.listen(0)
    port = lst.getsockname()[1]
    fillers = []
    try:
        for _ in range(8):
            f = socket.socket()
            f.setblocking(False)
            try:
                f.connect(("127.0.0.1", port))
            except BlockingIOError:
                pass
            fillers.append(f)
        time.sleep(0.2)
        probe = socket.socket()
        probe.settimeout(1)
        try:
            probe.connect(("127.0.0.1", port))
            pytest.skip("the kernel still completes connections here")
        except (socket.timeout, OSError):
            pass
        finally:
            probe.close()
        good = servers()
        t0 = time.monotonic()
        r = one(["[127.0.0.1]:%d" % port, lit(good)], ["a@b.test"],
                args=["-t", "connect=1"])
        assert time.monotonic() - t0 < 10
        assert r["status"] == 0 and len(good.conns) == 1
        r = one(["[127.0.0.1]:%d" % port], ["a@b.test"],
                args=["-t", "connect=1"])
        assert r["status"] == 75
        assert r["dsn"] == "4.4.1"
        assert r["stat"] == "Deferred: Connection timed out with " \
            "[127.0.0.1]"
    finally:
        for f in fillers:
            f.close()
        lst.close()


def test_unreadable_message_never_gets_the_final_dot(servers, tmp_path):
    srv = servers()
    r = one([lit(srv)], ["a@b.test"], msgfile=str(tmp_path))  # a folder
    assert r["status"] == 75
    assert r["stat"].startswith("Deferred: error reading the message")
    c = srv.conns[0]
    assert c.cmds[-1] == "DATA"
    assert c.messages == [b""]          # the connection dropped instead


def test_reply_dribbled_out_meets_the_whole_reply_deadline(servers):
    """Timeout.mail bounds the whole reply, not each read: a peer sending
    a byte every 0.3 s cannot hold the client beyond it."""
    srv = servers(replies={"MAIL": "slow:250 2.1.0 sender is fine"})
    t0 = time.monotonic()
    r = one([lit(srv)], ["a@b.test"], args=["-t", "mail=2"])
    assert time.monotonic() - t0 < 6
    assert r["status"] == 75
    assert r["stat"] == "Deferred: Connection timed out with [127.0.0.1]"
    srv2 = servers(replies={"MAIL": "slow:250 ok"})
    r = one([lit(srv2)], ["a@b.test"], args=["-t", "mail=10"])
    assert r["status"] == 0


@pytest.mark.parametrize("bad", [b"250 o\x00k\r\n", b"150 wait\r\n",
                                 b"250-a\r\n250-\x00\r\n250 b\r\n"])
def test_reply_shaped_but_malformed_is_a_protocol_error(servers, bad):
    """Skipping it would take the next pipelined reply for this one."""
    srv = servers(replies={"MAIL": bad})
    t0 = time.monotonic()
    r = one([lit(srv)], ["a@b.test"])
    assert time.monotonic() - t0 < 5
    assert r["status"] == 76
    assert "DATA" not in srv.conns[0].cmds


def test_8bit_ok_in_greeting_lets_8bit_through(servers):
    srv = servers(ehlo=["PIPELINING"], replies={
        "greeting": "220 fake.example.test ESMTP 8BIT-OK"})
    r = one([lit(srv)], ["a@b.test"], args=["-8"])
    assert r["status"] == 0


def test_stalled_greeting_then_next_host(servers):
    bad = servers(replies={"greeting": "stall"})
    good = servers()
    r = one([lit(bad), lit(good)], ["a@b.test"], args=["-t", "initial=1"])
    assert r["status"] == 0


def test_many_pipelined_recipients_do_not_deadlock(servers):
    srv = servers()
    rcpts = ["user%d-%s@b.test" % (i, "x" * 200) for i in range(3000)]
    r = one([lit(srv)], rcpts, timeout=120)
    assert r["status"] == 0
    assert len(r["rcpts"]) == 3000
    assert all(x["status"] == 0 for x in r["rcpts"])


def test_loop_back_to_me_is_a_config_error(servers):
    srv = servers(replies={"EHLO": "250 client.example.test Hi"})
    r = one([lit(srv)], ["a@b.test"])
    assert r["status"] == 78
    assert r["reply"] == "553 5.3.5 system config error"
    srv2 = servers(replies={"EHLO": "250 client.example.test Hi"})
    r = one([lit(srv2)], ["a@b.test"], args=["-F", "k"])
    assert r["status"] == 0


def test_addresses_that_would_break_the_command_line_never_go_out(servers):
    srv = servers()
    r = one([lit(srv)], ["a@b.test\r\nRSET", "ok@b.test",
                         "x@b.test;;bad orcpt"])
    assert [x["status"] for x in r["rcpts"]] == [65, 0, 65]
    assert srv.conns[0].cmds[1:3] == ["MAIL From:<sender@example.test>",
                                      "RCPT To:<ok@b.test>"]
    assert b"RSET" not in srv.conns[0].raw


def test_line_limit_cuts_long_lines_with_bang(servers):
    srv = servers()
    r = one([lit(srv)], ["a@b.test"], args=["-L", "10"],
            msg=b"S: x\n\n.23456789abcdefghijkl\n0123456789\n")
    assert r["status"] == 0
    assert srv.conns[0].messages == [
        b"S: x\r\n\r\n..23456789!\r\nabcdefghi!\r\njkl\r\n0123456789\r\n"]


def test_connection_reused_with_rset(servers):
    srv = servers()
    res, _ = send([lit(srv)], ["a@b.test"], args=["-n", "3"])
    assert [r["status"] for r in res] == [0, 0, 0]
    assert [r["flags"] & 4 for r in res] == [0, 4, 4]
    assert len(srv.conns) == 1
    c = srv.conns[0]
    assert len(c.messages) == 3
    assert [x for x in c.cmds if x.split(" ")[0] in
            ("EHLO", "MAIL", "RSET", "DATA", "QUIT")] == [
        "EHLO client.example.test", "MAIL From:<sender@example.test>",
        "DATA", "RSET", "MAIL From:<sender@example.test>", "DATA",
        "RSET", "MAIL From:<sender@example.test>", "DATA", "QUIT"]


def test_max_messages_per_connection(servers):
    srv = servers()
    res, _ = send([lit(srv)], ["a@b.test"], args=["-n", "3", "-k", "2"])
    assert [r["status"] for r in res] == [0, 0, 0]
    assert [len(c.messages) for c in srv.conns] == [2, 1]
    assert all(c.cmds[-1] == "QUIT" for c in srv.conns)


def test_dead_cached_connection_is_replaced(servers):
    n = {"rset": 0}

    def rset(line):
        n["rset"] += 1
        return "close"
    srv = servers(replies={"RSET": rset})
    res, _ = send([lit(srv)], ["a@b.test"], args=["-n", "2"])
    assert [r["status"] for r in res] == [0, 0]
    assert len(srv.conns) == 2 and n["rset"] == 1


def test_transcript(servers):
    srv = servers(replies={"RCPT": "550 5.1.1 nope"})
    _, err = send([lit(srv)], ["a@b.test"])
    assert ">>> RCPT To:<a@b.test>" in err
    assert "<<< 550 5.1.1 nope" in err


# ------------------------------------------------------------ smtp-sink


@pytest.fixture
def smtp_sink():
    if not os.access(SINK, os.X_OK):
        pytest.skip("no Postfix smtp-sink in %s" % SINK_DIR)
    # smtp-sink -u nobody must reach the dump file: not under tmp_path,
    # whose parents are private to us
    d = tempfile.mkdtemp(prefix="smtpc-sink-")
    os.chmod(d, 0o777)
    dump = os.path.join(d, "dump")
    port = dead_port()
    argv = [SINK, "-D", dump, "127.0.0.1:%d" % port, "100"]
    if os.getuid() == 0:
        argv[1:1] = ["-u", "nobody"]
    env = dict(os.environ, LD_LIBRARY_PATH=SINK_LIB)
    p = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            break
        except OSError:
            if p.poll() is not None:
                pytest.skip("smtp-sink did not start: %s" %
                            p.stderr.read().decode(errors="replace"))
            time.sleep(0.05)
    yield port, dump
    stop_child(p, 5)
    shutil.rmtree(d, ignore_errors=True)


def test_smtp_sink_receives_the_message(smtp_sink):
    port, dump = smtp_sink
    msg = b"Subject: sink\n\n.dot\n..two\nbare\rcr\r\nend"
    r = one(["[127.0.0.1]:%d" % port],
            ["a@b.test", "c@d.test;SUCCESS;rfc822;c@d.test"], msg=msg,
            args=["-s", str(len(msg)), "-E", "ID1", "-R", "FULL"])
    assert r["status"] == 0
    assert r["stat"] == "Sent (Ok)"
    assert [x["status"] for x in r["rcpts"]] == [0, 0]
    for _ in range(50):
        if os.path.exists(dump) and os.path.getsize(dump) > 0:
            break
        time.sleep(0.1)
    with open(dump, "rb") as f:
        d = f.read()
    # smtp-sink offers no SIZE: no SIZE= though the size was known
    assert b"X-Mail-Args: <sender@example.test> ENVID=ID1 RET=FULL\n" in d
    assert b"X-Rcpt-Args: <a@b.test>\n" in d
    assert b"X-Rcpt-Args: <c@d.test> NOTIFY=SUCCESS " \
        b"ORCPT=rfc822;c@d.test\n" in d
    # smtp-sink un-stuffs and writes LF: the message comes back whole
    body = d.split(b"Subject: sink\n", 1)[1]
    assert body.startswith(b"\n.dot\n..two\nbare\ncr\nend\n")


def test_smtp_sink_reuse(smtp_sink):
    port, _ = smtp_sink
    res, err = send(["[127.0.0.1]:%d" % port], ["a@b.test"],
                    args=["-n", "5"])
    assert [r["status"] for r in res] == [0] * 5, res[0]["stat"]
    assert err.count(">>> EHLO") == 1
    assert err.count(">>> RSET") == 4
