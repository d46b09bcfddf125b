#!/usr/bin/env python3
"""Differential test of mail.local: the real sendmail 8.17 one (Debian's
sendmail-bin, fetched by regress/oracle.sh) against ours (bin/mail.local).

Each case runs both programs as root inside `unshare --uts --mount` (host
name vm.example.test), each in a tree of its own: /etc/passwd and
/etc/group bind-mounted from the tree (users joe and bob with homes in
the tree, nohome without one), /var/mail bind-mounted to the tree's
spool folder (mode 1777).  The same message and flags go to both.
Compared: exit status, stdout (the LMTP replies, reply by reply),
stderr (the program's path made "mail.local"), and every file left in
the spool and the homes: name, mode, owner and bytes, the date of each
From_ line made "DATE".  Refusal cases set up a symbolic link, a hard
link, a folder or a mailbox owned by someone else first and check that
nothing was written through it.  Full-disk cases deliver into a 4 KiB
tmpfs spool: the same error, exit 75 (or reply 450), and the mailbox cut
back to its old size.

agent-inproc-lmtp, -local and -usage: our sendmail does the same with
P= our mail.local (run without exec: in a forked child for LMTP, in the
delivering process itself for `-d $u` under F=S) and with P= a copy of
it (executed): the same transcripts and mailboxes, and the same usage
error for an unknown flag; agent-inproc-stopped: SIGTERM while its
mail.local waits for a held dotlock, the message still whole in the
mailbox and no lock left, both ways; agent-inproc-exec checks with
strace which of the two was executed.  sendmail-usage: the real sendmail with each
mail.local given an unknown flag.

sendmail-lmtp and sendmail-local: the real sendmail 8.17 delivers one
message to joe, bob (a mailbox owned by root) and an unknown user with
its local mailer pointed at each mail.local in turn, as
FEATURE(local_lmtp) defines it (-l, the LMTP conversation shown by -v)
and as `mail.local -d $u`: transcripts and mailboxes compared, dates and
queue ids made alike.

Known, deliberate differences are XFAIL cases: Debian's mail.local
(built with Content-Length support) escapes a "From " line only when it
is the first line of the message; ours escapes every line that begins
with "From " (Python's mailbox module and other mboxo readers split at
any such line).  After a line longer than the last one, Debian's copies
stale buffer bytes into an unterminated last line; ours does not.

Cases for ours alone: -B and -s (later upstream flags the oracle lacks),
a delivery waiting for a dotlock that another process holds, and twenty
deliveries at once into one mbox while a dovecot-style holder keeps its
fcntl lock and dotlock for a second (every message once and whole when
Python's mailbox module reads the mbox back); and, with ours built
again with 2-second lock waits, a dotlock or fcntl lock kept by another
process: a temporary failure in mail.local's words, nothing written.

Usage: maillocal_diff.py [--bin DIR] [--keep] [case ...]
Prints `PASS diff maillocal-<case>: ...`, FAIL with the differences, XFAIL
for the labelled ones, or SKIP with the reason.  Exit 0, 1 on a failure,
77 when everything was skipped.
"""

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

from oracle_env import (REPO, Skip, make_tmp, oracle_env, oracle_root,
                        ours_env, write)

HOST = "vm.example.test"
PASSWD = """\
root:x:0:0:root:/root:/bin/sh
mail:x:8:8:mail:/var/mail:/usr/sbin/nologin
joe:x:1001:100:Joe User:@T@/home/joe:/bin/sh
bob:x:1002:100:Bob:@T@/home/bob:/bin/sh
nohome:x:1003:100:No Home::/bin/sh
"""
GROUP = "root:x:0:\nmail:x:8:\nusers:x:100:\n"
USERS = {"joe": 1001, "bob": 1002}

# with $SPOOL_SIZE the spool is a tmpfs of that size (a full disk),
# gone with the namespace: its files are listed on stdout instead
NS = ('mount --bind "$T/passwd" /etc/passwd && '
      'mount --bind "$T/group" /etc/group && '
      'mount --bind "$T/spool" /var/mail && '
      'hostname %s && cd "$T" || exit 125; '
      '[ -z "$SPOOL_SIZE" ] && exec "$@"; '
      'mount -t tmpfs -o "size=$SPOOL_SIZE,mode=1777" tmpfs /var/mail && '
      '"$@"; rc=$?; ls -ln /var/mail | sed 1d | cut -d" " -f1,3-5,9-; '
      'exit $rc' % HOST)

SIMPLE = (b"Received: from a by b\nFrom: Sender <s@example.org>\n"
          b"To: joe@example.test\nSubject: test\n\nline one\n\nline three\n"
          b"  indented\n.dot line\n")
