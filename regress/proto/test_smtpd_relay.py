"""Open-relay probes and hostile clients against our SMTP daemon
(sendmail -bd on 127.0.0.1, the Daemon of test_smtpd.py: a cf compiled by
our m4 package, its own queue folder, stopped by the PID it wrote).

Reference reliability.md §3.11: the 25 probes (nmap's smtp-open-relay set
and the classic variants) from an unauthorised client, 127.0.0.2, each
refused as sendmail 8.17 refuses it (550 5.7.1 ... Relaying denied; the
two double-'@' forms 553 5.1.3 ... Invalid route address), in every mode
of the reference: a session of its own, the n-th transaction after RSET
(the §3.12 trap: the decision must not change), behind a failed AUTH and
a refused STARTTLS, with EHLO localhost / [127.0.0.1], and all pipelined
in one write.  DATA is then refused and the queue stays empty.  Controls:
a local recipient from 127.0.0.2 and a remote one from 127.0.0.1 are
accepted, so the probes would show it if the relay check were broken.

Daemon-only hostile clients (§3.1, §4.4): a partial command line then
close (slowloris), a close in the middle of DATA, 1,000 RCPTs, a 10 MB
header line: nothing half-written in the queue, and the daemon still
answers the next client.
"""

import os
import socket
import smtplib
import struct
import sys
import threading
import time

import pytest

from test_smtpd import SENDMAIL, Daemon, read_qf

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "diff"))
from smtp_hostile_diff import relay_probes  # noqa: E402

pytestmark = pytest.mark.skipif(not os.access(SENDMAIL, os.X_OK),
                                reason="no %s" % SENDMAIL)

R = "mail.example.test"       # the daemon's $j (confDOMAIN_NAME)
RIP = "[127.0.0.1]"
T = "example.net"
U = "relaytest"
OUTSIDE = ("127.0.0.2", 0)    # no name, not local, no access entry

PROBES = relay_probes(R)      # (MAIL FROM, RCPT TO), reference §3.11
ROUTE_PROBES = (9, 10)        # 553 5.1.3 Invalid route address
LOCAL_SENDER_PROBES = (4,)    # MAIL refused from a client not in $=w


def expected(n, rcpt):
    """The oracle's refusal of probe n (1-based): (code, text start)."""
    if n in ROUTE_PROBES:
        return 553, "5.1.3 <%s>... Invalid route address" % rcpt
    return 550, "5.7.1 <%s>... Relaying denied" % rcpt


@pytest.fixture(scope="module")
def relayd(tmp_path_factory):
    d = Daemon(str(tmp_path_factory.mktemp("relayd")))
    d.start()
    yield d
    d.stop()


def queue_files(d):
    """Every file in the queue folder (qf, df, tf, xf ...)."""
    return sorted(os.listdir(os.path.join(d.root, "mqueue")))


def connect(d, source=OUTSIDE, helo="outside.example.net"):
    s = smtplib.SMTP("127.0.0.1", d.port, timeout=20,
                     source_address=source)
    assert s.ehlo(helo)[0] == 250
    return s


def try_probe(s, n):
    """MAIL, RCPT, DATA of probe n on session s; asserts the refusal."""
    frm, rcpt = PROBES[n - 1]
    # smtplib's mail()/rcpt() would unquote '"u@T"': the bytes go as they are
    code, msg = s.docmd("MAIL", "FROM:<%s>" % frm)
    if n in LOCAL_SENDER_PROBES:
        # sendmail's check_mail: user@[127.0.0.1] is only believed from a
        # client whose name is in $=w
        assert (code, msg) == (553, b"5.5.4 <%s>... Real domain name "
                               b"required for sender address" %
                               frm.encode()), (n, msg)
        assert s.docmd("RCPT", "TO:<%s>" % rcpt) == \
            (503, b"5.0.0 Need MAIL before RCPT")
        assert s.docmd("DATA") == (503, b"5.0.0 Need MAIL command")
        assert s.rset()[0] == 250
        return
    assert code == 250, (n, code, msg)
    code, msg = s.docmd("RCPT", "TO:<%s>" % rcpt)
    want_code, want_text = expected(n, rcpt)
    assert code == want_code, (n, rcpt, code, msg)
    assert msg.decode("latin1").startswith(want_text), (n, rcpt, msg)
    code, msg = s.docmd("DATA")
    assert (code, msg) == (503, b"5.0.0 Need RCPT (recipient)"), (n, msg)
    assert s.rset()[0] == 250


@pytest.mark.parametrize("n", range(1, len(PROBES) + 1))
def test_probe_in_its_own_session(relayd, n):
    s = connect(relayd)
    try_probe(s, n)
    s.quit()
    assert queue_files(relayd) == []


