#!/usr/bin/env python3
"""Differential test of mail filters: the real sendmail 8.17 and ours run
`-bs` on a cf with INPUT_MAIL_FILTER (each compiled by its own m4
package from the same .mc), both in front of the same test filter
(regress/proto/milter/testfilter.c, built here with gcc -lmilter) on a
unix socket, and the same dialogue is spoken to each.  Compared: the
replies, the syslog lines about filters (caught on a private /dev/log in
a mount namespace) and, for the changes at the end of the message, the
queue files.  Dates, queue ids and versions are normalised; "(will
queue)" (the oracle has no alias database here) is dropped.

The folder comes from oracle_env.make_tmp because sendmail refuses a
filter socket in a folder others may write (/tmp).

The case "ports" runs each side as a daemon (-bd, in its own network
namespace with loopback up) with the filters t1 and t2 and four ports:
MTA takes the option InputMailFilters (t1), MSA its own
`InputMailFilters=t2`, BOTH `t2;t1` (the order decides), NONE an empty
list (no filter); sendmail reads a port's list only in the daemon.  The
daemon is stopped by the PID in its PidFile.

Usage: milter_diff.py [--show] [case ...]
Prints PASS|FAIL|SKIP diff milter-<case>: ... lines (see run_tests.py).
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import time

from oracle_env import (REPO, Skip, make_tmp, oracle_binary, oracle_env,
                        our_binary, ours_env, oracle_root, verdict, write)

FILTER_SRC = os.path.join(REPO, "regress", "proto", "milter",
                          "testfilter.c")
MSG = ("From: a@client.example\r\nTo: root@mail.example.test\r\n"
       "Subject: s1\r\nX-Two: 1\r\nX-Two: 2\r\n\r\nhi\r\n.\r\n")
DIALOGUE = ["EHLO c.example", "MAIL FROM:<a@client.example>",
            "RCPT TO:<root@mail.example.test>", "DATA", "QUIT"]
MODS = ["eom:addhdr:X-Added:yes", "eom:chghdr:X-Two:2:changed",
        "eom:inshdr:0:X-First:top", "eom:inshdr:3:X-Third:3",
        "eom:chghdr:Subject:1:", "eom:chghdr:X-None:1:new",
        "eom:addrcpt:daemon",
        "eom:addrcptpar:<bin@mail.example.test>:NOTIFY=NEVER",
        "eom:delrcpt:<root@mail.example.test>",
        "eom:chgfrom:<b@client.example>", "eom:quarantine:looks_bad",
        "eom:replbody:new\\nbody\\n"]

# name -> (F= of the X line, the filter's actions; None: no filter)
CASES = {
    "continue": ("", []),
    "mail-reject": ("", ["mail:reject"]),
    "rcpt-reject": ("", ["rcpt:reject"]),
    "rcpt-tempfail": ("", ["rcpt:tempfail"]),
    "data-reject": ("", ["data:reject"]),
    "eom-reject": ("", ["eom:reject"]),
    "eom-tempfail": ("", ["eom:tempfail"]),
    "eom-discard": ("", ["eom:discard"]),
    "rcpt-discard": ("", ["rcpt:discard"]),
    "header-reject": ("", ["header:reject"]),
    "connect-reject": ("", ["connect:reject"]),
    "connect-tempfail": ("", ["connect:tempfail"]),
    "helo-reject": ("", ["helo:reject"]),
    "helo-tempfail": ("", ["helo:tempfail"]),
    "rcpt-replycode": ("", ["rcpt:reply:553:5.7.0:go away"]),
    "eom-replycode": ("", ["eom:reply:452:4.2.2:full:really full"]),
    "helo-replycode": ("", ["helo:reply:554:5.7.0:no helo"]),
    "mods": ("", MODS),
    "down-R": ("R", None),
    "down-T": ("T", None),
    "down": ("", None),
    "exit-at-mail-R": ("R", ["mail:exit"]),
    "exit-at-mail-T": ("T", ["mail:exit"]),
    "exit-at-mail": ("", ["mail:exit"]),
    "exit-at-eom-R": ("R", ["eom:exit"]),
    "slow-rcpt-T": ("T", ["rcpt:sleep:4"]),
    "unknown-reject": ("", ["unknown:reject"]),
    # Milter.LogLevel (F= slot "llN": the cf sets it to N)
    "loglevel-0-reject": ("ll0", ["rcpt:reject"]),
    "loglevel-14-mods": ("ll14", MODS),
    "loglevel-14-reject": ("ll14", ["mail:reject"]),
    "loglevel-14-down": ("ll14", None),
    "loglevel-20-eom-discard": ("ll20", ["eom:discard"]),
}
# cases with a dialogue of their own
DIALOGUES = {
    "unknown-reject": ["EHLO c.example", "FOO bar",
                       "MAIL FROM:<a@client.example>", "QUIT"],
}

# daemon cases: name -> (t1's actions, t2's actions)
PORT_CASES = {
    "ports": (["rcpt:reject"], ["rcpt:reply:553:5.7.0:t2 says no"]),
}
PORTS = (("MTA", 2525, ""), ("MSA", 2587, ", InputMailFilters=t2"),
         ("BOTH", 2588, ", InputMailFilters=t2;t1"),
         ("NONE", 2589, ", InputMailFilters="))
PORT_DIALOGUE = ["EHLO c.example", "MAIL FROM:<a@client.example>",
                 "RCPT TO:<root@mail.example.test>", "QUIT"]

# known differences: case -> why (XFAIL)
KNOWN = {
    "mods": "qf F line: sendmail leaves out 's' (split) after a filter "
            "replaced every recipient; we always write it",
}
KNOWN["loglevel-14-mods"] = KNOWN["mods"]

MC = """\
divert(0)dnl
define(`MAIL_SETTINGS_DIR', `{d}/etc/')dnl
define(`QUEUE_DIR', `{d}/mqueue')dnl
define(`STATUS_FILE', `{d}/sendmail.st')dnl
define(`ALIAS_FILE', `{d}/etc/aliases')dnl
define(`confSERVICE_SWITCH_FILE', `{d}/etc/service.switch')dnl
define(`confDOMAIN_NAME', `mail.example.test')dnl
define(`confTO_IDENT', `0')dnl
define(`confDELIVERY_MODE', `queueonly')dnl
define(`confDONT_PROBE_INTERFACES', `True')dnl
OSTYPE(`bsd4.4')dnl
FEATURE(`no_default_msa')dnl
FEATURE(`accept_unresolvable_domains')dnl
INPUT_MAIL_FILTER(`t1', `S=local:{d}/f.sock{flags}, T=C:2s;R:2s')dnl
MAILER(`local')dnl
MAILER(`smtp')dnl
"""

# the ports case: t2 beside t1, the daemon's PidFile and ports
PORTS_MC = ("define(`confPID_FILE', `{d}/sendmail.pid')dnl\n"
            "MAIL_FILTER(`t2', `S=local:{d}/f2.sock, T=C:2s;R:2s')dnl\n" +
            "".join("DAEMON_OPTIONS(`Port=%d, Addr=127.0.0.1, Name=%s%s')"
                    "dnl\n" % (port, name, opt)
                    for name, port, opt in PORTS))

# speaks SMTP to each port of a daemon, once it listens
TCPTALK = r'''
import socket, sys, time
for port in sys.argv[2:]:
    print("=== port " + port, flush=True)
    for _ in range(300):
        try:
            c = socket.create_connection(("127.0.0.1", int(port)), 5)
            break
        except OSError:
            time.sleep(0.1)
    else:
        print("<no daemon>")
        continue
    f = c.makefile("rb")
    def reply():
        while True:
            l = f.readline().decode("latin1")
            if not l:
                print("<EOF>")
                return
            print(l.rstrip("\r\n"), flush=True)
            if len(l) < 4 or l[3] != "-":
                return
    reply()
    for cmd in sys.argv[1].split("|"):
        print(">>> " + cmd, flush=True)
        c.sendall((cmd + "\r\n").encode())
        reply()
    c.close()
'''

# speaks SMTP to a -bs process: a reply awaited after each command
TALK = r'''
import os, subprocess, sys
p = subprocess.Popen(sys.argv[2:], stdin=subprocess.PIPE,
                     stdout=subprocess.PIPE)
def reply():
    out = []
    while True:
        l = p.stdout.readline().decode("latin1")
        if not l:
            out.append("<EOF>")
            break
        out.append(l.rstrip("\r\n"))
        if len(l) < 4 or l[3] != "-":
            break
    print("\n".join(out), flush=True)
    return out
reply()
for cmd in sys.argv[1].split("|"):
    print(">>> " + cmd, flush=True)
    try:
        p.stdin.write((cmd + "\r\n").encode())
        p.stdin.flush()
        r = reply()
        if cmd == "DATA" and r[-1].startswith("354"):
            p.stdin.write(os.environ["MSG"].encode())
            p.stdin.flush()
            reply()
    except BrokenPipeError:
        print("<EPIPE>")
        break
try:
    p.stdin.close()
except BrokenPipeError:
    pass
p.wait()
'''

# A PID namespace of its own: everything the script started (the
# daemon, which forks away from it, the syslog catcher) is killed when
# the script ends, also when it is killed on a timeout (--kill-child).
UNSHARE = ["unshare", "--uts", "--net", "--mount", "--pid", "--fork",
           "--kill-child"]

# it ends with the shell that started it, even one killed on a timeout
LOGSRV = r'''
import ctypes, signal, socket, sys
ctypes.CDLL(None).prctl(1, signal.SIGTERM)      # PR_SET_PDEATHSIG
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
out = open(sys.argv[2], "a")
while True:
    out.write(s.recv(65536).decode("latin1") + "\n")
    out.flush()
'''

# a private /dev with /dev/log ours, the host name qualified (an
# unqualified one makes sendmail wait a minute)
NS_START = """
hostname vm.example.test
mount --rbind /dev {w}/realdev
mount -t tmpfs tmpfs /dev
for n in null zero urandom random tty full; do
    touch /dev/$n; mount --bind {w}/realdev/$n /dev/$n
done
{py} {w}/logsrv.py /dev/log {w}/syslog & LP=$!
sleep 0.3
"""
NS = NS_START + """
{py} {w}/talk.py "$DIALOGUE" "$@"
sleep 0.3
kill $LP
"""


# the daemon's namespace: loopback up, the daemon started with "$@" and
# stopped by its PID when the dialogues are done
NS_DAEMON = NS_START + """
ip link set lo up
"$@"
{py} {w}/tcptalk.py "$DIALOGUE" {ports}
pid=$(head -1 {w}/sendmail.pid)
kill $pid
for i in $(seq 50); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
sleep 0.3
kill $LP
"""


def norm_line(line):
    line = re.sub(r"^<\d+>\w+ +\d+ [\d:]+ sendmail\[\d+\]: ", "", line)
    line = re.sub(r"\b[0-9A-Za-x]{8}\d{6}\b", "QID", line)
    line = re.sub(r"^NOQUEUE:", "QID:", line)     # doc/differences.md
    line = re.sub(r"Sendmail [^;]*;.*", "Sendmail V", line)
    line = re.sub(r"\(\S+/8\.17\.1\.9\)", "(V)", line)
    line = re.sub(r"\w\w\w, \d+ \w\w\w \d{4} [\d:]+ [-+\w]+", "DATE", line)
    line = re.sub(r"<\d{12}\.QID@", "<T.QID@", line)
    return line.replace(" (will queue)", "")


def keep(line):
    return not (line.startswith("250-AUTH") or "did not issue" in line or
                "alias database" in line or "stat=" in line or
                re.search(r"from=.*size=", line) or line.startswith("M") and
                "alias database" in line)


def queue_text(qdir):
    out = []
    for name in sorted(os.listdir(qdir)):
        with open(os.path.join(qdir, name), "rb") as f:
            data = f.read().decode("latin1")
        out.append("== %s" % name[:2])
        for line in data.split("\n"):
            if line[:1] in ("T", "P", "M", "$"):
                continue        # times, priority, aliases, macros
            out.append(norm_line(line))
    return out


def outputs(w, stdout):
    """The replies the dialogue got (those compared) and the syslog
    lines, normalised."""
    log = []
    if os.path.exists(os.path.join(w, "syslog")):
        with open(os.path.join(w, "syslog"), encoding="latin1") as f:
            log = [norm_line(x) for x in f.read().splitlines()]
    replies = [norm_line(x) for x in stdout.decode("latin1").splitlines()]
    return [x for x in replies if keep(x)], log


def run_side(w, binary, env, cf, actions, filterbin, py, dialogue):
    sock = os.path.join(w, "f.sock")
    for p in (sock, os.path.join(w, "syslog")):
        if os.path.exists(p):
            os.unlink(p)
    q = os.path.join(w, "mqueue")
    shutil.rmtree(q, ignore_errors=True)
    os.makedirs(q)
    fproc = None
    if actions is not None:
        fproc = start_filter(filterbin, sock, actions)
    try:
        env = dict(env, DIALOGUE="|".join(dialogue), MSG=MSG)
        p = subprocess.run(
            UNSHARE + ["sh", "-c",
             NS.format(w=w, py=py), "ns", binary, "-C", cf, "-bs", "-odq"],
            capture_output=True, env=env, timeout=90)
    finally:
        if fproc is not None:
            stop_filter(fproc)
    replies, log = outputs(w, p.stdout)
    return replies + ["-- log"] + [x for x in log if keep(x)] + [
        "-- queue"] + queue_text(q)


def start_filter(filterbin, sock, actions):
    """The test filter on a unix socket, once it listens."""
    if os.path.exists(sock):
        os.unlink(sock)
    fproc = subprocess.Popen([filterbin, "-p", "local:" + sock] + actions,
                             stdout=subprocess.PIPE)
    fproc.stdout.readline()
    return fproc


def stop_filter(fproc):
    if fproc.poll() is None:
        fproc.terminate()
    fproc.wait()
    fproc.stdout.close()


def run_daemon_side(w, binary, env, cf, acts, filterbin, py):
    """The ports case on one side: replies per port and the filter log
    lines."""
    for p in ("syslog", "sendmail.pid"):
        if os.path.exists(os.path.join(w, p)):
            os.unlink(os.path.join(w, p))
    q = os.path.join(w, "mqueue")
    shutil.rmtree(q, ignore_errors=True)
    os.makedirs(q)
    procs = [start_filter(filterbin, os.path.join(w, sock), a)
             for sock, a in (("f.sock", acts[0]), ("f2.sock", acts[1]))]
    try:
        env = dict(env, DIALOGUE="|".join(PORT_DIALOGUE))
        ports = " ".join(str(port) for _, port, _ in PORTS)
        p = subprocess.run(
            UNSHARE + ["sh", "-c",
             NS_DAEMON.format(w=w, py=py, ports=ports), "ns", binary,
             "-C", cf, "-bd", "-odq"],
            capture_output=True, env=env, timeout=120)
    finally:
        for fp in procs:
            stop_filter(fp)
    replies, log = outputs(w, p.stdout)
    return replies + ["-- log"] + [x for x in log if "ilter" in x]


def setup(w, root):
    os.makedirs(os.path.join(w, "etc"))
    os.makedirs(os.path.join(w, "realdev"))
    write(os.path.join(w, "etc", "local-host-names"), "mail.example.test\n")
    write(os.path.join(w, "etc", "aliases"), "postmaster: root\n")
    write(os.path.join(w, "etc", "service.switch"),
          "hosts files\naliases files\n")
    write(os.path.join(w, "talk.py"), TALK)
    write(os.path.join(w, "logsrv.py"), LOGSRV)
    write(os.path.join(w, "tcptalk.py"), TCPTALK)
    filterbin = os.path.join(w, "testfilter")
    p = subprocess.run(["gcc", "-O1", "-o", filterbin, FILTER_SRC,
                        "-lmilter", "-lpthread"], capture_output=True,
                       timeout=120)
    if p.returncode != 0:
        raise Skip("cannot build the test filter (libmilter-dev?)")
    cfs = {}
    trees = {"oracle": os.path.join(root, "usr/share/sendmail/cf"),
             "ours": os.path.join(REPO, "cf")}
    for flags in ("", "R", "T", "ports", "ll0", "ll14", "ll20"):
        mc = os.path.join(w, "t%s.mc" % flags)
        text = MC
        if flags == "ports":
            text = MC.replace("MAILER(`local')", PORTS_MC + "MAILER(`local')")
        elif flags.startswith("ll"):
            text = MC.replace("MAILER(`local')", "define(`confMILTER_LOG_"
                              "LEVEL', `%s')dnl\nMAILER(`local')" % flags[2:])
        write(mc, text.replace("{d}", w).replace(
            "{flags}", ", F=" + flags if flags in ("R", "T") else ""))
        for side, tree in trees.items():
            cf = os.path.join(w, "%s%s.cf" % (side, flags))
            with open(cf, "w") as out:
                subprocess.run(["m4", "-D_CF_DIR_=%s/" % tree,
                                os.path.join(tree, "m4/cf.m4"), mc],
                               stdout=out, stderr=subprocess.DEVNULL,
                               check=True, timeout=60)
            cfs[(side, flags)] = cf
    return filterbin, cfs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--show", action="store_true")
    ap.add_argument("cases", nargs="*")
    args = ap.parse_args()
    names = args.cases or list(CASES) + list(PORT_CASES)
    try:
        if shutil.which("gcc") is None or shutil.which("m4") is None:
            raise Skip("gcc or m4 missing")
        if os.geteuid() != 0:
            raise Skip("needs root (mount namespace, -bs as root)")
        root = oracle_root()
        w = make_tmp("milterdiff-")
        os.chmod(w, 0o755)
    except Skip as e:
        for n in names:
            print("SKIP diff milter-%s: %s" % (n, e))
        return 0
    bad = 0
    try:
        filterbin, cfs = setup(w, root)
        py = sys.executable
        for n in names:
            if n in PORT_CASES:
                want = run_daemon_side(w, oracle_binary(root),
                                       oracle_env(root),
                                       cfs[("oracle", "ports")],
                                       PORT_CASES[n], filterbin, py)
                got = run_daemon_side(w, our_binary(None), ours_env(),
                                      cfs[("ours", "ports")],
                                      PORT_CASES[n], filterbin, py)
                bad += verdict("milter-" + n,
                               [x.encode("latin1") for x in want],
                               [x.encode("latin1") for x in got],
                               known=KNOWN.get(n), show=args.show)
                continue
            flags, actions = CASES[n]
            dlg = DIALOGUES.get(n, DIALOGUE)
            want = run_side(w, oracle_binary(root), oracle_env(root),
                            cfs[("oracle", flags)], actions, filterbin, py,
                            dlg)
            got = run_side(w, our_binary(None), ours_env(),
                           cfs[("ours", flags)], actions, filterbin, py, dlg)
            bad += verdict("milter-" + n, [x.encode("latin1") for x in want],
                           [x.encode("latin1") for x in got],
                           known=KNOWN.get(n), show=args.show)
    except Skip as e:
        for n in names:
            print("SKIP diff milter-%s: %s" % (n, e))
    finally:
        shutil.rmtree(w, ignore_errors=True)
        time.sleep(0)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
