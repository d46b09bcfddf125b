#!/usr/bin/env python3
"""Figure 14 (reference reliability.md §4.4, §5): slowloris and
connection floods against our `sendmail -bd`, while a legitimate client
delivers.

The daemon runs in regress/fault/world.py's world (DeliveryMode
queueonly: the 250 comes after the queue files are synced; RefuseLA
and DelayLA out of the way, the machine being shared), with
MaxDaemonChildren unset as CentOS's
sendmail.mc leaves it (--maxchildren N sets confMAX_DAEMON_CHILDREN).
From 127.0.0.2-127.0.0.254 the harness keeps --slow connections open
that send one byte of "EHLO ..." every --every seconds and never end
the line (a connection the server closes is opened again), and makes
--flood connections per second that connect and close at once.  The
harness runs in a network namespace of its own (world.own_network():
the daemon's reverse lookups of 127.0.0.2-254 fail at once and send
nothing to the host's resolver).  From
127.0.0.1 a real SMTP client starts a message every 0.2 s (EHLO, MAIL,
RCPT, DATA, the text, the dot) and times connect -> 250.  The daemon's
process tree is sampled every 0.1 s (world.tree()).

Reported: the legitimate latencies (median, 95th percentile, max, how
many over 2 s, failures), the most workers seen and MaxDaemonChildren,
and the daemon's fds and memory (the master; the workers' RSS and PSS
summed) at the start, under attack and some seconds after it ended.

Exit 1 when a target of figure 14 is missed: a legitimate message over
--limit seconds or failed, more workers than the cap, the master's fds
or memory above the baseline, or (unless --settle 0) more than the
idle pool left --settle seconds after the attack (idle workers leave
after 30 s).

Usage: flood.py [--slow 1000] [--flood 200] [--seconds 20] [--every 3]
                [--maxchildren N] [--conncontrol N] [--quick]
"""

import argparse
import multiprocessing
import os
import random
import resource
import selectors
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "fault"))
sys.path.insert(0, HERE)
import harness  # noqa: E402
import world  # noqa: E402

BODY = b"Subject: legit\r\n\r\nlegitimate message\r\n.\r\n"


def raise_fd_limit(want):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE,
                           (min(want, hard), hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def usage(pid):
    """(open fds, RSS kB, PSS kB) of one process; None when gone."""
    try:
        fds = len(os.listdir("/proc/%d/fd" % pid))
        rss = pss = 0
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1])
        return fds, rss, pss
    except (OSError, ValueError):
        return None


def snapshot(w):
    """The daemon's figures now: workers, and the usage of the master
    and of the workers summed."""
    tree = w.tree()
    workers = [p for p, (_, k) in tree.items() if k == "worker"]
    m = usage(w.pid) or (0, 0, 0)
    wf = wr = wp = 0
    for p in workers:
        u = usage(p)
        if u:
            wf, wr, wp = wf + u[0], wr + u[1], wp + u[2]
    return {"workers": len(workers), "procs": len(tree),
            "master_fds": m[0], "master_rss": m[1],
            "worker_fds": wf, "worker_rss": wr, "worker_pss": wp}


class Monitor(threading.Thread):
    """Samples the process tree every 0.1 s; keeps the maxima."""

    def __init__(self, w):
        super().__init__(daemon=True)
        self.w = w
        self.stopping = False
        self.max_workers = 0
        self.max_busy = 0
        self.samples = 0

    def run(self):
        while not self.stopping:
            tree = self.w.tree()
            workers = [p for p, (_, k) in tree.items() if k == "worker"]
            conns = world.tcp_inodes(False)
            busy = sum(1 for p in workers if world.socket_inodes(p) & conns)
            self.samples += 1
            self.max_workers = max(self.max_workers, len(workers))
            self.max_busy = max(self.max_busy, busy)
            time.sleep(0.1)


