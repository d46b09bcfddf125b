#!/usr/bin/env python3
"""Durability order of the 250 (reference reliability.md §4.1 end, §1.3;
issue 10 item 2).

Our daemon runs under `strace -f -ff -y` (every process its own trace,
file descriptors shown with their paths) while a few clients send N
messages.  For every `250 2.0.0 <id> Message accepted for delivery`
written to a client, the traces must show before it, in this order
(merged by time with strace's -ttt -T, each call returned before the
next started: under privilege separation, doc/privsep.md, the worker
that writes the 250 has its root queue writer sync and rename):

  fsync/fdatasync of .../df<id>       the body on disk
  fsync/fdatasync of .../tf<id> (or qf<id>)   the control file on disk
  rename(at) tf<id> -> qf<id>         the name that makes it a message
                                      (after both syncs)
  fsync of the queue folder           the rename durable (stricter than
                                      the oracle, which syncs the folder
                                      only on its later tf->qf rewrite)

Prints the count and percentage of 250s with each of: df+qf synced
before, rename after the syncs and before, folder synced after the
rename and before.  Exit 0 when all are 100 % and every message the
clients saw acknowledged was seen in the trace.

Usage: durability.py [--messages 1000] [--clients 4] [--keep]
"""

import argparse
import os
import re
import shutil
import socket
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import world  # noqa: E402

SYSCALLS = ("openat,write,writev,sendto,sendmsg,fsync,fdatasync,"
            "rename,renameat,renameat2")


def send(port, n, acked, errors):
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=60)
        f = s.makefile("rb")

        def reply():
            while True:
                line = f.readline()
                if not line:
                    raise EOFError
                if line[3:4] != b"-":
                    return line

        def cmd(t):
            s.sendall(t + b"\r\n")
            return reply()

        reply()
        cmd(b"EHLO durability.example.net")
        for i in range(n):
            cmd(b"MAIL FROM:<d@example.com>")
            cmd(b"RCPT TO:<root@mail.example.test>")
            cmd(b"DATA")
            r = cmd(b"Subject: d%d\r\n\r\n" % i + b"x" * 2000 + b"\r\n.")
            if r.startswith(b"250 "):
                acked.append(r.split()[2].decode())
        cmd(b"QUIT")
        s.close()
    except (OSError, EOFError) as e:
        errors.append(repr(e))


LINE = re.compile(r'^(\d+\.\d+) (\w+)\((.*)\)\s+=\s+(-?\d+).*<(\d+\.\d+)>$')
FDPATH = re.compile(r'^(\d+)<([^>]*)>')
REPLY250 = re.compile(r'"250 2\.0\.0 (\S+) Message accepted for delivery')


def events_of(path, pid):
    """A process's trace as (start, end, pid, kind, ...) tuples."""
    events = []
    with open(path, errors="replace") as f:
        for raw in f:
            m = LINE.match(raw.strip())
            if not m or int(m.group(4)) < 0:
                continue
            t0 = float(m.group(1))
            t1 = t0 + float(m.group(5))
            call, args = m.group(2), m.group(3)
            if call in ("fsync", "fdatasync"):
                p = FDPATH.match(args)
                if p:
                    events.append((t0, t1, pid, "sync", p.group(2)))
            elif call.startswith("rename"):
                names = re.findall(r'"([^"]*)"', args)
                if len(names) == 2:
                    events.append((t0, t1, pid, "rename",
                                   os.path.basename(names[0]),
                                   os.path.basename(names[1])))
            elif call in ("write", "writev", "sendto", "sendmsg"):
                r = REPLY250.search(args)
                if r:
                    events.append((t0, t1, pid, "250", r.group(1)))
    return events


