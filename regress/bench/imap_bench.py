#!/usr/bin/env python3
"""imap_bench.py -- mailboxd against dovecot 2.3 over IMAP, in one run.

A benchmark, never a test (`make check` does not run it; nothing fails on
a slow result).  Both servers run at the same time from one dovecot.conf
text (only the port and log differ): bin/mailboxd (the optimised `make`
build) and dovecot 2.3 unpacked from Debian's packages into the git-ignored
regress/.cache/dovecot (never installed; run as test_pop3_dovecot.py does,
in a private mount namespace with the unpacked /usr overlaid on the real
one, so it needs root).  Dovecot gets its best configuration for these
loads (shared/reference/imap-pop3.md §5): `service imap-login {
service_count = 0; process_min_avail = 2 }` and `service imap {
service_count = 100; process_min_avail = 4 }` (process reuse), and
mail_max_userip_connections raised so that no client is refused.  Users
u1..u20 (password "secret") in a passwd-file, sessions as `nobody`, mbox
INBOXes in a spool folder.  Runs alternate between the servers (ours,
dovecot, ours, ...) and the tables give medians.

Scenarios (-s, any of them, comma-separated; default all):

  login    LOGIN+LOGOUT per second: CLIENTS processes (4), each one
           connection after another (greeting, LOGIN uN secret, LOGOUT,
           close), users rotating over u1..u20, SECS seconds (5) a run.
  memory   private memory of idle sessions: SESSIONS (50) connections
           each LOGIN u1 + SELECT INBOX of a 1,000-message mbox, then
           Private_Clean + Private_Dirty (/proc/PID/smaps_rollup) of the
           process serving one session (the one holding its socket;
           median over the sessions), and the increase of the summed Pss
           of every process of the server divided by the sessions (what
           a session costs however processes share pages; a private sum
           would mislead, since a master's pages stop being private when
           it forks).
  imaptest dovecot's imaptest default mix (it must be built already,
           see below): users u1..u20, clients=10, secs=SECS_IMAPTEST (20),
           source mbox of 2,000 generated messages; its totals per
           command, and their sum per second.
  onembox  10 clients on one 1,000-message mbox for SECS_ONE (20) s:
           5 APPEND a 3 KB message in a loop, 5 loop SELECT INBOX, FETCH
           of the last 10 (UID FLAGS RFC822.SIZE BODY.PEEK[HEADER]), STORE
           +FLAGS (\\Deleted) on one of them, EXPUNGE.  Commands per
           second and the longest single command (the stall), p99 too.
  select   SELECT INBOX of select_bench.py's 10,000-message mbox (its
           cached pristine copy, no UIDs written): the first SELECT, one
           in a new session (indexes of both servers written by then),
           and a re-SELECT in that session.

The 1-minute load average is read before each scenario; above MAXLOAD (3)
the script waits up to WAIT_LOAD (300) s for it to drop, then goes on and
prints the load beside the figures.

imaptest: not packaged by Debian; built by hand from github:dovecot/imaptest
branch release-2.3 against Debian's dovecot-dev 2.3.19 (see
shared/bench/imaptest.md), outside this repo.  Put the binary at
regress/.cache/imaptest/imaptest or name it with IMAPTEST; it is run with
LD_LIBRARY_PATH set to the cached dovecot's /usr/lib/dovecot.  Without it
that scenario is skipped with a note.

Environment: BIN, RUNS (3), CLIENTS, SECS, SESSIONS, SECS_IMAPTEST,
SECS_ONE, MAXLOAD, WAIT_LOAD, IMAPTEST, BENCH_README (default this folder's
README; "-" prints only).
"""

import argparse
import multiprocessing
import os
import pwd
import grp
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(REPO, "regress", "proto"))
from procs import BIN, free_port  # noqa: E402
from select_bench import messages  # noqa: E402

