#!/usr/bin/env python3
"""SMTP smuggling at every split position (reference reliability.md §2.2,
figure 8 of §5; issue 10 item 5), inbound and outbound.

Inbound: our `sendmail -bd` (hostile.py's world: DeliveryMode
queueonly, RejectNUL=true as the Debian 12 oracle) gets, for each
end-of-data variant of §2.2, a message whose body holds the variant and
then a second, smuggled transaction (MAIL FROM:<spoof@...>, RCPT, DATA,
text, and the real <CRLF>.<CRLF>).  The bytes go in two writes, split at
every byte position; the second write waits until the server has read
the first (its socket's receive queue in /proc/net/tcp is empty), so
the server sees two reads.  Three modes:

  data       EHLO, MAIL, RCPT, DATA each answered, then the body split
  pipelined  MAIL+RCPT+DATA in one write (PIPELINING), the three
             replies, then the body split
  stream     MAIL, RCPT, DATA and the body as one byte string split at
             every position: the body comes before the 354 (but for the
             split right after DATA), so the oracle's 554 5.5.0 SMTP
             protocol error and nothing queued

Expected for each variant (the oracle's rules, §1.3 table): a bare LF or
CR anywhere: 421 4.5.0 and the connection closed, nothing queued; a NUL:
554 5.6.1 after the real end, nothing queued; `..`, `. `: content, one
message whose df holds the smuggled lines as text.  Over the whole run:
the qf files in the queue are exactly the messages that got a 250, none
has the spoofed sender, and each one's df is its own body.  CHUNKING is
not offered: EHLO must not list it and BDAT gets 500.

Outbound (--outbound): messages whose bodies hold bare CR, bare LF, lone
dots, `\\n.\\n`, `\\r.\\r` ... are queued with `sendmail -odq -oi` (and
some by rewriting the df of a queued message, as a queue file written by
another MTA may be), then `sendmail -q` relays them to world.py's sink,
which records the raw bytes after the 354: the sink must see no bare CR
or LF, every line starting with a dot stuffed, the final dot line only
at the end, and the body with every CR, LF or CRLF as a line break.

Prints PASS|FAIL smuggle <part> lines and a summary with the figures;
exit 1 on a failure or a sanitizer report.

Usage: smuggle.py [--quick] [--inbound-only|--outbound-only] [--jobs N]
                  [variant ...]
"""

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "fault"))
import harness as hostile  # noqa: E402
import world  # noqa: E402

SPOOF = b"spoof@example.org"
SMUGGLED = (b"MAIL FROM:<" + SPOOF + b">\r\n" + hostile.RCPT +
            b"DATA\r\nsmuggled\r\n.\r\n")

# §2.2's end-of-data variants: (name, bytes after "x", outcome)
VARIANTS = [
    ("lf-dot-crlf", b"\n.\r\n", "LF"),
    ("crlf-dot-lf", b"\r\n.\n", "LF"),
    ("lf-dot-lf", b"\n.\n", "LF"),
    ("cr-dot-cr", b"\r.\r", "CR"),
    ("crlf-dot-cr", b"\r\n.\r", "CR"),
    ("cr-dot-crlf", b"\r.\r\n", "CR"),
    ("crlf-nul-dot", b"\r\n\0.\r\n", "NUL"),
    ("crlf-dot-nul", b"\r\n.\0\r\n", "NUL"),
    ("crlf-dot-cr-crlf", b"\r\n.\r\r\n", "CR"),
    ("crlf-dotdot", b"\r\n..\r\n", "content"),
    ("crlf-dot-space", b"\r\n. \r\n", "content"),
    ("bare-lf-line", b"\nlf\r\n", "LF"),
    ("bare-cr-line", b"\rcr\r\n", "CR"),
]

FINAL = {
    "LF": r"^421 4\.5\.0 Bare linefeed \(LF\) not allowed$",
    "CR": r"^421 4\.5\.0 Bare carriage return \(CR\) not allowed$",
    "NUL": r"^554 5\.6\.1 NUL byte not allowed$",
    "content": hostile.ACCEPT,
}


def body(tag, seq):
    return b"Subject: " + tag + b"\r\n\r\nx" + seq + SMUGGLED


def df_of(seq):
    """What the df of a content variant's message must hold."""
    text = b"x" + seq + SMUGGLED[:-3]
    lines = text.split(b"\r\n")[:-1]
    return b"".join((l[1:] if l.startswith(b".") else l) + b"\n"
                    for l in lines)