CRLF = SIMPLE.replace(b"\n", b"\r\n")
CLEN = (b"Subject: c\nContent-Length: 9999\ncontent-length:3\n"
        b"X-Other: y\n\nbody\n")
FIRST_FROM = b"From someone@example.org Mon Jan  1 00:00:00 2024\nSubject: s\n\nb\n"
LONG = b"Subject: long\n\n" + b"x" * 5000 + b"\n" + b"y" * 3000 + b"\n"
EIGHT = b"Subject: \xe4\n\n\xc3\xa9t\xc3\xa9\n\x00nul\x00\n\x7f\n"
BODY_FROM = b"Subject: f\n\nFrom the start\nok\n\nFrom after blank\n"
STALE = b"Subject: s\n\n" + b"z" * 40 + b"\nunterminated"

LMTP_BASIC = (b"LHLO client\r\nLHLO again\r\nRCPT TO:<joe>\r\nDATA\r\n"
              b"MAIL FROM:<s@x.example>\r\nMAIL FROM:<t@x.example>\r\n"
              b"RCPT TO:<joe@vm.example.test>\r\nRCPT TO:<nosuch>\r\n"
              b"RCPT TO:<bob+detail@h>\r\nRCPT TO: <bob>\r\nRCPT TO:bob\r\n"
              b"VRFY joe\r\nNOOP\r\nFOO\r\n\r\nDATA\r\nSubject: t\r\n\r\n"
              b"..dot\r\nbody\r\n.\r\nMAIL FROM:<>\r\nRCPT TO:<joe>\r\n"
              b"RSET\r\nDATA\r\nMAIL FROM:<a> SIZE=10\r\n"
              b"RCPT TO:<joe> NOTIFY=NEVER\r\nDATA\r\nx\r\n.\r\nquit\r\n")
LMTP_PARSE = (b"lhlo x\r\nmail from:<@r1,@r2:a@b>\r\n"
              b"rcpt to:<\"jo e\"@x>\r\nRCPT TO:<JOE>\r\nRCPT TO:<>\r\n"
              b"RCPT TO:<joe> \r\nrcpt to:<joe>x\r\nrcpt  to:<joe>\r\n"
              b"RCPT TO:<j\\oe>\r\nRCPT TO:<bob@a@b>\r\n"
              b"mail from:<a>\r\ndata \r\nlhlo\r\nquit now\r\nQUIT\r\n")
LMTP_REFUSE = (b"LHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<joe>\r\n"
               b"RCPT TO:<bob>\r\nDATA\r\nSubject: r\r\n\r\nhi\r\n.\r\n"
               b"QUIT\r\n")
LMTP_EOF = b"LHLO x\r\nMAIL FROM:<a>\r\nRCPT TO:<joe>\r\nDATA\r\nabc\r\n"
LMTP_TWICE = (b"LHLO x\r\nMAIL FROM:<a>\r\nRCPT TO:<joe>\r\nRCPT TO:<joe>\r\n"
              b"DATA\r\nSubject: 2\r\n\r\nx\r\n.\r\nQUIT\r\n")


def setup_symlink(t):
    write(os.path.join(t, "target"), "precious\n")
    os.symlink(os.path.join(t, "target"), os.path.join(t, "spool/joe"))


def setup_wrong_owner(t):
    write(os.path.join(t, "spool/joe"), "root's\n")


def setup_hardlink(t):
    p = os.path.join(t, "spool/other")
    write(p, "")
    os.chown(p, 1001, 100)
    os.link(p, os.path.join(t, "spool/joe"))


def setup_dir(t):
    os.mkdir(os.path.join(t, "spool/joe"))


def setup_existing(t):
    p = os.path.join(t, "spool/joe")
    write(p, "From old Mon Jan  1 00:00:00 2024\nSubject: old\n\nold\n\n")
    os.chown(p, 1001, 100)
    os.chmod(p, 0o640)


def setup_home_symlink(t):
    write(os.path.join(t, "secret"), "root only\n")
    os.chmod(os.path.join(t, "secret"), 0o600)
    os.symlink(os.path.join(t, "secret"), os.path.join(t, "home/joe/mbox"))


def setup_home_link_out(t):
    os.mkdir(os.path.join(t, "rootonly"), 0o700)
    os.symlink(os.path.join(t, "rootonly"), os.path.join(t, "home/joe/Mail"))


def setup_home_link_group(t):
    os.mkdir(os.path.join(t, "rootonly"), 0o770)
    os.chmod(os.path.join(t, "rootonly"), 0o770)
    os.symlink(os.path.join(t, "rootonly"), os.path.join(t, "home/joe/Mail"))


