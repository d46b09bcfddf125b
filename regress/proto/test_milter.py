"""Mail filters (milter protocol 6) in front of our SMTP daemon.

The filter is regress/proto/milter/testfilter.c, built by the test with
gcc against Debian's libmilter into the test's tmp folder and started on
127.0.0.1 with a port chosen at run time; its command line says what it
answers at each step.  The daemon's cf comes from our m4 package with
INPUT_MAIL_FILTER.  Checked: the SMTP replies for every kind of answer,
the qf/df a 250 leaves after the filter's changes, what the filter saw
(its log), and a filter that is down, closes the socket, answers
garbage or is too slow, with F=R, F=T and the default.  Every process is
stopped by its PID.
"""

import glob
import os
import shutil
import smtplib
import socket
import subprocess
import threading
import time

import pytest

from procs import stop_child
from test_smtpd import Daemon, free_port, read_qf

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(HERE, "milter", "testfilter.c")

pytestmark = pytest.mark.skipif(
    not os.path.exists("/usr/include/libmilter/mfapi.h") or
    shutil.which("gcc") is None, reason="no libmilter-dev or gcc")

MSG = ("From: a@client.example\r\nTo: root@mail.example.test\r\n"
       "Subject: milter test\r\nMessage-Id: <m1@client.example>\r\n\r\n"
       "line one\r\nline two\r\n")

NOSIZE = "define(`confMAX_MESSAGE_SIZE', `0')dnl\n"


@pytest.fixture(scope="module")
def filterbin(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("tf") / "testfilter")
    subprocess.run(["gcc", "-O1", "-o", out, SRC, "-lmilter", "-lpthread"],
                   check=True, timeout=120)
    return out


class Filter:
    """The test filter on 127.0.0.1:port; stop() by its PID."""

    def __init__(self, binary, root, actions, opts=()):
        self.port = free_port()
        self.log = os.path.join(root, "filter.log")
        self.proc = subprocess.Popen(
            [binary, "-p", "inet:%d@127.0.0.1" % self.port, "-l", self.log]
            + list(opts) + list(actions), stdout=subprocess.PIPE)
        assert self.proc.stdout.readline().strip() == b"ready"
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", self.port), 1).close()
                return
            except OSError:
                time.sleep(0.02)
        raise AssertionError("filter does not listen")

    def seen(self, want=None):
        """The filter's log lines; with want, waits (10 s at most) for
        that line, as the filter writes it in its own time."""
        lines = []
        for _ in range(200):
            if os.path.exists(self.log):
                with open(self.log) as f:
                    lines = f.read().splitlines()
                if want is None or want in lines:
                    break
            time.sleep(0.05)
        return lines

    def stop(self):
        stop_child(self.proc)
        self.proc.stdout.close()


def mta(root, port, flags="", timeouts="", made=None, extra=""):
    """Our daemon with filter t1 at port; added to made before it starts
    so that the caller stops it whatever happens."""
    spec = "S=inet:%d@127.0.0.1" % port
    if flags:
        spec += ", F=" + flags
    if timeouts:
        spec += ", T=" + timeouts
    # RefuseLA (12 per processor by default) would hold connections in
    # the listen queue on a machine other jobs load: the tests then time
    # out for reasons not theirs
    d = Daemon(root, mc_extra=extra + "define(`confREFUSE_LA', `1000')dnl\n"
               "INPUT_MAIL_FILTER(`t1', `%s')dnl\n" % spec)
    if made is not None:
        made.append(d)
    try:
        d.start()
    except TimeoutError:
        # a loaded machine: the start probe's 1 s was not enough, but the
        # daemon wrote its pid and listens
        assert d.pid
    return d


@pytest.fixture
def world(tmp_path, filterbin):
    made = []

    def make(actions, flags="", timeouts="", opts=(), extra=""):
        f = Filter(filterbin, str(tmp_path), actions, opts)
        made.append(f)
        d = mta(str(tmp_path / "mta" / str(len(made))), f.port, flags,
                timeouts, made, extra)
        return f, d
    yield make
    for p in reversed(made):
        p.stop()


def send(d, sender="<a@client.example>", rcpts=("<root@mail.example.test>",),
         data=MSG, with_greeting=False):
    """The replies to MAIL, each RCPT and the end of DATA (the greeting
    first with_greeting)."""
    s = smtplib.SMTP(timeout=30)
    greeting = s.connect("127.0.0.1", d.port)
    s.ehlo("client.example")
    out = [s.docmd("MAIL FROM:" + sender)]
    for r in rcpts:
        out.append(s.docmd("RCPT TO:" + r))
    code, _ = s.docmd("DATA")
    if code == 354:
        s.send(data.encode() + b".\r\n")
        out.append(s.getreply())
    else:
        out.append((code, _))
    s.quit()
    return out if not with_greeting else [greeting] + out