MAILBOXD = os.path.join(BIN, "mailboxd")
CACHE = os.path.join(REPO, "regress", ".cache")
TREE = os.path.join(CACHE, "dovecot", "root")
DOVECOT = os.path.join(TREE, "usr", "sbin", "dovecot")
IMAPTEST = os.environ.get("IMAPTEST") or os.path.join(CACHE, "imaptest",
                                                      "imaptest")
RUNS = int(os.environ.get("RUNS", "3"))
CLIENTS = int(os.environ.get("CLIENTS", "4"))
SECS = float(os.environ.get("SECS", "5"))
SESSIONS = int(os.environ.get("SESSIONS", "50"))
SECS_IMAPTEST = int(os.environ.get("SECS_IMAPTEST", "20"))
SECS_ONE = float(os.environ.get("SECS_ONE", "20"))
MAXLOAD = float(os.environ.get("MAXLOAD", "3"))
WAIT_LOAD = float(os.environ.get("WAIT_LOAD", "300"))
USERS = 20
SERVERS = ("mailboxd", "dovecot")


def load1():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def wait_quiet(what):
    """Waits (up to WAIT_LOAD s) for the 1-minute load to be at most
    MAXLOAD; returns the load when the scenario starts."""
    deadline = time.time() + WAIT_LOAD
    la = load1()
    while la > MAXLOAD and time.time() < deadline:
        print("  (%s: load %.2f > %.1f, waiting)" % (what, la, MAXLOAD),
              flush=True)
        time.sleep(20)
        la = load1()
    return la


def mbox_text(n, seed_names=("alice", "bob", "carol")):
    """An mbox of the n deterministic messages of select_bench."""
    out = []
    for i, (date, text) in enumerate(messages(n)):
        out.append("From %s@example.org %s\n%s\n" %
                   (seed_names[i % len(seed_names)], date, text))
    return "".join(out)


def cached_mbox(n):
    path = os.path.join(CACHE, "bench-imap", "mbox-%d" % n)
    if not os.path.exists(path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path + ".tmp", "w") as f:
            f.write(mbox_text(n))
        os.rename(path + ".tmp", path)
    return path


# --- servers -----------------------------------------------------------

