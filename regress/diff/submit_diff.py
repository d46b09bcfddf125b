#!/usr/bin/env python3
"""Differential test of command-line submission (`sendmail [-t] [-i]
[-f from] rcpt ... < message`): the real sendmail 8.17 and ours queue the
same message with -odq on the CentOS 7 cf in oracle_env.py's hermetic
world; stdout, the exit status and the queue files (qf and df) must be
equal after smtp_diff.py's normalisations, and so must the syslog lines
(pids, queue ids, message ids and delays left out).

sendmail expands the recipients while it queues a message from the
command line (aliases, nested ones, a .forward, duplicates, unknown
users refused at once, programs and files): the qf holds what is left
with C lines for the controlling users and A flags, and each recipient
is logged "stat=queued" (with dsn=4.4.3 for an SMTP mailer under -odd).
The alias cases compare that too.

The same happens in interactive and background mode (-odi, -odb, the
default), then the message is delivered at once (-odb: by a child, which
the run waits for in a pid namespace of its own): the cf's local mailer
is a script that appends each message to out/<user> after a line with
the envelope it was given, keeps a copy of the qf it sees then (what the
qf holds during the delivery), and defers bob (exit 75).  Compared too:
what each user got (a notification from MAILER-DAEMON by its envelope,
To: and Subject: only: its words are our own), those copies, and the qf
left for bob.  QueueLA and RefuseLA are set high so that the machine's
load never turns a delivery into queueing.

The smtp-* cases receive the message with -bs (the dialogue spoken as
smtp_diff.py speaks it).  Under -odb the delivery right after expands,
writes what the recipients became into the qf before it sends (the
copies show it) and leaves the members still to do; under -odi each
RCPT is expanded as it comes (a member refused makes its reply a 550,
a duplicate is answered with the address it duplicates).  The delivery
computes the priority anew (qf P line, pri= in the log lines after the
expansion) counting the header bytes, in which our version string is
not sendmail's: ours are compared as they would be with sendmail's (the
difference in length added), and the I line's inode is left out.

Usage: submit_diff.py [--bin DIR] [--show] [case ...]
Prints PASS|FAIL|XFAIL|SKIP diff submit-<case>: ... lines.
"""

import argparse
import email
import glob
import os
import re
import shutil
import sys

from oracle_env import (Skip, centos_world, log_socket, logged_ns,
                        oracle_binary, oracle_env, our_binary, ours_env,
                        run_ns_logged, verdict, write)
from lists_diff import delivered
from smtp_diff import ALIASES, converse, normalise, queue_files, sort_queue

ALIASES += """\
nested: list, bob, b@remote.example
dup: joe, bob, joe
unk: nosuchuser, joe
single: nosuchuser, nosuch2, joe
fwd: uucp
files: "|/bin/cat", /var/tmp/x-file, joe
mix: c@remote.example, dup, a@far.example, root
team: joe, bob
locals: team, root
owned: joe, bob
owner-owned: uucp
owned2: root, bob
owner-owned2: joe, bob
ustaff: joe, nosuchuser
owner-ustaff: root
allbad: nosuchuser, nosuch2
osingle: joe
owner-osingle: root
"""

# the local mailer: the envelope and message into OUT/<user>, a copy of
# the message's qf as it is at a user's first delivery, bob deferred
LOCAL_SH = """#!/bin/sh
from=none
if [ "$1" = -f ]; then from=$2; shift 2; fi
for u; do :; done
for q in '%(q)s'/qf*; do
	[ -f "$q" ] || continue
	[ -f '%(out)s'/"snap-$u" ] || grep -q '^S<>$' "$q" ||
	    cp "$q" '%(out)s'/"snap-$u"
done
# bob: read first (a mailer gone before the message is written makes
# sendmail log a write error), then defer
[ "$u" = bob ] && { cat > /dev/null; exit 75; }
{ echo "=== envelope from=$from to=$u"; cat; } >> '%(out)s'/"$u"
"""

PLAIN = b"Subject: t\n\nline\n"
DOTS = b"Subject: dots\n\nline\n..two dots\n.x\n.\nafter\n"
HDRS = (b"To: joe, Bob <bob@example.com>\nCc: \"Q. Uucp\" <uucp> (c)\n"
        b"Bcc: hidden@example.org\nSubject: t\n\nline\n")