def unread(sport, cport):
    """Bytes the server has not read yet on the connection from our
    port cport to its port sport (its receive queue); None when the
    connection is not there any more."""
    want_l = "0100007F:%04X" % sport
    want_r = "0100007F:%04X" % cport
    with open("/proc/net/tcp") as f:
        next(f)
        for line in f:
            p = line.split()
            if p[1] == want_l and p[2] == want_r:
                return int(p[4].split(":")[1], 16)
    return None


def drained(s, sport, seconds=5.0):
    """Waits until the server has read everything we sent."""
    cport = s.getsockname()[1]
    deadline = time.time() + seconds
    time.sleep(0.002)
    while time.time() < deadline:
        n = unread(sport, cport)
        if not n:
            return True
        time.sleep(0.002)
    return False


class Session:
    def __init__(self, port):
        self.port = port
        self.s = socket.create_connection(("127.0.0.1", port), 30)
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.f = self.s.makefile("rb")
        self.replies = []
        self.closed = False
        self.read(1, 30)        # a loaded machine: be patient

    def read(self, n, seconds=20):
        if self.closed:
            return []
        got, self.closed = hostile.read_replies(self.s, self.f, n,
                                                time.time() + seconds)
        self.replies += got
        return got

    def write(self, data):
        try:
            self.s.sendall(data)
            return True
        except OSError:
            return False

    def split(self, data, at):
        """data in two writes, the second once the first was read."""
        ok = True
        if at > 0:
            ok = self.write(data[:at]) and drained(self.s, self.port)
        if ok and at < len(data):
            self.write(data[at:])

    def until_closed(self, quit=True):
        """Replies until the server closes (after QUIT if it is open)."""
        got = []
        if quit and not self.closed:
            s0 = len(self.replies)
            self.write(b"QUIT\r\n")
            while not self.closed and len(self.replies) - s0 < 200:
                got += self.read(1, 10)
        return got

    def close(self):
        self.s.close()


def run_one(port, mode, name, seq, outcome, at, tag):
    """One session; returns (problems, replies, accepted)."""
    b = body(tag, seq)
    x = Session(port)
    problems = []
    try:
        x.write(hostile.EHLO)
        x.read(1)
        if mode == "data":
            for cmd in (hostile.MAIL, hostile.RCPT, b"DATA\r\n"):
                x.write(cmd)
                x.read(1)
            x.split(b, at)
        elif mode == "pipelined":
            x.write(hostile.MAIL + hostile.RCPT + b"DATA\r\n")
            x.read(3)
            x.split(b, at)
        else:
            cmds = hostile.MAIL + hostile.RCPT + b"DATA\r\n"
            x.split(cmds + b, at)
        if outcome in ("LF", "CR") and mode != "stream":
            # the 421, then the server must close without a QUIT
            x.read(1)
            x.read(1, 10)
            if not x.closed:
                problems.append("not closed after the 421")
        else:
            x.read(1)
        x.until_closed()
    finally:
        x.close()
    r = x.replies
    accepted = sum(1 for l in r if re.search(hostile.ACCEPT, l))
    if any(l == "(timeout)" for l in r):
        problems.append("a reply timed out")
    if mode == "stream" and "354 " not in " ".join(l[:4] for l in r):
        # body before the 354: the oracle's protocol error, every later
        # command refused (550) or, for a body line, unrecognized (500)
        if not any(l.startswith("554 5.5.0 SMTP protocol error")
                   for l in r):
            problems.append("no 554 5.5.0 for the body before the 354")
        bad = [l for l in r[2:] if not re.match(
            r"^(250 2\.1\.[05]|554 5\.5\.0|550 5\.0\.0|421 4\.7\.0|"
            r"500 5\.5\.1 Command unrecognized|"
            r"221 2\.0\.0|\(closed\))", l)]
        if bad:
            problems.append("unexpected replies %r" % bad[:3])
        if accepted:
            problems.append("accepted after a protocol error")
    else:
        # after the 354: exactly the variant's final reply
        try:
            i = next(i for i, l in enumerate(r) if l.startswith("354 "))
        except StopIteration:
            return ["no 354"] + problems, r, accepted
        after = [l for l in r[i + 1:] if l != "(closed)"]
        if not after or not re.search(FINAL[outcome], after[0]):
            problems.append("after the data: %r" % after[:2])
        if outcome in ("LF", "CR"):
            if len(after) != 1:
                problems.append("replies after the 421: %r" % after[1:3])
        elif not after[1:2] or not after[1].startswith("221 2.0.0"):
            problems.append("QUIT: %r" % after[1:2])
        if accepted != (1 if outcome == "content" else 0):
            problems.append("%d accepted" % accepted)
    return problems, r, accepted