class World:
    """A root folder (mode 755, under /tmp so `nobody` can reach it) with
    users u1..u20 as nobody, one spool folder and home per server, and
    both servers running on their own ports."""

    def __init__(self):
        self.root = tempfile.mkdtemp(prefix="imap_bench.")
        os.chmod(self.root, 0o755)
        nobody = pwd.getpwnam("nobody")
        self.uid, self.gid = nobody.pw_uid, nobody.pw_gid
        self.group = grp.getgrgid(self.gid).gr_name
        self.procs = {}
        self.ports = {}

    def dir(self, name):
        return os.path.join(self.root, name)

    def spool(self, name):
        return os.path.join(self.root, name, "spool")

    def prepare(self, name, inbox=None, users=USERS):
        """Fresh homes and spools for server `name`; u1's INBOX a copy
        of the file `inbox` (others empty)."""
        d = self.dir(name)
        shutil.rmtree(d, ignore_errors=True)
        for sub in ("spool", "run", "state"):
            os.makedirs(os.path.join(d, sub))
        with open(os.path.join(d, "passwd"), "w") as f:
            for i in range(1, users + 1):
                home = os.path.join(d, "home", "u%d" % i)
                os.makedirs(os.path.join(home, "mail"))
                f.write("u%d:{PLAIN}secret:%d:%d::%s::\n" %
                        (i, self.uid, self.gid, home))
                sp = os.path.join(d, "spool", "u%d" % i)
                if i == 1 and inbox:
                    shutil.copyfile(inbox, sp)
                else:
                    open(sp, "w").close()
        os.chmod(os.path.join(d, "passwd"), 0o644)
        for top in (os.path.join(d, "home"), os.path.join(d, "spool")):
            for base, dirs, files in os.walk(top):
                os.chown(base, self.uid, self.gid)
                for x in files:
                    os.chown(os.path.join(base, x), self.uid, self.gid)

    def conf(self, name, port):
        d = self.dir(name)
        path = os.path.join(d, "dovecot.conf")
        with open(path, "w") as f:
            f.write(
                "protocols = imap\n"
                "listen = 127.0.0.1\n"
                "base_dir = %(d)s/run\n"
                "state_dir = %(d)s/state\n"
                "default_internal_user = nobody\n"
                "default_login_user = nobody\n"
                "default_internal_group = %(g)s\n"
                "ssl = no\n"
                "disable_plaintext_auth = no\n"
                "auth_mechanisms = plain login\n"
                "mail_max_userip_connections = 1000\n"
                "passdb {\n  driver = passwd-file\n"
                "  args = scheme=CRYPT %(d)s/passwd\n}\n"
                "userdb {\n  driver = passwd-file\n"
                "  args = %(d)s/passwd\n}\n"
                "mail_location = mbox:~/mail:INBOX=%(d)s/spool/%%u\n"
                "first_valid_uid = 0\n"
                "log_path = %(d)s/server.log\n"
                "service imap-login {\n"
                "  inet_listener imap {\n    port = %(p)d\n  }\n"
                "  inet_listener imaps {\n    port = 0\n  }\n"
                "  service_count = 0\n  process_min_avail = 2\n}\n"
                "service imap {\n"
                "  service_count = 100\n  process_min_avail = 4\n}\n" %
                {"d": d, "g": self.group, "p": port})
        return path

    def start(self, name):
        port = free_port()
        conf = self.conf(name, port)
        if name == "dovecot":
            argv = ["unshare", "-m", "sh", "-c",
                    "mount -t overlay overlay -o lowerdir=%s/usr:/usr /usr "
                    "&& exec /usr/sbin/dovecot -F -c %s" % (TREE, conf)]
        else:
            argv = [MAILBOXD, "-F", "-c", conf]
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        deadline = time.time() + 30
        while True:
            try:
                s = socket.create_connection(("127.0.0.1", port), timeout=5)
                s.recv(1000)
                s.close()
                break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    self.procs[name] = proc
                    self.stop(name)
                    raise RuntimeError("%s did not start; see %s" %
                                       (name, self.dir(name)))
                time.sleep(0.05)
        self.procs[name] = proc
        self.ports[name] = port
        time.sleep(0.5)     # dovecot's process_min_avail processes
        return port

    def stop(self, name):
        proc = self.procs.pop(name, None)
        if proc is None:
            return
        kids = descendants(proc.pid)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()
        # a session process of ours or dovecot's may outlive its master
        # for a moment; give them time, then end those that are left
        deadline = time.time() + 5
        while kids and time.time() < deadline:
            kids = [p for p in kids if os.path.exists("/proc/%d" % p)]
            time.sleep(0.05)
        for p in kids:
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def close(self):
        for name in list(self.procs):
            self.stop(name)
        shutil.rmtree(self.root, ignore_errors=True)


def descendants(pid):
    """The PIDs below pid, from /proc/*/stat."""
    parent = {}
    for e in os.listdir("/proc"):
        if not e.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % e) as f:
                st = f.read()
        except OSError:
            continue
        ppid = int(st[st.rindex(")") + 2:].split()[1])
        parent.setdefault(ppid, []).append(int(e))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        for c in parent.get(p, ()):
            out.append(c)
            todo.append(c)
    return out


def smaps_kib(pid, fields=("Private_Clean:", "Private_Dirty:")):
    """The sum of fields of /proc/pid/smaps_rollup in KiB (0 if pid is
    gone); by default the private memory."""
    total = 0
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                if line.startswith(fields):
                    total += int(line.split()[1])
    except OSError:
        return 0
    return total


def private_kib(pid):
    return smaps_kib(pid)