# SMTP dialogues (-bs) as smtp_diff.py speaks them
SMTP_LIST = ["EHLO c.example.net", "MAIL FROM:<postmaster@vm.example.test>",
             "RCPT TO:<unk>", "RCPT TO:<locals>", "RCPT TO:<dup>", "DATA",
             "Subject: s", "", "body", ".", "QUIT"]
SMTP_ODI = ["EHLO c.example.net", "MAIL FROM:<postmaster@vm.example.test>",
            "RCPT TO:<allbad>", "RCPT TO:<unk>", "RCPT TO:<locals>",
            "RCPT TO:<bob>", "DATA", "Subject: i", "",
            "body", ".", "QUIT"]
SMTP_NOTIFY = ["EHLO c.example.net", "MAIL FROM:<postmaster@vm.example.test>",
               "RCPT TO:<team> NOTIFY=FAILURE ORCPT=rfc822;team@example.org",
               "RCPT TO:<joe>", "DATA", "Subject: f", "", "x", ".", "QUIT"]
SMTP_RECEIPT = ["EHLO c.example.net", "MAIL FROM:<postmaster@vm.example.test>",
                "RCPT TO:<joe> NOTIFY=SUCCESS ORCPT=rfc822;j@example.org",
                "RCPT TO:<bob> NOTIFY=SUCCESS", "DATA", "Subject: r", "",
                "x", ".", "QUIT"]