def positions(n, seq_at, seq_len, quick):
    """Split offsets 0..n (0 and n: one write); quick: around the
    variant's bytes and the smuggled DATA only."""
    if not quick:
        return list(range(n + 1))
    want = set(range(max(0, seq_at - 1), min(n, seq_at + seq_len + 2) + 1))
    return sorted(want | {0, n})


def inbound(w, variants, quick, jobs):
    """Every session of the inbound part; returns (figures, failures)."""
    work = []
    k = 0
    for name, seq, outcome in variants:
        for mode in ("data", "pipelined", "stream"):
            if quick and mode == "pipelined":
                continue
            tag = b"s%06d" % k
            b = body(tag, seq)
            pre = len(hostile.MAIL + hostile.RCPT + b"DATA\r\n") \
                if mode == "stream" else 0
            seq_at = pre + b.index(b"\r\n\r\nx") + 5
            n = pre + len(b)
            pos = positions(n, seq_at, len(seq), quick)
            if mode == "stream" and quick:
                pos = sorted(set(pos) | {pre - 1, pre, pre + 1})
            for at in pos:
                tag = b"s%06d" % k
                k += 1
                work.append((mode, name, seq, outcome, at, tag))
    lock = threading.Lock()
    results = []

    def worker():
        while True:
            with lock:
                if not work:
                    return
                item = work.pop()
            mode, name, seq, outcome, at, tag = item
            try:
                res = run_one(w.port, mode, name, seq, outcome, at, tag)
            except OSError as e:
                res = (["%r" % e], [], 0)
            with lock:
                results.append((item, res))

    total = len(work)
    threads = [threading.Thread(target=worker) for _ in range(jobs)]
    t0 = time.time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    secs = time.time() - t0
    time.sleep(0.2)
    failures = []
    accepted_tags = set()
    by = {}
    for (mode, name, seq, outcome, at, tag), (probs, r, acc) in results:
        key = (name, mode)
        by.setdefault(key, [0, 0])
        by[key][0] += 1
        if acc:
            accepted_tags.add(tag)
        if probs:
            by[key][1] += 1
            failures.append("%s %s split at %d: %s; replies %r" % (
                name, mode, at, "; ".join(probs), r[-4:]))
    # the queue: one qf per 250, never the spoofed sender, right df
    q = w.qdir
    qfs = sorted(n for n in os.listdir(q) if n.startswith("qf"))
    spoofed = 0
    tags_in_queue = set()
    wrong_df = []
    want_df = {}
    for (mode, name, seq, outcome, at, tag), _ in results:
        want_df[tag] = df_of(seq)
    for n in qfs:
        with open(os.path.join(q, n), "rb") as fh:
            qf = fh.read()
        if re.search(rb"^S<?" + re.escape(SPOOF), qf, re.M):
            spoofed += 1
        m = re.search(rb"^H\S*Subject: (s\d{6})$", qf, re.M)
        tag = m.group(1) if m else None
        tags_in_queue.add(tag)
        try:
            with open(os.path.join(q, "d" + n[1:]), "rb") as fh:
                df = fh.read()
        except OSError:
            df = None
        if tag not in want_df or df != want_df[tag]:
            wrong_df.append((n, tag, df[:80] if df else df))
    leftovers = [n for n in os.listdir(q) if n[:2] in ("tf", "xf", "Qf")]
    figures = {
        "sessions": total, "seconds": secs, "by": by,
        "accepted": len(accepted_tags), "qf": len(qfs),
        "spoofed": spoofed, "wrong_df": wrong_df, "leftovers": leftovers,
        "untagged": tags_in_queue - accepted_tags,
    }
    if len(qfs) != len(accepted_tags):
        failures.append("%d qf files for %d accepted messages"
                        % (len(qfs), len(accepted_tags)))
    if spoofed:
        failures.append("%d queued with the spoofed sender" % spoofed)
    if wrong_df:
        failures.append("wrong df: %r" % wrong_df[:3])
    if leftovers:
        failures.append("partial files %r" % leftovers)
    return figures, failures