def queued(d):
    """[(qf text, df bytes)] of the queue (hf: quarantined, too)."""
    out = []
    for qf in d.queue() + glob.glob(os.path.join(d.root, "mqueue", "hf*")):
        df = os.path.join(os.path.dirname(qf), "df" + os.path.basename(qf)[2:])
        with open(df, "rb") as f:
            out.append((read_qf(qf), f.read()))
    return out


def headers(qf):
    """The H lines without their ?flags? part."""
    out = []
    last = None
    for line in qf.split("\n"):
        if line.startswith("\t") and last == "H":
            out[-1] += "\n" + line     # a folded header goes on
            continue
        last = line[:1]
        if line.startswith("H?"):
            out.append(line[line.index("?", 2) + 1:])
        elif line.startswith("H"):
            out.append(line[1:])
    return out


def test_continue_queues_and_the_filter_sees_everything(world):
    f, d = world([])
    r = send(d, rcpts=("<root@mail.example.test> NOTIFY=NEVER",))
    assert r[-1][0] == 250
    [(qf, df)] = queued(d)
    assert df == b"line one\nline two\n"
    seen = f.seen("macro eom {msg_id}=<m1@client.example>")
    assert "connect localhost" in seen
    assert "helo client.example" in seen
    assert "mail <a@client.example>" in seen
    assert "rcpt <root@mail.example.test> NOTIFY=NEVER" in seen
    assert "header Subject: milter test" in seen
    assert "eoh" in seen and "eom" in seen
    assert "body 20 line one\\r\\nline two\\r\\n" in seen
    # the cf's Milter.macros.* reach the filter
    assert "macro connect j=mail.example.test" in seen
    assert "macro connect {daemon_name}=MTA" in seen
    assert any(x.startswith("macro mail i=") for x in seen)
    assert "macro rcpt {rcpt_addr}=root" in seen
    assert "macro eom {msg_id}=<m1@client.example>" in seen


# the words are sendmail 8.17's, seen by running it with this filter
REJECTS = {
    "mail": b"5.7.1 <a@client.example>... Command rejected",
    "rcpt": b"5.7.1 <root@mail.example.test>... Command rejected",
    "data": b"5.7.1 Command rejected",
}


@pytest.mark.parametrize("stage", ["mail", "rcpt", "data", "eom", "header",
                                   "body", "eoh"])
def test_reject_at_each_step(world, stage):
    f, d = world([stage + ":reject"])
    r = send(d)
    idx = {"mail": 0, "rcpt": 1}.get(stage, -1)
    # the end of the message: 554 (550 before it)
    assert r[idx] == ((550, REJECTS[stage]) if stage in REJECTS else
                      (554, b"5.7.1 Command rejected"))
    assert queued(d) == []


@pytest.mark.parametrize("stage", ["mail", "rcpt", "data", "eom"])
def test_tempfail_at_each_step(world, stage):
    f, d = world([stage + ":tempfail"])
    r = send(d)
    idx = {"mail": 0, "rcpt": 1}.get(stage, -1)
    assert r[idx] == (451, b"4.3.2 Please try again later")
    assert queued(d) == []


@pytest.mark.parametrize("stage", ["connect", "helo"])
def test_tempfail_at_connect_or_helo_refuses_every_mail(world, stage):
    f, d = world([stage + ":tempfail"])
    r = send(d)
    assert r[0] == (451, b"4.3.2 Please try again later")
    assert r[1][0] == 503
    assert queued(d) == []


def test_reject_at_helo_serves_no_mail(world):
    f, d = world(["helo:reject"])
    s = smtplib.SMTP("127.0.0.1", d.port, timeout=30)
    code, msg = s.ehlo("client.example")
    assert code == 250 and msg.split(b"\n")[-1] == b"ENHANCEDSTATUSCODES"
    assert s.docmd("MAIL FROM:<a@client.example>") == (
        550, b"5.0.0 Command rejected")
    s.quit()


def test_reject_one_recipient_keeps_the_others(world):
    f, d = world(["rcpt:if:postmaster", "rcpt:reject"])
    r = send(d, rcpts=("<postmaster@mail.example.test>",
                       "<root@mail.example.test>"))
    assert r[1][0] == 550 and r[2][0] == 250 and r[3][0] == 250
    [(qf, df)] = queued(d)
    rlines = [x for x in qf.split("\n") if x.startswith("R")]
    assert rlines == ["RPFD:<root@mail.example.test>"]