def setup_lmtp_refuse(t):
    setup_wrong_owner(t)
    write(os.path.join(t, "x"), "")
    os.symlink(os.path.join(t, "x"), os.path.join(t, "spool/bob"))


# name -> (flags and recipients, stdin, setup, extra env, XFAIL reason)
CASES = {
    "basic": (["-f", "s@example.org", "joe"], SIMPLE, None, {}, None),
    "crlf": (["-f", "s@example.org", "joe"], CRLF, None, {}, None),
    "content-length": (["-f", "s", "bob"], CLEN, None, {}, None),
    "headers-only": (["-f", "s", "bob"], b"Subject: only\n", None, {},
                     None),
    "no-header": (["-f", "s", "bob"], b"\nno headers\n", None, {}, None),
    "empty": (["-f", "s", "bob"], b"", None, {}, None),
    "first-line-from": (["-r", "s", "joe"], FIRST_FROM, None, {}, None),
    "long-lines": (["-f", "s", "joe"], LONG, None, {}, None),
    "eight-bit-nul": (["-f", "s", "joe"], EIGHT, None, {}, None),
    "no-sender": (["joe"], SIMPLE, None, {}, None),
    "sender-mailer-daemon": (["-f", "<>", "joe"], SIMPLE, None, {}, None),
    "two-users": (["-d", "-f", "s", "joe", "bob"], SIMPLE, None, {}, None),
    "unknown-user": (["-f", "s", "nosuch"], SIMPLE, None, {}, None),
    "mixed-users": (["-f", "s", "nosuch", "joe", "bob"], SIMPLE,
                    setup_wrong_owner, {}, None),
    "case-and-domain": (["-f", "s", "JOE", "joe@host", "joe+x"], SIMPLE,
                        None, {}, None),
    "existing-mbox": (["-f", "s", "joe"], SIMPLE, setup_existing, {}, None),
    "home-file": (["-h", "mbox", "-d", "joe"], SIMPLE, None, {}, None),
    "home-file-mail-env": (["-h", "mbox", "-d", "joe"], SIMPLE, None,
                           {"MAIL": "@T@/spool/joe"}, None),
    "home-missing": (["-h", "mbox", "nohome"], SIMPLE, None, {}, None),
    "home-symlink": (["-h", "mbox", "joe"], SIMPLE, setup_home_symlink, {},
                     None),
    "home-link-to-root-folder": (["-h", "Mail/inbox", "joe"], SIMPLE,
                                 setup_home_link_out, {},
                                 "Debian's makes the mailbox as root "
                                 "through the user's link; ours works in "
                                 "the home folder as the user"),
    "home-link-to-root-group-folder": (["-h", "Mail/inbox", "joe"], SIMPLE,
                                       setup_home_link_group, {},
                                       "as above; ours acts with the "
                                       "user's group alone, not root's"),
    "refuse-symlink": (["-f", "s", "joe"], SIMPLE, setup_symlink, {}, None),
    "refuse-owner": (["-f", "s", "joe"], SIMPLE, setup_wrong_owner, {},
                     None),
    "refuse-hardlink": (["-f", "s", "joe"], SIMPLE, setup_hardlink, {},
                        None),
    "refuse-folder": (["-f", "s", "joe"], SIMPLE, setup_dir, {}, None),
    "disk-full": (["-f", "s", "joe"], LONG, None, {"SPOOL_SIZE": "4k"},
                  None),
    "disk-full-lmtp": (["-l"], b"LHLO x\r\nMAIL FROM:<a>\r\nRCPT TO:<joe>\r\n"
                       b"DATA\r\n" + LONG.replace(b"\n", b"\r\n") +
                       b".\r\nQUIT\r\n", None, {"SPOOL_SIZE": "4k"},
                       None),
    "flags-7bd": (["-7", "-b", "-d", "-f", "s", "joe"], SIMPLE, None, {},
                  None),
    "usage-none": ([], b"", None, {}, None),
    "usage-option": (["-x", "joe"], b"", None, {}, None),
    "usage-two-senders": (["-f", "a", "-r", "b", "joe"], b"", None, {},
                          None),
    "usage-U": (["-U", "joe"], b"", None, {}, None),
    "version": (["-V", "joe"], SIMPLE, None, {}, None),
    "mbdb-pw": (["-D", "pw", "-f", "s", "joe"], SIMPLE, None, {}, None),
    "mbdb-unknown": (["-D", "foo", "-f", "s", "joe"], SIMPLE, None, {},
                     None),
    "mbdb-ldap": (["-D", "ldap", "-f", "s", "joe"], SIMPLE, None, {}, None),
    "lmtp": (["-l"], LMTP_BASIC, None, {}, None),
    "lmtp-7": (["-l", "-7"], LMTP_BASIC, None, {}, None),
    "lmtp-parse": (["-l"], LMTP_PARSE, None, {}, None),
    "lmtp-refusals": (["-l"], LMTP_REFUSE, setup_lmtp_refuse, {}, None),
    "lmtp-eof-in-data": (["-l"], LMTP_EOF, None, {}, None),
    "lmtp-same-rcpt-twice": (["-l"], LMTP_TWICE, None, {}, None),
    "lmtp-with-users": (["-l", "joe"], LMTP_BASIC, None, {}, None),
    "from-in-body": (["-f", "s", "joe"], BODY_FROM, None, {},
                     "ours escapes every body line that begins with "
                     "'From ', Debian's none"),
    "unterminated-last-line": (["-f", "s", "joe"], STALE, None, {},
                               "Debian's copies stale bytes into an "
                               "unterminated last line after a longer one"),
}