def pss_kib(pid):
    return smaps_kib(pid, ("Pss:",))


def socket_owner(local_port, server_port, pids):
    """The PID among pids holding the server end of the connection from
    127.0.0.1:local_port, or None."""
    inode = None
    with open("/proc/net/tcp") as f:
        next(f)
        for line in f:
            x = line.split()
            lport = int(x[1].split(":")[1], 16)
            rport = int(x[2].split(":")[1], 16)
            if lport == server_port and rport == local_port:
                inode = x[9]
                break
    if inode is None:
        return None
    want = "socket:[%s]" % inode
    for p in pids:
        try:
            for fd in os.listdir("/proc/%d/fd" % p):
                try:
                    if os.readlink("/proc/%d/fd/%s" % (p, fd)) == want:
                        return p
                except OSError:
                    pass
        except OSError:
            pass
    return None


# --- a small IMAP client -------------------------------------------------

class Conn:
    def __init__(self, port, timeout=60):
        self.sock = socket.create_connection(("127.0.0.1", port),
                                             timeout=timeout)
        self.buf = b""
        self.n = 0
        self.line()

    def line(self):
        while True:
            i = self.buf.find(b"\n")
            if i >= 0:
                line, self.buf = self.buf[:i], self.buf[i + 1:]
                return line.rstrip(b"\r")
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("connection closed")
            self.buf += chunk

    def cmd(self, text, literal=None):
        """Sends a command (with a LITERAL+ literal if given); returns
        (seconds to the tagged reply, status word, untagged lines).
        Literals in replies are skipped by their announced length."""
        self.n += 1
        tag = b"t%d " % self.n
        data = tag + text.encode()
        if literal is not None:
            data += b" {%d+}\r\n" % len(literal) + literal
        t0 = time.perf_counter()
        self.sock.sendall(data + b"\r\n")
        lines = []
        while True:
            line = self.line()
            m = re.search(rb"\{(\d+)\}$", line)
            if m:
                need = int(m.group(1))
                while len(self.buf) < need:
                    chunk = self.sock.recv(65536)
                    if not chunk:
                        raise EOFError("connection closed")
                    self.buf += chunk
                self.buf = self.buf[need:]
            if line.startswith(tag):
                self.last = line
                return (time.perf_counter() - t0,
                        line[len(tag):].split(b" ", 1)[0], lines)
            lines.append(line)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


# --- scenario 1: LOGIN+LOGOUT ---------------------------------------------

def login_worker(args):
    port, secs, k = args
    n = errors = 0
    i = k
    deadline = time.perf_counter() + secs
    while time.perf_counter() < deadline:
        try:
            c = Conn(port, timeout=30)
            st = c.cmd("LOGIN u%d secret" % (i % USERS + 1))[1]
            c.cmd("LOGOUT")
            c.close()
            if st == b"OK":
                n += 1
            else:
                errors += 1
        except (OSError, EOFError):
            errors += 1
        i += CLIENTS
    return n, errors


def scen_login(world, out):
    la = wait_quiet("login")
    rates = {s: [] for s in SERVERS}
    errs = {s: 0 for s in SERVERS}
    for s in SERVERS:
        world.prepare(s)
        world.start(s)
    with multiprocessing.Pool(CLIENTS) as pool:
        for _ in range(RUNS):
            for s in SERVERS:
                got = pool.map(login_worker, [(world.ports[s], SECS, k)
                                              for k in range(CLIENTS)])
                rates[s].append(sum(g[0] for g in got) / SECS)
                errs[s] += sum(g[1] for g in got)
    for s in SERVERS:
        world.stop(s)
    la2 = load1()
    rows = ["| server | LOGIN+LOGOUT/s (median) | runs | failed |",
            "|---|---|---|---|"]
    for s in SERVERS:
        rows.append("| %s | %.0f | %s | %d |" % (
            label(s), statistics.median(rates[s]),
            " ".join("%.0f" % r for r in rates[s]), errs[s]))
    rows.append("| target | ours >= dovecot's (~1,140/s in "
                "shared/bench/imaptest.md) | | |")
    out.append(("LOGIN+LOGOUT, %d clients, %g s a run, %d runs; load %.2f "
                "before, %.2f after" % (CLIENTS, SECS, RUNS, la, la2), rows))