class Legit(threading.Thread):
    """A message every `period` seconds from 127.0.0.1, one at a time;
    latencies (connect -> 250 after the dot) and failures."""

    def __init__(self, port, period=0.2, timeout=60):
        super().__init__(daemon=True)
        self.port = port
        self.period = period
        self.timeout = timeout
        self.stopping = False
        self.lat = []
        self.starts = []        # monotonic start of each in lat
        self.fail = []

    def one(self):
        t0 = time.monotonic()
        s = socket.create_connection(("127.0.0.1", self.port),
                                     self.timeout)
        try:
            s.settimeout(self.timeout)
            f = s.makefile("rb")

            def expect(code):
                while True:
                    line = f.readline()
                    if not line:
                        raise OSError("closed, wanted %s" % code)
                    if line[3:4] != b"-":
                        break
                if not line.startswith(code):
                    raise OSError("got %r, wanted %s" % (line[:80], code))
            expect(b"220")
            for cmd, code in ((b"EHLO legit.example.net\r\n", b"250"),
                              (b"MAIL FROM:<legit@example.net>\r\n", b"250"),
                              (b"RCPT TO:<root@mail.example.test>\r\n",
                               b"250"),
                              (b"DATA\r\n", b"354"), (BODY, b"250")):
                s.sendall(cmd)
                expect(code)
            t1 = time.monotonic()
            s.sendall(b"QUIT\r\n")
        finally:
            s.close()
        return t1 - t0

    def run(self):
        nxt = time.monotonic()
        while not self.stopping:
            t0 = time.monotonic()
            try:
                self.lat.append(self.one())
                self.starts.append(t0)
            except OSError as e:
                self.fail.append(str(e))
            nxt += self.period
            time.sleep(max(0, nxt - time.monotonic()))
            nxt = max(nxt, time.monotonic())


class Hostile(multiprocessing.Process):
    """Keeps `slow` slowloris connections open (one byte every `every`
    seconds, spread over the interval, never a line end) and makes
    `flood` connect-and-close connections a second, from
    127.0.0.2-127.0.0.254 (or `src` only).  A process of its own, so
    that opening 1,000 sockets does not hold the legitimate client's
    thread back; stop() returns its counts."""

    def __init__(self, port, slow, flood, every, src=None):
        super().__init__(daemon=True)
        self.stop_ev = multiprocessing.Event()
        self.result = multiprocessing.Queue()
        self.port = port
        self.slow = slow
        self.flood = flood
        self.every = every
        self.src = src
        self.sel = None
        self.conns = {}         # sock -> next send time
        self.opened = self.closed_by_server = self.flooded = 0
        self.connect_errors = 0
        self.n = 0

    def addr(self):
        self.n += 1
        return self.src or "127.0.0.%d" % (2 + self.n % 253)

    def open_slow(self):
        s = socket.socket()
        s.setblocking(False)
        try:
            s.bind((self.addr(), 0))
            s.connect_ex(("127.0.0.1", self.port))
        except OSError:
            self.connect_errors += 1
            s.close()
            return
        self.conns[s] = time.monotonic() + random.uniform(0, self.every)
        self.sel.register(s, selectors.EVENT_READ)
        self.opened += 1

    def drop(self, s):
        self.sel.unregister(s)
        del self.conns[s]
        s.close()

    def stop(self):
        self.stop_ev.set()
        out = self.result.get(timeout=60)
        self.join(30)
        return out

    def run(self):
        self.sel = selectors.DefaultSelector()
        while len(self.conns) < self.slow and not self.stop_ev.is_set():
            self.open_slow()
        fl_next = time.monotonic()
        while not self.stop_ev.is_set():
            now = time.monotonic()
            for key, _ in self.sel.select(0.05):
                s = key.fileobj
                try:
                    data = s.recv(4096)
                except BlockingIOError:
                    continue
                except OSError:
                    data = b""
                if not data:
                    self.closed_by_server += 1
                    self.drop(s)
            for s, t in list(self.conns.items()):
                if t <= now:
                    try:
                        s.send(b"E")
                    except BlockingIOError:
                        pass
                    except OSError:
                        self.closed_by_server += 1
                        self.drop(s)
                        continue
                    self.conns[s] = t + self.every
            while len(self.conns) < self.slow:
                self.open_slow()
            while self.flood and fl_next <= now:
                fl_next += 1.0 / self.flood
                c = socket.socket()
                c.setblocking(False)
                try:
                    c.bind((self.addr(), 0))
                    c.connect_ex(("127.0.0.1", self.port))
                    self.flooded += 1
                except OSError:
                    self.connect_errors += 1
                c.close()
        counts = {"opened": self.opened, "closed": self.closed_by_server,
                  "open": len(self.conns), "flooded": self.flooded,
                  "errors": self.connect_errors}
        for s in list(self.conns):
            self.drop(s)
        self.result.put(counts)