SMTP_RECEIPT_LIST = SMTP_RECEIPT[:2] + ["RCPT TO:<team> NOTIFY=SUCCESS"] + \
    SMTP_RECEIPT[4:]

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
    "odi-receipt": (["-odi", "-N", "success", "joe"], PLAIN, None),
    "odb-receipt": (["-odb", "-N", "success,failure", "team", "root"],
                    PLAIN, None),
    "odi-receipt-list": (["-odi", "-N", "success", "-R", "hdrs",
                          "locals"], PLAIN, None),
    "odi-receipt-team": (["-odi", "-N", "success", "team"], PLAIN, None),
    "odb-receipt-list": (["-odb", "-N", "success", "locals"], PLAIN, None),
    "smtp-odb-receipt": (["-odb", "-bs"], SMTP_RECEIPT,
                         "the qf the mailer sees: sendmail rewrites it "
                         "before sending for the new priority and I line "
                         "alone; we only when the recipients were expanded "
                         "(doc/differences.md)"),
    "smtp-odi-receipt": (["-odi", "-bs"], SMTP_RECEIPT, None),
    "smtp-odb-receipt-list": (["-odb", "-bs"], SMTP_RECEIPT_LIST, None),
    "smtp-odi-receipt-list": (["-odi", "-bs"], SMTP_RECEIPT_LIST, None),
    "verbose": (["-v", "joe"], PLAIN, None),
    "verbose-list": (["-v", "locals", "nosuchuser"], PLAIN, None),
    "verbose-odd": (["-v", "-odd", "dup"], PLAIN, None),
    "verbose-unknown": (["-v", "nosuchuser"], PLAIN, None),
    "verbose-receipt": (["-v", "-N", "success", "joe"], PLAIN, None),
    "verbose-odb": (["-v", "-odb", "team"], PLAIN, None),
    "odi-receipt-full": (["-odi", "-N", "success,failure", "-R", "full",
                          "joe", "nosuchuser"], PLAIN, None),
    "bulk": (["joe"], b"Precedence: bulk\nSubject: b\n\nx\n", None),
    "eightbit": (["-B8BITMIME", "joe"], b"Subject: 8\n\ncaf\xe9\n", None),
    "sevenbit-8bitmime": (["-B8BITMIME", "joe"], PLAIN, None),
    "from-line": (["joe"], b"From someone Tue Nov 24 08:00:00 2026\n"
                  b"Subject: f\n\nx\n", None),
    "no-headers": (["joe"], b"just a body line\n", None),
    "no-newline": (["joe"], b"Subject: n\n\nno newline at the end", None),
    "crlf": (["joe"], b"Subject: c\r\n\r\nline\r\n", None),
    "no-rcpt": ([], PLAIN, None),
    "alias": (["list"], PLAIN, None),
    "alias-and-remote": (["-f", "alice@example.com", "list", "x@far.example"],
                         PLAIN, None),
    "alias-nested": (["nested"], PLAIN, None),
    "alias-dups": (["dup", "joe"], PLAIN, None),
    "alias-mixed": (["mix"], PLAIN, None),
    "alias-unknown": (["unk"], PLAIN, None),
    "alias-one-left": (["single"], PLAIN, None),
    "unknown-user": (["nosuchuser", "joe"], PLAIN, None),
    "forward": (["fwd"], PLAIN, None),
    "prog-file": (["files"], PLAIN, None),
    "one-arg-list": (["joe, bob"], PLAIN, None),
    "alias-notify": (["-N", "success,delay", "list"], PLAIN, None),
    "alias-t": (["-t"], b"To: nested\nCc: x@far.example\nSubject: t\n\n"
                b"x\n", None),
    "odd": (["-odd", "-f", "alice@example.com", "list", "x@far.example"],
            PLAIN, None),
    # expanded the same way, then delivered (bob defers)
    "odb-alias": (["-odb", "locals"], PLAIN, None),
    "odi-alias": (["-odi", "locals"], PLAIN, None),
    "odb-unknown": (["-odb", "unk", "bob"], PLAIN, None),
    "odi-unknown": (["-odi", "unk", "bob"], PLAIN, None),
    "odb-unknown-given": (["-odb", "nosuchuser", "joe"], PLAIN, None),
    "odb-from": (["-odb", "-f", "alice@example.com", "team", "root"],
                 PLAIN, None),
    "odi-dsn": (["-odi", "-N", "failure,delay", "-V", "env9", "team"],
                PLAIN, None),
    "odb-t": (["-odb", "-t", "-oi"], b"To: team\nCc: joe, root\n"
              b"Subject: t\n\nx\n", None),
    "odb-default": (["-odb", "-odq", "-odb", "team", "joe"], PLAIN, None),
    # a list with an owner- alias: its members in an envelope of their
    # own sent by the owner (its value, or owner-LIST when a list)
    "owner": (["-f", "alice@example.com", "owned", "x@far.example"],
              PLAIN, None),
    "owner-only": (["-f", "alice@example.com", "owned"], PLAIN, None),
    "owner-list": (["-f", "alice@example.com", "owned2", "owned"], PLAIN,
                   None),
    "owner-is-sender": (["-f", "uucp", "owned", "root"], PLAIN, None),
    "owner-odd": (["-odd", "-f", "alice@example.com", "owned", "joe"],
                  PLAIN, None),
    "owner-odb": (["-odb", "-f", "alice@example.com", "owned", "root"],
                  PLAIN, None),
    "owner-odi": (["-odi", "-f", "alice@example.com", "owned2"], PLAIN,
                  None),
    "owner-unknown": (["-f", "alice@example.com", "ustaff"], PLAIN, None),
    "owner-single": (["-f", "alice@example.com", "osingle"], PLAIN, None),
    # received over SMTP (-bs, the dialogue written at once): the
    # delivery right after expands; what it leaves in the qf are the
    # members still to do, not the alias (else its members done would
    # be sent again)
    "smtp-odb": (["-odb", "-bs"], SMTP_LIST, None),
    "smtp-odb-notify": (["-odb", "-bs"], SMTP_NOTIFY, None),
    # -odi: each RCPT expanded at once, a member refused answers 550
    "smtp-odi": (["-odi", "-bs"], SMTP_ODI, None),
    "smtp-odi-notify": (["-odi", "-bs"], SMTP_NOTIFY, None),
    "odb-forward-remote": (["-odb", "fwd", "bob"], PLAIN,
                           "a host name not in /etc/hosts, with no "
                           "name server in the service switch: sendmail "
                           "defers 'Name server: HOST: host name lookup "
                           "failure' with relay=HOST, we ask DNS anyway "
                           "and say 'Name server timeout'"),
}

QID = re.compile(rb"\b[0-9A-Za-x]{8}[0-9]{5,}\b")


def log_lines(lines):
    """The syslog lines without pids, queue ids, message ids, delays;
    a notification's size (in its pri=) is its words', our own."""
    out, notice = [], None
    for ln in lines:
        ln = ln.encode("latin-1").split(b": ", 1)[-1]
        m = re.match(rb"\S+: (\S+): (DSN|postmaster notify): ", ln)
        if m:
            notice = m.group(1)
        if notice is not None and ln.startswith(notice + b": "):
            ln = re.sub(rb"pri=[0-9]+", b"pri=P", ln)
        ln = QID.sub(b"QID", ln)
        ln = re.sub(rb"msgid=<[^>]*>", b"msgid=<MSGID>", ln)
        ln = re.sub(rb"delay=[0-9:+]*", b"delay=D", ln)
        out.append(ln)
    return out