def bdat(w):
    """CHUNKING is not offered, so BDAT is an unknown command (S20)."""
    x = Session(w.port)
    try:
        x.write(hostile.EHLO)
        x.s.settimeout(10)
        ehlo = []
        while True:
            line = x.f.readline().decode("latin1")
            ehlo.append(line)
            if line[3:4] != "-":
                break
        x.write(hostile.MAIL + b"")
        x.read(1)
        x.write(hostile.RCPT)
        x.read(1)
        x.write(b"BDAT 5 LAST\r\n")
        got = x.read(1)
        x.until_closed()
    finally:
        x.close()
    probs = []
    if any("CHUNKING" in l for l in ehlo):
        probs.append("CHUNKING offered: test BDAT at every split")
    if not got or not got[0].startswith('500 5.5.1 Command unrecognized: '
                                        '"BDAT 5 LAST"'):
        probs.append("BDAT: %r" % got)
    return probs


# ---- outbound

# bodies (after the header section) the relay must carry safely
OUT_BODIES = [
    (b"bare-cr", b"one\rtwo\r\n"),
    (b"bare-lf-dot-lf", b"a\n.\nMAIL FROM:<spoof@example.org>\n"),
    (b"cr-dot-cr", b"a\r.\rMAIL FROM:<spoof@example.org>\r\n"),
    (b"crlf-dot-crlf", b"a\r\n.\r\nRCPT TO:<x@example.org>\r\n"),
    (b"lf-dot-crlf", b"a\n.\r\nDATA\n"),
    (b"crlf-dot-lf", b"a\r\n.\nb\n"),
    (b"crlf-dot-cr", b"a\r\n.\rb\n"),
    (b"cr-dot-crlf", b"a\r.\r\nb\n"),
    (b"dot-cr-crlf", b"a\r\n.\r\r\nb\n"),
    (b"lone-dots", b".\n..\n...\n.x\n. \n"),
    (b"dot-cr-end", b"a\n.\r"),
    (b"no-final-newline", b"a\n."),
    (b"crcr-lf", b"a\r\r\nb\r\r\r\n.\r\r\n"),
    (b"nul-dot", b"a\n\0.\n.\0\n"),
]


def normalise(text):
    """The text as lines: each CRLF, bare CR or bare LF a line break."""
    return text.replace(b"\r\n", b"\n").replace(b"\r", b"\n")


def check_wire(raw, want_body):
    """Problems with the bytes a sink got after the 354."""
    probs = []
    for m in re.finditer(rb"\r(?!\n)|(?<!\r)\n", raw):
        probs.append("bare %s at %d" % ("CR" if raw[m.start()] == 13
                                        else "LF", m.start()))
        break
    if not raw.endswith(b"\r\n.\r\n") and raw != b".\r\n":
        probs.append("does not end with CRLF.CRLF")
    lines = raw.split(b"\r\n")[:-1]
    if lines[:-1].count(b".") or b"\r\n.\r\n" in raw[:-3]:
        probs.append("an end-of-data line before the end")
    unstuffed = []
    for line in lines[:-1]:
        if line.startswith(b".") and not line.startswith(b".."):
            probs.append("unstuffed dot line %r" % line[:20])
        unstuffed.append(line[1:] if line.startswith(b".") else line)
    if want_body is None:
        return probs
    text = b"\n".join(unstuffed) + b"\n"
    got_body = text.split(b"\n\n", 1)[1] if b"\n\n" in text else None
    want = normalise(want_body)
    if not want.endswith(b"\n"):
        want += b"\n"
    if got_body != want:
        probs.append("body %r, want %r" % (got_body, want))
    return probs


