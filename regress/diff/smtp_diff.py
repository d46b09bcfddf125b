#!/usr/bin/env python3
"""Differential test of the SMTP server: the same SMTP dialogues are
spoken to the real sendmail 8.17 (regress/oracle.sh) and to ours, both as
`sendmail -bs -odq` on the CentOS 7 cf in oracle_env.py's hermetic world,
and the replies must be equal line by line; then the queue files each
wrote (qf and df) must be equal too.

Normalised before comparing, and only these: queue ids (QID), the date in
the greeting, Date:/Received: and the T line, the Message-Id stamp, and
the version pair "($v/$Z)" / "Sendmail $v/$Z" ($v is ours by design).

A dialogue is a list of client lines; a line "DATA" is followed by the
message lines up to ".", sent before the reply is read.  The client waits
for each reply (multi-line ones too) before it sends the next command.

Usage: smtp_diff.py [--bin DIR] [--show] [case ...]
Prints PASS|FAIL|SKIP diff smtp-<case>: ... lines (see run_tests.py).
"""

import argparse
import glob
import os
import re
import shutil
import subprocess
import sys

from oracle_env import (NS_SCRIPT, Skip, centos_world, oracle_binary,
                        oracle_env, our_binary, ours_env, verdict)

ALIASES = """\
postmaster: root
list: a@remote.example, joe
root: joe
"""

MSG = ["Subject: hi", "", "body line", "."]

HDRS = ["Received: from elsewhere by there; Tue, 24 Nov 2026 08:00:00 GMT",
        "From: Alice <alice@example.com>", "To: joe",
        "Date: Mon, 23 Nov 2026 10:00:00 +0000",
        "Message-Id: <abc@example.com>", "X-Thing: folded",
        "  second line", "Subject: hi", "", "body", "..dot stuffed", "."]

# name -> (extra argv, dialogue)
CASES = {
    "basic": ([], ["EHLO client.example.net", "MAIL FROM:<alice@example.com>",
                   "RCPT TO:<joe>", "DATA"] + MSG + ["QUIT"]),
    "helo": ([], ["HELO client.example.net", "MAIL FROM:<alice@example.com>",
                  "RCPT TO:<joe>", "DATA"] + HDRS + ["QUIT"]),
    "multi-rcpt": ([], ["EHLO c.example.net",
                        "MAIL FROM:<alice@example.com> SIZE=100",
                        "RCPT TO:<postmaster>", "RCPT TO:<list>",
                        "RCPT TO:<root>", "RCPT TO:<nosuch>",
                        "RCPT TO:<x@remote.example>", "DATA"] + MSG +
                   ["QUIT"]),
    "dsn": ([], ["EHLO c.example.net",
                 "MAIL FROM:<alice@example.com> RET=HDRS ENVID=abc+2Bdef "
                 "BODY=8BITMIME",
                 "RCPT TO:<joe> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;joe+40x",
                 "RCPT TO:<root@vm.example.test> NOTIFY=NEVER",
                 "DATA"] + MSG + ["QUIT"]),
    "order-errors": ([], ["RCPT TO:<joe>", "DATA", "MAIL FROM:<a@b.example>",
                          "MAIL FROM:<a@b.example>", "DATA", "RSET",
                          "NOOP", "QUIT"]),
    "syntax": ([], ["EHLO c.example.net", "MAIL FROM", "MAIL FROM:",
                    "MAIL FROM:<root@vm.example.test",
                    "MAIL FROM:<alice@example.com> FOO=bar",
                    "MAIL FROM:<alice@example.com> BODY=foo",
                    "MAIL FROM:<alice@example.com>", "RCPT TO",
                    "RCPT TO:", "RCPT TO:<a@b@c>", "RCPT TO:<>",
                    "RCPT TO:<joe> BAR=1", "QUIT"]),
    "helo-errors": ([], ["HELO", "EHLO", "FOO bar", "TURN", "VERB",
                         "ETRN", "ETRN example.com", "VRFY root",
                         "EXPN list", "HELP xyzzyxyzzyxyzzy", "QUIT"]),
    "relay-denied": (["-M{client_addr}198.51.100.7"],
                     ["EHLO c.example.net", "MAIL FROM:<a@example.org>",
                      "RCPT TO:<user@example.com>", "RCPT TO:<joe>",
                      "DATA"] + MSG + ["QUIT"]),
    "access": (["-M{client_addr}198.51.100.7"],
               ["EHLO c.example.net", "MAIL FROM:<spammer@bad.example>",
                "MAIL FROM:<x@tempfail.example>", "MAIL FROM:<ok@good.example>",
                "RCPT TO:<blocked@example.test>", "RCPT TO:<joe@relayok.example>",
                "RCPT TO:<postmaster@remote.example>", "RCPT TO:<info@example.test>",
                "DATA"] + MSG + ["QUIT"]),
    "null-sender": ([], ["EHLO c.example.net", "MAIL FROM:<>",
                         "RCPT TO:<joe>", "DATA"] + MSG + ["QUIT"]),
    "no-blank-line": ([], ["HELO c.example.net", "MAIL FROM:<a@example.com>",
                           "RCPT TO:<joe>", "DATA", "Subject: x",
                           "not a header line", "body", "."] + ["QUIT"]),
    "two-messages": ([], ["EHLO c.example.net", "MAIL FROM:<a@example.com>",
                          "RCPT TO:<joe>", "DATA"] + MSG +
                     ["MAIL FROM:<b@example.com>", "RCPT TO:<root>",
                      "DATA", "Precedence: bulk", "", "second", ".",
                      "QUIT"]),
    "bad-rcpts": ([], ["EHLO c.example.net", "MAIL FROM:<a@example.com>",
                       "RCPT TO:<nosuch1>", "RCPT TO:<nosuch2>",
                       "RCPT TO:<baduser@example.test>",
                       "RCPT TO:<nobody@example.test>", "QUIT"]),
}