def test_discard_says_250_and_queues_nothing(world):
    f, d = world(["eom:discard"])
    r = send(d)
    assert r[-1][0] == 250
    assert queued(d) == []


def test_discard_at_rcpt(world):
    f, d = world(["rcpt:discard"])
    r = send(d)
    assert r[-1][0] == 250
    assert queued(d) == []


def test_replycode_single_and_multiline(world):
    f, d = world(["mail:reply:553:5.7.0:go away"])
    r = send(d)
    assert r[0] == (553, b"5.7.0 <a@client.example>... go away")
    f.stop()
    d.stop()
    f2, d2 = world(["eom:reply:452:4.2.2:full:really full"])
    r = send(d2)
    assert r[-1][0] == 452
    assert r[-1][1] == b"4.2.2 full\n4.2.2 really full"
    assert queued(d2) == []


def test_connect_reject_refuses_commands(world):
    f, d = world(["connect:reject"])
    r = send(d, with_greeting=True)
    assert r[0] == (554, b"mail.example.test ESMTP not accepting messages")
    assert r[1] == (550, b"5.0.0 Command rejected")
    assert queued(d) == []


def test_unknown_command_goes_to_the_filter(world):
    f, d = world(["unknown:reject"])
    s = smtplib.SMTP("127.0.0.1", d.port, timeout=30)
    s.ehlo("client.example")
    assert s.docmd("FOO bar") == (550, b"5.7.1 Command rejected")
    assert s.docmd("MAIL FROM:<a@client.example>")[0] == 250
    s.quit()
    assert "unknown FOO bar" in f.seen("unknown FOO bar")


def test_header_changes_reach_the_qf(world):
    f, d = world(["eom:addhdr:X-Added:yes",
                  "eom:chghdr:Subject:1:changed",
                  "eom:inshdr:0:X-First:top",
                  "eom:chghdr:To:1:"])
    r = send(d)
    assert r[-1][0] == 250
    [(qf, df)] = queued(d)
    h = headers(qf)
    assert "X-Added: yes" in h
    assert "Subject: changed" in h
    assert not any(x.startswith("To:") for x in h)
    # index 0: before Received, after Return-Path, as sendmail puts it
    assert h[1] == "X-First: top" and h[2].startswith("Received:")


def test_recipient_and_sender_changes(world):
    f, d = world(["eom:addrcpt:<new@mail.example.test>",
                  "eom:addrcptpar:<par@mail.example.test>:NOTIFY=NEVER",
                  "eom:delrcpt:<root@mail.example.test>",
                  "eom:chgfrom:<other@client.example>"])
    r = send(d)
    assert r[-1][0] == 250
    [(qf, df)] = queued(d)
    rlines = [x for x in qf.split("\n") if x.startswith("R")]
    # the flags sendmail gives them: NOTIFY=NEVER is N without S, F, D
    assert sorted(rlines) == ["RPFD:<new@mail.example.test>",
                              "RPN:<par@mail.example.test>"]
    assert "S<other@client.example>" in qf.split("\n")


def test_replace_body_rewrites_the_df(world):
    f, d = world(["eom:replbody:new body\\nsecond\\n"])
    r = send(d)
    assert r[-1][0] == 250
    [(qf, df)] = queued(d)
    assert df == b"new body\nsecond\n"


def test_quarantine_writes_the_q_line(world):
    f, d = world(["eom:quarantine:looks bad"])
    r = send(d)
    assert r[-1][0] == 250
    assert d.queue() == []      # held: an hf, not a qf
    [(qf, df)] = queued(d)
    assert "qlooks bad" in qf.split("\n")


def test_progress_keeps_a_slow_filter_alive(world):
    # T=E is 2 s; the filter works 4 s but reports progress each second
    f, d = world(["eom:progress:4", "eom:addhdr:X-Slow:done"],
                 flags="R", timeouts="E:2s")
    r = send(d)
    assert r[-1][0] == 250
    [(qf, df)] = queued(d)
    assert "X-Slow: done" in headers(qf)


def test_skip_stops_the_body(world):
    big = MSG + ("x" * 998 + "\r\n") * 200
    f, d = world(["body:skip"], extra=NOSIZE)
    r = send(d, data=big)
    assert r[-1][0] == 250
    bodies = [x for x in f.seen() if x.startswith("body ")]
    assert len(bodies) == 1


def test_body_chunks_are_at_most_65535(world):
    big = MSG + ("y" * 998 + "\r\n") * 200
    f, d = world([], extra=NOSIZE)
    r = send(d, data=big)
    assert r[-1][0] == 250
    sizes = [int(x.split()[1]) for x in f.seen() if x.startswith("body ")]
    assert max(sizes) <= 65535 and len(sizes) >= 4
    assert sum(sizes) == 20 + 1000 * 200


