"""What the sections of the hostile-input catalogue share (hostile.py
runs them; smuggle.py uses the SMTP pieces): a case, the session that
plays it against a server (SMTP, IMAP or POP3, in the clear or after
STARTTLS, from a chosen source address), the judging of its replies,
the daemon's world and the sanitizer reports.

A case is a list of steps, each a write followed by reading a number of
replies with a deadline (or a Tls() step: STARTTLS and the handshake);
then its expectations are checked:

  expect    regular expressions that must match replies in this order
            (the oracle's reply as the catalogue records it, host names
            as \\S+)
  never     expressions no reply may match (a 250 for a message that
            must not be queued)
  closed    the server must have closed the connection
  queue     a check of what was queued (df text, qf lines)
  before    a change made to the section's world first (a broken map)
  after     a check run after the session, with the section's world
            (a queue run, then what a mailer recorded, what the file
            system holds)

A reply is an SMTP reply (its last line), a POP3 status line, or for
IMAP a tagged or continuation line, or an untagged BAD or BYE (the
other untagged lines before it are kept too, but do not count).
"""

import glob
import os
import re
import socket
import ssl
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "fault"))
import world  # noqa: E402

H = r"\S+"          # a host name in a reply
EHLO = b"EHLO client.example.net\r\n"
MAIL = b"MAIL FROM:<a@example.com>\r\n"
RCPT = b"RCPT TO:<root@mail.example.test>\r\n"
ACCEPT = r"^250 2\.0\.0 \S+ Message accepted"
SENDMAIL = world.SENDMAIL


def msg(body):
    return b"Subject: t\r\n\r\n" + body


class Tls:
    """A step: the protocol's STARTTLS (unless cmd is False: it was
    already written, with what follows it) and, after a positive
    reply, the TLS handshake; the session then speaks TLS."""

    def __init__(self, cmd=True):
        self.cmd = cmd


class Case:
    def __init__(self, cid, steps, expect=(), never=(), closed=False,
                 queue=None, src="127.0.0.1", known=None, ref="",
                 quick=True, after=None, proto="smtp", skip=None,
                 quit=True, before=None):
        self.id = cid
        self.steps = steps          # [(bytes or Tls, replies to read)]
        self.expect = list(expect)
        self.never = list(never)
        self.closed = closed
        self.queue = queue
        self.src = src
        self.known = known
        self.ref = ref
        self.quick = quick
        self.after = after
        self.proto = proto
        self.skip = skip            # a reason not to run it here
        self.quit = quit            # False: drop the connection instead
        self.before = before        # called with the world first


def tx(body_bytes, final=1):
    """EHLO, MAIL, RCPT, DATA, then the raw body bytes (ending data)."""
    return [(EHLO, 1), (MAIL, 1), (RCPT, 1), (b"DATA\r\n", 1),
            (body_bytes, final)]


def df_equals(text):
    def check(files):
        dfs = [v for k, v in files.items() if k.startswith("df")]
        return (len(dfs) == 1 and dfs[0] == text,
                "df %r" % (dfs[:1],))
    return check


def nothing_queued(files):
    qf = [k for k in files if k.startswith("qf")]
    return not qf, "queued %s" % qf


LITERAL = re.compile(rb"\{(\d+)\}\r?\n$")
STARTTLS = {"smtp": (b"STARTTLS\r\n", r"^220 "),
            "imap": (b"tls STARTTLS\r\n", r"^\S+ OK"),
            "pop3": (b"STLS\r\n", r"^\+OK")}
QUIT = {"smtp": b"QUIT\r\n", "imap": b"zz LOGOUT\r\n", "pop3": b"QUIT\r\n"}


def read_replies(sock, f, n, deadline, proto="smtp"):
    """Up to n replies (see the module's comment); returns (replies,
    closed).  A timeout ends the reading with "(timeout)", a close with
    "(closed)"."""
    out = []
    count = 0
    while count < n:
        sock.settimeout(max(0.1, deadline - time.time()))
        try:
            line = f.readline()
            if proto == "imap":
                m = LITERAL.search(line)
                while m and len(line) < 1 << 20:
                    line += f.read(int(m.group(1))) + f.readline()
                    m = LITERAL.search(line)
        except (ConnectionResetError, ssl.SSLError):
            line = b""          # closed, and our last write was refused
        except (socket.timeout, OSError):
            out.append("(timeout)")
            return out, False
        if not line:
            out.append("(closed)")
            return out, True
        if proto == "smtp" and line[3:4] == b"-":
            continue
        text = line.decode("latin1").rstrip("\r\n")
        out.append(text)
        if proto != "imap" or not text.startswith("* ") or \
                text.startswith(("* BAD", "* BYE")):
            count += 1
    return out, False


def client_tls():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def connect(src, host, port):
    """A TCP connection from src to host:port (IPv6 when host has a
    colon)."""
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam)
    s.bind((src, 0))
    s.settimeout(30)
    s.connect((host, port))
    return s