def analyse(trace_dir, qdir):
    """(number of 250s, {check: count ok}, {qid: missing}, qids seen)

    The processes' traces are merged by time (strace -ttt -T: each
    call's start and duration): under privilege separation the worker
    that writes the 250 has its queue writer sync and rename the files.
    A step counts when the call returned before the next one started:
    df and qf synced, then the rename, then the folder synced by the
    process that renamed, all returned before the 250 was written."""
    total, ok = 0, {"synced": 0, "renamed": 0, "dirsync": 0}
    seen, bad = set(), {}
    events = []
    for name in os.listdir(trace_dir):
        pid = name.rsplit(".", 1)[-1]
        events.extend(events_of(os.path.join(trace_dir, name), pid))
    events.sort(key=lambda e: e[0])
    qreal = os.path.realpath(qdir)
    byqid, dirsyncs = {}, []
    for e in events:
        if e[3] == "sync":
            base = os.path.basename(e[4])
            if base[:2] in ("df", "tf", "qf"):
                byqid.setdefault(base[2:], []).append(e)
            elif os.path.realpath(e[4]) == qreal:
                dirsyncs.append(e)
        elif e[3] == "rename" and e[4][:2] == "tf" and \
                e[5] == "qf" + e[4][2:]:
            byqid.setdefault(e[4][2:], []).append(e)
    for e in events:
        if e[3] != "250":
            continue
        qid, t250 = e[4], e[0]
        total += 1
        seen.add(qid)
        before = [x for x in byqid.get(qid, []) if x[1] <= t250]
        df = [x[1] for x in before if x[3] == "sync" and
              os.path.basename(x[4]) == "df" + qid]
        qf = [x[1] for x in before if x[3] == "sync" and
              os.path.basename(x[4]) in ("tf" + qid, "qf" + qid)]
        ren = [x for x in before if x[3] == "rename"]
        miss = []
        if df and qf:
            ok["synced"] += 1
        else:
            miss.append("sync")
        if ren and any(t <= ren[-1][0] for t in df) and \
                any(t <= ren[-1][0] for t in qf):
            ok["renamed"] += 1
        elif ren and df and qf:
            miss.append("rename before sync")
        else:
            miss.append("rename")
        if ren and any(d[2] == ren[-1][2] and d[0] >= ren[-1][1] and
                       d[1] <= t250 for d in dirsyncs):
            ok["dirsync"] += 1
        else:
            miss.append("dirsync")
        if miss:
            bad[qid] = miss
    return total, ok, bad, seen


def run(messages=1000, clients=4, keep=False):
    root = tempfile.mkdtemp(prefix="durability.", dir="/var/tmp")
    trace = os.path.join(root, "trace")
    os.makedirs(trace)
    w = world.World(root, mode="queueonly", sink=False)
    acked, errors = [], []
    try:
        w.start(prefix=["strace", "-f", "-ff", "-qq", "-y", "-ttt", "-T",
                        "-s", "200",
                        "-e", "trace=" + SYSCALLS, "-o",
                        os.path.join(trace, "t")])
        per = [messages // clients + (1 if i < messages % clients else 0)
               for i in range(clients)]
        th = [threading.Thread(target=send, args=(w.port, n, acked, errors))
              for n in per]
        for t in th:
            t.start()
        for t in th:
            t.join(600)
    finally:
        w.close()
    total, ok, bad, seen = analyse(trace, w.qdir)
    res = {"messages_sent": messages, "acked_by_clients": len(acked),
           "replies_250_traced": total, "ok": ok,
           "missing_in_trace": len(set(acked) - seen),
           "bad_examples": dict(list(bad.items())[:5]),
           "client_errors": errors[:3]}
    if not keep:
        shutil.rmtree(root, ignore_errors=True)
    else:
        res["root"] = root
    return res


def pct(a, b):
    return 100.0 * a / b if b else 0.0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--messages", type=int, default=1000)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    if shutil.which("strace") is None:
        print("SKIP durability: no strace")
        return 0
    res = run(a.messages, a.clients, a.keep)
    print(res)
    t = res["replies_250_traced"]
    good = (t > 0 and t == res["acked_by_clients"] and
            not res["missing_in_trace"] and
            all(v == t for v in res["ok"].values()))
    print("%s durability: %d 250 replies traced; df+qf synced before: "
          "%.1f %%; rename after the syncs and before: %.1f %%; folder "
          "synced after the rename and before: %.1f %%" %
          ("PASS" if good else "FAIL", t, pct(res["ok"]["synced"], t),
           pct(res["ok"]["renamed"], t), pct(res["ok"]["dirsync"], t)))
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