def test_no_reply_steps(world):
    # the filter asks not to answer headers (SMFIP_NR_HDR 0x80) and not
    # to get the connect step (SMFIP_NOCONNECT 0x1)
    f, d = world(["eom:addhdr:X-NR:1"], opts=("-P", "81"))
    r = send(d)
    assert r[-1][0] == 250
    seen = f.seen()
    assert not any(x.startswith("connect") for x in seen)
    assert "header Subject: milter test" in seen
    [(qf, df)] = queued(d)
    assert "X-NR: 1" in headers(qf)


def test_filter_asks_for_its_own_macros(world):
    # SMFIR_SETSYMLIST: stage 2 (envfrom) gets only {mail_addr}
    f, d = world([], opts=("-m", "2={mail_addr}"))
    r = send(d)
    assert r[-1][0] == 250
    seen = f.seen()
    assert "macro mail {mail_addr}=a@client.example" in seen
    assert not any(x.startswith("macro mail i=") for x in seen)


# ---- filters that fail


@pytest.mark.parametrize("flags,code", [("", 250), ("R", 550), ("T", 451)])
def test_filter_not_listening(tmp_path, flags, code):
    # sendmail 8.17: F=R is a reject at connect (554 greeting, 550 5.0.0
    # to commands), F=T tempfails every MAIL
    made = []
    port = free_port()          # nobody listens there
    try:
        d = mta(str(tmp_path / "mta"), port, flags, "C:2s", made)
        r = send(d, with_greeting=True)
        if code == 250:
            assert r[0][0] == 220 and r[-1][0] == 250
            assert len(queued(d)) == 1
        elif code == 550:
            assert r[0][0] == 554
            assert r[1] == (550, b"5.0.0 Command rejected")
        else:
            assert r[0][0] == 220
            assert r[1] == (451, b"4.3.2 Please try again later")
        if code != 250:
            assert queued(d) == []
    finally:
        for d in made:
            d.stop()


class FakeFilter:
    """A filter that negotiates, then misbehaves as told at the Nth
    command: 'close' the socket, answer 'garbage', or stay 'silent'."""

    def __init__(self, how, at):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.port = self.sock.getsockname()[1]
        self.how, self.at = how, at
        self.stopping = False
        self.t = threading.Thread(target=self.serve, daemon=True)
        self.t.start()

    def serve(self):
        while not self.stopping:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.one, args=(c,), daemon=True).start()

    @staticmethod
    def pkt(cmd, data=b""):
        return (len(data) + 1).to_bytes(4, "big") + cmd + data

    def one(self, c):
        n = 0
        buf = b""
        try:
            while True:
                while len(buf) < 4 or len(buf) < 4 + int.from_bytes(
                        buf[:4], "big"):
                    more = c.recv(65536)
                    if not more:
                        return
                    buf += more
                ln = int.from_bytes(buf[:4], "big")
                cmd, buf = buf[4:5], buf[4 + ln:]
                if cmd == b"O":
                    c.sendall(self.pkt(b"O", (6).to_bytes(4, "big") +
                                       (0x1ff).to_bytes(4, "big") +
                                       (0).to_bytes(4, "big")))
                    continue
                if cmd in (b"D", b"A"):
                    continue
                if cmd in (b"Q", b"K"):
                    return
                n += 1
                if n == self.at:
                    if self.how == "close":
                        return
                    if self.how == "garbage":
                        c.sendall(b"\xff\xff\xff\xffjunk")
                        time.sleep(0.5)
                        return
                    if self.how == "badreply":
                        c.sendall(self.pkt(b"Z"))
                        continue
                    if self.how == "silent":
                        time.sleep(6)
                        return
                c.sendall(self.pkt(b"c"))
        finally:
            c.close()

    def stop(self):
        self.stopping = True
        self.sock.close()


# commands counted: connect 1, helo 2, mail 3, rcpt 4
@pytest.mark.parametrize("how", ["close", "garbage", "badreply", "silent"])
@pytest.mark.parametrize("flags,code", [("", 250), ("R", 550), ("T", 451)])
def test_filter_breaks_at_mail(tmp_path, how, flags, code):
    ff = FakeFilter(how, 3)
    made = []
    try:
        d = mta(str(tmp_path / "mta"), ff.port, flags, "R:2s", made)
        r = send(d)
        if code == 250:
            assert r[0][0] == 250 and r[-1][0] == 250
            assert len(queued(d)) == 1
        else:
            assert r[0] == (code, REJECTS["mail"] if code == 550 else
                            b"4.3.2 Please try again later")
            assert queued(d) == []
    finally:
        for d in made:
            d.stop()
        ff.stop()
