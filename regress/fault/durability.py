#!/usr/bin/env python3
"""Durability order of the 250 (reference reliability.md §4.1 end, §1.3;
issue 10 item 2).

Our daemon runs under `strace -f -ff -y` (every process its own trace,
file descriptors shown with their paths) while a few clients send N
messages.  For every `250 2.0.0 <id> Message accepted for delivery`
written to a client, the same process's trace must show before it, in
this order:

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


LINE = re.compile(r'^(\w+)\((.*)\)\s+=\s+(-?\d+)')
FDPATH = re.compile(r'^(\d+)<([^>]*)>')
REPLY250 = re.compile(r'"250 2\.0\.0 (\S+) Message accepted for delivery')


def analyse(trace_dir, qdir):
    """(number of 250s, {check: count ok}, {qid: missing})"""
    total, ok = 0, {"synced": 0, "renamed": 0, "dirsync": 0}
    seen, bad = set(), {}
    for name in os.listdir(trace_dir):
        events = []
        with open(os.path.join(trace_dir, name), errors="replace") as f:
            for raw in f:
                m = LINE.match(raw.strip())
                if not m or int(m.group(3)) < 0:
                    continue
                call, args = m.group(1), m.group(2)
                if call in ("fsync", "fdatasync"):
                    p = FDPATH.match(args)
                    if p:
                        events.append(("sync", p.group(2)))
                elif call.startswith("rename"):
                    names = re.findall(r'"([^"]*)"', args)
                    if len(names) == 2:
                        events.append(("rename", os.path.basename(names[0]),
                                       os.path.basename(names[1])))
                elif call in ("write", "writev", "sendto", "sendmsg"):
                    r = REPLY250.search(args)
                    if r:
                        events.append(("250", r.group(1)))
        for i, ev in enumerate(events):
            if ev[0] != "250":
                continue
            qid = ev[1]
            total += 1
            seen.add(qid)
            before = events[:i]
            pos = {}
            for j, e in enumerate(before):
                if e[0] == "sync":
                    base = os.path.basename(e[1])
                    if base == "df" + qid:
                        pos["df"] = j
                    elif base in ("tf" + qid, "qf" + qid):
                        pos["qf"] = j
                    elif os.path.realpath(e[1]) == os.path.realpath(qdir):
                        pos.setdefault("dirs", []).append(j)
                elif e[0] == "rename" and e[1] == "tf" + qid and \
                        e[2] == "qf" + qid:
                    pos["rename"] = j
            miss = []
            if "df" in pos and "qf" in pos:
                ok["synced"] += 1
            else:
                miss.append("sync")
            if "rename" in pos and pos["rename"] > max(pos.get("df", 1e9),
                                                       pos.get("qf", 1e9)):
                ok["renamed"] += 1
            elif "rename" in pos and "df" in pos and "qf" in pos:
                miss.append("rename before sync")
            else:
                miss.append("rename")
            if "rename" in pos and any(j > pos["rename"]
                                       for j in pos.get("dirs", [])):
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
        w.start(prefix=["strace", "-f", "-ff", "-qq", "-y", "-s", "200",
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