QID = re.compile(rb"\b[0-9A-Za-x]{8}[0-9]{6,7}\b")
DATE = re.compile(rb"[A-Z][a-z]{2}, \d{1,2} [A-Z][a-z]{2} \d{4} "
                  rb"\d\d:\d\d:\d\d (?:GMT|[-+]\d{4}(?: \([A-Z]+\))?)")
STAMP = re.compile(rb"<\d{12}\.QID@")
VERS = re.compile(rb"(Sendmail |\()[0-9][0-9.]*(/[0-9][0-9.]*| -- )")
TLINE = re.compile(rb"^T\d+$", re.M)


def normalise(data):
    """The normalisations listed in the module's comment."""
    data = QID.sub(b"QID", data)
    data = DATE.sub(b"DATE", data)
    data = STAMP.sub(b"<STAMP.QID@", data)
    data = VERS.sub(rb"\1V/\2", data)
    return TLINE.sub(b"TTIME", data)


def converse(prefix, tmp, argv, env, lines, script=NS_SCRIPT):
    """Speak the dialogue; the server's side as a list of lines."""
    p = subprocess.Popen(prefix + ["sh", "-c", script, "sh", tmp] + argv,
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env=env)
    got = []

    def read_reply():
        while True:
            line = p.stdout.readline()
            if not line:
                got.append(b"<EOF>")
                return False
            got.append(line.rstrip(b"\r\n"))
            if len(line) < 4 or line[3:4] != b"-":
                return True

    try:
        alive = read_reply()
        in_data = False
        for line in lines:
            if not alive:
                break
            p.stdin.write(line.encode("latin1") + b"\r\n")
            p.stdin.flush()
            if in_data:
                if line == ".":
                    in_data = False
                    alive = read_reply()
                continue
            alive = read_reply()
            if line.upper() == "DATA" and got[-1].startswith(b"354"):
                in_data = True
        p.stdin.close()
    except BrokenPipeError:
        got.append(b"<EPIPE>")
    try:
        p.wait(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        got.append(b"<TIMEOUT>")
    return got


def queue_files(tmp):
    out = []
    for f in sorted(glob.glob(os.path.join(tmp, "var/spool/mqueue/*"))):
        name = os.path.basename(f)
        with open(f, "rb") as fh:
            body = fh.read()
        out.append(b"===== " + name[:2].encode() + b"QID")
        out.extend(body.split(b"\n"))
    return out


def sort_queue(lines):
    """qf/df pairs in a stable order: by df body, then qf."""
    blocks, cur = [], None
    for line in lines:
        if line.startswith(b"===== "):
            cur = [line]
            blocks.append(cur)
        elif cur is not None:
            cur.append(line)
    return [x for b in sorted(blocks) for x in b]


def run_case(name, root, prefix, tmp, cf, bindir):
    extra, lines = CASES[name]
    results = []
    for which in ("oracle", "ours"):
        q = os.path.join(tmp, "var/spool/mqueue")
        shutil.rmtree(q, ignore_errors=True)
        os.makedirs(q)
        if which == "oracle":
            argv, env = [oracle_binary(root)], oracle_env(root)
        else:
            argv, env = [our_binary(os.path.abspath(bindir))], ours_env()
        argv = argv + ["-C", cf, "-odq"] + extra + ["-bs"]
        conv = converse(prefix, tmp, argv, env, lines)
        files = sort_queue([normalise(x) for x in queue_files(tmp)])
        results.append([normalise(x) for x in conv + [b"----- queue"] +
                        files])
    return results


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.environ.get("BIN", "bin"))
    ap.add_argument("--show", action="store_true")
    ap.add_argument("cases", nargs="*")
    args = ap.parse_args()
    names = args.cases or list(CASES)
    try:
        root, prefix, tmp, cf = centos_world("smtp_diff.", ALIASES)
    except Skip as e:
        for n in names:
            print("SKIP diff smtp-%s: %s" % (n, e))
        return 0
    failed = 0
    for n in names:
        want, got = run_case(n, root, prefix, tmp, cf, args.bin)
        failed += verdict("smtp-" + n, want, got, show=args.show)
    shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
