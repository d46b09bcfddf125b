#!/usr/bin/env python3
"""DNS failures and an MX host down and up, counted (reference
reliability.md §4.3, figures 6 and 7 of §5; issue 10 item 4).

The hosts, the hub, dnsmasq and the SERVFAIL name server are those of
regress/proto/test_mx_hosts.py (network namespaces the test creates,
`sendmail -bd -q2s` in each), which checks each case once with one
message; this harness sends N messages per case and counts:

  figure 6  alpha sends N to nowhere.test (NXDOMAIN) and N to
            nomail.test (null MX, RFC 7505): each must come back to its
            sender (5.1.2 / 5.1.10) within one queue interval and leave
            the queue; gamma (whose $[ $] asks only its hosts file, so
            the SMTP mailer meets the failure) sends N to servfail.test
            (SERVFAIL) and N to silent.test (a name server that never
            answers): each must still be queued, deferred, after two
            more queue runs, and nothing returned
  figure 7  beta is stopped; alpha sends N to beta, all deferred
            (connection refused); beta starts again: each delivered
            within one queue interval (plus slack for a loaded machine),
            exactly once, and no warning or bounce at alpha.  epsilon
            (Timeout.queuewarn 2s, queuereturn 6s) sends N to beta while
            it stays down: exactly one warning and one bounce each

Prints PASS/FAIL dns <case> lines with the counts and a summary; exit 0
when none failed, 0 with SKIP when namespaces or dnsmasq are missing.

Usage: dns.py [--messages N]
"""

import argparse
import os
import re
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "proto"))
try:
    import pytest  # noqa: F401
except ImportError:
    # test_mx_hosts only decorates with pytest at import time: a stand-in
    # whose marks and fixtures leave the functions as they are
    import types

    class _Marks:
        def __getattr__(self, name):
            return lambda *a, **k: (lambda f: f)
    _stub = types.ModuleType("pytest")
    _stub.mark = _Marks()
    _stub.fixture = lambda *a, **k: (lambda f: f)
    sys.modules["pytest"] = _stub
import test_mx_hosts as mx  # noqa: E402

WINDOW = mx.QUEUE_INTERVAL + mx.SLACK   # "within one queue run"


def until(pred, seconds):
    """pred()'s first true value within seconds, else its last value."""
    deadline = time.time() + seconds
    while True:
        v = pred()
        if v or time.time() > deadline:
            return v
        time.sleep(0.2)


def returned(host, user, domain, n, status):
    """n messages from user@host to news@domain; (bounced within the
    window with status, still queued afterwards, seconds to the last)."""
    toks = [mx.token() for _ in range(n)]
    sent = {}
    for t in toks:
        host.send("%s@%s" % (user, host.domain), ["news@" + domain],
                  "dns %s" % t)
        sent[t] = time.time()
    got = {}
    deadline = max(sent.values()) + WINDOW
    while time.time() < deadline and len(got) < n:
        for t in toks:
            if t not in got and host.mails(user, t):
                got[t] = time.time() - sent[t]
        time.sleep(0.2)
    ok = 0
    for t in got:
        ms = host.mails(user, t)
        if len(ms) == 1:
            _, groups = mx.dsn_parts(ms[0])
            ok += all(g.get("status") == status for g in groups[1:])
    time.sleep(mx.QUEUE_INTERVAL + 1)
    queued = sum(1 for t in toks if host.queue_with(t))
    extra = sum(1 for t in toks if len(host.mails(user, t)) > 1)
    return ok, queued, extra, max(got.values()) if got else None


def deferred(host, user, domain, n):
    """n messages to news@domain that must stay queued; (deferred after
    two more queue runs, returned)."""
    toks = [mx.token() for _ in range(n)]
    for t in toks:
        host.send("%s@%s" % (user, host.domain), ["news@" + domain],
                  "dns %s" % t)

    def tries():
        out = {}
        for t in toks:
            for qf in host.queue_with(t).values():
                m = re.search(r"^N(\d+)", qf, re.M)
                out[t] = int(m.group(1)) if m else 0
        return out
    def all_tried():
        x = tries()
        return x if len(x) == n and min(x.values()) >= 1 else None
    # a name server that never answers costs each try its 1 s timeout
    first = until(all_tried, 10 + WINDOW + 2 * n) or tries()
    until(lambda: all(v > first.get(t, 0) + 1
                      for t, v in tries().items()),
          3 * mx.QUEUE_INTERVAL + mx.SLACK + 4 * n)
    last = tries()
    ok = sum(1 for t in toks if last.get(t, 0) > first.get(t, 0) and
             any(re.search(r"^MDeferred: ", qf, re.M)
                 for qf in host.queue_with(t).values()))
    back = sum(1 for t in toks if host.mails(user, t))
    for t in toks:
        host.unqueue(t)
    return ok, back