FROM_DATE = re.compile(rb"^(>?From \S+) \w{3} \w{3} [ \d]\d "
                       rb"\d\d:\d\d:\d\d \d{4}$", re.M)


def make_tree(t, setup):
    for d in ("spool", "home/joe", "home/bob"):
        os.makedirs(os.path.join(t, d))
    os.chmod(os.path.join(t, "spool"), 0o1777)
    for u, uid in USERS.items():
        os.chown(os.path.join(t, "home", u), uid, 100)
    write(os.path.join(t, "passwd"), PASSWD.replace("@T@", t))
    write(os.path.join(t, "group"), GROUP)
    if setup:
        setup(t)


def snapshot(t):
    """Every file the programs may have touched, normalised."""
    out = []
    for sub in ("spool", "home/joe", "home/bob", "rootonly", "."):
        if not os.path.isdir(os.path.join(t, sub)):
            continue
        d = os.path.join(t, sub)
        for name in sorted(os.listdir(d)):
            p = os.path.join(d, name)
            st = os.lstat(p)
            if sub == "." and name in ("spool", "home", "passwd", "group",
                                       "rootonly"):
                continue
            line = "%s/%s mode=%o uid=%d gid=%d" % (
                sub, name, st.st_mode, st.st_uid, st.st_gid)
            if os.path.islink(p):
                line += " -> " + os.readlink(p).replace(t, "@T@")
                out.append(line.encode())
            elif os.path.isfile(p):
                with open(p, "rb") as f:
                    data = FROM_DATE.sub(rb"\1 DATE", f.read())
                out.append(line.encode())
                out.append(data)
            else:
                out.append(line.encode())
    return b"\n".join(out)


def run_one(ctx, who, binary, argv, stdin, setup, extra):
    t = os.path.join(ctx.tmp, "%s-%s" % (ctx.case, who))
    make_tree(t, setup)
    env = oracle_env(ctx.root) if who == "oracle" else ours_env()
    env["T"] = t
    for k, v in extra.items():
        env[k] = v.replace("@T@", t)
    try:
        p = subprocess.run(ctx.prefix + ["sh", "-c", NS, "sh", binary] +
                           argv, input=stdin, capture_output=True, env=env,
                           timeout=60)
        res = (p.stdout, p.stderr, p.returncode)
    except subprocess.TimeoutExpired:
        res = (b"", b"*** timed out\n", -1)
    out, err, rc = res
    err = err.replace(binary.encode(), b"mail.local").replace(
        t.encode(), b"@T@")
    out = out.replace(t.encode(), b"@T@")
    return (b"exit %d\n===== stdout\n" % rc + out + b"\n===== stderr\n" +
            err + b"\n===== files\n" + snapshot(t))


def report(ctx, test, want, got, xfail=None):
    """Prints the verdict on one case (`test` as in "maillocal-basic")
    and counts it; the first differing lines after a FAIL."""
    a, b = want.split(b"\n"), got.split(b"\n")
    same = sum(1 for x, y in zip(a, b) if x == y)
    total = max(len(a), len(b))
    if want == got:
        print("%s diff %s: %d/%d lines matched" %
              ("XPASS" if xfail else "PASS", test, total, total))
        ctx.counts["PASS"] += 1
        return
    if xfail:
        print("XFAIL diff %s: %d/%d lines matched (%s)" %
              (test, same, total, xfail))
        ctx.counts["XFAIL"] += 1
        return
    print("FAIL diff %s: %d/%d lines matched" % (test, same, total))
    ctx.counts["FAIL"] += 1
    shown = 0
    for i in range(total):
        x = a[i] if i < len(a) else b"<none>"
        y = b[i] if i < len(b) else b"<none>"
        if x != y:
            print("  line %d:\n    - oracle %r\n    + ours   %r" %
                  (i + 1, x[:200], y[:200]))
            shown += 1
            if shown == 8:
                break