def label(s):
    return "ours (bin/mailboxd)" if s == "mailboxd" else "dovecot 2.3"


# --- scenario 2: memory -----------------------------------------------------

def scen_memory(world, out):
    la = wait_quiet("memory")
    src = cached_mbox(1000)
    per_proc = {s: [] for s in SERVERS}
    per_sess = {s: [] for s in SERVERS}
    base_tot = {s: [] for s in SERVERS}
    for _ in range(RUNS):
        for s in SERVERS:
            world.prepare(s, inbox=src)
            port = world.start(s)
            master = world.procs[s].pid
            c = Conn(port)       # the first SELECT writes UIDs / indexes
            c.cmd("LOGIN u1 secret")
            c.cmd("SELECT INBOX")
            c.cmd("LOGOUT")
            c.close()
            time.sleep(1)
            pids = [master] + descendants(master)
            before = sum(pss_kib(p) for p in pids)
            before_priv = sum(private_kib(p) for p in pids)
            conns = []
            for _ in range(SESSIONS):
                c = Conn(port)
                c.cmd("LOGIN u1 secret")
                dt, st, lines = c.cmd("SELECT INBOX")
                if st != b"OK" or b"* 1000 EXISTS" not in lines:
                    print("WARNING: %s SELECT: %s" % (s, st))
                conns.append(c)
            time.sleep(1)
            pids = [master] + descendants(master)
            after = sum(pss_kib(p) for p in pids)
            owners = []
            for c in conns:
                p = socket_owner(c.sock.getsockname()[1], port, pids)
                if p is not None:
                    owners.append(private_kib(p))
            per_proc[s].append(statistics.median(owners) if owners else 0)
            per_sess[s].append((after - before) / SESSIONS)
            base_tot[s].append(before_priv)
            for c in conns:
                try:
                    c.cmd("LOGOUT")
                except (OSError, EOFError):
                    pass
                c.close()
            world.stop(s)
    la2 = load1()
    rows = ["| server | private KiB of the process serving a session "
            "| Pss KiB added per session (all processes) "
            "| private KiB of the server with no session |",
            "|---|---|---|---|"]
    for s in SERVERS:
        rows.append("| %s | %.0f | %.0f | %.0f |" % (
            label(s), statistics.median(per_proc[s]),
            statistics.median(per_sess[s]), statistics.median(base_tot[s])))
    rows.append("| target | | <= 512 | |")
    out.append(("Idle IMAP sessions: %d x (LOGIN u1, SELECT INBOX of 1000 "
                "messages), Private_Clean+Private_Dirty, %d runs; load "
                "%.2f before, %.2f after" % (SESSIONS, RUNS, la, la2), rows))


# --- scenario 3: imaptest ---------------------------------------------------

IMAPTEST_COLS = ("Logi", "List", "Stat", "Sele", "Fetc", "Fet2", "Stor",
                 "Dele", "Expu", "Appe", "Logo")


