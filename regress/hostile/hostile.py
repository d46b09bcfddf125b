#!/usr/bin/env python3
"""The hostile-input catalogue (reference reliability.md §3, with the
oracle's replies observed there; issue 10 item 7, figures 9 and 10 of
doc/reliability.md) against our daemons, one section a module:

  smtp_cases.py     §3.1-3.3  SMTP commands, addresses, headers
  relay.py          §3.11     the 25 relay probes in every mode
  delivery.py       §3.2, 3.5, 3.7  what a remote peer may make a
                    delivery do (programs, files, argv), queue files
  maps.py           §3.6      a broken or missing access map
  mailboxd_cases.py §3.9-3.10 IMAP and POP3 against mailboxd
  mbox.py           §3.8      what mail.local writes into an mbox

Each section starts its own world (harness.py: the daemon, its cf and
queue; mailboxd and its store), plays each case in a session of its own
and judges it (harness.py's comment says how).  Besides, for every
case: the server still answers afterwards, and (in the sanitizer build)
no ASan/UBSan report was written over the run.  A case whose reply
differs from the oracle's on purpose or by a known gap is marked
`known` with the reason and counted apart.

As root the run goes into a network namespace of its own (unshare
--net): the loopback there gets 2001:db8::2 as well, the unauthorised
IPv6 source of relay.py's -v6 mode; elsewhere those are skipped.

Prints PASS|FAIL|KNOWN|SKIP hostile <id>: ... lines and a summary
"N cases, N match the oracle ..."; exit 1 when a case not marked known
fails, or a crash or sanitizer report was seen.

Usage: hostile.py [--quick] [--show] [--section NAME] [id ...]
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
V6_SRC = "2001:db8::2"


def netns():
    """Re-runs this program in a network namespace of its own (root,
    unshare and ip at hand); returns its exit code, or None to go on
    here.  Inside, brings lo up and gives it V6_SRC."""
    if os.environ.get("HOSTILE_NETNS") == "1":
        private_hosts()
        up = subprocess.run(["ip", "link", "set", "lo", "up"],
                            capture_output=True)
        v6 = subprocess.run(["ip", "-6", "addr", "add", V6_SRC + "/128",
                             "dev", "lo", "nodad"], capture_output=True)
        if up.returncode == 0 and v6.returncode == 0:
            os.environ["HOSTILE_V6_SRC"] = V6_SRC
        else:
            os.environ["HOSTILE_V6_SKIP"] = "no IPv6 on the loopback: %s" % (
                (up.stderr + v6.stderr).decode().strip())
        return None
    if os.geteuid() != 0 or not shutil.which("unshare") or \
            not shutil.which("ip"):
        os.environ["HOSTILE_V6_SKIP"] = "not root (no network namespace)"
        return None
    env = dict(os.environ, HOSTILE_NETNS="1")
    return subprocess.call(["unshare", "--net", "--mount", "--propagation",
                            "private", "--", sys.executable,
                            os.path.abspath(__file__)] + sys.argv[1:],
                           env=env)


def private_hosts():
    """In the namespace no name server can be reached, and a PTR lookup
    of a client would be a temporary failure ("Relaying temporarily
    denied. Cannot resolve PTR record"): hosts come from /etc/hosts
    alone there (an nsswitch.conf bound over the system's in our mount
    namespace), so an address without a name has none, as outside."""
    try:
        with open("/etc/nsswitch.conf") as f:
            lines = f.read().splitlines()
    except OSError:
        lines = []
    lines = [l for l in lines if not l.startswith("hosts:")] + \
        ["hosts: files"]
    fd, path = tempfile.mkstemp(prefix="hostile-nsswitch.", dir="/var/tmp")
    os.write(fd, ("\n".join(lines) + "\n").encode())
    os.close(fd)
    os.chmod(path, 0o644)
    subprocess.run(["mount", "--bind", path, "/etc/nsswitch.conf"],
                   check=True)
    os.unlink(path)         # the mount keeps it while we run


def sections():
    import delivery
    import mailboxd_cases
    import maps
    import mbox
    import relay
    import smtp_cases
    return [smtp_cases, relay, delivery, maps, mailboxd_cases, mbox]


def run_section(mod, cases, root, show):
    """Runs the cases in a world of the section's; returns counts
    (match, known, failed, crashes)."""
    import harness
    match = known = failed = crashes = 0
    ctx = mod.start(os.path.join(root, mod.NAME))
    if hasattr(mod, "bind"):
        cases = mod.bind(cases, ctx)
    results = []
    try:
        for case in cases:
            if case.before:
                case.before(ctx)
            t0 = time.time()
            replies, closed, files = harness.run_case(case, ctx)
            problems = harness.judge(case, replies, closed, files, ctx)
            if not ctx.alive():
                problems.append("server no longer answers")
                crashes += 1
                ctx.restart()
            results.append((case.id, "%s, %.1f s" % (case.ref,
                                                      time.time() - t0),
                            problems, case.known, replies))
        results += [(name, "", probs, None, [])
                    for name, probs in ctx.finish()]
    finally:
        ctx.close()
    for cid, ref, problems, reason, replies in results:
        if not problems:
            match += 1
            tag = "PASS"
        elif reason:
            known += 1
            tag = "KNOWN"
        else:
            failed += 1
            tag = "FAIL"
        print("%s hostile %s (%s): %s%s" % (
            tag, cid, ref, "; ".join(problems) if problems else "as expected",
            " [%s]" % reason if reason and problems else ""))
        if show or (problems and not reason):
            for r in (replies if show else replies[-4:]):
                print("    < %s" % r[:160])
    sys.stdout.flush()
    return match, known, failed, crashes


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--show", action="store_true")
    ap.add_argument("--section", action="append")
    ap.add_argument("ids", nargs="*")
    a = ap.parse_args()
    rc = netns()
    if rc is not None:
        return rc
    import harness
    root = tempfile.mkdtemp(prefix="hostile.", dir="/var/tmp")
    os.chmod(root, 0o755)       # mailers run as other users below it
    asan = harness.sanitizer_env(root)
    total = [0, 0, 0, 0]
    skipped = 0
    try:
        for mod in sections():
            if a.section and mod.NAME not in a.section:
                continue
            cases = [c for c in mod.cases() if (not a.ids or c.id in a.ids)
                     and (c.quick or not a.quick)]
            for c in cases:
                if c.skip:
                    print("SKIP hostile %s (%s): %s" % (c.id, c.ref, c.skip))
            skipped += sum(1 for c in cases if c.skip)
            cases = [c for c in cases if not c.skip]
            if not cases:
                continue
            got = run_section(mod, cases, root, a.show)
            total = [x + y for x, y in zip(total, got)]
    finally:
        reports = harness.sanitizer_reports(asan)
        shutil.rmtree(root, ignore_errors=True)
    match, known, failed, crashes = total
    ncases = match + known + failed
    print("hostile: %d cases, %d match the oracle's recorded reply or the "
          "expected outcome, %d known differences, %d skipped, %d failed, "
          "%d daemon crashes, %d sanitizer reports" %
          (ncases, match, known, skipped, failed, crashes, len(reports)))
    return 1 if failed or crashes or reports else 0


if __name__ == "__main__":
    sys.exit(main())