def run_cases(ctx, args, tool, cases, compare, more=None):
    """The chosen cases (all, then more(ctx), when none are named), the
    tree removed unless --keep; the exit status."""
    try:
        for name in args.cases or list(cases):
            if name not in cases:
                print("FAIL diff %s-%s: no such case" % (tool, name))
                ctx.counts["FAIL"] += 1
                continue
            compare(ctx, name)
        if not args.cases and more is not None:
            more(ctx)
    finally:
        if args.keep:
            print("kept %s" % ctx.tmp)
        else:
            shutil.rmtree(ctx.tmp, ignore_errors=True)
    if ctx.counts["FAIL"]:
        return 1
    return 0 if ctx.counts["PASS"] else 77


def compare(ctx, name):
    argv, stdin, setup, extra, xfail = CASES[name]
    ctx.case = name
    want = run_one(ctx, "oracle", ctx.oracle, argv, stdin, setup, extra)
    got = run_one(ctx, "ours", ctx.ours, argv, stdin, setup, extra)
    report(ctx, "maillocal-" + name, want, got, xfail)


def ours_only(ctx):
    """-B and -s, and a dotlock held for a while by someone else."""
    ctx.case = "ours-flags"
    want = run_one(ctx, "ours", ctx.ours, ["-f", "s", "joe"], SIMPLE, None,
                   {})
    ctx.case = "ours-flags-Bs"
    got = run_one(ctx, "ours", ctx.ours, ["-B", "-s", "-f", "s", "joe"],
                  SIMPLE, None, {})
    ok = want == got
    print("%s diff maillocal-flags-B-s: ours with -B -s stores as without"
          % ("PASS" if ok else "FAIL"))
    ctx.counts["PASS" if ok else "FAIL"] += 1

    ctx.case = "ours-dotlock"
    lock = os.path.join(ctx.tmp, "ours-dotlock-ours", "spool", "joe.lock")

    def hold(t):
        write(os.path.join(t, "spool", "joe.lock"), "12345\n")

    def release():
        time.sleep(1.5)
        os.unlink(lock)

    th = threading.Thread(target=release)
    start = time.time()
    th.start()
    got = run_one(ctx, "ours", ctx.ours, ["-f", "s", "joe"], SIMPLE, hold,
                  {})
    th.join()
    waited = time.time() - start
    ok = (got.startswith(b"exit 0\n") and b"line three" in got and
          waited >= 1.4 and not os.path.exists(lock))
    print("%s diff maillocal-dotlock-wait: delivered after the lock went "
          "(%.1f s)" % ("PASS" if ok else "FAIL", waited))
    ctx.counts["PASS" if ok else "FAIL"] += 1


# the local mailer as FEATURE(local_lmtp) and the plain MAILER(local)
# define it, P= filled in per run
MAILERS = {
    "lmtp": ("Mlocal,\t\tP=%s, F=lsDFMAw5:/|@qPSXfmnz9, "
             "S=EnvFromL/HdrFromL, R=EnvToL/HdrToL,\n"
             "\t\tT=DNS/RFC822/SMTP,\n\t\tA=mail.local -l\n"),
    "local": ("Mlocal,\t\tP=%s, F=lsDFMAw5:/|@qPSXfmn9, "
              "S=EnvFromL/HdrFromL, R=EnvToL/HdrToL,\n"
              "\t\tT=DNS/RFC822/X-Unix,\n\t\tA=mail.local -d $u\n"),
    # a flag it does not know: the usage error, exit 64
    "usage": ("Mlocal,\t\tP=%s, F=lsDFMAw5:/|@qPSXfmn9, "
              "S=EnvFromL/HdrFromL, R=EnvToL/HdrToL,\n"
              "\t\tT=DNS/RFC822/X-Unix,\n\t\tA=mail.local -Z -d $u\n"),
}
NS_SM = ('for f in hosts resolv.conf passwd group; do '
         'mount --bind "$T/$f" /etc/$f || exit 125; done; '
         'mount --bind "$T/spool" /var/mail && hostname %s && cd "$T" && '
         'exec "$@"' % HOST)
E2E_MSG = (b"Subject: e2e\nFrom: s@example.org\n\nFromage\n.\n"
           b"..two\n" + b"w" * 3000 + b"\nlast\n")
E2E_NORM = [
    (re.compile(rb"\w{3}, \d{1,2} \w{3} \d{4} \d\d:\d\d:\d\d [-+]?\w+"),
     b"DATE"),
    (re.compile(rb"\b[0-9A-Za-z]{8}\d{6}\b"), b"QID"),
    (re.compile(rb"<\d{12}\.QID@"), b"<MSGID@"),
]