def run_imaptest(port, src, secs, name):
    env = dict(os.environ,
               LD_LIBRARY_PATH=os.path.join(TREE, "usr", "lib", "dovecot"))
    r = subprocess.run([IMAPTEST, "host=127.0.0.1", "port=%d" % port,
                        "user=u%d", "users=%d" % USERS, "pass=secret",
                        "mbox=%s" % src, "clients=10", "secs=%d" % secs],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       env=env, timeout=secs + 120)
    text = r.stdout.decode(errors="replace")
    with open(os.path.join(CACHE, "bench-imap", "imaptest-%s.out" % name),
              "w") as f:
        f.write(text)
    head = None
    totals = None
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("Totals:") and i + 1 < len(lines):
            head = lines[i + 1].split()
            for x in lines[i + 2:]:
                w = x.split()
                if len(w) >= len(head) and all(v.isdigit() for v in
                                               w[:len(head)]):
                    totals = [int(v) for v in w[:len(head)]]
                    break
    errors = sum(1 for x in lines if "Error:" in x)
    if totals is None:
        raise RuntimeError("imaptest gave no totals:\n" + text[-2000:])
    return dict(zip(head, totals)), errors, text


def scen_imaptest(world, out):
    if not os.access(IMAPTEST, os.X_OK):
        out.append(("imaptest: skipped, no %s" % IMAPTEST, []))
        return
    la = wait_quiet("imaptest")
    src = cached_mbox(2000)
    res = {s: [] for s in SERVERS}
    errs = {s: [] for s in SERVERS}
    for _ in range(RUNS):
        for s in SERVERS:
            world.prepare(s)
            port = world.start(s)
            tot, e, text = run_imaptest(port, src, SECS_IMAPTEST, s)
            res[s].append(tot)
            errs[s].append(e)
            world.stop(s)
    la2 = load1()
    cols = [c for c in IMAPTEST_COLS if c in res[SERVERS[0]][0]]
    rows = ["| server | " + " | ".join(cols) + " | commands/s | "
            "error lines |",
            "|---|" + "---|" * (len(cols) + 2)]
    for s in SERVERS:
        med = {c: statistics.median(r.get(c, 0) for r in res[s])
               for c in cols}
        per_s = statistics.median(sum(r.values()) / SECS_IMAPTEST
                                  for r in res[s])
        rows.append("| %s | %s | %.0f | %s |" % (
            label(s), " | ".join("%.0f" % med[c] for c in cols), per_s,
            " ".join(str(e) for e in errs[s])))
    out.append(("imaptest default mix (release-2.3 build), users u1..u%d, "
                "clients=10, secs=%d, 2,000-message source mbox, totals, "
                "median of %d runs; load %.2f before, %.2f after" %
                (USERS, SECS_IMAPTEST, RUNS, la, la2), rows))


# --- scenario 4: ten clients on one mbox -------------------------------------

def one_worker(args):
    port, secs, kind, k = args
    rnd = random.Random(k)
    lat = []
    counts = {}
    bad = []
    c = Conn(port, timeout=300)
    c.cmd("LOGIN u1 secret")
    body = ("From: w%d@example.org\r\nTo: u1@example.org\r\n"
            "Subject: appended %%d\r\n\r\n" % k +
            ("lorem ipsum dolor sit amet " * 4 + "\r\n") * 27).encode()
    deadline = time.perf_counter() + secs
    i = 0

    def do(name, text, literal=None):
        dt, st, lines = c.cmd(text, literal)
        lat.append(dt)
        counts[name] = counts.get(name, 0) + 1
        if st != b"OK":
            bad.append("%s: %s" % (name, c.last.decode(errors="replace")))
        return lines

    while time.perf_counter() < deadline:
        i += 1
        if kind == "append":
            do("APPEND", "APPEND INBOX", body % i)
            continue
        lines = do("SELECT", "SELECT INBOX")
        n = 0
        for x in lines:
            m = re.match(rb"\* (\d+) EXISTS", x)
            if m:
                n = int(m.group(1))
        if n == 0:
            continue
        lo = max(1, n - 9)
        do("FETCH", "FETCH %d:%d (UID FLAGS RFC822.SIZE BODY.PEEK[HEADER])"
           % (lo, n))
        do("STORE", "STORE %d +FLAGS (\\Deleted)" % rnd.randint(lo, n))
        do("EXPUNGE", "EXPUNGE")
    try:
        c.cmd("LOGOUT")
    except (OSError, EOFError):
        pass
    c.close()
    return lat, counts, bad