def test_probes_after_rset_and_local_mail(relayd):
    """The n-th transaction of a session is judged like the first, also
    after a message to a local user went through."""
    s = connect(relayd)
    s.mail("alice@example.org")
    assert s.rcpt("root@" + R)[0] == 250
    code, msg = s.data(b"Subject: local\r\n\r\nfine\r\n")
    assert code == 250
    qid = msg.split()[1].decode()
    for rnd in range(2):
        for n in range(1, len(PROBES) + 1):
            try_probe(s, n)
    s.quit()
    assert queue_files(relayd) == ["df" + qid, "qf" + qid]
    text = read_qf(os.path.join(relayd.root, "mqueue", "qf" + qid))
    assert "RPFD:<root@%s>\n" % R in text
    for name in queue_files(relayd):
        os.unlink(os.path.join(relayd.root, "mqueue", name))


@pytest.mark.parametrize("helo", ["localhost", RIP, R, "[127.0.0.2]"])
def test_probes_with_local_looking_helo(relayd, helo):
    s = connect(relayd, helo=helo)
    for n in range(1, len(PROBES) + 1):
        try_probe(s, n)
    s.quit()
    assert queue_files(relayd) == []


def test_probes_after_failed_auth_and_starttls(relayd):
    s = connect(relayd)
    code, _ = s.docmd("AUTH", "PLAIN AHJlbGF5dGVzdABzZWNyZXQ=")
    assert code in (501, 503, 504, 535), code
    code, _ = s.docmd("AUTH", "LOGIN")
    assert code >= 500, code
    code, _ = s.docmd("STARTTLS")
    assert code in (454, 500, 502, 503), code
    for n in range(1, len(PROBES) + 1):
        try_probe(s, n)
    s.quit()
    assert queue_files(relayd) == []


def session(d, source=None, helo=b"EHLO c.example.net"):
    """A raw connection past the greeting and helo: (socket, reader)."""
    c = socket.create_connection(("127.0.0.1", d.port), 30,
                                 source_address=source)
    f = c.makefile("rb")
    assert f.readline().startswith(b"220 ")
    c.sendall(helo + b"\r\n")
    assert read_replies(f, 1)[0].startswith(b"250 ")
    return c, f


def in_data(d, source=None):
    """A raw connection inside DATA (after the 354) of a message from
    a@example.com to root."""
    c, f = session(d, source)
    c.sendall(b"MAIL FROM:<a@example.com>\r\nRCPT TO:<root>\r\nDATA\r\n")
    assert [x[:3] for x in read_replies(f, 3)] == [b"250", b"250", b"354"]
    return c, f


def read_replies(f, n):
    out = []
    while len(out) < n:
        line = f.readline()
        if not line:
            break
        if line[3:4] != b"-":
            out.append(line.rstrip(b"\r\n"))
    return out


def test_probes_pipelined(relayd):
    """All 25 transactions in one write, each with its DATA, then a message
    text: each RCPT refused, each DATA 503, the text taken line by line as
    (bad) commands, never as a message."""
    c, f = session(relayd, OUTSIDE)
    batch = b"".join(b"MAIL FROM:<%s>\r\nRCPT TO:<%s>\r\nDATA\r\nRSET\r\n"
                     % (frm.encode(), rcpt.encode()) for frm, rcpt in PROBES)
    c.sendall(batch + b"Subject: relayed\r\n\r\nspam\r\n.\r\nQUIT\r\n")
    got = read_replies(f, 4 * len(PROBES) + 5)
    c.close()
    for i, (frm, rcpt) in enumerate(PROBES):
        r = got[4 * i:4 * i + 4]
        code, text = expected(i + 1, rcpt)
        if i + 1 in LOCAL_SENDER_PROBES:
            assert r[0].startswith(b"553 5.5.4 "), (i + 1, r)
            assert r[1] == b"503 5.0.0 Need MAIL before RCPT", (i + 1, r)
            assert r[2] == b"503 5.0.0 Need MAIL command", (i + 1, r)
        else:
            assert r[0].startswith(b"250 "), (i + 1, r)
            assert r[1].decode("latin1").startswith("%d %s" %
                                                    (code, text)), (i + 1, r)
            assert r[2] == b"503 5.0.0 Need RCPT (recipient)", (i + 1, r)
        assert r[3] == b"250 2.0.0 Reset state", (i + 1, r)
    tail = got[4 * len(PROBES):]
    assert [x[:3] for x in tail] == [b"500"] * 4 + [b"221"], tail
    time.sleep(0.2)
    assert queue_files(relayd) == []