def make_forward(tmp):
    """uucp gets a home with a .forward (joe and a remote address)."""
    home = os.path.join(tmp, "home", "uucp")
    os.makedirs(home, exist_ok=True)
    write(os.path.join(home, ".forward"), "joe, u@fw.example\n")
    os.chown(home, 10, 10)
    os.chown(os.path.join(home, ".forward"), 10, 10)
    os.chmod(os.path.join(home, ".forward"), 0o644)
    os.chmod(tmp, 0o755)
    with open(os.path.join(tmp, "passwd")) as f:
        text = f.read()
    write(os.path.join(tmp, "passwd"), text.replace(
        ":/var/spool/uucp:/usr/sbin/nologin", ":%s:/bin/sh" % home))


OUR_VERS = re.compile(rb"\tby [^ \n]+ \(([0-9][0-9.]*)/")


def same_version(data, pris):
    """One queue file as it would be with sendmail's version in its
    headers: a queue run computes P from the header bytes (and writes
    an I line), and our $v
    is not 8.17.1.9.  P and the pri= of the log lines (pris maps the
    old value to the new) move by the difference; the I line's inode
    (of a df of each run's own) becomes INODE."""
    delta = sum(len(b"8.17.1.9") - len(m.group(1))
                for m in OUR_VERS.finditer(data))
    if not re.search(rb"(?m)^I[0-9]", data):
        delta = 0       # not computed anew (no I line then)

    def pri(m):
        new = int(m.group(1)) + delta
        pris[int(m.group(1))] = new
        return b"P%d" % new
    data = re.sub(rb"(?m)^P([0-9]+)$", pri, data)
    return re.sub(rb"(?m)^I([0-9]+/[0-9]+)/[0-9]+$", rb"I\1/INODE", data)


def same_pri(lines, pris):
    """pri= in the log lines as same_version moved the P lines."""
    return [re.sub(rb"pri=([0-9]+)", lambda m: b"pri=%d" % pris.get(
        int(m.group(1)), int(m.group(1))), ln) for ln in lines]


def delivering_cf(tmp, cf):
    """The cf with the test's local mailer, and no load limits."""
    q = os.path.join(tmp, "var/spool/mqueue")
    out = os.path.join(tmp, "out")
    script = os.path.join(tmp, "local.sh")
    write(script, LOCAL_SH % {"q": q, "out": out})
    os.chmod(script, 0o755)
    with open(cf) as f:
        t = f.read()
    t = re.sub(r"(?m)^(Mlocal,\s+P=)[^,]*,", lambda m: m.group(1) +
               script + ",", t, count=1)
    t = t.replace("A=procmail -t -Y -a $h -d $u", "A=local.sh $u", 1)
    t = t.replace("\nO QueueDirectory", "\nO QueueLA=999\nO RefuseLA=999"
                  "\nO QueueDirectory", 1)
    path = os.path.join(tmp, "submit-deliver.cf")
    write(path, t)
    return path


def notice_structure(out):
    """The shape of each return receipt delivered (its words are our
    own): the report's parts' types, then per recipient the
    Final-Recipient, the Action's first word and the Status."""
    res = []
    for f in sorted(glob.glob(os.path.join(out, "[!s]*"))):
        with open(f, "rb") as fh:
            data = fh.read()
        for part in re.split(rb"(?m)^=== envelope [^\n]*\n", data):
            m = email.message_from_bytes(part)
            if m.get("Subject") != "Return receipt":
                continue
            res.append(b"=== receipt: " + " ".join(
                p.get_content_type() for p in m.walk()).encode())
            for p in m.walk():
                if p.get_content_type() != "message/delivery-status":
                    continue
                for block in p.get_payload()[1:]:
                    res.append(b"  %s / %s / %s" % (
                        str(block.get("Final-Recipient")).encode(),
                        str(block.get("Action")).split()[0].encode(),
                        str(block.get("Status")).encode()))
    return res


def mailboxes(out, pris):
    """What each user got (lists_diff.py's way), the shape of the
    return receipts, then the qf copies the mailer took."""
    res = delivered(os.path.join(out, "[!s]*")) + notice_structure(out)
    for f in sorted(glob.glob(os.path.join(out, "snap-*"))):
        with open(f, "rb") as fh:
            res += [b"===== " + os.path.basename(f).encode()]
            res += normalise(same_version(fh.read(), pris)).split(b"\n")
    return res