def scen_onembox(world, out):
    la = wait_quiet("onembox")
    src = cached_mbox(1000)
    res = {s: [] for s in SERVERS}
    for _ in range(RUNS):
        for s in SERVERS:
            world.prepare(s, inbox=src)
            port = world.start(s)
            c = Conn(port)
            c.cmd("LOGIN u1 secret")
            c.cmd("SELECT INBOX")     # UIDs written before the clock
            c.cmd("LOGOUT")
            c.close()
            jobs = [(port, SECS_ONE, "append", k) for k in range(5)] + \
                [(port, SECS_ONE, "loop", k) for k in range(5, 10)]
            t0 = time.perf_counter()
            with multiprocessing.Pool(10) as pool:
                got = pool.map(one_worker, jobs, chunksize=1)
            wall = time.perf_counter() - t0
            lat = [x for g in got for x in g[0]]
            counts = {}
            for g in got:
                for k, v in g[1].items():
                    counts[k] = counts.get(k, 0) + v
            lat.sort()
            res[s].append({"ops": len(lat) / wall,
                           "max": lat[-1] if lat else 0,
                           "p99": lat[int(len(lat) * 0.99)] if lat else 0,
                           "counts": counts,
                           "bad": [b for g in got for b in g[2]]})
            world.stop(s)
    la2 = load1()
    notes = []
    rows = ["| server | commands/s | longest command | p99 | APPEND "
            "| SELECT | FETCH | STORE | EXPUNGE | not OK |",
            "|---|---|---|---|---|---|---|---|---|---|"]
    for s in SERVERS:
        r = res[s]

        def med(key):
            return statistics.median(x[key] for x in r)

        def cnt(k):
            return statistics.median(x["counts"].get(k, 0) for x in r)
        rows.append("| %s | %.1f | %.0f ms (runs: %s) | %.0f ms | %d | %d "
                    "| %d | %d | %d | %d |" % (
                        label(s), med("ops"), med("max") * 1e3,
                        " ".join("%.0f" % (x["max"] * 1e3) for x in r),
                        med("p99") * 1e3, cnt("APPEND"), cnt("SELECT"),
                        cnt("FETCH"), cnt("STORE"), cnt("EXPUNGE"),
                        sum(len(x["bad"]) for x in r)))
        bad = sorted(set(re.sub(r"t\d+ ", "", b) for x in r
                         for b in x["bad"]))
        if bad:
            notes.append("%s, replies not OK: %s" % (label(s),
                                                     "; ".join(bad[:4])))
    rows.append("")
    for n in notes:
        rows.extend(textwrap.wrap(n, 76))
    out.append(("10 clients on one 1000-message mbox for %g s (5 APPEND, 5 "
                "SELECT/FETCH/STORE/EXPUNGE), medians of %d runs, counts "
                "per run; load %.2f before, %.2f after" %
                (SECS_ONE, RUNS, la, la2), rows))


# --- scenario 5: SELECT of a large mbox -------------------------------------