def run_case(case, ctx):
    """Plays the case against ctx (a section's world: target(case) gives
    (host, port), qdir the queue folder or None); returns (replies,
    closed, files new in the queue)."""
    qdir = getattr(ctx, "qdir", None)
    before = set(os.listdir(qdir)) if qdir else set()
    host, port = ctx.target(case)
    s = connect(case.src, host, port)
    f = s.makefile("rb")
    replies, closed = [], False

    def read(n, seconds, proto=case.proto):
        got, c = read_replies(s, f, n, time.time() + seconds, proto)
        replies.extend(got)
        return got, c

    try:
        # the greeting: one line (IMAP's is untagged)
        _, closed = read(1, 30, "smtp" if case.proto == "smtp" else "pop3")
        for data, n in case.steps:
            if closed:
                break
            if isinstance(data, Tls):
                cmd, ok = STARTTLS[case.proto]
                if data.cmd:
                    s.sendall(cmd)
                got, closed = read(1, 15)
                if closed or not re.search(ok, got[-1]):
                    continue
                s = client_tls().wrap_socket(s)
                f = s.makefile("rb")
                replies.append("(tls)")
                data = b""
            try:
                if data:
                    s.sendall(data)
            except OSError:
                # the server closed while we wrote: its last reply may
                # still be readable (unless its close reset the
                # connection)
                read(max(n, 1), 2)
                if replies[-1] != "(closed)":
                    replies.append("(closed)")
                closed = True
                break
            if n:
                _, closed = read(n, 15)
        if not closed and case.quit:
            try:
                s.sendall(QUIT[case.proto])
                got, _ = read(1, 5)
                # a reply to QUIT means the server had not closed
                closed = got[:1] == ["(closed)"]
            except OSError:
                closed = True
    finally:
        s.close()
    time.sleep(0.05)
    files = {}
    for n in (set(os.listdir(qdir)) - before if qdir else ()):
        try:
            with open(os.path.join(qdir, n), "rb") as fh:
                files[n] = fh.read()
        except OSError:
            pass
    return replies, closed, files


def judge(case, replies, closed, files, ctx):
    problems = []
    i = 0
    for pat in case.expect:
        while i < len(replies) and not re.search(pat, replies[i]):
            i += 1
        if i == len(replies):
            problems.append("no reply matching %s" % pat)
            break
        i += 1
    for pat in case.never:
        if any(re.search(pat, r) for r in replies):
            problems.append("a reply matched %s" % pat)
    if case.closed and not closed:
        problems.append("connection not closed")
    if case.queue:
        ok, what = case.queue(files)
        if not ok:
            problems.append("queue: %s" % what)
    if case.after:
        ok, what = case.after(ctx)
        if not ok:
            problems.append(what)
    partial = [n for n in files if n[:2] in ("tf", "xf")]
    if partial:
        problems.append("partial files %s" % partial)
    return problems


def greets(host, port, want=b"220"):
    """A server on host:port greets a new client with want (three
    tries: a loaded machine)."""
    for _ in range(3):
        try:
            c = socket.create_connection((host, port), 10)
            c.settimeout(10)
            ok = c.makefile("rb").readline().startswith(want)
            c.close()
            if ok:
                return True
        except OSError:
            pass
    return False


def alive(w):
    """The daemon of world w greets a new client."""
    return greets("127.0.0.1", w.port)


# as the Debian 12 oracle the catalogue recorded: RejectNUL=true
REJECT_NUL = "define(`confREJECT_NUL', `true')dnl\n"


class SmtpWorld:
    """Our sendmail -bd in a world.World (DeliveryMode queueonly) as a
    section's context; extra_mc goes into its .mc."""

    proto = "smtp"

    def __init__(self, root, extra_mc="", sink=False, **kw):
        self.w = world.World(root, mode="queueonly", sink=sink,
                             maxsize=20000000, extra_mc=REJECT_NUL + extra_mc,
                             **kw)
        self.root = root
        self.qdir = self.w.qdir

    def start(self):
        self.w.start()
        return self

    def target(self, case):
        return "127.0.0.1", self.w.port

    def alive(self):
        return alive(self.w)

    def restart(self):
        self.w.kill_all()
        self.w.start()

    def finish(self):
        """Checks over the whole section: [(name, problems)]."""
        return []

    def close(self):
        self.w.close()


def self_signed(folder, cn):
    """A key and a self-signed certificate for cn in folder: (key,
    cert)."""
    key, cert = (os.path.join(folder, n) for n in ("key.pem", "cert.pem"))
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                    "-nodes", "-keyout", key, "-out", cert, "-days", "2",
                    "-subj", "/CN=" + cn], check=True, capture_output=True,
                   timeout=60)
    return key, cert


def sanitizer_env(root):
    """The folder the sanitizers write their reports to (ASAN/UBSAN
    log_path, set in our environment so that the daemons inherit
    it)."""
    asan = os.path.join(root, "asan")
    if os.path.isdir(asan):
        return asan
    os.makedirs(asan)
    os.chmod(asan, 0o1777)      # also for processes that gave up root
    os.environ["ASAN_OPTIONS"] = ("log_path=%s/asan:%s" % (
        asan, os.environ.get("ASAN_OPTIONS", ""))).rstrip(":")
    os.environ["UBSAN_OPTIONS"] = ("log_path=%s/ubsan:%s" % (
        asan, os.environ.get("UBSAN_OPTIONS", ""))).rstrip(":")
    return asan


def hostile_world(root):
    """The base daemon's world under root (not started) and the
    sanitizers' report folder."""
    asan = sanitizer_env(root)
    return SmtpWorld(os.path.join(root, "w")).w, asan


def sanitizer_reports(asan):
    """The report files in asan, each printed (2,000 characters)."""
    reports = glob.glob(os.path.join(asan, "*"))
    for r in reports:
        print("SANITIZER report %s" % r)
        with open(r, errors="replace") as fh:
            print(fh.read()[:2000])
    return reports
