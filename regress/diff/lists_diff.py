#!/usr/bin/env python3
"""Differential test of the list features of delivery against the real
sendmail 8.17: :include: lists (nested, unsafe, missing, unreadable, a
program in a list from a folder anyone may write), whom programs run as
(an alias's, an :include: file's, a .forward's), owner- aliases (the
envelope sender of the list's deliveries and where its failures go,
owner-owner), MeToo and -n, double bounces (to DoubleBounceAddress, and
dropped when that fails too) and PostmasterCopy.

The world is deliver_diff.py's (oracle_env.py's hermetic CentOS 7 cf, the
local mailer replaced by a script); here the script also writes the
envelope it was given (-f $g, from F=f, and $u) before each message, and
the prog mailer is a script that notes its uid, gid and groups.  Two kinds of case:

  * queue cases: the real sendmail queues a message (-odq) to a stand-in
    user, its qf gets the case's R lines instead (sendmail expands lists
    when it queues, so this is how a queue run meets a list), and each
    program runs a copy of that queue (-qf);
  * submit cases (MeToo, -n): each program takes the message from its own
    command line, queues it (-odq) and runs its queue.

Compared per mailbox: each message's envelope; a message from
MAILER-DAEMON (a notification, in our own words) by its envelope, To: and
Subject: only, any other byte for byte after smtp_diff.py's
normalisations; then how many qf (and lost Qf) files are left, and the
queue run's log lines (log_lines() says how they are compared); for submit
cases the exit status, what was said on stdout and the sender's
dead.letter.

Usage: lists_diff.py [--bin DIR] [--show] [case ...]
Prints PASS|FAIL|SKIP diff lists-<case>: ... lines (see run_tests.py).
"""

import glob
import os
import re
import shutil
import subprocess
import sys

from deliver_diff import STRIP, side
from oracle_env import (NS_SCRIPT, Skip, centos_world, diff_args,
                        oracle_binary, oracle_env, our_binary, ours_env,
                        run_ns, run_ns_logged, verdict, write)
from smtp_diff import normalise

ALIASES = """\
postmaster: root
inclist: :include:@TMP@/inc/list1, bob
gw: :include:@TMP@/inc/gw
ww: :include:@TMP@/inc/ww
missing: :include:@TMP@/inc/nothere
unread: :include:@TMP@/inc/unread
unsafeprog: :include:@TMP@/open/prog
owned: joe, bob, nosuch
owner-owned: bob
staff: joe, nosuch
owner-staff: bob, root
owner-team: joe, nosuch
owner-owner: bob
mlist: joe, bob
progalias: "|/bin/true alias"
progincl: :include:@TMP@/inc/progs
"""

LOCAL_SH = """#!/bin/sh
# the test's local mailer: the message for the last argument into
# OUT/<it>, after a line with the envelope (F=f gives "-f $g" first)
from=none
if [ "$1" = -f ]; then from=$2; shift 2; fi
for u; do :; done
{ echo "=== envelope from=$from to=$u"; cat; } >> '%s'/"$u"
"""

# the prog mailer: who it ran as, and for what
PROG_SH = """#!/bin/sh
echo "prog uid=$(id -u) gid=$(id -g) groups=$(id -G) $2" >> '%s'/prog-log
cat >/dev/null
"""

PLAIN = b"Subject: t\n\nline one\n"

# name -> dict: rcpts (queue cases: the qf's R lines), submit (submit
# cases: argv after -odq), argv (queue cases: extra queueing argv, for
# the sender), cf (lines added to the cf)
CASES = {
    "include-nested": {"rcpts": ["inclist"]},
    "include-unsafe": {"rcpts": ["gw", "ww", "missing", "unread", "joe"]},
    "include-prog-unsafe": {"rcpts": ["unsafeprog"]},
    "include-direct": {"rcpts": [":include:@TMP@/inc/list2"]},
    "owner-sender": {"rcpts": ["owned"]},
    "owner-list-owner": {"rcpts": ["staff"]},
    "owner-owner": {"rcpts": ["owner-team"]},
    "owner-is-sender": {"rcpts": ["owned"], "argv": ["-f", "bob"]},
    "double-bounce": {"rcpts": ["nosuch"], "argv": ["-f", "<>"]},
    "double-bounce-elsewhere": {"rcpts": ["nosuch"], "argv": ["-f", "<>"],
                                "cf": ["O DoubleBounceAddress=joe"]},
    "double-bounce-dropped": {"rcpts": ["nosuch"], "argv": ["-f", "<>"],
                              "cf": ["O DoubleBounceAddress=nosuchpm"]},
    "bounce-fails": {"rcpts": ["nosuch"], "argv": ["-f", "nosender"]},
    "postmaster-copy": {"rcpts": ["joe", "nosuch"],
                        "cf": ["O PostmasterCopy=bob"]},
    "metoo-default": {"submit": ["-f", "joe", "mlist"]},
    "metoo-off": {"submit": ["-f", "joe", "mlist"],
                  "cf": ["O MeToo=False"]},
    "metoo-om": {"submit": ["-om", "-f", "joe", "mlist"],
                 "cf": ["O MeToo=False"]},
    "metoo-named": {"submit": ["-f", "joe", "joe", "mlist"],
                    "cf": ["O MeToo=False"]},
    "noalias": {"submit": ["-n", "bob", "mlist"]},
    "prog-run-as": {"rcpts": ["progalias", "progincl", "uucp"]},
    "prog-no-shell": {"rcpts": ["mail"]},
}


