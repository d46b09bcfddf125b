#!/usr/bin/env python3
"""Differential test of the SMTP daemon: the real sendmail 8.17 and ours
run `-bd -odq` on the CentOS 7 cf inside a private network namespace
(oracle_env.py's hermetic world, lo brought up, extra addresses on lo for
clients the access map names), the same dialogues are spoken to each from
those client addresses (smtpd_driver.py), and replies and queue files
must be equal after smtp_diff.py's normalisations.

What -bs cannot show is covered here: the daemon's greeting and Hello
line, check_relay with Connect: entries, relaying by client address and
name, and the client's name lookup ("[addr]" and "IP name lookup failed").

Usage: smtpd_diff.py [--bin DIR] [--show] [case ...]
Prints PASS|FAIL|SKIP diff smtpd-<case>: ... lines (see run_tests.py).
"""

import argparse
import json
import re
import os
import shutil
import sys

from oracle_env import (HERE, Skip, centos_world, oracle_binary,
                        oracle_env, our_binary, ours_env, run_ns_logged,
                        verdict, write)
from smtp_diff import ALIASES, MSG, normalise, queue_files, sort_queue

EHLO = ["EHLO client.example.net"]

# name -> (client address, dialogue); the address must be on lo
CASES = {
    "local": ("127.0.0.1", EHLO + ["MAIL FROM:<alice@example.com>",
                                   "RCPT TO:<joe>",
                                   "RCPT TO:<someone@far.example>",
                                   "DATA"] + MSG + ["QUIT"]),
    "unknown-client": ("127.0.0.2", EHLO + [
        "MAIL FROM:<spammer@example.org>", "RCPT TO:<victim@example.com>",
        "RCPT TO:<joe>", "DATA"] + MSG + ["QUIT"]),
    "connect-reject": ("192.0.2.66", EHLO + ["MAIL FROM:<a@example.org>",
                                             "QUIT"]),
    "connect-ok": ("10.1.0.5", EHLO + ["MAIL FROM:<a@example.org>",
                                       "RCPT TO:<joe>",
                                       "RCPT TO:<x@far.example>", "QUIT"]),
    "connect-discard": ("198.51.100.7", EHLO + [
        "MAIL FROM:<a@example.org>", "RCPT TO:<joe>", "DATA"] + MSG +
        ["QUIT"]),
    "helo-quit": ("127.0.0.1", ["HELO c.example.net", "NOOP", "QUIT"]),
    "no-mail": ("127.0.0.2", ["QUIT"]),
    # a transaction given up: its sender is logged all the same
    "rset-txn": ("127.0.0.1", EHLO + ["MAIL FROM:<alice@example.com>",
                                      "RCPT TO:<joe>", "RSET",
                                      "MAIL FROM:<bob@example.com>",
                                      "QUIT"]),
    # -odq with only remote recipients: each gets a stat=queued line
    # (one local recipient and sendmail logs none)
    "remote-only": ("127.0.0.1", EHLO + ["MAIL FROM:<alice@example.com>",
                                         "RCPT TO:<x@far.example>",
                                         "RCPT TO:<y@far2.example>",
                                         "DATA"] + MSG + ["QUIT"]),
    # what fail2ban's sendmail-reject filter reads: VRFY and EXPN refused
    # by PrivacyOptions (novrfy,noexpn in CentOS's mc) are logged with
    # the client and the command line as typed, then "[rejected]"
    "vrfy-expn": ("127.0.0.2", EHLO + ["VRFY root", "EXPN root",
                                       "vrfy info", "expn postmaster",
                                       "QUIT"]),
    # an unknown local user: the RCPT's log line and the from= line
    "unknown-user": ("127.0.0.2", EHLO + ["MAIL FROM:<a@example.org>",
                                          "RCPT TO:<nosuch>",
                                          "RCPT TO:<nosuch@example.com>",
                                          "QUIT"]),
    # a sender the access map refuses: the check_mail line logwatch
    # counts, and a from= line when the transaction is dropped (QUIT,
    # RSET), but not when another MAIL replaces the refused sender
    "sender-rejected": ("127.0.0.2", EHLO + [
        "MAIL FROM:<spammer@bad.example>", "QUIT"]),
    "sender-rejected-then-ok": ("127.0.0.2", EHLO + [
        "MAIL FROM:<spammer@bad.example>", "RSET",
        "MAIL FROM:<x@tempfail.example>", "MAIL FROM:<a@example.org>",
        "RCPT TO:<joe>", "QUIT"]),
}
EXTRA_ADDRS = ["192.0.2.66/32", "10.1.0.5/32", "198.51.100.7/32"]
NS_PRE = ""     # shell commands run first in the namespace (more mounts)