def scen_select(world, out):
    la = wait_quiet("select")
    sys.path.insert(0, HERE)
    from select_bench import pristine
    src = os.path.join(pristine(), "mbox")
    res = {s: {"first": [], "new": [], "same": []} for s in SERVERS}
    exists = {}
    for _ in range(RUNS):
        for s in SERVERS:
            world.prepare(s, inbox=src, users=1)
            port = world.start(s)
            c = Conn(port, timeout=300)
            c.cmd("LOGIN u1 secret")
            dt, st, lines = c.cmd("SELECT INBOX")
            res[s]["first"].append(dt)
            exists[s] = [x for x in lines if x.endswith(b" EXISTS")]
            c.cmd("LOGOUT")
            c.close()
            c = Conn(port, timeout=300)
            c.cmd("LOGIN u1 secret")
            res[s]["new"].append(c.cmd("SELECT INBOX")[0])
            res[s]["same"].append(c.cmd("SELECT INBOX")[0])
            c.cmd("LOGOUT")
            c.close()
            world.stop(s)
    la2 = load1()
    rows = ["| server | first SELECT | SELECT, new session | re-SELECT, "
            "same session | EXISTS |", "|---|---|---|---|---|"]
    for s in SERVERS:
        m = {k: statistics.median(v) for k, v in res[s].items()}
        rows.append("| %s | %.1f ms | %.2f ms | %.2f ms | %s |" % (
            label(s), m["first"] * 1e3, m["new"] * 1e3, m["same"] * 1e3,
            b" ".join(exists[s]).decode()))
    rows.append("| target | <= dovecot's | <= 2 ms | <= 2 ms | |")
    out.append(("SELECT INBOX of select_bench's 10,000-message mbox "
                "(~140 MB, no UIDs written yet), median of %d runs; load "
                "%.2f before, %.2f after" % (RUNS, la, la2), rows))


SCENARIOS = {"login": scen_login, "memory": scen_memory,
             "imaptest": scen_imaptest, "onembox": scen_onembox,
             "select": scen_select}


def git_commit():
    try:
        return subprocess.run(["git", "-C", REPO, "rev-parse", "--short",
                               "HEAD"], stdout=subprocess.PIPE,
                              check=True).stdout.decode().strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-s", "--scenarios", default="login,memory,imaptest,"
                    "onembox,select")
    ap.add_argument("-n", "--note", default="",
                    help="a paragraph to add under the tables")
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("imap_bench: needs root (dovecot in a mount namespace, "
                 "sessions as nobody)")
    if not os.access(MAILBOXD, os.X_OK):
        sys.exit("imap_bench: no %s (run make)" % MAILBOXD)
    if not os.path.exists(DOVECOT) or not os.path.exists(
            os.path.join(TREE, "usr", "lib", "dovecot", "imap")):
        sys.exit("imap_bench: no dovecot with imap under %s: in "
                 "regress/.cache/dovecot, apt-get download dovecot-core "
                 "dovecot-imapd and dpkg -x each .deb into root" % TREE)
    names = args.scenarios.split(",")
    for n in names:
        if n not in SCENARIOS:
            sys.exit("imap_bench: unknown scenario %s" % n)
    out = []
    world = World()
    try:
        for n in names:
            print("scenario %s ..." % n, flush=True)
            SCENARIOS[n](world, out)
    finally:
        world.close()
    text = ["## %s, IMAP: ours against dovecot 2.3 (commit %s)" %
            (time.strftime("%Y-%m-%d"), git_commit()), ""]
    text.extend(textwrap.wrap(
        "Machine: Linux %s, %d CPUs shared with other work; both "
        "servers on 127.0.0.1 with one dovecot.conf, dovecot with "
        "process reuse.  `python3 regress/bench/imap_bench.py -s %s`."
        % (os.uname().release, os.cpu_count(), args.scenarios), 76))
    text.append("")
    for title, rows in out:
        text.extend(textwrap.wrap(title + ":", 76))
        text.append("")
        text.extend(rows)
        text.append("")
    if args.note:
        text.extend(textwrap.wrap(args.note, 76) + [""])
    report = "\n".join(text)
    print(report)
    readme = os.environ.get("BENCH_README",
                            os.path.join(HERE, "README"))
    if readme != "-":
        with open(readme) as f:
            old = f.read()
        mark = "<!-- imap results -->\n"
        if mark not in old:
            sys.exit("imap_bench: no '%s' in %s" % (mark.strip(), readme))
        with open(readme + ".tmp", "w") as f:
            f.write(old.replace(mark, mark + "\n" + report + "\n", 1))
        os.rename(readme + ".tmp", readme)


if __name__ == "__main__":
    main()