def test_controls_are_accepted(relayd):
    """Without them the probes prove nothing: a local user from outside,
    and a remote one from 127.0.0.1 (localhost may relay), are taken."""
    s = connect(relayd)
    s.mail("spam@" + T)
    assert s.rcpt("root@" + R)[0] == 250
    assert s.rcpt("postmaster")[0] == 250
    s.rset()
    s.quit()
    s = connect(relayd, source=("127.0.0.1", 0))
    s.mail("root@" + R)
    code, msg = s.rcpt("%s@%s" % (U, T))
    assert (code, msg) == (250, b"2.1.5 <%s@%s>... Recipient ok" %
                           (U.encode(), T.encode()))
    s.rset()
    s.quit()
    assert queue_files(relayd) == []


# ---- hostile clients ------------------------------------------------------

SLOW_CLIENTS = 20


@pytest.fixture
def daemon(tmp_path):
    d = Daemon(str(tmp_path))
    d.start()
    yield d
    d.stop()


def still_serves(d):
    """The daemon lives, and a well-behaved client gets its message queued,
    whole."""
    os.kill(d.pid, 0)
    s = smtplib.SMTP("127.0.0.1", d.port, timeout=20)
    assert s.ehlo("good.example.net")[0] == 250
    s.mail("alice@example.com")
    assert s.rcpt("root@" + R)[0] == 250
    code, msg = s.data(b"Subject: after\r\n\r\nstill here\r\n")
    assert code == 250, msg
    s.quit()
    qid = msg.split()[1].decode()
    assert read_qf(os.path.join(d.root, "mqueue",
                                "qf" + qid)).endswith("\n.\n")
    return qid


def close_all(conns):
    for c in conns:
        c.close()
    time.sleep(0.5)


@pytest.mark.parametrize("partial", [
    b"MAIL FROM:<a@exa",
    b"EHLO x\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<root>\r\nDA",
    b"\x00\xff" * 100,
], ids=["in-mail", "after-rcpt", "binary"])
def test_partial_line_then_close(daemon, partial):
    """Slowloris-style: a command line that never ends, sent a byte at a
    time, then the client goes away."""
    conns = []
    for _ in range(SLOW_CLIENTS):
        c = socket.create_connection(("127.0.0.1", daemon.port), 10,
                                     source_address=OUTSIDE)
        c.recv(1024)
        conns.append(c)
    for i in range(len(partial)):
        for c in conns:
            c.sendall(partial[i:i + 1])
        if i < 20:
            time.sleep(0.01)
    # while they hang on, another client is served at once
    t0 = time.monotonic()
    still_serves(daemon)
    assert time.monotonic() - t0 < 5   # a fresh worker, not a free one
    for name in queue_files(daemon):
        os.unlink(os.path.join(daemon.root, "mqueue", name))
    close_all(conns)
    assert queue_files(daemon) == []
    qid = still_serves(daemon)
    assert queue_files(daemon) == ["df" + qid, "qf" + qid]


@pytest.mark.parametrize("cut", ["headers", "body", "after-dot-cr",
                                 "before-dot"])
def test_close_in_middle_of_data(daemon, cut):
    body = {"headers": b"Subject: cut\r\nX-Long: ",
            "body": b"Subject: cut\r\n\r\n" + b"line\r\n" * 5000 + b"half",
            "after-dot-cr": b"Subject: cut\r\n\r\nbody\r\n.\r",
            "before-dot": b"Subject: cut\r\n\r\nbody\r\n"}[cut]
    c, f = in_data(daemon)
    c.sendall(body)
    c.shutdown(socket.SHUT_WR)
    rest = f.read()             # the server's last words, then EOF
    c.close()
    assert not rest.startswith(b"250"), rest
    time.sleep(0.3)
    assert queue_files(daemon) == []
    qid = still_serves(daemon)
    assert queue_files(daemon) == ["df" + qid, "qf" + qid]


def test_reset_connection_in_middle_of_data(daemon):
    """An RST (SO_LINGER 0) instead of a FIN while the body streams: the
    df must go without waiting for another client."""
    c, f = in_data(daemon)
    c.sendall(b"Subject: rst\r\n\r\n" + b"x" * 100000)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                 struct.pack("ii", 1, 0))
    f.close()   # the file object holds the socket open: no RST without it
    c.close()
    for _ in range(50):
        if queue_files(daemon) == []:
            break
        time.sleep(0.1)
    assert queue_files(daemon) == []
    still_serves(daemon)


MAIL_1000_RCPTS = (b"MAIL FROM:<a@example.com>\r\n" +
                   b"".join(b"RCPT TO:<u%d@example.net>\r\n" % i
                            for i in range(1000)))