def run_side(binary, env, prefix, tmp, cf, pidfile, names, table=None):
    table = table or CASES
    cases = os.path.join(tmp, "cases.json")
    write(cases, json.dumps([[n, table[n][0], table[n][1]] for n in names]))
    script = ("for a in %s; do ip addr add $a dev lo 2>/dev/null; done; "
              % " ".join(EXTRA_ADDRS))
    q = os.path.join(tmp, "var/spool/mqueue")
    shutil.rmtree(q, ignore_errors=True)
    os.makedirs(q)
    argv = ["sh", "-c", script + 'exec "$@"', "sh", sys.executable,
            os.path.join(HERE, "smtpd_driver.py"), pidfile, "25", cases,
            binary, "-C", cf, "-odq"]
    out, err, rc, log = run_ns_logged(prefix, tmp, argv, env, timeout=120,
                                      pre=NS_PRE)
    try:
        res = json.loads(out.decode("latin1"))
    except ValueError:
        res = {"error": (out + err).decode("latin1")[-2000:]}
    res["log"] = log_lines(log)
    res["queue"] = [x.decode("latin1") for x in
                    sort_queue([normalise(y) for y in queue_files(tmp)])]
    return res


QID = re.compile(r"\b[0-9A-Za-x]{8}[0-9]{6,}\b")


def log_lines(lines):
    """The daemon's syslog lines about the sessions, without the ident
    and PID, queue ids, delays, sizes and Message-Ids, which differ
    between any two runs."""
    out = []
    for ln in lines:
        ln = ln.split(": ", 1)[-1]      # "sendmail[pid]: "
        # the daemon's own start and stop (LogLevel 10): sendmail 8.17
        # does not always get its stop line out before it exits
        if ln.startswith(("starting daemon", "NOQUEUE: stopping daemon")):
            continue
        ln = QID.sub("QID", ln)
        # LogLevel 10: the daemon's command line, binary path and all
        ln = re.sub(r"^started as: \S+", "started as: sendmail", ln)
        ln = re.sub(r", (x?delay|size|msgid|pri)=[^,]*", "", ln)
        out.append(ln)
    # concurrent sessions (the driver's probe) log in no set order
    return sorted(out)


def lines_of(res, name):
    if "error" in res:
        return [b"ERROR " + res["error"].encode("latin1")]
    return [normalise(x.encode("latin1")) for x in res.get(name, [])]


def main(table=CASES, label="smtpd", prepare=None):
    """Runs the cases of table on both sides; prepare(tmp, cf_file), if
    given, adds to the cf (and may raise Skip)."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.environ.get("BIN", "bin"))
    ap.add_argument("--show", action="store_true")
    ap.add_argument("cases", nargs="*")
    args = ap.parse_args()
    names = args.cases or list(table)
    try:
        if not shutil.which("ip"):
            raise Skip("ip not installed")
        root, prefix, tmp, cf = centos_world(label.replace("-", "_") +
                                             "_diff.", ALIASES)
        pidfile = os.path.join(tmp, "run/sendmail.pid")
        with open(cf, "a") as f:
            f.write("O PidFile=%s\n" % pidfile)
            # the machine's load must not refuse connections on one side
            f.write("O RefuseLA=1000\nO QueueLA=1000\n")
            if prepare is not None:
                prepare(tmp, f)
    except Skip as e:
        for n in names:
            print("SKIP diff %s-%s: %s" % (label, n, e))
        return 0
    failed = 0
    # one daemon per side for all cases; the queue is compared per case
    results = []
    for which in ("oracle", "ours"):
        results.append([])
        for n in names:
            if which == "oracle":
                binary, env = oracle_binary(root), oracle_env(root)
            else:
                binary, env = (our_binary(os.path.abspath(args.bin)),
                               ours_env())
            results[-1].append(run_side(binary, env, prefix, tmp, cf,
                                        pidfile, [n], table))
    for i, n in enumerate(names):
        want, got = [
            lines_of(r[i], n) + [b"----- queue"] + [
                x.encode("latin1") for x in r[i]["queue"]] +
            [b"----- log"] + [x.encode("latin1") for x in r[i]["log"]]
            for r in results]
        failed += verdict("%s-%s" % (label, n), want, got, show=args.show)
    shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