def pct(v, p):
    if not v:
        return float("nan")
    v = sorted(v)
    return v[min(len(v) - 1, int(len(v) * p))]


def flood_world(root, maxchildren, conncontrol, mode):
    # the machine is shared: other jobs' load must not make the daemon
    # hold connections back (RefuseLA) or slow each reply (DelayLA)
    extra = ("define(`confREFUSE_LA', `1000')dnl\n"
             "define(`confDELAY_LA', `0')dnl\n")
    if conncontrol:
        # what an admin adds: the access map and FEATURE(conncontrol)
        # with "ClientConn:" limits (here for the whole loopback net
        # but our legitimate client, which has its own entry)
        extra += ("FEATURE(`access_db', `hash -o %s/w/etc/access')dnl\n"
                 "FEATURE(`conncontrol', `', `terminate')dnl\n"
                 % root)
    w = world.World(os.path.join(root, "w"), mode=mode, sink=False,
                    maxchildren=maxchildren, extra_mc=extra)
    if conncontrol:
        acc = os.path.join(w.root, "etc", "access")
        with open(acc, "w") as f:
            f.write("ClientConn:127.0.0.1\t0\nClientConn:127\t%d\n"
                    % conncontrol)
        subprocess.run([os.path.join(world.BIN, "makemap"), "-C", w.cf,
                        "hash", acc],
                       stdin=open(acc), check=True, timeout=30)
    return w


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--slow", type=int, default=1000)
    ap.add_argument("--flood", type=int, default=200,
                    help="connect-close connections a second")
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--every", type=float, default=3)
    ap.add_argument("--maxchildren", type=int, default=None)
    ap.add_argument("--conncontrol", type=int, default=0,
                    help="ClientConn limit for 127/8 (access map)")
    ap.add_argument("--src", default=None,
                    help="hostile source address (default: spread)")
    ap.add_argument("--mode", default="queueonly",
                    help="DeliveryMode (queueonly: the local mailer's "
                    "sync per copy would load the machine)")
    ap.add_argument("--limit", type=float, default=2.0)
    ap.add_argument("--settle", type=float, default=60)
    ap.add_argument("--quick", action="store_true",
                    help="200 slowloris, 100 floods/s, 6 s, --settle 0")
    a = ap.parse_args()
    if a.quick:
        a.slow, a.flood, a.seconds, a.settle = 200, 100, 6, 0
    rc = world.own_network()
    if rc is not None:
        return rc
    raise_fd_limit(a.slow + 1000)
    la = os.getloadavg()[0]
    root = tempfile.mkdtemp(prefix="flood.", dir="/var/tmp")
    w = flood_world(root, a.maxchildren, a.conncontrol, a.mode)
    problems = []
    try:
        w.start()
        time.sleep(1)
        base = snapshot(w)
        mon = Monitor(w)
        mon.start()
        legit = Legit(w.port)
        legit.start()
        time.sleep(2)           # latencies without attack
        quiet = list(legit.lat)
        hos = Hostile(w.port, a.slow, a.flood, a.every, a.src)
        t_att = time.monotonic()
        hos.start()
        time.sleep(a.seconds / 2)
        peak = snapshot(w)
        time.sleep(a.seconds / 2)
        # no new message from here; the one under way is waited for
        # (behind a full pool it gets its 250 only once the attack
        # ends, and that wait is its latency)
        legit.stopping = True
        time.sleep(0.3)
        hc = hos.stop()
        legit.join(70)
        under = legit.lat[len(quiet):]
        fails = list(legit.fail)
        attack = time.monotonic() - t_att
        t_end = time.monotonic()
        after = snapshot(w)
        while time.monotonic() - t_end < a.settle:
            after = snapshot(w)
            if (after["master_fds"] <= base["master_fds"] and
                    after["workers"] <= max(base["workers"], 4) + 2):
                break
            time.sleep(0.5)
        settled = time.monotonic() - t_end
        mon.stopping = True
        mon.join(5)
        alive = harness.alive(w)
    finally:
        w.close()
    cap = a.maxchildren or 0
    over = [x for x in under if x > a.limit]
    print("flood: load average %.1f at the start, %.1f at the end" %
          (la, os.getloadavg()[0]))
    print("flood: MaxDaemonChildren %s, %d slowloris (a byte every %g s) "
          "from %s, %d connect-close a second, %.0f s; conncontrol %s" %
          (a.maxchildren if a.maxchildren else "unset", a.slow, a.every,
           a.src or "127.0.0.2-254", a.flood, attack,
           a.conncontrol or "off"))
    print("flood: hostile connections opened %d, closed by the server %d, "
          "open at the end %d, connect-close %d, local connect errors %d"
          % (hc["opened"], hc["closed"], hc["open"], hc["flooded"],
             hc["errors"]))
    print("flood: legitimate before the attack: %d messages, median %.3f s"
          % (len(quiet), pct(quiet, 0.5)))
    print("flood: legitimate under attack: %d messages, median %.3f s, "
          "p95 %.3f s, max %.3f s, over %.1f s: %d, failed %d%s" %
          (len(under), pct(under, 0.5), pct(under, 0.95),
           max(under) if under else float("nan"), a.limit, len(over),
           len(fails), (" (%s)" % fails[0]) if fails else ""))
    slow = sorted(zip(under, legit.starts[len(quiet):]), reverse=True)[:3]
    print("flood: slowest: %s (seconds after the attack began)" %
          ", ".join("%.3f s at +%.1f" % (x, t - t_att) for x, t in slow))
    print("flood: workers: %d at the start, %d under attack, most seen %d, "
          "most with a client %d (%d samples), cap %s" %
          (base["workers"], peak["workers"], mon.max_workers, mon.max_busy,
           mon.samples, cap or "default"))
    for k in ("master_fds", "master_rss", "worker_fds", "worker_rss",
              "worker_pss"):
        print("flood: %-10s start %8d  attack %8d  %.0f s after %8d" %
              (k, base[k], peak[k], settled, after[k]))
    if peak["workers"]:
        print("flood: per busy worker: RSS %d kB, PSS %d kB" %
              (peak["worker_rss"] // peak["workers"],
               peak["worker_pss"] // peak["workers"]))
    if not under or over or fails:
        problems.append("legitimate latency")
    if cap and mon.max_workers > cap:
        problems.append("workers over MaxDaemonChildren")
    if after["master_fds"] > base["master_fds"]:
        problems.append("master fds not back")
    if after["master_rss"] > base["master_rss"] * 1.2 + 1024:
        problems.append("master RSS not back")
    if a.settle > 0 and after["workers"] > max(base["workers"], 4) + 2:
        problems.append("workers not back to the idle pool")
    if not alive:
        problems.append("daemon no longer answers")
    print("flood: %s" % ("PASS" if not problems else
                         "FAIL " + ", ".join(problems)))
    shutil.rmtree(root, ignore_errors=True)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