def stopped_run(t, argv, env):
    """argv run while joe's dotlock is held for 1.5 s, and sent SIGTERM
    0.5 s in, while its mail.local waits for that lock: the delivery
    still ends whole, nothing left locked (a mail.local of its own
    finishes by itself; one in the process holds the signal until it
    returns).  What it said, and its status."""
    lock = os.path.join(t, "spool", "joe.lock")
    write(lock, "1\n")
    p = subprocess.Popen(argv, stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env=env)
    p.stdin.write(E2E_MSG)
    p.stdin.close()
    p.stdin = None
    time.sleep(0.5)
    p.send_signal(signal.SIGTERM)
    time.sleep(1.0)
    os.unlink(lock)
    stdout, stderr = p.communicate(timeout=120)
    for _ in range(100):        # an orphaned mail.local finishing
        if not os.path.exists(lock):
            break
        time.sleep(0.1)
    time.sleep(0.5)
    return stdout, stderr, p.returncode


def sendmail_run(ctx, mode, who, binary, sm=None):
    """The real sendmail (or sm) delivers a message to joe, bob (whose
    mailbox belongs to root) and nosuch through mail.local; the
    transcript (-v) and the spool."""
    from oracle_env import build_cf, make_tree as env_tree, oracle_binary
    import oracle_env
    t = make_tmp("maillocal_e2e.")
    os.chmod(t, 0o755)
    env_tree(ctx.root, t)
    write(os.path.join(t, "etc/mail/aliases"), "postmaster: root\n")
    cf = build_cf("generic-linux", ctx.root, t)
    with open(cf) as f:
        text = f.read()
    text = re.sub(r"^Mlocal,.*?\n(?=\S)", lambda m: MAILERS[mode] % binary,
                  text, flags=re.M | re.S)
    # sendmail clears its mailers' environment; the oracle's mail.local
    # needs its libraries (an E line, as the bench's cf has)
    text = re.sub(r"^(V\d+/.*\n)", lambda m: m.group(1) +
                  "ELD_LIBRARY_PATH=%s\n" %
                  os.path.join(ctx.root, "usr/lib/x86_64-linux-gnu"),
                  text, count=1, flags=re.M)
    write(cf, text)
    os.makedirs(os.path.join(t, "spool"))
    os.chmod(os.path.join(t, "spool"), 0o1777)
    write(os.path.join(t, "spool", "bob"), "")
    env = oracle_env.oracle_env(ctx.root) if sm is None else ours_env()
    env["T"] = t
    sm = sm or oracle_binary(ctx.root)
    pre = ["unshare", "--uts", "--net", "--mount", "sh", "-c", NS_SM, "sh"]
    subprocess.run(pre + [sm, "-C", cf, "-bi"], capture_output=True,
                   env=env, timeout=60)
    argv = pre + (getattr(ctx, "strace", None) or []) + [
        sm, "-C", cf, "-odi", "-v", "-oi", "-f", "s@example.org", "joe",
        "bob", "nosuch"]
    if getattr(ctx, "stopped", False):
        stdout, stderr, rc = stopped_run(t, argv, env)
    else:
        p = subprocess.run(argv, input=E2E_MSG, capture_output=True,
                           env=env, timeout=120)
        stdout, stderr, rc = p.stdout, p.stderr, p.returncode
    out = b"exit %d\n%s\n===== stderr\n%s\n===== spool\n" % (
        rc, stdout, stderr)
    for name in sorted(os.listdir(os.path.join(t, "spool"))):
        with open(os.path.join(t, "spool", name), "rb") as f:
            out += b"%s:\n%s" % (name.encode(),
                                 FROM_DATE.sub(rb"\1 DATE", f.read()))
    out = out.replace(t.encode(), b"@T@").replace(binary.encode(), b"ML")
    for rx, rep in E2E_NORM:
        out = rx.sub(rep, out)
    if not ctx.keep:
        shutil.rmtree(t, ignore_errors=True)
    return out


def through_sendmail(ctx):
    """The real sendmail 8.17 with its local mailer pointed at each
    mail.local in turn, over LMTP (-l) and as `mail.local -d $u`: the
    same conversation and the same mailboxes."""
    for mode in MAILERS:
        want = sendmail_run(ctx, mode, "oracle", ctx.oracle)
        got = sendmail_run(ctx, mode, "ours", ctx.ours)
        report(ctx, "maillocal-sendmail-" + mode, want, got)


