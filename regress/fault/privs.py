#!/usr/bin/env python3
"""Privileges under load (reference reliability.md §5 figure 13).

The daemon is started as root, as an administrator starts it, in the
fault harnesses' world (world.py: local mailer, relay sink, -q3s), and
ledger.py's SMTP clients send local and relayed mail at 20 concurrent
connections.  Meanwhile the daemon's process tree is read from /proc
every 20 ms: every process's kind (master, worker, agent, runner,
child) and its real, effective, saved and file-system uids.

Figure: processes of the tree, but the master, seen holding a TCP
connection (a client's, or one to the relay host) while any of their
uids is 0.  Target 0.  Reported beside it, by kind: the uids seen at
all (the master keeps root, which a SIGHUP restart needs to bind again;
a worker is root for the moment between its fork and giving root up,
before it accepts; the local mailer has F=S here, as CentOS's procmail
mailer, and runs as root, as with sendmail).

Three set-ups: `--runas USER` gives the cf RunAsUser=USER and the queue
folder to USER (sendmail's way to keep root out of the SMTP side); by
default the queue folder is root's, as CentOS ships /var/spool/mqueue
(0700 root), and the daemon runs with its default privilege separation
(MAILSYS_PRIVSEP unset: off for now, doc/privsep.md): the workers and
agents, which write the queue, keep root as sendmail's children do;
`--privsep` turns separation on (MAILSYS_PRIVSEP=1): workers and SMTP
delivery children as DefaultUser, root only in the queue writers and
the local deliveries; `--no-privsep` says off (MAILSYS_PRIVSEP=0)
(doc/reliability.md, figure 13).

Usage: privs.py [--seconds 8] [--clients 20] [--runas USER]
                [--privsep | --no-privsep] [--json FILE]
Exit status 0 when no worker or agent was ever seen with uid 0 and the
load delivered mail (so the sampling saw the tree at work).
"""

import argparse
import json
import os
import pwd
import random
import shutil
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ledger  # noqa: E402
import world  # noqa: E402

def uids(pid):
    """(real, effective, saved, fs) uids of pid, or None once gone."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("Uid:"):
                    return tuple(int(x) for x in line.split()[1:5])
    except (OSError, ValueError):
        pass
    return None


def sample(w, seen, facing, stop):
    """Every 20 ms: {kind: {uids: count}} into seen, and {kind: {uids:
    count}} of the processes holding a TCP connection into facing."""
    while not stop.is_set():
        conns = world.tcp_inodes(listening=False)
        for pid, (_, kind) in w.tree().items():
            u = uids(pid)
            if u is None:
                continue
            per = seen.setdefault(kind, {})
            per[u] = per.get(u, 0) + 1
            if kind != "master" and world.socket_inodes(pid) & conns:
                per = facing.setdefault(kind, {})
                per[u] = per.get(u, 0) + 1
        time.sleep(0.02)


def run(seconds=8.0, clients=20, runas=None, log=print, privsep=None):
    """privsep None: the daemon's default (MAILSYS_PRIVSEP unset)."""
    if os.geteuid() != 0:
        raise SystemExit("privs.py: run it as root (the daemon starts as "
                         "root and gives root up)")
    root = tempfile.mkdtemp(prefix="privs.", dir="/var/tmp")
    extra = ledger.NO_W
    if runas:
        extra += "define(`confRUN_AS_USER', `%s')dnl\n" % runas
    w = world.World(root, store="mbox", mode="background",
                    postmaster=ledger.POSTMASTER, extra_mc=extra)
    if runas:
        pw = pwd.getpwnam(runas)
        os.chown(w.qdir, pw.pw_uid, pw.pw_gid)
    book, lock, stop, done = {}, threading.Lock(), threading.Event(), \
        threading.Event()
    seen, facing = {}, {}
    saved = os.environ.get("MAILSYS_PRIVSEP")
    try:
        if privsep is None:
            os.environ.pop("MAILSYS_PRIVSEP", None)
        else:
            os.environ["MAILSYS_PRIVSEP"] = "1" if privsep else "0"
        try:
            w.start(["-q3s"])
        finally:
            if saved is None:
                os.environ.pop("MAILSYS_PRIVSEP", None)
            else:
                os.environ["MAILSYS_PRIVSEP"] = saved
        sampler = threading.Thread(target=sample, args=(w, seen, facing, done),
                                   daemon=True)
        sampler.start()
        cl = [ledger.Client(i, w.port, book, stop, random.Random(i), 0.3,
                            lock) for i in range(clients)]
        for c in cl:
            c.start()
        time.sleep(seconds)
        stop.set()
        for c in cl:
            c.join(60)
        time.sleep(1)           # the last deliveries, still sampled
        done.set()
        sampler.join(10)
        w.stop()
        found = ledger.read_deliveries(w)[0]
    finally:
        w.close()
        shutil.rmtree(root, ignore_errors=True)
    acked = sum(1 for e in book.values() if e.get("state") == "ACKED")
    root_facing = {k: sum(n for u, n in v.items() if 0 in u)
                   for k, v in facing.items()}
    res = {
        "acked": acked, "delivered": len(found),
        "samples": {k: sum(v.values()) for k, v in seen.items()},
        "uids": {k: sorted(set(u for u in v)) for k, v in seen.items()},
        "network_facing_samples": {k: sum(v.values())
                                   for k, v in facing.items()},
        "network_facing_root_samples": root_facing,
    }
    log("privs: %d messages acked, %d copies delivered" %
        (acked, len(found)))
    for kind in ("master", "worker", "agent", "runner", "child"):
        if kind in seen:
            log("  %-7s %6d samples, uids (real, eff, saved, fs) seen: %s"
                % (kind, res["samples"][kind],
                   ", ".join("%d/%d/%d/%d" % u for u in res["uids"][kind])))
    log("  samples holding a TCP connection: %s; with a uid 0: %d "
        "(target 0)" % (", ".join("%s %d" % (k, v) for k, v in
                                  sorted(res["network_facing_samples"]
                                         .items())),
                        sum(root_facing.values())))
    res["ok"] = (sum(root_facing.values()) == 0 and acked > 0 and
                 len(found) > 0 and "worker" in facing)
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=8.0)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--runas")
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--privsep", action="store_true", default=None)
    g.add_argument("--no-privsep", dest="privsep", action="store_false")
    ap.add_argument("--json")
    a = ap.parse_args()
    res = run(a.seconds, a.clients, a.runas, privsep=a.privsep)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=1)
    return 0 if res["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