def fresh_side(which, root, tmp, bindir):
    """An empty queue and out/ for which side; its binary and env."""
    q = os.path.join(tmp, "var/spool/mqueue")
    out_dir = os.path.join(tmp, "out")
    shutil.rmtree(q, ignore_errors=True)
    os.makedirs(q)
    shutil.rmtree(out_dir, ignore_errors=True)
    os.makedirs(out_dir)
    os.chmod(out_dir, 0o777)
    if which == "oracle":
        return oracle_binary(root), oracle_env(root)
    return our_binary(os.path.abspath(bindir)), ours_env()


def run_case(name, root, prefix, tmp, cf, bindir):
    argv, stdin, _ = CASES[name]
    results = []
    out_dir = os.path.join(tmp, "out")
    for which in ("oracle", "ours"):
        binary, env = fresh_side(which, root, tmp, bindir)
        argv1 = [binary, "-C", cf, "-odq"] + argv
        if isinstance(stdin, list):     # an SMTP dialogue
            pre, script = logged_ns(prefix, wait_all=True)
            with log_socket(tmp) as log:
                out = b"\n".join(converse(pre, tmp, argv1, env, stdin,
                                          script=script))
            err, rc = b"", 0
        else:
            out, err, rc, log = run_ns_logged(prefix, tmp, argv1, env,
                                              stdin=stdin, wait_all=True)
        pris = {}
        raw = b"\n".join(queue_files(tmp))
        raw = b"".join(same_version(f, pris)
                       for f in re.split(rb"(?m)^(?====== )", raw))
        files = sort_queue([re.sub(rb"^K[0-9]+$", b"KTIME", normalise(x))
                            for x in raw.split(b"\n")])
        lines = [normalise(x) for x in out.split(b"\n")]
        lines += [b"===== stderr"] + err.split(b"\n")
        lines += [b"===== exit %d" % rc, b"----- queue"] + files
        lines += [b"----- delivered"] + mailboxes(out_dir, pris)
        lines += [b"----- log"] + same_pri(log_lines(log), pris)
        results.append(lines)
    return results


def queue_runs(root, prefix, tmp, cf, bindir):
    """queue-run-priority: a message queued with -odq (Precedence: bulk,
    bob deferred) and then run twice with -q: each run gives it its P
    plus RetryFactor and writes an I line; the qf records P, I, N and
    the log lines' pri= after each run."""
    results = []
    q = os.path.join(tmp, "var/spool/mqueue")
    for which in ("oracle", "ours"):
        binary, env = fresh_side(which, root, tmp, bindir)
        run_ns_logged(prefix, tmp, [binary, "-C", cf, "-odq", "-f",
                                    "alice@example.com", "bob", "team"],
                      env, stdin=b"Subject: t\nPrecedence: bulk\n\nx\n",
                      wait_all=True)
        lines = []
        for run in range(3):
            if run:
                _, _, _, log = run_ns_logged(prefix, tmp, [binary, "-C", cf,
                                                           "-q"], env,
                                             wait_all=True)
                lines += [re.sub(rb"^.*(to=[^,]*).*(pri=[0-9]+).*$",
                                 rb"\1 \2", ln.encode("latin-1"))
                          for ln in log if "pri=" in ln]
            for f in sorted(glob.glob(os.path.join(q, "qf*"))):
                with open(f, "rb") as fh:
                    lines += [b"run %d: " % run + ln for ln in re.sub(
                        rb"(?m)^I([0-9]+/[0-9]+)/[0-9]+$", rb"I\1/INODE",
                        fh.read()).split(b"\n") if ln[:1] in (b"P", b"I",
                                                             b"N")]
        results.append(lines)
    return results


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.environ.get("BIN", "bin"))
    ap.add_argument("--show", action="store_true")
    ap.add_argument("cases", nargs="*")
    args = ap.parse_args()
    names = args.cases or list(CASES) + ["queue-run-priority"]
    try:
        root, prefix, tmp, cf = centos_world("submit_diff.", ALIASES)
        make_forward(tmp)
        cf = delivering_cf(tmp, cf)
    except Skip as e:
        for n in names:
            print("SKIP diff submit-%s: %s" % (n, e))
        return 0
    failed = 0
    for n in names:
        if n == "queue-run-priority":
            want, got = queue_runs(root, prefix, tmp, cf, args.bin)
            failed += verdict("submit-" + n, want, got, show=args.show)
            continue
        want, got = run_case(n, root, prefix, tmp, cf, args.bin)
        failed += verdict("submit-" + n, want, got, known=CASES[n][2],
                          show=args.show)
    shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