def down_then_up(a, b, n):
    """(delivered within the window of beta's start, exactly once,
    warnings or bounces at alpha, seconds to the last)."""
    toks = [mx.token() for _ in range(n)]
    b.stop()
    try:
        for t in toks:
            a.send("daemon@alpha.test", ["news@beta.test"], "later " + t)
        until(lambda: all(
            any(re.search(r"^MDeferred: Connection refused", qf, re.M)
                for qf in a.queue_with(t).values()) for t in toks),
            10 + WINDOW)
        time.sleep(mx.QUEUE_INTERVAL)       # a queue run with beta down
    finally:
        b.start()
    up = time.time()
    at = {}
    while time.time() < up + WINDOW and len(at) < n:
        for t in toks:
            if t not in at and b.mails("news", t):
                at[t] = time.time() - up
        time.sleep(0.2)
    time.sleep(2 * mx.QUEUE_INTERVAL)
    once = sum(1 for t in toks if len(b.mails("news", t)) == 1)
    notices = sum(1 for t in toks if a.mails("daemon", t))
    return len(at), once, notices, max(at.values()) if at else None


def stays_down(e, b, n):
    """(messages with exactly one warning and one bounce, delivered
    to beta afterwards)."""
    toks = [mx.token() for _ in range(n)]
    b.stop()
    try:
        for t in toks:
            e.send("daemon@epsilon.test", ["news@beta.test"], "down " + t)
        until(lambda: all(len(e.mails("daemon", t)) >= 2 for t in toks)
              and not any(e.queue_with(t) for t in toks),
              6 + 3 * mx.QUEUE_INTERVAL + mx.SLACK + n)
        time.sleep(2 * mx.QUEUE_INTERVAL + 1)
        ok = 0
        for t in toks:
            got = e.mails("daemon", t)
            ok += (len(got) == 2 and got[0]["Subject"].startswith(
                "Warning: could not send") and got[1]["Subject"] ==
                "Returned mail: see transcript for details")
    finally:
        b.start()
    time.sleep(mx.QUEUE_INTERVAL + 1)
    return ok, sum(1 for t in toks if b.mails("news", t))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--messages", type=int, default=10)
    a = ap.parse_args()
    n = a.messages
    why = mx._WHY
    if why or not os.access(mx.SENDMAIL, os.X_OK):
        print("SKIP dns: %s" % (why or "no " + mx.SENDMAIL))
        return 0
    root = tempfile.mkdtemp(prefix="dns.", dir="/var/tmp")
    os.chmod(root, 0o755)
    hub = mx.Hub(root)
    hosts = {}
    failed = 0
    try:
        mx.start_hosts(root, hub, ("alpha", "beta", "gamma", "epsilon"),
                       hosts)
        al, be, ga, ep = (hosts[k] for k in ("alpha", "beta", "gamma",
                                             "epsilon"))
        for dom, user, status in (("nowhere.test", "man", "5.1.2"),
                                  ("nomail.test", "bin", "5.1.10")):
            ok, queued, extra, secs = returned(al, user, dom, n, status)
            bad = ok != n or queued or extra
            failed += bad
            print("%s dns bounce %s: %d/%d returned (%s) within one queue "
                  "run (%ds), slowest %.1f s; %d still queued, %d returned "
                  "twice" % ("FAIL" if bad else "PASS", dom, ok, n, status,
                             WINDOW, secs or -1, queued, extra))
        for dom in ("servfail.test", "silent.test"):
            ok, back = deferred(ga, "games", dom, n)
            bad = ok != n or back
            failed += bad
            print("%s dns defer %s: %d/%d deferred over two more queue "
                  "runs, %d returned" % ("FAIL" if bad else "PASS", dom, ok,
                                         n, back))
        got, once, notices, secs = down_then_up(al, be, n)
        bad = got != n or once != n or notices
        failed += bad
        print("%s dns mx-down-up: %d/%d delivered within one queue interval "
              "of the MX coming back (%ds), slowest %.1f s; %d exactly once; "
              "%d warnings or bounces" % ("FAIL" if bad else "PASS", got, n,
                                          WINDOW, secs or -1, once, notices))
        ok, late = stays_down(ep, be, n)
        bad = ok != n or late
        failed += bad
        print("%s dns mx-stays-down: %d/%d with exactly one warning and "
              "one bounce; %d delivered after the return" % (
                  "FAIL" if bad else "PASS", ok, n, late))
    finally:
        mx.stop_hosts(hosts, hub)
        shutil.rmtree(root, ignore_errors=True)
    print("dns: %d cases failed (%d messages each)" % (failed, n))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