def agent_inproc(ctx):
    """Our sendmail runs our own mail.local without executing it (the
    delivery code in a forked child) when P= is the very file beside
    it; a copy of it elsewhere is executed.  Both ways must give the
    same exit status, transcript, error texts and mailboxes, over LMTP
    and as `mail.local -d $u`; and only the copy may be executed."""
    sm = os.path.join(os.path.dirname(ctx.ours), "sendmail")
    if not os.access(sm, os.X_OK):
        print("SKIP diff maillocal-agent-inproc: %s not built" % sm)
        return
    d = make_tmp("maillocal_copy.")
    os.chmod(d, 0o755)
    copy = os.path.join(d, "mail.local")
    shutil.copy2(ctx.ours, copy)
    for mode in MAILERS:
        want = sendmail_run(ctx, mode, "exec", copy, sm)
        got = sendmail_run(ctx, mode, "inproc", ctx.ours, sm)
        report(ctx, "maillocal-agent-inproc-" + mode, want, got)
    ctx.stopped = True
    want = sendmail_run(ctx, "local", "exec", copy, sm)
    got = sendmail_run(ctx, "local", "inproc", ctx.ours, sm)
    ctx.stopped = False
    report(ctx, "maillocal-agent-inproc-stopped", want, got)
    # which one was executed: strace sees the execve of the copy only
    if shutil.which("strace"):
        for binary, want_exec in ((copy, True), (ctx.ours, False)):
            log = os.path.join(d, "trace")
            old = getattr(ctx, "strace", None)
            ctx.strace = ["strace", "-f", "-qq", "-e", "trace=execve",
                          "-o", log]
            sendmail_run(ctx, "local", "trace", binary, sm)
            ctx.strace = old
            with open(log) as f:
                ran = binary in f.read()
            ok = ran == want_exec
            print("%s diff maillocal-agent-inproc-exec: %s %s" % (
                "PASS" if ok else "FAIL", binary.replace(d, "COPY"),
                "executed" if ran else "not executed"))
            ctx.counts["PASS" if ok else "FAIL"] += 1
    if not ctx.keep:
        shutil.rmtree(d, ignore_errors=True)


def lock_timeouts(ctx):
    """Ours alone, built again with 2-second lock waits: a dotlock or an
    fcntl lock that another process keeps is a temporary failure (75, or
    451/450 in LMTP) in mail.local's words, nothing written."""
    import fcntl
    quick = os.path.join(ctx.tmp, "mail.local-2s")
    src = os.path.join(REPO, "src")
    p = subprocess.run(
        ["cc", "-std=c11", "-O1", "-D_GNU_SOURCE", "-I" + src,
         "-DMAILLOCAL_LOCK_TIMEOUT=2", "-o", quick] +
        [os.path.join(src, "maillocal", f) for f in
         sorted(os.listdir(os.path.join(src, "maillocal")))
         if f.endswith(".c")] +
        [os.path.join(src, "mailbox", f) for f in
         ("mbox_lock.c", "mbox_deliver.c")] +
        [os.path.join(src, "lib", f) for f in
         sorted(os.listdir(os.path.join(src, "lib"))) if f.endswith(".c")],
        capture_output=True)
    if p.returncode != 0:
        print("SKIP diff maillocal-lock-timeout: cannot build a 2 s "
              "variant: %s" % p.stderr[:200])
        ctx.counts["SKIP"] = ctx.counts.get("SKIP", 0) + 1
        return
    held = []

    def mbox(t):
        path = os.path.join(t, "spool", "joe")
        write(path, "")
        os.chown(path, 1001, 100)
        os.chmod(path, 0o600)
        return path

    def dotlock(t):
        write(mbox(t) + ".lock", "1\n")

    def lockf(t):
        f = open(mbox(t), "r+")
        fcntl.lockf(f, fcntl.LOCK_EX)
        held.append(f)

    lmtp = (b"LHLO x\r\nMAIL FROM:<a>\r\nRCPT TO:<joe>\r\nDATA\r\n"
            b"Subject: l\r\n\r\nx\r\n.\r\nQUIT\r\n")
    for name, argv, stdin, setup, want in (
            ("dotlock", ["-f", "s", "joe"], SIMPLE, dotlock,
             b"mail.local: lockmailbox joe failed; error code 75 \n"),
            ("fcntl", ["-f", "s", "joe"], SIMPLE, lockf,
             b"mail.local: Lock /var/mail/joe: Resource temporarily "
             b"unavailable\n"),
            ("lmtp", ["-l"], lmtp, dotlock,
             b"451 4.3.0 lockmailbox joe failed; error code 75 \r\n")):
        ctx.case = "lock-timeout-" + name
        start = time.time()
        got = run_one(ctx, "ours", quick, argv, stdin, setup, {})
        took = time.time() - start
        for f in held:
            f.close()
        del held[:]
        files = got.split(b"===== files\n")[-1]
        ok = (want in got and 0.9 < took < 20 and
              files.startswith(b"spool/joe mode=100600 uid=1001 gid=100\n")
              and b"Subject" not in files and
              got.startswith(b"exit 0" if name == "lmtp" else b"exit 75"))
        print("%s diff maillocal-lock-timeout-%s: temporary failure after "
              "%.1f s, nothing written" % ("PASS" if ok else "FAIL", name,
                                            took))
        ctx.counts["PASS" if ok else "FAIL"] += 1
        if not ok:
            print("  %r" % got[:600])