def test_thousand_rcpts(daemon):
    """1,000 distinct recipients in one transaction (from 127.0.0.1, which
    may relay): every one answered, one message with 1,000 R lines."""
    c, f = session(daemon)
    c.sendall(MAIL_1000_RCPTS + b"DATA\r\n")
    got = read_replies(f, 1002)
    assert got[0].startswith(b"250 2.1.0"), got[0]
    assert len(got) == 1002
    for i, r in enumerate(got[1:1001]):
        assert r == b"250 2.1.5 <u%d@example.net>... Recipient ok" % i, r
    assert got[1001].startswith(b"354 ")
    c.sendall(b"Subject: many\r\n\r\nx\r\n.\r\nQUIT\r\n")
    end = read_replies(f, 2)
    c.close()
    assert end[0].startswith(b"250 2.0.0 "), end
    qid = end[0].split()[2].decode()
    text = read_qf(os.path.join(daemon.root, "mqueue", "qf" + qid))
    assert text.endswith("\n.\n")
    rl = [x for x in text.split("\n") if x.startswith("RPFD:")]
    assert len(rl) == 1000
    assert rl[0] == "RPFD:<u0@example.net>"


def test_thousand_rcpts_refused_from_outside(daemon):
    """The same 1,000 remote recipients from 127.0.0.2: all refused, in
    order, and DATA finds no recipient."""
    c, f = session(daemon, OUTSIDE)
    c.sendall(MAIL_1000_RCPTS + b"DATA\r\nQUIT\r\n")
    got = read_replies(f, 1003)
    c.close()
    assert len(got) == 1003
    for i, r in enumerate(got[1:1001]):
        assert r.startswith(b"550 5.7.1 <u%d@example.net>... Relaying "
                            b"denied" % i), r
    assert got[1001] == b"503 5.0.0 Need RCPT (recipient)"
    assert queue_files(daemon) == []


def test_ten_megabyte_header_line(daemon):
    """One 10 MB header line: refused (MaxMessageSize is 20000 here, the
    headers limit 32768), nothing queued, the daemon unharmed."""
    c, f = in_data(daemon)
    sent = []

    def pump():
        try:
            c.sendall(b"X-Huge: " + b"h" * (10 * 1024 * 1024) +
                      b"\r\n\r\nbody\r\n.\r\n")
            sent.append(True)
        except OSError:
            sent.append(False)
    t = threading.Thread(target=pump)
    t.start()
    reply = read_replies(f, 1)
    t.join(60)
    assert not t.is_alive()
    c.close()
    assert reply and reply[0] in (
        b"552 5.6.0 Headers too large (32768 max)",
        b"552 5.2.3 Message size exceeds fixed maximum message size "
        b"(20000)"), reply
    time.sleep(0.3)
    assert queue_files(daemon) == []
    still_serves(daemon)


SMUGGLE = [b"x\n.\n", b"x\r\n.\n", b"x\n.\r\n", b"x\r.\r", b"x\r\n.\r",
           b"x\r.\r\n"]
EVIL = (b"MAIL FROM:<evil@example.org>\r\nRCPT TO:<root>\r\nDATA\r\n"
        b"Subject: smuggled\r\n\r\nevil\r\n.\r\n")


@pytest.mark.parametrize("seq", SMUGGLE, ids=[repr(x)[2:-1] for x in SMUGGLE])
def test_smuggling_split_at_every_byte(daemon, seq):
    """Reference §3.1 S14: each smuggling sequence of §2.2, with a second
    transaction behind it, split in two TCP writes at every byte of the
    sequence: never a second message, never one from evil@."""
    for cut in range(1, len(seq)):
        c, f = in_data(daemon)
        c.sendall(b"Subject: s\r\n\r\n" + seq[:cut])
        time.sleep(0.05)
        try:            # the server may have refused and closed by now
            c.sendall(seq[cut:] + EVIL + b"QUIT\r\n")
            c.shutdown(socket.SHUT_WR)
            f.read()
        except OSError:
            pass
        c.close()
    time.sleep(0.3)
    qfs = [read_qf(q) for q in daemon.queue()]
    assert len(qfs) <= len(seq) - 1
    for text in qfs:
        assert "evil@example.org" not in text
        assert "smuggled" not in text
    assert not [n for n in queue_files(daemon) if n[:2] not in ("qf", "df")]


def test_end_of_data_split_over_three_writes(daemon):
    """Reference §3.1 S15: CR, LF '.', CR LF in three writes 100 ms apart
    are one end of data."""
    c, f = in_data(daemon)
    c.sendall(b"Subject: split\r\n\r\nbody")
    for part in (b"\r", b"\n.", b"\r\n"):
        time.sleep(0.1)
        c.sendall(part)
    reply = f.readline()
    assert reply.startswith(b"250 2.0.0 "), reply
    c.sendall(b"QUIT\r\n")
    assert f.readline().startswith(b"221 ")
    c.close()
    qid = reply.split()[2].decode()
    with open(os.path.join(daemon.root, "mqueue", "df" + qid), "rb") as fh:
        assert fh.read() == b"body\n"
