#!/usr/bin/env python3
"""Differential test of command-line submission (`sendmail [-t] [-i]
[-f from] rcpt ... < message`): the real sendmail 8.17 and ours queue the
same message with -odq on the CentOS 7 cf in oracle_env.py's hermetic
world; stdout, the exit status and the queue files (qf and df) must be
equal after smtp_diff.py's normalisations.

One difference is deliberate and listed as XFAIL: sendmail expands
aliases while it queues a message from the command line (qf C lines and
A-flagged R lines); we queue the names as given and expand them when the
message is delivered (doc/differences.md).

Usage: submit_diff.py [--bin DIR] [--show] [case ...]
Prints PASS|FAIL|XFAIL|SKIP diff submit-<case>: ... lines.
"""

import argparse
import os
import shutil
import sys

from oracle_env import (Skip, centos_world, oracle_binary, oracle_env,
                        our_binary, ours_env, run_ns, verdict)
from smtp_diff import ALIASES, normalise, queue_files, sort_queue

PLAIN = b"Subject: t\n\nline\n"
DOTS = b"Subject: dots\n\nline\n..two dots\n.x\n.\nafter\n"
HDRS = (b"To: joe, Bob <bob@example.com>\nCc: \"Q. Uucp\" <uucp> (c)\n"
        b"Bcc: hidden@example.org\nSubject: t\n\nline\n")

# name -> (argv after -C cf -odq, stdin, XFAIL reason or None)
CASES = {
    "plain": (["joe"], PLAIN, None),
    "two-args": (["joe", "bob@example.com, x@example.net"], PLAIN, None),
    "dots": (["joe"], DOTS, None),
    "dots-i": (["-i", "joe"], DOTS, None),
    "dots-oi": (["-oi", "joe"], DOTS, None),
    "t": (["-t"], HDRS, None),
    "t-argv": (["-t", "extra@example.net", "bob@example.com"], HDRS, None),
    "t-none": (["-t"], PLAIN, None),
    "t-resent": (["-t"], b"To: joe\nResent-To: bob@example.com\n"
                 b"Resent-From: x@example.com\nSubject: r\n\nbody\n", None),
    "from-trusted": (["-f", "someone@example.org", "joe"], PLAIN, None),
    "from-local": (["-f", "joe", "-F", "Joe Q. User", "bob@example.com"],
                   PLAIN, None),
    "fullname": (["-F", "The Admin", "joe"], PLAIN, None),
    "dsn": (["-N", "success,delay", "-R", "hdrs", "-V", "env123", "joe"],
            PLAIN, None),
    "dsn-never": (["-N", "never", "-R", "full", "joe"], PLAIN, None),
    "bulk": (["joe"], b"Precedence: bulk\nSubject: b\n\nx\n", None),
    "eightbit": (["-B8BITMIME", "joe"], b"Subject: 8\n\ncaf\xe9\n", None),
    "sevenbit-8bitmime": (["-B8BITMIME", "joe"], PLAIN, None),
    "from-line": (["joe"], b"From someone Tue Nov 24 08:00:00 2026\n"
                  b"Subject: f\n\nx\n", None),
    "no-headers": (["joe"], b"just a body line\n", None),
    "no-newline": (["joe"], b"Subject: n\n\nno newline at the end", None),
    "crlf": (["joe"], b"Subject: c\r\n\r\nline\r\n", None),
    "no-rcpt": ([], PLAIN, None),
    "alias": (["list"], PLAIN, "aliases are expanded at delivery, not "
              "while queueing"),
}


def run_case(name, root, prefix, tmp, cf, bindir):
    argv, stdin, _ = CASES[name]
    results = []
    for which in ("oracle", "ours"):
        q = os.path.join(tmp, "var/spool/mqueue")
        shutil.rmtree(q, ignore_errors=True)
        os.makedirs(q)
        if which == "oracle":
            binary, env = oracle_binary(root), oracle_env(root)
        else:
            binary, env = our_binary(os.path.abspath(bindir)), ours_env()
        out, err, rc = run_ns(prefix, tmp, [binary, "-C", cf, "-odq"] +
                              argv, env, stdin=stdin)
        files = sort_queue([normalise(x) for x in queue_files(tmp)])
        lines = [normalise(x) for x in out.split(b"\n")]
        lines += [b"===== stderr"] + err.split(b"\n")
        lines += [b"===== exit %d" % rc, b"----- queue"] + files
        results.append(lines)
    return results


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.environ.get("BIN", "bin"))
    ap.add_argument("--show", action="store_true")
    ap.add_argument("cases", nargs="*")
    args = ap.parse_args()
    names = args.cases or list(CASES)
    try:
        root, prefix, tmp, cf = centos_world("submit_diff.", ALIASES)
    except Skip as e:
        for n in names:
            print("SKIP diff submit-%s: %s" % (n, e))
        return 0
    failed = 0
    for n in names:
        want, got = run_case(n, root, prefix, tmp, cf, args.bin)
        failed += verdict("submit-" + n, want, got, known=CASES[n][2],
                          show=args.show)
    shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
