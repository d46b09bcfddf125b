#!/usr/bin/env python3
"""Differential test of 8-to-7-bit MIME conversion in the SMTP client.

The real sendmail 8.17 queues a set of 8-bit messages (-odq, CentOS 7 cf
of oracle_env.py, recipient joe@[127.0.0.2], the esmtp mailer sent to
the sink's port); the queue is copied and each side runs its copy
(`sendmail -qf`) inside a network namespace where smtp_sink.py listens
on 127.0.0.2, with or without 8BITMIME in its EHLO reply.  For every
message, what the sink received (MAIL and RCPT lines, then the DATA
bytes as they came: CRLF, dot-stuffing and all) must be equal byte for
byte after smtp_diff.py's normalisations; a message the sink did not
get is compared by what is left in the queue and how many notifications
went back to the sender.  Both sides run the same queue files, so queue
ids and the host name ($j) are the same on both.

Groups: the cf's own EightBitMode, then pass8, mime8 and strict, each
with a sink without 8BITMIME; the cf's mode and mime8 with one that
has it (where sendmail adds BODY=8BITMIME).

Usage: mime8to7_diff.py [--bin DIR] [--show] [group[-message] ...]
Prints PASS|FAIL|XFAIL|SKIP diff mime8to7-<group>-<message>: ... lines.
"""

import glob
import os
import re
import shutil
import sys

from oracle_env import (Skip, centos_world, diff_args, oracle_binary,
                        oracle_env, our_binary, ours_env, run_ns, verdict)
from deliver_diff import LOCAL_SH, bounces, side
from smtp_diff import normalise

HERE = os.path.dirname(os.path.abspath(__file__))
SINK = os.path.join(HERE, "smtp_sink.py")
SINK_ADDR = "127.0.0.2"
SINK_PORT = 2526
RCPT = "joe@[%s]" % SINK_ADDR
SENDER = "sender@example.org"

LONG_ASCII = b"x" * 150
DOTS = b"a" * 72 + b"..." + b"b" * 10
LATIN = "Gr\u00fc\u00dfe aus K\u00f6ln, sch\u00f6ne Gr\u00fc\u00dfe".encode(
    "latin-1")

# name -> message (the Subject: is the key the sink's copies are found by)
MESSAGES = {
    "plain": b"Subject: plain\n\n" + LATIN + b"\nsecond line\n",
    "mime-text": (
        b"Subject: mime-text\nMIME-Version: 1.0\n"
        b"Content-Type: text/plain; charset=iso-8859-1\n"
        b"Content-Transfer-Encoding: 8bit\n\n" + LATIN + b"\n"
        b"trailing space \nand tab\t\n.\nFrom here\n=equals=\n" + LONG_ASCII +
        b"\n" + DOTS + b"\n" + LATIN * 4 + b"\nend\n"),
    "mime-7bit": (
        b"Subject: mime-7bit\nMIME-Version: 1.0\n"
        b"Content-Type: text/plain\nContent-Transfer-Encoding: 7bit\n\n"
        b"only ascii here\n"),
    "mostly-8bit": (
        b"Subject: mostly-8bit\nMIME-Version: 1.0\n"
        b"Content-Type: text/plain; charset=utf-8\n\n" +
        "\u00e4\u00f6\u00fc\u00df\u20ac".encode() * 30 + b"\nab\n"),
    "multipart": (
        b"Subject: multipart\nMIME-Version: 1.0\n"
        b"Content-Type: multipart/mixed; boundary=\"=_outer b\"\n"
        b"Content-Transfer-Encoding: 8bit\n\n"
        b"preamble with \xe9 8-bit\n"
        b"--=_outer b\n"
        b"Content-Type: text/plain; charset=iso-8859-1\n"
        b"Content-Transfer-Encoding: 8bit\n\n" + LATIN + b"\n\n"
        b"--=_outer b\n"
        b"Content-Type: application/octet-stream\n"
        b"Content-Transfer-Encoding: binary\n\n" +
        bytes(range(128, 256)) + b"\nabc\n"
        b"--=_outer b\n"
        b"Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\n"
        b"aGVsbG8K\n"
        b"--=_outer b\n"
        b"Content-Type: text/plain\n\nseven bit part\n"
        b"--=_outer b--  \n"
        b"epilogue \xff\n"),
    "rfc822": (
        b"Subject: rfc822\nMIME-Version: 1.0\n"
        b"Content-Type: multipart/mixed; boundary=XYZ\n\n"
        b"--XYZ\nContent-Type: text/plain\n\nforwarded below\n"
        b"--XYZ\nContent-Type: message/rfc822\n"
        b"Content-Transfer-Encoding: 8bit\n\n"
        b"From: inner@example.org\nSubject: inner \xe4\n\n" + LATIN + b"\n"
        b"--XYZ\nContent-Type: multipart/alternative; boundary=\"in\"\n\n"
        b"--in\nContent-Type: text/plain; charset=iso-8859-1\n\n" + LATIN +
        b"\n--in\nContent-Type: text/html\n\n<p>" + LATIN + b"</p>\n"
        b"--in--\n"
        b"--XYZ--\n"),
    "signed": (
        b"Subject: signed\nMIME-Version: 1.0\n"
        b"Content-Type: multipart/signed; boundary=S; protocol=x\n\n"
        b"--S\nContent-Type: text/plain\n\n" + LATIN + b"\n--S\n"
        b"Content-Type: application/x-sig\n\nsig\n--S--\n"),
    "rfc1049": (b"Subject: rfc1049\nContent-Type: text\n\n" + LATIN + b"\n"),
}