# cases whose log lines are known to differ, and why
LOG_KNOWN = {
    "double-bounce-dropped": "sendmail queues the postmaster notify, "
    "tries it and MAILER-DAEMON, then loses that notice's qf; we lose the "
    "message itself (a Qf either way, nothing delivered)",
}


def home_with_forward(tmp, user, uid, text):
    """tmp/home/<user> with a .forward of text, both the user's."""
    home = os.path.join(tmp, "home", user)
    os.makedirs(home)
    write(os.path.join(home, ".forward"), text)
    for p, mode in ((home, 0o755), (os.path.join(home, ".forward"), 0o644)):
        os.chown(p, uid, uid)
        os.chmod(p, mode)
    return home


def make_files(tmp):
    """The include files and homes the cases read."""
    os.chmod(tmp, 0o755)    # DefaultUser reads :include: files
    inc = os.path.join(tmp, "inc")
    os.makedirs(inc)
    os.chmod(inc, 0o755)
    files = {
        "list1": "joe\n# a comment\n:include:%s/list2\n" % inc,
        "list2": "root, bob  #@# a comment at the end\n",
        "gw": "joe\n", "ww": "joe\n", "unread": "joe\n",
    }
    for name, text in files.items():
        write(os.path.join(inc, name), text)
        os.chmod(os.path.join(inc, name), 0o644)
    os.chmod(os.path.join(inc, "gw"), 0o664)
    os.chmod(os.path.join(inc, "ww"), 0o666)
    os.chmod(os.path.join(inc, "unread"), 0o600)
    write(os.path.join(inc, "progs"), '"|/bin/true include"\n')
    os.chown(os.path.join(inc, "progs"), 1002, 100)
    os.chmod(os.path.join(inc, "progs"), 0o644)
    opened = os.path.join(tmp, "open")
    os.makedirs(opened)
    os.chmod(opened, 0o777)
    write(os.path.join(opened, "prog"), '"|/bin/cat"\n')
    os.chmod(os.path.join(opened, "prog"), 0o644)
    # root's dead.letter stays in the tree; uucp's .forward runs a
    # program, mail's (shell nologin) may not
    home = os.path.join(tmp, "home", "root")
    os.makedirs(home)
    uucp = home_with_forward(tmp, "uucp", 10, '"|/bin/true forward"\n')
    mail = home_with_forward(tmp, "mail", 8, '"|/bin/true nologin"\n')
    with open(os.path.join(tmp, "passwd")) as f:
        text = f.read()
    text = text.replace(":/root:", ":%s:" % home)
    text = text.replace(":/var/mail:", ":%s:" % mail)
    text = text.replace(":/var/spool/uucp:/usr/sbin/nologin",
                        ":%s:/bin/sh" % uucp)
    write(os.path.join(tmp, "passwd"), text)


def summary(msg):
    """A notification by its envelope, To: and Subject:, else it all."""
    head = msg.split(b"\n\n", 1)[0]
    if re.search(rb"^From: .*MAILER-DAEMON", head, re.M):
        keep = [ln for ln in head.split(b"\n")
                if ln.startswith((b"=== envelope", b"To:", b"Subject:"))]
        return keep
    return STRIP.sub(b"", normalise(msg)).split(b"\n")


def delivered(out):
    """Each mailbox in folder out (or the files of glob pattern out)."""
    res = []
    pattern = out if "*" in out else os.path.join(out, "*")
    for f in sorted(glob.glob(pattern)):
        with open(f, "rb") as fh:
            data = fh.read()
        res.append(b"===== " + os.path.basename(f).encode())
        for part in re.split(rb"(?m)^(?==== envelope )", data):
            if part:
                res.extend(summary(part))
    return res


QID = re.compile(r"[0-9A-Za-x]{8}[0-9]{6,}\b")