def outbound(root):
    """Queues OUT_BODIES (stdin and a rewritten df), relays them to a
    raw-recording sink; returns (figures, failures)."""
    w = world.World(os.path.join(root, "out"), mode="queueonly",
                    sink=True, raw_sink=True)
    failures = []
    sent = {}
    try:
        for how in ("stdin", "df", "header"):
            for name, text in OUT_BODIES:
                tag = b"%s-%s" % (how.encode(), name)
                msg = b"Subject: " + tag + b"\n"
                if how == "header":
                    # the sequence inside a header value: the wire is
                    # checked, not the body
                    msg += b"X-Seq: " + text.rstrip(b"\r\n") + b"\n\nb\n"
                    text = None
                elif how == "stdin":
                    msg += b"\n" + text
                else:
                    msg += b"\nplaceholder\n"
                before = set(os.listdir(w.qdir))
                p = subprocess.run([world.SENDMAIL, "-C", w.cf, "-odq",
                                    "-oi", "-f", "a@mail.example.test",
                                    "u@example.net"], input=msg,
                                   capture_output=True, timeout=60)
                if p.returncode != 0:
                    failures.append("%s: sendmail exit %d %r" % (
                        tag, p.returncode, p.stderr[-200:]))
                    continue
                if how == "df":
                    dfs = [n for n in set(os.listdir(w.qdir)) - before
                           if n.startswith("df")]
                    with open(os.path.join(w.qdir, dfs[0]), "wb") as fh:
                        fh.write(text)
                # on stdin a CRLF is a line end already (collect())
                sent[tag] = (text.replace(b"\r\n", b"\n")
                             if how == "stdin" else text)
        left = w.run_queue()
        if left:
            failures.append("not delivered: %r" % left)
    finally:
        w.close()
    sink = w.sink.dir
    got = {}
    for n in sorted(os.listdir(sink)):
        if not n.endswith(".raw"):
            continue
        with open(os.path.join(sink, n), "rb") as fh:
            raw = fh.read()
        m = re.search(rb"^Subject: (\S+)\r$", raw, re.M)
        got.setdefault(m.group(1) if m else n.encode(), []).append(raw)
    bare = stuffing = 0
    for tag, text in sent.items():
        raws = got.get(tag, [])
        if len(raws) != 1:
            failures.append("%s: %d copies at the sink" % (tag, len(raws)))
            continue
        probs = check_wire(raws[0], text)
        bare += any(p.startswith("bare") for p in probs)
        stuffing += any("dot" in p for p in probs)
        if probs:
            failures.append("%s: %s" % (tag.decode(), "; ".join(probs)))
    extra = set(got) - set(sent)
    if extra:
        failures.append("unexpected messages at the sink: %r" % extra)
    return {"messages": len(sent), "at_sink": sum(map(len, got.values())),
            "bare": bare, "stuffing": stuffing}, failures


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--inbound-only", action="store_true")
    ap.add_argument("--outbound-only", action="store_true")
    ap.add_argument("--jobs", type=int, default=3)
    ap.add_argument("variants", nargs="*")
    a = ap.parse_args()
    variants = [v for v in VARIANTS if not a.variants or v[0] in a.variants]
    root = tempfile.mkdtemp(prefix="smuggle.", dir="/var/tmp")
    failed = 0
    reports = []
    try:
        if not a.outbound_only:
            w, asan = hostile.hostile_world(root)
            try:
                w.start()
                fig, fails = inbound(w, variants, a.quick, a.jobs)
                fails += ["BDAT: " + p for p in bdat(w)]
                if not hostile.alive(w):
                    fails.append("daemon no longer answers")
            finally:
                w.close()
            reports = hostile.sanitizer_reports(asan)
            for (name, mode), (n, bad) in sorted(fig["by"].items()):
                if bad:
                    print("FAIL smuggle %s %s: %d of %d splits" % (
                        name, mode, bad, n))
            for f in fails[:30]:
                print("    " + f)
            failed += bool(fails)
            print("%s smuggle inbound: %d variants, %d sessions (every "
                  "split position%s) in %.0f s, %d failed; %d messages "
                  "accepted (content variants), %d qf in the queue, %d "
                  "with the spoofed sender, %d partial files" % (
                      "FAIL" if fails else "PASS", len(variants),
                      fig["sessions"], "; quick: around the variant" if a.quick else "",
                      fig["seconds"], sum(b for _, b in fig["by"].values()),
                      fig["accepted"], fig["qf"], fig["spoofed"],
                      len(fig["leftovers"])))
        if not a.inbound_only:
            fig, fails = outbound(root)
            for f in fails[:30]:
                print("    " + f)
            failed += bool(fails)
            print("%s smuggle outbound: %d messages relayed, %d at the "
                  "sink, %d with a bare CR or LF on the wire, %d with a "
                  "dot-stuffing error" % (
                      "FAIL" if fails else "PASS", fig["messages"],
                      fig["at_sink"], fig["bare"], fig["stuffing"]))
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print("smuggle: %d parts failed, %d sanitizer reports" % (
        failed, len(reports)))
    return 1 if failed or reports else 0


if __name__ == "__main__":
    sys.exit(main())