CONCURRENT = 20
NS_MANY = ('mount --bind "$T/passwd" /etc/passwd && '
           'mount --bind "$T/group" /etc/group && '
           'mount --bind "$T/spool" /var/mail && cd "$T" && '
           'for i in $(seq 1 %d); do "$1" -f "s$i@example.org" joe '
           '<"$T/msg$i" & done; wait' % CONCURRENT)


def concurrent(ctx):
    """Deliveries at once into one mbox while another process holds
    dovecot's locks (fcntl, then the dotlock) for a second: every message
    once and whole, read back with Python's mailbox module."""
    import fcntl
    import mailbox
    t = os.path.join(ctx.tmp, "concurrent")
    make_tree(t, None)
    mbox = os.path.join(t, "spool", "joe")
    write(mbox, "")
    os.chown(mbox, 1001, 100)
    os.chmod(mbox, 0o600)
    for i in range(1, CONCURRENT + 1):
        body = "".join("From line %d of message %d\n" % (j, i)
                       for j in range(200))
        write(os.path.join(t, "msg%d" % i),
              "Subject: m%d\n\n%s" % (i, body))
    holder = open(mbox, "r+")
    fcntl.lockf(holder, fcntl.LOCK_EX)
    write(mbox + ".lock", "%d\n" % os.getpid())

    def release():
        time.sleep(1.0)
        os.unlink(mbox + ".lock")
        fcntl.lockf(holder, fcntl.LOCK_UN)
        holder.close()

    th = threading.Thread(target=release)
    th.start()
    env = ours_env()
    env["T"] = t
    p = subprocess.run(ctx.prefix + ["sh", "-c", NS_MANY, "sh", ctx.ours],
                       capture_output=True, env=env, timeout=120)
    th.join()
    msgs = list(mailbox.mbox(mbox))
    subjects = sorted(m["Subject"] for m in msgs)
    whole = all(m.get_payload().count("\n>From line ") == 199 and
                m.get_payload().startswith(">From line 0 ") for m in msgs)
    ok = (p.returncode == 0 and not p.stderr and whole and
          subjects == sorted("m%d" % i for i in range(1, CONCURRENT + 1)))
    print("%s diff maillocal-concurrent: %d deliveries behind a held "
          "dovecot lock, %d messages read back%s" %
          ("PASS" if ok else "FAIL", CONCURRENT, len(msgs),
           "" if ok else ": %r" % p.stderr[:300]))
    ctx.counts["PASS" if ok else "FAIL"] += 1


def start(tool):
    """The command line and a context with ours and the oracle's program
    (ctx.ours, ctx.root, ctx.oracle); Skip when either is missing."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.environ.get("BIN") or
                    os.path.join(REPO, "bin"))
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("cases", nargs="*")
    args = ap.parse_args()

    class Ctx:
        pass
    ctx = Ctx()
    ctx.counts = {"PASS": 0, "FAIL": 0, "XFAIL": 0}
    ctx.ours = os.path.abspath(os.path.join(args.bin, tool))
    if not os.access(ctx.ours, os.X_OK):
        raise Skip("%s not built" % ctx.ours)
    ctx.root = oracle_root()
    ctx.oracle = os.path.join(ctx.root, "usr/libexec/sendmail", tool)
    if not os.access(ctx.oracle, os.X_OK):
        raise Skip("the oracle has no %s" % tool)
    return args, ctx


def main():
    try:
        if os.geteuid() != 0:
            raise Skip("needs root (mailboxes owned by other users)")
        args, ctx = start("mail.local")
        ctx.prefix = ["unshare", "--uts", "--mount"]
        p = subprocess.run(ctx.prefix + ["true"], capture_output=True)
        if p.returncode != 0:
            raise Skip("cannot unshare uts/mount namespaces here")
        ctx.tmp = make_tmp("maillocal_diff.")
        os.chmod(ctx.tmp, 0o755)  # the users walk to their homes
    except Skip as e:
        print("SKIP diff maillocal: %s" % e)
        return 77

    ctx.keep = args.keep

    def more(ctx):
        through_sendmail(ctx)
        agent_inproc(ctx)
        ours_only(ctx)
        concurrent(ctx)
        lock_timeouts(ctx)
    return run_cases(ctx, args, "maillocal", CASES, compare, more)


if __name__ == "__main__":
    sys.exit(main())