def log_lines(lines):
    """The queue run's syslog lines that say what became of whom, in an
    order of their own: ids, delays and priorities left out, a
    notification's line by what it is (its text is in our own words),
    ctladdr= only where a recipient was refused (a delivery's is not
    written yet), the owner- clone's line left out (the clone is not a
    message of its own here: its deliveries are the original's)."""
    out = []
    for ln in lines:
        ln = ln.split(": ", 1)[-1]      # "sendmail[pid]: "
        ln = QID.sub("QID", ln)
        if "clone: owner=" in ln:
            continue
        ln = re.sub(r", (x?delay|pri)=[^,]*", "", ln)
        if "stat=Sent" in ln:
            ln = re.sub(r", ctladdr=[^,]*", "", ln)
        ln = re.sub(r"^(QID: QID: (DSN|postmaster notify)):.*", r"\1", ln)
        out.append(ln.encode())
    return sorted(out)


def set_rcpts(qdir, rcpts):
    """The qf's recipients replaced by rcpts (as bare R lines)."""
    for f in glob.glob(qdir + "/qf*"):
        with open(f, "rb") as fh:
            lines = fh.read().split(b"\n")
        out, done = [], False
        for ln in lines:
            if ln[:1] in (b"C", b"r", b"R", b"Q"):
                continue
            if ln[:1] == b"H" and not done:
                out.extend(b"RPFD:" + r.encode() for r in rcpts)
                done = True
            out.append(ln)
        with open(f, "wb") as fh:
            fh.write(b"\n".join(out))


def run_case(n, c, world, ours, res, logs):
    root, prefix, tmp, good, env = world
    for who in ("oracle", "ours"):
        qdir, out, cf = side(good, tmp, n, who, LOCAL_SH, c.get("cf", []))
        prog = os.path.join(tmp, "prog-%s-%s.sh" % (n, who))
        write(prog, PROG_SH % out)
        os.chmod(prog, 0o755)
        with open(cf) as f:
            text = f.read()
        write(cf, text.replace("P=/usr/sbin/smrsh,", "P=%s," % prog, 1))
        write(os.path.join(out, "prog-log"), "")
        os.chmod(os.path.join(out, "prog-log"), 0o666)  # any uid notes
        binary, e = ((oracle_binary(root), env) if who == "oracle" else
                     (ours, ours_env()))
        said = []
        if "submit" in c:
            os.makedirs(qdir)
            so, _, rc = run_ns(prefix, tmp, [binary, "-C", cf, "-odq"] +
                               c["submit"], e, stdin=PLAIN)
            said = [b"----- exit %d" % rc] + [
                ln for ln in so.replace(tmp.encode(), b"@TMP@").split(b"\n")
                if ln]
            dead = os.path.join(tmp, "home", "root", "dead.letter")
            if os.path.exists(dead):
                with open(dead, "rb") as fh:
                    text = fh.read()
                os.unlink(dead)
                text = re.sub(rb"(?m)^(From \S+) .*$", rb"\1 DATE", text)
                said += [b"----- dead.letter"] + STRIP.sub(
                    b"", normalise(text)).split(b"\n")
        elif who == "oracle":
            os.makedirs(qdir)
            run_ns(prefix, tmp, [binary, "-C", cf, "-odq"] +
                   c.get("argv", []) + ["joe"], e, stdin=PLAIN)
            set_rcpts(qdir, [r.replace("@TMP@", tmp) for r in c["rcpts"]])
            saved = os.path.join(tmp, "q-%s-saved" % n)
            shutil.copytree(qdir, saved)
        else:
            shutil.copytree(os.path.join(tmp, "q-%s-saved" % n), qdir)
        logs[who] = log_lines(run_ns_logged(prefix, tmp, [binary, "-C", cf,
                                                          "-qf"], e)[3])
        res[who] = delivered(out) + said + [
            b"----- left: %d, lost: %d" % (len(glob.glob(qdir + "/qf*")),
                                           len(glob.glob(qdir + "/Qf*")))]


def main():
    args = diff_args()
    names = args.cases or list(CASES)
    try:
        root, prefix, tmp, base = centos_world("lists_diff.", ALIASES)
        env = oracle_env(root)
        make_files(tmp)
        write(os.path.join(tmp, "etc/aliases"), ALIASES.replace("@TMP@",
                                                                 tmp))
        subprocess.run(prefix + ["sh", "-c", NS_SCRIPT, "sh", tmp,
                                 oracle_binary(root), "-C", base, "-bi"],
                       env=env, capture_output=True, timeout=60)
        with open(base) as f:
            good = f.read()
    except Skip as e:
        for n in names:
            print("SKIP diff lists-%s: %s" % (n, e))
        return 0
    ours = our_binary(os.path.abspath(args.bin))
    world = (root, prefix, tmp, good, env)
    failed = 0
    for n in names:
        res, logs = {}, {}
        run_case(n, CASES[n], world, ours, res, logs)
        failed += verdict("lists-" + n, res["oracle"], res["ours"],
                          show=args.show)
        failed += verdict("lists-%s-log" % n, logs["oracle"], logs["ours"],
                          known=LOG_KNOWN.get(n), show=args.show)
    shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