# group -> (cf option lines, sink offers 8BITMIME, extra queue argv)
GROUPS = {
    "default": ([], False, []),
    "pass8": (["O EightBitMode=pass8"], False, []),
    "mime8": (["O EightBitMode=mime8"], False, []),
    "strict": (["O EightBitMode=strict"], False, []),
    "default-8bitmime": ([], True, []),
    "mime8-8bitmime": (["O EightBitMode=mime8"], True, []),
    "body8bitmime": (["O EightBitMode=pass8"], False, ["-B8BITMIME"]),
}

# "group-message" -> why we differ on purpose (doc/differences.md)
KNOWN = {}

NS_SINK = ('ip link set lo up && ip addr add {addr}/8 dev lo 2>/dev/null; '
           'python3 {sink} {addr} {port} "$OUT" {flag} & sp=$!; i=0; '
           'while [ ! -e "$OUT/ready" ] && [ $i -lt 200 ]; do sleep 0.05; '
           'i=$((i+1)); done; "$@"; rc=$?; kill $sp; wait $sp; exit $rc')

STRIP = re.compile(rb"^(Received: .*|\tby .*|\t(for .*; )?[A-Z][a-z]{2}, .*)"
                   rb"\r?\n", re.M)


SIZE = re.compile(rb" SIZE=\d+")


def point_esmtp(cf_path):
    """The esmtp mailer to the sink's port: A=TCP $h PORT."""
    with open(cf_path) as f:
        t = f.read()
    t, n = re.subn(r"(?m)^(Mesmtp,.*\n(?:\s+.*\n)*?\s+A=TCP \$h)$",
                   r"\1 %d" % SINK_PORT, t)
    if n != 1:
        raise RuntimeError("no esmtp mailer in the cf")
    with open(cf_path, "w") as f:
        f.write(t)


def received(sinkdir):
    """subject -> the normalised transcript of what the sink got."""
    res = {}
    for path in sorted(glob.glob(os.path.join(sinkdir, "msg-*"))):
        with open(path, "rb") as fh:
            data = fh.read()
        m = re.search(rb"(?m)^Subject: ([^\r\n]*)", data)
        key = m.group(1).decode("latin-1") if m else os.path.basename(path)
        # SIZE= is compared by test_smtpc, not here
        data = STRIP.sub(b"", normalise(SIZE.sub(b"", data)))
        res[key.split()[0] if key else key] = data.split(b"\n")
    return res


def run_group(g, names, root, prefix, tmp, good, ours, show):
    opts, eightbit, qargs = GROUPS[g]
    env = oracle_env(root)
    res = {}
    for who in ("oracle", "ours"):
        qdir, out, cf = side(good, tmp, g, who, LOCAL_SH, extra=opts)
        point_esmtp(cf)
        sinkdir = os.path.join(tmp, "sink-%s-%s" % (g, who))
        os.makedirs(sinkdir)
        if who == "oracle":
            os.makedirs(qdir)
            for n in names:
                o, e, rc = run_ns(prefix, tmp, [oracle_binary(root), "-C", cf,
                                                "-odq", "-oi", "-f", SENDER] +
                                  qargs + [RCPT], env, stdin=MESSAGES[n])
                if rc != 0:
                    raise RuntimeError("oracle did not queue %s: %s" % (n, e))
            saved = os.path.join(tmp, "q-%s-saved" % g)
            shutil.copytree(qdir, saved)
            binary, e = oracle_binary(root), env
        else:
            shutil.copytree(saved, qdir)
            binary, e = ours, ours_env()
        script = NS_SINK.format(addr=SINK_ADDR, sink=SINK, port=SINK_PORT,
                                flag="--8bitmime" if eightbit else "")
        e = dict(e, OUT=sinkdir)
        o, err, rc = run_ns(prefix, tmp, ["sh", "-c", script, "sh", binary,
                                          "-C", cf, "-qf"], e)
        if show:
            print("--- %s %s: exit %d %s" % (g, who, rc, err.decode(
                "latin-1").strip()[:500]))
        left = sorted(os.path.basename(f) for f in
                      glob.glob(os.path.join(qdir, "qf*")))
        res[who] = (received(sinkdir), left, bounces(out))
    failed = 0
    for n in names:
        want = res["oracle"][0].get(n, [b"(not received)"])
        got = res["ours"][0].get(n, [b"(not received)"])
        failed += verdict("mime8to7-%s-%s" % (g, n), want, got,
                          known=KNOWN.get("%s-%s" % (g, n)), show=show)
    failed += verdict("mime8to7-%s-queue" % g,
                      [b"left %d, returned %d" % (len(res["oracle"][1]),
                                                  res["oracle"][2])],
                      [b"left %d, returned %d" % (len(res["ours"][1]),
                                                  res["ours"][2])],
                      show=show)
    return failed


def main():
    args = diff_args()
    want = args.cases or list(GROUPS)
    groups = [g for g in GROUPS if any(w == g or w.startswith(g + "-") and
                                       w[len(g) + 1:] in MESSAGES
                                       for w in want)]
    try:
        root, prefix, tmp, base = centos_world("mime8to7_diff.")
        with open(base) as f:
            good = f.read()
    except Skip as e:
        for g in groups:
            print("SKIP diff mime8to7-%s: %s" % (g, e))
        return 0
    ours = our_binary(os.path.abspath(args.bin))
    failed = 0
    for g in groups:
        names = [n for n in MESSAGES if g in want or "%s-%s" % (g, n) in want]
        failed += run_group(g, names, root, prefix, tmp, good, ours,
                            args.show)
    if args.show:
        print("kept %s" % tmp)
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
